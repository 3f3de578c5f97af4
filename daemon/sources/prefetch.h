/* prefetch.h: reads a recording ahead in a thread of its own, so decoding the file and running the pipeline
 * overlap when a replay runs as fast as possible (two cores: the hour of 8 channels at 2 kHz costs the larger
 * of the two instead of their sum).
 * Owns: the reader thread and its ring of blocks. Once started, the recording belongs to the reader thread
 * until prefetch_stop returns. */
#ifndef MF_PREFETCH_H
#define MF_PREFETCH_H

#include <stddef.h>
#include <stdint.h>

#include "sources/reader.h"

typedef struct prefetch prefetch;

/* Starts reading r in blocks of up to block_frames frames. NULL with err (what, what to do) on failure. */
prefetch *prefetch_start(reader *r, uint32_t block_frames, char *err, size_t n);

/* The next block: frames read (0 at the end of the recording); *frames points to them (interleaved, as
 * reader_read) and stays valid until the next call. */
uint32_t prefetch_next(prefetch *p, const double **frames);

/* Stops the reader (also before the end) and frees everything but the recording. */
void prefetch_stop(prefetch *p);

#endif

/* reader.h: reads recorded EMG for replay and evaluation: text (tab/comma/space columns, '#' headers,
 * a CSV header row, OpenSignals and BioSPPy headers) and EDF/BDF (EDFlib). Columns are chosen by number
 * (1-based) or by CSV header name, converted to uV with a scale (EDF: from the physical dimension).
 * Owns: file parsing only. Rows whose chosen columns are missing become NaN frames (lost samples) so the
 * time base stays right. */
#ifndef MF_READER_H
#define MF_READER_H

#include <stddef.h>
#include <stdint.h>

struct cfg_column; /* which column to read: by number or by name (config/config.h) */

typedef struct reader reader;

/* Opens path. fs_default is used when the file does not state its rate. Returns NULL with err (what,
 * which file, what to do). */
reader *reader_open(const char *path, const struct cfg_column *cols, int n_cols, double scale, double fs_default,
                    char *err, size_t n);
void reader_close(reader *r);

int reader_channels(const reader *r);
double reader_rate(const reader *r);
/* 1 when the file stated its own rate (EDF header, OpenSignals or BioSPPy header). */
int reader_rate_from_file(const reader *r);

/* Reads up to max frames (interleaved, channels values each, uV). Returns frames read, 0 at the end. */
uint32_t reader_read(reader *r, double *frames, uint32_t max);

/* Rows skipped because they could not be read at all (counted, not fatal). */
uint64_t reader_bad_rows(const reader *r);

#endif

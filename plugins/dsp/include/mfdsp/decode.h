/* decode.h: output helpers shared by the built-in decoders: frames go into the host's buffer, lost frames
 * (counter gaps) are queued as NaN frames and written before the next real one, so time stays on the
 * device's clock whatever the buffer size. */
#ifndef MF_DSP_DECODE_H
#define MF_DSP_DECODE_H

#include <math.h>
#include <myofeed/plugin.h>
#include <string.h>

typedef struct dec_out {
    mf_sample *frames;
    uint32_t cap, n, nc;
} dec_out;

static inline int dec_full(const dec_out *o) { return o->n >= o->cap; }

/* Writes queued NaN frames; returns 1 when all are out (room left for more). */
static inline int dec_flush_lost(dec_out *o, uint32_t *pending)
{
    while (*pending && o->n < o->cap) {
        for (uint32_t c = 0; c < o->nc; c++) o->frames[(size_t)o->n * o->nc + c] = NAN;
        o->n++;
        (*pending)--;
    }
    return *pending == 0;
}

static inline mf_sample *dec_next(dec_out *o) { return o->frames + (size_t)(o->n++) * o->nc; }

#endif

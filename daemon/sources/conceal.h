/* conceal.h: bridges short runs of lost frames from a decoder (NaN frames: a damaged or missing frame, counted by
 * the decoder) before anything downstream sees them. Each channel holds its last good value for up to max_run
 * frames; a longer run stays NaN, and the filters restart on it (a real gap). Holding one value for a sample or
 * two is a step no larger than the signal's own; a NaN would restart every IIR filter, and a notch needs hundreds
 * of milliseconds to ring in again, so an isolated damaged frame would show as a burst of mains hum.
 * Owns: nothing but the last frame. */
#ifndef MF_CONCEAL_H
#define MF_CONCEAL_H

#include <stdint.h>

#define CONCEAL_MAX_CH 64

typedef struct conceal {
    int nc, have_last;
    uint32_t max_run, run;
    uint64_t bridged; /* frames bridged since init */
    double last[CONCEAL_MAX_CH];
} conceal;

/* max_run: the longest run bridged, in frames (the serial source uses 20 ms, at least 2). */
void conceal_init(conceal *c, int nc, uint32_t max_run);
/* After a reconnect: nothing before it is held over. */
void conceal_reset(conceal *c);
/* [stream] n interleaved frames, in place. */
void conceal_frames(conceal *c, double *frames, uint32_t n);

#endif

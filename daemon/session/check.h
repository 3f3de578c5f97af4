/* check.h: the signal check before a session (/emg/ctl/check [f seconds]): per muscle, over a few seconds of rest,
 * the noise of its filtered signal, how strong mains hum is in the raw signal, how much of it is clipped, and
 * whether the line is flat; then a verdict and advice in words. Owns: the statistics while a check runs (fixed
 * state, no allocation) and the verdict rules:
 *   lead_off        the raw signal is flat (SD under 0.05 uV: nothing connected) or its filtered noise is over
 *                   CHECK_LEAD_OFF_UV (an open input picks up everything)
 *   saturated       over 1 % of the samples sit at the window's extremes, repeated (the amplifier clips)
 *   mains           the 50/60 Hz hum is over CHECK_MAINS_RATIO times the EMG noise (poor contact or grounding)
 *   check_electrode the filtered noise at rest is over CHECK_NOISE_UV (poor contact, movement, or no rest)
 *   good            otherwise */
#ifndef MF_CHECK_H
#define MF_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define CHECK_NOISE_UV 10.0
#define CHECK_LEAD_OFF_UV 100.0
#define CHECK_MAINS_RATIO 30.0

typedef struct check_muscle {
    double sum, sumsq;   /* raw */
    double fsum, fsumsq; /* filtered */
    uint64_t n, fn;
    double lo, hi;         /* raw extremes */
    uint64_t at_lo, at_hi; /* samples at them (runs of 3 or more) */
    double last;
    int run;
    double g[2][2]; /* Goertzel state at 50 and 60 Hz */
    double c[2];    /* 2 cos(w) */
} check_muscle;

typedef struct check {
    int running;
    uint64_t left; /* samples to go */
    double fs;
    int n;
    int channel[CFG_MAX_MUSCLES]; /* 0-based */
    check_muscle m[CFG_MAX_MUSCLES];
} check;

typedef struct check_result {
    double noise_uv;    /* RMS of the filtered signal */
    double mains_ratio; /* RMS of the stronger of 50 / 60 Hz in the raw signal over noise_uv */
    double mains_hz;
    double clipped_pct;
    const char *verdict; /* good, check_electrode, lead_off, saturated, mains */
    char advice[200];
} check_result;

/* Starts a check of every muscle of c over seconds of the coming signal at rate fs. */
void check_start(check *k, const config *c, double fs, double seconds);
/* [stream] Raw interleaved frames (n_channels each). Returns 1 when the check has just completed. */
int check_frames(check *k, const double *frames, uint32_t n, int n_channels);
/* [stream] Muscle m's filtered samples. */
void check_filtered(check *k, int m, const double *x, uint32_t n);
/* The result for muscle m (named name) once complete. */
check_result check_result_of(const check *k, int m, const char *name);

#endif

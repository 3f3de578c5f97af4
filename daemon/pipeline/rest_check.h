/* rest_check.h: is the muscle really at rest during a rest calibration? The rule, measured in docs/calibration.md
 * on the real recordings of ../shared/data/emg and on generated signals (docs/calibration.py):
 *   - no 100 ms stretch of the envelope averages more than REST_BURST_RATIO times the window's median 100 ms
 *     average (a contraction that starts, stops or varies in the window lifts some stretches above its rest;
 *     rest noise stays within 1.8 times its median on every recording), and
 *   - the detector did not see a contraction for REST_ACTIVE_FRACTION of the window or more (a contraction held
 *     through the whole window is steady, so the first test cannot see it; the detector's short false
 *     activations on quantised rest noise stay under 0.45 of a window).
 * Owns: the per-window statistics (no allocation: a fixed array of segment means). */
#ifndef MF_REST_CHECK_H
#define MF_REST_CHECK_H

#include <stddef.h>
#include <stdint.h>

#define REST_SEG_S 0.1
#define REST_MAX_SEGS 600 /* 60 s, the longest calibration */
#define REST_BURST_RATIO 2.0
#define REST_ACTIVE_FRACTION 0.5

typedef struct rest_check {
    uint32_t seg_len; /* samples per segment */
    uint32_t in_seg;  /* samples in the current segment */
    double seg_sum;   /* their envelope */
    int n_seg;        /* complete segments */
    float seg[REST_MAX_SEGS];
    uint64_t active_samples; /* samples during which the detector said active */
} rest_check;

void rest_check_start(rest_check *r, double fs);
/* One envelope sample (finite) and the detector's state then. */
void rest_check_feed(rest_check *r, double env, int active);

typedef struct rest_verdict {
    int at_rest;
    double median_uv, top_uv; /* of the 100 ms averages */
    double ratio;             /* top / median */
    double active_s;          /* how long the detector saw a contraction */
} rest_verdict;

/* The verdict on the window so far; when not at rest, why (in words a therapist can act on, naming muscle). */
rest_verdict rest_check_verdict(const rest_check *r, double fs, const char *muscle, char *why, size_t n);

#endif

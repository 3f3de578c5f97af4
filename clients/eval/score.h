/* score.h: scores detected contractions against true ones.
 * A detection matches the first unmatched true contraction whose interval [on - tolerance, off] contains
 * the detection's onset decision. Precision = matched / detections, recall = matched / true contractions.
 * Onset delay = decision time - true onset (what a patient waits for), median and 90th percentile over
 * matches. Onset error = |reported onset - true onset|, where the reported onset is the back-dated time a
 * detector gives with its transition (what a replay's CSV and /emg/<m>/onset's t_ms carry), median and 90th
 * percentile over matches: how well a recording's onsets are timed, as onset-detection papers score them.
 * False activations = detections that match nothing, per minute of rest (time outside the true
 * contractions). */
#ifndef MF_SCORE_H
#define MF_SCORE_H

#include <stdint.h>

#include "scenario.h"

typedef struct detection {
    uint64_t on, decided, off; /* off = 0 while still active at the end */
} detection;

typedef struct score {
    int truths, detections, matched, false_pos;
    double precision, recall, f1;
    double delay_median_ms, delay_p90_ms;
    double onset_err_median_ms, onset_err_p90_ms;
    double rest_min, fa_per_min;
} score;

/* Accumulates one trial into totals (delays are kept for the percentiles). */
typedef struct score_acc {
    int truths, detections, matched, false_pos;
    double rest_s;
    int n_delays, cap_delays;
    double *delays_ms;
    double *onset_err_ms; /* |reported onset - true onset|, one per delay */
} score_acc;

void score_trial(score_acc *a, const truth *t, int nt, const detection *d, int nd, uint64_t n_samples, double fs,
                 double tolerance_ms);
score score_result(const score_acc *a);
void score_acc_free(score_acc *a);

#endif

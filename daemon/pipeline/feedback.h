/* feedback.h: what the patient and therapist see: per-muscle activation, active state, hold time,
 * contraction events (onset/offset) and repetitions, and the fail-safe when the signal is lost.
 * Owns: per-muscle live state and event numbering. Emits events through feedback_events (OSC out in the
 * daemon, CSV in replay) and knows nothing of DSP or of how events travel. */
#ifndef MF_FEEDBACK_H
#define MF_FEEDBACK_H

#include <myofeed/plugin.h>
#include <stdint.h>

#include "config/config.h"
#include "pipeline/calibration.h"
#include "pipeline/rest_check.h"
#include "pipeline/spectrum.h"

/* What one repetition was, sent when its contraction ends. Percentages are % MVC when an MVC calibration exists
 * (activation x 100 otherwise). */
typedef struct fb_repstat {
    int32_t rep;
    uint64_t sample;            /* the contraction's end */
    double peak_pct, mean_pct;  /* over the contraction */
    double time_to_target_s;    /* onset to the band's low edge; -1 without a band */
    double median_hz, mean_hz;  /* of the filtered signal over the contraction; 0 when not measured */
    double fatigue_hz_per_rep;  /* least-squares slope of the median frequency over this set's reps (0 before 2) */
    double fatigue_pct_per_rep; /* the same as % of the fitted first rep's median frequency */
} fb_repstat;

typedef struct feedback_events {
    void (*onset)(void *ctx, int m, int32_t seq, uint64_t sample, uint64_t decided);
    void (*offset)(void *ctx, int m, int32_t seq, uint64_t sample, uint64_t decided, double hold_s, double peak_act);
    void (*rep)(void *ctx, int m, int32_t count, uint64_t sample);
    void *ctx;
    void (*repstat)(void *ctx, int m, const fb_repstat *r); /* optional */
} feedback_events;

#define FB_MDF_HISTORY 256 /* reps whose median frequency the fatigue trend fits */

/* Called when a calibration of muscle m ends: ok = 1 and m's calibration set, or ok = 0 with an error code
 * ("not_at_rest": the muscle contracted during a rest calibration; "implausible": an MVC not clearly above rest;
 * "no_signal") and why. The old calibration is kept when ok = 0. */
typedef void (*feedback_calibrated_fn)(void *ctx, int m, cal_kind kind, int ok, const char *code, const char *why);

typedef struct fb_muscle {
    double env, act;
    int active;
    uint64_t onset_sample;
    double peak_act;
    int32_t seq;  /* contractions so far; onset and offset of one contraction share it */
    int32_t reps; /* contractions that met the target */
    double rep_hold_s;
    /* the target band in % MVC (has_target), in force once an MVC calibration exists: then a rep is a contraction
     * whose activation stays at or above the band's low edge for rep_hold_s; without it, a contraction held
     * rep_hold_s. Either way the rep is counted at the sample the hold completes. */
    int has_target;
    double target_lo_pct, target_hi_pct;
    int in_band, rep_done;  /* this contraction: activation in the band now; already counted */
    uint64_t band_since;    /* the sample activation entered the band */
    uint64_t first_in_band; /* this contraction: the first sample in the band (0: not yet) */
    double act_sum;         /* this contraction: activation summed, for its mean */
    uint64_t act_n;
    spectrum *spec; /* not owned; NULL: no frequency measures (feedback_set_spectrum) */
    int n_mdf;      /* reps with a median frequency in this set */
    float mdf[FB_MDF_HISTORY];
    mf_calibration cal;
    /* a calibration in progress */
    cal_kind cal_kind;
    uint64_t cal_left, cal_n;
    double cal_sum, cal_sumsq, cal_ema, cal_peak;
    rest_check rest;        /* a rest calibration: was the muscle at rest? */
    rest_verdict last_rest; /* the verdict of the last rest calibration (for logs and tests) */
    int plugin_error;       /* its chain gave NaN or infinity: off (act 0) until a new pipeline */
} fb_muscle;

typedef struct feedback {
    int n;
    double fs;
    uint64_t t0_sample;  /* session start on the sample clock */
    uint64_t now_sample; /* one past the last sample seen */
    int signal_ok;
    uint64_t settled;     /* the filters have settled from this sample on (a calibration collects only after it) */
    uint64_t onsets_from; /* after a reconnect or resume: no onset is told before this sample (the restarted filters) */
    int gate_on;          /* a protocol runs: only the muscles in gate_mask may count a rep now */
    uint32_t gate_mask;
    fb_muscle m[CFG_MAX_MUSCLES];
    char names[CFG_MAX_MUSCLES][CFG_NAME_MAX];
    feedback_events ev;
    feedback_calibrated_fn calibrated;
    void *calibrated_ctx;
    uint64_t events;
    uint32_t plugin_errors_new; /* muscles whose chain failed since the daemon last looked (it reports and clears) */
} feedback;

void feedback_init(feedback *f, const config *c, double fs, feedback_events ev, uint64_t t0_sample);
/* Keeps counters (seq, reps, calibration) of muscles with the same name from an older feedback. */
void feedback_carry_over(feedback *f, const feedback *old);

/* The pipeline sink: one processed block of muscle m. Emits onset/offset/rep at once. */
void feedback_block(void *f, int m, const double *env, const double *act, uint32_t n, uint64_t first_sample,
                    const mf_transition *tr, uint32_t n_tr);

/* Sets muscle m's target band in % MVC (0 <= low <= high); has = 0 clears it. */
void feedback_set_target(feedback *f, int m, int has, double low_pct, double high_pct);
/* The band in activation units (act = (env - rest) / (MVC - rest), so 20 % MVC is 0.2). Returns 1, or 0 with
 * 0 0 when there is none in force (no target, or no MVC calibration yet). */
int feedback_target_act(const feedback *f, int m, double *low_act, double *high_act);

/* Gives muscle m a spectrum (owned by the caller, made for this rate) for its repetitions' median and mean
 * frequency; NULL: none. */
void feedback_set_spectrum(feedback *f, int m, spectrum *s);
/* The pipeline's filtered-samples sink (pipeline_sink.filtered): feeds the spectrum of an active muscle. */
void feedback_filtered(void *f, int m, const double *x, uint32_t n, uint64_t first_sample);
/* While on, only muscles whose bit is set in mask may count a rep (a protocol's work phase); off: every muscle. */
void feedback_gate(feedback *f, int on, uint32_t mask);

/* Resets muscle m's repetition count and fatigue trend (-1: all). */
void feedback_reps_reset(feedback *f, int m);

/* Hold time of muscle m now (0 when inactive). */
double feedback_hold_s(const feedback *f, int m);

/* The signal is gone: active muscles get an offset now, act = 0 until feedback_signal_back. */
void feedback_signal_lost(feedback *f);
void feedback_signal_back(feedback *f);

/* After the stream starts or comes back, the filters settle for this long (a notch at Q 30 rings for ~0.5 s):
 * a calibration's window starts after it. */
#define FEEDBACK_SETTLE_S 0.5

/* Calibration of muscle m (-1 = all) over `seconds` of the coming signal (from the filters' settling on): rest = mean and SD of the
 * envelope (the patient relaxed); MVC = the highest 100 ms average of the envelope (maximal effort). An MVC
 * not clearly above rest is refused and the old calibration kept. */
void feedback_calibrate(feedback *f, int m, cal_kind kind, double seconds);
void feedback_calibrate_cancel(feedback *f);
int feedback_calibrating(const feedback *f);

/* Milliseconds since the session start on the sample clock. */
int32_t feedback_t_ms(const feedback *f, uint64_t sample);

#endif

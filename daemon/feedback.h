/* feedback.h: what the patient and therapist see: per-muscle activation, active state, hold time,
 * contraction events (onset/offset), repetitions, and the fail-safe when the signal is lost.
 * Owns: per-muscle live state and event numbering; hands messages to osc_out. Knows nothing of DSP. */
#ifndef MF_FEEDBACK_H
#define MF_FEEDBACK_H

#include <myofeed/plugin.h>
#include <stdint.h>

#include "config.h"
#include "osc_addr.h"
#include "osc_out.h"

typedef struct fb_muscle {
    double env, act;
    int active;
    uint64_t onset_sample;
    double peak_act;
    int32_t seq;  /* contractions so far; onset and offset of one contraction share it */
    int32_t reps; /* contractions that met the target */
    double rep_hold_s;
    mf_calibration cal;
} fb_muscle;

typedef struct feedback {
    int n;
    double fs;
    uint64_t t0_sample;   /* session start on the sample clock */
    uint64_t now_sample;  /* one past the last sample seen */
    int signal_ok;
    fb_muscle m[CFG_MAX_MUSCLES];
    osc_out *out;
    const osc_addr *addr;
    uint64_t events;
} feedback;

void feedback_init(feedback *f, const config *c, double fs, osc_out *out, const osc_addr *addr, uint64_t t0_sample);
/* Keeps counters (seq, reps, calibration) of muscles with the same name from an older feedback. */
void feedback_carry_over(feedback *f, const feedback *old);

/* The pipeline sink: one processed block of muscle m. Sends onset/offset/rep at once. */
void feedback_block(void *f, int m, const double *env, const double *act, uint32_t n, uint64_t first_sample,
                    const mf_transition *tr, uint32_t n_tr);

/* Sends the frame messages of one tick (osc.rate_hz). */
void feedback_tick(feedback *f);

/* The signal is gone: every muscle inactive with act = 0, sent once (offsets for active muscles). */
void feedback_signal_lost(feedback *f);
void feedback_signal_back(feedback *f);

/* Milliseconds since the session start on the sample clock. */
int32_t feedback_t_ms(const feedback *f, uint64_t sample);

#endif

/* scenario.h: generated sEMG with known contractions, for scoring detectors. Seeded and deterministic.
 * One channel in uV: a rest noise floor (5 uV RMS, 10-500 Hz), contractions of band-limited noise
 * (20-350 Hz) whose plateau RMS sits snr_db above the floor, raised-cosine ramps of ramp_ms (or random
 * 30-300 ms when 0), hold 0.3-4 s, rest 1-5 s; optional mains hum and drift (DC offset, baseline wander,
 * and a noise floor that rises 1.5x over the trial as electrodes dry). Truth: onset/offset where the
 * contraction's amplitude crosses 10 % of its plateau; onset delays are measured from there, or from where it
 * first reaches delay_from of its plateau when that is set. */
#ifndef MF_SCENARIO_H
#define MF_SCENARIO_H

#include <stdint.h>

typedef struct scenario_spec {
    uint32_t seed;
    double fs, seconds;
    double snr_db;
    double ramp_ms; /* 0: random 30-300 ms per contraction */
    double hum_uv;  /* 50 Hz amplitude (plus a third of it at 150 Hz) */
    int drift;
    double lead_in_s;  /* rest at the start */
    double delay_from; /* fraction of the plateau onset delays are measured from; 0: the truth onset (10 %) */
} scenario_spec;

typedef struct truth {
    uint64_t on, off; /* samples */
    uint64_t ref;     /* where the onset delay is measured from (on, unless asked otherwise) */
} truth;

typedef struct scenario {
    uint64_t n;
    double *x;
    int n_truth;
    truth *t;
} scenario;

/* 0, or -1 when out of memory; either way *out is freed with scenario_free. */
int scenario_make(const scenario_spec *spec, scenario *out);
void scenario_free(scenario *s);

#endif

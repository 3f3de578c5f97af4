/* summary.h: what one session was, as numbers: its identity, each muscle's calibration, target and results, every
 * rep, the cue timeline, symmetry, co-activation and signal quality. Written as summary.json (schema below,
 * documented in docs/sessions.md) at the session's stop, read back by myofeed-report, indexed in the history.
 * Owns: the struct and its JSON form (jansson). Plain data: filled on the event loop while the session runs
 * (no allocation: fixed arrays), then handed whole to the finishing thread. */
#ifndef MF_SUMMARY_H
#define MF_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define SUMMARY_SCHEMA 1
#define SUM_MAX_REPS 1024
#define SUM_MAX_CUES 2048
#define SUM_MAX_PAIRS 1024

typedef struct sum_rep {
    int muscle, rep, set;
    double t_s;              /* the contraction's end, from the recording's start */
    double peak_pct;         /* % MVC */
    double mean_pct;         /* % MVC over the contraction */
    double hold_s;           /* how long it was held */
    double time_to_target_s; /* onset to the band's low edge; < 0 none */
    double median_hz;        /* of the filtered signal; 0 not measured */
} sum_rep;

typedef struct sum_cue {
    char phase[12]; /* get_ready, work, rest, set_rest, done */
    double t_s;     /* when it began */
    int rep, set;
} sum_cue;

typedef struct sum_pair { /* one work phase's left/right symmetry, or (pair "coactivation") its ratio */
    char pair[CFG_NAME_MAX];
    double t_s, value;
    int rep, set;
} sum_pair;

typedef struct sum_muscle {
    char name[CFG_NAME_MAX];
    double rest_uv, rest_sd_uv, mvc_uv; /* the calibration in force at the start (mvc 0: none) */
    int has_target;
    double target_low_pct, target_high_pct;
    int contractions, reps;
    double peak_pct;           /* the highest rep peak */
    double mean_pct;           /* mean of the reps' means */
    double hold_s;             /* mean hold of the reps */
    double time_to_target_s;   /* mean over the reps that reached the band; < 0 none */
    double fatigue_hz_per_rep; /* median-frequency slope over the last set's reps */
    double fatigue_pct_per_rep;
    double clipped_pct; /* of its raw samples beyond the recording's range */
    double mains_hz;    /* what its notch decided (0 none) */
    /* the patient's previous session (history), for the change: has_prev 0 when there is none */
    int has_prev;
    double prev_peak_pct, prev_mean_pct;
    int prev_reps;
} sum_muscle;

typedef struct summary {
    int schema;
    char id[64]; /* the session id: its folder's name */
    char patient[CFG_PATIENT_MAX];
    char label[128];
    char protocol[CFG_NAME_MAX]; /* "" without one */
    char station[64];            /* the host that recorded it */
    char source[160];            /* the source, described */
    char started[32], ended[32]; /* ISO 8601 UTC */
    char state[16];              /* "done", "failed" (the recording stopped on an error), "interrupted" */
    char error[400];             /* why it failed */
    char prev_id[64];            /* the previous session compared with ("" none) */
    double fs, duration_s;
    uint64_t samples;      /* per signal in the recording */
    uint64_t lost_samples; /* filled for gaps */
    int gaps, reconnects, reloads, markers;
    uint64_t dropped; /* lost to the recorder's queue */
    int n_muscles;
    sum_muscle m[CFG_MAX_MUSCLES];
    int n_reps;
    sum_rep reps[SUM_MAX_REPS];
    int n_cues;
    sum_cue cues[SUM_MAX_CUES];
    int n_pairs;
    sum_pair pairs[SUM_MAX_PAIRS];
} summary;

/* Fills each muscle's totals (reps, peak, means) from the reps. */
void summary_totals(summary *s);

/* Writes s as JSON to path (created 0600, never overwriting). 0, or -1 with err. */
int summary_write(const summary *s, const char *path, char *err, size_t n);
/* Reads a summary.json back. 0, or -1 with err (what, where, what to do). */
int summary_read(summary *s, const char *path, char *err, size_t n);

#endif

/* protocol.h: an exercise protocol running on the sample clock: get_ready, then per rep a work phase (reach the
 * band and hold it) and a rest, sets times over with set rests between, then done. Owns: the cue timeline, which
 * muscles may count a rep now (the feedback gate), the protocol's band and hold while it runs, and the per-rep
 * left/right symmetry and hamstring:glute co-activation. Knows nothing of OSC: it reports what changed. */
#ifndef MF_PROTOCOL_H
#define MF_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "pipeline/feedback.h"

typedef enum proto_phase { PH_IDLE = 0, PH_GET_READY, PH_WORK, PH_REST, PH_SET_REST, PH_DONE } proto_phase;

/* "get_ready", "work", "rest", "set_rest", "done" ("idle" when none runs) */
const char *proto_phase_name(proto_phase p);

typedef struct protocol_run {
    const cfg_protocol *p; /* NULL: none running */
    double fs;
    int paused;
    proto_phase phase;
    int rep, set;         /* 1-based; rep is the attempt */
    uint64_t phase_end;   /* sample */
    uint64_t left_paused; /* samples left in the phase, while paused */
    int n_work, n_relax;
    int work[CFG_PROTOCOL_MUSCLES], relax[CFG_PROTOCOL_MUSCLES]; /* feedback muscle indices */
    uint32_t now_mask;                                           /* the muscles working in this work phase */
    uint32_t done_mask;                                          /* those that made their rep in it */
    int32_t reps_at_start[CFG_MAX_MUSCLES];
    double act_sum[CFG_MAX_MUSCLES]; /* over this work phase */
    uint64_t act_n;
    double last_mean[CFG_MAX_MUSCLES]; /* each muscle's mean activation in its last work phase; < 0: none */
    int attempts, successes;
    /* the muscles' own settings, put back at stop */
    int saved_has_target[CFG_MAX_MUSCLES];
    double saved_lo[CFG_MAX_MUSCLES], saved_hi[CFG_MAX_MUSCLES], saved_hold[CFG_MAX_MUSCLES];
} protocol_run;

/* Starts protocol p on f's muscles at sample now. Muscles the configuration lacks are left out; none of p's
 * working muscles present is an error. 0, or -1 with err (nothing changed). */
int protocol_start(protocol_run *r, const cfg_protocol *p, feedback *f, double fs, uint64_t now, char *err, size_t n);
/* Stops it and gives the muscles their own band and hold back. */
void protocol_stop(protocol_run *r, feedback *f);
int protocol_running(const protocol_run *r);
/* 0, or -1 when not running / already paused (pause) or not paused (resume). */
int protocol_pause(protocol_run *r, feedback *f, uint64_t now);
int protocol_resume(protocol_run *r, feedback *f, uint64_t now);

/* What one step of the timeline did. */
typedef struct protocol_step {
    int changed;    /* the phase changed (a cue to send) */
    int work_ended; /* a work phase ended: its stats below are new */
    int success;    /* in it, every working muscle made its rep */
    int n_pairs;
    char pair[CFG_PROTOCOL_MUSCLES][CFG_NAME_MAX]; /* "hamstring" for hamstring_left / _right */
    double symmetry_pct[CFG_PROTOCOL_MUSCLES];     /* 100 (L - R) / mean(L, R) of their mean activation */
    int has_coactivation;
    double coactivation; /* mean hamstring activation / mean glute activation in the work phase */
    int finished;        /* the protocol is done (and now stopped) */
} protocol_step;

/* Advances to sample now (after each processed block) with f's state: phase changes, reps made. */
protocol_step protocol_advance(protocol_run *r, feedback *f, uint64_t now);
/* Seconds left in the current phase at sample now. */
double protocol_left_s(const protocol_run *r, uint64_t now);
/* The muscles that must stay relaxed and are above their limit now (work phases only; needs an MVC). Returns
 * how many, their indices in out. */
int protocol_relax_exceeded(const protocol_run *r, const feedback *f, int *out, int cap);

#endif

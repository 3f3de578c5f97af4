/* recording.h: a session record from /ctl/session/start to stop: its folder session.dir/<patient>/<id>/ (0700),
 * recording.bdf (records/recorder.h), events.tsv, and at the stop summary.json, report.html with its plots and the
 * history's rows. Owns: the session's identity and live summary (reps, cues, symmetry, gaps), the gap bookkeeping
 * (a lost signal or a reload becomes zeros of the right length in the file) and the finishing thread.
 *
 * Threads: every call but session_rec_shutdown is made on the event loop and returns at once ([live] calls never
 * allocate or block). The stop hands the recorder and the summary to a finishing thread that closes the file and
 * writes the summary, the history (its own store connection) and the report; session_rec_poll reaps it. */
#ifndef MF_RECORDING_H
#define MF_RECORDING_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "pipeline/feedback.h"
#include "records/recorder.h"
#include "records/summary.h"
#include "session/store.h"

typedef struct finisher finisher;

typedef struct session_rec {
    int running;
    recorder *rec;
    summary *sum; /* filled live; handed to the finisher at stop */
    char dir[1024];
    char store_dir[1024];
    uint64_t start; /* stream sample at the file's time 0 */
    double fs;
    int n, channels;
    int ch[CFG_MAX_MUSCLES]; /* each muscle's 0-based channel in a frame */
    int by_protocol;         /* started by a protocol (session.record): its end stops it */
    int paused;              /* the stream stopped (lost signal, reload): the next frames fill the gap */
    double paused_at;        /* monotonic seconds */
    uint64_t paused_sample;
    double hold_s[CFG_MAX_MUSCLES]; /* the last contraction's hold, for its repstat */
    finisher *fin;                  /* the last stop's finishing, until reaped */
} session_rec;

typedef struct session_start_args {
    const config *cfg;
    const feedback *fb; /* the muscles' calibration and targets now */
    double fs;
    int channels; /* per frame */
    const char *patient;
    const char *label;    /* "" none */
    const char *protocol; /* "" none */
    const char *source;   /* described */
    uint64_t now;         /* the stream's sample clock */
    store *st;            /* the session store (history row), or NULL */
} session_start_args;

/* Starts a record. 0, or -1 with a code ("busy": one runs; "store_error": the folder or file cannot be made) and
 * err (what, which file, what to do). */
int session_rec_start(session_rec *s, const session_start_args *a, const char **code, char *err, size_t n);
/* Stops it (state "done", or "failed" with why): the finishing starts. 0, or -1 when none runs. */
int session_rec_stop(session_rec *s, const char *state, const char *why);
const char *session_rec_id(const session_rec *s); /* "" when none runs */

/* [live] The stream's frames (interleaved uV) and each muscle's envelope block. */
void session_rec_frames(session_rec *s, const double *frames, uint32_t n, uint64_t first);
void session_rec_env(session_rec *s, int m, const double *env, uint32_t n, uint64_t first);
/* [live] The stream stopped at sample at (signal lost, reload): the time until the next frames is filled. */
void session_rec_pause(session_rec *s, uint64_t at, const char *why);
/* [live] Annotations and the summary's events. */
void session_rec_note(session_rec *s, uint64_t at, const char *text);
void session_rec_onset(session_rec *s, int m, uint64_t at);
void session_rec_offset(session_rec *s, int m, uint64_t at, double hold_s);
void session_rec_repstat(session_rec *s, int m, const fb_repstat *r, int set);
void session_rec_cue(session_rec *s, uint64_t at, const char *phase, int rep, int set);
void session_rec_pair(session_rec *s, uint64_t at, const char *pair, double value, int rep, int set);
void session_rec_calibrated(session_rec *s, uint64_t at, int m, const char *kind, double rest_uv, double mvc_uv);
void session_rec_mains(session_rec *s, int m, double hz);
void session_rec_reconnect(session_rec *s, uint64_t at);
void session_rec_reload(session_rec *s, uint64_t at);

/* [live] Checks the recorder and reaps a finished finishing. Returns 1 when the recording failed now (err: why;
 * the session is stopped as "failed"), 2 when a finishing ended (err: what it wrote, or why it failed), else 0. */
int session_rec_poll(session_rec *s, char *err, size_t n);
/* At exit: stops a running record and waits for every finishing. */
void session_rec_shutdown(session_rec *s);

#endif

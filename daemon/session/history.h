/* history.h: every session of every patient, indexed in the session store (SQLite, schema version 2: sessions,
 * session_muscles, reps), and the queries myofeed-sessions answers. Owns: the history's SQL. Disk work: the
 * daemon calls it from its finishing thread (with a connection of its own), never on the event loop; readers
 * work while the daemon writes (WAL). */
#ifndef MF_HISTORY_H
#define MF_HISTORY_H

#include <stdio.h>

#include "records/summary.h"
#include "session/hdb.h"
#include "session/store.h"

/* A session begins: its row, state "recording" (a crash leaves it so; history_interrupted then marks it). */
int history_begin(store *st, const summary *s, const char *dir, char *err, size_t n);
/* It ended: its row updated, its muscles and reps added, in one transaction. */
int history_end(store *st, const summary *s, char *err, size_t n);
/* Fills s's comparison with the patient's latest earlier finished session (prev_id, each muscle's has_prev and
 * values). Returns 1 when there is one, 0 when none, -1 with err. */
int history_previous(store *st, summary *s, char *err, size_t n);
/* Sessions of this station still "recording" (the daemon stopped without finishing them) become "interrupted".
 * Returns how many, or -1 with err. */
int history_interrupted(store *st, const char *station, char *err, size_t n);

/* The queries of myofeed-sessions, on the local store or a clinic's PostgreSQL, printed to out as aligned tables
 * (export: CSV). 0, 1 when nothing matched (with a message in err), -1 with err. */
int history_list(hdb *h, const char *patient, FILE *out, char *err, size_t n);
int history_show(hdb *h, long long id, FILE *out, char *err, size_t n);
int history_export_csv(hdb *h, long long id, FILE *out, char *err, size_t n);

typedef struct trend_point {
    char started[32];
    char muscle[CFG_NAME_MAX];
    double peak_pct, mean_pct;
    int reps;
} trend_point;
/* The patient's sessions, oldest first, one row per muscle (only muscle when not NULL). pts (cap of them) gets the
 * points for a plot; *n_pts how many. */
int history_trend(hdb *h, const char *patient, const char *muscle, FILE *out, trend_point *pts, int cap, int *n_pts,
                  char *err, size_t n);

#endif

/* history.c: the session history's SQL (see history.h). */
#include "session/history.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static int fail(store *st, const char *what, char *err, size_t n)
{
    snprintf(err, n, "%s: %s: %s", store_path(st), what, sqlite3_errmsg(store_sqlite(st)));
    return -1;
}

static sqlite3_stmt *prep(store *st, const char *sql, char *err, size_t n)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(store_sqlite(st), sql, -1, &q, NULL) != SQLITE_OK) {
        fail(st, "cannot prepare a history query", err, n);
        return NULL;
    }
    return q;
}

static int done(store *st, sqlite3_stmt *q, const char *what, char *err, size_t n)
{
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : fail(st, what, err, n);
}

static void uid_of(const summary *s, char *uid, size_t n)
{
    snprintf(uid, n, "%s/%s/%s", s->station, s->patient, s->id);
}

int history_begin(store *st, const summary *s, const char *dir, char *err, size_t n)
{
    if (store_patient(st, s->patient, err, n) != 0) return -1;
    sqlite3_stmt *q = prep(st,
                           "INSERT INTO sessions (uid, station, patient, label, protocol, dir, started, state)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'recording')",
                           err, n);
    if (!q) return -1;
    char uid[256];
    uid_of(s, uid, sizeof uid);
    const char *t[] = {uid, s->station, s->patient, s->label, s->protocol, dir, s->started};
    for (int i = 0; i < 7; i++) sqlite3_bind_text(q, i + 1, t[i], -1, SQLITE_TRANSIENT);
    return done(st, q, "cannot record the session's start", err, n);
}

static int add_muscle(store *st, long long sid, const sum_muscle *m, int position, char *err, size_t n)
{
    sqlite3_stmt *q =
        prep(st,
             "INSERT INTO session_muscles (session, muscle, reps, contractions, peak_pct, mean_pct, hold_s,"
             " time_to_target_s, fatigue_hz_per_rep, rest_uv, mvc_uv, target_low_pct, target_high_pct,"
             " clipped_pct) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
             err, n);
    if (!q) return -1;
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_text(q, 2, m->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 3, m->reps);
    sqlite3_bind_int(q, 4, m->contractions);
    const double v[] = {m->peak_pct,           m->mean_pct, m->hold_s, m->time_to_target_s,
                        m->fatigue_hz_per_rep, m->rest_uv,  m->mvc_uv};
    for (int i = 0; i < 7; i++) sqlite3_bind_double(q, 5 + i, v[i]);
    if (m->has_target) {
        sqlite3_bind_double(q, 12, m->target_low_pct);
        sqlite3_bind_double(q, 13, m->target_high_pct);
    }
    sqlite3_bind_double(q, 14, m->clipped_pct);
    sqlite3_bind_int(q, 15, position);
    return done(st, q, "cannot record a muscle's results", err, n);
}

static int add_rep(store *st, long long sid, const summary *s, const sum_rep *r, char *err, size_t n)
{
    sqlite3_stmt *q = prep(st,
                           "INSERT OR REPLACE INTO reps (session, muscle, set_no, rep, t_s, peak_pct, mean_pct, hold_s,"
                           " time_to_target_s, median_hz) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                           err, n);
    if (!q) return -1;
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_text(q, 2, s->m[r->muscle].name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 3, r->set);
    sqlite3_bind_int(q, 4, r->rep);
    const double v[] = {r->t_s, r->peak_pct, r->mean_pct, r->hold_s, r->time_to_target_s, r->median_hz};
    for (int i = 0; i < 6; i++) sqlite3_bind_double(q, 5 + i, v[i]);
    return done(st, q, "cannot record a rep", err, n);
}

int history_end(store *st, const summary *s, char *err, size_t n)
{
    sqlite3 *db = store_sqlite(st);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(st, "cannot start recording the session's end", err, n);
    char uid[256];
    uid_of(s, uid, sizeof uid);
    sqlite3_stmt *q =
        prep(st,
             "UPDATE sessions SET ended = ?2, duration_s = ?3, state = ?4, samples = ?5, lost_samples = ?6,"
             " reps = ?7, error = ?8 WHERE uid = ?1 RETURNING id",
             err, n);
    long long sid = -1;
    if (q) {
        int reps = 0;
        for (int i = 0; i < s->n_muscles; i++) reps += s->m[i].reps;
        sqlite3_bind_text(q, 1, uid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, s->ended, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(q, 3, s->duration_s);
        sqlite3_bind_text(q, 4, s->state, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 5, (sqlite3_int64)s->samples);
        sqlite3_bind_int64(q, 6, (sqlite3_int64)s->lost_samples);
        sqlite3_bind_int(q, 7, reps);
        sqlite3_bind_text(q, 8, s->error, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW) sid = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    int rc =
        sid < 0
            ? (q ? (snprintf(err, n, "%s: session '%s' was never begun in the history", store_path(st), uid), -1) : -1)
            : 0;
    for (int i = 0; rc == 0 && i < s->n_muscles; i++) rc = add_muscle(st, sid, &s->m[i], i, err, n);
    for (int i = 0; rc == 0 && i < s->n_reps; i++) rc = add_rep(st, sid, s, &s->reps[i], err, n);
    if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = fail(st, "cannot commit the session's end", err, n);
    if (rc != 0) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int history_previous(store *st, summary *s, char *err, size_t n)
{
    char uid[256];
    uid_of(s, uid, sizeof uid);
    sqlite3_stmt *q = prep(st,
                           "SELECT id, dir FROM sessions WHERE patient = ?1 AND uid != ?2 AND state != 'recording'"
                           " AND started <= ?3 ORDER BY started DESC, id DESC LIMIT 1",
                           err, n);
    if (!q) return -1;
    sqlite3_bind_text(q, 1, s->patient, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, uid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, s->started, -1, SQLITE_TRANSIENT);
    long long sid = -1;
    if (sqlite3_step(q) == SQLITE_ROW) {
        sid = sqlite3_column_int64(q, 0);
        const char *dir = (const char *)sqlite3_column_text(q, 1);
        const char *slash = dir ? strrchr(dir, '/') : NULL;
        snprintf(s->prev_id, sizeof s->prev_id, "%s", slash ? slash + 1 : dir ? dir : "");
    }
    sqlite3_finalize(q);
    if (sid < 0) return 0;
    q = prep(st, "SELECT peak_pct, mean_pct, reps FROM session_muscles WHERE session = ?1 AND muscle = ?2", err, n);
    if (!q) return -1;
    for (int i = 0; i < s->n_muscles; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, sid);
        sqlite3_bind_text(q, 2, s->m[i].name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW) {
            s->m[i].has_prev = 1;
            s->m[i].prev_peak_pct = sqlite3_column_double(q, 0);
            s->m[i].prev_mean_pct = sqlite3_column_double(q, 1);
            s->m[i].prev_reps = sqlite3_column_int(q, 2);
        }
    }
    sqlite3_finalize(q);
    return 1;
}

int history_interrupted(store *st, const char *station, char *err, size_t n)
{
    sqlite3_stmt *q =
        prep(st,
             "UPDATE sessions SET synced = 0, state = 'interrupted', error = 'the daemon stopped while recording;"
             " the recording is valid up to about a second before' WHERE state = 'recording' AND"
             " station = ?1",
             err, n);
    if (!q) return -1;
    sqlite3_bind_text(q, 1, station, -1, SQLITE_TRANSIENT);
    if (done(st, q, "cannot mark interrupted sessions", err, n) != 0) return -1;
    return sqlite3_changes(store_sqlite(st));
}

/* ------------------------------------------------------------------------------------------------ queries */

static double num(const char *v) { return v ? atof(v) : 0; }
static const char *txt(const char *v) { return v ? v : ""; }

static int list_row(void *ctx, int nc, const char *const *v)
{
    FILE *out = ctx;
    (void)nc;
    fprintf(out, "%-5s %-16s %-21s %8.1f %-12s %-20s %5d  %s\n", txt(v[0]), txt(v[1]), txt(v[2]), num(v[3]), txt(v[4]),
            *txt(v[5]) ? v[5] : "-", (int)num(v[6]), txt(v[7]));
    return 0;
}

int history_list(hdb *h, const char *patient, FILE *out, char *err, size_t n)
{
    const char *p[] = {patient};
    fprintf(out, "%-5s %-16s %-21s %8s %-12s %-20s %5s  %s\n", "id", "patient", "started", "dur_s", "state", "protocol",
            "reps", "label");
    int rows =
        hdb_query(h,
                  "SELECT id, patient, started, COALESCE(duration_s, 0), state, protocol, COALESCE(reps, 0), label"
                  " FROM sessions WHERE CAST($1 AS TEXT) IS NULL OR patient = $1 ORDER BY started, id",
                  p, 1, list_row, out, err, n);
    if (rows < 0) return -1;
    if (rows == 0) {
        snprintf(err, n, "no sessions%s%s in %s", patient ? " of patient " : "", patient ? patient : "", hdb_name(h));
        return 1;
    }
    return 0;
}

static int show_row(void *ctx, int nc, const char *const *v)
{
    FILE *out = ctx;
    (void)nc;
    fprintf(out,
            "session %s\n  patient   %s\n  started   %s\n  ended     %s\n  duration  %.1f s\n  state     %s\n"
            "  protocol  %s\n  label     %s\n  folder    %s\n  station   %s\n  samples   %lld (lost %lld)\n",
            txt(v[12]), txt(v[0]), txt(v[1]), v[2] ? v[2] : "-", num(v[3]), txt(v[4]), *txt(v[5]) ? v[5] : "-",
            txt(v[6]), txt(v[7]), txt(v[8]), (long long)num(v[9]), (long long)num(v[10]));
    if (*txt(v[11])) fprintf(out, "  note      %s\n", v[11]);
    return 0;
}

static int muscle_row(void *ctx, int nc, const char *const *v)
{
    FILE *out = ctx;
    (void)nc;
    char ttt[16];
    if (num(v[6]) >= 0)
        snprintf(ttt, sizeof ttt, "%.2f", num(v[6]));
    else
        snprintf(ttt, sizeof ttt, "-");
    fprintf(out, "%-18s %5d %6d %9.1f %9.1f %7.2f %9s %+9.2f\n", txt(v[0]), (int)num(v[1]), (int)num(v[2]), num(v[3]),
            num(v[4]), num(v[5]), ttt, num(v[7]));
    return 0;
}

int history_show(hdb *h, long long id, FILE *out, char *err, size_t n)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *p[] = {ids};
    int rows =
        hdb_query(h,
                  "SELECT patient, started, ended, COALESCE(duration_s, 0), state, protocol, label, dir, station,"
                  " COALESCE(samples, 0), COALESCE(lost_samples, 0), COALESCE(error, ''), id FROM sessions"
                  " WHERE id = CAST($1 AS BIGINT)",
                  p, 1, show_row, out, err, n);
    if (rows < 0) return -1;
    if (rows == 0) {
        snprintf(err, n, "no session %lld in %s; 'myofeed-sessions list' shows the ids", id, hdb_name(h));
        return 1;
    }
    fprintf(out, "\n%-18s %5s %6s %9s %9s %7s %9s %9s\n", "muscle", "reps", "contr", "peak%MVC", "mean%MVC", "hold_s",
            "to_tgt_s", "fatigue");
    return hdb_query(h,
                     "SELECT muscle, reps, contractions, peak_pct, mean_pct, hold_s, time_to_target_s,"
                     " fatigue_hz_per_rep FROM session_muscles WHERE session = CAST($1 AS BIGINT) ORDER BY position",
                     p, 1, muscle_row, out, err, n) < 0
               ? -1
               : 0;
}

static int csv_row(void *ctx, int nc, const char *const *v)
{
    FILE *out = ctx;
    (void)nc;
    fprintf(out, "%s,%s,%s,%s,%d,%d,%.3f,%.2f,%.2f,%.3f,%.3f,%.2f\n", txt(v[0]), txt(v[1]), txt(v[2]), txt(v[3]),
            (int)num(v[4]), (int)num(v[5]), num(v[6]), num(v[7]), num(v[8]), num(v[9]), num(v[10]), num(v[11]));
    return 0;
}

int history_export_csv(hdb *h, long long id, FILE *out, char *err, size_t n)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *p[] = {ids};
    int exists = hdb_query(h, "SELECT 1 FROM sessions WHERE id = CAST($1 AS BIGINT)", p, 1, NULL, NULL, err, n);
    if (exists < 0) return -1;
    if (exists == 0) {
        snprintf(err, n, "no session %lld in %s; 'myofeed-sessions list' shows the ids", id, hdb_name(h));
        return 1;
    }
    fprintf(out, "session,patient,started,muscle,set,rep,t_s,peak_pct_mvc,mean_pct_mvc,hold_s,time_to_target_s,"
                 "median_hz\n");
    return hdb_query(h,
                     "SELECT r.session, s.patient, s.started, r.muscle, r.set_no, r.rep, r.t_s, r.peak_pct, r.mean_pct,"
                     " r.hold_s, r.time_to_target_s, r.median_hz FROM reps r JOIN sessions s ON s.id = r.session"
                     " WHERE r.session = CAST($1 AS BIGINT) ORDER BY r.t_s, r.muscle",
                     p, 1, csv_row, out, err, n) < 0
               ? -1
               : 0;
}

typedef struct trend_ctx {
    FILE *out;
    trend_point *pts;
    int cap, *n;
} trend_ctx;

static int trend_row(void *ctx, int nc, const char *const *v)
{
    trend_ctx *t = ctx;
    (void)nc;
    fprintf(t->out, "%-5s %-21s %-18s %5d %9.1f %9.1f %7.2f\n", txt(v[0]), txt(v[1]), txt(v[2]), (int)num(v[3]),
            num(v[4]), num(v[5]), num(v[6]));
    if (*t->n < t->cap) {
        trend_point *p = &t->pts[(*t->n)++];
        snprintf(p->started, sizeof p->started, "%s", txt(v[1]));
        snprintf(p->muscle, sizeof p->muscle, "%s", txt(v[2]));
        p->reps = (int)num(v[3]);
        p->peak_pct = num(v[4]);
        p->mean_pct = num(v[5]);
    }
    return 0;
}

int history_trend(hdb *h, const char *patient, const char *muscle, FILE *out, trend_point *pts, int cap, int *n_pts,
                  char *err, size_t n)
{
    *n_pts = 0;
    const char *p[] = {patient, muscle};
    fprintf(out, "%-5s %-21s %-18s %5s %9s %9s %7s\n", "id", "started", "muscle", "reps", "peak%MVC", "mean%MVC",
            "hold_s");
    trend_ctx t = {out, pts, cap, n_pts};
    int rows =
        hdb_query(h,
                  "SELECT s.id, s.started, m.muscle, m.reps, m.peak_pct, m.mean_pct, m.hold_s FROM sessions s"
                  " JOIN session_muscles m ON m.session = s.id WHERE s.patient = $1 AND (CAST($2 AS TEXT) IS NULL"
                  " OR m.muscle = $2) ORDER BY s.started, s.id, m.position",
                  p, 2, trend_row, &t, err, n);
    if (rows < 0) return -1;
    if (rows == 0) {
        snprintf(err, n, "no finished sessions of patient '%s'%s%s in %s", patient, muscle ? " with muscle " : "",
                 muscle ? muscle : "", hdb_name(h));
        return 1;
    }
    return 0;
}

/* history.c: the session history's SQL (see history.h). */
#include "session/history.h"

#include <sqlite3.h>
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

static int add_muscle(store *st, long long sid, const sum_muscle *m, char *err, size_t n)
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
    for (int i = 0; rc == 0 && i < s->n_muscles; i++) rc = add_muscle(st, sid, &s->m[i], err, n);
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
    sqlite3_stmt *q = prep(st,
                           "UPDATE sessions SET state = 'interrupted', error = 'the daemon stopped while recording;"
                           " the recording is valid up to about a second before' WHERE state = 'recording' AND"
                           " station = ?1",
                           err, n);
    if (!q) return -1;
    sqlite3_bind_text(q, 1, station, -1, SQLITE_TRANSIENT);
    if (done(st, q, "cannot mark interrupted sessions", err, n) != 0) return -1;
    return sqlite3_changes(store_sqlite(st));
}

/* ------------------------------------------------------------------------------------------------ queries */

static const char *col(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? (const char *)t : "";
}

int history_list(store *st, const char *patient, FILE *out, char *err, size_t n)
{
    sqlite3_stmt *q = prep(st,
                           "SELECT id, patient, started, IFNULL(duration_s, 0), state, protocol, IFNULL(reps, 0), label"
                           " FROM sessions WHERE ?1 IS NULL OR patient = ?1 ORDER BY started, id",
                           err, n);
    if (!q) return -1;
    if (patient) sqlite3_bind_text(q, 1, patient, -1, SQLITE_TRANSIENT);
    int rows = 0, rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (rows++ == 0)
            fprintf(out, "%-5s %-16s %-21s %8s %-12s %-20s %5s  %s\n", "id", "patient", "started", "dur_s", "state",
                    "protocol", "reps", "label");
        fprintf(out, "%-5lld %-16s %-21s %8.1f %-12s %-20s %5d  %s\n", (long long)sqlite3_column_int64(q, 0), col(q, 1),
                col(q, 2), sqlite3_column_double(q, 3), col(q, 4), *col(q, 5) ? col(q, 5) : "-",
                sqlite3_column_int(q, 6), col(q, 7));
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return fail(st, "cannot list the sessions", err, n);
    if (rows == 0) {
        snprintf(err, n, "no sessions%s%s in %s", patient ? " of patient " : "", patient ? patient : "",
                 store_path(st));
        return 1;
    }
    return 0;
}

int history_show(store *st, long long id, FILE *out, char *err, size_t n)
{
    sqlite3_stmt *q = prep(st,
                           "SELECT patient, started, IFNULL(ended, '-'), IFNULL(duration_s, 0), state, protocol, label,"
                           " dir, station, IFNULL(samples, 0), IFNULL(lost_samples, 0), IFNULL(error, '') FROM sessions"
                           " WHERE id = ?1",
                           err, n);
    if (!q) return -1;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        snprintf(err, n, "no session %lld in %s; 'myofeed-sessions list' shows the ids", id, store_path(st));
        return 1;
    }
    fprintf(out,
            "session %lld\n  patient   %s\n  started   %s\n  ended     %s\n  duration  %.1f s\n  state     %s\n"
            "  protocol  %s\n  label     %s\n  folder    %s\n  station   %s\n  samples   %lld (lost %lld)\n",
            id, col(q, 0), col(q, 1), col(q, 2), sqlite3_column_double(q, 3), col(q, 4), *col(q, 5) ? col(q, 5) : "-",
            col(q, 6), col(q, 7), col(q, 8), (long long)sqlite3_column_int64(q, 9),
            (long long)sqlite3_column_int64(q, 10));
    if (*col(q, 11)) fprintf(out, "  note      %s\n", col(q, 11));
    sqlite3_finalize(q);
    q = prep(st,
             "SELECT muscle, reps, contractions, peak_pct, mean_pct, hold_s, time_to_target_s, fatigue_hz_per_rep"
             " FROM session_muscles WHERE session = ?1 ORDER BY rowid",
             err, n);
    if (!q) return -1;
    sqlite3_bind_int64(q, 1, id);
    fprintf(out, "\n%-18s %5s %6s %9s %9s %7s %9s %9s\n", "muscle", "reps", "contr", "peak%MVC", "mean%MVC", "hold_s",
            "to_tgt_s", "fatigue");
    while (sqlite3_step(q) == SQLITE_ROW)
        fprintf(out, "%-18s %5d %6d %9.1f %9.1f %7.2f %9.2f %+9.2f\n", col(q, 0), sqlite3_column_int(q, 1),
                sqlite3_column_int(q, 2), sqlite3_column_double(q, 3), sqlite3_column_double(q, 4),
                sqlite3_column_double(q, 5), sqlite3_column_double(q, 6), sqlite3_column_double(q, 7));
    sqlite3_finalize(q);
    return 0;
}

int history_export_csv(store *st, long long id, FILE *out, char *err, size_t n)
{
    sqlite3_stmt *q = prep(st,
                           "SELECT s.patient, s.started, r.muscle, r.set_no, r.rep, r.t_s, r.peak_pct, r.mean_pct,"
                           " r.hold_s, r.time_to_target_s, r.median_hz FROM reps r JOIN sessions s ON s.id = r.session"
                           " WHERE r.session = ?1 ORDER BY r.t_s, r.muscle",
                           err, n);
    if (!q) return -1;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_stmt *ex = prep(st, "SELECT 1 FROM sessions WHERE id = ?1", err, n);
    if (!ex) {
        sqlite3_finalize(q);
        return -1;
    }
    sqlite3_bind_int64(ex, 1, id);
    int exists = sqlite3_step(ex) == SQLITE_ROW;
    sqlite3_finalize(ex);
    if (!exists) {
        sqlite3_finalize(q);
        snprintf(err, n, "no session %lld in %s; 'myofeed-sessions list' shows the ids", id, store_path(st));
        return 1;
    }
    fprintf(out, "session,patient,started,muscle,set,rep,t_s,peak_pct_mvc,mean_pct_mvc,hold_s,time_to_target_s,"
                 "median_hz\n");
    while (sqlite3_step(q) == SQLITE_ROW)
        fprintf(out, "%lld,%s,%s,%s,%d,%d,%.3f,%.2f,%.2f,%.3f,%.3f,%.2f\n", id, col(q, 0), col(q, 1), col(q, 2),
                sqlite3_column_int(q, 3), sqlite3_column_int(q, 4), sqlite3_column_double(q, 5),
                sqlite3_column_double(q, 6), sqlite3_column_double(q, 7), sqlite3_column_double(q, 8),
                sqlite3_column_double(q, 9), sqlite3_column_double(q, 10));
    sqlite3_finalize(q);
    return 0;
}

int history_trend(store *st, const char *patient, const char *muscle, FILE *out, trend_point *pts, int cap, int *n_pts,
                  char *err, size_t n)
{
    *n_pts = 0;
    sqlite3_stmt *q = prep(st,
                           "SELECT s.id, s.started, m.muscle, m.reps, m.peak_pct, m.mean_pct, m.hold_s FROM sessions s"
                           " JOIN session_muscles m ON m.session = s.id WHERE s.patient = ?1 AND (?2 IS NULL OR"
                           " m.muscle = ?2) ORDER BY s.started, s.id, m.rowid",
                           err, n);
    if (!q) return -1;
    sqlite3_bind_text(q, 1, patient, -1, SQLITE_TRANSIENT);
    if (muscle) sqlite3_bind_text(q, 2, muscle, -1, SQLITE_TRANSIENT);
    int rows = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (rows++ == 0)
            fprintf(out, "%-5s %-21s %-18s %5s %9s %9s %7s\n", "id", "started", "muscle", "reps", "peak%MVC",
                    "mean%MVC", "hold_s");
        fprintf(out, "%-5lld %-21s %-18s %5d %9.1f %9.1f %7.2f\n", (long long)sqlite3_column_int64(q, 0), col(q, 1),
                col(q, 2), sqlite3_column_int(q, 3), sqlite3_column_double(q, 4), sqlite3_column_double(q, 5),
                sqlite3_column_double(q, 6));
        if (*n_pts < cap) {
            trend_point *p = &pts[(*n_pts)++];
            snprintf(p->started, sizeof p->started, "%s", col(q, 1));
            snprintf(p->muscle, sizeof p->muscle, "%s", col(q, 2));
            p->reps = sqlite3_column_int(q, 3);
            p->peak_pct = sqlite3_column_double(q, 4);
            p->mean_pct = sqlite3_column_double(q, 5);
        }
    }
    sqlite3_finalize(q);
    if (rows == 0) {
        snprintf(err, n, "no finished sessions of patient '%s'%s%s in %s", patient, muscle ? " with muscle " : "",
                 muscle ? muscle : "", store_path(st));
        return 1;
    }
    return 0;
}

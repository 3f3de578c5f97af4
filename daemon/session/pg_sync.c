/* pg_sync.c: the local store copied to a clinic's PostgreSQL (see pg_sync.h). */
#include "session/pg_sync.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SYNC_EVERY_S 5
#define SYNC_BATCH 64

/* Version n is built by steps 1..n; steps are only ever appended. Several stations may start at once: the
 * migration holds an advisory lock. */
static const char *const pg_steps[PG_SCHEMA_VERSION] = {
    "CREATE TABLE patients (id TEXT PRIMARY KEY, created TEXT NOT NULL);"
    "CREATE TABLE calibrations (id BIGSERIAL PRIMARY KEY, station TEXT NOT NULL, local_id BIGINT NOT NULL,"
    "  patient TEXT NOT NULL REFERENCES patients(id), muscle TEXT NOT NULL, kind TEXT NOT NULL"
    "  CHECK (kind IN ('rest', 'mvc')), rest_uv DOUBLE PRECISION, rest_sd_uv DOUBLE PRECISION,"
    "  mvc_uv DOUBLE PRECISION, at TEXT NOT NULL, UNIQUE (station, local_id));"
    "CREATE INDEX calibrations_by_muscle ON calibrations (patient, muscle, kind, at);"
    "CREATE TABLE targets (patient TEXT NOT NULL REFERENCES patients(id), muscle TEXT NOT NULL,"
    "  low_pct DOUBLE PRECISION NOT NULL, high_pct DOUBLE PRECISION NOT NULL, at TEXT NOT NULL,"
    "  PRIMARY KEY (patient, muscle));"
    "CREATE TABLE sessions (id BIGSERIAL PRIMARY KEY, uid TEXT NOT NULL UNIQUE, station TEXT NOT NULL,"
    "  patient TEXT NOT NULL REFERENCES patients(id), label TEXT NOT NULL, protocol TEXT NOT NULL, dir TEXT NOT NULL,"
    "  started TEXT NOT NULL, ended TEXT, duration_s DOUBLE PRECISION, state TEXT NOT NULL, samples BIGINT,"
    "  lost_samples BIGINT, reps INTEGER, error TEXT);"
    "CREATE INDEX sessions_by_patient ON sessions (patient, started);"
    "CREATE TABLE session_muscles (session BIGINT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    "  muscle TEXT NOT NULL, reps INTEGER, contractions INTEGER, peak_pct DOUBLE PRECISION, mean_pct DOUBLE PRECISION,"
    "  hold_s DOUBLE PRECISION, time_to_target_s DOUBLE PRECISION, fatigue_hz_per_rep DOUBLE PRECISION,"
    "  rest_uv DOUBLE PRECISION, mvc_uv DOUBLE PRECISION, target_low_pct DOUBLE PRECISION,"
    "  target_high_pct DOUBLE PRECISION, clipped_pct DOUBLE PRECISION, position INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (session, muscle));"
    "CREATE TABLE reps (session BIGINT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, muscle TEXT NOT NULL,"
    "  set_no INTEGER NOT NULL, rep INTEGER NOT NULL, t_s DOUBLE PRECISION, peak_pct DOUBLE PRECISION,"
    "  mean_pct DOUBLE PRECISION, hold_s DOUBLE PRECISION, time_to_target_s DOUBLE PRECISION,"
    "  median_hz DOUBLE PRECISION, PRIMARY KEY (session, muscle, set_no, rep));",
};

static int version_row(void *ctx, int nc, const char *const *v)
{
    (void)nc;
    *(int *)ctx = v[0] ? atoi(v[0]) : 0;
    return 0;
}

int pg_schema(hdb *h, char *err, size_t n)
{
    if (hdb_exec(h,
                 "BEGIN; SELECT pg_advisory_xact_lock(17700);"
                 " CREATE TABLE IF NOT EXISTS myofeed_schema (version INTEGER NOT NULL);",
                 err, n) != 0)
        return -1;
    int v = 0;
    int rows = hdb_query(h, "SELECT version FROM myofeed_schema", NULL, 0, version_row, &v, err, n);
    if (rows < 0) goto fail;
    if (rows == 0 && hdb_exec(h, "INSERT INTO myofeed_schema VALUES (0)", err, n) != 0) goto fail;
    if (v > PG_SCHEMA_VERSION) {
        snprintf(err, n, "%s: schema version %d is newer than this myofeed knows (%d); update this station",
                 hdb_name(h), v, PG_SCHEMA_VERSION);
        goto fail;
    }
    for (; v < PG_SCHEMA_VERSION; v++) {
        char set[80];
        snprintf(set, sizeof set, "UPDATE myofeed_schema SET version = %d", v + 1);
        if (hdb_exec(h, pg_steps[v], err, n) != 0 || hdb_exec(h, set, err, n) != 0) goto fail;
    }
    if (hdb_exec(h, "COMMIT", err, n) != 0) goto fail;
    return 0;
fail:
    hdb_exec(h, "ROLLBACK", (char[200]){0}, 200);
    return -1;
}

/* ------------------------------------------------------------------------------------------------ copying */

typedef struct rows {
    int n, cols;
    char *v[SYNC_BATCH][16]; /* copies (NULL = SQL NULL) */
} rows;

static int keep_row(void *ctx, int nc, const char *const *v)
{
    rows *r = ctx;
    if (r->n == SYNC_BATCH) return 1;
    r->cols = nc > 16 ? 16 : nc;
    for (int c = 0; c < r->cols; c++) r->v[r->n][c] = v[c] ? strdup(v[c]) : NULL;
    r->n++;
    return 0;
}

static void free_rows(rows *r)
{
    for (int i = 0; i < r->n; i++)
        for (int c = 0; c < r->cols; c++) free(r->v[i][c]);
    r->n = 0;
}

static int fetch(hdb *local, const char *sql, const char *const *p, int np, rows *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    return hdb_query(local, sql, p, np, keep_row, out, err, n) < 0 ? -1 : 0;
}

static int id_row(void *ctx, int nc, const char *const *v)
{
    (void)nc;
    snprintf(ctx, 32, "%s", v[0] ? v[0] : "");
    return 0;
}

/* The patient on the server (a row copied after it refers to it). 0, or -1 with err. */
static int upsert_patient(hdb *pg, const char *id, const char *created, char *err, size_t n)
{
    const char *p[] = {id, created};
    return hdb_query(pg, "INSERT INTO patients (id, created) VALUES ($1, $2) ON CONFLICT DO NOTHING", p, 2, NULL, NULL,
                     err, n) < 0
               ? -1
               : 0;
}

/* One session with its muscles and reps, in one transaction on the server. */
static int copy_session(hdb *local, hdb *pg, char *const *s, char *err, size_t n)
{
    /* s: id, uid, station, patient, label, protocol, dir, started, ended, duration_s, state, samples, lost_samples,
     * reps, error */
    if (hdb_exec(pg, "BEGIN", err, n) != 0) return -1;
    char pid[32] = "";
    int ok = upsert_patient(pg, s[3], s[7], err, n) == 0;
    const char *sp[] = {s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13], s[14]};
    ok =
        ok && hdb_query(pg,
                        "INSERT INTO sessions (uid, station, patient, label, protocol, dir, started, ended, duration_s,"
                        " state, samples, lost_samples, reps, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                        " $11, $12, $13, $14) ON CONFLICT (uid) DO UPDATE SET ended = EXCLUDED.ended, duration_s ="
                        " EXCLUDED.duration_s, state = EXCLUDED.state, samples = EXCLUDED.samples, lost_samples ="
                        " EXCLUDED.lost_samples, reps = EXCLUDED.reps, error = EXCLUDED.error RETURNING id",
                        sp, 14, id_row, pid, err, n) == 1;
    const char *del[] = {pid};
    ok = ok && hdb_query(pg, "DELETE FROM session_muscles WHERE session = CAST($1 AS BIGINT)", del, 1, NULL, NULL, err,
                         n) >= 0;
    ok = ok && hdb_query(pg, "DELETE FROM reps WHERE session = CAST($1 AS BIGINT)", del, 1, NULL, NULL, err, n) >= 0;
    const char *lid[] = {s[0]};
    rows m;
    ok = ok && fetch(local,
                     "SELECT muscle, reps, contractions, peak_pct, mean_pct, hold_s, time_to_target_s,"
                     " fatigue_hz_per_rep, rest_uv, mvc_uv, target_low_pct, target_high_pct, clipped_pct, position"
                     " FROM session_muscles WHERE session = CAST($1 AS INTEGER)",
                     lid, 1, &m, err, n) == 0;
    for (int i = 0; ok && i < m.n; i++) {
        const char *p[15] = {pid};
        for (int c = 0; c < 14; c++) p[c + 1] = m.v[i][c];
        ok = hdb_query(pg,
                       "INSERT INTO session_muscles (session, muscle, reps, contractions, peak_pct, mean_pct, hold_s,"
                       " time_to_target_s, fatigue_hz_per_rep, rest_uv, mvc_uv, target_low_pct, target_high_pct,"
                       " clipped_pct, position) VALUES (CAST($1 AS BIGINT), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
                       " $12, $13, $14, $15)",
                       p, 15, NULL, NULL, err, n) >= 0;
    }
    free_rows(&m);
    /* reps: in batches (a session may have more than one batch) */
    for (int off = 0; ok;) {
        char offs[16];
        snprintf(offs, sizeof offs, "%d", off);
        const char *rp[] = {s[0], offs};
        rows r;
        ok =
            fetch(
                local,
                "SELECT muscle, set_no, rep, t_s, peak_pct, mean_pct, hold_s, time_to_target_s, median_hz FROM reps"
                " WHERE session = CAST($1 AS INTEGER) ORDER BY muscle, set_no, rep LIMIT 64 OFFSET CAST($2 AS INTEGER)",
                rp, 2, &r, err, n) == 0;
        for (int i = 0; ok && i < r.n; i++) {
            const char *p[10] = {pid};
            for (int c = 0; c < 9; c++) p[c + 1] = r.v[i][c];
            ok = hdb_query(pg,
                           "INSERT INTO reps (session, muscle, set_no, rep, t_s, peak_pct, mean_pct, hold_s,"
                           " time_to_target_s, median_hz) VALUES (CAST($1 AS BIGINT), $2, $3, $4, $5, $6, $7, $8, $9,"
                           " $10)",
                           p, 10, NULL, NULL, err, n) >= 0;
        }
        int got = r.n;
        free_rows(&r);
        if (got < SYNC_BATCH) break;
        off += got;
    }
    if (!ok || hdb_exec(pg, "COMMIT", err, n) != 0) {
        hdb_exec(pg, "ROLLBACK", (char[200]){0}, 200);
        return -1;
    }
    return hdb_query(local, "UPDATE sessions SET synced = 1 WHERE id = CAST($1 AS INTEGER)", lid, 1, NULL, NULL, err,
                     n) < 0
               ? -1
               : 0;
}

static int copy_calibrations(hdb *local, hdb *pg, const char *station, char *err, size_t n)
{
    rows r;
    if (fetch(local,
              "SELECT c.id, c.patient, c.muscle, c.kind, c.rest_uv, c.rest_sd_uv, c.mvc_uv, c.at, p.created FROM"
              " calibrations c JOIN patients p ON p.id = c.patient WHERE c.synced = 0 ORDER BY c.id LIMIT 64",
              NULL, 0, &r, err, n) != 0)
        return -1;
    int done = 0, ok = 1;
    for (int i = 0; ok && i < r.n; i++) {
        char *const *v = r.v[i];
        const char *p[] = {station, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
        ok =
            upsert_patient(pg, v[1], v[8], err, n) == 0 &&
            hdb_query(pg,
                      "INSERT INTO calibrations (station, local_id, patient, muscle, kind, rest_uv, rest_sd_uv, mvc_uv,"
                      " at) VALUES ($1, CAST($2 AS BIGINT), $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (station,"
                      " local_id) DO NOTHING",
                      p, 9, NULL, NULL, err, n) >= 0 &&
            hdb_query(local, "UPDATE calibrations SET synced = 1 WHERE id = CAST($1 AS INTEGER)", p + 1, 1, NULL, NULL,
                      err, n) >= 0;
        done += ok;
    }
    free_rows(&r);
    return ok ? done : -1;
}

static int copy_targets(hdb *local, hdb *pg, char *err, size_t n)
{
    rows r;
    if (fetch(local,
              "SELECT t.patient, t.muscle, t.low_pct, t.high_pct, t.at, p.created FROM targets t JOIN patients p ON"
              " p.id = t.patient WHERE t.synced = 0 LIMIT 64",
              NULL, 0, &r, err, n) != 0)
        return -1;
    int done = 0, ok = 1;
    for (int i = 0; ok && i < r.n; i++) {
        char *const *v = r.v[i];
        const char *p[] = {v[0], v[1], v[2], v[3], v[4]}, *mark[] = {v[0], v[1], v[4]};
        ok = upsert_patient(pg, v[0], v[5], err, n) == 0 &&
             hdb_query(pg,
                       "INSERT INTO targets (patient, muscle, low_pct, high_pct, at) VALUES ($1, $2, $3, $4, $5) ON"
                       " CONFLICT (patient, muscle) DO UPDATE SET low_pct = EXCLUDED.low_pct, high_pct ="
                       " EXCLUDED.high_pct, at = EXCLUDED.at WHERE targets.at <= EXCLUDED.at",
                       p, 5, NULL, NULL, err, n) >= 0 &&
             hdb_query(local, "UPDATE targets SET synced = 1 WHERE patient = $1 AND muscle = $2 AND at = $3", mark, 3,
                       NULL, NULL, err, n) >= 0;
        done += ok;
    }
    free_rows(&r);
    return ok ? done : -1;
}

static int count_row(void *ctx, int nc, const char *const *v)
{
    (void)nc;
    *(int *)ctx = v[0] ? atoi(v[0]) : 0;
    return 0;
}

int pg_sync_once(store *st, hdb *pg, const char *station, int *pending, char *err, size_t n)
{
    hdb *local = hdb_sqlite(st);
    if (!local) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    int copied = 0, rc = 0;
    for (;;) { /* sessions, a batch at a time */
        rows s;
        if (fetch(local,
                  "SELECT id, uid, station, patient, label, protocol, dir, started, ended, duration_s, state, samples,"
                  " lost_samples, reps, error FROM sessions WHERE synced = 0 AND state != 'recording' ORDER BY id"
                  " LIMIT 64",
                  NULL, 0, &s, err, n) != 0) {
            rc = -1;
            break;
        }
        int got = s.n;
        for (int i = 0; rc == 0 && i < s.n; i++) {
            if (copy_session(local, pg, s.v[i], err, n) != 0)
                rc = -1;
            else
                copied++;
        }
        free_rows(&s);
        if (rc != 0 || got < SYNC_BATCH) break;
    }
    for (int k; rc == 0 && (k = copy_calibrations(local, pg, station, err, n)) != 0;) {
        if (k < 0)
            rc = -1;
        else
            copied += k;
    }
    for (int k; rc == 0 && (k = copy_targets(local, pg, err, n)) != 0;) {
        if (k < 0)
            rc = -1;
        else
            copied += k;
    }
    int a = 0, b = 0, c = 0;
    char e2[200];
    hdb_query(local, "SELECT COUNT(*) FROM sessions WHERE synced = 0 AND state != 'recording'", NULL, 0, count_row, &a,
              e2, sizeof e2);
    hdb_query(local, "SELECT COUNT(*) FROM calibrations WHERE synced = 0", NULL, 0, count_row, &b, e2, sizeof e2);
    hdb_query(local, "SELECT COUNT(*) FROM targets WHERE synced = 0", NULL, 0, count_row, &c, e2, sizeof e2);
    *pending = a + b + c;
    hdb_close(local);
    return rc == 0 ? copied : -1;
}

/* ------------------------------------------------------------------------------------------------ the thread */

struct pg_sync {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int kicked, stopping;
    char store_dir[1024], url[512], station[64];
    pg_sync_status st;
    int told_connected; /* what poll last reported */
};

static void pass(pg_sync *p, store **st, hdb **pg)
{
    char err[400] = "";
    int pending = 0, copied = -1;
    if (!*st) *st = store_open(p->store_dir, err, sizeof err);
    if (*st && !*pg) {
        *pg = hdb_postgres(p->url, err, sizeof err);
        if (*pg && pg_schema(*pg, err, sizeof err) != 0) {
            hdb_close(*pg);
            *pg = NULL;
        }
    }
    if (*st && *pg) {
        copied = pg_sync_once(*st, *pg, p->station, &pending, err, sizeof err);
        if (copied < 0) { /* the connection may be gone: a new one next time */
            hdb_close(*pg);
            *pg = NULL;
        }
    }
    pthread_mutex_lock(&p->mu);
    p->st.connected = copied >= 0;
    if (copied >= 0) p->st.copied += copied, p->st.pending = pending;
    snprintf(p->st.error, sizeof p->st.error, "%s", copied >= 0 ? "" : err);
    pthread_mutex_unlock(&p->mu);
}

static void *run(void *arg)
{
    pg_sync *p = arg;
    store *st = NULL;
    hdb *pg = NULL;
    for (;;) {
        pass(p, &st, &pg);
        pthread_mutex_lock(&p->mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += SYNC_EVERY_S;
        while (!p->kicked && !p->stopping)
            if (pthread_cond_timedwait(&p->cv, &p->mu, &until) != 0) break;
        int stop = p->stopping;
        p->kicked = 0;
        pthread_mutex_unlock(&p->mu);
        if (stop) {
            pass(p, &st, &pg); /* what the last moments added */
            break;
        }
    }
    hdb_close(pg);
    store_close(st);
    return NULL;
}

pg_sync *pg_sync_start(const char *store_dir, const char *url, const char *station, char *err, size_t n)
{
    pg_sync *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, n, "out of memory for the database sync");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    snprintf(p->store_dir, sizeof p->store_dir, "%s", store_dir);
    snprintf(p->url, sizeof p->url, "%s", url);
    snprintf(p->station, sizeof p->station, "%s", station);
    p->told_connected = -1;
    if (pthread_create(&p->thread, NULL, run, p) != 0) {
        snprintf(err, n, "cannot start the database sync thread");
        free(p);
        return NULL;
    }
    return p;
}

void pg_sync_kick(pg_sync *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->kicked = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int pg_sync_poll(pg_sync *p, pg_sync_status *st)
{
    pthread_mutex_lock(&p->mu);
    *st = p->st;
    pthread_mutex_unlock(&p->mu);
    int changed = st->connected != p->told_connected && (st->connected || st->error[0]);
    if (changed) p->told_connected = st->connected;
    return changed;
}

void pg_sync_stop(pg_sync *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* store.c: the session store on SQLite (see store.h). */
#include "session/store.h"

#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct store {
    sqlite3 *db;
    char path[PATH_MAX];
};

/* Version n's schema is built by the steps 1..n in order; a database at version k runs steps k+1..n. Steps are
 * only ever appended. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
    /* 1: patients, every calibration, targets */
    "CREATE TABLE patients (id TEXT PRIMARY KEY, created TEXT NOT NULL);"
    "CREATE TABLE calibrations (id INTEGER PRIMARY KEY, patient TEXT NOT NULL REFERENCES patients(id),"
    "  muscle TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('rest', 'mvc')), rest_uv REAL, rest_sd_uv REAL,"
    "  mvc_uv REAL, at TEXT NOT NULL);"
    "CREATE INDEX calibrations_by_muscle ON calibrations (patient, muscle, kind, id);"
    "CREATE TABLE targets (patient TEXT NOT NULL REFERENCES patients(id), muscle TEXT NOT NULL,"
    "  low_pct REAL NOT NULL, high_pct REAL NOT NULL, at TEXT NOT NULL, PRIMARY KEY (patient, muscle));",
    /* 2: the history: every session, each muscle's results in it, every rep */
    "CREATE TABLE sessions (id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, station TEXT NOT NULL,"
    "  patient TEXT NOT NULL REFERENCES patients(id), label TEXT NOT NULL, protocol TEXT NOT NULL, dir TEXT NOT NULL,"
    "  started TEXT NOT NULL, ended TEXT, duration_s REAL, state TEXT NOT NULL, samples INTEGER,"
    "  lost_samples INTEGER, reps INTEGER, error TEXT);"
    "CREATE INDEX sessions_by_patient ON sessions (patient, started);"
    "CREATE TABLE session_muscles (session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    "  muscle TEXT NOT NULL, reps INTEGER, contractions INTEGER, peak_pct REAL, mean_pct REAL, hold_s REAL,"
    "  time_to_target_s REAL, fatigue_hz_per_rep REAL, rest_uv REAL, mvc_uv REAL, target_low_pct REAL,"
    "  target_high_pct REAL, clipped_pct REAL, PRIMARY KEY (session, muscle));"
    "CREATE TABLE reps (session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, muscle TEXT NOT NULL,"
    "  set_no INTEGER NOT NULL, rep INTEGER NOT NULL, t_s REAL, peak_pct REAL, mean_pct REAL, hold_s REAL,"
    "  time_to_target_s REAL, median_hz REAL, PRIMARY KEY (session, muscle, set_no, rep));",
    /* 3: what a clinic's database (session.database) has not got yet; the muscles' order in a session */
    "ALTER TABLE sessions ADD COLUMN synced INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE calibrations ADD COLUMN synced INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE targets ADD COLUMN synced INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE session_muscles ADD COLUMN position INTEGER NOT NULL DEFAULT 0;",
};

static void now_iso(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int fail(store *s, const char *what, char *err, size_t n)
{
    snprintf(err, n, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
    return -1;
}

static int exec(store *s, const char *sql, const char *what, char *err, size_t n)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    snprintf(err, n, "%s: %s: %s", s->path, what, msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return -1;
}

static int schema_version(store *s)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) return -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Runs the migrations the database lacks, each in a transaction with its version. */
static int migrate(store *s, char *err, size_t n)
{
    int v = schema_version(s);
    if (v < 0) return fail(s, "cannot read the schema version", err, n);
    if (v > STORE_SCHEMA_VERSION) {
        snprintf(err, n, "%s: schema version %d is newer than this myofeedd knows (%d); use the newer myofeedd",
                 s->path, v, STORE_SCHEMA_VERSION);
        return -1;
    }
    for (; v < STORE_SCHEMA_VERSION; v++) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d; COMMIT;", v + 1);
        if (exec(s, "BEGIN IMMEDIATE;", "cannot start the schema migration", err, n) != 0) return -1;
        if (exec(s, migrations[v], "schema migration failed", err, n) != 0 ||
            exec(s, sql, "cannot commit the schema migration", err, n) != 0) {
            sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}

/* dir exists as a folder of ours (made 0700 when missing). */
static int ensure_dir(const char *dir, char *err, size_t n)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, n, "%s: cannot create the session folder: %s; check session.dir and its parent's permissions",
                 dir, strerror(errno));
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, n, "%s: session.dir is not a folder; point session.dir at a folder", dir);
        return -1;
    }
    return 0;
}

store *store_open(const char *dir, char *err, size_t n)
{
    if (ensure_dir(dir, err, n) != 0) return NULL;
    store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, n, "%s: out of memory opening the session store", dir);
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%.4000s/myofeed.db", dir);
    /* created 0600 before SQLite opens it, so no moment exists where others may read it. Only when it is missing:
     * closing any descriptor of an open database drops every POSIX lock this process holds on it (another
     * connection's, e.g. the daemon's while its finishing thread opens its own), which corrupts it. */
    struct stat sb;
    int fd = lstat(s->path, &sb) == 0 ? -2 : open(s->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd == -1 && errno == EEXIST) fd = -2; /* made meanwhile */
    if (fd == -1) {
        snprintf(err, n, "%s: cannot open the session store: %s; check session.dir's permissions", s->path,
                 strerror(errno));
        free(s);
        return NULL;
    }
    if (fd >= 0) close(fd);
    if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
        fail(s, "cannot open the session store", err, n);
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 2000); /* a reader holding a lock: wait up to 2 s, never forever */
    if (exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
             "cannot set up the session store", err, n) != 0)
        goto fail;
    if (migrate(s, err, n) != 0) goto fail;
    return s;
fail:
    store_close(s);
    return NULL;
}

void store_close(store *s)
{
    if (!s) return;
    if (s->db) sqlite3_close(s->db);
    free(s);
}

const char *store_path(const store *s) { return s->path; }

sqlite3 *store_sqlite(store *s) { return s->db; }

/* Prepares sql and binds the texts then the numbers given. */
static sqlite3_stmt *prepare(store *s, const char *sql, const char *const *texts, int nt, const double *nums, int nn,
                             char *err, size_t n)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fail(s, "cannot prepare a query", err, n);
        return NULL;
    }
    for (int i = 0; i < nt; i++) sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_TRANSIENT);
    for (int i = 0; i < nn; i++) sqlite3_bind_double(st, nt + i + 1, nums[i]);
    return st;
}

static int run(store *s, sqlite3_stmt *st, const char *what, char *err, size_t n)
{
    if (!st) return -1;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(s, what, err, n);
}

int store_patient(store *s, const char *id, char *err, size_t n)
{
    if (!config_patient_id_valid(id)) {
        snprintf(err, n, "patient id '%s' must be 1 to %d letters, digits, '-', '_' or '.' (not starting with '.')", id,
                 CFG_PATIENT_MAX - 1);
        return -1;
    }
    char at[32];
    now_iso(at, sizeof at);
    const char *t[] = {id, at};
    return run(s, prepare(s, "INSERT OR IGNORE INTO patients (id, created) VALUES (?1, ?2)", t, 2, NULL, 0, err, n),
               "cannot record the patient", err, n);
}

int store_save_calibration(store *s, const char *patient, const char *muscle, const char *kind, double rest_uv,
                           double rest_sd_uv, double mvc_uv, char *err, size_t n)
{
    if (store_patient(s, patient, err, n) != 0) return -1;
    char at[32];
    now_iso(at, sizeof at);
    const char *t[] = {patient, muscle, kind, at};
    const double v[] = {rest_uv, rest_sd_uv, mvc_uv};
    return run(s,
               prepare(s,
                       "INSERT INTO calibrations (patient, muscle, kind, at, rest_uv, rest_sd_uv, mvc_uv)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                       t, 4, v, 3, err, n),
               "cannot record the calibration", err, n);
}

/* The latest calibration of one kind: its value(s) and date. Returns 1, 0 when none, -1 with err. */
static int latest(store *s, const char *patient, const char *muscle, const char *kind, double v[2], char *at,
                  size_t at_n, char *err, size_t n)
{
    const char *t[] = {patient, muscle, kind};
    sqlite3_stmt *st = prepare(s,
                               "SELECT rest_uv, rest_sd_uv, mvc_uv, at FROM calibrations WHERE patient = ?1 AND"
                               " muscle = ?2 AND kind = ?3 ORDER BY id DESC LIMIT 1",
                               t, 3, NULL, 0, err, n);
    if (!st) return -1;
    int rc = sqlite3_step(st), found = rc == SQLITE_ROW;
    if (found) {
        int rest = strcmp(kind, "rest") == 0;
        v[0] = sqlite3_column_double(st, rest ? 0 : 2);
        v[1] = rest ? sqlite3_column_double(st, 1) : 0;
        snprintf(at, at_n, "%s", (const char *)sqlite3_column_text(st, 3));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(s, "cannot read the calibration", err, n);
    return found;
}

int store_load_calibration(store *s, const char *patient, const char *muscle, store_calib *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    double r[2] = {0, 0}, m[2] = {0, 0};
    int has_rest = latest(s, patient, muscle, "rest", r, out->rest_at, sizeof out->rest_at, err, n);
    int has_mvc = has_rest < 0 ? -1 : latest(s, patient, muscle, "mvc", m, out->mvc_at, sizeof out->mvc_at, err, n);
    if (has_rest < 0 || has_mvc < 0) return -1;
    out->rest_uv = r[0];
    out->rest_sd_uv = r[1];
    if (has_mvc && m[0] > out->rest_uv) { /* as feedback does: an MVC not above the rest in force is no MVC */
        out->mvc_uv = m[0];
    } else {
        out->mvc_at[0] = 0;
        has_mvc = 0;
    }
    return has_rest || has_mvc;
}

int store_save_target(store *s, const char *patient, const char *muscle, double low_pct, double high_pct, char *err,
                      size_t n)
{
    if (store_patient(s, patient, err, n) != 0) return -1;
    char at[32];
    now_iso(at, sizeof at);
    const char *t[] = {patient, muscle, at};
    const double v[] = {low_pct, high_pct};
    return run(s,
               prepare(s,
                       "INSERT OR REPLACE INTO targets (patient, muscle, at, low_pct, high_pct)"
                       " VALUES (?1, ?2, ?3, ?4, ?5)",
                       t, 3, v, 2, err, n),
               "cannot record the target", err, n);
}

int store_load_target(store *s, const char *patient, const char *muscle, double *low_pct, double *high_pct, char *err,
                      size_t n)
{
    const char *t[] = {patient, muscle};
    sqlite3_stmt *st =
        prepare(s, "SELECT low_pct, high_pct FROM targets WHERE patient = ?1 AND muscle = ?2", t, 2, NULL, 0, err, n);
    if (!st) return -1;
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        *low_pct = sqlite3_column_double(st, 0);
        *high_pct = sqlite3_column_double(st, 1);
        found = 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(s, "cannot read the target", err, n);
    return found;
}

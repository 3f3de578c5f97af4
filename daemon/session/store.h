/* store.h: the session store, SQLite in session.dir/myofeed.db (WAL, so readers work while the daemon writes):
 * patients, their calibrations (every one, with its date; the latest per muscle is the one in force) and their
 * targets. Owns: the database file, its versioned schema and the migrations between versions. Knows nothing of
 * OSC or DSP. Calls are [setup]-like: they touch the disk, so the daemon makes them on rare control events
 * (a patient chosen, a calibration accepted, a target set), never per sample or per tick. */
#ifndef MF_STORE_H
#define MF_STORE_H

#include <stddef.h>

#define STORE_SCHEMA_VERSION 3

typedef struct store store;

/* Opens (creating with mode 0700 when missing) dir and dir/myofeed.db (0600), and brings the schema to
 * STORE_SCHEMA_VERSION. NULL with err (what, which file, what to do). */
store *store_open(const char *dir, char *err, size_t n);
void store_close(store *s);
/* The database file. */
const char *store_path(const store *s);
/* The SQLite connection, for the history's queries (session/history.c). */
struct sqlite3 *store_sqlite(store *s);

/* Makes sure patient id (config_patient_id_valid) exists. Returns 0, or -1 with err. */
int store_patient(store *s, const char *id, char *err, size_t n);

typedef struct store_calib {
    double rest_uv, rest_sd_uv, mvc_uv;
    char rest_at[32], mvc_at[32]; /* ISO 8601 UTC of the rest and MVC calibrations in force; "" = none */
} store_calib;

/* Records one calibration of a patient's muscle: kind "rest" (rest_uv, rest_sd_uv) or "mvc" (mvc_uv).
 * Returns 0, or -1 with err. */
int store_save_calibration(store *s, const char *patient, const char *muscle, const char *kind, double rest_uv,
                           double rest_sd_uv, double mvc_uv, char *err, size_t n);
/* The calibration in force: the latest rest and the latest MVC (an MVC not above that rest is none, as in the
 * live feedback). Returns 1 when there is one, 0 when none, -1 with err. */
int store_load_calibration(store *s, const char *patient, const char *muscle, store_calib *out, char *err, size_t n);

/* A patient's target band for a muscle, in % MVC. Returns 0, or -1 with err. */
int store_save_target(store *s, const char *patient, const char *muscle, double low_pct, double high_pct, char *err,
                      size_t n);
/* Returns 1 and the band, 0 when none was set, -1 with err. */
int store_load_target(store *s, const char *patient, const char *muscle, double *low_pct, double *high_pct, char *err,
                      size_t n);

#endif

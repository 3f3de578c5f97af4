/* pg_sync.h: a clinic's shared history (session.database = "postgresql://..."). The local store stays the
 * station's own record and its queue: every session, calibration and target is written there first, and this
 * module copies what PostgreSQL has not got yet (the rows marked synced = 0), in a thread of its own, every few
 * seconds and at once when kicked. While the server cannot be reached nothing is lost: the rows wait, and go out
 * when it is back. Copies are idempotent (sessions by uid, calibrations by station and local id, targets by the
 * newest), so a crash between the server's commit and the local mark only sends a row twice, harmlessly.
 * Owns: the PostgreSQL schema (the local one's tables, with station and local id where rows come from many
 * stations, and its version) and the copying. */
#ifndef MF_PG_SYNC_H
#define MF_PG_SYNC_H

#include <stddef.h>

#include "session/hdb.h"
#include "session/store.h"

#define PG_SCHEMA_VERSION 1

typedef struct pg_sync pg_sync;

/* Starts syncing store_dir's store to url as station. NULL with err (no thread could be started). */
pg_sync *pg_sync_start(const char *store_dir, const char *url, const char *station, char *err, size_t n);
/* Asks for a sync now (a session ended, a calibration was kept). [live]: never blocks. */
void pg_sync_kick(pg_sync *p);

typedef struct pg_sync_status {
    int connected;    /* the last attempt reached the server */
    int pending;      /* rows waiting (after the last attempt) */
    long long copied; /* rows copied since start */
    char error[400];  /* the last failure ("" none) */
} pg_sync_status;
/* [live] The state now; returns 1 when connected changed since the last call (a line to log). */
int pg_sync_poll(pg_sync *p, pg_sync_status *st);
/* Syncs once more (bounded by the connect timeout) and stops. */
void pg_sync_stop(pg_sync *p);

/* Creates or migrates the schema on h (PostgreSQL). 0, or -1 with err. Used by the sync and the tools. */
int pg_schema(hdb *h, char *err, size_t n);
/* One pass: copies every unsynced row of st to h. Returns the rows copied, or -1 with err (what was copied
 * stays copied). */
int pg_sync_once(store *st, hdb *h, const char *station, int *pending, char *err, size_t n);

#endif

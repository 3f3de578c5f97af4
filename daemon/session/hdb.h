/* hdb.h: the history's database for reading and for the clinic's sync: the local store (SQLite) or a clinic's
 * PostgreSQL (libpq), behind one query call whose SQL both understand ($1 parameters, CAST, COALESCE). Owns: the
 * connection and the conversion of rows to text. Blocking: for the tools and the sync thread, never the event loop. */
#ifndef MF_HDB_H
#define MF_HDB_H

#include <stddef.h>

#include "session/store.h"

typedef struct hdb hdb;

/* The local store's history (st is borrowed, not closed by hdb_close). */
hdb *hdb_sqlite(store *st);
/* A PostgreSQL database at url (libpq's URL or key=value form; a connect timeout of 3 s is added). NULL with err. */
hdb *hdb_postgres(const char *url, char *err, size_t n);
void hdb_close(hdb *h);
/* "the local store FILE" or "PostgreSQL at HOST:PORT/DB", for messages. */
const char *hdb_name(const hdb *h);
/* 1 for PostgreSQL. */
int hdb_is_postgres(const hdb *h);

/* Called per row with its values as text (NULL for SQL NULL); returns 0 to go on, else stops the query. */
typedef int (*hdb_row_fn)(void *ctx, int ncol, const char *const *vals);

/* SQL for both: parameters are $1, $2, ... each used at least once and first used in that order (SQLite takes
 * "$N" as a name, numbered by first use). */
/* Runs sql with params (text; NULL is SQL NULL) and calls row per result row (row may be NULL). Returns the number
 * of rows, or -1 with err. */
int hdb_query(hdb *h, const char *sql, const char *const *params, int n_params, hdb_row_fn row, void *ctx, char *err,
              size_t n);
/* Statements without results, each whole (BEGIN, COMMIT, schema). 0, or -1 with err. */
int hdb_exec(hdb *h, const char *sql, char *err, size_t n);

#endif

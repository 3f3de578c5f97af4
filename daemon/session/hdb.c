/* hdb.c: the history's database, SQLite or PostgreSQL (see hdb.h). */
#include "session/hdb.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDB_MAX_COLS 32

struct hdb {
    store *st;  /* SQLite, borrowed */
    PGconn *pg; /* or PostgreSQL */
    char name[300];
};

hdb *hdb_sqlite(store *st)
{
    hdb *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->st = st;
    snprintf(h->name, sizeof h->name, "the local store %s", store_path(st));
    return h;
}

hdb *hdb_postgres(const char *url, char *err, size_t n)
{
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {url, "3", "myofeed", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        char why[300];
        snprintf(why, sizeof why, "%s", pg ? PQerrorMessage(pg) : "out of memory");
        for (char *p = why; *p; p++)
            if (*p == '\n') *p = ' ';
        snprintf(err, n, "PostgreSQL (session.database): cannot connect: %s; check that the server runs and the URL",
                 why);
        PQfinish(pg);
        return NULL;
    }
    hdb *h = calloc(1, sizeof *h);
    if (!h) {
        PQfinish(pg);
        snprintf(err, n, "out of memory");
        return NULL;
    }
    h->pg = pg;
    PQsetNoticeProcessor(pg, NULL, NULL); /* "relation already exists, skipping" is not news */
    snprintf(h->name, sizeof h->name, "PostgreSQL at %s:%s/%s", PQhost(pg), PQport(pg), PQdb(pg));
    return h;
}

void hdb_close(hdb *h)
{
    if (!h) return;
    if (h->pg) PQfinish(h->pg);
    free(h);
}

const char *hdb_name(const hdb *h) { return h->name; }
int hdb_is_postgres(const hdb *h) { return h->pg != NULL; }

static int pg_error(hdb *h, PGresult *r, const char *what, char *err, size_t n)
{
    char why[400];
    snprintf(why, sizeof why, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(h->pg));
    for (char *p = why; *p; p++)
        if (*p == '\n') *p = ' ';
    snprintf(err, n, "%s: %s: %s", h->name, what, why);
    PQclear(r);
    return -1;
}

int hdb_query(hdb *h, const char *sql, const char *const *params, int n_params, hdb_row_fn row, void *ctx, char *err,
              size_t n)
{
    if (h->pg) {
        PGresult *r = PQexecParams(h->pg, sql, n_params, NULL, params, NULL, NULL, 0);
        ExecStatusType s = PQresultStatus(r);
        if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) return pg_error(h, r, "query failed", err, n);
        int rows = PQntuples(r), cols = PQnfields(r);
        if (cols > HDB_MAX_COLS) cols = HDB_MAX_COLS;
        for (int i = 0; row && i < rows; i++) {
            const char *v[HDB_MAX_COLS];
            for (int c = 0; c < cols; c++) v[c] = PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c);
            if (row(ctx, cols, v) != 0) break;
        }
        PQclear(r);
        return rows;
    }
    sqlite3 *db = store_sqlite(h->st);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        snprintf(err, n, "%s: cannot prepare a query: %s", h->name, sqlite3_errmsg(db));
        return -1;
    }
    for (int i = 0; i < n_params; i++)
        if (params[i])
            sqlite3_bind_text(q, i + 1, params[i], -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(q, i + 1);
    int rows = 0, rc, stop = 0;
    while (!stop && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        rows++;
        int cols = sqlite3_column_count(q);
        if (cols > HDB_MAX_COLS) cols = HDB_MAX_COLS;
        const char *v[HDB_MAX_COLS];
        for (int c = 0; c < cols; c++) v[c] = (const char *)sqlite3_column_text(q, c);
        if (row) stop = row(ctx, cols, v) != 0;
    }
    if (!stop && rc != SQLITE_DONE) {
        snprintf(err, n, "%s: query failed: %s", h->name, sqlite3_errmsg(db));
        sqlite3_finalize(q);
        return -1;
    }
    sqlite3_finalize(q);
    return rows;
}

int hdb_exec(hdb *h, const char *sql, char *err, size_t n)
{
    if (h->pg) {
        PGresult *r = PQexec(h->pg, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
            return pg_error(h, r, "statement failed", err, n);
        PQclear(r);
        return 0;
    }
    char *msg = NULL;
    if (sqlite3_exec(store_sqlite(h->st), sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, n, "%s: statement failed: %s", h->name, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

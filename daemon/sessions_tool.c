/* sessions_tool.c: myofeed-sessions, the session history from the command line (readers work while the daemon
 * writes: the store is SQLite in WAL mode).
 *   myofeed-sessions [-d DIR | -c FILE] list [PATIENT]
 *   myofeed-sessions [-d DIR | -c FILE] show ID
 *   myofeed-sessions [-d DIR | -c FILE] trend PATIENT [--muscle M] [--plot FILE.png]
 *   myofeed-sessions [-d DIR | -c FILE] export ID --csv
 * With session.database (from -c FILE, or --database URL) the queries go to the clinic's PostgreSQL, the same
 * tables; --local asks the station's own store instead.
 * Exit: 0 done, 1 usage or nothing found, 2 the store cannot be read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "records/report.h"
#include "session/hdb.h"
#include "session/history.h"
#include "session/pg_sync.h"
#include "session/store.h"
#include "tool_store_dir.h"

static int usage(FILE *f, int rc)
{
    fprintf(f,
            "usage: myofeed-sessions [-d DIR | -c FILE] COMMAND\n"
            "  list [PATIENT]                             every session (of one patient), oldest first\n"
            "  show ID                                    one session and each muscle's results\n"
            "  trend PATIENT [--muscle M] [--plot F.png]  a patient's results per session (and a plot)\n"
            "  export ID --csv                            a session's reps as CSV on stdout\n"
            "  -d DIR          the session store (default: session.dir of -c FILE, else of config/myofeed.cfg here,\n"
            "                  else of the installed configuration, else ./sessions)\n"
            "  --database URL  a clinic's PostgreSQL (default: session.database of that configuration)\n"
            "  --local         the station's own store even when a database is configured\n");
    return rc;
}

static int parse_id(const char *s, long long *id)
{
    char *end;
    errno = 0;
    *id = strtoll(s, &end, 10);
    return errno == 0 && *s && !*end && *id > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *dir_opt = NULL, *cfg_opt = NULL, *db_opt = NULL;
    int local = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--database") && i + 1 < argc) {
            db_opt = argv[++i];
        } else if (!strcmp(argv[i], "--local")) {
            local = 1;
        } else if ((!strcmp(argv[i], "-d") || !strcmp(argv[i], "-c")) && i + 1 < argc) {
            if (argv[i][1] == 'd')
                dir_opt = argv[++i];
            else
                cfg_opt = argv[++i];
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            return usage(stdout, 0);
        } else {
            fprintf(stderr, "myofeed-sessions: unknown option '%s'\n", argv[i]);
            return usage(stderr, 1);
        }
    }
    if (i >= argc) return usage(stderr, 1);
    const char *cmd = argv[i++];
    char dir[1024], url[512], err[600];
    if (tool_store_dir(dir_opt, cfg_opt, dir, sizeof dir, url, sizeof url, err, sizeof err) != 0) {
        fprintf(stderr, "myofeed-sessions: %s\n", err);
        return 1;
    }
    if (db_opt) snprintf(url, sizeof url, "%s", db_opt);
    if (local) url[0] = 0;
    store *st = NULL;
    hdb *h;
    if (url[0]) {
        h = hdb_postgres(url, err, sizeof err);
    } else {
        char db[1100];
        snprintf(db, sizeof db, "%s/myofeed.db", dir);
        struct stat sb;
        if (stat(db, &sb) != 0) {
            fprintf(stderr, "myofeed-sessions: %s: no session store here (%s); give it with -d DIR\n", db,
                    strerror(errno));
            return 2;
        }
        st = store_open(dir, err, sizeof err);
        h = st ? hdb_sqlite(st) : NULL;
    }
    if (!h) {
        fprintf(stderr, "myofeed-sessions: %s\n", err);
        store_close(st);
        return 2;
    }
    if (hdb_is_postgres(h) && pg_schema(h, err, sizeof err) != 0) {
        fprintf(stderr, "myofeed-sessions: %s\n", err);
        hdb_close(h);
        return 2;
    }
    int rc;
    long long id = 0;
    if (!strcmp(cmd, "list") && argc - i <= 1) {
        rc = history_list(h, i < argc ? argv[i] : NULL, stdout, err, sizeof err);
    } else if (!strcmp(cmd, "show") && argc - i == 1 && parse_id(argv[i], &id) == 0) {
        rc = history_show(h, id, stdout, err, sizeof err);
    } else if (!strcmp(cmd, "export") && argc - i == 2 && parse_id(argv[i], &id) == 0 &&
               !strcmp(argv[i + 1], "--csv")) {
        rc = history_export_csv(h, id, stdout, err, sizeof err);
    } else if (!strcmp(cmd, "trend") && argc - i >= 1) {
        const char *patient = argv[i++], *muscle = NULL, *plot = NULL;
        for (; i < argc; i++) {
            if (!strcmp(argv[i], "--muscle") && i + 1 < argc)
                muscle = argv[++i];
            else if (!strcmp(argv[i], "--plot") && i + 1 < argc)
                plot = argv[++i];
            else {
                fprintf(stderr, "myofeed-sessions: trend: unknown argument '%s'\n", argv[i]);
                hdb_close(h);
                store_close(st);
                return usage(stderr, 1);
            }
        }
        enum { CAP = 4096 };
        trend_point *pts = calloc(CAP, sizeof *pts);
        report_point *rp = calloc(CAP, sizeof *rp);
        int np = 0;
        rc = pts && rp ? history_trend(h, patient, muscle, stdout, pts, CAP, &np, err, sizeof err) : -1;
        if (!pts || !rp) snprintf(err, sizeof err, "out of memory");
        if (rc == 0 && plot) {
            for (int k = 0; k < np; k++)
                rp[k] = (report_point){pts[k].started, pts[k].muscle, pts[k].peak_pct, pts[k].mean_pct};
            rc = report_trend_png(plot, patient, rp, np, err, sizeof err);
            if (rc == 0) fprintf(stderr, "myofeed-sessions: wrote %s\n", plot);
        }
        free(pts);
        free(rp);
    } else {
        hdb_close(h);
        store_close(st);
        fprintf(stderr, "myofeed-sessions: bad arguments to '%s'\n", cmd);
        return usage(stderr, 1);
    }
    hdb_close(h);
    store_close(st);
    report_cleanup();
    if (rc != 0) fprintf(stderr, "myofeed-sessions: %s\n", err);
    return rc < 0 ? 2 : rc;
}

/* myofeed-record: subscribes to myofeedd (profile "full") and writes the feedback stream to CSV, one row per
 * tick: t_s (seconds since the recorder started), then per muscle <m>_act, <m>_env_uv, <m>_active,
 * <m>_hold_s. Events (onset, offset, rep, calib, errors, state changes) go to a second CSV:
 * t_s,muscle,event,values. For people who want the feedback values in a spreadsheet; the raw signal and the
 * session record are the daemon's job. Rows reach the file whole, at least once a second, and each event at once:
 * after a crash or SIGKILL at most the last second of rows is missing and no row is cut.
 *   myofeed-record [-c HOST:PORT] [-o FILE.csv] [-e EVENTS.csv] [-t SECONDS]
 *   (defaults: 127.0.0.1:17700, myofeed.csv, myofeed-events.csv, until Ctrl-C) */
#include <errno.h>
#include <fcntl.h>
#include <lo/lo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "osc_args.h"

#define MAXM 32

/* A file written in whole lines: lines gather in buf and go out with one write() each time it is flushed, so the
 * file never ends inside a line (stdio would flush a full buffer wherever it ends). */
typedef struct lines {
    int fd;
    char buf[1 << 16];
    size_t len;
    double flushed; /* when, on the monotonic clock */
    int failed;
} lines;

static void lines_flush(lines *l)
{
    size_t off = 0;
    while (off < l->len && !l->failed) {
        ssize_t w = write(l->fd, l->buf + off, l->len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            fprintf(stderr, "myofeed-record: cannot write: %s; the recording stops here\n", strerror(errno));
            l->failed = 1;
            break;
        }
        off += (size_t)w;
    }
    l->len = 0;
}

static void lines_add(lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lines_add(lines *l, const char *fmt, ...)
{
    char line[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof line) n = sizeof line - 1;
    if (l->len + (size_t)n > sizeof l->buf) lines_flush(l);
    memcpy(l->buf + l->len, line, (size_t)n);
    l->len += (size_t)n;
}

static int lines_open(lines *l, const char *path)
{
    l->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    l->len = 0;
    return l->fd < 0 ? -1 : 0;
}

typedef struct rec {
    int n;
    char name[MAXM][32];
    float act[MAXM], env[MAXM], hold[MAXM];
    int active[MAXM];
    lines *out, *ev;
    int header_done;
    double t0;
    char last_state[32];
    unsigned long rows;
} rec;

static void write_row(rec *r)
{
    char row[8000];
    size_t off = 0;
    if (!r->header_done) {
        off += (size_t)snprintf(row, sizeof row, "t_s");
        for (int i = 0; i < r->n && off < sizeof row; i++)
            off += (size_t)snprintf(row + off, sizeof row - off, ",%s_act,%s_env_uv,%s_active,%s_hold_s", r->name[i],
                                    r->name[i], r->name[i], r->name[i]);
        lines_add(r->out, "%s\n", row);
        r->header_done = 1;
        off = 0;
    }
    off += (size_t)snprintf(row, sizeof row, "%.4f", osc_now_s() - r->t0);
    for (int i = 0; i < r->n && off < sizeof row; i++)
        off += (size_t)snprintf(row + off, sizeof row - off, ",%.4f,%.3f,%d,%.3f", r->act[i], r->env[i], r->active[i],
                                r->hold[i]);
    lines_add(r->out, "%s\n", row); /* the whole row, or (cut at 8 kB, never) nothing */
    r->rows++;
    if (osc_now_s() - r->out->flushed >= 0.5) { /* twice a second: at most a second lost, always whole rows */
        lines_flush(r->out);
        r->out->flushed = osc_now_s();
    }
}

/* An event line, on the file at once. */
static void event(rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void event(rec *r, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    lines_add(r->ev, "%s\n", line);
    lines_flush(r->ev);
}

static int on_msg(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg, void *data)
{
    (void)msg;
    rec *r = data;
    double t = osc_now_s() - r->t0;
    if (!strcmp(path, "/emg/sys/muscles")) {
        int n = 0;
        for (int i = 0; i < argc && i < MAXM; i++)
            if (types[i] == 's') snprintf(r->name[n++], 32, "%s", (const char *)argv[i]);
        if (r->header_done && n != r->n)
            fprintf(stderr, "myofeed-record: the muscles changed; columns keep the first set\n");
        if (!r->header_done) r->n = n;
        return 0;
    }
    if (!strcmp(path, "/emg/sys/heartbeat") && argc == 3) {
        if (strcmp(r->last_state, (const char *)argv[2])) {
            snprintf(r->last_state, sizeof r->last_state, "%s", (const char *)argv[2]);
            event(r, "%.4f,,state,%s", t, r->last_state);
        }
        return 0;
    }
    if (!strcmp(path, "/emg/sys/error") && argc == 3) {
        event(r, "%.4f,,error,\"%s: %s\"", t, (const char *)argv[1], (const char *)argv[2]);
        return 0;
    }
    if (strncmp(path, "/emg/", 5) || !r->n) return 0;
    const char *slash = strchr(path + 5, '/');
    if (!slash) return 0;
    int m = -1;
    for (int i = 0; i < r->n; i++)
        if (strlen(r->name[i]) == (size_t)(slash - path - 5) &&
            !strncmp(r->name[i], path + 5, (size_t)(slash - path - 5)))
            m = i;
    if (m < 0) return 0;
    const char *leaf = slash + 1;
    if (!strcmp(leaf, "act"))
        r->act[m] = osc_f(argv[0]);
    else if (!strcmp(leaf, "env"))
        r->env[m] = osc_f(argv[0]);
    else if (!strcmp(leaf, "active"))
        r->active[m] = osc_i(argv[0]);
    else if (!strcmp(leaf, "hold")) {
        r->hold[m] = osc_f(argv[0]);
        if (m == r->n - 1) write_row(r); /* the last message of a tick */
    } else if (!strcmp(leaf, "onset") && argc == 2)
        event(r, "%.4f,%s,onset,%d;%d", t, r->name[m], osc_i(argv[0]), osc_i(argv[1]));
    else if (!strcmp(leaf, "offset") && argc == 4)
        event(r, "%.4f,%s,offset,%d;%d;%.3f;%.3f", t, r->name[m], osc_i(argv[0]), osc_i(argv[1]), osc_f(argv[2]),
              osc_f(argv[3]));
    else if (!strcmp(leaf, "rep") && argc == 2)
        event(r, "%.4f,%s,rep,%d;%d", t, r->name[m], osc_i(argv[0]), osc_i(argv[1]));
    else if (!strcmp(leaf, "calib") && argc == 2)
        event(r, "%.4f,%s,calib,%.3f;%.3f", t, r->name[m], osc_f(argv[0]), osc_f(argv[1]));
    return 0;
}

static volatile sig_atomic_t quit;
static void on_sig(int s) { (void)s, quit = 1; }

int main(int argc, char **argv)
{
    const char *target = "127.0.0.1:17700", *out = "myofeed.csv", *evf = "myofeed-events.csv";
    double limit = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc)
            target = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "-e") && i + 1 < argc)
            evf = argv[++i];
        else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
            if (args_number(argv[0], "-t", argv[++i], 0, 604800, &limit) != 0) return 1;
        } else {
            fprintf(stderr, "usage: %s [-c HOST:PORT] [-o FILE.csv] [-e EVENTS.csv] [-t SECONDS]\n", argv[0]);
            return 1;
        }
    }
    char host[64], port[16];
    if (args_host_port(argv[0], "-c", target, host, sizeof host, port, sizeof port) != 0) return 1;
    static rec r;
    static lines out_l, ev_l;
    if (lines_open(&out_l, out) != 0 || lines_open(&ev_l, evf) != 0) {
        fprintf(stderr, "%s: cannot write %s or %s: %s; check the folder\n", argv[0], out, evf, strerror(errno));
        return 1;
    }
    r.out = &out_l;
    r.ev = &ev_l;
    event(&r, "t_s,muscle,event,values");
    lo_server s = lo_server_new_with_proto(NULL, LO_UDP, NULL);
    if (!s) return 2;
    lo_server_enable_queue(s, 0, 1);
    lo_server_add_method(s, NULL, NULL, on_msg, &r);
    lo_address d = lo_address_new(host, port);
    signal(SIGINT, on_sig);
    signal(SIGTERM, on_sig);
    r.t0 = osc_now_s();
    double next_sub = 0;
    while (!quit && (limit <= 0 || osc_now_s() - r.t0 < limit)) {
        if (osc_now_s() >= next_sub) {
            lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/subscribe", "s", "full+bundle");
            next_sub = osc_now_s() + 3.0;
        }
        lo_server_recv_noblock(s, 50);
        if (r.out->len && osc_now_s() - r.out->flushed >= 0.5) { /* rows stopped coming: the last ones still go out */
            lines_flush(r.out);
            r.out->flushed = osc_now_s();
        }
    }
    lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/unsubscribe", "");
    lines_flush(r.out);
    close(out_l.fd);
    close(ev_l.fd);
    fprintf(stderr, "myofeed-record: %lu rows in %s, events in %s\n", r.rows, out, evf);
    lo_address_free(d);
    lo_server_free(s);
    return 0;
}

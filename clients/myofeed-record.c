/* myofeed-record: subscribes to myofeedd (profile "full") and writes the feedback stream to CSV, one row per
 * tick: t_s (seconds since the recorder started), then per muscle <m>_act, <m>_env_uv, <m>_active,
 * <m>_hold_s. Events (onset, offset, rep, calib, errors, state changes) go to a second CSV:
 * t_s,muscle,event,values. For people who want the feedback values in a spreadsheet; the raw signal and the
 * session record are the daemon's job.
 *   myofeed-record [-c HOST:PORT] [-o FILE.csv] [-e EVENTS.csv] [-t SECONDS]
 *   (defaults: 127.0.0.1:17700, myofeed.csv, myofeed-events.csv, until Ctrl-C) */
#include <lo/lo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"

#define MAXM 32

typedef struct rec {
    int n;
    char name[MAXM][32];
    float act[MAXM], env[MAXM], hold[MAXM];
    int active[MAXM];
    FILE *out, *ev;
    int header_done;
    double t0;
    char last_state[32];
    unsigned long rows;
} rec;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int32_t I(lo_arg *a)
{
    int32_t v;
    memcpy(&v, a, sizeof v);
    return v;
}
static float F(lo_arg *a)
{
    float v;
    memcpy(&v, a, sizeof v);
    return v;
}

static void write_row(rec *r)
{
    if (!r->header_done) {
        fprintf(r->out, "t_s");
        for (int i = 0; i < r->n; i++)
            fprintf(r->out, ",%s_act,%s_env_uv,%s_active,%s_hold_s", r->name[i], r->name[i], r->name[i], r->name[i]);
        fprintf(r->out, "\n");
        r->header_done = 1;
    }
    fprintf(r->out, "%.4f", now_s() - r->t0);
    for (int i = 0; i < r->n; i++)
        fprintf(r->out, ",%.4f,%.3f,%d,%.3f", r->act[i], r->env[i], r->active[i], r->hold[i]);
    fprintf(r->out, "\n");
    r->rows++;
}

static int on_msg(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg, void *data)
{
    (void)msg;
    rec *r = data;
    double t = now_s() - r->t0;
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
            fprintf(r->ev, "%.4f,,state,%s\n", t, r->last_state);
        }
        return 0;
    }
    if (!strcmp(path, "/emg/sys/error") && argc == 3) {
        fprintf(r->ev, "%.4f,,error,\"%s: %s\"\n", t, (const char *)argv[1], (const char *)argv[2]);
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
        r->act[m] = F(argv[0]);
    else if (!strcmp(leaf, "env"))
        r->env[m] = F(argv[0]);
    else if (!strcmp(leaf, "active"))
        r->active[m] = I(argv[0]);
    else if (!strcmp(leaf, "hold")) {
        r->hold[m] = F(argv[0]);
        if (m == r->n - 1) write_row(r); /* the last message of a tick */
    } else if (!strcmp(leaf, "onset") && argc == 2)
        fprintf(r->ev, "%.4f,%s,onset,%d;%d\n", t, r->name[m], I(argv[0]), I(argv[1]));
    else if (!strcmp(leaf, "offset") && argc == 4)
        fprintf(r->ev, "%.4f,%s,offset,%d;%d;%.3f;%.3f\n", t, r->name[m], I(argv[0]), I(argv[1]), F(argv[2]),
                F(argv[3]));
    else if (!strcmp(leaf, "rep") && argc == 2)
        fprintf(r->ev, "%.4f,%s,rep,%d;%d\n", t, r->name[m], I(argv[0]), I(argv[1]));
    else if (!strcmp(leaf, "calib") && argc == 2)
        fprintf(r->ev, "%.4f,%s,calib,%.3f;%.3f\n", t, r->name[m], F(argv[0]), F(argv[1]));
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
    rec r;
    memset(&r, 0, sizeof r);
    r.out = fopen(out, "w");
    r.ev = fopen(evf, "w");
    if (!r.out || !r.ev) {
        fprintf(stderr, "%s: cannot write %s or %s\n", argv[0], out, evf);
        return 1;
    }
    fprintf(r.ev, "t_s,muscle,event,values\n");
    lo_server s = lo_server_new_with_proto(NULL, LO_UDP, NULL);
    if (!s) return 2;
    lo_server_enable_queue(s, 0, 1);
    lo_server_add_method(s, NULL, NULL, on_msg, &r);
    lo_address d = lo_address_new(host, port);
    signal(SIGINT, on_sig);
    signal(SIGTERM, on_sig);
    r.t0 = now_s();
    double next_sub = 0;
    while (!quit && (limit <= 0 || now_s() - r.t0 < limit)) {
        if (now_s() >= next_sub) {
            lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/subscribe", "s", "full");
            next_sub = now_s() + 3.0;
        }
        lo_server_recv_noblock(s, 50);
    }
    lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/unsubscribe", "");
    fclose(r.out);
    fclose(r.ev);
    fprintf(stderr, "myofeed-record: %lu rows in %s, events in %s\n", r.rows, out, evf);
    lo_address_free(d);
    lo_server_free(s);
    return 0;
}

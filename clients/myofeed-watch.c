/* myofeed-watch: a live terminal view of myofeedd's OSC feedback (one bar per muscle, state, events).
 * Subscribes on the control port, renews the lease every 3 s, re-subscribes when the daemon restarts
 * and shows clearly when there is no daemon or no signal. liblo is used as the OSC peer.
 *
 *   myofeed-watch [-c HOST:PORT] [-t SECONDS] [--plain]
 *     -c  the daemon's control port (default 127.0.0.1:17700)
 *     -t  quit after SECONDS (for scripts and tests)
 *     --plain  no screen redraws: print one line per second (for logs and tests) */
#include <lo/lo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "osc_args.h"

#define MAXM 32

typedef struct view {
    int n;
    char name[MAXM][32];
    float act[MAXM], env[MAXM], hold[MAXM], on[MAXM], off[MAXM];
    int active[MAXM], reps[MAXM];
    char state[32];
    int hb_seq;
    double last_msg, last_hb;
    char events[4][128];
    int n_events;
    char error[200];
    char protocol[48]; /* /session/protocol: name, and what the cues count against */
    int proto_reps, proto_sets;
    char cue[96]; /* the protocol's cue or the calibration's guide, as words */
} view;

static volatile sig_atomic_t quit;
static void on_sig(int s) { (void)s, quit = 1; }

static int index_of(view *v, const char *name)
{
    for (int i = 0; i < v->n; i++)
        if (!strcmp(v->name[i], name)) return i;
    return -1;
}

static void event(view *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void event(view *v, const char *fmt, ...)
{
    memmove(v->events[1], v->events[0], sizeof v->events[0] * 3);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->events[0], sizeof v->events[0], fmt, ap);
    va_end(ap);
    if (v->n_events < 4) v->n_events++;
}

static int on_message(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg, void *data)
{
    (void)msg;
    view *v = data;
    v->last_msg = osc_now_s();
    if (!strcmp(path, "/emg/sys/muscles")) {
        v->n = 0;
        for (int i = 0; i < argc && i < MAXM; i++)
            if (types[i] == 's') snprintf(v->name[v->n++], 32, "%s", osc_s(argv[i]));
        return 0;
    }
    if (!strcmp(path, "/emg/sys/heartbeat") && argc == 3) {
        v->hb_seq = osc_i(argv[0]);
        snprintf(v->state, sizeof v->state, "%s", osc_s(argv[2]));
        v->last_hb = osc_now_s();
        return 0;
    }
    if (!strcmp(path, "/emg/sys/error") && argc == 3) {
        snprintf(v->error, sizeof v->error, "%s: %s", osc_s(argv[0]), osc_s(argv[2]));
        return 0;
    }
    if (!strcmp(path, "/emg/session/protocol") && argc == 4 && !strcmp(types, "sfii")) {
        snprintf(v->protocol, sizeof v->protocol, "%s", osc_s(argv[0]));
        v->proto_reps = osc_i(argv[2]), v->proto_sets = osc_i(argv[3]);
        return 0;
    }
    if (!strcmp(path, "/emg/session/cue") && argc == 4 && !strcmp(types, "sfii")) {
        const char *ph = osc_s(argv[0]);
        if (!strcmp(ph, "done"))
            snprintf(v->cue, sizeof v->cue, "%s: done", v->protocol);
        else
            snprintf(v->cue, sizeof v->cue, "%s: %s, %.0f s left, rep %d/%d, set %d/%d", v->protocol, ph,
                     osc_f(argv[1]), osc_i(argv[2]), v->proto_reps, osc_i(argv[3]), v->proto_sets);
        return 0;
    }
    if (!strcmp(path, "/emg/calib/state") && argc == 4 && !strcmp(types, "ssfs")) {
        const char *kind = osc_s(argv[0]), *st = osc_s(argv[3]);
        if (!strcmp(st, "running"))
            snprintf(v->cue, sizeof v->cue, "calibrating %s of %s: %s, %.0f s left", kind, osc_s(argv[1]),
                     !strcmp(kind, "rest") ? "relax" : "push as hard as you can", osc_f(argv[2]));
        else
            snprintf(v->cue, sizeof v->cue, "calibration of %s (%s): %s", osc_s(argv[1]), kind, st);
        return 0;
    }
    if (!strcmp(path, "/emg/frame/act")) {
        for (int i = 0; i < argc && i < v->n; i++) v->act[i] = osc_f(argv[i]);
        return 0;
    }
    if (strncmp(path, "/emg/", 5) != 0) return 0;
    char name[64];
    const char *slash = strchr(path + 5, '/');
    if (!slash || (size_t)(slash - path - 5) >= sizeof name) return 0;
    snprintf(name, sizeof name, "%.*s", (int)(slash - path - 5), path + 5);
    int m = index_of(v, name);
    if (m < 0) return 0;
    const char *leaf = slash + 1;
    if (!strcmp(leaf, "env"))
        v->env[m] = osc_f(argv[0]);
    else if (!strcmp(leaf, "active"))
        v->active[m] = osc_i(argv[0]);
    else if (!strcmp(leaf, "hold"))
        v->hold[m] = osc_f(argv[0]);
    else if (!strcmp(leaf, "threshold") && argc == 2)
        v->on[m] = osc_f(argv[0]), v->off[m] = osc_f(argv[1]);
    else if (!strcmp(leaf, "rep"))
        v->reps[m] = osc_i(argv[0]);
    else if (!strcmp(leaf, "repstat") && argc == 5 && !strcmp(types, "iffff"))
        event(v, "rep %d  %-16s peak %.0f %% MVC, mean %.0f %% MVC, median frequency %.0f Hz", osc_i(argv[0]), name,
              osc_f(argv[1]), osc_f(argv[2]), osc_f(argv[4]));
    else if (!strcmp(leaf, "onset"))
        event(v, "%6.1f s  %-16s onset  #%d", osc_i(argv[1]) / 1000.0, name, osc_i(argv[0]));
    else if (!strcmp(leaf, "offset"))
        event(v, "%6.1f s  %-16s offset #%d  held %.1f s, peak %.0f %%", osc_i(argv[1]) / 1000.0, name, osc_i(argv[0]),
              osc_f(argv[2]), osc_f(argv[3]) * 100);
    return 0;
}

static void draw(const view *v, const char *daemon, int plain)
{
    double t = osc_now_s();
    int alive = t - v->last_msg < 2.5;
    const char *state = !alive ? "NO DAEMON (waiting...)" : v->state[0] ? v->state : "connecting";
    int signal_ok = alive && !strcmp(v->state, "streaming");
    if (plain) {
        printf("[%s] state=%s", daemon, state);
        if (v->cue[0]) printf(" cue=\"%s\"", v->cue);
        for (int i = 0; i < v->n; i++)
            printf(" %s=%.2f%s", v->name[i], signal_ok ? v->act[i] : 0.0, v->active[i] && signal_ok ? "*" : "");
        printf("\n");
        fflush(stdout);
        return;
    }
    printf("\033[H\033[2J");
    printf("myofeed-watch  daemon %s  state: %s%s\033[0m\n", daemon, signal_ok ? "\033[32m" : "\033[1;31m", state);
    printf("%s\n\n", v->cue[0] ? v->cue : "no protocol running");
    const int w = 40;
    for (int i = 0; i < v->n; i++) {
        float a = signal_ok ? v->act[i] : 0.0f;
        int fill = (int)(a * w + 0.5f);
        char bar[64];
        for (int k = 0; k < w; k++) bar[k] = k < fill ? '#' : '.';
        bar[w] = 0;
        printf("%-16s %s[%s]\033[0m %3.0f %%  %-6s hold %5.1f s  reps %3d  env %6.1f uV  on/off %.0f/%.0f\n",
               v->name[i], v->active[i] && signal_ok ? "\033[1;32m" : "", bar, a * 100,
               v->active[i] && signal_ok ? "ACTIVE" : "", v->hold[i], v->reps[i], v->env[i], v->on[i], v->off[i]);
    }
    if (!signal_ok && alive) printf("\n\033[1;31m  NO SIGNAL: outputs are held at zero\033[0m\n");
    printf("\nrecent events:\n");
    for (int i = 0; i < v->n_events; i++) printf("  %s\n", v->events[i]);
    if (v->error[0]) printf("\nlast error from the daemon: %s\n", v->error);
    printf("\n(Ctrl-C to quit)\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *target = "127.0.0.1:17700";
    double limit = 0;
    int plain = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc)
            target = argv[++i];
        else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
            if (args_number(argv[0], "-t", argv[++i], 0, 604800, &limit) != 0) return 1;
        } else if (!strcmp(argv[i], "--plain"))
            plain = 1;
        else {
            fprintf(stderr, "usage: %s [-c HOST:PORT] [-t SECONDS] [--plain]\n", argv[0]);
            return 1;
        }
    }
    char host[64], port[16];
    if (args_host_port(argv[0], "-c", target, host, sizeof host, port, sizeof port) != 0) return 1;
    lo_server s = lo_server_new_with_proto(NULL, LO_UDP, NULL);
    if (!s) {
        fprintf(stderr, "%s: cannot open a UDP port\n", argv[0]);
        return 2;
    }
    lo_server_enable_queue(s, 0, 1);
    view v;
    memset(&v, 0, sizeof v);
    lo_server_add_method(s, NULL, NULL, on_message, &v);
    lo_address daemon = lo_address_new(host, port);
    signal(SIGINT, on_sig);
    signal(SIGTERM, on_sig);
    double start = osc_now_s(), next_sub = 0, next_draw = 0;
    while (!quit && (limit <= 0 || osc_now_s() - start < limit)) {
        double t = osc_now_s();
        if (t >= next_sub) { /* subscribe, and renew the lease well before it ends */
            lo_send_from(daemon, s, LO_TT_IMMEDIATE, "/emg/ctl/subscribe", "s", "muscles+bundle");
            next_sub = t + 3.0;
        }
        if (t >= next_draw) {
            draw(&v, target, plain);
            next_draw = t + (plain ? 1.0 : 0.1);
        }
        lo_server_recv_noblock(s, 20);
    }
    lo_send_from(daemon, s, LO_TT_IMMEDIATE, "/emg/ctl/unsubscribe", "");
    lo_address_free(daemon);
    lo_server_free(s);
    return 0;
}

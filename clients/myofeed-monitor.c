/* myofeed-monitor: the therapist's screen (ncurses). One row per muscle: a live activation bar with the
 * detector's on/off levels marked on the envelope scale, active state, hold time, repetitions and
 * calibration, the target band ([ ] on the bar, from /emg/<m>/target); the daemon's state, session, the
 * protocol's cue (phase, seconds left, rep and set), a calibration's countdown ("relax" / "push as hard as you
 * can"), relax warnings and the last message. Keys send control messages:
 *   up/down select a muscle     +/- raise/lower its thresholds 10 %     a  apply to all muscles
 *   r calibrate rest (5 s)      m calibrate MVC (5 s)     g guided: rest, then MVC of the selected muscle
 *   c cancel calibration        1-5 start a shipped protocol    space pause/resume    x stop the protocol
 *   s start/stop a session      k add a marker            q quit
 * It renews its subscription every 3 s, so it survives the daemon restarting, and shows NO SIGNAL and
 * NO DAEMON plainly.   myofeed-monitor [-c HOST:PORT]   (default 127.0.0.1:17700) */
#include <curses.h>
#include <lo/lo.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"

#define MAXM 32

typedef struct mon {
    int n, sel;
    char name[MAXM][32];
    float act[MAXM], env[MAXM], hold[MAXM], on[MAXM], off[MAXM], rest[MAXM], mvc[MAXM], peak_env[MAXM];
    float lon[MAXM], loff[MAXM];
    int have_levels[MAXM];
    float tlo[MAXM], thi[MAXM]; /* target band in activation units; 0 0: none */
    double relax_until[MAXM];   /* a relax warning shows until then */
    char calib[96];             /* the countdown line of a calibration */
    int guided;                 /* the guided calibration: 1 rest running, 2 MVC next */
    char guided_muscle[32];
    int paused;
    int active[MAXM], reps[MAXM];
    char state[32], session[64], cue[96];
    int session_running;
    double last_msg;
    char status[200];
} mon;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* liblo's lo_arg pointers are only 4-byte aligned: copy, never dereference the union. */
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
#define S(a) ((const char *)(a))

static int idx(mon *m, const char *name, size_t len)
{
    for (int i = 0; i < m->n; i++)
        if (strlen(m->name[i]) == len && !strncmp(m->name[i], name, len)) return i;
    return -1;
}

static int on_msg(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg, void *data)
{
    (void)msg;
    mon *m = data;
    m->last_msg = now_s();
    if (!strcmp(path, "/emg/sys/muscles")) {
        m->n = 0;
        for (int i = 0; i < argc && i < MAXM; i++)
            if (types[i] == 's') snprintf(m->name[m->n++], 32, "%s", S(argv[i]));
        if (m->sel >= m->n) m->sel = 0;
    } else if (!strcmp(path, "/emg/sys/heartbeat") && argc == 3) {
        snprintf(m->state, sizeof m->state, "%s", S(argv[2]));
    } else if (!strcmp(path, "/emg/sys/error") && argc == 3) {
        snprintf(m->status, sizeof m->status, "daemon: %s", S(argv[2]));
    } else if (!strcmp(path, "/emg/sys/ok") && argc == 1) {
        if (strcmp(S(argv[0]), "/emg/ctl/subscribe")) snprintf(m->status, sizeof m->status, "ok: %s", S(argv[0]));
    } else if (!strcmp(path, "/emg/session/state") && argc == 2) {
        m->session_running = I(argv[0]);
        snprintf(m->session, sizeof m->session, "%s", S(argv[1]));
    } else if (!strcmp(path, "/emg/session/cue") && argc == 4 && !strcmp(types, "sfii")) {
        const char *ph = S(argv[0]);
        const char *say = !strcmp(ph, "work")        ? "WORK: reach the band and hold"
                          : !strcmp(ph, "rest")      ? "rest"
                          : !strcmp(ph, "set_rest")  ? "rest between sets"
                          : !strcmp(ph, "get_ready") ? "get ready"
                                                     : ph;
        if (!strcmp(ph, "done"))
            snprintf(m->cue, sizeof m->cue, "done: set %d, rep %d", I(argv[3]), I(argv[2]));
        else
            snprintf(m->cue, sizeof m->cue, "%s  %.0f s  rep %d  set %d%s", say, F(argv[1]), I(argv[2]), I(argv[3]),
                     m->paused ? "  (paused)" : "");
    } else if (!strcmp(path, "/emg/session/cue") && argc >= 1 && types[0] == 's') {
        snprintf(m->cue, sizeof m->cue, "%s", S(argv[0]));
    } else if (!strcmp(path, "/emg/calib/state") && argc == 4 && !strcmp(types, "ssfs")) {
        int rest = !strcmp(S(argv[0]), "rest");
        const char *st = S(argv[3]);
        if (!strcmp(st, "running"))
            snprintf(m->calib, sizeof m->calib, "%s %s: %.0f s", rest ? "RELAX completely" : "PUSH AS HARD AS YOU CAN",
                     S(argv[1]), ceil(F(argv[2])));
        else
            snprintf(m->calib, sizeof m->calib, "%s calibration of %s: %s", rest ? "rest" : "MVC", S(argv[1]), st);
        if (m->guided == 1 && rest && !strcmp(st, "done")) m->guided = 2;
        if (m->guided && strcmp(st, "running") && (strcmp(st, "done") || m->guided == 3)) m->guided = 0;
    } else if (!strcmp(path, "/emg/frame/act")) {
        for (int i = 0; i < argc && i < m->n; i++) m->act[i] = F(argv[i]);
    } else if (!strncmp(path, "/emg/", 5)) {
        const char *slash = strchr(path + 5, '/');
        if (!slash) return 0;
        int i = idx(m, path + 5, (size_t)(slash - path - 5));
        if (i < 0) return 0;
        const char *leaf = slash + 1;
        if (!strcmp(leaf, "env") && argc == 1) {
            m->env[i] = F(argv[0]);
            if (m->env[i] > m->peak_env[i]) m->peak_env[i] = m->env[i];
        } else if (!strcmp(leaf, "active") && argc == 1)
            m->active[i] = I(argv[0]);
        else if (!strcmp(leaf, "hold") && argc == 1)
            m->hold[i] = F(argv[0]);
        else if (!strcmp(leaf, "rep") && argc == 2)
            m->reps[i] = I(argv[0]);
        else if (!strcmp(leaf, "threshold") && argc == 2)
            m->on[i] = F(argv[0]), m->off[i] = F(argv[1]);
        else if (!strcmp(leaf, "calib") && argc == 2)
            m->rest[i] = F(argv[0]), m->mvc[i] = F(argv[1]);
        else if (!strcmp(leaf, "target") && argc == 2)
            m->tlo[i] = F(argv[0]), m->thi[i] = F(argv[1]);
        else if (!strcmp(leaf, "relax") && argc == 1)
            m->relax_until[i] = now_s() + 0.5;
        else if (!strcmp(leaf, "levels") && argc == 2) {
            m->lon[i] = F(argv[0]);
            m->loff[i] = F(argv[1]);
            m->have_levels[i] = 1;
        }
    }
    return 0;
}

static void draw(const mon *m, const char *target)
{
    erase();
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    double t = now_s();
    int alive = t - m->last_msg < 2.5;
    int ok = alive && !strcmp(m->state, "streaming");
    attron(A_BOLD);
    mvprintw(0, 0, "myofeed monitor  %s", target);
    attroff(A_BOLD);
    if (!alive) {
        attron(A_REVERSE | A_BOLD);
        mvprintw(1, 0, " NO DAEMON: waiting for myofeedd on %s ", target);
        attroff(A_REVERSE | A_BOLD);
    } else {
        if (!ok) attron(A_REVERSE | A_BOLD);
        mvprintw(1, 0, " state: %s %s", m->state[0] ? m->state : "connecting",
                 ok ? "" : (strcmp(m->state, "signal_lost") && strcmp(m->state, "no_device") ? "" : " - NO SIGNAL "));
        if (!ok) attroff(A_REVERSE | A_BOLD);
        mvprintw(1, 40, "session: %s", m->session_running ? m->session : "not running");
        mvprintw(2, 0, " cue: %s", m->cue[0] ? m->cue : "-");
        if (m->calib[0]) mvprintw(2, 60, "%s", m->calib);
    }
    int bar = cols - 62;
    if (bar < 10) bar = 10;
    mvprintw(3, 0, "%-18s %-*s %5s %-6s %6s %4s  %s", "muscle", bar + 2, "activation (| on, : off)", "act", "", "hold",
             "reps", "calib rest/mvc uV");
    for (int i = 0; i < m->n && 4 + i < rows - 3; i++) {
        float a = ok ? m->act[i] : 0.0f;
        int fill = (int)lroundf(a * bar);
        if (i == m->sel) attron(A_BOLD);
        mvprintw(4 + i, 0, "%c%-17s [", i == m->sel ? '>' : ' ', m->name[i]);
        for (int k = 0; k < bar; k++) addch(k < fill ? (m->active[i] && ok ? '#' : '=') : ' ');
        /* the detector's on and off levels on the activation scale (/emg/<m>/levels, 1 Hz) */
        if (m->thi[i] > 0) { /* the target band: what the patient aims for */
            int lo = (int)lroundf(m->tlo[i] * bar), hi = (int)lroundf(m->thi[i] * bar);
            if (hi >= bar) hi = bar - 1;
            if (lo >= 0 && lo < bar) mvaddch(4 + i, 20 + lo, '[');
            if (hi > lo) mvaddch(4 + i, 20 + hi, ']');
        } else if (m->have_levels[i]) {
            int pon = (int)lroundf(m->lon[i] * bar), poff = (int)lroundf(m->loff[i] * bar);
            if (poff >= 0 && poff < bar) mvaddch(4 + i, 20 + poff, ':');
            if (pon >= 0 && pon < bar) mvaddch(4 + i, 20 + pon, '|');
        }
        mvprintw(4 + i, 20 + bar, "] %3.0f%% %-6s %5.1fs %4d  %.0f/%.0f%s", a * 100,
                 t < m->relax_until[i] ? "RELAX!"
                 : m->active[i] && ok  ? "ACTIVE"
                                       : "",
                 m->hold[i], m->reps[i], m->rest[i], m->mvc[i], m->thi[i] > 0 ? "" : " (no target)");
        if (i == m->sel) attroff(A_BOLD);
    }
    mvprintw(rows - 2, 0, "%s", m->status);
    mvprintw(rows - 1, 0,
             "up/down  +/- threshold  r rest  m MVC  g guided  c cancel  1-5 protocol  spc pause  x stop  "
             "s session  k marker  q quit");
    refresh();
}

static volatile sig_atomic_t quit;
static void on_sig(int s) { (void)s, quit = 1; }

int main(int argc, char **argv)
{
    const char *target = "127.0.0.1:17700";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc)
            target = argv[++i];
        else {
            fprintf(stderr, "usage: %s [-c HOST:PORT]\n", argv[0]);
            return 1;
        }
    }
    char host[64], port[16];
    if (args_host_port(argv[0], "-c", target, host, sizeof host, port, sizeof port) != 0) return 1;
    lo_server s = lo_server_new_with_proto(NULL, LO_UDP, NULL);
    if (!s) return 2;
    lo_server_enable_queue(s, 0, 1);
    mon m;
    memset(&m, 0, sizeof m);
    lo_server_add_method(s, NULL, NULL, on_msg, &m);
    lo_address d = lo_address_new(host, port);
    signal(SIGINT, on_sig);
    signal(SIGTERM, on_sig);
    initscr();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    double next_sub = 0, next_draw = 0;
    int markers = 0;
    while (!quit) {
        double t = now_s();
        if (t >= next_sub) {
            lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/subscribe", "s", "full");
            next_sub = t + 3.0;
        }
        int ch;
        while ((ch = getch()) != ERR) {
            const char *mname = m.n ? m.name[m.sel] : "all";
            switch (ch) {
            case 'q': quit = 1; break;
            case KEY_UP: m.sel = m.sel > 0 ? m.sel - 1 : 0; break;
            case KEY_DOWN: m.sel = m.sel + 1 < m.n ? m.sel + 1 : m.sel; break;
            case '+':
            case '-':
            case 'a': {
                float k = ch == '-' ? 0.9f : 1.1f;
                if (ch == 'a') k = 1.0f;
                if (m.n && m.on[m.sel] > 0) {
                    lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/threshold", "sff", ch == 'a' ? "all" : mname,
                                 m.on[m.sel] * k, m.off[m.sel] * k);
                    snprintf(m.status, sizeof m.status, "threshold %s: on %.2f off %.2f", ch == 'a' ? "all" : mname,
                             m.on[m.sel] * k, m.off[m.sel] * k);
                }
                break;
            }
            case 'r': lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/calibrate/rest", "sf", "all", 5.0f); break;
            case 'm': lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/calibrate/mvc", "sf", mname, 5.0f); break;
            case 'c':
                m.guided = 0;
                lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/calibrate/cancel", "");
                break;
            case 'g': /* guided: the patient relaxes for 5 s, then pushes as hard as they can for 5 s */
                snprintf(m.guided_muscle, sizeof m.guided_muscle, "%s", mname);
                m.guided = 1;
                lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/calibrate/rest", "sf", mname, 5.0f);
                break;
            case '1':
            case '2':
            case '3':
            case '4':
            case '5': {
                static const char *const shipped[] = {"hamstring_curl", "glute_bridge", "clamshell", "sit_to_stand",
                                                      "prone_hip_extension"};
                m.paused = 0;
                lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/protocol/start", "s", shipped[ch - '1']);
                snprintf(m.status, sizeof m.status, "starting %s", shipped[ch - '1']);
                break;
            }
            case ' ':
                lo_send_from(d, s, LO_TT_IMMEDIATE, m.paused ? "/emg/ctl/protocol/resume" : "/emg/ctl/protocol/pause",
                             "");
                m.paused = !m.paused;
                break;
            case 'x':
                m.paused = 0;
                lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/protocol/stop", "");
                break;
            case 's':
                if (m.session_running)
                    lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/session/stop", "");
                else
                    lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/session/start", "s", "monitor");
                break;
            case 'k': {
                char text[32];
                snprintf(text, sizeof text, "marker %d", ++markers);
                lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/session/marker", "s", text);
                break;
            }
            case KEY_RESIZE: clear(); break;
            default: break;
            }
        }
        if (m.guided == 2) { /* the rest is done: now the MVC */
            m.guided = 3;
            lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/calibrate/mvc", "sf", m.guided_muscle, 5.0f);
        }
        if (t >= next_draw) {
            draw(&m, target);
            next_draw = t + 0.05;
        }
        lo_server_recv_noblock(s, 10);
    }
    endwin();
    lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/unsubscribe", "");
    lo_address_free(d);
    lo_server_free(s);
    return 0;
}

/* myofeed-monitor: the therapist's screen (ncurses, colour where the terminal has it). One row per muscle: a live
 * activation bar with the target band ([ ], from /emg/<m>/target) or the detector's on/off levels, active state,
 * hold time, repetitions and calibration; the daemon's state, the patient, the session, the protocol's cue with
 * the hold against the protocol's hold, a calibration's countdown ("relax" / "push as hard as you can"), relax
 * warnings, the newest reps (peak and mean % MVC, time to target, median frequency) and the last message; a
 * signal-check screen (v) with each muscle's verdict and advice. Keys send control messages (? lists them):
 *   up/down select a muscle     +/- raise/lower its thresholds 10 %     a  apply to all muscles
 *   r calibrate rest (5 s)      m calibrate MVC (5 s)     g guided: rest, then MVC of the selected muscle
 *   c cancel calibration        1-5 start a shipped protocol    space pause/resume    x stop the protocol
 *   s start/stop a session      k add a marker      p choose the patient      v signal check      q quit
 * It renews its subscription every 3 s, so it survives the daemon restarting, and shows NO SIGNAL and
 * NO DAEMON plainly. State: monitor/mon_state.c; drawing: monitor/mon_view.c.
 *   myofeed-monitor [-c HOST:PORT]   (default 127.0.0.1:17700) */
#include <curses.h>
#include <lo/lo.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "osc_args.h"
#include "args.h"
#include "monitor/mon_state.h"
#include "monitor/mon_view.h"

static volatile sig_atomic_t quit;
static void on_sig(int s) { (void)s, quit = 1; }

typedef struct ui {
    mon m;
    lo_server s;
    lo_address d;
    mon_screen screen;
    int typing; /* the patient id is being typed */
    char typed[64];
    int markers;
} ui;

static void send0(ui *u, const char *path) { lo_send_from(u->d, u->s, LO_TT_IMMEDIATE, path, ""); }

/* A key while the patient id is typed: letters, digits, '-', '_' and '.'; Enter sends it. */
static void type_key(ui *u, int ch)
{
    size_t n = strlen(u->typed);
    if (ch == 27) {
        u->typing = 0;
    } else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        u->typing = 0;
        if (n) {
            lo_send_from(u->d, u->s, LO_TT_IMMEDIATE, "/emg/ctl/patient", "s", u->typed);
            snprintf(u->m.status, sizeof u->m.status, "choosing patient %s", u->typed);
        }
    } else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n) {
        u->typed[n - 1] = 0;
    } else if (n + 1 < sizeof u->typed && ch < 128 && ch > 32 &&
               ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                ch == '_' || ch == '.')) {
        u->typed[n] = (char)ch;
        u->typed[n + 1] = 0;
    }
}

static void threshold_key(ui *u, int ch, const char *mname)
{
    mon *m = &u->m;
    float k = ch == '-' ? 0.9f : ch == 'a' ? 1.0f : 1.1f;
    if (!m->n || m->on[m->sel] <= 0) return;
    const char *who = ch == 'a' ? "all" : mname;
    lo_send_from(u->d, u->s, LO_TT_IMMEDIATE, "/emg/ctl/threshold", "sff", who, m->on[m->sel] * k, m->off[m->sel] * k);
    snprintf(m->status, sizeof m->status, "threshold %s: on %.2f off %.2f", who, m->on[m->sel] * k, m->off[m->sel] * k);
}

static void key(ui *u, int ch)
{
    mon *m = &u->m;
    if (u->typing) {
        type_key(u, ch);
        return;
    }
    const char *mname = m->n ? m->name[m->sel] : "all";
    static const char *const shipped[] = {"hamstring_curl", "glute_bridge", "clamshell", "sit_to_stand",
                                          "prone_hip_extension"};
    switch (ch) {
    case 'q': quit = 1; break;
    case KEY_UP: m->sel = m->sel > 0 ? m->sel - 1 : 0; break;
    case KEY_DOWN: m->sel = m->sel + 1 < m->n ? m->sel + 1 : m->sel; break;
    case '+':
    case '-':
    case 'a': threshold_key(u, ch, mname); break;
    case 'r': lo_send_from(u->d, u->s, LO_TT_IMMEDIATE, "/emg/ctl/calibrate/rest", "sf", "all", 5.0f); break;
    case 'm': lo_send_from(u->d, u->s, LO_TT_IMMEDIATE, "/emg/ctl/calibrate/mvc", "sf", mname, 5.0f); break;
    case 'c':
        m->guided = 0;
        send0(u, "/emg/ctl/calibrate/cancel");
        break;
    case 'g': /* guided: the patient relaxes for 5 s, then pushes as hard as they can for 5 s */
        snprintf(m->guided_muscle, sizeof m->guided_muscle, "%s", mname);
        m->guided = 1;
        lo_send_from(u->d, u->s, LO_TT_IMMEDIATE, "/emg/ctl/calibrate/rest", "sf", mname, 5.0f);
        break;
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
        m->paused = 0;
        lo_send_from(u->d, u->s, LO_TT_IMMEDIATE, "/emg/ctl/protocol/start", "s", shipped[ch - '1']);
        snprintf(m->status, sizeof m->status, "starting %s", shipped[ch - '1']);
        break;
    case ' ':
        send0(u, m->paused ? "/emg/ctl/protocol/resume" : "/emg/ctl/protocol/pause");
        m->paused = !m->paused;
        break;
    case 'x':
        m->paused = 0;
        send0(u, "/emg/ctl/protocol/stop");
        break;
    case 's':
        if (m->session_running)
            send0(u, "/emg/ctl/session/stop");
        else
            lo_send_from(u->d, u->s, LO_TT_IMMEDIATE, "/emg/ctl/session/start", "s", "monitor");
        break;
    case 'k': {
        char text[32];
        snprintf(text, sizeof text, "marker %d", ++u->markers);
        lo_send_from(u->d, u->s, LO_TT_IMMEDIATE, "/emg/ctl/session/marker", "s", text);
        break;
    }
    case 'p':
        u->typing = 1;
        u->typed[0] = 0;
        break;
    case 'v':
        u->screen = MON_CHECK;
        for (int i = 0; i < m->n; i++) m->q[i].have = 0, m->q[i].advice[0] = 0;
        lo_send_from(u->d, u->s, LO_TT_IMMEDIATE, "/emg/ctl/check", "f", 3.0f);
        snprintf(m->status, sizeof m->status, "signal check: keep still for 3 s");
        break;
    case '?': u->screen = u->screen == MON_HELP ? MON_MAIN : MON_HELP; break;
    case 27: u->screen = MON_MAIN; break;
    case KEY_RESIZE: clear(); break;
    default: break;
    }
}

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
    static ui u;
    mon_init(&u.m);
    u.s = lo_server_new_with_proto(NULL, LO_UDP, NULL);
    if (!u.s) {
        fprintf(stderr, "%s: cannot open a UDP socket for the daemon's replies (liblo)\n", argv[0]);
        return 2;
    }
    lo_server_enable_queue(u.s, 0, 1);
    lo_server_add_method(u.s, NULL, NULL, mon_on_msg, &u.m);
    u.d = lo_address_new(host, port);
    signal(SIGINT, on_sig);
    signal(SIGTERM, on_sig);
    initscr();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    mon_view_init();
    double next_sub = 0, next_draw = 0;
    while (!quit) {
        double t = osc_now_s();
        if (t >= next_sub) {
            lo_send_from(u.d, u.s, LO_TT_IMMEDIATE, "/emg/ctl/subscribe", "s", "full+bundle");
            next_sub = t + 3.0;
        }
        int ch;
        while ((ch = getch()) != ERR) key(&u, ch);
        if (u.m.guided == 2) { /* the rest is done: now the MVC */
            u.m.guided = 3;
            lo_send_from(u.d, u.s, LO_TT_IMMEDIATE, "/emg/ctl/calibrate/mvc", "sf", u.m.guided_muscle, 5.0f);
        }
        if (t >= next_draw) {
            mon_view_draw(&u.m, target, u.screen, u.typing ? u.typed : NULL);
            next_draw = t + 0.05;
        }
        lo_server_recv_noblock(u.s, 10);
    }
    endwin();
    send0(&u, "/emg/ctl/unsubscribe");
    lo_address_free(u.d);
    lo_server_free(u.s);
    return 0;
}

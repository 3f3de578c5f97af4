/* mon_view.c: see mon_view.h.
 * Main screen: header (daemon, patient, state, session), the cue with hold progress against the protocol's hold,
 * one row per muscle (bar with the target band [ ] or the detector's levels | :, act, ACTIVE / RELAX!, hold,
 * reps, calibration), the newest reps (peak and mean % MVC, time to target, median frequency), status, help.
 * Check screen: each muscle's signal check with its verdict and advice. */
#include "../osc_args.h"
#include "mon_view.h"

#include <curses.h>
#include <math.h>
#include <string.h>

enum { C_OK = 1, C_BAD, C_BAND, C_CUE, C_HEAD };

static int colour;

void mon_view_init(void)
{
    colour = has_colors();
    if (!colour) return;
    start_color();
    use_default_colors();
    init_pair(C_OK, COLOR_GREEN, -1);
    init_pair(C_BAD, COLOR_RED, -1);
    init_pair(C_BAND, COLOR_YELLOW, -1);
    init_pair(C_CUE, COLOR_CYAN, -1);
    init_pair(C_HEAD, COLOR_BLUE, -1);
}

/* A colour with its no-colour stand-in. */
static attr_t look(int pair, attr_t fallback) { return colour ? (attr_t)COLOR_PAIR(pair) | A_BOLD : fallback; }

static void header(const mon *m, const char *target, int alive, int ok, int cols)
{
    attron(look(C_HEAD, A_BOLD));
    mvprintw(0, 0, "myofeed monitor  %s", target);
    attroff(look(C_HEAD, A_BOLD));
    if (cols >= 60) mvprintw(0, cols / 2, "patient: %.*s", cols / 2 - 10, m->patient[0] ? m->patient : "-");
    if (!alive) {
        attron(look(C_BAD, A_REVERSE | A_BOLD));
        mvprintw(1, 0, " NO DAEMON: waiting for myofeedd on %s ", target);
        attroff(look(C_BAD, A_REVERSE | A_BOLD));
        return;
    }
    int lost = !strcmp(m->state, "signal_lost") || !strcmp(m->state, "no_device");
    attr_t a = ok ? look(C_OK, A_BOLD) : look(C_BAD, A_REVERSE | A_BOLD);
    attron(a);
    mvprintw(1, 0, " state: %s %s", m->state[0] ? m->state : "connecting", lost ? " - NO SIGNAL " : "");
    attroff(a);
    mvprintw(1, cols / 2, "session: %.*s", cols / 2 - 10, m->session_running ? m->session : "not running");
}

/* The cue, and in a work phase the selected muscle's hold against the protocol's hold. */
static void cue_line(const mon *m, int cols)
{
    attron(look(C_CUE, A_BOLD));
    mvprintw(2, 0, " cue: %s", m->cue[0] ? m->cue : "-");
    attroff(look(C_CUE, A_BOLD));
    if (m->calib[0]) {
        attron(look(C_BAND, A_REVERSE));
        mvprintw(3, 0, " %.*s ", cols - 2, m->calib);
        attroff(look(C_BAND, A_REVERSE));
    } else if (m->n && m->proto_hold_s > 0 && !strcmp(m->phase, "work")) {
        float h = m->hold[m->sel], need = m->proto_hold_s;
        int w = 20, fill = (int)lroundf(fminf(h / need, 1.0f) * (float)w);
        mvprintw(3, 0, " hold %s %4.1f / %.1f s [", m->name[m->sel], h, need);
        attron(look(h >= need ? C_OK : C_BAND, A_BOLD));
        for (int k = 0; k < w; k++) addch(k < fill ? '#' : '.');
        attroff(look(h >= need ? C_OK : C_BAND, A_BOLD));
        addch(']');
    } else if (m->protocol[0]) {
        mvprintw(3, 0, " protocol %s: %d reps x %d sets, hold %.1f s", m->protocol, m->proto_reps, m->proto_sets,
                 m->proto_hold_s);
    }
}

static void muscle_row(const mon *m, int i, int y, int bar, int ok, double t)
{
    float a = ok ? m->act[i] : 0.0f;
    int fill = (int)lroundf(fmaxf(0.0f, fminf(a, 1.0f)) * (float)bar);
    if (i == m->sel) attron(A_BOLD);
    mvprintw(y, 0, "%c%-16.16s [", i == m->sel ? '>' : ' ', m->name[i]);
    attr_t on = m->active[i] && ok ? look(C_OK, A_BOLD) : 0;
    attron(on);
    for (int k = 0; k < bar; k++) addch(k < fill ? (m->active[i] && ok ? '#' : '=') : ' ');
    attroff(on);
    const int x0 = 19;
    if (m->thi[i] > 0) { /* the target band: what the patient aims for */
        int lo = (int)lroundf(m->tlo[i] * (float)bar), hi = (int)lroundf(m->thi[i] * (float)bar);
        if (hi >= bar) hi = bar - 1;
        attron(look(C_BAND, A_BOLD));
        if (lo >= 0 && lo < bar) mvaddch(y, x0 + lo, '[');
        if (hi > lo) mvaddch(y, x0 + hi, ']');
        attroff(look(C_BAND, A_BOLD));
    } else if (m->have_levels[i]) { /* the detector's on and off levels on the activation scale */
        int pon = (int)lroundf(m->lon[i] * (float)bar), poff = (int)lroundf(m->loff[i] * (float)bar);
        if (poff >= 0 && poff < bar) mvaddch(y, x0 + poff, ':');
        if (pon >= 0 && pon < bar) mvaddch(y, x0 + pon, '|');
    }
    mvprintw(y, x0 + bar, "]%4.0f%% ", a * 100);
    const char *word = t < m->relax_until[i] ? "RELAX!" : m->active[i] && ok ? "ACTIVE" : "";
    attr_t wa = word[0] == 'R' ? look(C_BAD, A_REVERSE | A_BOLD) : word[0] ? look(C_OK, A_BOLD) : 0;
    attron(wa);
    printw("%-6s", word);
    attroff(wa);
    printw(" %4.1fs %3d %4.0f/%-4.0f%s", m->hold[i], m->reps[i], m->rest[i], m->mvc[i], m->thi[i] > 0 ? "" : " -");
    if (i == m->sel) attroff(A_BOLD);
}

static void rep_table(const mon *m, int y, int rows)
{
    if (y >= rows || !m->n_rep) return;
    attron(A_UNDERLINE);
    mvprintw(y++, 0, " %-16s %4s %9s %9s %10s %8s", "reps: muscle", "rep", "peak%MVC", "mean%MVC", "to target",
             "MDF Hz");
    attroff(A_UNDERLINE);
    for (int k = 0; y < rows; k++, y++) {
        const mon_rep *r = mon_rep_newest(m, k);
        if (!r) break;
        mvprintw(y, 0, " %-16.16s %4d %9.0f %9.0f ", r->muscle, r->rep, r->peak_pct, r->mean_pct);
        if (r->to_target_s >= 0)
            printw("%9.1fs", r->to_target_s);
        else
            printw("%10s", "-");
        if (r->mdf_hz > 0)
            printw(" %8.0f", r->mdf_hz);
        else
            printw(" %8s", "-");
    }
}

static void main_screen(const mon *m, int rows, int cols, int ok)
{
    double t = osc_now_s();
    int bar = cols - 55; /* name 19, bar, act, state, hold, reps, calibration 35 */
    if (bar < 10) bar = 10;
    mvprintw(4, 0, " %-16s %-*s %4s %-6s %5s %3s %s", "muscle", bar + 1, "activation ([ ] target, | on, : off)", "act",
             "", "hold", "rep", "rest/MVC uV");
    int y = 5;
    for (int i = 0; i < m->n && y < rows - 3; i++, y++) muscle_row(m, i, y, bar, ok, t);
    rep_table(m, y + 1, rows - 2);
}

static void check_screen(const mon *m, int rows, int cols)
{
    mvprintw(4, 0, " signal check (v: run it again, Esc: back)   mains %s", m->mains_hz > 0 ? "" : "not decided yet");
    if (m->mains_hz > 0) printw("%.0f Hz", m->mains_hz);
    mvprintw(5, 0, " %-16s %9s %6s %8s  %-16s", "muscle", "noise uV", "mains", "clipped", "verdict");
    int y = 6;
    for (int i = 0; i < m->n && y < rows - 2; i++) {
        const mon_quality *q = &m->q[i];
        if (!q->have) {
            mvprintw(y++, 0, " %-16.16s %s", m->name[i], "(no result yet)");
            continue;
        }
        mvprintw(y, 0, " %-16.16s %9.1f %6.2f %7.1f%%  ", m->name[i], q->noise_uv, q->mains_ratio, q->clipped_pct);
        attr_t a = !strcmp(q->verdict, "good") ? look(C_OK, A_BOLD) : look(C_BAD, A_REVERSE | A_BOLD);
        attron(a);
        printw("%-16s", q->verdict);
        attroff(a);
        y++;
        if (q->advice[0] && y < rows - 2) mvprintw(y++, 0, "   %.*s", cols - 4, q->advice);
    }
}

static void help_screen(int rows)
{
    static const char *const lines[] = {
        "keys (Esc or ? to go back)",
        "  up/down   select a muscle            +/-  its thresholds 10 % up/down    a  the same for all",
        "  r         rest calibration, all      m    MVC calibration, selected      c  cancel calibration",
        "  g         guided calibration of the selected muscle: relax 5 s, then push as hard as you can 5 s",
        "  1-5       start a protocol: 1 hamstring_curl 2 glute_bridge 3 clamshell 4 sit_to_stand",
        "            5 prone_hip_extension      space  pause/resume            x  stop the protocol",
        "  s         start/stop a session       k    add a marker               p  choose the patient",
        "  v         signal check screen        ?    this help                  q  quit",
    };
    for (int i = 0; i < (int)(sizeof lines / sizeof lines[0]) && 4 + i < rows - 2; i++)
        mvprintw(4 + i, 0, "%s", lines[i]);
}

void mon_view_draw(const mon *m, const char *target, mon_screen screen, const char *prompt)
{
    erase();
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    int alive = osc_now_s() - m->last_msg < 2.5;
    int ok = alive && !strcmp(m->state, "streaming");
    header(m, target, alive, ok, cols);
    if (alive) cue_line(m, cols);
    if (screen == MON_CHECK)
        check_screen(m, rows, cols);
    else if (screen == MON_HELP)
        help_screen(rows);
    else
        main_screen(m, rows, cols, ok);
    if (prompt) {
        attron(A_REVERSE);
        mvprintw(rows - 2, 0, " patient id (Enter: choose, Esc: cancel): %s_ ", prompt);
        attroff(A_REVERSE);
    } else {
        mvprintw(rows - 2, 0, "%.*s", cols, m->status);
    }
    mvprintw(rows - 1, 0, "%.*s", cols, "? help  g calibrate  1-5 protocol  s session  p patient  v check  q quit");
    refresh();
}

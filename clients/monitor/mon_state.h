/* mon_state.h: what the monitor knows of the daemon, kept up to date from its OSC messages. One handler for
 * every message (mon_on_msg, a liblo method); no drawing, no sending. */
#ifndef MF_MON_STATE_H
#define MF_MON_STATE_H

#include <lo/lo.h>

#define MON_MAXM 32
#define MON_REPS 64 /* the per-rep table keeps the last this many */

typedef struct mon_rep {
    char muscle[32];
    int rep;
    float peak_pct, mean_pct, to_target_s, mdf_hz;
} mon_rep;

typedef struct mon_quality {
    int have;
    float noise_uv, mains_ratio, clipped_pct;
    char verdict[24], advice[160];
} mon_quality;

typedef struct mon {
    int n, sel;
    char name[MON_MAXM][32];
    float act[MON_MAXM], env[MON_MAXM], hold[MON_MAXM], on[MON_MAXM], off[MON_MAXM], rest[MON_MAXM], mvc[MON_MAXM];
    float lon[MON_MAXM], loff[MON_MAXM];
    int have_levels[MON_MAXM];
    float tlo[MON_MAXM], thi[MON_MAXM]; /* target band in activation units; 0 0: none */
    double relax_until[MON_MAXM];       /* a relax warning shows until then */
    int active[MON_MAXM], reps[MON_MAXM];
    mon_quality q[MON_MAXM];
    mon_rep rep_tab[MON_REPS]; /* a ring: the newest at (n_rep - 1) % MON_REPS */
    int n_rep;
    char calib[96]; /* the countdown line of a calibration */
    int guided;     /* the guided calibration: 1 rest running, 2 MVC next, 3 MVC running */
    char guided_muscle[32];
    int paused;
    char state[32], session[64], cue[96], phase[16], patient[64], protocol[48];
    float proto_hold_s;
    int proto_reps, proto_sets;
    int session_running;
    double last_msg, mains_hz;
    char status[200];
} mon;

void mon_init(mon *m);
/* The liblo method for every address; data is the mon. */
int mon_on_msg(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg, void *data);
/* The i-th newest rep (0: the newest), or NULL. */
const mon_rep *mon_rep_newest(const mon *m, int i);

#endif

/* mon_state.c: see mon_state.h. */
#include "mon_state.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../osc_args.h"

void mon_init(mon *m) { memset(m, 0, sizeof *m); }

static int idx(const mon *m, const char *name, size_t len)
{
    for (int i = 0; i < m->n; i++)
        if (strlen(m->name[i]) == len && !strncmp(m->name[i], name, len)) return i;
    return -1;
}

const mon_rep *mon_rep_newest(const mon *m, int i)
{
    if (i < 0 || i >= m->n_rep || i >= MON_REPS) return NULL;
    return &m->rep_tab[(m->n_rep - 1 - i) % MON_REPS];
}

static void on_cue(mon *m, const char *types, lo_arg **argv, int argc)
{
    if (argc == 4 && !strcmp(types, "sfii")) {
        const char *ph = osc_s(argv[0]);
        snprintf(m->phase, sizeof m->phase, "%s", ph);
        const char *say = !strcmp(ph, "work")        ? "WORK: reach the band and hold"
                          : !strcmp(ph, "rest")      ? "rest"
                          : !strcmp(ph, "set_rest")  ? "rest between sets"
                          : !strcmp(ph, "get_ready") ? "get ready"
                                                     : ph;
        if (!strcmp(ph, "done"))
            snprintf(m->cue, sizeof m->cue, "done: set %d, rep %d", osc_i(argv[3]), osc_i(argv[2]));
        else
            snprintf(m->cue, sizeof m->cue, "%s  %.0f s  rep %d  set %d%s", say, osc_f(argv[1]), osc_i(argv[2]),
                     osc_i(argv[3]), m->paused ? "  (paused)" : "");
    } else if (argc >= 1 && types[0] == 's') {
        snprintf(m->cue, sizeof m->cue, "%s", osc_s(argv[0]));
    }
}

static void on_calib_state(mon *m, lo_arg **argv)
{
    int rest = !strcmp(osc_s(argv[0]), "rest");
    const char *st = osc_s(argv[3]);
    if (!strcmp(st, "running"))
        snprintf(m->calib, sizeof m->calib, "%s %s: %.0f s", rest ? "RELAX completely" : "PUSH AS HARD AS YOU CAN",
                 osc_s(argv[1]), ceil(osc_f(argv[2])));
    else
        snprintf(m->calib, sizeof m->calib, "%s calibration of %s: %s", rest ? "rest" : "MVC", osc_s(argv[1]), st);
    if (m->guided == 1 && rest && !strcmp(st, "done")) m->guided = 2;
    if (m->guided && strcmp(st, "running") && (strcmp(st, "done") || m->guided == 3)) m->guided = 0;
}

/* /emg/<m>/<leaf> */
static void on_muscle(mon *m, int i, const char *leaf, const char *types, lo_arg **argv, int argc)
{
    if (!strcmp(leaf, "env") && argc == 1)
        m->env[i] = osc_f(argv[0]);
    else if (!strcmp(leaf, "active") && argc == 1)
        m->active[i] = osc_i(argv[0]);
    else if (!strcmp(leaf, "hold") && argc == 1)
        m->hold[i] = osc_f(argv[0]);
    else if (!strcmp(leaf, "rep") && argc == 2)
        m->reps[i] = osc_i(argv[0]);
    else if (!strcmp(leaf, "threshold") && argc == 2)
        m->on[i] = osc_f(argv[0]), m->off[i] = osc_f(argv[1]);
    else if (!strcmp(leaf, "calib") && argc == 2)
        m->rest[i] = osc_f(argv[0]), m->mvc[i] = osc_f(argv[1]);
    else if (!strcmp(leaf, "target") && argc == 2)
        m->tlo[i] = osc_f(argv[0]), m->thi[i] = osc_f(argv[1]);
    else if (!strcmp(leaf, "relax") && argc == 1)
        m->relax_until[i] = osc_now_s() + 0.5;
    else if (!strcmp(leaf, "levels") && argc == 2) {
        m->lon[i] = osc_f(argv[0]);
        m->loff[i] = osc_f(argv[1]);
        m->have_levels[i] = 1;
    } else if (!strcmp(leaf, "repstat") && argc == 5 && !strcmp(types, "iffff")) {
        mon_rep *r = &m->rep_tab[m->n_rep++ % MON_REPS];
        snprintf(r->muscle, sizeof r->muscle, "%s", m->name[i]);
        r->rep = osc_i(argv[0]);
        r->peak_pct = osc_f(argv[1]);
        r->mean_pct = osc_f(argv[2]);
        r->to_target_s = osc_f(argv[3]);
        r->mdf_hz = osc_f(argv[4]);
    } else if (!strcmp(leaf, "quality") && argc == 4 && !strcmp(types, "fffs")) {
        mon_quality *q = &m->q[i];
        q->have = 1;
        q->noise_uv = osc_f(argv[0]);
        q->mains_ratio = osc_f(argv[1]);
        q->clipped_pct = osc_f(argv[2]);
        snprintf(q->verdict, sizeof q->verdict, "%s", osc_s(argv[3]));
    } else if (!strcmp(leaf, "advice") && argc == 1 && types[0] == 's') {
        snprintf(m->q[i].advice, sizeof m->q[i].advice, "%s", osc_s(argv[0]));
    }
}

int mon_on_msg(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg, void *data)
{
    (void)msg;
    mon *m = data;
    m->last_msg = osc_now_s();
    if (!strcmp(path, "/emg/sys/muscles")) {
        m->n = 0;
        for (int i = 0; i < argc && i < MON_MAXM; i++)
            if (types[i] == 's') snprintf(m->name[m->n++], 32, "%s", osc_s(argv[i]));
        if (m->sel >= m->n) m->sel = 0;
    } else if (!strcmp(path, "/emg/sys/heartbeat") && argc == 3) {
        snprintf(m->state, sizeof m->state, "%s", osc_s(argv[2]));
    } else if (!strcmp(path, "/emg/sys/error") && argc == 3) {
        snprintf(m->status, sizeof m->status, "daemon: %s", osc_s(argv[2]));
    } else if (!strcmp(path, "/emg/sys/ok") && argc == 1) {
        if (strcmp(osc_s(argv[0]), "/emg/ctl/subscribe"))
            snprintf(m->status, sizeof m->status, "ok: %s", osc_s(argv[0]));
    } else if (!strcmp(path, "/emg/sys/patient") && argc == 1 && types[0] == 's') {
        snprintf(m->patient, sizeof m->patient, "%s", osc_s(argv[0]));
    } else if (!strcmp(path, "/emg/sys/mains") && argc == 1 && types[0] == 'f') {
        m->mains_hz = osc_f(argv[0]);
    } else if (!strcmp(path, "/emg/session/state") && argc == 2) {
        m->session_running = osc_i(argv[0]);
        snprintf(m->session, sizeof m->session, "%s", osc_s(argv[1]));
    } else if (!strcmp(path, "/emg/session/protocol") && argc == 4 && !strcmp(types, "sfii")) {
        snprintf(m->protocol, sizeof m->protocol, "%s", osc_s(argv[0]));
        m->proto_hold_s = osc_f(argv[1]);
        m->proto_reps = osc_i(argv[2]);
        m->proto_sets = osc_i(argv[3]);
    } else if (!strcmp(path, "/emg/session/cue")) {
        on_cue(m, types, argv, argc);
    } else if (!strcmp(path, "/emg/calib/state") && argc == 4 && !strcmp(types, "ssfs")) {
        on_calib_state(m, argv);
    } else if (!strcmp(path, "/emg/frame/act")) {
        for (int i = 0; i < argc && i < m->n; i++) m->act[i] = osc_f(argv[i]);
    } else if (!strncmp(path, "/emg/", 5)) {
        const char *slash = strchr(path + 5, '/');
        if (!slash) return 0;
        int i = idx(m, path + 5, (size_t)(slash - path - 5));
        if (i >= 0) on_muscle(m, i, slash + 1, types, argv, argc);
    }
    return 0;
}

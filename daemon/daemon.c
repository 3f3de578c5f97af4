/* daemon.c: wires the modules on one libevent loop and owns the lifecycle: build everything from a
 * configuration (the "runtime"), run, reload on SIGHUP (a new runtime is built completely before the
 * old one is replaced; a bad configuration changes nothing), stop on SIGTERM/SIGINT. */
#include "daemon.h"
#include "base/clock.h"
#include "base/privdrop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "osc/control.h"
#include "osc/failsafe.h"
#include "pipeline/feedback.h"
#include "base/log.h"
#include "osc/osc_addr.h"
#include "osc/osc_feedback.h"
#include "osc/osc_out.h"
#include "osc/osc_sys.h"
#include "pipeline/pipeline.h"
#include "host/plugin_host.h"
#include "runtime.h"
#include "sources/source.h"
#include "osc/subscribers.h"
#include "session/check.h"
#include "session/history.h"
#include "session/pg_sync.h"
#include "session/patient.h"
#include "session/protocol.h"
#include "records/report.h"
#include "session/recording.h"
#define LOG_COMPONENT "daemon"

typedef struct runtime {
    runtime_core core;
    config *cfg;  /* = core.cfg */
    pipeline *pl; /* = core.pl */
    double fs;    /* = core.fs */
    osc_addr addr;
    feedback fb;
    osc_feedback ofb;
    feedback_events osc_ev; /* the OSC side of feedback's events (the daemon's own tee adds the record) */
    osc_sys sys;
    spectrum spec[CFG_MAX_MUSCLES]; /* each muscle's repetitions' frequency measures */
    int n_spec;
} runtime;

struct daemon {
    struct event_base *base;
    const cli_opts *opt;
    char exe_dir[PATH_MAX];
    const char *cfg_path; /* NULL = built-in */
    runtime *rt;
    control *ctl;
    subscribers subs;
    osc_out out;
    source *src;
    enum source_state state;
    uint64_t samples; /* the stream's sample clock, continuous across reloads */
    int32_t hb_seq;
    struct event *tick, *hb, *sig_int, *sig_term, *sig_hup;
    patient pat;                      /* whose calibration and targets; kept in the session store */
    protocol_run proto;               /* the exercise protocol running, if any */
    check chk;                        /* a signal check, while it runs */
    session_rec rec;                  /* the session record, while one runs, and its finishing */
    pg_sync *sync;                    /* the copy to a clinic's PostgreSQL (session.database), or NULL */
    double mains_hz[CFG_MAX_MUSCLES]; /* what each muscle's notch detected (0: not yet, or not auto) */
    double mains_sent;                /* the last /sys/mains */
    uint32_t ticks;                   /* frame ticks, for the relax warnings' pace */
    double tick_period, tick_due;     /* s; the next frame tick on the monotonic clock */
    double last_frames_s;             /* when the source last delivered */
    struct {                          /* the calibration in progress, for /calib/state */
        cal_kind kind;                /* CAL_NONE: none */
        int muscle;                   /* -1: all */
        uint64_t end;                 /* sample it ends at */
        int refused;                  /* some muscle's result was refused */
    } cal;
    int exit_code;
};

/* ---------------------------------------------------------------------------------------------- */

static void runtime_free(runtime *rt)
{
    if (!rt) return;
    for (int i = 0; i < rt->n_spec; i++) spectrum_free(&rt->spec[i]);
    runtime_core_free(&rt->core);
    free(rt);
}

/* Everything that --check-config checks: config, plugins, instances, addresses. No device, no socket. */
static runtime *runtime_build(const char *path, const cli_opts *o, const char *exe_dir, diag *d)
{
    runtime *rt = calloc(1, sizeof *rt);
    if (!rt) {
        diag_add(d, path ? path : "(built-in default)",
                 "out of memory building the runtime; free memory and start again");
        return NULL;
    }
    if (runtime_core_build(&rt->core, path, o, NULL, 0, exe_dir, d) != 0) {
        free(rt);
        return NULL;
    }
    rt->cfg = rt->core.cfg;
    rt->pl = rt->core.pl;
    rt->fs = rt->core.fs;
    osc_addr_build(&rt->addr, rt->cfg);
    for (; rt->n_spec < rt->cfg->n_muscles; rt->n_spec++) {
        char err[300];
        if (spectrum_init(&rt->spec[rt->n_spec], rt->fs, err, sizeof err) != 0) {
            diag_add(d, rt->cfg->path, "muscle '%s': %s", rt->cfg->muscles[rt->n_spec].name, err);
            runtime_free(rt);
            return NULL;
        }
    }
    return rt;
}

/* ---------------------------------------------------------------------------------------------- */

static void send_threshold(daemon_t *d, int i, const struct sockaddr_in *to)
{
    double on, off;
    if (pipeline_get_threshold(d->rt->pl, i, &on, &off) == 0) osc_sys_threshold(&d->rt->sys, to, i, on, off);
}

static void send_calib(daemon_t *d, int i, const struct sockaddr_in *to)
{
    const mf_calibration *c = &d->rt->fb.m[i].cal;
    osc_sys_calib(&d->rt->sys, to, i, c->rest_uv, c->mvc_uv);
}

static sys_state state_now(const daemon_t *d) { return sys_state_of(d->state, feedback_calibrating(&d->rt->fb)); }

static void send_target(daemon_t *d, int i, const struct sockaddr_in *to)
{
    double lo, hi;
    feedback_target_act(&d->rt->fb, i, &lo, &hi);
    osc_sys_target(&d->rt->sys, to, i, lo, hi);
}

/* What a new subscriber needs: the patient, the muscles, each one's calibration, thresholds and target, the
 * session state. */
static void send_plugin_error(daemon_t *d, int i, const struct sockaddr_in *to);

static void op_hello(void *ctx, const struct sockaddr_in *to)
{
    daemon_t *d = ctx;
    osc_sys_patient(&d->rt->sys, to, d->pat.id);
    osc_sys_muscles(&d->rt->sys, to);
    for (int i = 0; i < d->rt->addr.n; i++) {
        send_calib(d, i, to);
        send_threshold(d, i, to);
        send_target(d, i, to);
    }
    osc_sys_session_state(&d->rt->sys, to, d->rec.running, session_rec_id(&d->rec));
    for (int i = 0; i < d->rt->fb.n; i++)
        if (d->rt->fb.m[i].plugin_error) send_plugin_error(d, i, to);
}

/* The patient's calibration (now in feedback) goes to the detectors; everyone hears of it and of the targets. */
static void patient_loaded(daemon_t *d, int stored)
{
    for (int i = 0; i < d->rt->fb.n; i++) pipeline_set_calibration(d->rt->pl, i, &d->rt->fb.m[i].cal);
    osc_sys_patient(&d->rt->sys, NULL, d->pat.id);
    for (int i = 0; i < d->rt->addr.n; i++) {
        send_calib(d, i, NULL);
        send_target(d, i, NULL);
    }
    LOGI("patient '%s': %d of %d muscles with a stored calibration%s", d->pat.id, stored, d->rt->fb.n,
         d->pat.st ? "" : " (the session store is not open: nothing is kept)");
}

static int op_patient(void *ctx, const char *id, char *err, size_t n)
{
    daemon_t *d = ctx;
    if (feedback_calibrating(&d->rt->fb)) {
        snprintf(err, n,
                 "a calibration is running; cancel it (/ctl/calibrate/cancel) or wait, then choose the patient");
        return -1;
    }
    if (protocol_running(&d->proto)) {
        snprintf(err, n, "protocol '%s' is running; stop it (/ctl/protocol/stop), then choose the patient",
                 d->proto.p->name);
        return -1;
    }
    int stored = patient_switch(&d->pat, id, &d->rt->fb, d->rt->cfg, err, n);
    if (stored < 0) return -1;
    patient_loaded(d, stored);
    return 0;
}

static int op_target(void *ctx, int mi, double lo, double hi, char *err, size_t n)
{
    daemon_t *d = ctx;
    feedback *fb = &d->rt->fb;
    int first = mi < 0 ? 0 : mi, last = mi < 0 ? fb->n - 1 : mi;
    for (int i = first; i <= last; i++) /* all or nothing */
        if (!(fb->m[i].cal.mvc_uv > fb->m[i].cal.rest_uv)) {
            snprintf(err, n,
                     "muscle '%s' has no MVC calibration, and a target is a %% of it; calibrate the MVC first "
                     "(/ctl/calibrate/mvc)",
                     fb->names[i]);
            return -1;
        }
    for (int i = first; i <= last; i++) {
        feedback_set_target(fb, i, 1, lo, hi);
        char e[400];
        if (patient_save_target(&d->pat, fb, i, e, sizeof e) != 0)
            LOGW("muscle '%s': target not kept: %s", fb->names[i], e);
        pg_sync_kick(d->sync);
        LOGI("patient '%s', muscle '%s': target %g to %g %% MVC", d->pat.id, fb->names[i], lo, hi);
        send_target(d, i, NULL);
    }
    return 0;
}

static void op_info(void *ctx, const struct sockaddr_in *to)
{
    daemon_t *d = ctx;
    osc_sys_info(&d->rt->sys, to, d->src ? d->src->ops->describe(d->src) : "no source", d->rt->fs, d->subs.n,
                 state_now(d));
    op_hello(ctx, to);
}

static int op_threshold(void *ctx, int mi, double on, double off, char *err, size_t n)
{
    daemon_t *d = ctx;
    int first = mi < 0 ? 0 : mi, last = mi < 0 ? d->rt->addr.n - 1 : mi;
    /* all-or-nothing: check every muscle before changing any */
    for (int i = first; i <= last; i++) {
        double o1, o2;
        if (pipeline_get_threshold(d->rt->pl, i, &o1, &o2) != 0) {
            snprintf(err, n, "muscle '%s': its detector has no on/off thresholds", d->rt->addr.names[i]);
            return -1;
        }
    }
    for (int i = first; i <= last; i++) {
        char e[200];
        if (pipeline_set_threshold(d->rt->pl, i, on, off, e, sizeof e) != 0) {
            snprintf(err, n, "muscle '%s': %s", d->rt->addr.names[i], e);
            return -1;
        }
        double a, b;
        pipeline_get_threshold(d->rt->pl, i, &a, &b);
        LOGI("muscle '%s': thresholds on %g off %g", d->rt->addr.names[i], a, b);
        send_threshold(d, i, NULL);
    }
    return 0;
}

static void op_reps_reset(void *ctx, int mi)
{
    daemon_t *d = ctx;
    feedback_reps_reset(&d->rt->fb, mi);
}

static int32_t op_t_ms(void *ctx)
{
    daemon_t *d = ctx;
    return feedback_t_ms(&d->rt->fb, d->samples);
}

static void send_heartbeat(daemon_t *d);
static void tell_patient(daemon_t *d);

/* /calib/state: what is being calibrated and how long it has to go (the monitor counts down from it). */
static void send_calib_state(daemon_t *d, const char *state)
{
    const feedback *fb = &d->rt->fb;
    double left = d->cal.end > fb->now_sample ? (double)(d->cal.end - fb->now_sample) / d->rt->fs : 0.0;
    osc_sys_calib_state(&d->rt->sys, d->cal.kind == CAL_REST ? "rest" : "mvc",
                        d->cal.muscle < 0 ? "all" : d->rt->addr.names[d->cal.muscle],
                        strcmp(state, "running") ? 0.0 : left, state);
}

static int op_calibrate(void *ctx, int mi, cal_kind kind, double seconds, char *err, size_t n)
{
    daemon_t *d = ctx;
    if (kind == CAL_NONE) {
        feedback_calibrate_cancel(&d->rt->fb);
        LOGI("calibration cancelled");
        if (d->cal.kind != CAL_NONE) send_calib_state(d, "cancelled");
        d->cal.kind = CAL_NONE;
        tell_patient(d);
        send_heartbeat(d);
        return 0;
    }
    if (d->state != SRC_STREAMING) {
        snprintf(err, n, "no signal to calibrate on (state %s); connect the amplifier first",
                 sys_state_name(sys_state_of(d->state, 0)));
        return -1;
    }
    feedback_calibrate(&d->rt->fb, mi, kind, seconds);
    d->cal.kind = kind;
    d->cal.muscle = mi;
    uint64_t from = d->rt->fb.now_sample > d->rt->fb.settled ? d->rt->fb.now_sample : d->rt->fb.settled;
    d->cal.end = from + (uint64_t)(seconds * d->rt->fs);
    d->cal.refused = 0;
    send_calib_state(d, "running");
    tell_patient(d);
    LOGI("calibrating %s of %s for %g s", cal_kind_name(kind), mi < 0 ? "all muscles" : d->rt->addr.names[mi], seconds);
    send_heartbeat(d);
    return 0;
}

/* A calibration ended (from feedback): the detector gets it, clients hear of it. */
static void on_calibrated(void *ctx, int i, cal_kind kind, int ok, const char *code, const char *why)
{
    daemon_t *d = ctx;
    if (!ok) {
        LOGW("calibration refused (%s): %s", code, why);
        osc_sys_error(&d->rt->sys, NULL,
                      kind == CAL_REST ? d->rt->addr.ctl_calibrate_rest : d->rt->addr.ctl_calibrate_mvc, code, why);
    } else {
        const mf_calibration *c = &d->rt->fb.m[i].cal;
        LOGI("muscle '%s': %s calibrated: rest %.2f uV (SD %.2f), MVC %.1f uV", d->rt->addr.names[i],
             cal_kind_name(kind), c->rest_uv, c->rest_sd_uv, c->mvc_uv);
        pipeline_set_calibration(d->rt->pl, i, c);
        session_rec_calibrated(&d->rec, d->samples, i, cal_kind_name(kind), c->rest_uv, c->mvc_uv);
        char e[400];
        if (patient_save_calibration(&d->pat, &d->rt->fb, i, kind, e, sizeof e) != 0)
            LOGW("muscle '%s': calibration not kept: %s", d->rt->addr.names[i], e);
        pg_sync_kick(d->sync);
        send_calib(d, i, NULL);
        send_target(d, i, NULL); /* an MVC puts a target band in force */
    }
    if (!ok) d->cal.refused = 1;
    if (!feedback_calibrating(&d->rt->fb)) {
        if (d->cal.kind != CAL_NONE) send_calib_state(d, d->cal.refused ? "refused" : "done");
        d->cal.kind = CAL_NONE;
        tell_patient(d);
        send_heartbeat(d);
    }
}

/* The cue of the protocol now (its phase, seconds left, rep and set). */
static void send_cue(daemon_t *d)
{
    const protocol_run *r = &d->proto;
    if (r->p) osc_sys_protocol(&d->rt->sys, r->p->name, r->p->hold_s, r->p->reps, r->p->sets);
    osc_sys_cue(&d->rt->sys, proto_phase_name(r->phase), protocol_left_s(r, d->samples), r->rep, r->set);
    session_rec_cue(&d->rec, d->samples, proto_phase_name(r->phase), r->rep, r->set);
}

static void send_session_state(daemon_t *d)
{
    osc_sys_session_state(&d->rt->sys, NULL, d->rec.running, session_rec_id(&d->rec));
}

/* Starts a session record of the patient now (label "" none). 0, or -1 with code and err. */
static int record_start(daemon_t *d, const char *label, int by_protocol, const char **code, char *err, size_t n)
{
    session_start_args a = {.cfg = d->rt->cfg,
                            .fb = &d->rt->fb,
                            .fs = d->rt->fs,
                            .channels = d->rt->core.channels,
                            .patient = d->pat.id,
                            .label = label,
                            .protocol = protocol_running(&d->proto) ? d->proto.p->name : "",
                            .source = d->src ? d->src->ops->describe(d->src) : "no source",
                            .now = d->samples,
                            .st = d->pat.st};
    if (session_rec_start(&d->rec, &a, code, err, n) != 0) return -1;
    d->rec.by_protocol = by_protocol;
    LOGI("session %s started for patient '%s'%s%s: recording to %s/recording.bdf", session_rec_id(&d->rec), d->pat.id,
         *label ? ", label " : "", label, d->rec.dir);
    send_session_state(d);
    return 0;
}

static void record_stop(daemon_t *d, const char *why)
{
    if (!d->rec.running) return;
    LOGI("session %s stopping (%s): finishing the recording, summary, history and report", session_rec_id(&d->rec),
         why);
    session_rec_stop(&d->rec, "done", "");
    send_session_state(d);
}

static int op_session(void *ctx, const char *action, const char *text, const char **code, char *err, size_t n)
{
    daemon_t *d = ctx;
    if (strcmp(action, "start") == 0) return record_start(d, text, 0, code, err, n);
    *code = "not_running";
    if (!d->rec.running) {
        snprintf(err, n, "no session is recording; start one (/ctl/session/start [s label])");
        return -1;
    }
    if (strcmp(action, "stop") == 0) {
        record_stop(d, "/ctl/session/stop");
        return 0;
    }
    char t[48];
    snprintf(t, sizeof t, "marker: %s", text);
    session_rec_note(&d->rec, d->samples, t);
    LOGI("session %s: marker '%s'", session_rec_id(&d->rec), text);
    return 0;
}

/* What the synthetic patient does now: it follows the calibration guide (relax for a rest calibration, push as
 * hard as a curl for an MVC) and the protocol's cues (the working muscles contract in work phases, at
 * source.effort_pct, and every source.fail_every-th attempt falls short); with neither, its own cycle. */
static void tell_patient(daemon_t *d)
{
    if (!d->src || !d->src->ops->follow) return;
    const protocol_run *r = &d->proto;
    const config *c = d->rt->cfg;
    double level[CFG_MAX_MUSCLES] = {0};
    cal_kind cal = c->source.follow_calibration ? d->cal.kind : CAL_NONE;
    int following = protocol_running(r) || cal != CAL_NONE;
    if (cal == CAL_MVC) {
        for (int i = 0; i < d->rt->fb.n; i++)
            if (d->cal.muscle < 0 || d->cal.muscle == i) level[i] = 1.0;
    } else if (cal == CAL_REST) {
        /* every muscle relaxed */
    } else if (following && r->phase == PH_WORK && !r->paused) {
        /* a failing attempt: the working muscles barely engage and the ones to keep relaxed take over */
        int fails = c->source.fail_every > 0 && r->attempts % c->source.fail_every == 0;
        double effort = c->source.effort_pct / 100.0;
        for (int k = 0; k < r->n_relax; k++) level[r->relax[k]] = (fails ? 0.8 : 0.05) * effort;
        for (int i = 0; i < d->rt->fb.n; i++)
            if (r->now_mask >> i & 1u) level[i] = (fails ? 0.1 : 1.0) * effort;
    }
    double ch_level[64] = {0};
    for (int i = 0; i < c->n_muscles; i++) ch_level[c->muscles[i].channel - 1] = level[i];
    d->src->ops->follow(d->src, following, ch_level, 64);
}

static int op_protocol(void *ctx, const char *action, const char *name, const char **code, char *err, size_t n)
{
    daemon_t *d = ctx;
    protocol_run *r = &d->proto;
    if (strcmp(action, "start") == 0) {
        const cfg_protocol *p = config_protocol(d->rt->cfg, name);
        if (!p) {
            *code = "unknown_protocol";
            size_t off = (size_t)snprintf(err, n, "no protocol '%.60s'; the configuration has:", name);
            for (int i = 0; i < d->rt->cfg->n_protocols && off < n; i++)
                off += (size_t)snprintf(err + off, n - off, " %s", d->rt->cfg->protocols[i].name);
            return -1;
        }
        *code = "busy";
        if (protocol_start(r, p, &d->rt->fb, d->rt->fs, d->samples, err, n) != 0) return -1;
        LOGI("protocol '%s' started for patient '%s': %d x %d reps, hold %g s", p->name, d->pat.id, p->sets, p->reps,
             p->hold_s);
        if (d->rt->cfg->session.record && !d->rec.running) {
            const char *rc_code;
            char e[400];
            if (record_start(d, p->name, 1, &rc_code, e, sizeof e) != 0) { /* the protocol runs; the record does not */
                LOGE("protocol '%s': not recorded: %s", p->name, e);
                osc_sys_error(&d->rt->sys, NULL, d->rt->addr.ctl, rc_code, e);
            }
        }
    } else if (strcmp(action, "stop") == 0) {
        if (!protocol_running(r)) {
            snprintf(err, n, "no protocol is running");
            return -1;
        }
        LOGI("protocol '%s' stopped at set %d, rep %d (%d of %d attempts held)", r->p->name, r->set, r->rep,
             r->successes, r->attempts);
        protocol_stop(r, &d->rt->fb);
        r->phase = PH_DONE;
        if (d->rec.by_protocol) record_stop(d, "the protocol stopped");
    } else if (strcmp(action, "pause") == 0) {
        if (protocol_pause(r, &d->rt->fb, d->samples) != 0) {
            *code = protocol_running(r) ? "paused" : "not_running";
            snprintf(err, n, "%s",
                     protocol_running(r) ? "the protocol is already paused; resume it (/ctl/protocol/resume)"
                                         : "no protocol is running; start one (/ctl/protocol/start s name)");
            return -1;
        }
    } else {
        if (protocol_resume(r, &d->rt->fb, d->samples) != 0) {
            *code = protocol_running(r) ? "not_paused" : "not_running";
            snprintf(err, n, "%s", protocol_running(r) ? "the protocol is not paused" : "no protocol is running");
            return -1;
        }
    }
    send_cue(d);
    tell_patient(d);
    return 0;
}

/* After each block: the protocol's timeline. */
static void protocol_step_now(daemon_t *d)
{
    protocol_step st = protocol_advance(&d->proto, &d->rt->fb, d->samples);
    if (st.work_ended) {
        for (int k = 0; k < st.n_pairs; k++) {
            osc_sys_symmetry(&d->rt->sys, st.pair[k], st.symmetry_pct[k]);
            session_rec_pair(&d->rec, d->samples, st.pair[k], st.symmetry_pct[k], d->proto.rep, d->proto.set);
        }
        if (st.has_coactivation) {
            osc_sys_coactivation(&d->rt->sys, st.coactivation);
            session_rec_pair(&d->rec, d->samples, "coactivation", st.coactivation, d->proto.rep, d->proto.set);
        }
    }
    if (st.changed) {
        send_cue(d);
        tell_patient(d);
    }
    if (st.finished) {
        LOGI("protocol done: %d of %d attempts held for the hold time", d->proto.successes, d->proto.attempts);
        if (d->rec.by_protocol) record_stop(d, "the protocol is done");
    }
}

static int op_check(void *ctx, double seconds, char *err, size_t n)
{
    daemon_t *d = ctx;
    if (d->state != SRC_STREAMING) {
        snprintf(err, n, "no signal to check (state %s); connect the amplifier first",
                 sys_state_name(sys_state_of(d->state, 0)));
        return -1;
    }
    if (d->chk.running) {
        snprintf(err, n, "a signal check is running; wait for its results");
        return -1;
    }
    check_start(&d->chk, d->rt->cfg, d->rt->fs, seconds);
    LOGI("signal check of %d muscles for %g s: the patient should rest", d->rt->addr.n, seconds);
    return 0;
}

static void check_done(daemon_t *d)
{
    for (int i = 0; i < d->rt->addr.n; i++) {
        check_result r = check_result_of(&d->chk, i, d->rt->addr.names[i]);
        osc_sys_quality(&d->rt->sys, i, r.noise_uv, r.mains_ratio, r.clipped_pct, r.verdict, r.advice);
        LOGI("signal check: %s", r.advice);
    }
}

static const control_ops ctl_ops = {
    .threshold = op_threshold,
    .hello = op_hello,
    .info = op_info,
    .reps_reset = op_reps_reset,
    .calibrate = op_calibrate,
    .t_ms = op_t_ms,
    .patient = op_patient,
    .target = op_target,
    .protocol = op_protocol,
    .check = op_check,
    .session = op_session,
};

/* feedback's events: to OSC, and into the record while one runs */
static void ev_onset(void *ctx, int m, int32_t seq, uint64_t sample, uint64_t decided)
{
    daemon_t *d = ctx;
    d->rt->osc_ev.onset(d->rt->osc_ev.ctx, m, seq, sample, decided);
    session_rec_onset(&d->rec, m, sample);
}

static void ev_offset(void *ctx, int m, int32_t seq, uint64_t sample, uint64_t decided, double hold_s, double peak)
{
    daemon_t *d = ctx;
    d->rt->osc_ev.offset(d->rt->osc_ev.ctx, m, seq, sample, decided, hold_s, peak);
    session_rec_offset(&d->rec, m, sample, hold_s);
}

static void ev_rep(void *ctx, int m, int32_t count, uint64_t sample)
{
    daemon_t *d = ctx;
    d->rt->osc_ev.rep(d->rt->osc_ev.ctx, m, count, sample);
}

static void ev_repstat(void *ctx, int m, const fb_repstat *r)
{
    daemon_t *d = ctx;
    if (d->rt->osc_ev.repstat) d->rt->osc_ev.repstat(d->rt->osc_ev.ctx, m, r);
    session_rec_repstat(&d->rec, m, r, protocol_running(&d->proto) ? d->proto.set : 1);
}

/* ---------------------------------------------------------------------------------------------- */

/* The frame tick rides on the source's own wake-ups: when a block arrives within a quarter period of the tick's
 * time, the tick goes out right after it (one wake-up, not two), and the timer, re-armed a quarter period past
 * the tick's time, fires only when no block came (signal lost, or a source slower than the tick). The schedule
 * keeps its phase, so the rate stays osc.rate_hz on average whatever the source's block size. */
#define TICK_SLACK 0.25
static void do_tick(daemon_t *d);

static void tick_rearm(daemon_t *d, double now)
{
    double wait = d->tick_due + TICK_SLACK * d->tick_period - now;
    if (wait < 0.0005) wait = 0.0005;
    struct timeval tv = clock_timeval(wait);
    event_add(d->tick, &tv);
}

static void tick_done(daemon_t *d, double now)
{
    d->tick_due += d->tick_period;
    if (d->tick_due < now) d->tick_due = now + d->tick_period; /* far behind (a stall): start again from now */
    tick_rearm(d, now);
}

static void tick_start(daemon_t *d, double rate_hz)
{
    double now = clock_mono_s();
    d->tick_period = 1.0 / rate_hz;
    d->tick_due = now + d->tick_period;
    tick_rearm(d, now);
}

static void on_frames(void *ctx, const double *frames, uint32_t n)
{
    daemon_t *d = ctx;
    session_rec_frames(&d->rec, frames, n, d->samples);
    pipeline_process(d->rt->pl, frames, n, d->samples);
    d->samples += n;
    if (d->chk.running && check_frames(&d->chk, frames, n, d->rt->core.channels)) check_done(d);
    if (protocol_running(&d->proto)) protocol_step_now(d);
    double now = clock_mono_s();
    d->last_frames_s = now;
    if (now >= d->tick_due - TICK_SLACK * d->tick_period) {
        do_tick(d);
        tick_done(d, now);
    }
}

static void send_heartbeat(daemon_t *d) { osc_sys_heartbeat(&d->rt->sys, ++d->hb_seq, state_now(d)); }

static void on_source_state(void *ctx, enum source_state st, const char *why)
{
    daemon_t *d = ctx;
    if (st == d->state) return;
    LOGI("source: %s -> %s (%s)", sys_state_name(sys_state_of(d->state, 0)), sys_state_name(sys_state_of(st, 0)),
         why ? why : "");
    enum source_state old = d->state;
    d->state = st;
    if (st != SRC_STREAMING && old == SRC_STREAMING) {
        char why_s[48];
        snprintf(why_s, sizeof why_s, "signal lost: %s", sys_state_name(sys_state_of(st, 0)));
        session_rec_pause(&d->rec, d->samples, why_s);
        feedback_signal_lost(&d->rt->fb);
        osc_feedback_tick(&d->rt->ofb); /* act = 0, active = 0 at once */
    }
    if (st == SRC_STREAMING && old != SRC_STREAMING && old != SRC_IDLE) {
        session_rec_reconnect(&d->rec, d->samples);
        pipeline_reset(d->rt->pl);
        feedback_signal_back(&d->rt->fb);
    }
    send_heartbeat(d);
}

/* Muscle i's broken chain, said once in the log and to everyone (and again to each new subscriber). */
static void send_plugin_error(daemon_t *d, int i, const struct sockaddr_in *to)
{
    const cfg_muscle *m = &d->rt->cfg->muscles[i];
    char chain[300];
    size_t off = 0;
    for (int k = 0; k < m->n_filters && off < sizeof chain; k++)
        off += (size_t)snprintf(chain + off, sizeof chain - off, "%s -> ", m->filters[k].name);
    if (off < sizeof chain) snprintf(chain + off, sizeof chain - off, "%s -> %s", m->envelope.name, m->detector.name);
    char msg[500], path[96];
    snprintf(msg, sizeof msg,
             "muscle '%s': a plugin of its chain (%s, %s) gave NaN or infinity; the muscle is off (act 0) until the "
             "configuration is fixed and reloaded",
             m->name, chain, m->where);
    snprintf(path, sizeof path, "%s/%s", d->rt->addr.prefix, m->name);
    if (!to) LOGE("%s", msg);
    osc_sys_error(&d->rt->sys, to, path, "plugin_error", msg);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    daemon_t *d = arg;
    double now = clock_mono_s();
    do_tick(d);
    /* blocks flow but came too early for the tick: from now on, tick with them */
    if (now - d->last_frames_s < d->tick_period) d->tick_due = d->last_frames_s;
    tick_done(d, now);
}

static void do_tick(daemon_t *d)
{
    if (d->rt->fb.plugin_errors_new) {
        for (int i = 0; i < d->rt->fb.n; i++)
            if (d->rt->fb.plugin_errors_new >> i & 1u) send_plugin_error(d, i, NULL);
        d->rt->fb.plugin_errors_new = 0;
    }
    osc_feedback_tick(&d->rt->ofb);
    if (protocol_running(&d->proto) && d->ticks++ % 5 == 0) { /* relax warnings at a tenth of a second */
        int ex[CFG_PROTOCOL_MUSCLES];
        int k = protocol_relax_exceeded(&d->proto, &d->rt->fb, ex, CFG_PROTOCOL_MUSCLES);
        for (int j = 0; j < k; j++) osc_sys_relax(&d->rt->sys, ex[j], d->rt->fb.m[ex[j]].act);
    }
}

/* /emg/<m>/levels ff: where the detector's on and off levels lie on the activation scale, for displays. */
static void send_levels(daemon_t *d)
{
    for (int i = 0; i < d->rt->addr.n; i++) {
        double on, off;
        if (pipeline_levels(d->rt->pl, i, &on, &off) == 0) osc_sys_levels(&d->rt->sys, i, on, off);
    }
}

/* Each muscle's notch on "auto" decides the mains frequency from its signal: logged once per muscle, and
 * /sys/mains whenever the frequency decided differs from the last one sent. */
static void poll_mains(daemon_t *d)
{
    for (int i = 0; i < d->rt->addr.n; i++) {
        double hz;
        if (!pipeline_auto_value(d->rt->pl, i, &hz) || hz == d->mains_hz[i]) continue;
        d->mains_hz[i] = hz;
        LOGI("muscle '%s': mains detected at %g Hz; its notch now removes %g Hz only", d->rt->addr.names[i], hz, hz);
        session_rec_mains(&d->rec, i, hz);
        if (hz != d->mains_sent) {
            d->mains_sent = hz;
            osc_sys_mains(&d->rt->sys, hz);
        }
    }
}

/* The clinic's database: a line when it is reached or lost (never per attempt). */
static void poll_sync(daemon_t *d)
{
    pg_sync_status st;
    if (!d->sync || !pg_sync_poll(d->sync, &st)) return;
    if (st.connected)
        LOGI("session.database: connected; %lld rows copied so far, %d waiting", st.copied, st.pending);
    else
        LOGW("session.database unreachable: %s; sessions, calibrations and targets wait in the local store and go "
             "out when it is back",
             st.error);
}

static void sync_configure(daemon_t *d, const config *old)
{
    const config *c = d->rt->cfg;
    if (old && !strcmp(old->session.database, c->session.database) && !strcmp(old->session.dir, c->session.dir) &&
        !strcmp(old->session.station, c->session.station))
        return;
    pg_sync_stop(d->sync);
    d->sync = NULL;
    if (!c->session.database[0]) return;
    char err[300];
    d->sync = pg_sync_start(c->session.dir, c->session.database, c->session.station, err, sizeof err);
    if (!d->sync)
        LOGE("session.database: %s; only the local store keeps the history", err);
    else
        LOGI("session.database: station '%s' copies its history to the clinic's PostgreSQL", c->session.station);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    daemon_t *d = arg;
    sd_notify(0, "WATCHDOG=1"); /* the loop runs: a stuck one misses WatchdogSec and systemd restarts it */
    int gone = subs_expire(&d->subs, clock_mono_s());
    if (gone) LOGI("%d subscriber lease(s) expired", gone);
    send_heartbeat(d);
    send_levels(d);
    poll_mains(d);
    if (d->cal.kind != CAL_NONE && feedback_calibrating(&d->rt->fb)) send_calib_state(d, "running");
    if (protocol_running(&d->proto)) send_cue(d);
    char msg[1000];
    switch (session_rec_poll(&d->rec, msg, sizeof msg)) {
    case 1:
        LOGE("session record stopped: %s", msg);
        osc_sys_error(&d->rt->sys, NULL, d->rt->addr.ctl, "record_failed", msg);
        send_session_state(d);
        break;
    case 2:
        LOGI("%s", msg);
        pg_sync_kick(d->sync); /* the clinic's database gets it now */
        break;
    default: break;
    }
    poll_sync(d);
}

static int start_source(daemon_t *d)
{
    char err[600];
    source_sink sink = {on_frames, on_source_state, d};
    d->src = source_new(d->base, d->rt->cfg, d->rt->core.host, sink, err, sizeof err);
    if (!d->src) {
        LOGE("%s", err);
        return -1;
    }
    LOGI("source: %s", d->src->ops->describe(d->src));
    return 0;
}

/* The pipeline's sink: feedback, and a signal check while one runs. */
static void on_block(void *ctx, int m, const double *env, const double *act, uint32_t n, uint64_t first,
                     const mf_transition *tr, uint32_t n_tr)
{
    daemon_t *d = ctx;
    session_rec_env(&d->rec, m, env, n, first);
    feedback_block(&d->rt->fb, m, env, act, n, first, tr, n_tr);
}

static void on_filtered(void *ctx, int m, const double *x, uint32_t n, uint64_t first)
{
    daemon_t *d = ctx;
    feedback_filtered(&d->rt->fb, m, x, n, first);
    if (d->chk.running) check_filtered(&d->chk, m, x, n);
}

static void wire_runtime(daemon_t *d, const feedback *old_fb)
{
    runtime *rt = d->rt;
    rt->ofb = (osc_feedback){&d->out, &rt->addr, &rt->fb};
    rt->sys = (osc_sys){&d->out, &rt->addr};
    rt->osc_ev = osc_feedback_events(&rt->ofb);
    feedback_init(
        &rt->fb, rt->cfg, rt->fs,
        (feedback_events){.onset = ev_onset, .offset = ev_offset, .rep = ev_rep, .ctx = d, .repstat = ev_repstat},
        d->samples);
    rt->fb.calibrated = on_calibrated;
    rt->fb.calibrated_ctx = d;
    if (old_fb) feedback_carry_over(&rt->fb, old_fb);
    for (int i = 0; i < rt->fb.n; i++) pipeline_set_calibration(rt->pl, i, &rt->fb.m[i].cal);
    for (int i = 0; i < rt->fb.n; i++) feedback_set_spectrum(&rt->fb, i, &rt->spec[i]);
    pipeline_set_sink(rt->pl, (pipeline_sink){on_block, d, on_filtered});
    d->chk.running = 0;
    memset(d->mains_hz, 0, sizeof d->mains_hz); /* a new pipeline decides again */
    d->mains_sent = 0;
    osc_out_set_dests(&d->out, rt->cfg->osc.dest, rt->cfg->osc.n_dest);
    control_configure(d->ctl, rt->cfg, &rt->addr, &d->subs, &d->out, ctl_ops, d);
    failsafe_arm(control_fd(d->ctl), &d->subs, rt->cfg, &rt->addr);
    tick_start(d, rt->cfg->osc.rate_hz);
}

/* The same muscles, in the same order on the same channels, at the same rate: a record goes on across the reload. */
static int same_muscles(const runtime *a, const runtime *b)
{
    if (a->fs != b->fs || a->cfg->n_muscles != b->cfg->n_muscles || a->core.channels != b->core.channels) return 0;
    for (int i = 0; i < a->cfg->n_muscles; i++)
        if (strcmp(a->cfg->muscles[i].name, b->cfg->muscles[i].name) ||
            a->cfg->muscles[i].channel != b->cfg->muscles[i].channel)
            return 0;
    return 1;
}

static void reload(daemon_t *d)
{
    LOGI("SIGHUP: reloading %s", d->cfg_path ? d->cfg_path : "(built-in default)");
    sd_notify(0, "RELOADING=1");
    diag dg;
    diag_init(&dg);
    runtime *nrt = runtime_build(d->cfg_path, d->opt, d->exe_dir, &dg);
    if (!nrt) {
        for (int i = 0; i < dg.n; i++) LOGE("reload refused: %s", dg.msg[i]);
        LOGE("reload refused: keeping the running configuration; fix the file and send SIGHUP again");
        sd_notify(0, "READY=1");
        return;
    }
    control *nctl = d->ctl;
    const struct sockaddr_in *a = &d->rt->cfg->osc.control, *b = &nrt->cfg->osc.control;
    if (a->sin_addr.s_addr != b->sin_addr.s_addr || a->sin_port != b->sin_port) {
        char err[300];
        nctl = control_new(d->base, b, err, sizeof err);
        if (!nctl) {
            LOGE("reload refused: %s; keeping the running configuration", err);
            runtime_free(nrt);
            sd_notify(0, "READY=1");
            return;
        }
    }
    session_rec_reload(&d->rec, d->samples);
    if (d->rec.running && !same_muscles(d->rt, nrt)) { /* the file's signals are fixed: this record ends here */
        LOGW("reload: the muscles or the rate changed, so session %s ends here; start a new one",
             session_rec_id(&d->rec));
        record_stop(d, "reload changed the muscles");
    }
    source_free(d->src);
    d->src = NULL;
    if (protocol_running(&d->proto)) { /* its muscles and timings may have changed: it stops */
        LOGW("reload: protocol '%s' stopped; start it again", d->proto.p->name);
        protocol_stop(&d->proto, &d->rt->fb);
        d->proto.phase = PH_DONE;
        send_cue(d);
        if (d->rec.by_protocol) record_stop(d, "reload stopped the protocol");
    }
    runtime *old = d->rt;
    d->rt = nrt;
    if (nctl != d->ctl) {
        control_free(d->ctl);
        d->ctl = nctl;
        osc_out_init(&d->out, control_fd(nctl), &d->subs);
    }
    wire_runtime(d, &old->fb);
    if (strcmp(old->cfg->session.dir, nrt->cfg->session.dir) != 0) { /* another store: its patient */
        patient_close(&d->pat);
        if (patient_open(&d->pat, nrt->cfg) != 0) LOGE("session store: %s; nothing is kept", d->pat.store_error);
        char perr[400];
        int stored = patient_load(&d->pat, &d->rt->fb, nrt->cfg, perr, sizeof perr);
        if (stored < 0) LOGE("patient '%s': %s", d->pat.id, perr);
        patient_loaded(d, stored < 0 ? 0 : stored);
    }
    sync_configure(d, old->cfg);
    runtime_free(old);
    d->state = SRC_IDLE;
    if (start_source(d) != 0) on_source_state(d, SRC_ERROR, "source could not start after reload");
    osc_sys_muscles(&d->rt->sys, NULL);
    for (int i = 0; i < d->rt->addr.n; i++) send_threshold(d, i, NULL);
    LOGI("reloaded: %d muscles", d->rt->addr.n);
    sd_notify(0, "READY=1");
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    daemon_t *d = arg;
    if (sig == SIGHUP) {
        reload(d);
        return;
    }
    LOGI("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    event_base_loopexit(d->base, NULL);
}

/* ---------------------------------------------------------------------------------------------- */

int daemon_check(const char *cfg_path, const cli_opts *o, const char *exe_dir)
{
    diag dg;
    diag_init(&dg);
    runtime *rt = runtime_build(cfg_path, o, exe_dir, &dg);
    if (!rt) {
        diag_print(&dg);
        return 1;
    }
    printf("%s: configuration OK: %s source, %d muscles, %g Hz, control %s:%d\n", rt->cfg->path,
           source_type_names[rt->cfg->source.type], rt->cfg->n_muscles, rt->fs,
           inet_ntoa(rt->cfg->osc.control.sin_addr), ntohs(rt->cfg->osc.control.sin_port));
    runtime_free(rt);
    return 0;
}

int daemon_run(const char *cfg_path, const cli_opts *o, const char *exe_dir)
{
    daemon_t *d = calloc(1, sizeof *d);
    if (!d) {
        LOGE("out of memory starting the daemon; free memory and start again");
        return 2;
    }
    d->opt = o;
    d->cfg_path = cfg_path;
    snprintf(d->exe_dir, sizeof d->exe_dir, "%s", exe_dir);
    int rc = 1;
    diag dg;
    diag_init(&dg);
    d->rt = runtime_build(cfg_path, o, exe_dir, &dg);
    if (!d->rt) {
        diag_print(&dg);
        goto out;
    }
    LOGI("myofeedd %s: %s, %d muscles", MYOFEED_VERSION, d->rt->cfg->path, d->rt->addr.n);
    rc = 2;
    signal(SIGPIPE, SIG_IGN);
    d->base = event_base_new();
    if (!d->base) {
        LOGE("cannot create the event loop (libevent); out of memory or file descriptors");
        goto out;
    }
    char err[300];
    d->ctl = control_new(d->base, &d->rt->cfg->osc.control, err, sizeof err);
    if (!d->ctl) {
        LOGE("%s", err);
        goto out;
    }
    osc_out_init(&d->out, control_fd(d->ctl), &d->subs);
    if (o->user) { /* the socket is bound: nothing else needs root (the serial port needs the user's dialout group) */
        char perr[300];
        if (privdrop_to(o->user, perr, sizeof perr) != 0) {
            LOGE("%s", perr);
            rc = 1;
            goto out;
        }
        LOGI("running as user '%s' (uid %u, gid %u) from now on", o->user, (unsigned)getuid(), (unsigned)getgid());
    }
    d->tick = event_new(d->base, -1, EV_PERSIST, on_tick, d);
    d->hb = event_new(d->base, -1, EV_PERSIST, on_heartbeat, d);
    d->sig_int = evsignal_new(d->base, SIGINT, on_signal, d);
    d->sig_term = evsignal_new(d->base, SIGTERM, on_signal, d);
    d->sig_hup = evsignal_new(d->base, SIGHUP, on_signal, d);
    if (!d->tick || !d->hb || !d->sig_int || !d->sig_term || !d->sig_hup) {
        LOGE("cannot create the timer and signal events (libevent); out of memory");
        goto out;
    }
    failsafe_install();
    event_add(d->sig_int, NULL);
    event_add(d->sig_term, NULL);
    event_add(d->sig_hup, NULL);
    struct timeval one_s = {1, 0};
    event_add(d->hb, &one_s);
    wire_runtime(d, NULL);
    if (patient_open(&d->pat, d->rt->cfg) != 0)
        LOGE("session store: %s; calibrations and targets are not kept until this is fixed (the stream goes on)",
             d->pat.store_error);
    char perr[400];
    int stored = patient_load(&d->pat, &d->rt->fb, d->rt->cfg, perr, sizeof perr);
    if (stored < 0) LOGE("patient '%s': %s", d->pat.id, perr);
    patient_loaded(d, stored < 0 ? 0 : stored);
    if (d->pat.st) {
        char e[400];
        int k = history_interrupted(d->pat.st, d->rt->cfg->session.station, e, sizeof e);
        if (k > 0)
            LOGW("%d session(s) of this station were still recording when the daemon last stopped; they are marked "
                 "interrupted (their recordings are valid up to about a second before; 'myofeed-sessions list')",
                 k);
        else if (k < 0)
            LOGW("history: %s", e);
    }
    sync_configure(d, NULL);
    if (d->rt->cfg->osc.allow_remote)
        LOGW("osc.allow_remote = true: control messages are accepted from beyond this machine (osc.allow) and state "
             "changes from osc.admin; keep both lists as narrow as the clinic's network");
    LOGI("control on %s:%d, %d static destination(s), frames at %g Hz", inet_ntoa(d->rt->cfg->osc.control.sin_addr),
         ntohs(d->rt->cfg->osc.control.sin_port), d->rt->cfg->osc.n_dest, d->rt->cfg->osc.rate_hz);
    if (start_source(d) != 0) goto out;
    osc_sys_muscles(&d->rt->sys, NULL);
    /* systemd (Type=notify): ready now, and alive at every heartbeat; no-ops without a service manager */
    sd_notifyf(0, "READY=1\nSTATUS=%d muscles, control on %s:%d", d->rt->addr.n,
               inet_ntoa(d->rt->cfg->osc.control.sin_addr), ntohs(d->rt->cfg->osc.control.sin_port));
    event_base_dispatch(d->base);
    sd_notify(0, "STOPPING=1");
    record_stop(d, "the daemon stops");
    for (char msg[1000]; d->rec.fin;) { /* nothing lost: the record is closed, its summary and report written */
        if (session_rec_poll(&d->rec, msg, sizeof msg) == 2)
            LOGI("%s", msg);
        else
            usleep(20 * 1000);
    }
    if (d->sync) LOGI("session.database: a last copy before stopping");
    pg_sync_stop(d->sync); /* what could not go out waits in the local store for the next start */
    d->sync = NULL;
    feedback_signal_lost(&d->rt->fb); /* clients see act = 0, active = 0 before we go */
    osc_feedback_tick(&d->rt->ofb);
    LOGI("stopped cleanly (%llu samples processed, %llu datagrams sent)", (unsigned long long)d->samples,
         (unsigned long long)d->out.sent);
    rc = 0;
out:
    session_rec_shutdown(&d->rec);
    pg_sync_stop(d->sync);
    source_free(d->src);
    if (d->tick) event_free(d->tick);
    if (d->hb) event_free(d->hb);
    if (d->sig_int) event_free(d->sig_int);
    if (d->sig_term) event_free(d->sig_term);
    if (d->sig_hup) event_free(d->sig_hup);
    control_free(d->ctl);
    patient_close(&d->pat);
    runtime_free(d->rt);
    if (d->base) event_base_free(d->base);
    free(d);
    report_cleanup(); /* every finishing has ended: no more drawing */
    return rc;
}

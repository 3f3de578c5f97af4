/* test_session.c: targets and repetitions on the synthetic patient run fast through the real default pipeline
 * and feedback; the session store (SQLite): patients, calibrations in force, targets, schema version, reopening;
 * the patient in the chair: load, switch, keep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "config/config.h"
#include "pipeline/feedback.h"
#include "pipeline/pipeline.h"
#include "session/check.h"
#include "session/patient.h"
#include "session/protocol.h"
#include "session/store.h"
#include "sources/reader.h"
#include "sources/synth_patient.h"

#define FS 2000.0
#define NC 4

typedef struct run {
    config *c;
    plugin_host *h;
    pipeline *p;
    feedback fb;
    synth_patient *sp;
    uint64_t samples;
    int reps[NC];     /* reps counted */
    double rep_t[NC]; /* time of the last rep, s */
    int onsets[NC];
    spectrum spec[NC];
    int n_stats[NC];
    fb_repstat stats[NC][8];
} run;

static void ev_onset(void *ctx, int m, int32_t seq, uint64_t sample, uint64_t decided)
{
    (void)seq, (void)sample, (void)decided;
    ((run *)ctx)->onsets[m]++;
}
static void ev_repstat(void *ctx, int m, const fb_repstat *st)
{
    run *r = ctx;
    if (r->n_stats[m] < 8) r->stats[m][r->n_stats[m]++] = *st;
}

static void ev_rep(void *ctx, int m, int32_t count, uint64_t sample)
{
    run *r = ctx;
    r->reps[m] = count;
    r->rep_t[m] = (double)sample / FS;
}

static void start(run *r)
{
    memset(r, 0, sizeof *r);
    diag d;
    diag_init(&d);
    r->c = config_load(NULL, NULL, 0, ".", &d);
    assert_non_null(r->c);
    r->h = built_in_plugins();
    assert_non_null(r->h);
    r->p = pipeline_build(r->c, r->h, FS, NC, &d);
    assert_non_null(r->p);
    feedback_init(&r->fb, r->c, FS, (feedback_events){ev_onset, NULL, ev_rep, r, ev_repstat}, 0);
    char err[200];
    for (int i = 0; i < NC; i++) {
        assert_int_equal(spectrum_init(&r->spec[i], FS, err, sizeof err), 0);
        feedback_set_spectrum(&r->fb, i, &r->spec[i]);
    }
    pipeline_set_sink(r->p, (pipeline_sink){feedback_block, &r->fb, feedback_filtered});
    r->sp = synth_new(NC, FS, 1, 50.0);
}

static void stop(run *r)
{
    for (int i = 0; i < NC; i++) spectrum_free(&r->spec[i]);
    synth_free(r->sp);
    pipeline_free(r->p);
    plugin_host_free(r->h);
    config_free(r->c);
}

/* Runs the synthetic patient until t_s. */
static void until(run *r, double t_s)
{
    static double frames[512 * NC];
    while ((double)r->samples < t_s * FS) {
        synth_generate(r->sp, frames, 512);
        pipeline_process(r->p, frames, 512, r->samples);
        r->samples += 512;
    }
}

static void calibrated(void *ctx, int m, cal_kind kind, int ok, const char *code, const char *why)
{
    run *r = ctx;
    (void)kind, (void)why, (void)code;
    assert_true(ok);
    pipeline_set_calibration(r->p, m, &r->fb.m[m].cal);
}

/* Rest of every muscle over 0.5-1.5 s, then each one's MVC while it contracts (curls 2-5 and 6.5-9.5 s, bridge
 * 11-16 s). */
static void calibrate_all(run *r)
{
    r->fb.calibrated = calibrated;
    r->fb.calibrated_ctx = r;
    until(r, 0.5);
    feedback_calibrate(&r->fb, -1, CAL_REST, 1.0);
    until(r, 2.5);
    feedback_calibrate(&r->fb, 0, CAL_MVC, 2.0);
    until(r, 7.0);
    feedback_calibrate(&r->fb, 1, CAL_MVC, 2.0);
    until(r, 11.5);
    feedback_calibrate(&r->fb, 2, CAL_MVC, 2.0);
    feedback_calibrate(&r->fb, 3, CAL_MVC, 2.0);
    until(r, 14.0);
    for (int i = 0; i < NC; i++) assert_true(r->fb.m[i].cal.mvc_uv > 3 * r->fb.m[i].cal.rest_uv);
}

/* At a 20 % MVC target the glute bridge (31-36 s, the hamstrings co-contract at about a tenth) gives glute reps
 * and no hamstring reps; the hamstrings' co-contraction is still a contraction (onsets). */
static void test_no_rep_below_the_target(void **st)
{
    (void)st;
    run r;
    start(&r);
    calibrate_all(&r);
    for (int i = 0; i < NC; i++) feedback_set_target(&r.fb, i, 1, 20, 60);
    double lo, hi;
    assert_int_equal(feedback_target_act(&r.fb, 2, &lo, &hi), 1);
    assert_true(lo == 0.2 && hi == 0.6);
    until(&r, 30.0);
    int reps0[NC], onsets0[NC];
    memcpy(reps0, r.reps, sizeof reps0);
    memcpy(onsets0, r.onsets, sizeof onsets0);
    until(&r, 37.0);
    assert_int_equal(r.reps[2] - reps0[2], 1); /* glutes: one rep each, during the hold */
    assert_int_equal(r.reps[3] - reps0[3], 1);
    assert_true(r.rep_t[2] > 31.0 && r.rep_t[2] < 32.5);
    assert_int_equal(r.reps[0] - reps0[0], 0); /* hamstrings: none */
    assert_int_equal(r.reps[1] - reps0[1], 0);
    /* and the same patient's curls (22-25 s, 26.5-29.5 s) were hamstring reps at that target */
    assert_true(reps0[0] >= 1 && reps0[1] >= 1);
    stop(&r);
}

/* After each rep its statistics: peak and mean % MVC, time to target, and the median frequency of the filtered
 * signal (the synthetic patient's EMG is noise band-passed 20-350 Hz); lanes or not, the same numbers. */
static void test_repstat_after_each_rep(void **st)
{
    (void)st;
    fb_repstat first[2][NC];
    for (int lanes = 1; lanes >= 0; lanes--) {
        run r;
        start(&r);
        assert_int_equal(pipeline_use_lanes(r.p, lanes), 0);
        calibrate_all(&r);
        for (int i = 0; i < NC; i++) feedback_set_target(&r.fb, i, 1, 20, 60);
        memset(r.n_stats, 0, sizeof r.n_stats);
        feedback_reps_reset(&r.fb, -1); /* a new set: reps and the fatigue trend from 1 */
        until(&r, 57.0);                /* two more cycles: curls at 22-25 and 42-45 s, bridges at 31-36 and 51-56 s */
        for (int m = 0; m < NC; m++) {
            assert_true(r.n_stats[m] >= 2 && r.n_stats[m] <= 3);
            const fb_repstat *a = &r.stats[m][0], *b = &r.stats[m][1];
            assert_true(a->rep == 1 && b->rep == 2);
            assert_true(a->peak_pct > 60 && a->peak_pct <= 100);
            assert_true(a->mean_pct > 20 && a->mean_pct < a->peak_pct);
            assert_true(a->time_to_target_s >= 0 && a->time_to_target_s < 4);
            assert_true(b->time_to_target_s >= 0 && b->time_to_target_s < 0.5);
            assert_true(a->median_hz > 60 && a->median_hz < 250 && a->mean_hz > 60 && a->mean_hz < 250);
            assert_true(a->fatigue_hz_per_rep == 0 && b->fatigue_hz_per_rep != 0); /* a trend from two reps on */
            assert_true(fabs(b->fatigue_hz_per_rep - (b->median_hz - a->median_hz)) < 1e-3);
            first[lanes][m] = *a;
        }
        stop(&r);
    }
    for (int m = 0; m < NC; m++) {
        const fb_repstat *a = &first[0][m], *b = &first[1][m];
        assert_true(a->rep == b->rep && a->sample == b->sample && a->peak_pct == b->peak_pct &&
                    a->mean_pct == b->mean_pct && a->time_to_target_s == b->time_to_target_s);
        assert_true(a->median_hz == b->median_hz && a->mean_hz == b->mean_hz); /* the same filtered bits */
    }
}

/* Without a target band (no target, or no MVC yet), a contraction held rep_hold_s is a rep: the hamstrings'
 * co-contraction in the bridge counts. This is the old rule the target replaces. */
static void test_without_a_band_a_held_contraction_is_a_rep(void **st)
{
    (void)st;
    run r;
    start(&r);
    for (int i = 0; i < NC; i++) feedback_set_target(&r.fb, i, 1, 20, 60); /* set, but no MVC: not in force */
    double lo, hi;
    assert_int_equal(feedback_target_act(&r.fb, 0, &lo, &hi), 0);
    assert_true(lo == 0 && hi == 0);
    until(&r, 17.0);
    assert_true(r.reps[2] == 1 && r.reps[3] == 1);
    assert_true(r.reps[0] >= 1 && r.reps[1] >= 1);
    stop(&r);
}

/* A rest calibration is refused with not_at_rest when the muscle contracts in it, and the old one stays. */
typedef struct verdicts {
    int n, ok;
    char code[32], why[400];
} verdicts;

static void note(void *ctx, int m, cal_kind kind, int ok, const char *code, const char *why)
{
    (void)m, (void)kind;
    verdicts *v = ctx;
    v->n++;
    v->ok = ok;
    snprintf(v->code, sizeof v->code, "%s", code);
    snprintf(v->why, sizeof v->why, "%s", why);
}

static void test_rest_calibration_while_contracting_is_refused_generated(void **st)
{
    (void)st;
    run r;
    start(&r);
    verdicts v = {0};
    r.fb.calibrated = note;
    r.fb.calibrated_ctx = &v;
    until(&r, 0.5);
    feedback_calibrate(&r.fb, 0, CAL_REST, 1.0); /* at rest: accepted */
    until(&r, 1.6);
    assert_int_equal(v.n, 1);
    assert_true(v.ok);
    mf_calibration before = r.fb.m[0].cal;
    assert_true(before.rest_uv > 0 && before.rest_uv < 5);
    until(&r, 2.6);
    feedback_calibrate(&r.fb, 0, CAL_REST, 2.0); /* the left curl holds 2-5 s: refused */
    until(&r, 4.7);
    assert_int_equal(v.n, 2);
    assert_false(v.ok);
    assert_string_equal(v.code, "not_at_rest");
    assert_non_null(strstr(v.why, "muscle 'hamstring_left' contracted during the rest calibration"));
    assert_true(r.fb.m[0].cal.rest_uv == before.rest_uv && r.fb.m[0].cal.rest_sd_uv == before.rest_sd_uv);
    feedback_calibrate(&r.fb, 0, CAL_REST, 2.0); /* the curl ends at 5 s inside this one: a burst, refused */
    until(&r, 6.8);
    assert_int_equal(v.n, 3);
    assert_string_equal(v.code, "not_at_rest");
    stop(&r);
}

/* The same on a real recording: UCI 5Npie, biceps femoris, during a standing knee flexion (6.49-8.37 s by the
 * knee goniometer); and accepted on BioSPPy's rest recording. */
static void calibrate_recording(const char *file, int column, double scale, double at, double secs, verdicts *v)
{
    const char *data = getenv("MYOFEED_DATA_DIR");
    if (!data) fail_msg("set MYOFEED_DATA_DIR to ../shared/data/emg (ctest does)");
    char path[600], err[600];
    snprintf(path, sizeof path, "%s/%s", data, file);
    cfg_column col = {column, ""};
    reader *rd = reader_open(path, &col, 1, scale, 1000.0, err, sizeof err);
    if (!rd) fail_msg("%s", err);
    double fs = reader_rate(rd);
    diag d;
    diag_init(&d);
    config *c = config_load(NULL, NULL, 0, ".", &d);
    c->n_muscles = 1;
    plugin_host *h = built_in_plugins();
    pipeline *p = pipeline_build(c, h, fs, 1, &d);
    assert_non_null(p);
    feedback fb;
    feedback_init(&fb, c, fs, (feedback_events){0}, 0);
    fb.calibrated = note;
    fb.calibrated_ctx = v;
    pipeline_set_sink(p, (pipeline_sink){feedback_block, &fb});
    double x[1000];
    uint64_t n = 0;
    uint32_t got;
    int started = 0;
    while ((got = reader_read(rd, x, 250)) > 0) {
        if (!started && (double)n >= at * fs) feedback_calibrate(&fb, 0, CAL_REST, secs), started = 1;
        pipeline_process(p, x, got, n);
        n += got;
    }
    reader_close(rd);
    pipeline_free(p);
    plugin_host_free(h);
    config_free(c);
}

static void test_rest_calibration_while_contracting_is_refused_real(void **st)
{
    (void)st;
    verdicts v = {0};
    calibrate_recording("uci_lower_limb/5Npie.txt", 2, 1000.0, 6.6, 1.5, &v); /* mV to uV */
    assert_int_equal(v.n, 1);
    assert_false(v.ok);
    assert_string_equal(v.code, "not_at_rest");
    memset(&v, 0, sizeof v);
    calibrate_recording("biosppy/emg.txt", 1, 1.0, 5.0, 5.0, &v); /* its first 35 s are rest */
    assert_int_equal(v.n, 1);
    assert_true(v.ok);
}

/* A protocol with a band in force: the synthetic patient follows its cues (as the daemon tells it), every fourth
 * attempt falls short with the hamstrings taking over: that attempt is no rep, and the hamstrings, which must stay
 * relaxed in a glute bridge, are reported above their limit. */
static void follow_cues(run *r, const protocol_run *pr)
{
    double level[NC] = {0};
    if (pr->p && pr->phase == PH_WORK) {
        int fails = pr->attempts % 4 == 0;
        for (int k = 0; k < pr->n_relax; k++) level[pr->relax[k]] = fails ? 0.5 : 0.03;
        for (int i = 0; i < NC; i++)
            if (pr->now_mask >> i & 1u) level[i] = fails ? 0.06 : 0.6;
    }
    synth_follow(r->sp, pr->p != NULL, level, NC);
}

static void test_a_protocol_with_a_band(void **st)
{
    (void)st;
    run r;
    start(&r);
    calibrate_all(&r);
    until(&r, 17.0); /* the cycle's bridge ends */
    const cfg_protocol *gb = config_protocol(r.c, "glute_bridge");
    assert_non_null(gb);
    assert_true(r.c->protocols_builtin && r.c->n_protocols == 5);
    protocol_run pr = {0};
    char err[300];
    feedback_set_target(&r.fb, 2, 1, 30, 70); /* the glute's own band, for after the protocol */
    assert_int_equal(protocol_start(&pr, gb, &r.fb, FS, r.samples, err, sizeof err), 0);
    assert_int_equal(protocol_start(&pr, gb, &r.fb, FS, r.samples, err, sizeof err), -1); /* one at a time */
    double lo, hi;
    assert_int_equal(feedback_target_act(&r.fb, 2, &lo, &hi), 1);
    assert_true(lo == 0.2 && hi == 0.6); /* the protocol's band */
    follow_cues(&r, &pr);
    int relax_work_phases = 0, works = 0, saw_relax = 0;
    memset(r.reps, 0, sizeof r.reps);
    while (pr.p && r.samples < (uint64_t)(400 * FS)) {
        until(&r, (double)r.samples / FS + 0.05);
        protocol_step s = protocol_advance(&pr, &r.fb, r.samples);
        int ex[8];
        if (protocol_relax_exceeded(&pr, &r.fb, ex, 8) > 0) saw_relax = 1;
        if (s.work_ended) {
            works++;
            relax_work_phases += saw_relax;
            saw_relax = 0;
            assert_int_equal(s.n_pairs, 1);
            assert_string_equal(s.pair[0], "glute");
            assert_true(s.has_coactivation);
        }
        if (s.changed) follow_cues(&r, &pr);
    }
    assert_null(pr.p); /* done */
    assert_int_equal(works, 20);
    assert_int_equal(pr.attempts, 20);
    assert_int_equal(pr.successes, 15); /* every fourth attempt falls short */
    assert_int_equal(r.reps[2], 15);
    assert_int_equal(r.reps[3], 15);
    assert_int_equal(r.reps[0], 0); /* the hamstrings never count in a glute bridge */
    assert_int_equal(relax_work_phases, 5);
    /* the muscles have their own band and hold back */
    assert_int_equal(feedback_target_act(&r.fb, 2, &lo, &hi), 1);
    assert_true(lo == 0.3 && hi == 0.7 && r.fb.m[2].rep_hold_s == 0.5);
    assert_int_equal(feedback_target_act(&r.fb, 3, &lo, &hi), 0); /* it had none */
    assert_false(r.fb.gate_on);
    stop(&r);
}

/* The signal check's verdicts on made signals: rest noise (good), a flat line (lead_off), a clipping amplifier
 * (saturated), strong hum (mains), too much noise at rest (check_electrode). Raw and "filtered" here are the same
 * made signal with its hum or offset where it belongs. */
static void test_signal_check_verdicts(void **st)
{
    (void)st;
    diag d;
    diag_init(&d);
    config *c = config_load(NULL, NULL, 0, ".", &d);
    c->n_muscles = 4;
    const char *want[5][2] = {{"good", ""},
                              {"lead_off", "check that the electrodes on m1 are connected"},
                              {"saturated", "clipped; check the electrode on m2"},
                              {"mains", "50 Hz hum"},
                              {"check_electrode", "check the electrode on m4"}};
    for (int v = 0; v < 5; v++) {
        check k;
        check_start(&k, c, FS, 2.0);
        uint64_t rng = 99 + (uint64_t)v;
        static double frames[512 * 4], filt[512];
        int done = 0;
        for (uint64_t t = 0; !done; t += 512) {
            for (int i = 0; i < 512; i++) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                double g = ((double)(rng >> 11) / 9007199254740992.0 - 0.5) * 3.4; /* ~1 uV RMS */
                double x = g, f = g, tt = (double)(t + (uint64_t)i) / FS;
                if (v == 1) x = f = 0; /* nothing connected */
                if (v == 2) {          /* an amplifier that clips at +-50 uV on a strong contraction */
                    x = 80 * g;
                    x = x > 50 ? 50 : x < -50 ? -50 : x;
                    f = x;
                }
                if (v == 3) x += 60 * sin(2 * M_PI * 50 * tt);
                if (v == 4) x = f = 15 * g;
                for (int m = 0; m < 4; m++) frames[i * 4 + m] = x;
                filt[i] = f;
            }
            for (int m = 0; m < 4; m++) check_filtered(&k, m, filt, 512);
            done = check_frames(&k, frames, 512, 4);
        }
        char name[8];
        snprintf(name, sizeof name, "m%d", v);
        check_result r = check_result_of(&k, 0, name);
        assert_string_equal(r.verdict, want[v][0]);
        assert_non_null(strstr(r.advice, want[v][1]));
        if (v == 0) assert_true(r.noise_uv > 0.7 && r.noise_uv < 1.3 && r.clipped_pct == 0 && r.mains_ratio < 1);
        if (v == 3) assert_true(r.mains_hz == 50 && fabs(r.mains_ratio - 60 / sqrt(2) / r.noise_uv) < 1);
    }
    config_free(c);
}

/* freq_hz = "auto" (the default chain's notch): the synthetic patient's hum at 50 or 60 Hz is detected within a few
 * seconds; until then both are notched, so the hum is gone from the first second on either way. */
typedef struct hum {
    double sumsq;
    uint64_t n, from, to;
} hum;

static void hum_filtered(void *ctx, int m, const double *x, uint32_t n, uint64_t first)
{
    hum *h = ctx;
    for (uint32_t i = 0; i < n; i++)
        if (m == 0 && first + i >= h->from && first + i < h->to) h->sumsq += x[i] * x[i], h->n++;
}

static void hum_block(void *ctx, int m, const double *env, const double *act, uint32_t n, uint64_t first,
                      const mf_transition *tr, uint32_t n_tr)
{
    (void)ctx, (void)m, (void)env, (void)act, (void)n, (void)first, (void)tr, (void)n_tr;
}

static void test_mains_is_detected(void **st)
{
    (void)st;
    for (int f = 0; f < 2; f++) {
        double mains = f ? 60.0 : 50.0;
        diag d;
        diag_init(&d);
        config *c = config_load(NULL, NULL, 0, ".", &d);
        plugin_host *h = built_in_plugins();
        pipeline *p = pipeline_build(c, h, FS, NC, &d);
        assert_non_null(p);
        hum hm = {0, 0, (uint64_t)(0.5 * FS), (uint64_t)(1.5 * FS)};
        pipeline_set_sink(p, (pipeline_sink){hum_block, &hm, hum_filtered});
        synth_patient *sp = synth_new(NC, FS, 1, mains);
        static double frames[512 * NC];
        double hz = 0;
        uint64_t s = 0;
        for (; s < (uint64_t)(6 * FS); s += 512) {
            synth_generate(sp, frames, 512);
            pipeline_process(p, frames, 512, s);
            if (pipeline_auto_value(p, 0, &hz)) break;
        }
        assert_true(hz == mains);
        assert_true((double)s / FS < 4.5); /* decided within two 2 s windows */
        for (int m = 1; m < NC; m++) assert_true(pipeline_auto_value(p, m, &hz) == 1 && hz == mains);
        /* undecided at 0.5-1.5 s, and still the 20 uV hum is gone: the filtered rest is the EMG noise alone */
        assert_true(sqrt(hm.sumsq / (double)hm.n) < 3.0);
        synth_free(sp);
        pipeline_free(p);
        plugin_host_free(h);
        config_free(c);
    }
}

/* ---------------------------------------------------------------------------------------------- */

static char *scratch(void)
{
    char *dir = strdup("/tmp/myofeed-store-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void test_store_keeps_calibrations_and_targets(void **st)
{
    (void)st;
    char *dir = scratch(), sub[300], err[400];
    snprintf(sub, sizeof sub, "%s/store", dir);
    store *s = store_open(sub, err, sizeof err);
    assert_non_null(s);
    struct stat sb;
    assert_int_equal(stat(sub, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(stat(store_path(s), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    store_calib c;
    assert_int_equal(store_load_calibration(s, "anna", "glute_left", &c, err, sizeof err), 0);
    assert_int_equal(store_save_calibration(s, "anna", "glute_left", "rest", 3.5, 0.7, 0, err, sizeof err), 0);
    assert_int_equal(store_save_calibration(s, "anna", "glute_left", "mvc", 3.5, 0.7, 180, err, sizeof err), 0);
    assert_int_equal(store_save_calibration(s, "anna", "glute_left", "rest", 4.0, 0.8, 0, err, sizeof err), 0);
    assert_int_equal(store_load_calibration(s, "anna", "glute_left", &c, err, sizeof err), 1);
    assert_true(c.rest_uv == 4.0 && c.rest_sd_uv == 0.8 && c.mvc_uv == 180); /* the latest of each */
    assert_true(strlen(c.rest_at) == 20 && c.rest_at[10] == 'T' && c.mvc_at[0] == '2');
    assert_int_equal(store_load_calibration(s, "bob", "glute_left", &c, err, sizeof err), 0);
    double lo, hi;
    assert_int_equal(store_load_target(s, "anna", "glute_left", &lo, &hi, err, sizeof err), 0);
    assert_int_equal(store_save_target(s, "anna", "glute_left", 20, 50, err, sizeof err), 0);
    assert_int_equal(store_save_target(s, "anna", "glute_left", 25, 55, err, sizeof err), 0);
    assert_int_equal(store_load_target(s, "anna", "glute_left", &lo, &hi, err, sizeof err), 1);
    assert_true(lo == 25 && hi == 55);
    assert_int_equal(store_patient(s, "../etc", err, sizeof err), -1);
    assert_non_null(strstr(err, "patient id '../etc'"));
    store_close(s);
    /* reopened: everything is there, and the schema is at its version */
    s = store_open(sub, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(store_load_calibration(s, "anna", "glute_left", &c, err, sizeof err), 1);
    assert_true(c.mvc_uv == 180);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(store_path(s), &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), STORE_SCHEMA_VERSION);
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    /* a store from a newer myofeedd is refused, not damaged */
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    store_close(s);
    assert_null(store_open(sub, err, sizeof err));
    assert_non_null(strstr(err, "schema version 99 is newer"));
    /* a file where the folder should be */
    char file[320];
    snprintf(file, sizeof file, "%s/myofeed.db", sub);
    assert_null(store_open(file, err, sizeof err));
    assert_non_null(strstr(err, "session.dir"));
    free(dir);
}

static void test_the_patient_in_the_chair(void **st)
{
    (void)st;
    char *dir = scratch(), err[400], ov_dir[320];
    snprintf(ov_dir, sizeof ov_dir, "session.dir=%s", dir);
    const char *ov[] = {ov_dir, "muscles.[2].target_pct=15"}; /* -o cannot set an array: refused with a reason */
    diag d;
    diag_init(&d);
    assert_null(config_load(NULL, ov, 2, ".", &d));
    assert_true(diag_has(&d, "-o muscles.[2].target_pct=15", "muscles.[2].target_pct must be [ low, high ]",
                         (const char *)NULL));
    diag_init(&d);
    config *c = config_load(NULL, ov, 1, ".", &d);
    assert_non_null(c);
    assert_string_equal(c->session.patient, "default");
    patient p;
    assert_int_equal(patient_open(&p, c), 0);
    feedback fb;
    feedback_init(&fb, c, FS, (feedback_events){0}, 0);
    assert_int_equal(patient_load(&p, &fb, c, err, sizeof err), 0);
    fb.m[1].cal = (mf_calibration){2.0, 90.0, 0.5};
    assert_int_equal(patient_save_calibration(&p, &fb, 1, CAL_REST, err, sizeof err), 0);
    assert_int_equal(patient_save_calibration(&p, &fb, 1, CAL_MVC, err, sizeof err), 0);
    feedback_set_target(&fb, 1, 1, 30, 70);
    assert_int_equal(patient_save_target(&p, &fb, 1, err, sizeof err), 0);
    /* another patient has nothing; back again, all is there */
    assert_int_equal(patient_switch(&p, "p-002", &fb, c, err, sizeof err), 0);
    assert_true(fb.m[1].cal.mvc_uv == 0 && !fb.m[1].has_target);
    assert_int_equal(patient_switch(&p, "default", &fb, c, err, sizeof err), 1);
    assert_true(fb.m[1].cal.rest_uv == 2.0 && fb.m[1].cal.mvc_uv == 90.0 && fb.m[1].cal.rest_sd_uv == 0.5);
    assert_true(fb.m[1].has_target && fb.m[1].target_lo_pct == 30 && fb.m[1].target_hi_pct == 70);
    patient_close(&p);
    config_free(c);
    /* a store that cannot be opened: the patient keeps nothing, and says why */
    char bad[400];
    snprintf(bad, sizeof bad, "session.dir=%s/no/such/parent", dir);
    const char *ov2[] = {bad};
    diag_init(&d);
    c = config_load(NULL, ov2, 1, ".", &d);
    assert_int_equal(patient_open(&p, c), -1);
    assert_non_null(strstr(p.store_error, "cannot create the session folder"));
    feedback_init(&fb, c, FS, (feedback_events){0}, 0);
    assert_int_equal(patient_load(&p, &fb, c, err, sizeof err), 0);
    assert_int_equal(patient_save_calibration(&p, &fb, 0, CAL_REST, err, sizeof err), -1);
    assert_non_null(strstr(err, "not kept"));
    config_free(c);
    free(dir);
}

/* target_pct in the configuration: the band used until the patient has one; bad bands are refused with FILE:LINE. */
static void test_configured_targets(void **st)
{
    (void)st;
    diag d;
    diag_init(&d);
    config *c = config_load(write_temp("t.cfg", default_with("channel = 3;", "channel = 3; target_pct = [ 25, 75 ];")),
                            NULL, 0, ".", &d);
    assert_non_null(c);
    assert_true(c->muscles[2].has_target && c->muscles[2].target_lo_pct == 25 && c->muscles[2].target_hi_pct == 75);
    assert_false(c->muscles[0].has_target);
    config_free(c);
    diag_init(&d);
    assert_null(config_load(write_temp("t.cfg", default_with("channel = 3;", "channel = 3; target_pct = [ 80, 20 ];")),
                            NULL, 0, ".", &d));
    assert_true(diag_has(&d, "t.cfg:", "muscles.[2].target_pct must be [ low, high ]", (const char *)NULL));
    diag_init(&d);
    assert_null(config_load(write_temp("t.cfg", default_with("patient = \"default\";", "patient = \"../x\";")), NULL, 0,
                            ".", &d));
    assert_true(diag_has(&d, "session.patient \"../x\" must be", (const char *)NULL));
    /* a protocol of the file's own: checked, and its muscles must be configured */
    diag_init(&d);
    c = config_load(write_temp("t.cfg", default_with("protocols = (", "protocols = ( { name = \"bridge\"; muscles = [ "
                                                                      "\"glute_left\" ]; reps = 3; hold_s = 2.0; }")),
                    NULL, 0, ".", &d);
    assert_non_null(c);
    assert_int_equal(c->n_protocols, 1);
    assert_false(c->protocols_builtin);
    assert_true(c->protocols[0].reps == 3 && c->protocols[0].hold_s == 2.0 && c->protocols[0].sets == 1);
    assert_null(config_protocol(c, "glute_bridge"));
    config_free(c);
    diag_init(&d);
    assert_null(
        config_load(write_temp("t.cfg", default_with("protocols = (", "protocols = ( { name = \"bridge\"; muscles = [ "
                                                                      "\"glute_lft\" ]; hold_s = 0.1; }")),
                    NULL, 0, ".", &d));
    assert_true(
        diag_has(&d, "protocol 'bridge' names muscle 'glute_lft', which is not in muscles", (const char *)NULL));
    assert_true(diag_has(&d, "protocols.[0].hold_s = 0.1 is out of range; use 0.5 to 120 s", (const char *)NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_rep_below_the_target),
        cmocka_unit_test(test_without_a_band_a_held_contraction_is_a_rep),
        cmocka_unit_test(test_repstat_after_each_rep),
        cmocka_unit_test(test_a_protocol_with_a_band),
        cmocka_unit_test(test_signal_check_verdicts),
        cmocka_unit_test(test_mains_is_detected),
        cmocka_unit_test(test_rest_calibration_while_contracting_is_refused_generated),
        cmocka_unit_test(test_rest_calibration_while_contracting_is_refused_real),
        cmocka_unit_test(test_store_keeps_calibrations_and_targets),
        cmocka_unit_test(test_the_patient_in_the_chair),
        cmocka_unit_test(test_configured_targets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_detectors.c: baseline-sd, double-threshold, adaptive and cusum through the public ABI on hand-built
 * envelopes: lead-in, short contractions, chatter, drift, saturation, lost samples, runtime thresholds,
 * calibration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "config/params.h"
#include "host/plugin_host.h"

#define FS 1000.0
#define N 20000

static plugin_host *host;

/* Creates plugin `name` with defaults overridden by "key", value pairs (NULL-terminated). */
static void *make(const mf_plugin **pp, const char *name, ...)
{
    char err[600];
    const mf_plugin *p = plugin_host_get(host, name, err, sizeof err);
    if (!p) fail_msg("%s", err);
    double v[PARAMS_MAX];
    for (uint32_t i = 0; i < p->n_params; i++) v[i] = p->params[i].def;
    va_list ap;
    va_start(ap, name);
    const char *key;
    while ((key = va_arg(ap, const char *))) {
        int i = params_index(p, key);
        if (i < 0) fail_msg("no parameter %s", key);
        v[i] = va_arg(ap, double);
    }
    va_end(ap);
    mf_error e = {{0}};
    void *d = p->create(plugin_host_api(host, p), FS, v, &e);
    if (!d) fail_msg("create %s: %s", name, e.msg);
    *pp = p;
    return d;
}

typedef struct result {
    int n;
    uint64_t at[256], decided[256];
    int on[256];
    double max_act, min_act;
} result;

static void run(const mf_plugin *p, void *d, const double *env, int n, result *r)
{
    memset(r, 0, sizeof *r);
    r->min_act = 1;
    static double act[N * 6];
    mf_transition tr[64];
    for (int i = 0; i < n; i += 64) {
        int k = n - i < 64 ? n - i : 64;
        uint32_t nt = p->detector->process(d, env + i, (uint32_t)k, act + i, tr, 64);
        for (uint32_t j = 0; j < nt && r->n < 256; j++) {
            r->decided[r->n] = (uint64_t)i + tr[j].offset;
            r->at[r->n] = r->decided[r->n] - tr[j].delay;
            r->on[r->n++] = tr[j].on;
        }
    }
    for (int i = 0; i < n; i++) {
        if (act[i] > r->max_act) r->max_act = act[i];
        if (act[i] < r->min_act) r->min_act = act[i];
    }
}

/* A rest envelope of 5 uV with +-0.5 uV deterministic jitter. */
static void rest(double *x, int n)
{
    uint64_t s = 99;
    for (int i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = 5.0 + ((double)(s >> 11) / 9007199254740992.0 - 0.5);
    }
}

static const char *const detectors[] = {"baseline-sd", "double-threshold", "adaptive", "cusum"};
#define N_DET 4

static void test_every_detector_finds_a_clear_contraction_after_the_lead_in(void **st)
{
    (void)st;
    static double x[N];
    for (int k = 0; k < N_DET; k++) {
        const mf_plugin *p;
        void *d = make(&p, detectors[k], (const char *)NULL);
        rest(x, N);
        for (int i = 5000; i < 7000; i++) x[i] = 40.0;
        result r;
        run(p, d, x, N, &r);
        if (r.n != 2) fail_msg("%s: %d transitions", detectors[k], r.n);
        assert_int_equal(r.on[0], 1);
        /* onset reported at the crossing of the detector's own statistic: the raw envelope (adaptive), its
           20 ms average (baseline-sd), or 60 % of a 20 ms window above (double-threshold) */
        if (!(r.at[0] >= 5000 && r.at[0] <= 5013))
            fail_msg("%s: onset at %llu", detectors[k], (unsigned long long)r.at[0]);
        assert_true(r.decided[0] - 5000 <= 60); /* decided within min_on + window */
        assert_int_equal(r.on[1], 0);
        assert_true(r.at[1] >= 6999 && r.at[1] <= 7030);
        assert_true(r.max_act > 0.2 && r.max_act <= 1.0 && r.min_act >= 0.0);
        p->destroy(d);
    }
}

static void test_nothing_is_reported_during_the_lead_in(void **st)
{
    (void)st;
    static double x[N];
    for (int k = 0; k < N_DET; k++) {
        const mf_plugin *p;
        void *d = make(&p, detectors[k], (const char *)NULL);
        rest(x, 3000);
        for (int i = 100; i < 300; i++) x[i] = 80.0; /* inside the lead-in: learnt or skipped, never reported */
        result r;
        run(p, d, x, 1200, &r);
        assert_int_equal(r.n, 0);
        assert_true(r.max_act == 0.0);
        p->destroy(d);
    }
}

static void test_contractions_shorter_than_min_on_are_not_reported(void **st)
{
    (void)st;
    static double x[N];
    for (int k = 0; k < N_DET; k++) {
        const mf_plugin *p;
        void *d = make(&p, detectors[k], "min_on_ms", 50.0, (const char *)NULL);
        rest(x, N);
        for (int i = 5000; i < 5030; i++) x[i] = 60.0; /* 30 ms */
        result r;
        run(p, d, x, N, &r);
        if (r.n != 0) fail_msg("%s reported a 30 ms blip", detectors[k]);
        p->destroy(d);
    }
}

static void test_chatter_gives_one_contraction(void **st)
{
    (void)st;
    static double x[N];
    for (int k = 0; k < N_DET; k++) {
        const mf_plugin *p;
        void *d = make(&p, detectors[k], "min_off_ms", 100.0, (const char *)NULL);
        rest(x, N);
        for (int i = 5000; i < 9000; i++) x[i] = (i / 13) % 2 ? 40.0 : 12.0;
        for (int i = 5500; i < 9000; i += 700)
            for (int j = i; j < i + 40; j++) x[j] = 5.0; /* short dips to rest */
        result r;
        run(p, d, x, N, &r);
        if (r.n != 2) fail_msg("%s: %d transitions for one chattering contraction", detectors[k], r.n);
        p->destroy(d);
    }
}

static void test_tracking_detectors_follow_a_drifting_rest_level(void **st)
{
    (void)st;
    static double x[N * 6];
    int n = N * 6; /* 120 s */
    uint64_t s = 7;
    for (int i = 0; i < n; i++) { /* rest level drifts from 5 to 15 uV, its jitter grows with it */
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double level = 5.0 + 10.0 * i / n;
        x[i] = level * (1.0 + 0.2 * ((double)(s >> 11) / 9007199254740992.0 - 0.5));
    }
    static double c[N * 6];
    memcpy(c, x, sizeof c);
    for (int i = 100000; i < 102000; i++) c[i] = 80.0;
    for (int k = 2; k < N_DET; k++) { /* adaptive and cusum */
        const mf_plugin *p;
        void *d = make(&p, detectors[k], (const char *)NULL);
        result r;
        run(p, d, x, n, &r);
        if (r.n != 0) fail_msg("%s: %d transitions from drift alone", detectors[k], r.n);
        p->destroy(d);
        d = make(&p, detectors[k], (const char *)NULL);
        run(p, d, c, n, &r); /* and a real contraction late in the session is still found */
        if (r.n != 2 || r.at[0] != 100000)
            fail_msg("%s: %d transitions, first at %llu", detectors[k], r.n, (unsigned long long)r.at[0]);
        p->destroy(d);
    }
    memcpy(x, c, sizeof c);
    const mf_plugin *p;
    void *d;
    result r;
    /* baseline-sd keeps the rest statistics of its lead-in: the same drift makes it fire */
    static double y[N * 6];
    memcpy(y, x, sizeof y);
    for (int i = 100000; i < 102000; i++) y[i] = x[i - 10000];
    d = make(&p, "baseline-sd", (const char *)NULL);
    run(p, d, y, n, &r);
    assert_true(r.n >= 1);
    p->destroy(d);
}

static void test_saturation_and_lost_samples(void **st)
{
    (void)st;
    static double x[N];
    for (int k = 0; k < N_DET; k++) {
        const mf_plugin *p;
        void *d = make(&p, detectors[k], (const char *)NULL);
        rest(x, N);
        for (int i = 5000; i < 6000; i++) x[i] = 1e9; /* a clipped, railed input */
        for (int i = 8000; i < 9000; i++) x[i] = NAN; /* a decoder gap */
        x[9500] = INFINITY;
        result r;
        run(p, d, x, N, &r);
        if (r.n != 2) fail_msg("%s: %d transitions", detectors[k], r.n);
        if (!(r.at[0] >= 5000 && r.at[0] <= 5013 && r.on[1] == 0 && r.at[1] < 6100))
            fail_msg("%s: %llu %d %llu", detectors[k], (unsigned long long)r.at[0], r.on[1],
                     (unsigned long long)r.at[1]);
        assert_true(r.max_act == 1.0 && r.min_act >= 0.0);
        assert_int_equal(p->detector->active(d), 0);
        p->destroy(d);
    }
}

static void test_runtime_thresholds_and_calibration(void **st)
{
    (void)st;
    static double x[N];
    for (int k = 0; k < N_DET; k++) {
        const mf_plugin *p;
        void *d = make(&p, detectors[k], (const char *)NULL);
        p->destroy(NULL); /* the ABI: must do nothing */
        int on = params_index(p, "on"), off = params_index(p, "off");
        assert_true(on >= 0 && off >= 0);
        assert_true(p->params[on].flags & MF_PARAM_RUNTIME);
        assert_int_equal(p->set_param(d, (uint32_t)off, p->params[on].def + 1), MF_ERR_RANGE);
        assert_int_equal(p->set_param(d, (uint32_t)on, NAN), MF_ERR_RANGE);
        if (!strcmp(detectors[k], "cusum")) { /* on is a multiple of rest power: below 1 would fire at rest */
            assert_int_equal(p->set_param(d, (uint32_t)off, 0.5), MF_OK);
            assert_int_equal(p->set_param(d, (uint32_t)on, 0.9), MF_ERR_RANGE);
        }
        assert_int_equal(p->set_param(d, (uint32_t)on, 500), MF_OK);
        rest(x, N);
        for (int i = 5000; i < 7000; i++) x[i] = 40.0;
        result r;
        run(p, d, x, N, &r);
        assert_int_equal(r.n, 0); /* 500 SD / spreads above rest: 40 uV is not enough */
        /* a calibration with rest statistics replaces the lead-in and scales activation */
        p->destroy(d);
        /* (cusum smooths its activation for displays: unsmoothed here, to read the scale exactly) */
        d = strcmp(detectors[k], "cusum") ? make(&p, detectors[k], (const char *)NULL)
                                          : make(&p, "cusum", "act_ms", 0.0, (const char *)NULL);
        mf_calibration cal = {5.0, 105.0, 0.3};
        p->detector->set_calibration(d, &cal);
        double y[200];
        for (int i = 0; i < 200; i++) y[i] = i < 100 ? 5.0 : 55.0;
        run(p, d, y, 200, &r);
        assert_int_equal(r.n, 1); /* no lead-in after a calibration */
        assert_true(fabs(r.max_act - 0.5) < 1e-9);
        p->destroy(d);
    }
}

int main(void)
{
    host = built_in_plugins();
    if (!host) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_detector_finds_a_clear_contraction_after_the_lead_in),
        cmocka_unit_test(test_nothing_is_reported_during_the_lead_in),
        cmocka_unit_test(test_contractions_shorter_than_min_on_are_not_reported),
        cmocka_unit_test(test_chatter_gives_one_contraction),
        cmocka_unit_test(test_tracking_detectors_follow_a_drifting_rest_level),
        cmocka_unit_test(test_saturation_and_lost_samples),
        cmocka_unit_test(test_runtime_thresholds_and_calibration),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    plugin_host_free(host);
    return rc;
}

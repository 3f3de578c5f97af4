/* test_threshold.c: the threshold detector through the public ABI, on hand-built envelopes:
 * hysteresis, minimum on/off durations, chatter, lost samples, %MVC units and activation scaling. */
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

static plugin_host *host;
static const mf_plugin *thr;

#define FS 1000.0

/* on, off, units (0 uv / 1 pct_mvc), min_on_ms, min_off_ms */
static void *make(double on, double off, int units, double min_on, double min_off)
{
    double v[5] = {on, off, units, min_on, min_off};
    mf_error e = {{0}};
    void *d = thr->create(plugin_host_api(host, thr), FS, v, &e);
    if (!d) fail_msg("create: %s", e.msg);
    return d;
}

typedef struct run_out {
    int n;
    mf_transition t[64];
    uint64_t at[64]; /* absolute sample of the event (offset - delay) */
    double act[4096];
} run_out;

static void run(void *d, const double *env, int n, run_out *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < n; i += 100) { /* blocks of 100 */
        int k = n - i < 100 ? n - i : 100;
        mf_transition tr[100];
        uint32_t nt = thr->detector->process(d, env + i, (uint32_t)k, o->act + i, tr, 100);
        for (uint32_t j = 0; j < nt; j++) {
            o->t[o->n] = tr[j];
            o->at[o->n] = (uint64_t)i + tr[j].offset - tr[j].delay;
            o->n++;
        }
    }
}

static void fill(double *x, int from, int to, double v)
{
    for (int i = from; i < to; i++) x[i] = v;
}

static void test_hysteresis_reports_onset_and_offset_at_the_crossing(void **st)
{
    (void)st;
    void *d = make(15, 8, 0, 20, 50);
    double x[2000];
    fill(x, 0, 2000, 3);
    fill(x, 500, 1200, 40);
    run_out o;
    run(d, x, 2000, &o);
    assert_int_equal(o.n, 2);
    assert_int_equal(o.t[0].on, 1);
    assert_int_equal(o.at[0], 500);
    assert_int_equal(o.t[0].delay, 20); /* confirmed after min_on_ms */
    assert_int_equal(o.t[1].on, 0);
    assert_int_equal(o.at[1], 1200);
    assert_int_equal(o.t[1].delay, 50);
    thr->destroy(d);
}

static void test_contraction_shorter_than_min_on_is_not_reported(void **st)
{
    (void)st;
    void *d = make(15, 8, 0, 50, 50);
    double x[1000];
    fill(x, 0, 1000, 3);
    fill(x, 300, 340, 60); /* 40 ms < 50 ms */
    run_out o;
    run(d, x, 1000, &o);
    assert_int_equal(o.n, 0);
    assert_int_equal(thr->detector->active(d), 0);
    thr->destroy(d);
}

static void test_chatter_around_the_threshold_gives_one_contraction(void **st)
{
    (void)st;
    void *d = make(15, 8, 0, 30, 80);
    double x[3000];
    fill(x, 0, 3000, 3);
    /* a contraction whose envelope wobbles between 10 and 20 uV (inside the hysteresis band and across on),
       with short dips below off (< min_off) */
    for (int i = 500; i < 2000; i++) x[i] = (i / 7) % 2 ? 20 : 10;
    for (int i = 900; i < 2000; i += 200) fill(x, i, i + 30, 2);
    run_out o;
    run(d, x, 3000, &o);
    assert_int_equal(o.n, 2);
    assert_int_equal(o.at[0], 500);
    assert_int_equal(o.t[1].on, 0);
    assert_true(o.at[1] >= 1990 && o.at[1] <= 2000);
    thr->destroy(d);
}

static void test_lost_samples_never_look_like_activity(void **st)
{
    (void)st;
    void *d = make(15, 8, 0, 0, 20);
    double x[1000];
    fill(x, 0, 1000, NAN);
    x[10] = INFINITY;
    x[11] = -INFINITY;
    x[12] = 1e300;
    run_out o;
    run(d, x, 1000, &o);
    /* the one huge finite sample is a real (if absurd) value: on, then off after the NaNs (rest) */
    assert_int_equal(o.n, 2);
    for (int i = 0; i < 1000; i++) assert_true(o.act[i] >= 0 && o.act[i] <= 1);
    assert_true(o.act[500] == 0.0);
    assert_int_equal(thr->detector->active(d), 0);
    thr->destroy(d);
}

static void test_activation_is_scaled_by_calibration(void **st)
{
    (void)st;
    void *d = make(15, 8, 0, 0, 0);
    double x[4] = {8, 38, 60, 200};
    run_out o;
    run(d, x, 4, &o);
    /* not calibrated: 0 at off (8), 1 at 8 x on (120) */
    assert_true(fabs(o.act[0]) < 1e-12);
    assert_true(fabs(o.act[1] - 30.0 / 112.0) < 1e-12);
    assert_true(fabs(o.act[2] - 52.0 / 112.0) < 1e-12);
    assert_true(o.act[3] == 1.0);
    mf_calibration cal = {5, 105};
    thr->detector->set_calibration(d, &cal);
    run(d, x, 4, &o);
    assert_true(fabs(o.act[1] - 0.33) < 1e-12);
    assert_true(fabs(o.act[2] - 0.55) < 1e-12);
    thr->destroy(d);
}

static void test_pct_mvc_thresholds_follow_calibration(void **st)
{
    (void)st;
    void *d = make(40, 20, 1, 0, 0); /* 40 % / 20 % MVC */
    mf_calibration cal = {10, 110};
    thr->detector->set_calibration(d, &cal);
    double x[300];
    fill(x, 0, 100, 45);   /* 35 % MVC: below on */
    fill(x, 100, 200, 55); /* 45 %: on */
    fill(x, 200, 300, 25); /* 15 %: off */
    run_out o;
    run(d, x, 300, &o);
    assert_int_equal(o.n, 2);
    assert_int_equal(o.at[0], 100);
    assert_int_equal(o.at[1], 200);
    thr->destroy(d);
}

static void test_runtime_thresholds_are_range_checked(void **st)
{
    (void)st;
    void *d = make(15, 8, 0, 0, 0);
    int on = params_index(thr, "on"), off = params_index(thr, "off"), units = params_index(thr, "units");
    assert_int_equal(thr->set_param(d, (uint32_t)on, 5), MF_ERR_RANGE);   /* below off */
    assert_int_equal(thr->set_param(d, (uint32_t)off, 20), MF_ERR_RANGE); /* above on */
    assert_int_equal(thr->set_param(d, (uint32_t)on, NAN), MF_ERR_RANGE);
    assert_int_equal(thr->set_param(d, (uint32_t)on, -1), MF_ERR_RANGE);
    assert_int_equal(thr->set_param(d, (uint32_t)units, 1), MF_ERR_ARG);
    assert_int_equal(thr->set_param(d, (uint32_t)on, 30), MF_OK);
    double x[10];
    fill(x, 0, 10, 20);
    run_out o;
    run(d, x, 10, &o);
    assert_int_equal(o.n, 0);                                         /* 20 < new on threshold 30 */
    assert_true(thr->detector->process(d, x, 0, o.act, o.t, 0) == 0); /* n == 0 is fine */
    thr->destroy(d);
}

static void test_invalid_parameters_fail_create_with_a_reason(void **st)
{
    (void)st;
    double v[5] = {5, 8, 0, 0, 0};
    mf_error e = {{0}};
    assert_null(thr->create(plugin_host_api(host, thr), FS, v, &e));
    assert_non_null(strstr(e.msg, "off 8 must not exceed on 5"));
    double w[5] = {150, 8, 1, 0, 0};
    assert_null(thr->create(plugin_host_api(host, thr), FS, w, &e));
    assert_non_null(strstr(e.msg, "above 100 %"));
}

int main(void)
{
    host = built_in_plugins();
    if (!host) return 1;
    char err[600];
    thr = plugin_host_get(host, "threshold", err, sizeof err);
    if (!thr) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hysteresis_reports_onset_and_offset_at_the_crossing),
        cmocka_unit_test(test_contraction_shorter_than_min_on_is_not_reported),
        cmocka_unit_test(test_chatter_around_the_threshold_gives_one_contraction),
        cmocka_unit_test(test_lost_samples_never_look_like_activity),
        cmocka_unit_test(test_activation_is_scaled_by_calibration),
        cmocka_unit_test(test_pct_mvc_thresholds_follow_calibration),
        cmocka_unit_test(test_runtime_thresholds_are_range_checked),
        cmocka_unit_test(test_invalid_parameters_fail_create_with_a_reason),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    plugin_host_free(host);
    return rc;
}

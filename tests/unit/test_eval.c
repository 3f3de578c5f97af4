/* test_eval.c: the scorer on a hand-made case with a known score, the generator's determinism, and the
 * default chain on a small fixed generated scenario (a known expected score). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "pipeline/pipeline.h"
#include "host/plugin_host.h"
#include "scenario.h"
#include "score.h"

static void test_score_of_a_known_case(void **st)
{
    (void)st;
    const truth t[] = {{1000, 2000, 1000}, {5000, 6000, 5000}, {9000, 9500, 9000}};
    const detection d[] = {{1000, 1050, 2010}, {2900, 3000, 3200}, {5060, 5100, 6050}};
    score_acc a;
    memset(&a, 0, sizeof a);
    score_trial(&a, t, 3, d, 3, 10000, 1000.0, 100.0);
    score s = score_result(&a);
    assert_int_equal(s.truths, 3);
    assert_int_equal(s.detections, 3);
    assert_int_equal(s.matched, 2);
    assert_int_equal(s.false_pos, 1);
    assert_true(fabs(s.precision - 2.0 / 3) < 1e-12);
    assert_true(fabs(s.recall - 2.0 / 3) < 1e-12);
    assert_true(fabs(s.f1 - 2.0 / 3) < 1e-12);
    assert_true(fabs(s.delay_median_ms - 75.0) < 1e-9);
    assert_true(fabs(s.delay_p90_ms - 95.0) < 1e-9);
    /* reported (back-dated) onsets 1000 and 5060 against true 1000 and 5000: errors 0 and 60 ms */
    assert_true(fabs(s.onset_err_median_ms - 30.0) < 1e-9);
    assert_true(fabs(s.onset_err_p90_ms - 54.0) < 1e-9);
    assert_true(fabs(s.rest_min - 7.5 / 60) < 1e-12);
    assert_true(fabs(s.fa_per_min - 8.0) < 1e-9);
    score_acc_free(&a);
    /* a detection decided just inside the tolerance before the true onset still matches */
    const detection early[] = {{900, 950, 1900}};
    score_trial(&a, t, 1, early, 1, 10000, 1000.0, 100.0);
    assert_int_equal(score_result(&a).matched, 1);
    assert_true(fabs(score_result(&a).onset_err_median_ms - 100.0) < 1e-9); /* |900 - 1000|: early counts too */
    score_acc_free(&a);
    const detection too_early[] = {{800, 850, 1900}};
    score_trial(&a, t, 1, too_early, 1, 10000, 1000.0, 100.0);
    assert_int_equal(score_result(&a).matched, 0);
    score_acc_free(&a);
}

static void test_generator_is_deterministic(void **st)
{
    (void)st;
    scenario_spec sp = {5, 2000, 30, 10, 0, 30, 1, 2.0, 0};
    scenario a, b, c;
    assert_int_equal(scenario_make(&sp, &a), 0);
    assert_int_equal(scenario_make(&sp, &b), 0);
    sp.seed = 6;
    assert_int_equal(scenario_make(&sp, &c), 0);
    assert_int_equal(a.n, 60000);
    assert_true(a.n_truth >= 4);
    assert_int_equal(a.n_truth, b.n_truth);
    assert_memory_equal(a.x, b.x, sizeof(double) * a.n);
    assert_memory_equal(a.t, b.t, sizeof(truth) * (size_t)a.n_truth);
    assert_true(memcmp(a.x, c.x, sizeof(double) * 1000) != 0);
    for (int i = 0; i < a.n_truth; i++) {
        assert_true(a.t[i].on >= 4000 && a.t[i].off > a.t[i].on && a.t[i].off < a.n);
        assert_int_equal(a.t[i].ref, a.t[i].on);               /* delays from the truth onset by default */
        if (i) assert_true(a.t[i].on > a.t[i - 1].off + 1000); /* at least 1 s of rest between */
    }
    /* delays measured from the half-plateau point: the same signal and truths, a later reference on the ramp */
    sp.seed = 5;
    sp.delay_from = 0.5;
    scenario h;
    assert_int_equal(scenario_make(&sp, &h), 0);
    assert_memory_equal(a.x, h.x, sizeof(double) * a.n);
    for (int i = 0; i < a.n_truth; i++) {
        assert_int_equal(h.t[i].on, a.t[i].on);
        assert_true(h.t[i].ref > h.t[i].on && h.t[i].ref < h.t[i].off);
    }
    scenario_free(&h);
    scenario_free(&a);
    scenario_free(&b);
    scenario_free(&c);
}

typedef struct col {
    int n;
    detection d[512];
} col;

static void sink(void *ctx, int m, const double *env, const double *act, uint32_t n, uint64_t first,
                 const mf_transition *tr, uint32_t n_tr)
{
    (void)env, (void)act, (void)n;
    col *c = ctx;
    if (m != 0) return;
    for (uint32_t k = 0; k < n_tr; k++) {
        uint64_t dec = first + tr[k].offset;
        if (tr[k].on && c->n < 512)
            c->d[c->n++] = (detection){dec - tr[k].delay, dec, 0};
        else if (!tr[k].on && c->n)
            c->d[c->n - 1].off = dec - tr[k].delay;
    }
}

static void test_default_chain_scores_perfectly_on_a_clean_scenario(void **st)
{
    (void)st;
    const char *g = getenv("MYOFEED_PLUGIN_DIR");
    char dirs[1][4096];
    snprintf(dirs[0], sizeof dirs[0], "%s", g);
    diag d;
    diag_init(&d);
    const char *ov[] = {"source.channels=1", "muscles.[1].channel=1", "muscles.[2].channel=1", "muscles.[3].channel=1"};
    config *c = config_load(NULL, ov, 4, ".", &d);
    assert_non_null(c);
    plugin_host *h = plugin_host_new((const char(*)[4096])dirs, 1);
    pipeline *p = pipeline_build(c, h, 2000, 1, &d);
    if (!p) {
        diag_print(&d);
        fail();
    }
    scenario_spec sp = {3, 2000, 60, 20, 0, 30, 1, 2.0, 0};
    scenario s;
    assert_int_equal(scenario_make(&sp, &s), 0);
    col cl;
    memset(&cl, 0, sizeof cl);
    pipeline_set_sink(p, (pipeline_sink){sink, &cl});
    for (uint64_t i = 0; i < s.n; i += 1000) pipeline_process(p, s.x + i, 1000, i);
    score_acc a;
    memset(&a, 0, sizeof a);
    score_trial(&a, s.t, s.n_truth, cl.d, cl.n, s.n, 2000, 100);
    score r = score_result(&a);
    printf("default chain, SNR 20 dB with hum and drift: F1 %.3f, delay median %.0f ms, p90 %.0f ms, onset error "
           "median %.0f ms, FA/min %.2f\n",
           r.f1, r.delay_median_ms, r.delay_p90_ms, r.onset_err_median_ms, r.fa_per_min);
    assert_true(r.f1 == 1.0);
    assert_true(r.fa_per_min == 0.0);
    assert_true(r.delay_median_ms > 0 && r.delay_median_ms < 100);
    assert_true(r.onset_err_median_ms < r.delay_median_ms); /* back-dating moves reported onsets toward the truth */
    score_acc_free(&a);
    scenario_free(&s);
    pipeline_free(p);
    plugin_host_free(h);
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score_of_a_known_case),
        cmocka_unit_test(test_generator_is_deterministic),
        cmocka_unit_test(test_default_chain_scores_perfectly_on_a_clean_scenario),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

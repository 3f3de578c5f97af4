/* test_process_many.c: mf_filter_ops.process_many (ABI 1.1) and process_lanes (ABI 1.2) through the public
 * ABI. Several instances in one call must give exactly (bit for bit) what process gives instance by instance
 * (lanes: in groups of four and three, the spare lane filled with NaN): the built-in IIR filters
 * and the linear envelope have one arithmetic path whatever the grouping, with lost samples, unprimed starts,
 * instances of different lengths (which cannot share lanes) and odd block sizes. */
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

#define FS 2000.0
#define N 5000
#define K 7 /* instances: more than one group of four, and a remainder */

static plugin_host *host;

static void *make(const mf_plugin *p, const char *key, double value, const char *key2, double value2)
{
    double v[PARAMS_MAX];
    for (uint32_t i = 0; i < p->n_params; i++) v[i] = p->params[i].def;
    if (key) v[params_index(p, key)] = value;
    if (key2) v[params_index(p, key2)] = value2;
    mf_error e = {{0}};
    void *d = p->create(plugin_host_api(host, p), FS, v, &e);
    if (!d) fail_msg("create %s: %s", p->name, e.msg);
    return d;
}

static void check(const char *name, const char *key, const double *values, const char *key2, const double *values2)
{
    char err[600];
    const mf_plugin *p = plugin_host_get(host, name, err, sizeof err);
    if (!p) fail_msg("%s", err);
    assert_true(p->abi_minor >= 1);
    assert_non_null(p->filter->process_many);
    assert_true(p->abi_minor >= 2 && p->filter->process_lanes); /* every plugin tested here offers both */
    static double x[K][N], one[K][N], many[K][N], in_lanes[K][N];
    uint64_t s = 5;
    for (int k = 0; k < K; k++)
        for (int i = 0; i < N; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            x[k][i] = 300.0 * k + 40.0 * ((double)(s >> 11) / 9007199254740992.0 - 0.5);
        }
    x[2][1234] = NAN; /* a lost sample in one channel */
    x[5][4000] = INFINITY;
    void *a[K], *b[K], *c[K];
    for (int k = 0; k < K; k++) {
        a[k] = make(p, key, values[k], key2, values2 ? values2[k] : 0);
        b[k] = make(p, key, values[k], key2, values2 ? values2[k] : 0);
        c[k] = make(p, key, values[k], key2, values2 ? values2[k] : 0);
    }
    static double lanes[4 * N];
    static const uint32_t blocks[] = {1, 7, 64, 173, 256, 333};
    uint32_t at = 0;
    for (int bi = 0; at < N; bi++) {
        uint32_t n = blocks[bi % 6];
        if (n > N - at) n = N - at;
        const mf_sample *in[K];
        mf_sample *out[K];
        for (int k = 0; k < K; k++) {
            p->filter->process(a[k], x[k] + at, one[k] + at, n);
            in[k] = x[k] + at;
            out[k] = many[k] + at;
        }
        p->filter->process_many(b, K, in, out, n);
        if (p->abi_minor >= 2 && p->filter->process_lanes) /* ABI 1.2: groups of four, then of three, in lanes */
            for (int g = 0; g < K; g += 4) {
                uint32_t count = K - g < 4 ? (uint32_t)(K - g) : 4;
                for (uint32_t i = 0; i < n; i++)
                    for (uint32_t l = 0; l < 4; l++) lanes[4 * i + l] = l < count ? x[g + l][at + i] : NAN;
                p->filter->process_lanes(c + g, count, lanes, n);
                for (uint32_t i = 0; i < n; i++)
                    for (uint32_t l = 0; l < count; l++) in_lanes[g + l][at + i] = lanes[4 * i + l];
            }
        at += n;
    }
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < N; i++) {
            if (isnan(one[k][i]) != isnan(many[k][i])) fail_msg("%s: instance %d sample %d: NaN differs", name, k, i);
            if (isnan(one[k][i])) continue;
            if (memcmp(&one[k][i], &many[k][i], sizeof(double)) != 0)
                fail_msg("%s: instance %d sample %d: %.17g one by one, %.17g together", name, k, i, one[k][i],
                         many[k][i]);
            if (p->filter->process_lanes && memcmp(&one[k][i], &in_lanes[k][i], sizeof(double)) != 0 &&
                !(isnan(one[k][i]) && isnan(in_lanes[k][i])))
                fail_msg("%s: instance %d sample %d: %.17g one by one, %.17g in lanes", name, k, i, one[k][i],
                         in_lanes[k][i]);
        }
        p->destroy(a[k]);
        p->destroy(b[k]);
        p->destroy(c[k]);
    }
}

static void test_butterworth_many_equals_one_by_one(void **st)
{
    (void)st;
    /* five of order 4 (lanes), two of other orders (one by one) */
    const double order[K] = {4, 4, 4, 2, 4, 4, 6}, low[K] = {20, 20, 30, 20, 20, 25, 20};
    check("butterworth", "order", order, "low_hz", low);
}

static void test_notch_many_equals_one_by_one(void **st)
{
    (void)st;
    const double harm[K] = {3, 3, 3, 3, 1, 1, 1}; /* lanes: a group of four, and of three with a spare lane */
    check("notch", "harmonics", harm, NULL, NULL);
}

static void test_linear_envelope_many_equals_one_by_one(void **st)
{
    (void)st;
    /* the default chain's order 1 (lanes), and orders that cannot share them */
    const double order[K] = {1, 1, 2, 1, 1, 1, 1}, cutoff[K] = {80, 80, 80, 60, 80, 80, 10};
    check("linear-envelope", "order", order, "cutoff_hz", cutoff);
}

int main(void)
{
    host = built_in_plugins();
    if (!host) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_butterworth_many_equals_one_by_one),
        cmocka_unit_test(test_notch_many_equals_one_by_one),
        cmocka_unit_test(test_linear_envelope_many_equals_one_by_one),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    plugin_host_free(host);
    return rc;
}

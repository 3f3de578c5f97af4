/* test_blocking.c: a stream gives bit-identical output however the host splits it into blocks. Live, blocks
 * follow the serial reads; on replay they follow the file reader; the events must be the same. Every built-in
 * filter, envelope and detector runs a recording-like signal (rest, contractions, drift, a gap of lost
 * samples) once in blocks of 256 and once in blocks of random sizes (0 to 300); the outputs, activations and
 * transitions (absolute sample, back-dating, state) must match exactly. */
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
#define N 40000 /* 20 s */
#define MAXT 256

static plugin_host *host;
static double x[N];

static uint64_t rng = 11;
static double uniform(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* rest noise, contractions that ramp in and out, a slow drift, mains hum and a short gap of lost samples */
static void make_signal(void)
{
    for (int i = 0; i < N; i++) {
        double t = i / FS, a = 5.0;
        for (double on = 2.0; on < 20.0; on += 3.1) {
            double u = (t - on) / 0.15, v = (on + 1.2 - t) / 0.15;
            double g = u < 0 || v < 0 ? 0 : fmin(1.0, fmin(u, v));
            a += 60.0 * g;
        }
        x[i] = a * (uniform() - 0.5) * 3.4 + 40.0 * sin(2 * M_PI * 0.2 * t) + 20.0 * sin(2 * M_PI * 50.0 * t);
    }
    for (int i = 23000; i < 23040; i++) x[i] = NAN;
}

static const mf_plugin *get(const char *name)
{
    char err[600];
    const mf_plugin *p = plugin_host_get(host, name, err, sizeof err);
    if (!p) fail_msg("%s", err);
    return p;
}

static void *make(const mf_plugin *p)
{
    double v[PARAMS_MAX];
    for (uint32_t i = 0; i < p->n_params; i++) v[i] = p->params[i].def;
    mf_error e = {{0}};
    void *d = p->create(plugin_host_api(host, p), FS, v, &e);
    if (!d) fail_msg("create %s: %s", p->name, e.msg);
    return d;
}

static uint32_t next_block(int random)
{
    if (!random) return 256;
    uint32_t r = (uint32_t)(uniform() * 301.0);
    return r > 300 ? 300 : r;
}

static int same(const double *a, const double *b, int n, const char *what, const char *name)
{
    for (int i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof(double)) != 0) {
            print_error("%s %s: sample %d differs: %.17g in blocks of 256, %.17g in random blocks\n", name, what, i,
                        a[i], b[i]);
            return 0;
        }
    return 1;
}

static void filter_run(const mf_plugin *p, const double *in, double *out, int random)
{
    void *f = make(p);
    for (uint32_t at = 0; at < N;) {
        uint32_t n = next_block(random);
        if (n > N - at) n = N - at;
        p->filter->process(f, in + at, out + at, n);
        at += n;
    }
    p->destroy(f);
}

static void test_filters_and_envelopes(void **st)
{
    (void)st;
    static const char *const names[] = {"butterworth", "notch", "dc-block", "tkeo", "rms", "linear-envelope"};
    static double a[N], b[N];
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const mf_plugin *p = get(names[k]);
        filter_run(p, x, a, 0);
        filter_run(p, x, b, 1);
        if (!same(a, b, N, "output", names[k])) fail();
    }
}

typedef struct run {
    double act[N];
    uint64_t at[MAXT];
    uint32_t delay[MAXT];
    int state[MAXT], n;
} run;

static void detector_run(const mf_plugin *p, const double *env, run *r, int random)
{
    void *d = make(p);
    mf_transition tr[MAXT];
    r->n = 0;
    for (uint32_t at = 0; at < N;) {
        uint32_t n = next_block(random);
        if (n > N - at) n = N - at;
        uint32_t k = p->detector->process(d, env + at, n, r->act + at, tr, MAXT);
        for (uint32_t j = 0; j < k && r->n < MAXT; j++, r->n++) {
            r->at[r->n] = at + tr[j].offset;
            r->delay[r->n] = tr[j].delay;
            r->state[r->n] = tr[j].on;
        }
        at += n;
    }
    p->destroy(d);
}

static void test_detectors(void **st)
{
    (void)st;
    /* the default chain's conditioning, then each detector on its envelope */
    static double y[N], env[N];
    filter_run(get("butterworth"), x, y, 0);
    filter_run(get("notch"), y, y, 0);
    filter_run(get("rms"), y, env, 0);
    static const char *const names[] = {"threshold", "baseline-sd", "double-threshold", "adaptive", "cusum"};
    static run a, b;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const mf_plugin *p = get(names[k]);
        detector_run(p, env, &a, 0);
        detector_run(p, env, &b, 1);
        if (!same(a.act, b.act, N, "activation", names[k])) fail();
        if (a.n != b.n) fail_msg("%s: %d transitions in blocks of 256, %d in random blocks", names[k], a.n, b.n);
        for (int i = 0; i < a.n; i++)
            if (a.at[i] != b.at[i] || a.delay[i] != b.delay[i] || a.state[i] != b.state[i])
                fail_msg("%s: transition %d at %llu (-%u, %d) against %llu (-%u, %d)", names[k], i,
                         (unsigned long long)a.at[i], a.delay[i], a.state[i], (unsigned long long)b.at[i], b.delay[i],
                         b.state[i]);
        if (!strcmp(names[k], "cusum") || !strcmp(names[k], "adaptive")) assert_true(a.n >= 8); /* it did work */
    }
}

int main(void)
{
    host = built_in_plugins();
    if (!host) return 1;
    make_signal();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters_and_envelopes),
        cmocka_unit_test(test_detectors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    plugin_host_free(host);
    return rc;
}

/* test_pipeline.c: building per-muscle chains from the configuration (unknown plugins, wrong kinds,
 * bad parameters, failing create: each named with FILE:LINE, muscle and plugin), runtime thresholds,
 * and the data path from frames to onset/offset transitions. */
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
#include "helpers.h"
#include "pipeline/pipeline.h"
#include "host/plugin_host.h"

static char dirs[2][4096];

typedef struct built {
    config *c;
    plugin_host *h;
    pipeline *p;
    diag d;
} built;

static int build(built *b, const char *text)
{
    memset(b, 0, sizeof *b);
    diag_init(&b->d);
    b->c = config_load(write_temp("p.cfg", text), NULL, 0, ".", &b->d);
    if (!b->c) return -1;
    b->h = plugin_host_new((const char(*)[4096])dirs, 2);
    b->p = pipeline_build(b->c, b->h, b->c->source.sample_rate, b->c->source.channels, &b->d);
    return b->p ? 0 : -1;
}

static void unbuild(built *b)
{
    pipeline_free(b->p);
    plugin_host_free(b->h);
    config_free(b->c);
}

static void test_default_chain_builds(void **st)
{
    (void)st;
    built b;
    if (build(&b, embedded_config) != 0) {
        diag_print(&b.d);
        fail();
    }
    assert_int_equal(pipeline_muscles(b.p), 4);
    double on, off;
    assert_int_equal(pipeline_get_threshold(b.p, 0, &on, &off), 0);
    assert_true(on == 1.7 && off == 1.7);
    unbuild(&b);
}

static void test_unknown_plugin_is_named_with_line(void **st)
{
    (void)st;
    built b;
    assert_int_equal(build(&b, default_with("plugin = \"notch\"", "plugin = \"notcj\"")), -1);
    assert_true(diag_has(&b.d, "p.cfg:", "muscle 'hamstring_left', filter: no plugin 'notcj'", (const char *)NULL));
    unbuild(&b);
}

static void test_plugin_of_the_wrong_kind_is_refused(void **st)
{
    (void)st;
    built b;
    assert_int_equal(build(&b, default_with("plugin = \"linear-envelope\"", "plugin = \"threshold\"")), -1);
    assert_true(
        diag_has(&b.d, "envelope 'threshold': plugin 'threshold' is a detector, not a envelope", (const char *)NULL));
    unbuild(&b);
}

static void test_bad_plugin_parameters_are_refused(void **st)
{
    (void)st;
    built b;
    assert_int_equal(build(&b, default_with("on = 1.7;", "treshold = 1.7;")), -1);
    assert_true(diag_has(&b.d, "p.cfg:", "detector 'cusum': unknown parameter 'treshold'", (const char *)NULL));
    unbuild(&b);
    assert_int_equal(build(&b, default_with("order = 2;", "order = 9;")), -1);
    assert_true(diag_has(&b.d, "filter 'butterworth': order = 9 is out of range; use 1 to 8", (const char *)NULL));
    unbuild(&b);
    assert_int_equal(build(&b, default_with("order = 2;", "order = 2.5;")), -1);
    assert_true(diag_has(&b.d, "order must be a whole number", (const char *)NULL));
    unbuild(&b);
    assert_int_equal(build(&b, default_with("type = \"bandpass\";", "type = \"bandpas\";")), -1);
    assert_true(diag_has(&b.d, "type must be one of \"lowpass\", \"highpass\", \"bandpass\", \"bandstop\"",
                         (const char *)NULL));
    unbuild(&b);
    assert_int_equal(build(&b, default_with("cutoff_hz = 80.0;", "cutoff_hz = \"low\";")), -1);
    assert_true(diag_has(&b.d, "cutoff_hz must be a number (Hz), not a string", (const char *)NULL));
    unbuild(&b);
}

static void test_create_failures_carry_the_plugins_reason(void **st)
{
    (void)st;
    built b;
    assert_int_equal(build(&b, default_with("high_hz = 450.0;", "high_hz = 1200.0;")), -1);
    assert_true(diag_has(&b.d, "p.cfg:",
                         "muscle 'hamstring_left', filter 'butterworth': high_hz 1200 must be below "
                         "Nyquist (1000 Hz at 2000 Hz)",
                         (const char *)NULL));
    unbuild(&b);
    assert_int_equal(build(&b, default_with("on = 1.7; off = 1.7;", "on = 1.7; off = 3.0;")), -1);
    assert_true(diag_has(&b.d, "off 3 must not exceed on 1.7", (const char *)NULL));
    unbuild(&b);
    assert_int_equal(
        build(&b, default_with("{ plugin = \"notch\";", "{ plugin = \"bad_create\"; } , { plugin = \"notch\";")), -1);
    assert_true(diag_has(&b.d, "filter 'bad_create': the electrode impedance is too high", (const char *)NULL));
    unbuild(&b);
}

static void test_channel_beyond_the_source_is_rejected(void **st)
{
    (void)st;
    built b;
    assert_int_equal(build(&b, default_with("channel = 4;", "channel = 5;")), -1);
    assert_true(diag_has(&b.d, "p.cfg:",
                         "muscle 'glute_right' uses channel 5 but the source delivers 4 channels "
                         "(source.channels at /tmp/myofeed-test-",
                         (const char *)NULL));
    unbuild(&b);
}

static void test_thresholds_change_at_runtime_within_range(void **st)
{
    (void)st;
    built b;
    assert_int_equal(build(&b, embedded_config), 0);
    char err[200];
    double on, off;
    assert_int_equal(pipeline_set_threshold(b.p, 1, 30, 20, err, sizeof err), 0);
    pipeline_get_threshold(b.p, 1, &on, &off);
    assert_true(on == 30 && off == 20);
    /* off omitted: the ratio off/on is kept */
    assert_int_equal(pipeline_set_threshold(b.p, 1, 60, -1, err, sizeof err), 0);
    pipeline_get_threshold(b.p, 1, &on, &off);
    assert_true(on == 60 && off == 40);
    /* lowering both below the old off works (write order) */
    assert_int_equal(pipeline_set_threshold(b.p, 1, 10, 5, err, sizeof err), 0);
    pipeline_get_threshold(b.p, 1, &on, &off);
    assert_true(on == 10 && off == 5);
    assert_int_equal(pipeline_set_threshold(b.p, 1, 10, 50, err, sizeof err), -1);
    assert_int_equal(pipeline_set_threshold(b.p, 1, 2e6, 1, err, sizeof err), -1);
    pipeline_get_threshold(b.p, 1, &on, &off);
    assert_true(on == 10 && off == 5);
    unbuild(&b);
}

typedef struct seen {
    int onsets[4], offsets[4];
    uint64_t first_onset[4];
} seen;

static void sink(void *ctx, int m, const double *env, const double *act, uint32_t n, uint64_t first,
                 const mf_transition *tr, uint32_t n_tr)
{
    seen *s = ctx;
    for (uint32_t i = 0; i < n; i++) {
        assert_true(act[i] >= 0.0 && act[i] <= 1.0);
        assert_true(env[i] >= 0.0);
    }
    for (uint32_t t = 0; t < n_tr; t++) {
        assert_true(tr[t].offset < n);
        if (tr[t].on) {
            if (!s->onsets[m]) s->first_onset[m] = first + tr[t].offset - tr[t].delay;
            s->onsets[m]++;
        } else {
            s->offsets[m]++;
        }
    }
}

static void frames_flow(const char *config_text)
{
    built b;
    if (build(&b, config_text) != 0) {
        diag_print(&b.d);
        fail();
    }
    seen s;
    memset(&s, 0, sizeof s);
    pipeline_set_sink(b.p, (pipeline_sink){sink, &s});
    /* 3 s at 2 kHz, 4 channels: channel 2 (hamstring_right) bursts 1.0-2.0 s at 100 uV, others rest */
    const int n = 6000, nc = 4;
    double *x = calloc((size_t)n * nc, sizeof *x);
    uint64_t r = 12345;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < nc; c++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            double u = ((double)(r >> 11) / 9007199254740992.0) * 2 - 1;
            double amp = (c == 1 && i >= 2000 && i < 4000) ? 170.0 : 2.0;
            x[(size_t)i * nc + c] = amp * u + 300.0; /* DC offset is removed by the band-pass */
        }
    /* odd chunk sizes: block boundaries must not matter */
    for (int i = 0; i < n;) {
        int k = (i * 7 + 13) % 333 + 1;
        if (i + k > n) k = n - i;
        pipeline_process(b.p, x + (size_t)i * nc, (uint32_t)k, (uint64_t)i);
        i += k;
    }
    assert_int_equal(s.onsets[1], 1);
    assert_int_equal(s.offsets[1], 1);
    assert_true(s.first_onset[1] >= 2000 && s.first_onset[1] < 2000 + 100); /* within 50 ms of the truth */
    for (int c = 0; c < nc; c++)
        if (c != 1) assert_int_equal(s.onsets[c], 0);
    /* NaN frames (lost samples) pass without crashing or activating anything */
    for (int i = 0; i < 500 * nc; i++) x[i] = NAN;
    pipeline_process(b.p, x, 500, (uint64_t)n);
    for (int c = 0; c < nc; c++) assert_int_equal(s.onsets[c], c == 1 ? 1 : 0);
    free(x);
    unbuild(&b);
}

static void test_frames_flow_to_transitions_per_muscle(void **st)
{
    (void)st;
    frames_flow(embedded_config);
}

/* A plugin built against ABI 1.0 in front of every muscle's chain: the host hands the muscles to it one by
 * one (it has no process_many) and the results are the same. */
static void test_a_1_0_plugin_still_works_in_a_shared_stage(void **st)
{
    (void)st;
    static char text[32768];
    const char *from = "filters  = ( {", *to = "filters  = ( { plugin = \"abi10\"; }, {";
    size_t o = 0;
    int n = 0;
    for (const char *at = embedded_config, *hit; (hit = strstr(at, from)); at = hit + strlen(from), n++) {
        o += (size_t)snprintf(text + o, sizeof text - o, "%.*s%s", (int)(hit - at), at, to);
        if (!strstr(hit + strlen(from), from))
            o += (size_t)snprintf(text + o, sizeof text - o, "%s", hit + strlen(from));
    }
    assert_int_equal(n, 4);
    frames_flow(text);
}

/* Lane groups (ABI 1.2 process_lanes) against the muscles one by one: the same bits. */
#define LN 7000
typedef struct rec {
    double env[4][LN], act[4][LN];
    uint64_t tr_at[4][64];
    int n_tr[4];
} rec;

static void rec_sink(void *ctx, int m, const double *env, const double *act, uint32_t n, uint64_t first,
                     const mf_transition *tr, uint32_t n_tr)
{
    rec *r = ctx;
    memcpy(&r->env[m][first], env, sizeof(double) * n);
    memcpy(&r->act[m][first], act, sizeof(double) * n);
    for (uint32_t t = 0; t < n_tr && r->n_tr[m] < 64; t++)
        r->tr_at[m][r->n_tr[m]++] = (first + tr[t].offset - tr[t].delay) * 2 + tr[t].on;
}

static void run_recorded(const char *text, int lanes, rec *r)
{
    built b;
    if (build(&b, text) != 0) {
        diag_print(&b.d);
        fail();
    }
    memset(r, 0, sizeof *r);
    assert_int_equal(pipeline_use_lanes(b.p, lanes), 0);
    pipeline_set_sink(b.p, (pipeline_sink){rec_sink, r});
    const int nc = 4;
    double *x = calloc((size_t)LN * nc, sizeof *x);
    uint64_t z = 99;
    for (int i = 0; i < LN; i++)
        for (int c = 0; c < nc; c++) {
            z = z * 6364136223846793005ull + 1442695040888963407ull;
            double u = ((double)(z >> 11) / 9007199254740992.0) * 2 - 1;
            double amp = ((i / 700 + c) % 3 == 0 && i > 2000) ? 150.0 : 3.0;
            x[(size_t)i * nc + c] = amp * u + 50.0 * c;
        }
    for (int i = 3100; i < 3140; i++) x[(size_t)i * nc + 2] = NAN; /* lost samples in one channel */
    x[(size_t)4500 * nc + 0] = INFINITY;
    for (int i = 0; i < LN;) {
        int k = (i * 7 + 13) % 333 + 1;
        if (i + k > LN) k = LN - i;
        pipeline_process(b.p, x + (size_t)i * nc, (uint32_t)k, (uint64_t)i);
        i += k;
    }
    free(x);
    unbuild(&b);
}

static void same_with_and_without_lanes(const char *text, const char *what)
{
    static rec a, b;
    run_recorded(text, 1, &a);
    run_recorded(text, 0, &b);
    for (int m = 0; m < 4; m++) {
        for (int i = 0; i < LN; i++)
            if (memcmp(&a.env[m][i], &b.env[m][i], sizeof(double)) ||
                memcmp(&a.act[m][i], &b.act[m][i], sizeof(double)))
                fail_msg("%s: muscle %d sample %d: env %.17g / %.17g, act %.17g / %.17g (lanes / one by one)", what, m,
                         i, a.env[m][i], b.env[m][i], a.act[m][i], b.act[m][i]);
        assert_int_equal(a.n_tr[m], b.n_tr[m]);
        for (int t = 0; t < a.n_tr[m]; t++) assert_true(a.tr_at[m][t] == b.tr_at[m][t]);
    }
    assert_true(a.n_tr[0] + a.n_tr[1] + a.n_tr[2] + a.n_tr[3] > 4); /* the detectors did decide */
}

static char *replaced(const char *text, const char *from, const char *to, int times)
{
    static char out[4][32768];
    static int turn;
    char *o = out[turn++ % 4];
    size_t len = 0;
    const char *at = text, *hit;
    while (times-- > 0 && (hit = strstr(at, from))) {
        len += (size_t)snprintf(o + len, 32768 - len, "%.*s%s", (int)(hit - at), at, to);
        at = hit + strlen(from);
    }
    snprintf(o + len, 32768 - len, "%s", at);
    return o;
}

static void test_lanes_give_the_same_bits_as_muscles_one_by_one(void **st)
{
    (void)st;
    /* the default: four muscles on channels 1-4 in one group, the frames copied as they are */
    same_with_and_without_lanes(embedded_config, "default");
    /* channels in another order: gathered lane by lane */
    const char *t = replaced(embedded_config, "channel = 1;", "channel = 4;", 1);
    t = replaced(t, "channel = 4;", "channel = 1;", 2);
    same_with_and_without_lanes(t, "channels 4 2 3 1");
    /* the last muscle on another envelope: a group of three (a spare lane) and one muscle alone */
    const char *env = "envelope = { plugin = \"linear-envelope\"; cutoff_hz = 80.0; order = 1; };";
    const char *e3 = strstr(t, env);
    assert_non_null(e3);
    for (int k = 0; k < 3; k++) e3 = strstr(e3 + 1, env);
    assert_non_null(e3);
    static char u[32768];
    snprintf(u, sizeof u, "%.*senvelope = { plugin = \"rms\"; window_ms = 5.0; };%s", (int)(e3 - t), t,
             e3 + strlen(env));
    same_with_and_without_lanes(u, "three in lanes, one alone");
}

int main(void)
{
    const char *g = getenv("MYOFEED_PLUGIN_DIR"), *bd = getenv("MYOFEED_TEST_PLUGIN_DIR");
    if (!g || !bd) {
        fprintf(stderr, "set MYOFEED_PLUGIN_DIR and MYOFEED_TEST_PLUGIN_DIR (ctest does)\n");
        return 1;
    }
    snprintf(dirs[0], sizeof dirs[0], "%s", g);
    snprintf(dirs[1], sizeof dirs[1], "%s", bd);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_chain_builds),
        cmocka_unit_test(test_unknown_plugin_is_named_with_line),
        cmocka_unit_test(test_plugin_of_the_wrong_kind_is_refused),
        cmocka_unit_test(test_bad_plugin_parameters_are_refused),
        cmocka_unit_test(test_create_failures_carry_the_plugins_reason),
        cmocka_unit_test(test_channel_beyond_the_source_is_rejected),
        cmocka_unit_test(test_thresholds_change_at_runtime_within_range),
        cmocka_unit_test(test_frames_flow_to_transitions_per_muscle),
        cmocka_unit_test(test_a_1_0_plugin_still_works_in_a_shared_stage),
        cmocka_unit_test(test_lanes_give_the_same_bits_as_muscles_one_by_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* bench_chain: ns per channel-sample of a configuration's whole chain (filters -> envelope -> detector)
 * run through the daemon's own pipeline and plugins, on the synthetic patient.
 *   bench_chain [-c FILE] [-s SECONDS] [-r REPS] [-b BLOCK]   (default: the built-in config, 60 s, 7 reps)
 * Prints numbers only; it asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libgen.h>
#include <limits.h>

#include "config/config.h"
#include "pipeline/pipeline.h"
#include "host/plugin_host.h"
#include "sources/synth_patient.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void sink(void *ctx, int m, const double *env, const double *act, uint32_t n, uint64_t first,
                 const mf_transition *tr, uint32_t n_tr)
{
    (void)m, (void)env, (void)first, (void)tr;
    *(double *)ctx += act[n - 1] + n_tr;
}

int main(int argc, char **argv)
{
    const char *cfg_path = NULL;
    double seconds = 60;
    int reps = 7, block = 256;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-c"))
            cfg_path = argv[i + 1];
        else if (!strcmp(argv[i], "-s"))
            seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "-r"))
            reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-b"))
            block = atoi(argv[i + 1]);
    }
    char exe[PATH_MAX];
    ssize_t r = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[r > 0 ? r : 0] = 0;
    diag d;
    diag_init(&d);
    config *c = config_load(cfg_path, NULL, 0, dirname(exe), &d);
    if (!c) {
        diag_print(&d);
        return 1;
    }
    plugin_host *h = plugin_host_new((const char(*)[4096])c->plugin_dirs, c->n_plugin_dirs);
    pipeline *p = pipeline_build(c, h, c->source.sample_rate, c->source.channels, &d);
    if (!p) {
        diag_print(&d);
        return 1;
    }
    double fs = c->source.sample_rate;
    int nc = c->source.channels, nm = c->n_muscles;
    size_t frames = (size_t)(seconds * fs);
    double *x = malloc(sizeof(double) * frames * (size_t)nc);
    synth_patient *sp = synth_new(nc, fs, 1, 50);
    synth_generate(sp, x, (uint32_t)frames);
    synth_free(sp);
    double acc = 0, t[64];
    pipeline_set_sink(p, (pipeline_sink){sink, &acc});
    if (reps > 64) reps = 64;
    for (int k = -1; k < reps; k++) { /* one warm-up */
        pipeline_reset(p);
        double t0 = now();
        for (size_t i = 0; i < frames; i += (size_t)block) {
            size_t n = frames - i < (size_t)block ? frames - i : (size_t)block;
            pipeline_process(p, x + i * (size_t)nc, (uint32_t)n, i);
        }
        if (k >= 0) t[k] = (now() - t0) / ((double)frames * nm) * 1e9;
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp);
    /* one more pass with each stage timed */
    pipeline_reset(p);
    pipeline_profile(p, 1);
    for (size_t i = 0; i < frames; i += (size_t)block) {
        size_t n = frames - i < (size_t)block ? frames - i : (size_t)block;
        pipeline_process(p, x + i * (size_t)nc, (uint32_t)n, i);
    }
    double st[PIPELINE_STAGES], per = 1e0 / ((double)frames * nm);
    pipeline_stage_ns(p, st);
    printf("myofeed %s: %d muscles at %g Hz, %g s, block %d: %.2f ns per channel-sample (median of %d; min %.2f, "
           "max %.2f); %.0fx real time per muscle (checksum %g)\n",
           c->path, nm, fs, seconds, block, t[reps / 2], reps, t[0], t[reps - 1], 1e9 / fs / t[reps / 2] / 1.0,
           acc > 0 ? 1.0 : 0.0);
    printf("  by stage (one timed pass), ns per channel-sample: samples in/out %.2f", st[0] * per);
    for (int f = 0; f < CFG_MAX_FILTERS; f++)
        if (st[1 + f] > 0) printf(", filter %d %.2f", f + 1, st[1 + f] * per);
    printf(", envelope %.2f, detector %.2f\n", st[1 + CFG_MAX_FILTERS] * per, st[2 + CFG_MAX_FILTERS] * per);
    free(x);
    pipeline_free(p);
    plugin_host_free(h);
    config_free(c);
    return 0;
}

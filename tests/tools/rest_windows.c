/* rest_windows.c: the rest-calibration rule (daemon/pipeline/rest_check.c) on every window of a signal, through
 * the configuration's first muscle's real chain: what the daemon would have said, had a rest calibration of
 * WINDOW_S seconds started at each window's start.
 *   mf-rest-windows CONFIG FILE COLUMN WINDOW_S STEP_S [FROM_S]
 *   mf-rest-windows CONFIG synthetic:SECONDS:CHANNEL WINDOW_S STEP_S [FROM_S]   (the synthetic patient)
 * COLUMN is a number from 1 or a header name. Prints "t0 t1 at_rest ratio active_s median_uv" per window
 * (windows start at FROM_S, default 2 s: the detectors' lead-in). docs/calibration.py turns these into the
 * tables of docs/calibration.md. */
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "host/plugin_host.h"
#include "pipeline/pipeline.h"
#include "pipeline/rest_check.h"
#include "sources/reader.h"
#include "sources/synth_patient.h"

typedef struct trace {
    double *env;
    unsigned char *active;
    size_t n, cap;
    int state;
} trace;

static void sink(void *ctx, int m, const double *env, const double *act, uint32_t n, uint64_t first,
                 const mf_transition *tr, uint32_t n_tr)
{
    (void)m, (void)act, (void)first;
    trace *t = ctx;
    if (t->n + n > t->cap) {
        size_t cap = (t->n + n) * 2;
        double *e = realloc(t->env, cap * sizeof *e);
        unsigned char *a = e ? realloc(t->active, cap) : NULL;
        if (!e || !a) {
            fprintf(stderr, "mf-rest-windows: out of memory after %zu samples\n", t->n);
            exit(2);
        }
        t->env = e, t->active = a, t->cap = cap;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) { /* the state changes at each decision, as the daemon's feedback sees it */
        while (k < n_tr && tr[k].offset == i) t->state = tr[k++].on;
        t->env[t->n] = env[i];
        t->active[t->n++] = (unsigned char)t->state;
    }
}

int main(int argc, char **argv)
{
    int synthetic = argc >= 2 && argc > 2 && strncmp(argv[2], "synthetic:", 10) == 0;
    int base = synthetic ? 3 : 4;
    if (argc < base + 2) {
        fprintf(stderr,
                "usage: %s CONFIG FILE COLUMN WINDOW_S STEP_S [FROM_S]\n"
                "       %s CONFIG synthetic:SECONDS:CHANNEL WINDOW_S STEP_S [FROM_S]\n",
                argv[0], argv[0]);
        return 1;
    }
    double win = atof(argv[base]), step = atof(argv[base + 1]), from = argc > base + 2 ? atof(argv[base + 2]) : 2.0;
    char exe[PATH_MAX] = ".", buf[PATH_MAX];
    ssize_t r = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (r > 0) buf[r] = 0, snprintf(exe, sizeof exe, "%s", dirname(buf));
    diag d;
    diag_init(&d);
    config *c = config_load(argv[1], NULL, 0, exe, &d);
    if (!c) {
        diag_print(&d);
        return 1;
    }
    c->n_muscles = 1;
    c->muscles[0].channel = 1;
    char err[700];
    double fs;
    double *x = NULL;
    size_t n = 0;
    if (synthetic) {
        double secs = atof(argv[2] + 10);
        const char *colon = strchr(argv[2] + 10, ':');
        int ch = colon ? atoi(colon + 1) : 1;
        fs = c->source.sample_rate;
        n = (size_t)(secs * fs);
        synth_patient *sp = synth_new(ch, fs, c->source.seed, 50.0);
        double *all = malloc(sizeof(double) * n * (size_t)ch);
        x = malloc(sizeof(double) * n);
        if (!sp || !all || !x) return 2;
        synth_generate(sp, all, (uint32_t)n);
        for (size_t i = 0; i < n; i++) x[i] = all[i * (size_t)ch + (size_t)(ch - 1)];
        free(all);
        synth_free(sp);
    } else {
        cfg_column col = {0, ""};
        char *end;
        long idx = strtol(argv[3], &end, 10);
        if (*end)
            snprintf(col.name, sizeof col.name, "%s", argv[3]);
        else
            col.index = (int)idx;
        reader *rd = reader_open(argv[2], &col, 1, c->source.scale, c->source.sample_rate, err, sizeof err);
        if (!rd) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        fs = reader_rate(rd);
        size_t cap = 1 << 16;
        x = malloc(sizeof(double) * cap);
        uint32_t got;
        while (x && (got = reader_read(rd, x + n, 4096)) > 0) {
            n += got;
            if (n + 4096 > cap) {
                double *y = realloc(x, sizeof(double) * (cap *= 2));
                if (!y) free(x);
                x = y;
            }
        }
        reader_close(rd);
        if (!x) return 2;
    }
    plugin_host *h = plugin_host_new((const char(*)[4096])c->plugin_dirs, c->n_plugin_dirs);
    pipeline *p = h ? pipeline_build(c, h, fs, 1, &d) : NULL;
    if (!p) {
        diag_print(&d);
        return 1;
    }
    trace t = {0};
    pipeline_set_sink(p, (pipeline_sink){sink, &t});
    pipeline_process(p, x, (uint32_t)n, 0);
    for (double t0 = from; t0 + win <= (double)n / fs + 1e-9; t0 += step) {
        rest_check rc;
        rest_check_start(&rc, fs);
        size_t a = (size_t)(t0 * fs), b = (size_t)((t0 + win) * fs);
        for (size_t i = a; i < b && i < t.n; i++)
            if (isfinite(t.env[i])) rest_check_feed(&rc, t.env[i], t.active[i]);
        char why[400];
        rest_verdict v = rest_check_verdict(&rc, fs, c->muscles[0].name, why, sizeof why);
        printf("%.3f %.3f %d %.3f %.3f %.3f\n", t0, t0 + win, v.at_rest, v.ratio, v.active_s, v.median_uv);
    }
    free(t.env);
    free(t.active);
    free(x);
    pipeline_free(p);
    plugin_host_free(h);
    config_free(c);
    return 0;
}

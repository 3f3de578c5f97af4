/* myofeed-eval: scores detector chains against ground truth.
 *
 * Generated signals (default): every muscle of the configuration is one candidate chain; all of them see
 * the same single-channel scenarios (scenario.h) over a grid of SNRs and conditions (clean, mains hum,
 * hum + drift), several seeds each, and the tool prints precision, recall, F1, onset delay (median, p90)
 * and false activations per minute of rest for every chain and SNR.
 *   myofeed-eval -c config/eval.cfg [--seeds N] [--seconds S] [--snr 3,6,10,20] [--tolerance MS] [--markdown]
 * --delay-from PCT measures onset delays from where a contraction reaches PCT % of its plateau instead of from
 * the truth onset (10 %); matching is unchanged.
 *
 * A real recording: the configuration's replay source (source.columns, source.scale) and a truth file of
 * "onset_s,offset_s" lines (derived from force, joint angle or gait events; see docs/detection.md).
 *   myofeed-eval -c CONFIG --recording FILE --truth TRUTH.csv [--tolerance MS] [--markdown]
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "config/config.h"
#include "pipeline/pipeline.h"
#include "host/plugin_host.h"
#include "sources/reader.h"
#include "scenario.h"
#include "score.h"

#define MAXD 4096

typedef struct collect {
    int n[CFG_MAX_MUSCLES];
    detection d[CFG_MAX_MUSCLES][MAXD];
} collect;

static void sink(void *ctx, int m, const double *env, const double *act, uint32_t n, uint64_t first,
                 const mf_transition *tr, uint32_t n_tr)
{
    (void)env, (void)act, (void)n;
    collect *c = ctx;
    for (uint32_t k = 0; k < n_tr; k++) {
        uint64_t dec = first + tr[k].offset;
        if (tr[k].on) {
            if (c->n[m] < MAXD) c->d[m][c->n[m]++] = (detection){dec >= tr[k].delay ? dec - tr[k].delay : 0, dec, 0};
        } else if (c->n[m] > 0) {
            c->d[m][c->n[m] - 1].off = dec >= tr[k].delay ? dec - tr[k].delay : 0;
        }
    }
}

/* Runs a fresh pipeline (fresh detector state) over x. */
static int run(const config *c, plugin_host *h, double fs, const double *x, uint64_t n, int channels, collect *col)
{
    diag d;
    diag_init(&d);
    pipeline *p = pipeline_build(c, h, fs, channels, &d);
    if (!p) {
        diag_print(&d);
        return -1;
    }
    memset(col->n, 0, sizeof col->n);
    pipeline_set_sink(p, (pipeline_sink){sink, col});
    for (uint64_t i = 0; i < n; i += 4096) {
        uint64_t k = n - i < 4096 ? n - i : 4096;
        pipeline_process(p, x + i * (uint64_t)channels, (uint32_t)k, i);
    }
    pipeline_free(p);
    return 0;
}

static void header(int md)
{
    if (md) {
        printf("| detector chain | SNR dB | F1 | precision | recall | onset delay median ms | p90 ms | onset error "
               "median ms | p90 ms | false activations / min rest |\n|---|---|---|---|---|---|---|---|---|---|\n");
    } else {
        printf("%-22s %6s %6s %9s %7s %10s %8s %10s %8s %9s\n", "detector chain", "SNR", "F1", "precision", "recall",
               "delay p50", "p90", "error p50", "p90", "FA/min");
    }
}

static void line(int md, const char *name, const char *snr, const score *s)
{
    if (md)
        printf("| %s | %s | %.3f | %.3f | %.3f | %.0f | %.0f | %.0f | %.0f | %.2f |\n", name, snr, s->f1, s->precision,
               s->recall, s->delay_median_ms, s->delay_p90_ms, s->onset_err_median_ms, s->onset_err_p90_ms,
               s->fa_per_min);
    else
        printf("%-22s %6s %6.3f %9.3f %7.3f %10.0f %8.0f %10.0f %8.0f %9.2f\n", name, snr, s->f1, s->precision,
               s->recall, s->delay_median_ms, s->delay_p90_ms, s->onset_err_median_ms, s->onset_err_p90_ms,
               s->fa_per_min);
}

static int verbose;

static int eval_generated(const config *c, plugin_host *h, int seeds, double seconds, const double *snrs, int n_snr,
                          double tol, double delay_from, const char *only, int md)
{
    const double fs = c->source.sample_rate;
    static const struct {
        const char *name;
        double hum;
        int drift;
    } conds[] = {{"clean", 0, 0}, {"hum", 30, 0}, {"hum+drift", 30, 1}};
    int first = 0, end = 3; /* the conditions run: all, or the one --condition names */
    if (only) {
        while (first < end && strcmp(only, conds[first].name)) first++;
        if (first == end) {
            fprintf(stderr, "--condition %s: no such condition (clean, hum or hum+drift)\n", only);
            return 1;
        }
        end = first + 1;
    }
    int nc = 1; /* any configuration can be scored: each muscle is a candidate chain */
    for (int m = 0; m < c->n_muscles; m++)
        if (c->muscles[m].channel > nc) nc = c->muscles[m].channel;
    int rc = 0;
    double *wide = NULL;
    collect *col = calloc(1, sizeof *col);
    score_acc *acc = calloc((size_t)(c->n_muscles * (n_snr + 1)), sizeof *acc); /* last: SNR >= 6 dB overall */
    if (!col || !acc) goto out_of_memory;
    fprintf(stderr, "evaluating %d chains: %d SNRs x %d conditions x %d seeds x %g s\n", c->n_muscles, n_snr,
            end - first, seeds, seconds);
    for (int si = 0; si < n_snr; si++) {
        for (int ci = first; ci < end; ci++)
            for (int seed = 0; seed < seeds; seed++) {
                scenario_spec sp = {(uint32_t)(seed * 7 + ci * 101 + 1),
                                    fs,
                                    seconds,
                                    snrs[si],
                                    0,
                                    conds[ci].hum,
                                    conds[ci].drift,
                                    2.0,
                                    delay_from / 100.0};
                scenario s;
                if (scenario_make(&sp, &s) != 0) {
                    scenario_free(&s);
                    goto out_of_memory;
                }
                const double *x = s.x;
                if (nc > 1) { /* every muscle's channel carries the same generated signal */
                    double *w = realloc(wide, sizeof(double) * s.n * (size_t)nc);
                    if (!w) {
                        scenario_free(&s);
                        goto out_of_memory;
                    }
                    wide = w;
                    for (uint64_t i = 0; i < s.n; i++)
                        for (int k = 0; k < nc; k++) wide[i * (uint64_t)nc + (uint64_t)k] = s.x[i];
                    x = wide;
                }
                if (run(c, h, fs, x, s.n, nc, col) != 0) { /* run() printed why */
                    scenario_free(&s);
                    rc = 1;
                    goto done;
                }
                for (int m = 0; m < c->n_muscles; m++) {
                    if (verbose) {
                        score_acc one;
                        memset(&one, 0, sizeof one);
                        score_trial(&one, s.t, s.n_truth, col->d[m], col->n[m], s.n, fs, tol);
                        score r1 = score_result(&one);
                        fprintf(stderr, "  %-22s snr %4g %-10s seed %d: truths %d detections %d matched %d F1 %.3f\n",
                                c->muscles[m].name, snrs[si], conds[ci].name, seed, r1.truths, r1.detections,
                                r1.matched, r1.f1);
                        score_acc_free(&one);
                        if (verbose > 1) { /* -vv: the contractions and the detections, in seconds */
                            for (int t = 0; t < s.n_truth; t++)
                                fprintf(stderr, "    truth %8.3f .. %8.3f\n", s.t[t].on / fs, s.t[t].off / fs);
                            for (int d = 0; d < col->n[m]; d++)
                                fprintf(stderr, "    detected %8.3f (decided %8.3f) .. %8.3f\n", col->d[m][d].on / fs,
                                        col->d[m][d].decided / fs, col->d[m][d].off / fs);
                        }
                    }
                    score_trial(&acc[m * (n_snr + 1) + si], s.t, s.n_truth, col->d[m], col->n[m], s.n, fs, tol);
                    if (snrs[si] >= 6)
                        score_trial(&acc[m * (n_snr + 1) + n_snr], s.t, s.n_truth, col->d[m], col->n[m], s.n, fs, tol);
                }
                scenario_free(&s);
            }
        fprintf(stderr, "  SNR %g dB done\n", snrs[si]);
    }
    double pooled_from = 0;
    for (int si = 0; si < n_snr; si++)
        if (snrs[si] >= 6 && (pooled_from == 0 || snrs[si] < pooled_from)) pooled_from = snrs[si];
    header(md);
    for (int m = 0; m < c->n_muscles; m++) {
        for (int si = 0; si <= n_snr; si++) {
            char lab[32];
            if (si < n_snr)
                snprintf(lab, sizeof lab, "%g", snrs[si]);
            else
                snprintf(lab, sizeof lab, ">=%g", pooled_from); /* the SNRs pooled: those of 6 dB and more */
            score r = score_result(&acc[m * (n_snr + 1) + si]);
            if (si < n_snr || pooled_from > 0) line(md, c->muscles[m].name, lab, &r); /* nothing pooled: no row */
        }
    }
    goto done;
out_of_memory:
    fprintf(stderr, "myofeed-eval: out of memory for %g s of %d channel(s) at %g Hz; give fewer --seconds\n", seconds,
            nc, fs);
    rc = 2;
done:
    for (int k = 0; acc && k < c->n_muscles * (n_snr + 1); k++) score_acc_free(&acc[k]);
    free(acc);
    free(col);
    free(wide);
    return rc;
}

static int eval_recording(const config *c, plugin_host *h, const char *file, const char *truth_file, double tol, int md)
{
    char err[600];
    reader *r = reader_open(file, c->source.columns, c->source.n_columns, c->source.scale, c->source.sample_rate, err,
                            sizeof err);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    int nc = reader_channels(r);
    double fs = reader_rate(r);
    size_t cap = 1 << 16, n = 0;
    double *x = malloc(sizeof(double) * cap * (size_t)nc);
    if (!x) {
        fprintf(stderr, "%s: out of memory for its samples\n", file);
        reader_close(r);
        return 2;
    }
    uint32_t got;
    while ((got = reader_read(r, x + n * (size_t)nc, 4096)) > 0) {
        n += got;
        if (n + 4096 > cap) {
            double *bigger = realloc(x, sizeof(double) * cap * 2 * (size_t)nc);
            if (!bigger) {
                fprintf(stderr, "%s: out of memory after %zu frames; score a shorter recording\n", file, n);
                free(x);
                reader_close(r);
                return 2;
            }
            x = bigger;
            cap *= 2;
        }
    }
    reader_close(r);
    FILE *tf = fopen(truth_file, "r");
    if (!tf) {
        fprintf(stderr, "%s: cannot read the truth file\n", truth_file);
        return 2;
    }
    truth t[1024];
    int nt = 0;
    double a, b;
    char buf[256];
    while (fgets(buf, sizeof buf, tf) && nt < 1024)
        if (sscanf(buf, "%lf,%lf", &a, &b) == 2)
            t[nt++] = (truth){(uint64_t)(a * fs), (uint64_t)(b * fs), (uint64_t)(a * fs)};
    fclose(tf);
    collect *col = calloc(1, sizeof *col);
    if (run(c, h, fs, x, n, nc, col) != 0) return 1;
    header(md);
    for (int m = 0; m < c->n_muscles; m++) {
        score_acc acc;
        memset(&acc, 0, sizeof acc);
        score_trial(&acc, t, nt, col->d[m], col->n[m], n, fs, tol);
        score s = score_result(&acc);
        line(md, c->muscles[m].name, "-", &s);
        score_acc_free(&acc);
    }
    free(col);
    free(x);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cfg = "config/eval.cfg", *rec = NULL, *truth_file = NULL, *only = NULL;
    int seeds = 3, md = 0;
    double seconds = 120, tol = 100, delay_from = 0;
    double snrs[16] = {3, 6, 10, 20, 30};
    int n_snr = 5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc)
            cfg = argv[++i];
        else if (!strcmp(argv[i], "--seeds") && i + 1 < argc) {
            if (args_count(argv[0], "--seeds", argv[++i], 1, 1000, &seeds) != 0) return 1;
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            if (args_number(argv[0], "--seconds", argv[++i], 10, 86400, &seconds) != 0) return 1;
        } else if (!strcmp(argv[i], "--tolerance") && i + 1 < argc) {
            if (args_number(argv[0], "--tolerance", argv[++i], 0, 10000, &tol) != 0) return 1;
        } else if (!strcmp(argv[i], "--delay-from") && i + 1 < argc) {
            if (args_number(argv[0], "--delay-from", argv[++i], 0, 100, &delay_from) != 0) return 1;
        } else if (!strcmp(argv[i], "--recording") && i + 1 < argc)
            rec = argv[++i];
        else if (!strcmp(argv[i], "--truth") && i + 1 < argc)
            truth_file = argv[++i];
        else if (!strcmp(argv[i], "--condition") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--markdown"))
            md = 1;
        else if (!strcmp(argv[i], "-v"))
            verbose = 1;
        else if (!strcmp(argv[i], "-vv"))
            verbose = 2;
        else if (!strcmp(argv[i], "--snr") && i + 1 < argc) {
            n_snr = 0;
            for (char *s = strtok(argv[++i], ","); s; s = strtok(NULL, ",")) {
                if (n_snr == 16) {
                    fprintf(stderr, "%s: --snr: at most 16 values\n", argv[0]);
                    return 1;
                }
                if (args_number(argv[0], "--snr", s, -40, 80, &snrs[n_snr++]) != 0) return 1;
            }
        } else {
            fprintf(
                stderr,
                "usage: %s [-c CONFIG] [--seeds N] [--seconds S] [--snr 3,6,10] [--tolerance MS] [--delay-from PCT]\n"
                "          [--condition clean|hum|hum+drift] [--markdown] [-v|-vv]\n"
                "       %s -c CONFIG --recording FILE --truth TRUTH.csv [--tolerance MS] [--markdown]\n",
                argv[0], argv[0]);
            return 1;
        }
    }
    char exe[PATH_MAX];
    ssize_t r = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[r > 0 ? r : 0] = 0;
    diag d;
    diag_init(&d);
    config *c = config_load(cfg, NULL, 0, dirname(exe), &d);
    if (!c) {
        diag_print(&d);
        return 1;
    }
    plugin_host *h = plugin_host_new((const char(*)[4096])c->plugin_dirs, c->n_plugin_dirs);
    int rc = rec ? (truth_file ? eval_recording(c, h, rec, truth_file, tol, md)
                               : (fprintf(stderr, "--recording needs --truth\n"), 1))
                 : eval_generated(c, h, seeds, seconds, snrs, n_snr, tol, delay_from, only, md);
    plugin_host_free(h);
    config_free(c);
    return rc;
}

/* score.c: matching and metrics (see score.h). */
#include "score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *v, int n, double p)
{
    if (n == 0) return 0;
    double pos = p * (n - 1);
    int i = (int)pos;
    double f = pos - i;
    return i + 1 < n ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

/* The median of v[0..n) (returned) and its 90th percentile (*p90), on a sorted copy. */
static double median_p90(const double *v, int n, double *p90)
{
    double *c = malloc(sizeof(double) * (size_t)(n ? n : 1));
    if (n) memcpy(c, v, sizeof(double) * (size_t)n);
    qsort(c, (size_t)n, sizeof(double), cmp);
    double m = pct(c, n, 0.5);
    *p90 = pct(c, n, 0.9);
    free(c);
    return m;
}

void score_trial(score_acc *a, const truth *t, int nt, const detection *d, int nd, uint64_t n_samples, double fs,
                 double tolerance_ms)
{
    char *used = calloc((size_t)nt + 1, 1);
    uint64_t tol = (uint64_t)(tolerance_ms * fs / 1000.0);
    uint64_t active = 0;
    for (int k = 0; k < nt; k++) active += t[k].off - t[k].on;
    a->truths += nt;
    a->detections += nd;
    a->rest_s += (double)(n_samples - active) / fs;
    for (int j = 0; j < nd; j++) {
        int hit = -1;
        for (int k = 0; k < nt && hit < 0; k++) {
            uint64_t lo = t[k].on > tol ? t[k].on - tol : 0;
            if (!used[k] && d[j].decided >= lo && d[j].decided < t[k].off) hit = k;
        }
        if (hit < 0) {
            a->false_pos++;
            continue;
        }
        used[hit] = 1;
        a->matched++;
        if (a->n_delays == a->cap_delays) {
            a->cap_delays = a->cap_delays ? 2 * a->cap_delays : 256;
            a->delays_ms = realloc(a->delays_ms, sizeof(double) * (size_t)a->cap_delays);
            a->onset_err_ms = realloc(a->onset_err_ms, sizeof(double) * (size_t)a->cap_delays);
        }
        a->onset_err_ms[a->n_delays] = fabs((double)d[j].on - (double)t[hit].on) * 1000.0 / fs;
        a->delays_ms[a->n_delays++] = ((double)d[j].decided - (double)t[hit].ref) * 1000.0 / fs;
    }
    free(used);
}

score score_result(const score_acc *a)
{
    score s;
    memset(&s, 0, sizeof s);
    s.truths = a->truths;
    s.detections = a->detections;
    s.matched = a->matched;
    s.false_pos = a->false_pos;
    s.precision = a->detections ? (double)a->matched / a->detections : (a->truths ? 0.0 : 1.0);
    s.recall = a->truths ? (double)a->matched / a->truths : 1.0;
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
    s.delay_median_ms = median_p90(a->delays_ms, a->n_delays, &s.delay_p90_ms);
    s.onset_err_median_ms = median_p90(a->onset_err_ms, a->n_delays, &s.onset_err_p90_ms);
    s.rest_min = a->rest_s / 60.0;
    s.fa_per_min = s.rest_min > 0 ? a->false_pos / s.rest_min : 0.0;
    return s;
}

void score_acc_free(score_acc *a)
{
    free(a->delays_ms);
    free(a->onset_err_ms);
    memset(a, 0, sizeof *a);
}

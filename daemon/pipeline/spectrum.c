/* spectrum.c: see spectrum.h. */
#include "pipeline/spectrum.h"

#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int spectrum_init(spectrum *s, double fs, char *err, size_t n)
{
    memset(s, 0, sizeof *s);
    s->fs = fs;
    int len = 16;
    while (len * 2 <= SPECTRUM_SEG_S * fs * 1.5 && len < 65536) len *= 2; /* the power of two nearest 0.25 s */
    s->n = len;
    s->win = fftw_alloc_real((size_t)len);
    s->ring = fftw_alloc_real((size_t)len);
    s->seg = fftw_alloc_real((size_t)len);
    s->psd = fftw_alloc_real((size_t)len / 2 + 1);
    s->out = fftw_alloc_complex((size_t)len / 2 + 1);
    if (s->win && s->ring && s->seg && s->psd && s->out)
        s->plan = fftw_plan_dft_r2c_1d(len, s->seg, s->out, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
    if (!s->plan) {
        snprintf(err, n, "out of memory for the %d-point spectra at %g Hz; free memory and start again", len, fs);
        spectrum_free(s);
        return -1;
    }
    for (int i = 0; i < len; i++) s->win[i] = 0.5 - 0.5 * cos(2 * M_PI * i / len); /* periodic, as scipy's hann */
    spectrum_reset(s);
    return 0;
}

void spectrum_free(spectrum *s)
{
    if (s->plan) fftw_destroy_plan(s->plan);
    fftw_free(s->win);
    fftw_free(s->ring);
    fftw_free(s->seg);
    fftw_free(s->psd);
    fftw_free(s->out);
    memset(s, 0, sizeof *s);
}

void spectrum_reset(spectrum *s)
{
    s->count = 0;
    s->pos = 0;
    s->segments = 0;
    memset(s->psd, 0, sizeof(double) * (size_t)(s->n / 2 + 1));
}

/* The last n samples, mean removed, windowed, transformed; their power added. */
static void segment(spectrum *s)
{
    const int n = s->n;
    double mean = 0;
    for (int i = 0; i < n; i++) mean += s->ring[i];
    mean /= n;
    for (int i = 0; i < n; i++) s->seg[i] = (s->ring[(s->pos + (uint32_t)i) % (uint32_t)n] - mean) * s->win[i];
    fftw_execute(s->plan);
    const fftw_complex *X = s->out;
    for (int k = 0; k <= n / 2; k++) {
        double p = X[k][0] * X[k][0] + X[k][1] * X[k][1];
        s->psd[k] += (k == 0 || k == n / 2) ? p : 2 * p; /* one-sided */
    }
    s->segments++;
}

void spectrum_feed(spectrum *s, const double *x, uint32_t m)
{
    const uint32_t n = (uint32_t)s->n, hop = n / 2;
    for (uint32_t i = 0; i < m; i++) {
        s->ring[s->pos] = isfinite(x[i]) ? x[i] : 0.0;
        s->pos = s->pos + 1 == n ? 0 : s->pos + 1;
        s->count++;
        /* segments start at samples 0, hop, 2 hop, ...: one ends here when count - n is a multiple of hop */
        if (s->count >= n && (s->count - n) % hop == 0) segment(s);
    }
}

int spectrum_result(const spectrum *s, double *median_hz, double *mean_hz)
{
    *median_hz = *mean_hz = 0;
    if (s->segments == 0) return 0;
    const int bins = s->n / 2 + 1;
    const double df = s->fs / s->n;
    double total = 0, moment = 0;
    for (int k = 0; k < bins; k++) {
        total += s->psd[k];
        moment += s->psd[k] * k * df;
    }
    if (!(total > 0)) return s->segments;
    *mean_hz = moment / total;
    double half = total / 2, cum = 0;
    for (int k = 0; k < bins; k++) {
        if (cum + s->psd[k] >= half) { /* interpolated within the bin, over its power */
            double frac = s->psd[k] > 0 ? (half - cum) / s->psd[k] : 0;
            *median_hz = (k - 0.5 + frac) * df;
            if (*median_hz < 0) *median_hz = 0;
            break;
        }
        cum += s->psd[k];
    }
    return s->segments;
}

double spectrum_slope(const double *x, const double *y, int n)
{
    if (n < 2) return 0;
    double mx = 0, my = 0;
    for (int i = 0; i < n; i++) mx += x[i], my += y[i];
    mx /= n, my /= n;
    double sxy = 0, sxx = 0;
    for (int i = 0; i < n; i++) sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx);
    return sxx > 0 ? sxy / sxx : 0;
}

/* check.c: see check.h. */
#include "session/check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void check_start(check *k, const config *c, double fs, double seconds)
{
    memset(k, 0, sizeof *k);
    k->running = 1;
    k->fs = fs;
    k->left = (uint64_t)(seconds * fs);
    k->n = c->n_muscles;
    for (int i = 0; i < k->n; i++) {
        k->channel[i] = c->muscles[i].channel - 1;
        for (int h = 0; h < 2; h++) k->m[i].c[h] = 2 * cos(2 * M_PI * (h ? 60.0 : 50.0) / fs);
        k->m[i].lo = INFINITY;
        k->m[i].hi = -INFINITY;
    }
}

static void feed_raw(check_muscle *m, double x)
{
    if (!isfinite(x)) return;
    m->n++;
    m->sum += x;
    m->sumsq += x * x;
    for (int h = 0; h < 2; h++) { /* Goertzel: s = x + 2 cos(w) s1 - s2 */
        double s = x + m->c[h] * m->g[h][0] - m->g[h][1];
        m->g[h][1] = m->g[h][0];
        m->g[h][0] = s;
    }
    /* clipping: a value repeated at the window's extremes */
    m->run = x == m->last ? m->run + 1 : 1;
    m->last = x;
    if (x < m->lo) m->lo = x, m->at_lo = 0;
    if (x > m->hi) m->hi = x, m->at_hi = 0;
    if (m->run >= 3 && x == m->lo) m->at_lo += m->run == 3 ? 3 : 1;
    if (m->run >= 3 && x == m->hi) m->at_hi += m->run == 3 ? 3 : 1;
}

int check_frames(check *k, const double *frames, uint32_t n, int n_channels)
{
    if (!k->running) return 0;
    uint32_t use = k->left < n ? (uint32_t)k->left : n;
    for (int i = 0; i < k->n; i++)
        for (uint32_t s = 0; s < use; s++)
            feed_raw(&k->m[i], frames[(size_t)s * (size_t)n_channels + (size_t)k->channel[i]]);
    k->left -= use;
    if (k->left > 0) return 0;
    k->running = 0;
    return 1;
}

void check_filtered(check *k, int m, const double *x, uint32_t n)
{
    if (!k->running) return;
    check_muscle *c = &k->m[m];
    for (uint32_t i = 0; i < n; i++)
        if (isfinite(x[i])) c->fsum += x[i], c->fsumsq += x[i] * x[i], c->fn++;
}

/* RMS of the tone Goertzel h measured over n samples. */
static double tone_rms(const check_muscle *m, int h)
{
    double s1 = m->g[h][0], s2 = m->g[h][1];
    double power = s1 * s1 + s2 * s2 - m->c[h] * s1 * s2; /* |X|^2 */
    return m->n ? sqrt(2 * power) / (double)m->n : 0;     /* amplitude A gives |X| = A n / 2; RMS A / sqrt 2 */
}

check_result check_result_of(const check *k, int i, const char *name)
{
    const check_muscle *m = &k->m[i];
    check_result r = {0, 0, 50, 0, "good", ""};
    double fmean = m->fn ? m->fsum / (double)m->fn : 0;
    double fvar = m->fn ? m->fsumsq / (double)m->fn - fmean * fmean : 0;
    r.noise_uv = sqrt(fvar > 0 ? fvar : 0);
    double mean = m->n ? m->sum / (double)m->n : 0;
    double var = m->n ? m->sumsq / (double)m->n - mean * mean : 0;
    double sd = sqrt(var > 0 ? var : 0);
    double t50 = tone_rms(m, 0), t60 = tone_rms(m, 1);
    r.mains_hz = t60 > t50 ? 60 : 50;
    r.mains_ratio = (t60 > t50 ? t60 : t50) / (r.noise_uv > 0.01 ? r.noise_uv : 0.01);
    r.clipped_pct = m->n ? 100.0 * (double)(m->at_lo + m->at_hi) / (double)m->n : 0;
    if (m->n == 0 || sd < 0.05 || r.noise_uv > CHECK_LEAD_OFF_UV) {
        r.verdict = "lead_off";
        snprintf(r.advice, sizeof r.advice, "%s: %s; check that the electrodes on %s are connected and stuck on", name,
                 m->n == 0   ? "no signal"
                 : sd < 0.05 ? "the line is flat"
                             : "the input picks up everything",
                 name);
    } else if (r.clipped_pct > 1.0) {
        r.verdict = "saturated";
        snprintf(
            r.advice, sizeof r.advice,
            "%s: %.1f %% of the samples are clipped; check the electrode on %s (it may be loose) or lower the gain",
            name, r.clipped_pct, name);
    } else if (r.mains_ratio > CHECK_MAINS_RATIO) {
        r.verdict = "mains";
        snprintf(r.advice, sizeof r.advice,
                 "%s: %.0f Hz hum is %.0f times the EMG noise; check the electrode on %s and the reference electrode, "
                 "and keep cables away from mains leads",
                 name, r.mains_hz, r.mains_ratio, name);
    } else if (r.noise_uv > CHECK_NOISE_UV) {
        r.verdict = "check_electrode";
        snprintf(r.advice, sizeof r.advice,
                 "check the electrode on %s: %.1f uV RMS at rest (good contact gives under %.0f); clean the skin, "
                 "press the electrode on, and ask the patient to relax",
                 name, r.noise_uv, CHECK_NOISE_UV);
    } else {
        snprintf(r.advice, sizeof r.advice, "%s: good (%.1f uV RMS at rest)", name, r.noise_uv);
    }
    return r;
}

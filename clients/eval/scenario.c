/* scenario.c: the generator (see scenario.h). */
#include "scenario.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfdsp/sos.h"

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double unif(uint64_t *s) { return ((double)(next(s) >> 11) + 0.5) / 9007199254740992.0; }
static double gauss(uint64_t *s) { return sqrt(-2.0 * log(unif(s))) * cos(2.0 * M_PI * unif(s)); }

/* Unit-RMS band-limited noise into out[0..n). */
static void colored(uint64_t *rng, double lo, double hi, double fs, double *out, uint64_t n)
{
    sos_cascade c;
    memset(&c, 0, sizeof c);
    sos_butter(&c, SOS_BANDPASS, 2, lo, hi, fs);
    double sum = 0;
    for (int warm = 0; warm < 2000; warm++) {
        double w = gauss(rng), y;
        sos_process(&c, &w, &y, 1);
    }
    for (uint64_t i = 0; i < n; i++) {
        double w = gauss(rng);
        sos_process(&c, &w, &out[i], 1);
        sum += out[i] * out[i];
    }
    double k = n ? 1.0 / sqrt(sum / (double)n) : 1.0;
    for (uint64_t i = 0; i < n; i++) out[i] *= k;
}

int scenario_make(const scenario_spec *sp, scenario *s)
{
    memset(s, 0, sizeof *s);
    const double fs = sp->fs;
    s->n = (uint64_t)(sp->seconds * fs);
    s->x = calloc(s->n, sizeof(double));
    double *emg = malloc(sizeof(double) * s->n), *floor_ = malloc(sizeof(double) * s->n);
    double *amp = calloc(s->n, sizeof(double));
    int cap = (int)(sp->seconds / 1.2) + 4;
    s->t = calloc((size_t)cap, sizeof(truth));
    if (!s->x || !emg || !floor_ || !amp || !s->t) { /* the caller frees s */
        free(emg);
        free(floor_);
        free(amp);
        return -1;
    }
    uint64_t rng = 0x5eedull * (sp->seed + 1) + (uint64_t)(sp->snr_db * 1000);
    double hi = fs / 2 * 0.9 < 350 ? fs / 2 * 0.9 : 350, fhi = fs / 2 * 0.95 < 500 ? fs / 2 * 0.95 : 500;
    colored(&rng, 20, hi, fs, emg, s->n);
    colored(&rng, 10, fhi, fs, floor_, s->n);
    const double floor_uv = 5.0, plateau = floor_uv * pow(10.0, sp->snr_db / 20.0);
    /* schedule */
    double t = sp->lead_in_s;
    while (s->n_truth < cap) {
        double ramp = sp->ramp_ms > 0 ? sp->ramp_ms / 1000.0 : 0.03 + 0.27 * unif(&rng);
        double hold = 0.3 + 3.7 * unif(&rng);
        double t_end = t + ramp + hold + ramp;
        if (t_end + 1.0 > sp->seconds) break;
        uint64_t i0 = (uint64_t)(t * fs), i1 = (uint64_t)(t_end * fs);
        uint64_t r = (uint64_t)(ramp * fs);
        uint64_t on = 0, off = 0, ref = 0;
        const double ref_level = sp->delay_from > 0 ? sp->delay_from : 0.1;
        for (uint64_t i = i0; i < i1; i++) {
            double a;
            if (i - i0 < r)
                a = 0.5 - 0.5 * cos(M_PI * (double)(i - i0) / (double)r);
            else if (i1 - i < r)
                a = 0.5 - 0.5 * cos(M_PI * (double)(i1 - i) / (double)r);
            else
                a = 1.0;
            amp[i] = a;
            if (!on && a >= 0.1) on = i;
            if (!ref && a >= ref_level) ref = i;
            if (a >= 0.1) off = i + 1;
        }
        s->t[s->n_truth++] = (truth){on, off, ref};
        t = t_end + 1.0 + 4.0 * unif(&rng);
    }
    double ph = 2 * M_PI * unif(&rng), dc = (unif(&rng) * 2 - 1) * 300.0, wph = 2 * M_PI * unif(&rng);
    for (uint64_t i = 0; i < s->n; i++) {
        double tt = (double)i / fs;
        double fl = floor_uv * (sp->drift ? 1.0 + 0.5 * tt / sp->seconds : 1.0);
        double x = fl * floor_[i] + plateau * amp[i] * emg[i];
        if (sp->hum_uv > 0) x += sp->hum_uv * (sin(2 * M_PI * 50 * tt + ph) + sin(2 * M_PI * 150 * tt + 2 * ph) / 3.0);
        if (sp->drift) x += dc + 50.0 * sin(2 * M_PI * 0.2 * tt + wph);
        s->x[i] = x;
    }
    free(emg);
    free(floor_);
    free(amp);
    return 0;
}

void scenario_free(scenario *s)
{
    free(s->x);
    free(s->t);
    memset(s, 0, sizeof *s);
}

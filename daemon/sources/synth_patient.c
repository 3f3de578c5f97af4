/* synth_patient.c: the synthetic patient's signal model. */
#include "sources/synth_patient.h"

#include <math.h>
#include <stdlib.h>

#include "mfdsp/sos.h"

#define CYCLE_S 20.0
#define RAMP_S 0.15

typedef struct synth_chan {
    sos_cascade shape;
    double level, cmd; /* following: the envelope now and where it goes */
    double amp_uv, dc_uv, drift_uv, drift_phase, mains_phase;
    double mains_gain, drift_cos, drift_sin; /* cos(mains_phase); cos and sin of drift_phase */
    uint64_t rng_muscle, rng_noise;          /* its own noise streams: the output does not depend on blocks */
} synth_chan;

struct synth_patient {
    int nc;
    double fs, mains_hz;
    uint64_t n; /* samples generated */
    uint64_t rng;
    uint32_t seed;
    int following;
    synth_chan *ch;
};

static uint64_t next_u64(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s) { return ((double)(next_u64(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0); }

/* Nearly a standard normal, cheaply: the sum of four 16-bit uniforms from one 64-bit draw (Irwin-Hall, variance
 * 4/12, scaled to 1; tails end at 3.46 SD, which a band-passed noise model does not miss). Log, sqrt and a sine
 * per sample made the synthetic patient cost more than the whole chain it feeds. */
static double gauss(uint64_t *rng)
{
    uint64_t z = next_u64(rng);
    double sum = (double)(z & 0xffff) + (double)(z >> 16 & 0xffff) + (double)(z >> 32 & 0xffff) + (double)(z >> 48);
    return (sum * (1.0 / 65536.0) - 2.0) * 1.7320508075688772; /* (sum - 4/2) / sqrt(4/12) */
}

synth_patient *synth_new(int channels, double fs, uint32_t seed, double mains_hz)
{
    synth_patient *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->ch = calloc((size_t)channels, sizeof *s->ch);
    if (!s->ch) {
        free(s);
        return NULL;
    }
    s->nc = channels;
    s->fs = fs;
    s->mains_hz = mains_hz;
    s->seed = seed;
    s->rng = seed * 0x2545F4914F6CDD1Dull + 1;
    static const double amps[4] = {80, 70, 60, 55};
    for (int c = 0; c < channels; c++) {
        synth_chan *k = &s->ch[c];
        double hi = fs / 2.0 * 0.9 < 350 ? fs / 2.0 * 0.9 : 350;
        double lo = hi > 40 ? 20 : hi / 4;
        sos_butter(&k->shape, SOS_BANDPASS, 2, lo, hi, fs);
        /* unit-RMS scale for white noise through the shaping filter: sqrt(2*bandwidth/fs) approx */
        k->amp_uv = amps[c % 4] / sqrt(2.0 * (hi - lo) / fs);
        k->dc_uv = (uniform(&s->rng) * 2 - 1) * 200.0;
        k->drift_uv = 30.0;
        k->drift_phase = uniform(&s->rng) * 2 * M_PI;
        k->mains_phase = uniform(&s->rng) * 2 * M_PI;
        k->mains_gain = cos(k->mains_phase);
        k->rng_muscle = next_u64(&s->rng);
        k->rng_noise = next_u64(&s->rng);
        k->drift_cos = cos(k->drift_phase);
        k->drift_sin = sin(k->drift_phase);
    }
    return s;
}

void synth_follow(synth_patient *s, int following, const double *level, int n)
{
    s->following = following;
    for (int c = 0; c < s->nc; c++) s->ch[c].cmd = following && c < n ? level[c] : 0.0;
}

void synth_free(synth_patient *s)
{
    if (!s) return;
    free(s->ch);
    free(s);
}

static double ramp(double t, double t0, double t1)
{
    if (t <= t0 - RAMP_S / 2 || t >= t1 + RAMP_S / 2) return 0.0;
    if (t < t0 + RAMP_S / 2) return 0.5 - 0.5 * cos(M_PI * (t - (t0 - RAMP_S / 2)) / RAMP_S);
    if (t > t1 - RAMP_S / 2) return 0.5 + 0.5 * cos(M_PI * (t - (t1 - RAMP_S / 2)) / RAMP_S);
    return 1.0;
}

/* Strength of repetition `cycle` of a channel: deterministic +-15 %. */
static double strength(const synth_patient *s, int ch, uint64_t cycle)
{
    uint64_t st = ((uint64_t)s->seed << 32) ^ (cycle * 131 + (uint64_t)ch * 7919);
    return 0.85 + 0.30 * uniform(&st);
}

double synth_envelope(const synth_patient *s, int ch, double t)
{
    uint64_t cycle = (uint64_t)(t / CYCLE_S);
    double tc = t - (double)cycle * CYCLE_S;
    double k = strength(s, ch, cycle);
    switch (ch % 4) {
    case 0: return k * ramp(tc, 2.0, 5.0) + 0.1 * ramp(tc, 11.0, 16.0);
    case 1: return k * ramp(tc, 6.5, 9.5) + 0.1 * ramp(tc, 11.0, 16.0);
    default: return k * ramp(tc, 11.0, 16.0);
    }
}

int synth_truth(const synth_patient *s, int ch, double t) { return synth_envelope(s, ch, t) > 0.5; }

/* In blocks of BLK frames: what all channels share (hum, the drift's phase) once per frame, then each channel's
 * noise through its shaping filter as one block. */
#define BLK 256
void synth_generate(synth_patient *s, double *frames, uint32_t n)
{
    const int nc = s->nc;
    for (uint32_t i0 = 0; i0 < n; i0 += BLK) {
        const uint32_t m = n - i0 < BLK ? n - i0 : BLK;
        double mains[BLK], dsin[BLK], dcos[BLK], t[BLK], w[BLK], shaped[BLK];
        for (uint32_t i = 0; i < m; i++) {
            t[i] = (double)(s->n + i) / s->fs;
            mains[i] = 20.0 * sin(2 * M_PI * s->mains_hz * t[i]);
            double a = 2 * M_PI * 0.05 * t[i]; /* sin(a + phase) = sin a cos phase + cos a sin phase */
            dsin[i] = sin(a);
            dcos[i] = cos(a);
        }
        for (int c = 0; c < nc; c++) {
            synth_chan *k = &s->ch[c];
            for (uint32_t i = 0; i < m; i++) w[i] = gauss(&k->rng_muscle);
            sos_process(&k->shape, w, shaped, m);
            const double step = 1.0 / (RAMP_S * s->fs);
            for (uint32_t i = 0; i < m; i++) {
                double env;
                if (s->following) { /* towards the commanded level in RAMP_S */
                    k->level += k->cmd > k->level ? fmin(step, k->cmd - k->level) : -fmin(step, k->level - k->cmd);
                    env = k->level;
                } else {
                    env = synth_envelope(s, c, t[i]);
                    k->level = env;
                }
                double x = env * k->amp_uv * shaped[i] + 2.0 * gauss(&k->rng_noise);
                x += mains[i] * k->mains_gain + k->dc_uv +
                     k->drift_uv * (dsin[i] * k->drift_cos + dcos[i] * k->drift_sin);
                frames[(size_t)(i0 + i) * (size_t)nc + (size_t)c] = x;
            }
        }
        s->n += m;
    }
}

/* notch: removes mains hum (50 or 60 Hz) and optionally its harmonics with second-order IIR notches
 * (scipy.signal.iirnotch), one section per harmonic below Nyquist. With freq_hz = "auto" it decides the mains
 * frequency from the signal: until it has, it notches both 50 and 60 Hz (so detection is never worse than with
 * the wrong notch), measuring the hum at both on its input (Goertzel, 2 s windows); once one is at least
 * AUTO_RATIO times the other in power, it keeps that one's sections, their state intact (the stream goes on
 * without a transient). get_param tells the host what it decided (NaN until then). */
#include <myofeed/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfdsp/sos_ops.h"

enum { P_FREQ, P_Q, P_HARMONICS, P_PRIME, N_PARAMS };

#define AUTO_WINDOW_S 2.0
#define AUTO_RATIO 4.0

static const mf_param_info params[N_PARAMS] = {
    {"freq_hz", MF_PARAM_FLOAT, 50, 1, 1e5, "Hz",
     "mains frequency: 50 (Europe, Asia, Africa), 60 (Americas), or \"auto\" (decided from the signal)", MF_PARAM_AUTO,
     NULL},
    {"q", MF_PARAM_FLOAT, 30, 1, 1000, "", "quality factor: centre frequency / -3 dB bandwidth", 0, NULL},
    {"harmonics", MF_PARAM_INT, 1, 1, 16, "", "how many of f, 2f, 3f ... to remove (those below Nyquist)", 0, NULL},
    {"prime", MF_PARAM_BOOL, 1, 0, 1, "", "start in steady state for the first sample (no start-up transient)", 0,
     NULL},
};

typedef struct notch {
    sos_cascade c; /* first: the shared cascade operations take the instance as a cascade */
    double freq;   /* decided; NaN while auto is deciding */
    int n50;       /* while deciding: sections 0..n50-1 are 50 Hz's, the rest 60 Hz's */
    double fs;
    uint64_t seen, window;
    double g[2][2], k[2]; /* Goertzel at 50 and 60 Hz */
} notch;

static int add_notches(sos_cascade *c, double f0, double q, int harmonics, double fs)
{
    int n = 0;
    for (int h = 1; h <= harmonics; h++) {
        if (h * f0 >= fs / 2.0 || sos_add_notch(c, h * f0, q, fs) != 0) break;
        n++;
    }
    return n;
}

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host;
    int is_auto = isnan(p[P_FREQ]);
    if (!is_auto && p[P_FREQ] >= fs / 2.0) {
        snprintf(err->msg, sizeof err->msg,
                 "freq_hz %g must be below Nyquist (%g Hz at %g Hz); check freq_hz or source.sample_rate", p[P_FREQ],
                 fs / 2.0, fs);
        return NULL;
    }
    if (is_auto && fs <= 120.0) {
        snprintf(err->msg, sizeof err->msg,
                 "freq_hz = \"auto\" needs 60 Hz below Nyquist (%g Hz at %g Hz); set freq_hz = 50.0 or 60.0", fs / 2.0,
                 fs);
        return NULL;
    }
    notch *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    int harmonics = (int)p[P_HARMONICS];
    if (is_auto) {
        if (harmonics > SOS_MAX / 2) harmonics = SOS_MAX / 2; /* both sets must fit */
        x->freq = NAN;
        x->n50 = add_notches(&x->c, 50, p[P_Q], harmonics, fs);
        add_notches(&x->c, 60, p[P_Q], harmonics, fs);
        x->fs = fs;
        x->window = (uint64_t)(AUTO_WINDOW_S * fs);
        x->k[0] = 2 * cos(2 * M_PI * 50 / fs);
        x->k[1] = 2 * cos(2 * M_PI * 60 / fs);
    } else {
        x->freq = p[P_FREQ];
        add_notches(&x->c, p[P_FREQ], p[P_Q], harmonics, fs);
    }
    x->c.prime = p[P_PRIME] != 0;
    return x;
}

static void destroy(void *self) { free(self); }

/* Keeps one frequency's sections, in order, with their state. */
static void decide(notch *x, int sixty)
{
    sos_cascade *c = &x->c;
    int from = sixty ? x->n50 : 0, to = sixty ? c->n : x->n50;
    for (int k = from; k < to; k++) {
        c->s[k - from] = c->s[k];
        memcpy(c->z[k - from], c->z[k], sizeof c->z[k]);
    }
    c->n = to - from;
    x->freq = sixty ? 60 : 50;
}

/* The hum on n input samples (stride apart); decides after each full window when one frequency dominates. */
static void listen(notch *x, const double *in, uint32_t n, size_t stride)
{
    for (uint32_t i = 0; i < n && isnan(x->freq); i++) {
        double v = in[(size_t)i * stride];
        if (!isfinite(v)) continue;
        for (int h = 0; h < 2; h++) {
            double s = v + x->k[h] * x->g[h][0] - x->g[h][1];
            x->g[h][1] = x->g[h][0];
            x->g[h][0] = s;
        }
        if (++x->seen < x->window) continue;
        double p[2];
        for (int h = 0; h < 2; h++)
            p[h] = x->g[h][0] * x->g[h][0] + x->g[h][1] * x->g[h][1] - x->k[h] * x->g[h][0] * x->g[h][1];
        if (p[0] > AUTO_RATIO * p[1])
            decide(x, 0);
        else if (p[1] > AUTO_RATIO * p[0])
            decide(x, 1);
        memset(x->g, 0, sizeof x->g); /* undecided: a new window */
        x->seen = 0;
    }
}

static void process(void *self, const mf_sample *in, mf_sample *out, uint32_t n)
{
    notch *x = self;
    if (isnan(x->freq)) listen(x, in, n, 1);
    sos_op_process(self, in, out, n);
}

static void process_many(void *const *selves, uint32_t count, const mf_sample *const *in, mf_sample *const *out,
                         uint32_t n)
{
    for (uint32_t k = 0; k < count; k++)
        if (isnan(((notch *)selves[k])->freq)) listen(selves[k], in[k], n, 1);
    sos_op_process_many(selves, count, in, out, n);
}

static void process_lanes(void *const *selves, uint32_t count, mf_sample *x, uint32_t n)
{
    for (uint32_t k = 0; k < count; k++)
        if (isnan(((notch *)selves[k])->freq)) listen(selves[k], x + k, n, 4);
    sos_op_process_lanes(selves, count, x, n);
}

static void reset(void *self)
{
    notch *x = self;
    sos_op_reset(self);
    memset(x->g, 0, sizeof x->g);
    x->seen = 0;
}

static double get_param(void *self, uint32_t index)
{
    const notch *x = self;
    return index == P_FREQ ? x->freq : NAN;
}

static const mf_filter_ops ops = {.process = process, .process_many = process_many, .process_lanes = process_lanes};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_FILTER,
    .name = "notch",
    .version = "1.1.0",
    .summary = "IIR notch at the mains frequency (50, 60 or detected) and its harmonics",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = reset,
    .filter = &ops,
    .get_param = get_param,
};

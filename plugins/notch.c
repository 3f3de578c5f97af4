/* notch: removes mains hum (50 or 60 Hz) and optionally its harmonics with second-order IIR notches
 * (scipy.signal.iirnotch), one section per harmonic below Nyquist. */
#include <myofeed/plugin.h>

#include <stdio.h>
#include <stdlib.h>

#include "mfdsp/sos_ops.h"

enum { P_FREQ, P_Q, P_HARMONICS, P_PRIME, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"freq_hz", MF_PARAM_FLOAT, 50, 1, 1e5, "Hz", "mains frequency: 50 (Europe, Asia, Africa) or 60 (Americas)", 0,
     NULL},
    {"q", MF_PARAM_FLOAT, 30, 1, 1000, "", "quality factor: centre frequency / -3 dB bandwidth", 0, NULL},
    {"harmonics", MF_PARAM_INT, 1, 1, 16, "", "how many of f, 2f, 3f ... to remove (those below Nyquist)", 0, NULL},
    {"prime", MF_PARAM_BOOL, 1, 0, 1, "", "start in steady state for the first sample (no start-up transient)", 0,
     NULL},
};

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host;
    if (p[P_FREQ] >= fs / 2.0) {
        snprintf(err->msg, sizeof err->msg,
                 "freq_hz %g must be below Nyquist (%g Hz at %g Hz); check freq_hz or source.sample_rate", p[P_FREQ],
                 fs / 2.0, fs);
        return NULL;
    }
    sos_cascade *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    for (int h = 1; h <= (int)p[P_HARMONICS]; h++) {
        double f = h * p[P_FREQ];
        if (f >= fs / 2.0) break;
        sos_add_notch(c, f, p[P_Q], fs);
    }
    c->prime = p[P_PRIME] != 0;
    return c;
}

static void destroy(void *self) { free(self); }
static const mf_filter_ops ops = {SOS_FILTER_OPS};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_FILTER,
    .name = "notch",
    .version = "1.0.0",
    .summary = "IIR notch at the mains frequency and its harmonics",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = sos_op_reset,
    .filter = &ops,
};

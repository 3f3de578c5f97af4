/* linear-envelope: the classic linear envelope: full-wave rectification followed by a Butterworth
 * low-pass (scipy: maximum(sosfilt(butter(order, cutoff, 'low', fs=fs, output='sos'), abs(x)), 0): never
 * below 0). Starts from rest (zero state), like the RMS window. Output in uV (mean rectified value, ~0.8 x RMS
 * for noise). */
#include <myofeed/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mfdsp/sos_ops.h"

enum { P_CUTOFF, P_ORDER, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"cutoff_hz", MF_PARAM_FLOAT, 6, 0.1, 1000, "Hz", "low-pass cut-off after rectification (3-10 Hz typical)", 0,
     NULL},
    {"order", MF_PARAM_INT, 2, 1, 8, "", "Butterworth order of the low-pass", 0, NULL},
};

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host;
    if (p[P_CUTOFF] >= fs / 2.0) {
        snprintf(err->msg, sizeof err->msg, "cutoff_hz %g must be below Nyquist (%g Hz at %g Hz)", p[P_CUTOFF],
                 fs / 2.0, fs);
        return NULL;
    }
    sos_cascade *c = calloc(1, sizeof *c);
    if (!c || sos_butter(c, SOS_LOWPASS, (int)p[P_ORDER], p[P_CUTOFF], 0, fs) != 0) {
        snprintf(err->msg, sizeof err->msg, "cannot design the low-pass (order %d, %g Hz at %g Hz)", (int)p[P_ORDER],
                 p[P_CUTOFF], fs);
        free(c);
        return NULL;
    }
    /* the rectifier and the low-pass are one pass of the cascade (rectify); the output never goes below 0 (a
     * Butterworth of order 2 and up undershoots after a sudden drop, and any order rings near Nyquist), and lost
     * samples count as rest, never as activity, and restart the low-pass from rest (envelope) */
    c->rectify = 1;
    c->envelope = 1;
    return c;
}

static void destroy(void *self) { free(self); }

static double latency(void *self)
{
    (void)self;
    return 0.0;
}

static const mf_filter_ops ops = {SOS_FILTER_OPS, .latency = latency};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_ENVELOPE,
    .name = "linear-envelope",
    .version = "1.0.0",
    .summary = "full-wave rectification + Butterworth low-pass (the linear envelope)",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = sos_op_reset,
    .filter = &ops,
};

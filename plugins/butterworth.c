/* butterworth: low-, high-, band-pass and band-stop Butterworth filters of order 1-8, designed in code
 * at the stream's sample rate (the same design as scipy.signal.butter with output='sos'). */
#include <myofeed/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mfdsp/sos_ops.h"

static const char *const types[] = {"lowpass", "highpass", "bandpass", "bandstop", NULL};

enum { P_TYPE, P_ORDER, P_LOW, P_HIGH, P_CUTOFF, P_PRIME, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"type", MF_PARAM_CHOICE, 2, 0, 0, "", "lowpass, highpass, bandpass or bandstop", 0, types},
    {"order", MF_PARAM_INT, 4, 1, 8, "", "filter order (band filters have twice as many poles)", 0, NULL},
    {"low_hz", MF_PARAM_FLOAT, 20, 0.01, 1e6, "Hz", "lower edge of a band-pass or band-stop", 0, NULL},
    {"high_hz", MF_PARAM_FLOAT, 450, 0.01, 1e6, "Hz", "upper edge of a band-pass or band-stop", 0, NULL},
    {"cutoff_hz", MF_PARAM_FLOAT, 10, 0.01, 1e6, "Hz", "cut-off of a low-pass or high-pass", 0, NULL},
    {"prime", MF_PARAM_BOOL, 1, 0, 1, "", "start in steady state for the first sample (no start-up transient)", 0,
     NULL},
};

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host;
    int type = (int)p[P_TYPE];
    double nyq = fs / 2.0;
    double f1 = p[P_CUTOFF], f2 = 0;
    const char *n1 = "cutoff_hz", *n2 = NULL;
    if (type == SOS_BANDPASS || type == SOS_BANDSTOP) {
        f1 = p[P_LOW];
        f2 = p[P_HIGH];
        n1 = "low_hz";
        n2 = "high_hz";
        if (!(f1 < f2)) {
            snprintf(err->msg, sizeof err->msg, "low_hz %g must be below high_hz %g; swap or correct them", f1, f2);
            return NULL;
        }
    }
    if (f1 >= nyq || (n2 && f2 >= nyq)) {
        snprintf(err->msg, sizeof err->msg,
                 "%s %g must be below Nyquist (%g Hz at %g Hz); lower %s or raise source.sample_rate",
                 (n2 && f2 >= nyq) ? n2 : n1, (n2 && f2 >= nyq) ? f2 : f1, nyq, fs, (n2 && f2 >= nyq) ? n2 : n1);
        return NULL;
    }
    sos_cascade *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    if (sos_butter(c, (sos_band)type, (int)p[P_ORDER], f1, f2, fs) != 0) {
        snprintf(err->msg, sizeof err->msg, "cannot design this filter (order %d, %g/%g Hz at %g Hz)", (int)p[P_ORDER],
                 f1, f2, fs);
        free(c);
        return NULL;
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
    .name = "butterworth",
    .version = "1.0.0",
    .summary = "Butterworth low/high/band-pass or band-stop, order 1-8, designed at the stream's sample rate",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = sos_op_reset,
    .filter = &ops,
};

/* dc-block: removes the electrode offset and slow drift with a first-order DC blocker,
 * y[n] = x[n] - x[n-1] + R*y[n-1], R = exp(-2*pi*cutoff/fs) (scipy: lfilter([1, -1], [1, -R], x)).
 * It starts as if the first sample had always been there, so an offset gives no start-up step. */
#include <myofeed/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { P_CUTOFF, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"cutoff_hz", MF_PARAM_FLOAT, 5, 0.01, 1e5, "Hz", "-3 dB corner (approximately) of the DC blocker", 0, NULL},
};

typedef struct dcb {
    double r, x1, y1;
    int primed;
} dcb;

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host;
    if (p[P_CUTOFF] >= fs / 2.0) {
        snprintf(err->msg, sizeof err->msg, "cutoff_hz %g must be below Nyquist (%g Hz at %g Hz)", p[P_CUTOFF],
                 fs / 2.0, fs);
        return NULL;
    }
    dcb *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    d->r = exp(-2.0 * M_PI * p[P_CUTOFF] / fs);
    return d;
}

static void destroy(void *self) { free(self); }

static void reset(void *self)
{
    dcb *d = self;
    d->x1 = d->y1 = 0;
    d->primed = 0;
}

static void process(void *self, const mf_sample *in, mf_sample *out, uint32_t n)
{
    dcb *d = self;
    double x1 = d->x1, y1 = d->y1;
    const double r = d->r;
    for (uint32_t i = 0; i < n; i++) {
        double x = in[i];
        if (!isfinite(x)) { /* a lost sample: restart cleanly on the next good one */
            d->primed = 0;
            out[i] = NAN;
            continue;
        }
        if (!d->primed) {
            x1 = x;
            y1 = 0;
            d->primed = 1;
        }
        double y = x - x1 + r * y1;
        x1 = x;
        y1 = y;
        out[i] = y;
    }
    d->x1 = x1;
    d->y1 = y1;
}

static const mf_filter_ops ops = {.process = process};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_FILTER,
    .name = "dc-block",
    .version = "1.0.0",
    .summary = "first-order DC blocker: removes electrode offset and slow drift",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = reset,
    .filter = &ops,
};

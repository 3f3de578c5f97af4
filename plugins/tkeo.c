/* tkeo: Teager-Kaiser energy operator as a conditioning stage before the envelope:
 * psi[n] = x[n]^2 - x[n-1] * x[n+1]. Being causal, it outputs psi[n-1] at time n (one sample of delay).
 * units = "amplitude" (default) outputs sign(psi) * sqrt(|psi|) so later stages and thresholds stay in uV;
 * "energy" outputs psi in uV^2. TKEO sharpens onsets (Solnik et al. 2010; Lauer & Prosser 2009 on gluteus
 * and semitendinosus). */
#include <myofeed/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const units[] = {"amplitude", "energy", NULL};

enum { P_UNITS, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"units", MF_PARAM_CHOICE, 0, 0, 0, "", "amplitude: signed sqrt of the energy, in uV; energy: uV^2", 0, units},
};

typedef struct tk {
    double x1, x2; /* x[n-1], x[n-2] */
    int have;      /* samples seen since reset, up to 2 */
    int energy;
} tk;

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host, (void)fs;
    tk *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    t->energy = (int)p[P_UNITS] == 1;
    return t;
}

static void destroy(void *self) { free(self); }

static void reset(void *self)
{
    tk *t = self;
    t->x1 = t->x2 = 0;
    t->have = 0;
}

static void process(void *self, const mf_sample *in, mf_sample *out, uint32_t n)
{
    tk *t = self;
    double x1 = t->x1, x2 = t->x2;
    int have = t->have;
    for (uint32_t i = 0; i < n; i++) {
        double x = in[i];
        if (!isfinite(x)) {
            have = 0;
            x1 = x2 = 0;
            out[i] = NAN;
            continue;
        }
        double psi = have >= 2 ? x1 * x1 - x2 * x : 0.0; /* psi at n-1 */
        x2 = x1;
        x1 = x;
        if (have < 2) have++;
        out[i] = t->energy ? psi : copysign(sqrt(fabs(psi)), psi);
    }
    t->x1 = x1;
    t->x2 = x2;
    t->have = have;
}

static double latency(void *self)
{
    (void)self;
    return 1.0;
}

static const mf_filter_ops ops = {.process = process, .latency = latency};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_FILTER,
    .name = "tkeo",
    .version = "1.0.0",
    .summary = "Teager-Kaiser energy operator (conditioning before the envelope)",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = reset,
    .filter = &ops,
};

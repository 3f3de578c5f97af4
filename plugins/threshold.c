/* threshold: on/off hysteresis on the envelope with minimum on and off durations.
 *
 * Inactive -> a candidate onset starts when the envelope rises above `on`; it is confirmed once the
 * envelope has stayed above `off` for min_on_ms (immediately when min_on_ms is 0) and abandoned if
 * it falls below `off` first. Active -> symmetric, with `off`, `on` and min_off_ms. Confirmed
 * transitions carry the time of the first crossing (delay), so contractions shorter than
 * min_on_ms are never reported and chatter around a threshold is ignored. Levels are in uV or in
 * % of MVC (units = "pct_mvc"). Lost samples (NaN) count as rest: never as activity. */
#include <myofeed/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mfdsp/activation.h"
#include "mfdsp/hysteresis.h"
#include "mfdsp/onoff.h"

static const char *const units[] = {"uv", "pct_mvc", NULL};

enum { P_ON, P_OFF, P_UNITS, P_MIN_ON, P_MIN_OFF, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"on", MF_PARAM_FLOAT, 15, 0, 1e6, "uV or %MVC", "switch on above this envelope level", MF_PARAM_RUNTIME, NULL},
    {"off", MF_PARAM_FLOAT, 8, 0, 1e6, "uV or %MVC", "switch off below this level (off <= on)", MF_PARAM_RUNTIME, NULL},
    {"units", MF_PARAM_CHOICE, 0, 0, 0, "", "uv: levels in microvolts; pct_mvc: in % of the calibrated MVC", 0, units},
    {"min_on_ms", MF_PARAM_FLOAT, 30, 0, 10000, "ms", "a contraction must last this long to be reported", 0, NULL},
    {"min_off_ms", MF_PARAM_FLOAT, 80, 0, 10000, "ms", "a relaxation must last this long to end a contraction", 0,
     NULL},
};

typedef struct thr {
    double on, off; /* in configured units */
    int pct;
    mf_calibration cal;
    double on_uv, off_uv;
    act_scale scale;
    hyst h;
} thr;

static void update_levels(thr *t)
{
    t->on_uv = act_level_uv(t->on, t->pct, t->cal.rest_uv, t->cal.mvc_uv);
    t->off_uv = act_level_uv(t->off, t->pct, t->cal.rest_uv, t->cal.mvc_uv);
    t->scale = act_scale_make(t->cal.rest_uv, t->cal.mvc_uv, t->on_uv, t->off_uv);
}

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host;
    if (p[P_OFF] > p[P_ON]) {
        snprintf(err->msg, sizeof err->msg, "off %g must not exceed on %g; lower off or raise on", p[P_OFF], p[P_ON]);
        return NULL;
    }
    if ((int)p[P_UNITS] == 1 && p[P_ON] > 100) {
        snprintf(err->msg, sizeof err->msg, "on %g %%MVC is above 100 %%; use a value between 0 and 100", p[P_ON]);
        return NULL;
    }
    thr *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    t->on = p[P_ON];
    t->off = p[P_OFF];
    t->pct = (int)p[P_UNITS];
    t->h.min_on = (uint32_t)lround(p[P_MIN_ON] * fs / 1000.0);
    t->h.min_off = (uint32_t)lround(p[P_MIN_OFF] * fs / 1000.0);
    update_levels(t);
    return t;
}

static void destroy(void *self) { free(self); }

static void reset(void *self)
{
    thr *t = self;
    t->h.active = 0;
    t->h.run = 0;
}

static mf_status set_param(void *self, uint32_t index, double v)
{
    thr *t = self;
    mf_status st = onoff_set(index, P_ON, P_OFF, v, 0, 1e6, &t->on, &t->off);
    if (st == MF_OK) update_levels(t);
    return st;
}

static uint32_t process(void *self, const mf_sample *env, uint32_t n, mf_sample *act, mf_transition *out, uint32_t cap)
{
    thr *t = self;
    uint32_t k = 0;
    hyst h = t->h; /* in a local: the stores to act[] cannot alias it */
    const double on = t->on_uv, off = t->off_uv;
    const act_scale scale = t->scale;
    for (uint32_t i = 0; i < n; i++) {
        double e = env[i];
        if (!isfinite(e)) e = 0.0;
        act[i] = act_of(&scale, e);
        hyst_step(&h, e > on, e >= off, e < off, e <= on, i, out, &k, cap);
    }
    t->h = h;
    return k;
}

static void set_calibration(void *self, const mf_calibration *cal)
{
    thr *t = self;
    t->cal = *cal;
    update_levels(t);
}

static int active(void *self) { return ((thr *)self)->h.active; }

static void levels(void *self, double *on, double *off)
{
    const thr *t = self;
    *on = act_at(&t->scale, t->on_uv);
    *off = act_at(&t->scale, t->off_uv);
}

static const mf_detector_ops ops = {
    .process = process, .set_calibration = set_calibration, .active = active, .levels = levels};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_DETECTOR,
    .name = "threshold",
    .version = "1.0.0",
    .summary = "on/off hysteresis with minimum on and off durations, in uV or % MVC",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = reset,
    .set_param = set_param,
    .detector = &ops,
};

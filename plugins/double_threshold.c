/* double-threshold: Bonato et al. (1998) style double threshold on the envelope. First threshold: a sample
 * counts as "above" when it exceeds rest mean + on x SD. Second threshold: the muscle switches on when at
 * least min_count_pct % of the last window_ms samples are above, and off when that share of samples lies
 * below rest mean + off x SD. Rest statistics from calibration or a lead-in, as in baseline-sd. */
#include <myofeed/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mfdsp/activation.h"
#include "mfdsp/hysteresis.h"
#include "mfdsp/onoff.h"
#include "mfdsp/rest.h"

enum { P_ON, P_OFF, P_WINDOW, P_COUNT, P_LEAD_IN, P_SETTLE, P_MIN_ON, P_MIN_OFF, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"on", MF_PARAM_FLOAT, 3, 0, 1000, "SD", "first threshold: rest mean + on x SD", MF_PARAM_RUNTIME, NULL},
    {"off", MF_PARAM_FLOAT, 2, 0, 1000, "SD", "off level: rest mean + off x SD (off <= on)", MF_PARAM_RUNTIME, NULL},
    {"window_ms", MF_PARAM_FLOAT, 20, 1, 1000, "ms", "the window of the second threshold", 0, NULL},
    {"min_count_pct", MF_PARAM_FLOAT, 60, 1, 100, "%", "share of the window that must be above (or below)", 0, NULL},
    {"lead_in_ms", MF_PARAM_FLOAT, 1000, 10, 600000, "ms", "rest at the start of the stream, used when not calibrated",
     0, NULL},
    {"settle_ms", MF_PARAM_FLOAT, 500, 0, 60000, "ms", "skipped before the lead-in while the filters ring in", 0, NULL},
    {"min_on_ms", MF_PARAM_FLOAT, 0, 0, 10000, "ms", "a contraction must last this long to be reported", 0, NULL},
    {"min_off_ms", MF_PARAM_FLOAT, 60, 0, 10000, "ms", "a relaxation must last this long to end it", 0, NULL},
};

typedef struct dth {
    double on, off;
    mf_calibration cal;
    rest_stats rest;
    double on_uv, off_uv;
    act_scale scale;
    hyst h;
    uint32_t win, m, pos, above, below;
    uint8_t ring[]; /* bit 0: above, bit 1: below */
} dth;

static void update(dth *d)
{
    double sd = rest_sd(&d->rest);
    d->on_uv = d->rest.mean + d->on * sd;
    d->off_uv = d->rest.mean + d->off * sd;
    d->scale = act_scale_make(d->cal.rest_uv, d->cal.mvc_uv, d->on_uv, d->off_uv);
}

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host;
    if (p[P_OFF] > p[P_ON]) {
        snprintf(err->msg, sizeof err->msg, "off %g must not exceed on %g (both in SD of rest)", p[P_OFF], p[P_ON]);
        return NULL;
    }
    uint32_t win = (uint32_t)lround(p[P_WINDOW] * fs / 1000.0);
    if (win < 1) win = 1;
    dth *d = calloc(1, sizeof *d + win);
    if (!d) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    d->on = p[P_ON];
    d->off = p[P_OFF];
    d->win = win;
    d->m = (uint32_t)ceil(p[P_COUNT] / 100.0 * win);
    if (d->m < 1) d->m = 1;
    rest_init(&d->rest, (uint32_t)lround(p[P_SETTLE] * fs / 1000.0), (uint32_t)lround(p[P_LEAD_IN] * fs / 1000.0));
    d->h.min_on = (uint32_t)lround(p[P_MIN_ON] * fs / 1000.0);
    d->h.min_off = (uint32_t)lround(p[P_MIN_OFF] * fs / 1000.0);
    update(d);
    return d;
}

static void destroy(void *self) { free(self); }

static void reset(void *self)
{
    dth *d = self;
    d->h.active = 0;
    d->h.run = 0;
    d->pos = d->above = d->below = 0;
    for (uint32_t i = 0; i < d->win; i++) d->ring[i] = 0;
}

static mf_status set_param(void *self, uint32_t index, double v)
{
    dth *d = self;
    mf_status st = onoff_set(index, P_ON, P_OFF, v, 0, 1000, &d->on, &d->off);
    if (st == MF_OK) update(d);
    return st;
}

static uint32_t process(void *self, const mf_sample *env, uint32_t n, mf_sample *act, mf_transition *out, uint32_t cap)
{
    dth *d = self;
    uint32_t k = 0;
    hyst h = d->h;
    for (uint32_t i = 0; i < n; i++) {
        double e = env[i];
        if (!isfinite(e)) e = 0.0;
        if (!d->rest.ready) {
            if (rest_push(&d->rest, e)) update(d);
            act[i] = 0.0;
            continue;
        }
        uint8_t old = d->ring[d->pos];
        uint8_t now = (uint8_t)((e > d->on_uv) | ((e < d->off_uv) << 1));
        d->above += (now & 1u) - (old & 1u);
        d->below += ((now >> 1) & 1u) - ((old >> 1) & 1u);
        d->ring[d->pos] = now;
        if (++d->pos == d->win) d->pos = 0;
        int up = d->above >= d->m, down = d->below >= d->m;
        act[i] = act_of(&d->scale, e);
        hyst_step(&h, up, !down, down, !up, i, out, &k, cap);
    }
    d->h = h;
    return k;
}

static void set_calibration(void *self, const mf_calibration *cal)
{
    dth *d = self;
    d->cal = *cal;
    rest_from_calibration(&d->rest, cal);
    update(d);
}

static int active(void *self) { return ((dth *)self)->h.active; }

static void levels(void *self, double *on, double *off)
{
    const dth *t = self;
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
    .name = "double-threshold",
    .version = "1.0.0",
    .summary = "Bonato-style double threshold: m of n envelope samples above rest mean + k SD",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = reset,
    .set_param = set_param,
    .detector = &ops,
};

/* baseline-sd: Hodges & Bui (1996): the muscle is active while the envelope, averaged over window_ms,
 * exceeds the rest mean + on x SD; it switches off below rest mean + off x SD. Rest statistics come
 * from the calibration (rest mean and SD) or from a lead-in at the start of the stream (the detector
 * stays off meanwhile). Minimum on and off durations as in `threshold`. */
#include <myofeed/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mfdsp/activation.h"
#include "mfdsp/hysteresis.h"
#include "mfdsp/onoff.h"
#include "mfdsp/rest.h"

enum { P_ON, P_OFF, P_WINDOW, P_LEAD_IN, P_SETTLE, P_MIN_ON, P_MIN_OFF, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"on", MF_PARAM_FLOAT, 3, 0, 1000, "SD", "switch on at rest mean + on x SD", MF_PARAM_RUNTIME, NULL},
    {"off", MF_PARAM_FLOAT, 2, 0, 1000, "SD", "switch off below rest mean + off x SD (off <= on)", MF_PARAM_RUNTIME,
     NULL},
    {"window_ms", MF_PARAM_FLOAT, 20, 0, 1000, "ms", "moving average of the envelope (0: none)", 0, NULL},
    {"lead_in_ms", MF_PARAM_FLOAT, 1000, 10, 600000, "ms", "rest at the start of the stream, used when not calibrated",
     0, NULL},
    {"settle_ms", MF_PARAM_FLOAT, 500, 0, 60000, "ms", "skipped before the lead-in while the filters ring in", 0, NULL},
    {"min_on_ms", MF_PARAM_FLOAT, 30, 0, 10000, "ms", "a contraction must last this long to be reported", 0, NULL},
    {"min_off_ms", MF_PARAM_FLOAT, 80, 0, 10000, "ms", "a relaxation must last this long to end it", 0, NULL},
};

typedef struct bsd {
    double on, off;
    mf_calibration cal;
    rest_stats rest;
    double on_uv, off_uv;
    act_scale scale;
    hyst h;
    uint32_t win, pos, filled;
    double sum;
    double ring[];
} bsd;

static void update(bsd *d)
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
    bsd *d = calloc(1, sizeof *d + sizeof(double) * win);
    if (!d) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    d->on = p[P_ON];
    d->off = p[P_OFF];
    d->win = win;
    rest_init(&d->rest, (uint32_t)lround(p[P_SETTLE] * fs / 1000.0), (uint32_t)lround(p[P_LEAD_IN] * fs / 1000.0));
    d->h.min_on = (uint32_t)lround(p[P_MIN_ON] * fs / 1000.0);
    d->h.min_off = (uint32_t)lround(p[P_MIN_OFF] * fs / 1000.0);
    update(d);
    return d;
}

static void destroy(void *self) { free(self); }

static void reset(void *self)
{
    bsd *d = self;
    d->h.active = 0;
    d->h.run = 0;
    d->sum = 0;
    d->pos = d->filled = 0;
    for (uint32_t i = 0; i < d->win; i++) d->ring[i] = 0;
}

static mf_status set_param(void *self, uint32_t index, double v)
{
    bsd *d = self;
    mf_status st = onoff_set(index, P_ON, P_OFF, v, 0, 1000, &d->on, &d->off);
    if (st == MF_OK) update(d);
    return st;
}

static uint32_t process(void *self, const mf_sample *env, uint32_t n, mf_sample *act, mf_transition *out, uint32_t cap)
{
    bsd *d = self;
    uint32_t k = 0;
    hyst h = d->h;
    for (uint32_t i = 0; i < n; i++) {
        double e = env[i];
        if (!isfinite(e)) e = 0.0;
        d->sum += e - d->ring[d->pos];
        d->ring[d->pos] = e;
        if (++d->pos == d->win) d->pos = 0;
        if (d->filled < d->win) d->filled++;
        double ma = d->sum / d->filled;
        if (!d->rest.ready) {
            if (rest_push(&d->rest, ma)) update(d);
            act[i] = 0.0;
            continue;
        }
        act[i] = act_of(&d->scale, e);
        hyst_step(&h, ma > d->on_uv, ma >= d->off_uv, ma < d->off_uv, ma <= d->on_uv, i, out, &k, cap);
    }
    d->h = h;
    return k;
}

static void set_calibration(void *self, const mf_calibration *cal)
{
    bsd *d = self;
    d->cal = *cal;
    rest_from_calibration(&d->rest, cal);
    update(d);
}

static int active(void *self) { return ((bsd *)self)->h.active; }

static void levels(void *self, double *on, double *off)
{
    const bsd *t = self;
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
    .name = "baseline-sd",
    .version = "1.0.0",
    .summary = "Hodges & Bui: on above rest mean + k SD of the averaged envelope",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = reset,
    .set_param = set_param,
    .detector = &ops,
};

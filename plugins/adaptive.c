/* adaptive: thresholds that follow the rest level. While the muscle is inactive (and for hold_off_ms after
 * a contraction), the rest baseline b and spread s (mean absolute deviation) of the envelope are tracked with
 * a time constant of tau_s; the muscle switches on above b + on x s and off below b + off x s. Slow changes
 * at rest (electrode drift, warming skin, a noisier cable) move the thresholds with them instead of causing
 * false activations over a long session. The first lead_in_ms gives the starting point from the median and
 * the median absolute deviation of the envelope, so a contraction during the lead-in (up to almost half of
 * it) does not raise the rest level. */
#include <myofeed/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mfdsp/activation.h"
#include "mfdsp/hysteresis.h"
#include "mfdsp/onoff.h"

#define LEAD_KEEP 512 /* lead-in values kept for the median (decimated) */

enum { P_ON, P_OFF, P_TAU, P_LEAD_IN, P_HOLD_OFF, P_FLOOR, P_MIN_ON, P_MIN_OFF, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"on", MF_PARAM_FLOAT, 6, 0, 1000, "spreads", "switch on at baseline + on x spread", MF_PARAM_RUNTIME, NULL},
    {"off", MF_PARAM_FLOAT, 3, 0, 1000, "spreads", "switch off below baseline + off x spread (off <= on)",
     MF_PARAM_RUNTIME, NULL},
    {"tau_s", MF_PARAM_FLOAT, 10, 0.1, 3600, "s", "time constant of the rest tracking", 0, NULL},
    {"lead_in_ms", MF_PARAM_FLOAT, 1000, 10, 600000, "ms", "learnt quickly at the start (detector off)", 0, NULL},
    {"hold_off_ms", MF_PARAM_FLOAT, 500, 0, 60000, "ms", "no learning this long after a contraction ends", 0, NULL},
    {"floor_uv", MF_PARAM_FLOAT, 0.5, 0, 1000, "uV", "smallest spread used (a flat input must not trigger)", 0, NULL},
    {"min_on_ms", MF_PARAM_FLOAT, 30, 0, 10000, "ms", "a contraction must last this long to be reported", 0, NULL},
    {"min_off_ms", MF_PARAM_FLOAT, 80, 0, 10000, "ms", "a relaxation must last this long to end it", 0, NULL},
};

typedef struct adp {
    double on, off, floor_uv;
    double alpha;
    uint32_t lead_in, seen, hold_off, quiet, lead_step, n_lead;
    double lead[LEAD_KEEP];
    double b, s;
    mf_calibration cal;
    hyst h;
} adp;

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host;
    if (p[P_OFF] > p[P_ON]) {
        snprintf(err->msg, sizeof err->msg, "off %g must not exceed on %g (both in spreads)", p[P_OFF], p[P_ON]);
        return NULL;
    }
    adp *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    d->on = p[P_ON];
    d->off = p[P_OFF];
    d->floor_uv = p[P_FLOOR];
    d->alpha = 1.0 - exp(-1.0 / (p[P_TAU] * fs));
    d->lead_in = (uint32_t)lround(p[P_LEAD_IN] * fs / 1000.0);
    if (d->lead_in < 1) d->lead_in = 1;
    d->lead_step = (d->lead_in + LEAD_KEEP - 1) / LEAD_KEEP;
    d->hold_off = (uint32_t)lround(p[P_HOLD_OFF] * fs / 1000.0);
    d->h.min_on = (uint32_t)lround(p[P_MIN_ON] * fs / 1000.0);
    d->h.min_off = (uint32_t)lround(p[P_MIN_OFF] * fs / 1000.0);
    return d;
}

static void destroy(void *self) { free(self); }

/* End of the lead-in: baseline = median, spread = median absolute deviation (a few hundred values, once). */
static void learn(adp *d)
{
    uint32_t n = d->n_lead;
    if (n == 0) return;
    onoff_sort(d->lead, n);
    d->b = d->lead[n / 2];
    for (uint32_t i = 0; i < n; i++) d->lead[i] = fabs(d->lead[i] - d->b);
    onoff_sort(d->lead, n);
    d->s = d->lead[n / 2];
}

static void reset(void *self)
{
    adp *d = self;
    d->h.active = 0;
    d->h.run = 0;
    d->quiet = 0; /* after a gap: no learning until the signal has settled */
}

static mf_status set_param(void *self, uint32_t index, double v)
{
    adp *d = self;
    return onoff_set(index, P_ON, P_OFF, v, 0, 1000, &d->on, &d->off);
}

static uint32_t process(void *self, const mf_sample *env, uint32_t n, mf_sample *act, mf_transition *out, uint32_t cap)
{
    adp *d = self;
    uint32_t k = 0;
    hyst h = d->h;
    double b = d->b, s = d->s;
    for (uint32_t i = 0; i < n; i++) {
        double e = env[i];
        if (!isfinite(e)) e = 0.0;
        if (d->seen < d->lead_in) { /* collect, stay off */
            if (d->seen % d->lead_step == 0 && d->n_lead < LEAD_KEEP) d->lead[d->n_lead++] = e;
            if (++d->seen == d->lead_in) {
                learn(d);
                b = d->b;
                s = d->s;
            }
            act[i] = 0.0;
            continue;
        }
        double sp = fmax(s, d->floor_uv);
        double on_uv = b + d->on * sp, off_uv = b + d->off * sp;
        act_scale sc = act_scale_make(d->cal.rest_uv, d->cal.mvc_uv, on_uv, off_uv);
        act[i] = act_of(&sc, e);
        hyst_step(&h, e > on_uv, e >= off_uv, e < off_uv, e <= on_uv, i, out, &k, cap);
        if (h.active || h.run) {
            d->quiet = 0;
        } else if (d->quiet < d->hold_off) {
            d->quiet++;
        } else { /* at rest: follow it */
            b += d->alpha * (e - b);
            s += d->alpha * (fabs(e - b) - s);
        }
    }
    d->b = b;
    d->s = s;
    d->h = h;
    return k;
}

static void set_calibration(void *self, const mf_calibration *cal)
{
    adp *d = self;
    d->cal = *cal;
    if (cal->rest_sd_uv > 0) {
        d->b = cal->rest_uv;
        d->s = cal->rest_sd_uv * 0.8; /* mean absolute deviation of a normal variable */
        d->seen = d->lead_in;
    }
}

static int active(void *self) { return ((adp *)self)->h.active; }

static void levels(void *self, double *on, double *off)
{
    const adp *d = self;
    double sp = fmax(d->s, d->floor_uv), on_uv = d->b + d->on * sp, off_uv = d->b + d->off * sp;
    act_scale sc = act_scale_make(d->cal.rest_uv, d->cal.mvc_uv, on_uv, off_uv);
    *on = act_at(&sc, on_uv);
    *off = act_at(&sc, off_uv);
}

static const mf_detector_ops ops = {
    .process = process, .set_calibration = set_calibration, .active = active, .levels = levels};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_DETECTOR,
    .name = "adaptive",
    .version = "1.0.0",
    .summary = "thresholds relative to a rest level tracked while inactive (drift-proof over long sessions)",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = reset,
    .set_param = set_param,
    .detector = &ops,
};

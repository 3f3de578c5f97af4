/* cusum: Page's cumulative-sum test on the envelope's power, relative to a rest power tracked while the
 * muscle is inactive. A threshold on a smoothed envelope must wait until one window's worth of signal stands
 * clear of the rest noise; CUSUM adds up the evidence sample by sample instead, so a contraction that rises
 * slowly out of the noise is decided sooner at the same false-alarm rate, and the envelope window can be
 * short (a few ms).
 *
 * With z = env^2 / rest power (1 at rest) and dt the sample period in ms:
 *   inactive:  S = max(0, S + (z - on) dt);   onset when S > h
 *   active:    D = max(0, D + (off - z) dt);  offset when D > h
 * confirmed min_on (min_off) ms later if the mean of z over the last quarter of that time is still above on
 * (below off): a burst shorter than min_on is not reported; min_off bridges short dips of a contraction.
 * A transition is back-dated to where its sum last left zero: the test's own change-point estimate.
 * The rest power comes from the first lead_in_ms (the mean of the values up to four times their median, so
 * a contraction in the lead-in up to almost half of it does not raise it) or from a rest calibration. It
 * then follows the rest level with a time constant of tau_s while the muscle is inactive (not during or for
 * hold_off_ms after a contraction, and never from lost samples; every other inactive sample counts, since
 * keeping only those with a zero sum would bias the rest level low), so electrode drift over a long session
 * does not cause false activations.
 * Activation (0..1) is computed from the power averaged over act_ms, so a display's bar is steady even when
 * the envelope window is short. */
#include <myofeed/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "dsp/activation.h"
#include "dsp/onoff.h"

#define LEAD_KEEP 512 /* lead-in values kept for the median (decimated) */
#define Z_MAX 1e6     /* a clipped or wild input adds bounded evidence */

enum { P_ON, P_OFF, P_H, P_TAU, P_LEAD_IN, P_HOLD_OFF, P_FLOOR, P_MIN_ON, P_MIN_OFF, P_ACT_MS, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"on", MF_PARAM_FLOAT, 1.6, 1, 1000, "x rest power",
     "evidence of a contraction accrues while the envelope's power exceeds this multiple of rest", MF_PARAM_RUNTIME,
     NULL},
    {"off", MF_PARAM_FLOAT, 1.6, 0.01, 1000, "x rest power",
     "evidence of relaxation accrues while the power is below this multiple of rest (off <= on)", MF_PARAM_RUNTIME,
     NULL},
    {"h", MF_PARAM_FLOAT, 30, 0.1, 100000, "ms", "decision threshold: summed excess power ratio x time", 0, NULL},
    {"tau_s", MF_PARAM_FLOAT, 1.5, 0.1, 3600, "s", "time constant of the rest tracking", 0, NULL},
    {"lead_in_ms", MF_PARAM_FLOAT, 1000, 10, 600000, "ms", "rest learnt at the start (detector off)", 0, NULL},
    {"hold_off_ms", MF_PARAM_FLOAT, 500, 0, 60000, "ms", "no rest learning this long after a contraction", 0, NULL},
    {"floor_uv", MF_PARAM_FLOAT, 0.5, 0, 1000, "uV", "smallest rest envelope used (a flat input must not trigger)",
     0, NULL},
    {"min_on_ms", MF_PARAM_FLOAT, 0, 0, 10000, "ms", "a contraction must still be on this long after the decision", 0,
     NULL},
    {"min_off_ms", MF_PARAM_FLOAT, 250, 0, 10000, "ms", "a relaxation must still hold this long after the decision",
     0, NULL},
    {"act_ms", MF_PARAM_FLOAT, 60, 0, 2000, "ms", "smoothing of the activation output (display only)", 0, NULL},
};

typedef struct cus {
    double on, off, h, dt_ms, floor_p;
    double alpha, beta; /* rest tracking, activation smoothing */
    uint32_t lead_in, seen, lead_step, n_lead, hold_off, quiet, min_on, min_off, tick;
    double lead[LEAD_KEEP];
    double p0;        /* rest power, uV^2 */
    double sum;       /* S while inactive, D while active */
    double *ring;     /* the last z values: is the contraction still on (off) at confirmation? */
    uint32_t ring_n, pos, l_on, l_off; /* a quarter of min_on and of min_off, in samples (at least 1) */
    double pavg_cap;  /* power of twice the full-scale envelope: a railed input cannot hold act at 1 */
    uint32_t since;   /* samples since the sum left zero */
    uint32_t past_h;  /* samples since the sum passed h (confirmation) */
    double pavg;      /* smoothed power for the activation */
    int active;
    mf_calibration cal;
} cus;

static void ring_rest(struct cus *d);

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host;
    if (p[P_OFF] > p[P_ON]) {
        snprintf(err->msg, sizeof err->msg, "off %g must not exceed on %g (both multiples of rest power)", p[P_OFF],
                 p[P_ON]);
        return NULL;
    }
    cus *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    d->on = p[P_ON];
    d->off = p[P_OFF];
    d->h = p[P_H];
    d->dt_ms = 1000.0 / fs;
    d->floor_p = p[P_FLOOR] * p[P_FLOOR];
    d->alpha = 1.0 - exp(-1.0 / (p[P_TAU] * fs));
    d->beta = p[P_ACT_MS] > 0 ? 1.0 - exp(-1000.0 / (p[P_ACT_MS] * fs)) : 1.0;
    d->lead_in = (uint32_t)lround(p[P_LEAD_IN] * fs / 1000.0);
    if (d->lead_in < 1) d->lead_in = 1;
    d->lead_step = (d->lead_in + LEAD_KEEP - 1) / LEAD_KEEP;
    d->hold_off = (uint32_t)lround(p[P_HOLD_OFF] * fs / 1000.0);
    d->min_on = (uint32_t)lround(p[P_MIN_ON] * fs / 1000.0);
    d->min_off = (uint32_t)lround(p[P_MIN_OFF] * fs / 1000.0);
    d->l_on = d->min_on / 4 ? d->min_on / 4 : 1;
    d->l_off = d->min_off / 4 ? d->min_off / 4 : 1;
    d->ring_n = d->l_on > d->l_off ? d->l_on : d->l_off;
    d->ring = malloc(sizeof(double) * d->ring_n);
    if (!d->ring) {
        free(d);
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    ring_rest(d);
    d->pavg_cap = INFINITY;
    return d;
}

/* The recent-z window as at rest. */
static void ring_rest(struct cus *d)
{
    for (uint32_t i = 0; i < d->ring_n; i++) d->ring[i] = 1.0;
    d->pos = 0;
}

/* Mean of the last l values of z (pos: where the next one goes). Only at a confirmation: rare. */
static double recent_mean(const double *ring, uint32_t rn, uint32_t pos, uint32_t l)
{
    double sum = 0;
    for (uint32_t j = 1; j <= l; j++) sum += ring[pos >= j ? pos - j : pos + rn - j];
    return sum / l;
}

static void destroy(void *self)
{
    cus *d = self;
    if (!d) return;
    free(d->ring);
    free(d);
}

/* The mean power of the lead-in without what stands far above its median (a contraction): the median alone
 * would sit well below the mean of a short window's power, whose distribution is skewed. */
static double robust_mean(double *v, uint32_t n)
{
    onoff_sort(v, n);
    double lim = 4.0 * v[n / 2], sum = 0;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n && v[i] <= lim; i++, k++) sum += v[i];
    return k ? sum / k : v[n / 2];
}

static void reset(void *self)
{
    cus *d = self;
    d->active = 0;
    d->sum = 0;
    ring_rest(d);
    d->since = d->past_h = 0;
    d->quiet = 0; /* after a gap: no learning until the signal has settled */
}

static mf_status set_param(void *self, uint32_t index, double v)
{
    cus *d = self;
    if (index == P_ON && !(v >= 1)) return MF_ERR_RANGE; /* on: at least the rest power itself */
    return onoff_set(index, P_ON, P_OFF, v, 0.01, 1000, &d->on, &d->off);
}

static inline act_scale scale_of(cus *d)
{
    double p0 = fmax(d->p0, d->floor_p);
    act_scale sc = act_scale_make(d->cal.rest_uv, d->cal.mvc_uv, sqrt(d->on * p0), sqrt(d->off * p0));
    double top = 2.0 * (sc.lo + 1.0 / sc.inv_span);
    d->pavg_cap = top * top;
    return sc;
}

/* The lead-in: collects the power (detector off) and sets the rest power at its end. Returns the samples used. */
static uint32_t lead_in(cus *d, const mf_sample *env, uint32_t n, mf_sample *act)
{
    uint32_t i = 0;
    for (; i < n && d->seen < d->lead_in; i++) {
        double e = env[i];
        int lost = !isfinite(e);
        double pw = lost ? 0.0 : e * e;
        d->pavg += d->beta * (fmin(pw, d->pavg_cap) - d->pavg);
        if (d->seen % d->lead_step == 0 && d->n_lead < LEAD_KEEP && !lost) d->lead[d->n_lead++] = pw;
        if (++d->seen == d->lead_in && d->n_lead) d->p0 = robust_mean(d->lead, d->n_lead);
        act[i] = 0.0;
    }
    return i;
}

static uint32_t process(void *self, const mf_sample *env, uint32_t n, mf_sample *act, mf_transition *out,
                        uint32_t cap)
{
    cus *d = self;
    uint32_t i = d->seen < d->lead_in ? lead_in(d, env, n, act) : 0;
    if (i == n) return 0;
    /* The state lives in locals for the block (the output arrays could alias the instance, so the compiler
     * would otherwise reload it every sample). */
    act_scale sc = scale_of(d);
    double p0 = d->p0, sum = d->sum, pavg = d->pavg;
    const double floor_p = d->floor_p;
    double inv_p0 = 1.0 / (p0 > floor_p ? p0 : floor_p);
    uint32_t pos = d->pos, since = d->since, past_h = d->past_h, quiet = d->quiet, tick = d->tick, k = 0;
    int active = d->active;
    double *ring = d->ring;
    const uint32_t rn = d->ring_n, l_on = d->l_on, l_off = d->l_off, hold_off = d->hold_off;
    const uint32_t min_on = d->min_on, min_off = d->min_off;
    const double dt = d->dt_ms, h = d->h, on = d->on, off = d->off, alpha = d->alpha, beta = d->beta;
    const double pavg_cap = d->pavg_cap;
    for (; i < n; i++) {
        double e = env[i];
        int lost = !isfinite(e); /* a lost sample is no evidence of a contraction, nor of the rest level */
        double pw = lost ? 0.0 : e * e;
        pavg += beta * ((pw < pavg_cap ? pw : pavg_cap) - pavg);
        double z = pw * inv_p0;
        z = z < Z_MAX ? z : Z_MAX;
        ring[pos] = z; /* kept for the confirmations */
        pos = pos + 1 == rn ? 0 : pos + 1;
        /* At rest the sum flickers around zero at random: written without branches (conditional moves). */
        double prev = sum, next = sum + (active ? (off - z) * dt : (z - on) * dt);
        int up = next > 0;
        sum = up ? next : 0.0;
        since = up && prev > 0 ? since + 1 : 0;
        past_h = up ? past_h + (past_h || next > h) : 0; /* a candidate: confirm it min_on (min_off) later */
        if (past_h > (active ? min_off : min_on)) {
            double recent = recent_mean(ring, rn, pos, active ? l_off : l_on);
            if (active ? recent < off : recent > on) { /* still contracting (relaxed): decided */
                active = !active;
                if (k < cap) out[k++] = (mf_transition){i, since, active, {0}};
                sum = 0;
                since = 0;
            }
            past_h = 0; /* else a burst that is over: look again */
        }
        if (active || lost) {
            quiet = 0;
        } else if (quiet < hold_off) {
            quiet++;
        } else { /* at rest: follow it */
            p0 += alpha * (pw - p0);
            inv_p0 = 1.0 / (p0 > floor_p ? p0 : floor_p);
            if ((++tick & 255) == 0) { /* the activation scale follows, now and then */
                d->p0 = p0;
                sc = scale_of(d);
            }
        }
        act[i] = act_of(&sc, sqrt(pavg));
    }
    d->p0 = p0;
    d->sum = sum;
    d->pavg = pavg;
    d->pos = pos;
    d->since = since;
    d->past_h = past_h;
    d->quiet = quiet;
    d->tick = tick;
    d->active = active;
    return k;
}

static void set_calibration(void *self, const mf_calibration *cal)
{
    cus *d = self;
    d->cal = *cal;
    if (cal->rest_sd_uv > 0) { /* mean square of the envelope at rest */
        d->p0 = cal->rest_uv * cal->rest_uv + cal->rest_sd_uv * cal->rest_sd_uv;
        d->seen = d->lead_in;
    }
}

static int active(void *self) { return ((cus *)self)->active; }

static void levels(void *self, double *on, double *off)
{
    cus *d = self;
    act_scale sc = scale_of(d);
    double p0 = fmax(d->p0, d->floor_p);
    *on = act_at(&sc, sqrt(d->on * p0));
    *off = act_at(&sc, sqrt(d->off * p0));
}

static const mf_detector_ops ops = {process, set_calibration, active, levels};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    MF_ABI_MAJOR, MF_ABI_MINOR, sizeof(mf_plugin), MF_KIND_DETECTOR, "cusum", "1.0.0",
    "Page's CUSUM on the envelope power over a tracked rest level: fast onsets, drift-proof",
    params, N_PARAMS, create, destroy, reset, set_param, NULL, &ops, NULL,
};

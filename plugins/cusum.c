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
 * does not cause false activations. The rest level is updated once per pass of about 32 ms (far shorter than
 * tau) from the mean of the pass's learnt samples, and passes sit at fixed sample counts from the
 * end of the lead-in, so the output does not depend on how a host splits the stream into blocks.
 * Activation (0..1) is computed from the power averaged over act_ms (updated every fourth sample: 2 ms at
 * 2 kHz), so a display's bar is steady even when the envelope window is short; act_ms = 0 gives the envelope's
 * own activation sample by sample. */
#include <myofeed/plugin.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfdsp/activation.h"
#include "mfdsp/onoff.h"

#define LEAD_KEEP 512 /* lead-in values kept for the median (decimated) */
#define SUB 128       /* most samples per pass: the rest level and 1/rest are updated once per pass */
#define PASS_MS 64.0  /* a pass lasts about this long (a multiple of four samples, PASS_MIN to SUB) */
#define PASS_MIN 64   /* samples: fewer would cost more per sample than they save (256 ms at 250 Hz, < tau) */
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
    {"floor_uv", MF_PARAM_FLOAT, 0.5, 0, 1000, "uV", "smallest rest envelope used (a flat input must not trigger)", 0,
     NULL},
    {"min_on_ms", MF_PARAM_FLOAT, 0, 0, 10000, "ms", "a contraction must still be on this long after the decision", 0,
     NULL},
    {"min_off_ms", MF_PARAM_FLOAT, 250, 0, 10000, "ms", "a relaxation must still hold this long after the decision", 0,
     NULL},
    {"act_ms", MF_PARAM_FLOAT, 60, 0, 2000, "ms", "smoothing of the activation output (display only)", 0, NULL},
};

typedef struct cus {
    double on, off, h, dt_ms, floor_p;
    double alpha, beta; /* rest tracking, activation smoothing */
    uint32_t lead_in, seen, lead_step, n_lead, hold_off, quiet, min_on, min_off, tick;
    uint32_t pass;          /* samples per pass */
    uint32_t phase, learnt; /* samples into the current pass (passes sit at fixed counts from the lead-in's end);
                             * samples of it learnt as rest */
    double learn_sum;       /* their power */
    double lead[LEAD_KEEP];
    double p0;                         /* rest power, uV^2 */
    double xb, xp, mn;                 /* the statistic S (D while active) = x - mn, x = xb + xp: see statistic() */
    uint32_t xn;                       /* samples of the current group of four in xp */
    double *ring;                      /* the last z values: is the contraction still on (off) at confirmation? */
    uint32_t ring_n, pos, l_on, l_off; /* a quarter of min_on and of min_off, in samples (at least 1) */
    double pavg_cap;                   /* power of twice the full-scale envelope: a railed input cannot hold act at 1 */
    uint32_t since;                    /* samples since the sum left zero */
    uint32_t past_h;                   /* samples since the sum passed h (confirmation) */
    double pavg;   /* smoothed power for the activation, per group of four samples after the lead-in */
    double beta4;  /* its smoothing per group */
    double gl, gp; /* the current group's learnt power and (capped) power, gn samples of it so far */
    uint32_t gn;
    double act_now;             /* the activation as of the last complete group */
    int unsmoothed;             /* act_ms = 0: the activation follows the envelope sample by sample */
    act_scale sc;               /* the activation scale now (rescale) */
    double learn_gain[SUB + 1]; /* rest tracking over c learnt samples: 1 - (1 - alpha)^c */
    int active;
    mf_calibration cal;
} cus;

static void ring_rest(struct cus *d);

/* The activation scale for the rest level now. Refreshed only at fixed points of the stream (lead-in end,
 * every eighth pass) and when a parameter or the calibration changes, never because a host asked for levels,
 * so the activation does not depend on when the host looks. */
static void rescale(cus *d)
{
    double p0 = fmax(d->p0, d->floor_p);
    d->sc = act_scale_make(d->cal.rest_uv, d->cal.mvc_uv, sqrt(d->on * p0), sqrt(d->off * p0));
    double top = 2.0 * (d->sc.lo + 1.0 / d->sc.inv_span);
    d->pavg_cap = top * top;
}

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
    d->beta4 = p[P_ACT_MS] > 0 ? 1.0 - exp(-4000.0 / (p[P_ACT_MS] * fs)) : 1.0;
    d->unsmoothed = !(p[P_ACT_MS] > 0);
    d->lead_in = (uint32_t)lround(p[P_LEAD_IN] * fs / 1000.0);
    if (d->lead_in < 1) d->lead_in = 1;
    d->lead_step = (d->lead_in + LEAD_KEEP - 1) / LEAD_KEEP;
    d->hold_off = (uint32_t)lround(p[P_HOLD_OFF] * fs / 1000.0);
    d->min_on = (uint32_t)lround(p[P_MIN_ON] * fs / 1000.0);
    d->min_off = (uint32_t)lround(p[P_MIN_OFF] * fs / 1000.0);
    d->l_on = d->min_on / 4 ? d->min_on / 4 : 1;
    d->l_off = d->min_off / 4 ? d->min_off / 4 : 1;
    /* the last l values before any sample of a pass are still there after the whole pass is written; whole
     * passes, so a pass's values sit in one piece of the ring (its position follows the pass phase) */
    long pass = 4 * lround(PASS_MS * fs / 4000.0);
    d->pass = pass < PASS_MIN ? PASS_MIN : pass > SUB ? SUB : (uint32_t)pass;
    uint32_t l_max = d->l_on > d->l_off ? d->l_on : d->l_off;
    d->ring_n = d->pass * ((l_max + 2 * d->pass - 1) / d->pass);
    for (int c = 0; c <= SUB; c++) d->learn_gain[c] = 1.0 - pow(1.0 - d->alpha, c);
    d->ring = malloc(sizeof(double) * d->ring_n);
    if (!d->ring) {
        free(d);
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    ring_rest(d);
    rescale(d);
    d->pavg_cap = INFINITY; /* the lead-in's activation is 0 anyway; its smoothing runs uncapped */
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
    d->xb = d->xp = d->mn = 0;
    d->xn = 0;
    d->gn = 0;
    d->gl = d->gp = 0;
    ring_rest(d);
    d->since = d->past_h = 0;
    d->quiet = 0; /* after a gap: no learning until the signal has settled */
    d->phase = d->learnt = 0;
    d->learn_sum = 0;
}

static mf_status set_param(void *self, uint32_t index, double v)
{
    cus *d = self;
    if (index == P_ON && !(v >= 1)) return MF_ERR_RANGE; /* on: at least the rest power itself */
    mf_status st = onoff_set(index, P_ON, P_OFF, v, 0.01, 1000, &d->on, &d->off);
    if (st == MF_OK) rescale(d);
    return st;
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
        if (++d->seen == d->lead_in) {
            if (d->n_lead) d->p0 = robust_mean(d->lead, d->n_lead);
            rescale(d);
        }
        act[i] = 0.0;
    }
    return i;
}

/* The statistic for samples j..m-1 of a pass in one state, as a running sum x of the increments and its running
 * minimum mn (0 included): S = x - mn is Page's max(0, S + inc) without a branch on the sum's random flicker
 * around zero at rest. x = xb + xp: the base at the start of a group of four (at fixed places in the pass) and
 * the group's partial sum, so one addition per four samples is on the critical path, the same operations
 * however the samples arrive. The increments are computed where they are used and the largest S is kept on the
 * way (no passes over the pass for them). Returns 1 if S passed h somewhere. */
static inline __attribute__((always_inline)) int statistic(cus *d, const double *z, double *s, uint32_t j, uint32_t m,
                                                           int active)
{
    const double dt = d->dt_ms, h = d->h;
    /* inc = (z - on) dt inactive, (off - z) dt active: as (sg z - lv) dt, the same values (sg = +-1 is exact) */
    const double sg = active ? -1.0 : 1.0, lv = active ? -d->off : d->on;
#define INC(t) ((sg * z[t] - lv) * dt)
    double xb = d->xb, xp = d->xp, mn = d->mn, top = 0.0;
    uint32_t xn = d->xn, t = j;
/* one sample where a block starts or ends inside a group: the same operations as a whole group's */
#define ONE(t)                                                                                                         \
    do {                                                                                                               \
        xp += INC(t);                                                                                                  \
        double x_ = xb + xp;                                                                                           \
        mn = x_ < mn ? x_ : mn;                                                                                        \
        s[t] = x_ - mn;                                                                                                \
        top = s[t] > top ? s[t] : top;                                                                                 \
        if (++xn == 4) xb = x_, xp = 0.0, xn = 0;                                                                      \
    } while (0)
    for (; t < m && xn; t++) ONE(t); /* the rest of a group begun earlier */
    for (; t + 4 <= m; t += 4) {     /* whole groups */
        double p0 = xp + INC(t), p1 = p0 + INC(t + 1), p2 = p1 + INC(t + 2), p3 = p2 + INC(t + 3);
        double x0 = xb + p0, x1 = xb + p1, x2 = xb + p2, x3 = xb + p3;
        double m0 = x0 < mn ? x0 : mn, m1 = x1 < m0 ? x1 : m0, m2 = x2 < m1 ? x2 : m1, m3 = x3 < m2 ? x3 : m2;
        double s0 = x0 - m0, s1 = x1 - m1, s2 = x2 - m2, s3 = x3 - m3;
        s[t] = s0, s[t + 1] = s1, s[t + 2] = s2, s[t + 3] = s3;
        double ta = s0 > s1 ? s0 : s1, tb = s2 > s3 ? s2 : s3, tc = ta > tb ? ta : tb;
        top = tc > top ? tc : top;
        xb = x3, mn = m3; /* xp stays 0.0 */
    }
    for (; t < m; t++) ONE(t); /* a group to be finished later */
#undef ONE
#undef INC
    d->xb = xb;
    d->xp = xp;
    d->mn = mn;
    d->xn = xn;
    return top > h;
}

/* What rest learning and the activation carry from sample to sample. */
typedef struct learner {
    uint32_t quiet, learnt, gn;
    double learn_sum, gl, gp, pavg, now;
} learner;

/* One sample of rest learning and activation: learnt when inactive, not lost and not soon after a contraction;
 * the power summed in groups of four at fixed places in the pass, the activation updated once per group. */
static inline double learn_one(learner *l, double pw, int inactive, int lost, uint32_t hold_off, double cap_p,
                               double beta4, const act_scale *sc)
{
    int learn = inactive && !lost && l->quiet >= hold_off;
    l->quiet = !inactive || lost ? 0 : l->quiet + (l->quiet < hold_off);
    l->gl = (l->gn ? l->gl : 0.0) + (learn ? pw : 0.0);
    l->gp = (l->gn ? l->gp : 0.0) + (pw < cap_p ? pw : cap_p);
    l->learnt += (uint32_t)learn;
    if (++l->gn == 4) {
        l->gn = 0;
        l->learn_sum += l->gl;
        l->pavg += beta4 * (0.25 * l->gp - l->pavg);
        l->now = act_of(sc, sqrt(l->pavg));
    }
    return l->now;
}

/* m samples of one pass (m <= pass - phase), after the lead-in; base: their offset in the host's block. Built for
 * x86-64-v3 (AVX2 + FMA) as well where the compiler can, chosen at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
static uint32_t
run_sub(cus *d, const mf_sample *env, uint32_t m, mf_sample *act, uint32_t base, mf_transition *out, uint32_t cap)
{
    double pw[SUB], s[SUB];
    double *const ring = d->ring; /* z is written where the confirmations will look for it */
    const uint32_t rn = d->ring_n, pos0 = d->pos;
    double *const z = ring + pos0; /* pos0 + m <= rn: the ring holds whole passes and pos follows the phase */
    const double floor_p = d->floor_p;
    const double inv_p0 = 1.0 / (d->p0 > floor_p ? d->p0 : floor_p);
    uint32_t lost_n = 0;
    for (uint32_t t = 0; t < m; t++) { /* vectorised: power (0 for a lost sample), power over rest */
        double e = env[t], sq = e * e;
        int ok = fabs(e) <= DBL_MAX;
        pw[t] = ok ? sq : 0.0;
        lost_n += (uint32_t)!ok;
        double q = pw[t] * inv_p0;
        z[t] = q < Z_MAX ? q : Z_MAX;
    }
    d->pos = (pos0 + m) % rn;

    /* decisions */
    int active = d->active;
    double prev = d->xb + d->xp - d->mn; /* the statistic before sample j (only its sign is used) */
    const uint32_t xn0 = d->xn;          /* where the groups of four stood before sample 0 */
    int over = statistic(d, z, s, 0, m, active);
    uint32_t since = d->since, past_h = d->past_h, k = 0, flips[SUB], n_flips = 0, j = 0;
    const double h = d->h;
    while (j < m) {
        if (past_h == 0 && !over) { /* no decision possible here (nearly always): only how long it is up */
            uint32_t t = m;
            while (t > j && s[t - 1] > 0.0) t--; /* samples t..m-1 are up */
            if (t == j)
                since = prev > 0.0 ? since + (m - j) : m - j - 1;
            else
                since = t == m ? 0 : m - 1 - t;
            break;
        }
        const uint32_t confirm = active ? d->min_off : d->min_on;
        for (; j < m; j++) { /* sample by sample, until a decision changes the state */
            int up = s[j] > 0.0;
            since = up && prev > 0.0 ? since + 1 : 0;
            past_h = up ? past_h + (past_h || s[j] > h) : 0; /* a candidate: confirm it min_on (min_off) later */
            prev = s[j];
            if (past_h <= confirm) continue;
            past_h = 0; /* decided, or a burst that is over: look again */
            uint32_t pos = (uint32_t)((pos0 + (uint64_t)j + 1) % rn);
            double recent = recent_mean(ring, rn, pos, active ? d->l_off : d->l_on);
            if (active ? recent < d->off : recent > d->on) { /* still contracting (relaxed): decided */
                active = !active;
                if (k < cap) out[k++] = (mf_transition){base + j, since, active, {0}};
                flips[n_flips++] = j;
                since = 0;
                prev = 0;
                d->xb = d->xp = d->mn = 0; /* the other test starts from zero after this sample, its */
                d->xn = (xn0 + j + 1) % 4; /* groups where they were after it */
                over = statistic(d, z, s, j + 1, m, active);
                j++;
                break;
            }
        }
    }
    d->since = since;
    d->past_h = past_h;

    /* rest learning and the activation */
    learner l = {d->quiet, d->learnt, d->gn, d->learn_sum, d->gl, d->gp, d->pavg, d->act_now};
    const uint32_t hold_off = d->hold_off;
    const double cap_p = d->pavg_cap, beta4 = d->beta4;
    const act_scale sc = d->sc;
    int state = d->active;
    uint32_t t = 0, f = 0;
    if (!lost_n && !n_flips && (state || l.quiet >= hold_off)) {
        /* nearly always: all learnt (at rest) or none (active): whole groups in a row, the same sums */
        for (; t < m && l.gn; t++) act[t] = learn_one(&l, pw[t], !state, 0, hold_off, cap_p, beta4, &sc);
        for (; t + 4 <= m; t += 4) {
            double g0 = 0.0 + (pw[t] < cap_p ? pw[t] : cap_p), g1 = g0 + (pw[t + 1] < cap_p ? pw[t + 1] : cap_p);
            double g2 = g1 + (pw[t + 2] < cap_p ? pw[t + 2] : cap_p), g3 = g2 + (pw[t + 3] < cap_p ? pw[t + 3] : cap_p);
            if (!state) {
                double c0 = 0.0 + pw[t], c1 = c0 + pw[t + 1], c2 = c1 + pw[t + 2], c3 = c2 + pw[t + 3];
                l.learn_sum += c3;
                l.learnt += 4;
            } else {
                l.quiet = 0;
            }
            act[t] = act[t + 1] = act[t + 2] = l.now; /* the group's activation counts from its last sample */
            l.pavg += beta4 * (0.25 * g3 - l.pavg);
            l.now = act_of(&sc, sqrt(l.pavg));
            act[t + 3] = l.now;
        }
    }
    for (; t < m; t++) {
        if (f < n_flips && flips[f] == t) state = !state, f++;
        int lost = lost_n && !(fabs(env[t]) <= DBL_MAX);
        act[t] = learn_one(&l, pw[t], !state, lost, hold_off, cap_p, beta4, &sc);
    }
    if (d->unsmoothed) /* act_ms = 0: the envelope itself, sample by sample */
        for (t = 0; t < m; t++) act[t] = act_of(&sc, fabs(env[t]) <= DBL_MAX ? fabs(env[t]) : 0.0);
    d->active = active;
    d->quiet = l.quiet;
    d->learnt = l.learnt;
    d->gn = l.gn;
    d->learn_sum = l.learn_sum;
    d->gl = l.gl;
    d->gp = l.gp;
    d->pavg = l.pavg;
    d->act_now = l.now;
    return k;
}

static uint32_t process(void *self, const mf_sample *env, uint32_t n, mf_sample *act, mf_transition *out, uint32_t cap)
{
    cus *d = self;
    uint32_t i = d->seen < d->lead_in ? lead_in(d, env, n, act) : 0, k = 0;
    if (i == n) return 0;
    while (i < n) {
        uint32_t m = n - i < d->pass - d->phase ? n - i : d->pass - d->phase;
        k += run_sub(d, env + i, m, act + i, i, out + k, cap - k);
        i += m;
        if ((d->phase += m) == d->pass) { /* the pass is complete: the rest level follows (a pass is far shorter
                                       * than tau), and now and then the activation scale with it */
            if (d->learnt) {
                d->p0 += d->learn_gain[d->learnt] * (d->learn_sum / d->learnt - d->p0);
                if ((++d->tick & 7) == 0) rescale(d);
            }
            d->phase = d->learnt = 0;
            d->learn_sum = 0;
            if (d->xb == d->mn) d->xb = d->mn = 0; /* S is 0: the sums start again (their size stays small) */
        }
    }
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
    rescale(d);
}

static int active(void *self) { return ((cus *)self)->active; }

static void levels(void *self, double *on, double *off)
{
    cus *d = self;
    double p0 = fmax(d->p0, d->floor_p);
    *on = act_at(&d->sc, sqrt(d->on * p0));
    *off = act_at(&d->sc, sqrt(d->off * p0));
}

static const mf_detector_ops ops = {
    .process = process, .set_calibration = set_calibration, .active = active, .levels = levels};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_DETECTOR,
    .name = "cusum",
    .version = "1.0.0",
    .summary = "Page's CUSUM on the envelope power over a tracked rest level: fast onsets, drift-proof",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = reset,
    .set_param = set_param,
    .detector = &ops,
};

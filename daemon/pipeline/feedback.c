/* feedback.c: turns detector output into events. Event times come from the sample clock (sample-exact:
 * the detector's decision sample minus its delay), never from the wall clock, so live and replayed
 * streams give the same events. */
#include "pipeline/feedback.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void feedback_init(feedback *f, const config *c, double fs, feedback_events ev, uint64_t t0_sample)
{
    memset(f, 0, sizeof *f);
    f->n = c->n_muscles;
    f->fs = fs;
    f->t0_sample = f->now_sample = t0_sample;
    f->signal_ok = 1;
    f->settled = t0_sample + (uint64_t)(FEEDBACK_SETTLE_S * fs);
    f->ev = ev;
    for (int i = 0; i < f->n; i++) {
        f->m[i].rep_hold_s = c->muscles[i].rep_hold_s;
        snprintf(f->names[i], sizeof f->names[i], "%s", c->muscles[i].name);
    }
}

void feedback_carry_over(feedback *f, const feedback *old)
{
    f->t0_sample = old->t0_sample;
    f->now_sample = old->now_sample;
    f->settled = old->settled;
    f->onsets_from = old->onsets_from;
    for (int i = 0; i < f->n; i++)
        for (int j = 0; j < old->n; j++)
            if (strcmp(f->names[i], old->names[j]) == 0) {
                f->m[i].seq = old->m[j].seq;
                f->m[i].reps = old->m[j].reps;
                f->m[i].n_mdf = old->m[j].n_mdf;
                memcpy(f->m[i].mdf, old->m[j].mdf, sizeof f->m[i].mdf);
                f->m[i].cal = old->m[j].cal;
                if (old->m[j].has_target)
                    feedback_set_target(f, i, 1, old->m[j].target_lo_pct, old->m[j].target_hi_pct);
            }
}

int32_t feedback_t_ms(const feedback *f, uint64_t sample)
{
    if (sample < f->t0_sample) return 0;
    return (int32_t)((double)(sample - f->t0_sample) * 1000.0 / f->fs);
}

double feedback_hold_s(const feedback *f, int i)
{
    const fb_muscle *m = &f->m[i];
    return m->active && f->now_sample > m->onset_sample ? (double)(f->now_sample - m->onset_sample) / f->fs : 0.0;
}

void feedback_set_target(feedback *f, int m, int has, double low_pct, double high_pct)
{
    fb_muscle *x = &f->m[m];
    x->has_target = has;
    x->target_lo_pct = has ? low_pct : 0;
    x->target_hi_pct = has ? high_pct : 0;
}

/* The band's low edge in activation units, or -1 when no band is in force. */
static double band_low(const fb_muscle *m)
{
    return m->has_target && m->cal.mvc_uv > m->cal.rest_uv ? m->target_lo_pct / 100.0 : -1.0;
}

int feedback_target_act(const feedback *f, int m, double *low_act, double *high_act)
{
    const fb_muscle *x = &f->m[m];
    if (band_low(x) < 0) {
        *low_act = *high_act = 0;
        return 0;
    }
    *low_act = x->target_lo_pct / 100.0;
    *high_act = x->target_hi_pct / 100.0;
    return 1;
}

void feedback_set_spectrum(feedback *f, int m, spectrum *s) { f->m[m].spec = s; }

void feedback_gate(feedback *f, int on, uint32_t mask)
{
    f->gate_on = on;
    f->gate_mask = mask;
}

static int may_count(const feedback *f, int i) { return f->signal_ok && (!f->gate_on || (f->gate_mask >> i & 1u)); }

void feedback_filtered(void *ctx, int m, const double *x, uint32_t n, uint64_t first_sample)
{
    (void)first_sample;
    feedback *f = ctx;
    fb_muscle *x_m = &f->m[m];
    if (x_m->active && x_m->spec) spectrum_feed(x_m->spec, x, n);
}

void feedback_reps_reset(feedback *f, int m)
{
    for (int i = 0; i < f->n; i++)
        if (m < 0 || m == i) {
            f->m[i].reps = 0;
            f->m[i].n_mdf = 0;
            f->m[i].rep_done = f->m[i].active; /* a contraction in progress belongs to the old count */
        }
}

/* The contraction that just ended made a rep: what it was, and the fatigue trend with it. */
static void report_rep(feedback *f, int i, uint64_t end)
{
    fb_muscle *m = &f->m[i];
    if (!f->ev.repstat || m->reps == 0) return; /* counted before a reset: not this set's */
    fb_repstat r = {m->reps, end, 100 * m->peak_act, m->act_n ? 100 * m->act_sum / (double)m->act_n : 0, -1, 0, 0,
                    0,       0};
    if (m->first_in_band) r.time_to_target_s = (double)(m->first_in_band - m->onset_sample) / f->fs;
    if (m->spec && spectrum_result(m->spec, &r.median_hz, &r.mean_hz) > 0 && m->n_mdf < FB_MDF_HISTORY)
        m->mdf[m->n_mdf++] = (float)r.median_hz;
    if (m->n_mdf >= 2) {
        double x[FB_MDF_HISTORY], y[FB_MDF_HISTORY], my = 0, mx = 0;
        for (int k = 0; k < m->n_mdf; k++) x[k] = k + 1, y[k] = m->mdf[k], my += y[k], mx += x[k];
        r.fatigue_hz_per_rep = spectrum_slope(x, y, m->n_mdf);
        double first = my / m->n_mdf - r.fatigue_hz_per_rep * (mx / m->n_mdf - 1); /* the fit at rep 1 */
        r.fatigue_pct_per_rep = first > 0 ? 100 * r.fatigue_hz_per_rep / first : 0;
    }
    f->ev.repstat(f->ev.ctx, i, &r);
}

static void rep(feedback *f, int i, uint64_t sample)
{
    fb_muscle *m = &f->m[i];
    m->reps++;
    m->rep_done = 1;
    if (f->ev.rep) f->ev.rep(f->ev.ctx, i, m->reps, sample);
}

static void onset(feedback *f, int i, uint64_t sample, uint64_t decided)
{
    fb_muscle *m = &f->m[i];
    m->active = 1;
    m->in_band = m->rep_done = 0;
    m->first_in_band = 0;
    m->act_sum = 0;
    m->act_n = 0;
    if (m->spec) spectrum_reset(m->spec);
    m->onset_sample = sample;
    m->peak_act = 0;
    m->seq++;
    f->events++;
    if (f->ev.onset) f->ev.onset(f->ev.ctx, i, m->seq, sample, decided);
}

static void offset(feedback *f, int i, uint64_t sample, uint64_t decided)
{
    fb_muscle *m = &f->m[i];
    double hold = sample > m->onset_sample ? (double)(sample - m->onset_sample) / f->fs : 0.0;
    m->active = 0;
    m->in_band = 0;
    f->events++;
    if (f->ev.offset) f->ev.offset(f->ev.ctx, i, m->seq, sample, decided, hold, m->peak_act);
    if (m->rep_done && f->signal_ok) report_rep(f, i, sample);
}

/* Samples from..to-1 of a block while muscle i is active: its peak, and the rep once the contraction has been held
 * rep_hold_s (counted at that sample): with a band in force, held in the band; without one, held at all. */
static void track_active(feedback *f, int i, const double *act, uint32_t from, uint32_t to, uint64_t first_sample)
{
    fb_muscle *m = &f->m[i];
    double lo = band_low(m);
    uint64_t hold = (uint64_t)(m->rep_hold_s * f->fs + 0.5);
    for (uint32_t k = from; k < to; k++) {
        if (act[k] > m->peak_act) m->peak_act = act[k];
        m->act_sum += act[k];
        m->act_n++;
        if (m->rep_done || !may_count(f, i)) continue;
        uint64_t at = first_sample + k;
        if (lo < 0) { /* without a band in force, a contraction held long enough is a rep */
            if (at + 1 >= m->onset_sample + hold) rep(f, i, at);
            continue;
        }
        if (act[k] >= lo) {
            if (!m->in_band) m->in_band = 1, m->band_since = at;
            if (!m->first_in_band) m->first_in_band = at;
            if (at + 1 - m->band_since >= hold) rep(f, i, at);
        } else {
            m->in_band = 0;
        }
    }
}

void feedback_calibrate(feedback *f, int m, cal_kind kind, double seconds)
{
    for (int i = 0; i < f->n; i++) {
        if (m >= 0 && i != m) continue;
        fb_muscle *x = &f->m[i];
        x->cal_kind = kind;
        x->cal_left = (uint64_t)(seconds * f->fs);
        x->cal_n = 0;
        x->cal_sum = x->cal_sumsq = x->cal_ema = x->cal_peak = 0;
        rest_check_start(&x->rest, f->fs);
    }
}

void feedback_calibrate_cancel(feedback *f)
{
    for (int i = 0; i < f->n; i++) f->m[i].cal_kind = CAL_NONE;
}

int feedback_calibrating(const feedback *f)
{
    for (int i = 0; i < f->n; i++)
        if (f->m[i].cal_kind != CAL_NONE) return 1;
    return 0;
}

static void calibration_done(feedback *f, int i)
{
    fb_muscle *x = &f->m[i];
    cal_kind kind = x->cal_kind;
    x->cal_kind = CAL_NONE;
    char why[400] = "";
    const char *code = "";
    int ok = 1;
    if (kind == CAL_REST) x->last_rest = rest_check_verdict(&x->rest, f->fs, f->names[i], why, sizeof why);
    if (x->cal_n == 0) {
        ok = 0;
        code = "no_signal";
        snprintf(why, sizeof why, "muscle '%s': no valid signal during the calibration", f->names[i]);
    } else if (kind == CAL_REST && !x->last_rest.at_rest) {
        ok = 0; /* the old rest stays */
        code = "not_at_rest";
    } else if (kind == CAL_REST) {
        double mean = x->cal_sum / (double)x->cal_n;
        double var = x->cal_sumsq / (double)x->cal_n - mean * mean;
        x->cal.rest_uv = mean;
        x->cal.rest_sd_uv = sqrt(var > 0 ? var : 0) + 1e-9;
        if (x->cal.mvc_uv <= mean) x->cal.mvc_uv = 0; /* an old MVC below the new rest is meaningless */
    } else {
        double floor_uv = x->cal.rest_uv + 5 * x->cal.rest_sd_uv;
        if (x->cal_peak < floor_uv || x->cal_peak < 1.5 * x->cal.rest_uv || x->cal_peak < 5.0) {
            ok = 0;
            code = "implausible";
            snprintf(why, sizeof why,
                     "muscle '%s': the MVC (%.1f uV) is not clearly above rest (%.1f uV); check the electrodes and "
                     "ask for a maximal contraction, then calibrate again",
                     f->names[i], x->cal_peak, x->cal.rest_uv);
        } else {
            x->cal.mvc_uv = x->cal_peak;
        }
    }
    if (f->calibrated) f->calibrated(f->calibrated_ctx, i, kind, ok, code, why);
}

static void calibration_feed(feedback *f, int i, const double *env, uint32_t n, uint64_t first_sample)
{
    fb_muscle *x = &f->m[i];
    const double a = 1.0 - exp(-1.0 / (0.1 * f->fs)); /* 100 ms average for the MVC */
    uint32_t k = first_sample >= f->settled      ? 0
                 : f->settled - first_sample < n ? (uint32_t)(f->settled - first_sample)
                                                 : n;
    for (; k < n && x->cal_left; k++, x->cal_left--) {
        double e = env[k];
        if (!isfinite(e)) continue;
        x->cal_n++;
        x->cal_sum += e;
        x->cal_sumsq += e * e;
        x->cal_ema += a * (e - x->cal_ema);
        if (x->cal_ema > x->cal_peak) x->cal_peak = x->cal_ema;
        if (x->cal_kind == CAL_REST) rest_check_feed(&x->rest, e, x->active);
    }
    if (!x->cal_left) calibration_done(f, i);
}

void feedback_block(void *ctx, int i, const double *env, const double *act, uint32_t n, uint64_t first_sample,
                    const mf_transition *tr, uint32_t n_tr)
{
    feedback *f = ctx;
    fb_muscle *m = &f->m[i];
    if (n == 0) return;
    if (first_sample + n > f->now_sample) f->now_sample = first_sample + n;
    /* A chain that gives NaN or infinity is broken, not at rest: its IIR state is poisoned for good, so the last
     * sample of a block shows it. The muscle goes off (act 0, an offset if it was active) and stays off. */
    if (m->plugin_error || !isfinite(env[n - 1]) || !isfinite(act[n - 1])) {
        if (!m->plugin_error) {
            m->plugin_error = 1;
            f->plugin_errors_new |= 1u << i;
            if (m->active) offset(f, i, first_sample, first_sample);
        }
        m->act = 0;
        m->env = 0;
        return;
    }
    uint32_t k = 0;
    for (uint32_t t = 0; t < n_tr; t++) {
        if (m->active) track_active(f, i, act, k, tr[t].offset + 1, first_sample); /* up to this decision */
        k = tr[t].offset + 1;
        uint64_t decided = first_sample + tr[t].offset;
        uint64_t at = decided >= tr[t].delay ? decided - tr[t].delay : 0;
        /* After a reconnect or resume (feedback_signal_back), until the restarted filters have settled, the
         * detector decides on their transient, so no onset is told; one it decided on then is not either when it
         * ends (the muscle was never active for us), and the next real one is. (At the stream's start there is no
         * such gate: a recording may begin inside a contraction.) */
        if (tr[t].on && !m->active && decided >= f->onsets_from)
            onset(f, i, at, decided);
        else if (!tr[t].on && m->active)
            offset(f, i, at, decided);
    }
    if (m->active) track_active(f, i, act, k, n, first_sample);
    m->env = env[n - 1];
    m->act = f->signal_ok ? act[n - 1] : 0.0; /* fail-safe holds until the signal is back */
    if (m->cal_kind != CAL_NONE) calibration_feed(f, i, env, n, first_sample);
    if (first_sample + n > f->now_sample) f->now_sample = first_sample + n;
}

void feedback_signal_lost(feedback *f)
{
    if (!f->signal_ok) return;
    f->signal_ok = 0; /* first, so a contraction cut short by the loss is not counted as a rep */
    for (int i = 0; i < f->n; i++) {
        if (f->m[i].active) offset(f, i, f->now_sample, f->now_sample);
        f->m[i].act = 0;
        f->m[i].env = 0;
    }
}

void feedback_signal_back(feedback *f)
{
    f->signal_ok = 1;
    f->settled = f->now_sample + (uint64_t)(FEEDBACK_SETTLE_S * f->fs); /* the pipeline was reset */
    f->onsets_from = f->settled;
}

/* feedback.c: turns detector output into events. Event times come from the sample clock (sample-exact:
 * the detector's decision sample minus its delay), never from the wall clock, so live and replayed
 * streams give the same events. */
#include "feedback.h"

#include <stdio.h>
#include <string.h>

void feedback_init(feedback *f, const config *c, double fs, feedback_events ev, uint64_t t0_sample)
{
    memset(f, 0, sizeof *f);
    f->n = c->n_muscles;
    f->fs = fs;
    f->t0_sample = f->now_sample = t0_sample;
    f->signal_ok = 1;
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
    for (int i = 0; i < f->n; i++)
        for (int j = 0; j < old->n; j++)
            if (strcmp(f->names[i], old->names[j]) == 0) {
                f->m[i].seq = old->m[j].seq;
                f->m[i].reps = old->m[j].reps;
                f->m[i].cal = old->m[j].cal;
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

static void onset(feedback *f, int i, uint64_t sample, uint64_t decided)
{
    fb_muscle *m = &f->m[i];
    m->active = 1;
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
    f->events++;
    if (f->ev.offset) f->ev.offset(f->ev.ctx, i, m->seq, sample, decided, hold, m->peak_act);
    if (hold >= m->rep_hold_s && f->signal_ok) {
        m->reps++;
        if (f->ev.rep) f->ev.rep(f->ev.ctx, i, m->reps, sample);
    }
}

void feedback_block(void *ctx, int i, const double *env, const double *act, uint32_t n, uint64_t first_sample,
                    const mf_transition *tr, uint32_t n_tr)
{
    feedback *f = ctx;
    fb_muscle *m = &f->m[i];
    if (n == 0) return;
    uint32_t k = 0;
    for (uint32_t t = 0; t < n_tr; t++) {
        if (m->active) /* peak activation up to this decision */
            for (; k <= tr[t].offset; k++)
                if (act[k] > m->peak_act) m->peak_act = act[k];
        k = tr[t].offset + 1;
        uint64_t decided = first_sample + tr[t].offset;
        uint64_t at = decided >= tr[t].delay ? decided - tr[t].delay : 0;
        if (tr[t].on && !m->active)
            onset(f, i, at, decided);
        else if (!tr[t].on && m->active)
            offset(f, i, at, decided);
    }
    if (m->active)
        for (; k < n; k++)
            if (act[k] > m->peak_act) m->peak_act = act[k];
    m->env = env[n - 1];
    m->act = f->signal_ok ? act[n - 1] : 0.0; /* fail-safe holds until the signal is back */
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

void feedback_signal_back(feedback *f) { f->signal_ok = 1; }

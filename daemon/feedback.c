/* feedback.c: turns detector output into events and frames. Event times come from the sample clock
 * (sample-exact: the detector's decision sample minus its delay), never from the wall clock. */
#include "feedback.h"

#include <string.h>

void feedback_init(feedback *f, const config *c, double fs, osc_out *out, const osc_addr *addr, uint64_t t0_sample)
{
    memset(f, 0, sizeof *f);
    f->n = c->n_muscles;
    f->fs = fs;
    f->t0_sample = f->now_sample = t0_sample;
    f->signal_ok = 1;
    f->out = out;
    f->addr = addr;
    for (int i = 0; i < f->n; i++) f->m[i].rep_hold_s = c->muscles[i].rep_hold_s;
}

void feedback_carry_over(feedback *f, const feedback *old)
{
    f->t0_sample = old->t0_sample;
    f->now_sample = old->now_sample;
    for (int i = 0; i < f->n; i++)
        for (int j = 0; j < old->n; j++)
            if (strcmp(f->addr->names[i], old->addr->names[j]) == 0) {
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

static void send_onset(feedback *f, int i, uint64_t sample)
{
    fb_muscle *m = &f->m[i];
    m->active = 1;
    m->onset_sample = sample;
    m->peak_act = 0;
    m->seq++;
    lo_message msg = lo_message_new();
    lo_message_add_int32(msg, m->seq);
    lo_message_add_int32(msg, feedback_t_ms(f, sample));
    osc_out_send(f->out, TO_ALL, f->addr->m[i].onset, msg);
    f->events++;
}

static void send_offset(feedback *f, int i, uint64_t sample)
{
    fb_muscle *m = &f->m[i];
    double hold = sample > m->onset_sample ? (double)(sample - m->onset_sample) / f->fs : 0.0;
    int32_t t = feedback_t_ms(f, sample);
    m->active = 0;
    lo_message msg = lo_message_new();
    lo_message_add_int32(msg, m->seq);
    lo_message_add_int32(msg, t);
    lo_message_add_float(msg, (float)hold);
    lo_message_add_float(msg, (float)m->peak_act);
    osc_out_send(f->out, TO_ALL, f->addr->m[i].offset, msg);
    f->events++;
    if (hold >= m->rep_hold_s && f->signal_ok) {
        m->reps++;
        msg = lo_message_new();
        lo_message_add_int32(msg, m->reps);
        lo_message_add_int32(msg, t);
        osc_out_send(f->out, TO_ALL, f->addr->m[i].rep, msg);
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
        /* peak activation up to this decision */
        if (m->active)
            for (; k <= tr[t].offset; k++)
                if (act[k] > m->peak_act) m->peak_act = act[k];
        k = tr[t].offset + 1;
        uint64_t at = first_sample + tr[t].offset;
        at = at >= tr[t].delay ? at - tr[t].delay : 0;
        if (tr[t].on && !m->active)
            send_onset(f, i, at);
        else if (!tr[t].on && m->active)
            send_offset(f, i, at);
    }
    if (m->active)
        for (; k < n; k++)
            if (act[k] > m->peak_act) m->peak_act = act[k];
    m->env = env[n - 1];
    m->act = act[n - 1];
    if (first_sample + n > f->now_sample) f->now_sample = first_sample + n;
    if (!f->signal_ok) { /* fail-safe holds until the source says the signal is back */
        m->act = 0;
    }
}

void feedback_tick(feedback *f)
{
    if (f->n == 0) return;
    lo_message act = lo_message_new(), env = lo_message_new();
    for (int i = 0; i < f->n; i++) {
        lo_message_add_float(act, (float)f->m[i].act);
        lo_message_add_float(env, (float)f->m[i].env);
    }
    osc_out_send(f->out, TO_ALL, f->addr->frame_act, act);
    osc_out_send(f->out, TO_FULL, f->addr->frame_env, env);
    for (int i = 0; i < f->n; i++) {
        const fb_muscle *m = &f->m[i];
        const osc_addr_muscle *a = &f->addr->m[i];
        double hold = m->active && f->now_sample > m->onset_sample
                          ? (double)(f->now_sample - m->onset_sample) / f->fs
                          : 0.0;
        lo_message x = lo_message_new();
        lo_message_add_float(x, (float)m->act);
        osc_out_send(f->out, TO_MUSCLES | TO_FULL, a->act, x);
        x = lo_message_new();
        lo_message_add_float(x, (float)m->env);
        osc_out_send(f->out, TO_MUSCLES | TO_FULL, a->env, x);
        x = lo_message_new();
        lo_message_add_int32(x, m->active);
        osc_out_send(f->out, TO_MUSCLES | TO_FULL, a->active, x);
        x = lo_message_new();
        lo_message_add_float(x, (float)hold);
        osc_out_send(f->out, TO_MUSCLES | TO_FULL, a->hold, x);
    }
}

void feedback_signal_lost(feedback *f)
{
    if (!f->signal_ok) return;
    f->signal_ok = 0; /* first, so a contraction cut short by the loss is not counted as a rep */
    for (int i = 0; i < f->n; i++) {
        if (f->m[i].active) send_offset(f, i, f->now_sample);
        f->m[i].act = 0;
        f->m[i].env = 0;
    }
    feedback_tick(f); /* act = 0, active = 0 at once */
}

void feedback_signal_back(feedback *f) { f->signal_ok = 1; }

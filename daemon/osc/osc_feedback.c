/* osc_feedback.c: encodes feedback events and frames as OSC. */
#include "osc/osc_feedback.h"

static void ev_onset(void *ctx, int m, int32_t seq, uint64_t sample, uint64_t decided)
{
    (void)decided;
    osc_feedback *o = ctx;
    lo_message msg = lo_message_new();
    lo_message_add_int32(msg, seq);
    lo_message_add_int32(msg, feedback_t_ms(o->fb, sample));
    osc_out_send(o->out, TO_ALL, o->addr->m[m].onset, msg);
}

static void ev_offset(void *ctx, int m, int32_t seq, uint64_t sample, uint64_t decided, double hold, double peak)
{
    (void)decided;
    osc_feedback *o = ctx;
    lo_message msg = lo_message_new();
    lo_message_add_int32(msg, seq);
    lo_message_add_int32(msg, feedback_t_ms(o->fb, sample));
    lo_message_add_float(msg, (float)hold);
    lo_message_add_float(msg, (float)peak);
    osc_out_send(o->out, TO_ALL, o->addr->m[m].offset, msg);
}

static void ev_rep(void *ctx, int m, int32_t count, uint64_t sample)
{
    osc_feedback *o = ctx;
    lo_message msg = lo_message_new();
    lo_message_add_int32(msg, count);
    lo_message_add_int32(msg, feedback_t_ms(o->fb, sample));
    osc_out_send(o->out, TO_ALL, o->addr->m[m].rep, msg);
}

feedback_events osc_feedback_events(osc_feedback *o) { return (feedback_events){ev_onset, ev_offset, ev_rep, o}; }

void osc_feedback_tick(const osc_feedback *o)
{
    const feedback *f = o->fb;
    if (f->n == 0) return;
    lo_message act = lo_message_new(), env = lo_message_new();
    for (int i = 0; i < f->n; i++) {
        lo_message_add_float(act, (float)f->m[i].act);
        lo_message_add_float(env, (float)f->m[i].env);
    }
    osc_out_send(o->out, TO_ALL, o->addr->frame_act, act);
    osc_out_send(o->out, TO_FULL, o->addr->frame_env, env);
    for (int i = 0; i < f->n; i++) {
        const fb_muscle *m = &f->m[i];
        const osc_addr_muscle *a = &o->addr->m[i];
        lo_message x = lo_message_new();
        lo_message_add_float(x, (float)m->act);
        osc_out_send(o->out, TO_MUSCLES | TO_FULL, a->act, x);
        x = lo_message_new();
        lo_message_add_float(x, (float)m->env);
        osc_out_send(o->out, TO_MUSCLES | TO_FULL, a->env, x);
        x = lo_message_new();
        lo_message_add_int32(x, m->active);
        osc_out_send(o->out, TO_MUSCLES | TO_FULL, a->active, x);
        x = lo_message_new();
        lo_message_add_float(x, (float)feedback_hold_s(f, i));
        osc_out_send(o->out, TO_MUSCLES | TO_FULL, a->hold, x);
    }
}

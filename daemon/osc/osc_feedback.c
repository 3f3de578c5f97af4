/* osc_feedback.c: encodes feedback events and frames as OSC. */
#include "osc/osc_feedback.h"

static void ev_onset(void *ctx, int m, int32_t seq, uint64_t sample, uint64_t decided)
{
    (void)decided;
    osc_feedback *o = ctx;
    osc_out_send(o->out, TO_ALL, o->addr->m[m].onset, osc_msg("ii", (int)seq, (int)feedback_t_ms(o->fb, sample)));
}

static void ev_offset(void *ctx, int m, int32_t seq, uint64_t sample, uint64_t decided, double hold, double peak)
{
    (void)decided;
    osc_feedback *o = ctx;
    osc_out_send(o->out, TO_ALL, o->addr->m[m].offset,
                 osc_msg("iiff", (int)seq, (int)feedback_t_ms(o->fb, sample), hold, peak));
}

static void ev_rep(void *ctx, int m, int32_t count, uint64_t sample)
{
    osc_feedback *o = ctx;
    osc_out_send(o->out, TO_ALL, o->addr->m[m].rep, osc_msg("ii", (int)count, (int)feedback_t_ms(o->fb, sample)));
}

/* /<m>/repstat iffff rep, peak % MVC, mean % MVC, time to target s, median frequency Hz; then, from the second
 * rep with a median frequency on, /<m>/fatigue ff its trend in Hz per rep and % per rep. */
static void ev_repstat(void *ctx, int m, const fb_repstat *r)
{
    osc_feedback *o = ctx;
    osc_out_send(o->out, TO_ALL, o->addr->m[m].repstat,
                 osc_msg("iffff", (int)r->rep, r->peak_pct, r->mean_pct, r->time_to_target_s, r->median_hz));
    if (r->fatigue_hz_per_rep != 0 || r->fatigue_pct_per_rep != 0)
        osc_out_send(o->out, TO_ALL, o->addr->m[m].fatigue,
                     osc_msg("ff", r->fatigue_hz_per_rep, r->fatigue_pct_per_rep));
}

feedback_events osc_feedback_events(osc_feedback *o)
{
    return (feedback_events){ev_onset, ev_offset, ev_rep, o, ev_repstat};
}

void osc_feedback_tick(const osc_feedback *o)
{
    const feedback *f = o->fb;
    if (f->n == 0 || !osc_out_wanted(o->out, TO_ALL)) return; /* nobody listens: nothing to build */
    osc_out_tick_begin(o->out);
    lo_message act = lo_message_new(), env = NULL;
    int full = osc_out_wanted(o->out, TO_FULL), per_muscle = osc_out_wanted(o->out, TO_MUSCLES | TO_FULL);
    if (full) env = lo_message_new();
    int bad_act = !act, bad_env = full && !env;
    for (int i = 0; i < f->n; i++) {
        bad_act = bad_act || lo_message_add_float(act, (float)f->m[i].act) != 0;
        bad_env = bad_env || (full && lo_message_add_float(env, (float)f->m[i].env) != 0);
    }
    if (bad_act && act) lo_message_free(act), act = NULL;
    if (bad_env && env) lo_message_free(env), env = NULL;
    osc_out_send(o->out, TO_ALL, o->addr->frame_act, act);
    if (full) osc_out_send(o->out, TO_FULL, o->addr->frame_env, env);
    for (int i = 0; per_muscle && i < f->n; i++) {
        const fb_muscle *m = &f->m[i];
        const osc_addr_muscle *a = &o->addr->m[i];
        osc_out_send_f(o->out, TO_MUSCLES | TO_FULL, a->act, m->act);
        osc_out_send_f(o->out, TO_MUSCLES | TO_FULL, a->env, m->env);
        osc_out_send_i(o->out, TO_MUSCLES | TO_FULL, a->active, m->active);
        osc_out_send_f(o->out, TO_MUSCLES | TO_FULL, a->hold, feedback_hold_s(f, i));
    }
    osc_out_tick_end(o->out);
}

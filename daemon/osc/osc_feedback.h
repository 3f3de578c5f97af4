/* osc_feedback.h: the OSC face of feedback: events as /emg/<m>/onset|offset|rep at once, and the frame
 * messages of every tick, by profile. Owns: which feedback values go into which message. */
#ifndef MF_OSC_FEEDBACK_H
#define MF_OSC_FEEDBACK_H

#include "pipeline/feedback.h"
#include "osc/osc_addr.h"
#include "osc/osc_out.h"

typedef struct osc_feedback {
    osc_out *out;
    const osc_addr *addr;
    const feedback *fb;
} osc_feedback;

/* The events interface to hand to feedback_init; ctx must be an osc_feedback that outlives it. */
feedback_events osc_feedback_events(osc_feedback *o);

/* Sends one tick: /frame/act (all), /frame/env (full), per-muscle act/env/active/hold (muscles, full). */
void osc_feedback_tick(const osc_feedback *o);

#endif

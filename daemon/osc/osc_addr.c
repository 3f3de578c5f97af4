/* osc_addr.c: builds the address table. */
#include "osc/osc_addr.h"

#include <stdio.h>
#include <string.h>

#define SET(dst, ...) snprintf((dst), OSC_ADDR_MAX, __VA_ARGS__)

void osc_addr_build(osc_addr *a, const config *c)
{
    memset(a, 0, sizeof *a);
    const char *p = c->osc.prefix;
    snprintf(a->prefix, sizeof a->prefix, "%s", p);
    SET(a->frame_act, "%s/frame/act", p);
    SET(a->frame_env, "%s/frame/env", p);
    SET(a->heartbeat, "%s/sys/heartbeat", p);
    SET(a->muscles, "%s/sys/muscles", p);
    SET(a->ok, "%s/sys/ok", p);
    SET(a->error, "%s/sys/error", p);
    SET(a->pong, "%s/sys/pong", p);
    SET(a->info, "%s/sys/info", p);
    SET(a->subscribed, "%s/sys/subscribed", p);
    SET(a->session_state, "%s/session/state", p);
    SET(a->patient, "%s/sys/patient", p);
    SET(a->calib_state, "%s/calib/state", p);
    SET(a->cue, "%s/session/cue", p);
    SET(a->protocol, "%s/session/protocol", p);
    SET(a->mains, "%s/sys/mains", p);
    SET(a->symmetry, "%s/session/symmetry", p);
    SET(a->coactivation, "%s/session/coactivation", p);
    SET(a->ctl, "%s/ctl/", p);
    SET(a->ctl_calibrate_rest, "%s/ctl/calibrate/rest", p);
    SET(a->ctl_calibrate_mvc, "%s/ctl/calibrate/mvc", p);
    a->n = c->n_muscles;
    for (int i = 0; i < c->n_muscles; i++) {
        const char *m = c->muscles[i].name;
        osc_addr_muscle *x = &a->m[i];
        SET(x->act, "%s/%s/act", p, m);
        SET(x->env, "%s/%s/env", p, m);
        SET(x->active, "%s/%s/active", p, m);
        SET(x->hold, "%s/%s/hold", p, m);
        SET(x->onset, "%s/%s/onset", p, m);
        SET(x->offset, "%s/%s/offset", p, m);
        SET(x->rep, "%s/%s/rep", p, m);
        SET(x->calib, "%s/%s/calib", p, m);
        SET(x->threshold, "%s/%s/threshold", p, m);
        SET(x->levels, "%s/%s/levels", p, m);
        SET(x->target, "%s/%s/target", p, m);
        SET(x->repstat, "%s/%s/repstat", p, m);
        SET(x->fatigue, "%s/%s/fatigue", p, m);
        SET(x->relax, "%s/%s/relax", p, m);
        SET(x->quality, "%s/%s/quality", p, m);
        SET(x->advice, "%s/%s/advice", p, m);
        snprintf(a->name_buf[i], CFG_NAME_MAX, "%s", m);
        a->names[i] = a->name_buf[i];
    }
}

int osc_addr_muscle_index(const osc_addr *a, const char *name)
{
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->names[i], name) == 0) return i;
    return -1;
}

/* protocol.c: see protocol.h. */
#include "session/protocol.h"

#include <stdio.h>
#include <string.h>

static const char *const phase_names[] = {"idle", "get_ready", "work", "rest", "set_rest", "done"};

const char *proto_phase_name(proto_phase p) { return (unsigned)p <= PH_DONE ? phase_names[p] : "idle"; }

static int index_of(const feedback *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->names[i], name) == 0) return i;
    return -1;
}

int protocol_running(const protocol_run *r) { return r->p != NULL; }

static uint64_t samples(const protocol_run *r, double s) { return (uint64_t)(s * r->fs + 0.5); }

/* Opens the gate for this work phase's muscles: all of them, or one in turn when alternating. */
static void begin_work(protocol_run *r, feedback *f, uint64_t now)
{
    r->phase = PH_WORK;
    r->phase_end = now + samples(r, r->p->reach_s + r->p->hold_s);
    r->now_mask = 0;
    if (r->p->alternate)
        r->now_mask = 1u << r->work[(r->rep - 1) % r->n_work];
    else
        for (int k = 0; k < r->n_work; k++) r->now_mask |= 1u << r->work[k];
    r->done_mask = 0;
    for (int i = 0; i < f->n; i++) r->reps_at_start[i] = f->m[i].reps;
    memset(r->act_sum, 0, sizeof r->act_sum);
    r->act_n = 0;
    feedback_gate(f, 1, r->now_mask);
    r->attempts++;
}

static void begin(protocol_run *r, feedback *f, proto_phase ph, double seconds, uint64_t now)
{
    r->phase = ph;
    r->phase_end = now + samples(r, seconds);
    feedback_gate(f, 1, 0); /* no reps outside work */
}

int protocol_start(protocol_run *r, const cfg_protocol *p, feedback *f, double fs, uint64_t now, char *err, size_t n)
{
    if (r->p) {
        snprintf(err, n, "protocol '%s' is running; stop it first (/ctl/protocol/stop)", r->p->name);
        return -1;
    }
    protocol_run x;
    memset(&x, 0, sizeof x);
    for (int k = 0; k < p->n_muscles; k++) {
        int i = index_of(f, p->muscles[k]);
        if (i >= 0) x.work[x.n_work++] = i;
    }
    for (int k = 0; k < p->n_relax; k++) {
        int i = index_of(f, p->relax[k]);
        if (i >= 0) x.relax[x.n_relax++] = i;
    }
    if (x.n_work == 0) {
        size_t off = (size_t)snprintf(err, n, "protocol '%s' works", p->name);
        for (int k = 0; k < p->n_muscles && off < n; k++)
            off += (size_t)snprintf(err + off, n - off, "%s %s", k ? "," : "", p->muscles[k]);
        if (off < n) snprintf(err + off, n - off, ", and this configuration has none of them; choose another protocol");
        return -1;
    }
    x.p = p;
    x.fs = fs;
    x.rep = x.set = 1;
    for (int i = 0; i < f->n; i++) {
        x.saved_has_target[i] = f->m[i].has_target;
        x.saved_lo[i] = f->m[i].target_lo_pct;
        x.saved_hi[i] = f->m[i].target_hi_pct;
        x.saved_hold[i] = f->m[i].rep_hold_s;
        x.last_mean[i] = -1;
    }
    for (int k = 0; k < x.n_work; k++) { /* the protocol's hold, and its band where it has one */
        int i = x.work[k];
        f->m[i].rep_hold_s = p->hold_s;
        if (p->target_lo_pct >= 0) feedback_set_target(f, i, 1, p->target_lo_pct, p->target_hi_pct);
    }
    *r = x;
    for (int k = 0; k < r->n_work; k++) feedback_reps_reset(f, r->work[k]); /* the protocol's reps count from 1 */
    if (p->get_ready_s > 0)
        begin(r, f, PH_GET_READY, p->get_ready_s, now);
    else
        begin_work(r, f, now);
    return 0;
}

void protocol_stop(protocol_run *r, feedback *f)
{
    if (!r->p) return;
    for (int i = 0; i < f->n; i++) {
        feedback_set_target(f, i, r->saved_has_target[i], r->saved_lo[i], r->saved_hi[i]);
        f->m[i].rep_hold_s = r->saved_hold[i];
    }
    feedback_gate(f, 0, 0);
    r->p = NULL;
    r->phase = PH_IDLE;
    r->paused = 0;
}

int protocol_pause(protocol_run *r, feedback *f, uint64_t now)
{
    if (!r->p || r->paused) return -1;
    r->paused = 1;
    r->left_paused = r->phase_end > now ? r->phase_end - now : 0;
    feedback_gate(f, 1, 0);
    return 0;
}

int protocol_resume(protocol_run *r, feedback *f, uint64_t now)
{
    if (!r->p || !r->paused) return -1;
    r->paused = 0;
    r->phase_end = now + r->left_paused;
    feedback_gate(f, 1, r->phase == PH_WORK ? r->now_mask & ~r->done_mask : 0);
    return 0;
}

double protocol_left_s(const protocol_run *r, uint64_t now)
{
    if (!r->p) return 0;
    uint64_t left = r->paused ? r->left_paused : r->phase_end > now ? r->phase_end - now : 0;
    return (double)left / r->fs;
}

/* "hamstring" of "hamstring_left"; side 'l', 'r' or 0. */
static char side_of(const char *name, char *base, size_t n)
{
    size_t len = strlen(name);
    if (len > 5 && strcmp(name + len - 5, "_left") == 0) {
        snprintf(base, n, "%.*s", (int)(len - 5), name);
        return 'l';
    }
    if (len > 6 && strcmp(name + len - 6, "_right") == 0) {
        snprintf(base, n, "%.*s", (int)(len - 6), name);
        return 'r';
    }
    return 0;
}

/* The work phase that ends: each muscle's mean activation in it, the left/right symmetry of the protocol's
 * working pairs (from each side's last work phase: alternating protocols work one side at a time), and the
 * hamstring:glute co-activation. */
static void work_stats(protocol_run *r, const feedback *f, protocol_step *st)
{
    if (r->act_n == 0) return;
    for (int i = 0; i < f->n; i++)
        if ((r->now_mask >> i & 1u) || !r->p->alternate) r->last_mean[i] = r->act_sum[i] / (double)r->act_n;
    for (int a = 0; a < r->n_work; a++) {
        char base_a[CFG_NAME_MAX], base_b[CFG_NAME_MAX];
        if (side_of(f->names[r->work[a]], base_a, sizeof base_a) != 'l') continue;
        for (int b = 0; b < r->n_work; b++) {
            if (side_of(f->names[r->work[b]], base_b, sizeof base_b) != 'r' || strcmp(base_a, base_b) != 0) continue;
            double L = r->last_mean[r->work[a]], R = r->last_mean[r->work[b]];
            if (L < 0 || R < 0 || L + R <= 0 || st->n_pairs >= CFG_PROTOCOL_MUSCLES) continue;
            snprintf(st->pair[st->n_pairs], CFG_NAME_MAX, "%s", base_a);
            st->symmetry_pct[st->n_pairs++] = 100.0 * (L - R) / ((L + R) / 2);
        }
    }
    double ham = 0, glu = 0;
    int nh = 0, ng = 0;
    for (int i = 0; i < f->n; i++) {
        double mean = r->act_sum[i] / (double)r->act_n;
        if (strncmp(f->names[i], "hamstring", 9) == 0) ham += mean, nh++;
        if (strncmp(f->names[i], "glute", 5) == 0) glu += mean, ng++;
    }
    if (nh && ng && glu > 0) {
        st->has_coactivation = 1;
        st->coactivation = (ham / nh) / (glu / ng);
    }
}

/* The phase after a work phase (or a rest) ends. */
static void next_phase(protocol_run *r, feedback *f, uint64_t now, protocol_step *st)
{
    const cfg_protocol *p = r->p;
    st->changed = 1;
    switch (r->phase) {
    case PH_GET_READY: begin_work(r, f, now); return;
    case PH_WORK:
        if (r->rep < p->reps) {
            begin(r, f, PH_REST, p->rest_s, now);
        } else if (r->set < p->sets) {
            begin(r, f, PH_SET_REST, p->set_rest_s, now);
        } else {
            begin(r, f, PH_DONE, 0, now);
            st->finished = 1;
        }
        return;
    case PH_REST:
        r->rep++;
        begin_work(r, f, now);
        return;
    case PH_SET_REST:
        r->set++;
        r->rep = 1;
        begin_work(r, f, now);
        return;
    default: return;
    }
}

protocol_step protocol_advance(protocol_run *r, feedback *f, uint64_t now)
{
    protocol_step st;
    memset(&st, 0, sizeof st);
    if (!r->p || r->paused) return st;
    if (r->phase == PH_WORK) {
        for (int i = 0; i < f->n; i++) r->act_sum[i] += f->m[i].act;
        r->act_n++;
        for (int i = 0; i < f->n; i++)
            if ((r->now_mask >> i & 1u) && f->m[i].reps > r->reps_at_start[i]) r->done_mask |= 1u << i;
        feedback_gate(f, 1, r->now_mask & ~r->done_mask); /* one rep per muscle per work phase */
        int all = r->done_mask == r->now_mask;
        if (all || now >= r->phase_end) { /* held: rest at once; or the time is up */
            st.work_ended = 1;
            st.success = all;
            r->successes += all;
            work_stats(r, f, &st);
            next_phase(r, f, now, &st);
        }
    } else if (now >= r->phase_end) {
        next_phase(r, f, now, &st);
    }
    if (st.finished) {
        protocol_stop(r, f); /* the muscles get their own band and hold back; the caller sends "done" */
        r->phase = PH_DONE;
    }
    return st;
}

int protocol_relax_exceeded(const protocol_run *r, const feedback *f, int *out, int cap)
{
    if (!r->p || r->paused || r->phase != PH_WORK) return 0;
    int n = 0;
    for (int k = 0; k < r->n_relax && n < cap; k++) {
        const fb_muscle *m = &f->m[r->relax[k]];
        if (m->cal.mvc_uv > m->cal.rest_uv && m->act * 100.0 > r->p->relax_limit_pct) out[n++] = r->relax[k];
    }
    return n;
}

/* pipeline.c: builds and runs the per-muscle plugin chains. Frames are de-interleaved into one block
 * buffer per muscle, which the filters process in place; the envelope writes its own buffer; the
 * detector writes activation and transitions. Stages run stage by stage across the muscles, so that
 * muscles sharing a plugin can be handed to it together (process_many). Two to four muscles in a row
 * whose filters and envelope are the same plugins, all offering process_lanes (ABI 1.2), form a lane group:
 * their samples stay side by side in one buffer from the frames to the envelope, and only the envelopes are
 * separated for the detectors. The output is the same either way. No allocation after pipeline_build. */
#include "pipeline/pipeline.h"
#include "base/clock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mfdsp/lanes.h"
#include "config/params.h"

typedef struct stage {
    const mf_plugin *p;
    void *inst;
    filter_calls calls; /* filters and envelopes: what the plugin offers, ABI rules applied (plugin_host) */
} stage;

typedef struct chain {
    int channel; /* 0-based */
    int n_filters;
    stage filters[CFG_MAX_FILTERS];
    stage env, det;
    int on_idx, off_idx;
    double on, off;
    double x[PIPELINE_BLOCK], e[PIPELINE_BLOCK], a[PIPELINE_BLOCK];
    mf_transition tr[PIPELINE_BLOCK];
    uint32_t nt;    /* transitions in tr */
    int lane_group; /* index into pipeline.groups, or -1 */
    int broken;     /* a plugin gave NaN or infinity from a finite input: the sink gets NaN from then on */
} chain;

/* Muscles first..first+count-1 (2..4) run in lanes: x[4 i + l] is sample i of muscle first + l. */
typedef struct lane_group {
    int first, count;
    double *x; /* 4 * PIPELINE_BLOCK */
} lane_group;

typedef struct pipeline_step step;
typedef void (*step_fn)(const pipeline *p, const step *s, uint32_t n);

/* One call of the loop: a filter (or the envelope) of one muscle, of the muscles that share a plugin offering
 * process_many, or of a lane group. Which kind, and so which function runs it, is chosen once when the plan is
 * made (make_plan); the loop only calls run. */
struct pipeline_step {
    step_fn run;
    const char *plugin; /* for pipeline_now: the plugin it calls */
    int muscle;         /* its first muscle */
    int group;          /* the lane group (lanes steps) */
    uint32_t count;
    filter_calls calls;
    void *insts[CFG_MAX_MUSCLES];
    const mf_sample *ins[CFG_MAX_MUSCLES];
    mf_sample *outs[CFG_MAX_MUSCLES];
};

struct pipeline {
    int n, n_channels;
    int max_filters; /* the longest filter list of any muscle */
    int profile;     /* time each stage (pipeline_profile) */
    double stage_ns[PIPELINE_STAGES];
    double fs;
    pipeline_sink sink;
    chain *m;
    lane_group groups[CFG_MAX_MUSCLES / 2];
    int n_groups;
    int lanes; /* lane groups in use (pipeline_use_lanes) */
    /* the plan: level f (0..max_filters-1: filter f; max_filters: the envelope) is steps[level_first[f]] .. */
    step *steps;
    int level_first[CFG_MAX_FILTERS + 2];
};

static int make_plan(pipeline *p);

static void sink_nop(void *ctx, int m, const double *env, const double *act, uint32_t n, uint64_t first,
                     const mf_transition *tr, uint32_t n_tr)
{
    (void)ctx, (void)m, (void)env, (void)act, (void)n, (void)first, (void)tr, (void)n_tr;
}

/* Creates the instance of one stage from its validated parameters, which stay in values (the caller may need
 * them: a detector's on and off). Returns 0, or -1 with the problem in d. */
static int make_stage(stage *s, const cfg_plugin *ref, mf_kind want, const char *what, const cfg_muscle *mu,
                      plugin_host *h, double fs, double values[PARAMS_MAX], diag *d)
{
    char err[700], ctx[160];
    snprintf(ctx, sizeof ctx, "muscle '%s', %s '%s'", mu->name, what, ref->name);
    if (!ref->name[0]) return -1; /* already reported by config */
    const mf_plugin *p = plugin_host_get(h, ref->name, err, sizeof err);
    if (!p) {
        diag_add(d, ref->where, "muscle '%s', %s: %s", mu->name, what, err);
        return -1;
    }
    int kind_ok = p->kind == want;
    if (!kind_ok) {
        diag_add(d, ref->where, "%s: plugin '%s' is a %s, not a %s; choose a %s plugin (myofeedd --list-plugins)", ctx,
                 p->name, plugin_kind_name(p->kind), plugin_kind_name(want), plugin_kind_name(want));
        return -1;
    }
    if (params_resolve(p, ref, ctx, values, d) != 0) return -1;
    mf_error e = {{0}};
    s->inst = plugin_host_create(h, p, fs, values, &e);
    if (!s->inst) {
        diag_add(d, ref->where, "%s: %s", ctx, e.msg[0] ? e.msg : "create failed (the plugin gave no reason)");
        return -1;
    }
    s->p = p;
    s->calls = plugin_filter_calls(p);
    return 0;
}

/* A stage that can run in lanes (offered by a 1.2 plugin; see plugin_filter_calls). */
static int lanes_offered(const stage *s) { return s->p && s->calls.process_lanes != NULL; }

/* Muscle b runs the same filter and envelope plugins as muscle a, all of them offered in lanes. */
static int lane_mates(const chain *a, const chain *b)
{
    if (a->n_filters != b->n_filters || a->env.p != b->env.p || !lanes_offered(&a->env)) return 0;
    for (int f = 0; f < a->n_filters; f++)
        if (a->filters[f].p != b->filters[f].p || !lanes_offered(&a->filters[f])) return 0;
    return 1;
}

static int form_lane_groups(pipeline *p)
{
    for (int i = 0; i < p->n; i++) p->m[i].lane_group = -1;
    for (int i = 0; i < p->n;) {
        int k = 1;
        while (k < 4 && i + k < p->n && lane_mates(&p->m[i], &p->m[i + k])) k++;
        if (k < 2) {
            i++;
            continue;
        }
        lane_group *g = &p->groups[p->n_groups];
        g->x = aligned_alloc(32, sizeof(double) * 4 * PIPELINE_BLOCK);
        if (!g->x) return -1;
        memset(g->x, 0, sizeof(double) * 4 * PIPELINE_BLOCK);
        g->first = i;
        g->count = k;
        for (int l = 0; l < k; l++) p->m[i + l].lane_group = p->n_groups;
        p->n_groups++;
        i += k;
    }
    p->lanes = 1;
    return 0;
}

pipeline *pipeline_build(const config *c, plugin_host *h, double fs, int n_channels, diag *d)
{
    pipeline *p = calloc(1, sizeof *p);
    if (p) p->m = calloc((size_t)(c->n_muscles ? c->n_muscles : 1), sizeof(chain));
    if (!p || !p->m) {
        diag_add(d, c->path, "out of memory for the pipeline of %d muscles; free memory and start again", c->n_muscles);
        free(p);
        return NULL;
    }
    p->n = c->n_muscles;
    p->fs = fs;
    p->n_channels = n_channels;
    p->sink = (pipeline_sink){sink_nop, NULL};
    int bad = 0;
    for (int i = 0; i < c->n_muscles; i++) {
        const cfg_muscle *mu = &c->muscles[i];
        chain *ch = &p->m[i];
        ch->channel = mu->channel - 1;
        ch->on_idx = ch->off_idx = -1;
        if (mu->channel > n_channels) {
            diag_add(d, mu->where,
                     "muscle '%s' uses channel %d but the source delivers %d channels (source.channels at %s); "
                     "pick a channel from 1 to %d",
                     mu->name, mu->channel, n_channels, c->source.where_channels, n_channels);
            bad = 1;
        }
        double values[PARAMS_MAX];
        for (int f = 0; f < mu->n_filters; f++) {
            bad |= make_stage(&ch->filters[f], &mu->filters[f], MF_KIND_FILTER, "filter", mu, h, fs, values, d) != 0;
            if (ch->filters[f].inst) ch->n_filters = f + 1;
        }
        if (ch->n_filters > p->max_filters) p->max_filters = ch->n_filters;
        bad |= make_stage(&ch->env, &mu->envelope, MF_KIND_ENVELOPE, "envelope", mu, h, fs, values, d) != 0;
        bad |= make_stage(&ch->det, &mu->detector, MF_KIND_DETECTOR, "detector", mu, h, fs, values, d) != 0;
        if (ch->det.p) {
            int on = params_index(ch->det.p, "on"), off = params_index(ch->det.p, "off");
            if (on >= 0 && off >= 0 && (ch->det.p->params[on].flags & MF_PARAM_RUNTIME) &&
                (ch->det.p->params[off].flags & MF_PARAM_RUNTIME)) {
                ch->on_idx = on;
                ch->off_idx = off;
                ch->on = values[on]; /* as resolved for create: the same parameters, read once */
                ch->off = values[off];
            }
        }
    }
    if (bad) {
        pipeline_free(p);
        return NULL;
    }
    if (form_lane_groups(p) != 0 || make_plan(p) != 0) {
        diag_add(d, c->path, "out of memory for the block buffers of %d muscles; free memory and start again", p->n);
        pipeline_free(p);
        return NULL;
    }
    return p;
}

static void stage_free(stage *s)
{
    if (s->p && s->inst) s->p->destroy(s->inst);
    s->inst = NULL;
}

void pipeline_free(pipeline *p)
{
    if (!p) return;
    for (int i = 0; i < p->n; i++) {
        chain *ch = &p->m[i];
        for (int f = 0; f < CFG_MAX_FILTERS; f++) stage_free(&ch->filters[f]);
        stage_free(&ch->env);
        stage_free(&ch->det);
    }
    for (int g = 0; g < p->n_groups; g++) free(p->groups[g].x);
    free(p->steps);
    free(p->m);
    free(p);
}

void pipeline_set_sink(pipeline *p, pipeline_sink sink) { p->sink = sink; }
int pipeline_muscles(const pipeline *p) { return p->n; }

void pipeline_profile(pipeline *p, int on)
{
    p->profile = on;
    memset(p->stage_ns, 0, sizeof p->stage_ns);
}

void pipeline_stage_ns(const pipeline *p, double ns[PIPELINE_STAGES]) { memcpy(ns, p->stage_ns, sizeof p->stage_ns); }

static int in_lanes(const pipeline *p, const chain *ch) { return p->lanes && ch->lane_group >= 0; }

static void run_one(const pipeline *p, const step *s, uint32_t n)
{
    (void)p;
    s->calls.process(s->insts[0], s->ins[0], s->outs[0], n);
}

static void run_many(const pipeline *p, const step *s, uint32_t n)
{
    (void)p;
    s->calls.process_many(s->insts, s->count, s->ins, s->outs, n);
}

/* A filter of a lane group, in place in its lanes. */
static void run_lanes(const pipeline *p, const step *s, uint32_t n)
{
    s->calls.process_lanes(s->insts, s->count, p->groups[s->group].x, n);
}

/* The envelope of a lane group, in its lanes; then each muscle's envelope to its own buffer for the detector. */
static void run_lanes_envelope(const pipeline *p, const step *s, uint32_t n)
{
    const lane_group *g = &p->groups[s->group];
    chain *ch = &p->m[g->first];
    if (p->sink.filtered) { /* the filtered samples, before the envelope overwrites them in the lanes */
        if (g->count == 4) {
            double *const out[4] = {ch[0].x, ch[1].x, ch[2].x, ch[3].x};
            lanes_deinterleave4(g->x, 4, 0, out, n);
        } else {
            for (int l = 0; l < g->count; l++)
                for (uint32_t i = 0; i < n; i++) ch[l].x[i] = g->x[4 * i + (uint32_t)l];
        }
    }
    s->calls.process_lanes(s->insts, s->count, g->x, n);
    if (g->count == 4) {
        double *const out[4] = {ch[0].e, ch[1].e, ch[2].e, ch[3].e};
        lanes_deinterleave4(g->x, 4, 0, out, n);
        return;
    }
    for (int l = 0; l < g->count; l++)
        for (uint32_t i = 0; i < n; i++) ch[l].e[i] = g->x[4 * i + (uint32_t)l];
}

/* Stage f of chain ch (the envelope when f < 0), or NULL when ch has no such filter. */
static stage *stage_of(chain *ch, int f) { return f < 0 ? &ch->env : f < ch->n_filters ? &ch->filters[f] : NULL; }

/* The steps of one level (filter f, or the envelope when f < 0): lane groups first, then muscles whose stage is the
 * same plugin offering process_many in one step, the rest one by one. Returns the steps added at out. */
static int plan_level(pipeline *p, int f, step *out)
{
    int k = 0;
    for (int gi = 0; p->lanes && gi < p->n_groups; gi++) {
        lane_group *g = &p->groups[gi];
        if (!stage_of(&p->m[g->first], f)) continue;
        step *s = &out[k++];
        s->run = f < 0 ? run_lanes_envelope : run_lanes;
        s->group = gi;
        s->count = (uint32_t)g->count;
        s->calls = stage_of(&p->m[g->first], f)->calls;
        s->plugin = stage_of(&p->m[g->first], f)->p->name;
        s->muscle = g->first;
        for (int l = 0; l < g->count; l++) s->insts[l] = stage_of(&p->m[g->first + l], f)->inst;
    }
    uint32_t done = 0; /* bit per muscle (CFG_MAX_MUSCLES <= 32) */
    for (int i = 0; i < p->n; i++) {
        chain *ch = &p->m[i];
        const stage *st = stage_of(ch, f);
        if ((done >> i & 1u) || !st || in_lanes(p, ch)) continue;
        step *s = &out[k++];
        s->calls = st->calls;
        s->plugin = st->p->name;
        s->muscle = i;
        s->run = st->calls.process_many ? run_many : run_one;
        s->count = 0;
        for (int j = i; j < p->n; j++) {
            chain *cj = &p->m[j];
            const stage *sj = stage_of(cj, f);
            if (!sj || in_lanes(p, cj) || sj->p != st->p || (j > i && !st->calls.process_many)) continue;
            s->insts[s->count] = sj->inst;
            s->ins[s->count] = cj->x;
            s->outs[s->count++] = f < 0 ? cj->e : cj->x;
            done |= 1u << j;
        }
    }
    return k;
}

/* The plan for the current lane setting: every level's steps. Returns 0 or -1 (out of memory). */
static int make_plan(pipeline *p)
{
    step *steps = calloc((size_t)(p->max_filters + 1) * (size_t)(p->n ? p->n : 1), sizeof(step));
    if (!steps) return -1; /* the old plan stays */
    free(p->steps);
    p->steps = steps;
    int k = 0;
    for (int level = 0; level <= p->max_filters; level++) {
        p->level_first[level] = k;
        k += plan_level(p, level < p->max_filters ? level : -1, p->steps + k);
    }
    p->level_first[p->max_filters + 1] = k;
    return 0;
}

int pipeline_use_lanes(pipeline *p, int on)
{
    int was = p->lanes;
    p->lanes = on;
    if (make_plan(p) == 0) return 0;
    p->lanes = was;
    return -1;
}

const char *volatile pipeline_now_plugin;
volatile int pipeline_now_muscle;

static void run_level(const pipeline *p, int level, uint32_t n)
{
    for (int k = p->level_first[level]; k < p->level_first[level + 1]; k++) {
        pipeline_now_plugin = p->steps[k].plugin, pipeline_now_muscle = p->steps[k].muscle;
        p->steps[k].run(p, &p->steps[k], n);
    }
}

/* With profiling on, the time since *t0 goes to stage k (a few clock reads per block, not per sample). */
static void lap(pipeline *p, int k, double *t0)
{
    if (!p->profile) return;
    double t = clock_mono_ns();
    p->stage_ns[k] += t - *t0;
    *t0 = t;
}

/* Each muscle's channel of n frames into its block buffer: four muscles on four channels in a row (the usual
 * layout) through one transpose per four frames, the others one by one. */
static void deinterleave(pipeline *p, const double *frames, uint32_t n)
{
    const size_t nc = (size_t)p->n_channels;
    if (p->lanes)
        for (int gi = 0; gi < p->n_groups; gi++) {
            const lane_group *g = &p->groups[gi];
            size_t ch[4];
            for (int l = 0; l < g->count; l++) ch[l] = (size_t)p->m[g->first + l].channel;
            lanes_gather(frames, nc, ch, (uint32_t)g->count, g->x, n);
        }
    int i = 0;
    while (i < p->n) {
        chain *ch = p->m + i;
        if (in_lanes(p, ch)) {
            i++;
            continue;
        }
        if (i + 4 <= p->n && (size_t)ch->channel + 4 <= nc && ch[1].channel == ch->channel + 1 &&
            ch[2].channel == ch->channel + 2 && ch[3].channel == ch->channel + 3 && !in_lanes(p, ch + 1) &&
            !in_lanes(p, ch + 2) && !in_lanes(p, ch + 3)) {
            double *const out[4] = {ch[0].x, ch[1].x, ch[2].x, ch[3].x};
            lanes_deinterleave4(frames, nc, (size_t)ch->channel, out, n);
            i += 4;
            continue;
        }
        const double *src = frames + ch->channel;
        for (uint32_t k = 0; k < n; k++) ch->x[k] = src[(size_t)k * nc];
        i++;
    }
}

void pipeline_process(pipeline *p, const double *frames, uint32_t n_frames, uint64_t first_sample)
{
    const int nc = p->n_channels;
    while (n_frames > 0) {
        uint32_t n = n_frames < PIPELINE_BLOCK ? n_frames : PIPELINE_BLOCK;
        double t0 = p->profile ? clock_mono_ns() : 0;
        deinterleave(p, frames, n);
        lap(p, 0, &t0);
        for (int f = 0; f < p->max_filters; f++) {
            run_level(p, f, n);
            lap(p, 1 + f, &t0);
        }
        run_level(p, p->max_filters, n);
        lap(p, 1 + CFG_MAX_FILTERS, &t0);
        for (int i = 0; i < p->n; i++) {
            chain *ch = &p->m[i];
            pipeline_now_plugin = ch->det.p->name, pipeline_now_muscle = i;
            ch->nt = ch->det.p->detector->process(ch->det.inst, ch->e, n, ch->a, ch->tr, PIPELINE_BLOCK);
        }
        pipeline_now_plugin = NULL;
        lap(p, 2 + CFG_MAX_FILTERS, &t0);
        /* A broken plugin, seen on the block's last sample (a NaN from the source is a lost sample, which the
         * built-in filters pass as one NaN and the envelopes as 0; a NaN that came from a finite input, or any in
         * the envelope, is a plugin's). No per-sample cost. */
        for (int i = 0; i < p->n; i++) {
            chain *ch = &p->m[i];
            double raw = frames[(size_t)(n - 1) * (size_t)nc + (size_t)ch->channel];
            int filtered_known = p->sink.filtered || !in_lanes(p, ch);
            if (!ch->broken &&
                (!isfinite(ch->e[n - 1]) || (filtered_known && isfinite(raw) && !isfinite(ch->x[n - 1]))))
                ch->broken = 1;
            if (ch->broken) ch->e[n - 1] = NAN; /* the sink's sign (feedback marks the muscle plugin_error) */
        }
        for (int i = 0; i < p->n; i++) {
            chain *ch = &p->m[i];
            if (p->sink.filtered) p->sink.filtered(p->sink.ctx, i, ch->x, n, first_sample);
            p->sink.block(p->sink.ctx, i, ch->e, ch->a, n, first_sample, ch->tr, ch->nt);
        }
        lap(p, 0, &t0);
        frames += (size_t)n * (size_t)nc;
        n_frames -= n;
        first_sample += n;
    }
}

static void stage_reset(stage *s)
{
    if (s->p && s->p->reset) s->p->reset(s->inst);
}

void pipeline_reset(pipeline *p)
{
    for (int i = 0; i < p->n; i++) {
        for (int f = 0; f < p->m[i].n_filters; f++) stage_reset(&p->m[i].filters[f]);
        stage_reset(&p->m[i].env);
        stage_reset(&p->m[i].det);
    }
}

int pipeline_get_threshold(const pipeline *p, int m, double *on, double *off)
{
    const chain *ch = &p->m[m];
    if (ch->on_idx < 0) return -1;
    *on = ch->on;
    *off = ch->off;
    return 0;
}

int pipeline_set_threshold(pipeline *p, int m, double on, double off, char *err, size_t n)
{
    chain *ch = &p->m[m];
    if (ch->on_idx < 0) {
        snprintf(err, n, "detector '%s' has no on/off thresholds", ch->det.p->name);
        return -1;
    }
    if (off < 0) off = ch->on > 0 ? on * (ch->off / ch->on) : on;
    const mf_param_info *qo = &ch->det.p->params[ch->on_idx], *qf = &ch->det.p->params[ch->off_idx];
    if (!(on >= qo->min && on <= qo->max) || !(off >= qf->min && off <= qf->max) || off > on) {
        snprintf(err, n, "on %g / off %g rejected: need %g <= off <= on <= %g", on, off, qf->min, qo->max);
        return -1;
    }
    const mf_plugin *dp = ch->det.p;
    /* order the two writes so off <= on holds after each */
    mf_status s1, s2;
    if (on >= ch->on) {
        s1 = dp->set_param(ch->det.inst, (uint32_t)ch->on_idx, on);
        s2 = dp->set_param(ch->det.inst, (uint32_t)ch->off_idx, off);
    } else {
        s1 = dp->set_param(ch->det.inst, (uint32_t)ch->off_idx, off);
        s2 = dp->set_param(ch->det.inst, (uint32_t)ch->on_idx, on);
    }
    if (s1 != MF_OK || s2 != MF_OK) {
        /* restore what we had */
        dp->set_param(ch->det.inst, (uint32_t)ch->off_idx, 0);
        dp->set_param(ch->det.inst, (uint32_t)ch->on_idx, ch->on);
        dp->set_param(ch->det.inst, (uint32_t)ch->off_idx, ch->off);
        snprintf(err, n, "detector '%s' refused on %g / off %g", dp->name, on, off);
        return -1;
    }
    ch->on = on;
    ch->off = off;
    return 0;
}

void pipeline_set_calibration(pipeline *p, int m, const mf_calibration *cal)
{
    p->m[m].det.p->detector->set_calibration(p->m[m].det.inst, cal);
}

int pipeline_active(const pipeline *p, int m) { return p->m[m].det.p->detector->active(p->m[m].det.inst); }

int pipeline_auto_value(const pipeline *p, int m, double *value)
{
    const chain *ch = &p->m[m];
    for (int f = 0; f < ch->n_filters; f++) {
        const stage *s = &ch->filters[f];
        double (*get)(void *, uint32_t) = plugin_get_param(s->p);
        for (uint32_t k = 0; get && k < s->p->n_params; k++)
            if (s->p->params[k].flags & MF_PARAM_AUTO) {
                double v = get(s->inst, k);
                if (!isfinite(v)) return 0;
                *value = v;
                return 1;
            }
    }
    return 0;
}

int pipeline_levels(const pipeline *p, int m, double *on_act, double *off_act)
{
    const stage *d = &p->m[m].det;
    if (!d->p->detector->levels) return -1;
    d->p->detector->levels(d->inst, on_act, off_act);
    return 0;
}

/* summary.c: the session summary and its JSON form (see summary.h; the schema is in docs/sessions.md). */
#include "records/summary.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void summary_totals(summary *s)
{
    for (int i = 0; i < s->n_muscles; i++) {
        sum_muscle *m = &s->m[i];
        int k = 0, kt = 0;
        double mean = 0, hold = 0, ttt = 0, peak = 0;
        for (int j = 0; j < s->n_reps; j++) {
            const sum_rep *r = &s->reps[j];
            if (r->muscle != i) continue;
            k++;
            mean += r->mean_pct;
            hold += r->hold_s;
            if (r->peak_pct > peak) peak = r->peak_pct;
            if (r->time_to_target_s >= 0) ttt += r->time_to_target_s, kt++;
        }
        m->reps = k;
        m->peak_pct = peak;
        m->mean_pct = k ? mean / k : 0;
        m->hold_s = k ? hold / k : 0;
        m->time_to_target_s = kt ? ttt / kt : -1;
    }
}

/* ------------------------------------------------------------------------------------------------ writing */

static json_t *muscle_json(const sum_muscle *m)
{
    json_t *o = json_pack("{s:s, s:{s:f, s:f, s:f}, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "name", m->name,
                          "calibration", "rest_uv", m->rest_uv, "rest_sd_uv", m->rest_sd_uv, "mvc_uv", m->mvc_uv,
                          "contractions", m->contractions, "reps", m->reps, "peak_pct_mvc", m->peak_pct, "mean_pct_mvc",
                          m->mean_pct, "hold_s", m->hold_s, "time_to_target_s", m->time_to_target_s,
                          "fatigue_hz_per_rep", m->fatigue_hz_per_rep, "fatigue_pct_per_rep", m->fatigue_pct_per_rep,
                          "clipped_pct", m->clipped_pct, "mains_hz", m->mains_hz);
    if (!o) return NULL;
    json_object_set_new(o, "target_pct_mvc",
                        m->has_target ? json_pack("[f, f]", m->target_low_pct, m->target_high_pct) : json_null());
    json_object_set_new(o, "previous",
                        m->has_prev ? json_pack("{s:f, s:f, s:i}", "peak_pct_mvc", m->prev_peak_pct, "mean_pct_mvc",
                                                m->prev_mean_pct, "reps", m->prev_reps)
                                    : json_null());
    return o;
}

static json_t *summary_json(const summary *s)
{
    json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:I}", "schema", s->schema,
                          "id", s->id, "patient", s->patient, "label", s->label, "protocol", s->protocol, "station",
                          s->station, "source", s->source, "started", s->started, "ended", s->ended, "state", s->state,
                          "sample_rate_hz", s->fs, "duration_s", s->duration_s, "samples", (json_int_t)s->samples);
    if (!o) return NULL;
    json_object_set_new(o, "error", json_string(s->error));
    json_object_set_new(o, "previous_session", *s->prev_id ? json_string(s->prev_id) : json_null());
    json_object_set_new(o, "quality",
                        json_pack("{s:I, s:i, s:i, s:i, s:i, s:I}", "lost_samples", (json_int_t)s->lost_samples, "gaps",
                                  s->gaps, "reconnects", s->reconnects, "reloads", s->reloads, "markers", s->markers,
                                  "queue_dropped_samples", (json_int_t)s->dropped));
    json_t *ms = json_array(), *reps = json_array(), *cues = json_array(), *pairs = json_array();
    for (int i = 0; i < s->n_muscles; i++) json_array_append_new(ms, muscle_json(&s->m[i]));
    for (int i = 0; i < s->n_reps; i++) {
        const sum_rep *r = &s->reps[i];
        json_array_append_new(reps,
                              json_pack("{s:s, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f}", "muscle", s->m[r->muscle].name,
                                        "rep", r->rep, "set", r->set, "t_s", r->t_s, "peak_pct_mvc", r->peak_pct,
                                        "mean_pct_mvc", r->mean_pct, "hold_s", r->hold_s, "time_to_target_s",
                                        r->time_to_target_s, "median_hz", r->median_hz));
    }
    for (int i = 0; i < s->n_cues; i++)
        json_array_append_new(cues, json_pack("{s:s, s:f, s:i, s:i}", "phase", s->cues[i].phase, "t_s", s->cues[i].t_s,
                                              "rep", s->cues[i].rep, "set", s->cues[i].set));
    for (int i = 0; i < s->n_pairs; i++)
        json_array_append_new(pairs,
                              json_pack("{s:s, s:f, s:f, s:i, s:i}", "pair", s->pairs[i].pair, "t_s", s->pairs[i].t_s,
                                        "value", s->pairs[i].value, "rep", s->pairs[i].rep, "set", s->pairs[i].set));
    json_object_set_new(o, "muscles", ms);
    json_object_set_new(o, "reps", reps);
    json_object_set_new(o, "cues", cues);
    json_object_set_new(o, "symmetry", pairs);
    return o;
}

int summary_write(const summary *s, const char *path, char *err, size_t n)
{
    json_t *o = summary_json(s);
    if (!o) {
        snprintf(err, n, "%s: out of memory building the summary", path);
        return -1;
    }
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    json_decref(o);
    int fd = text ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;
    if (fd < 0) {
        snprintf(err, n, "%s: cannot write the summary: %s; check session.dir", path,
                 text ? strerror(errno) : "out of memory");
        free(text);
        return -1;
    }
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
    ok = close(fd) == 0 && ok;
    free(text);
    if (!ok) {
        snprintf(err, n, "%s: cannot write the summary: %s; the disk may be full", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------ reading */

static void get_str(json_t *o, const char *key, char *dst, size_t cap)
{
    json_t *v = json_object_get(o, key);
    snprintf(dst, cap, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static double get_num(json_t *o, const char *key, double dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

static int muscle_index(const summary *s, const char *name)
{
    for (int i = 0; i < s->n_muscles; i++)
        if (!strcmp(s->m[i].name, name)) return i;
    return -1;
}

static void read_muscles(summary *s, json_t *ms)
{
    size_t i;
    json_t *m;
    json_array_foreach(ms, i, m)
    {
        if (s->n_muscles == CFG_MAX_MUSCLES) break;
        sum_muscle *d = &s->m[s->n_muscles++];
        get_str(m, "name", d->name, sizeof d->name);
        json_t *c = json_object_get(m, "calibration");
        d->rest_uv = get_num(c, "rest_uv", 0);
        d->rest_sd_uv = get_num(c, "rest_sd_uv", 0);
        d->mvc_uv = get_num(c, "mvc_uv", 0);
        d->contractions = (int)get_num(m, "contractions", 0);
        d->reps = (int)get_num(m, "reps", 0);
        d->peak_pct = get_num(m, "peak_pct_mvc", 0);
        d->mean_pct = get_num(m, "mean_pct_mvc", 0);
        d->hold_s = get_num(m, "hold_s", 0);
        d->time_to_target_s = get_num(m, "time_to_target_s", -1);
        d->fatigue_hz_per_rep = get_num(m, "fatigue_hz_per_rep", 0);
        d->fatigue_pct_per_rep = get_num(m, "fatigue_pct_per_rep", 0);
        d->clipped_pct = get_num(m, "clipped_pct", 0);
        d->mains_hz = get_num(m, "mains_hz", 0);
        json_t *t = json_object_get(m, "target_pct_mvc");
        if (json_is_array(t) && json_array_size(t) == 2) {
            d->has_target = 1;
            d->target_low_pct = json_number_value(json_array_get(t, 0));
            d->target_high_pct = json_number_value(json_array_get(t, 1));
        }
        json_t *p = json_object_get(m, "previous");
        if (json_is_object(p)) {
            d->has_prev = 1;
            d->prev_peak_pct = get_num(p, "peak_pct_mvc", 0);
            d->prev_mean_pct = get_num(p, "mean_pct_mvc", 0);
            d->prev_reps = (int)get_num(p, "reps", 0);
        }
    }
}

static void read_lists(summary *s, json_t *o)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(o, "reps"), i, v)
    {
        char name[CFG_NAME_MAX];
        get_str(v, "muscle", name, sizeof name);
        int mi = muscle_index(s, name);
        if (mi < 0 || s->n_reps == SUM_MAX_REPS) continue;
        s->reps[s->n_reps++] = (sum_rep){.muscle = mi,
                                         .rep = (int)get_num(v, "rep", 0),
                                         .set = (int)get_num(v, "set", 0),
                                         .t_s = get_num(v, "t_s", 0),
                                         .peak_pct = get_num(v, "peak_pct_mvc", 0),
                                         .mean_pct = get_num(v, "mean_pct_mvc", 0),
                                         .hold_s = get_num(v, "hold_s", 0),
                                         .time_to_target_s = get_num(v, "time_to_target_s", -1),
                                         .median_hz = get_num(v, "median_hz", 0)};
    }
    json_array_foreach(json_object_get(o, "cues"), i, v)
    {
        if (s->n_cues == SUM_MAX_CUES) break;
        sum_cue *c = &s->cues[s->n_cues++];
        get_str(v, "phase", c->phase, sizeof c->phase);
        c->t_s = get_num(v, "t_s", 0);
        c->rep = (int)get_num(v, "rep", 0);
        c->set = (int)get_num(v, "set", 0);
    }
    json_array_foreach(json_object_get(o, "symmetry"), i, v)
    {
        if (s->n_pairs == SUM_MAX_PAIRS) break;
        sum_pair *p = &s->pairs[s->n_pairs++];
        get_str(v, "pair", p->pair, sizeof p->pair);
        p->t_s = get_num(v, "t_s", 0);
        p->value = get_num(v, "value", 0);
        p->rep = (int)get_num(v, "rep", 0);
        p->set = (int)get_num(v, "set", 0);
    }
}

int summary_read(summary *s, const char *path, char *err, size_t n)
{
    memset(s, 0, sizeof *s);
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    if (!o) {
        snprintf(err, n, "%s:%d: %s; is this a session folder's summary.json?", path, je.line, je.text);
        return -1;
    }
    s->schema = (int)get_num(o, "schema", 0);
    if (!json_is_object(o) || s->schema < 1 || s->schema > SUMMARY_SCHEMA) {
        snprintf(err, n, "%s: summary schema %d is not one this program reads (1 to %d); use a newer myofeed", path,
                 s->schema, SUMMARY_SCHEMA);
        json_decref(o);
        return -1;
    }
    get_str(o, "id", s->id, sizeof s->id);
    get_str(o, "patient", s->patient, sizeof s->patient);
    get_str(o, "label", s->label, sizeof s->label);
    get_str(o, "protocol", s->protocol, sizeof s->protocol);
    get_str(o, "station", s->station, sizeof s->station);
    get_str(o, "source", s->source, sizeof s->source);
    get_str(o, "started", s->started, sizeof s->started);
    get_str(o, "ended", s->ended, sizeof s->ended);
    get_str(o, "state", s->state, sizeof s->state);
    get_str(o, "error", s->error, sizeof s->error);
    get_str(o, "previous_session", s->prev_id, sizeof s->prev_id);
    s->fs = get_num(o, "sample_rate_hz", 0);
    s->duration_s = get_num(o, "duration_s", 0);
    s->samples = (uint64_t)get_num(o, "samples", 0);
    json_t *q = json_object_get(o, "quality");
    s->lost_samples = (uint64_t)get_num(q, "lost_samples", 0);
    s->gaps = (int)get_num(q, "gaps", 0);
    s->reconnects = (int)get_num(q, "reconnects", 0);
    s->reloads = (int)get_num(q, "reloads", 0);
    s->markers = (int)get_num(q, "markers", 0);
    s->dropped = (uint64_t)get_num(q, "queue_dropped_samples", 0);
    read_muscles(s, json_object_get(o, "muscles"));
    read_lists(s, o);
    json_decref(o);
    return 0;
}

/* recording.c: a session record's life (see recording.h). */
#include "session/recording.h"

#include "base/clock.h"
#include "records/report.h"
#include "session/history.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct finisher {
    pthread_t thread;
    recorder *rec;
    summary *sum;
    char dir[1024], store_dir[1024];
    _Atomic int done;
    int ok;
    char msg[900];
    finisher *next; /* older ones not yet reaped */
};

static void iso_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* dir/<patient>/<id>/, each made 0700; id from the local time, with -2, -3 ... when taken. */
static int make_folder(session_rec *s, const char *root, const char *patient, char *id, size_t id_n, char *err,
                       size_t n)
{
    char pdir[1024];
    snprintf(pdir, sizeof pdir, "%.900s/%s", root, patient);
    if ((mkdir(root, 0700) != 0 && errno != EEXIST) || (mkdir(pdir, 0700) != 0 && errno != EEXIST)) {
        snprintf(err, n, "%s: cannot create the patient's folder: %s; check that session.dir is writable", pdir,
                 strerror(errno));
        return -1;
    }
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char base[40];
    strftime(base, sizeof base, "%Y-%m-%d_%H%M%S", &tm);
    for (int k = 1; k < 100; k++) {
        if (k == 1)
            snprintf(id, id_n, "%s", base);
        else
            snprintf(id, id_n, "%s-%d", base, k);
        snprintf(s->dir, sizeof s->dir, "%.900s/%s", pdir, id);
        if (mkdir(s->dir, 0700) == 0) return 0;
        if (errno != EEXIST) break;
    }
    snprintf(err, n, "%s: cannot create the session's folder: %s; check that session.dir is writable", s->dir,
             strerror(errno));
    return -1;
}

static void fill_muscles(summary *sum, const session_start_args *a)
{
    const feedback *fb = a->fb;
    sum->n_muscles = fb->n;
    for (int i = 0; i < fb->n; i++) {
        sum_muscle *m = &sum->m[i];
        snprintf(m->name, sizeof m->name, "%s", fb->names[i]);
        m->rest_uv = fb->m[i].cal.rest_uv;
        m->rest_sd_uv = fb->m[i].cal.rest_sd_uv;
        m->mvc_uv = fb->m[i].cal.mvc_uv > fb->m[i].cal.rest_uv ? fb->m[i].cal.mvc_uv : 0;
        m->has_target = fb->m[i].has_target;
        m->target_low_pct = fb->m[i].target_lo_pct;
        m->target_high_pct = fb->m[i].target_hi_pct;
    }
}

int session_rec_start(session_rec *s, const session_start_args *a, const char **code, char *err, size_t n)
{
    *code = "busy";
    if (s->running) {
        snprintf(err, n, "session '%s' is recording; stop it first (/ctl/session/stop)", s->sum->id);
        return -1;
    }
    *code = "store_error";
    summary *sum = calloc(1, sizeof *sum);
    if (!sum) {
        snprintf(err, n, "out of memory for the session's summary");
        return -1;
    }
    sum->schema = SUMMARY_SCHEMA;
    snprintf(sum->patient, sizeof sum->patient, "%s", a->patient);
    snprintf(sum->label, sizeof sum->label, "%s", a->label);
    snprintf(sum->protocol, sizeof sum->protocol, "%s", a->protocol);
    snprintf(sum->source, sizeof sum->source, "%s", a->source);
    snprintf(sum->station, sizeof sum->station, "%s", a->cfg->session.station);
    iso_now(sum->started, sizeof sum->started);
    snprintf(sum->state, sizeof sum->state, "recording");
    sum->fs = a->fs;
    fill_muscles(sum, a);
    if (make_folder(s, a->cfg->session.dir, a->patient, sum->id, sizeof sum->id, err, n) != 0) {
        free(sum);
        return -1;
    }
    char bdf[1100], tsv[1100];
    snprintf(bdf, sizeof bdf, "%s/recording.bdf", s->dir);
    snprintf(tsv, sizeof tsv, "%s/events.tsv", s->dir);
    record_spec sp = {.path = bdf,
                      .events = tsv,
                      .fs = a->fs,
                      .n_muscles = a->fb->n,
                      .patient = a->patient,
                      .label = a->label,
                      .start_sample = a->now};
    for (int i = 0; i < a->fb->n; i++) sp.names[i] = a->fb->names[i];
    s->rec = record_open(&sp, err, n);
    if (!s->rec) {
        rmdir(s->dir);
        free(sum);
        return -1;
    }
    if (a->st) {
        char e[400];
        if (history_begin(a->st, sum, s->dir, e, sizeof e) != 0) /* the record goes on; the end adds what it can */
            snprintf(sum->error, sizeof sum->error, "history: %s", e);
    }
    s->sum = sum;
    s->running = 1;
    s->start = a->now;
    s->fs = a->fs;
    s->n = a->fb->n;
    s->channels = a->channels;
    for (int i = 0; i < a->cfg->n_muscles && i < CFG_MAX_MUSCLES; i++) s->ch[i] = a->cfg->muscles[i].channel - 1;
    snprintf(s->store_dir, sizeof s->store_dir, "%s", a->cfg->session.dir);
    s->paused = 0;
    s->by_protocol = 0;
    memset(s->hold_s, 0, sizeof s->hold_s);
    return 0;
}

const char *session_rec_id(const session_rec *s) { return s->running ? s->sum->id : ""; }

static double t_of(const session_rec *s, uint64_t at) { return at > s->start ? (double)(at - s->start) / s->fs : 0; }

/* ------------------------------------------------------------------------------------------------ live */

void session_rec_frames(session_rec *s, const double *frames, uint32_t n, uint64_t first)
{
    if (!s->running) return;
    if (s->paused) { /* the time the stream was away, in samples: zeros in the file, and counted */
        double away = clock_mono_s() - s->paused_at;
        uint64_t k = away > 0 ? (uint64_t)llround(away * s->fs) : 0;
        record_gap(s->rec, s->paused_sample, k);
        s->sum->lost_samples += k;
        s->sum->gaps++;
        s->paused = 0;
        char t[64];
        snprintf(t, sizeof t, "signal back (%llu samples lost)", (unsigned long long)k);
        record_note(s->rec, first, -1, t);
    }
    double x[256];
    for (uint32_t done = 0; done < n;) {
        uint32_t k = n - done > 256 ? 256 : n - done;
        for (int m = 0; m < s->n; m++) {
            for (uint32_t i = 0; i < k; i++) x[i] = frames[(size_t)(done + i) * (size_t)s->channels + (size_t)s->ch[m]];
            record_raw(s->rec, m, x, k, first + done);
        }
        done += k;
    }
}

void session_rec_env(session_rec *s, int m, const double *env, uint32_t n, uint64_t first)
{
    if (s->running) record_env(s->rec, m, env, n, first);
}

void session_rec_pause(session_rec *s, uint64_t at, const char *why)
{
    if (!s->running || s->paused) return;
    s->paused = 1;
    s->paused_at = clock_mono_s();
    s->paused_sample = at;
    char t[48];
    snprintf(t, sizeof t, "%.40s", why);
    record_note(s->rec, at, -1, t);
}

void session_rec_note(session_rec *s, uint64_t at, const char *text)
{
    if (!s->running) return;
    if (strncmp(text, "marker", 6) == 0) s->sum->markers++;
    record_note(s->rec, at, -1, text);
}

void session_rec_onset(session_rec *s, int m, uint64_t at)
{
    if (!s->running) return;
    char t[48];
    snprintf(t, sizeof t, "onset %.33s", s->sum->m[m].name);
    record_note(s->rec, at, -1, t);
    s->sum->m[m].contractions++;
}

void session_rec_offset(session_rec *s, int m, uint64_t at, double hold_s)
{
    if (!s->running) return;
    char t[48];
    snprintf(t, sizeof t, "offset %.32s", s->sum->m[m].name);
    record_note(s->rec, at, -1, t);
    s->hold_s[m] = hold_s;
}

void session_rec_repstat(session_rec *s, int m, const fb_repstat *r, int set)
{
    if (!s->running) return;
    char t[48];
    snprintf(t, sizeof t, "rep %d %.30s", r->rep, s->sum->m[m].name);
    record_note(s->rec, r->sample, -1, t);
    summary *sum = s->sum;
    if (sum->n_reps < SUM_MAX_REPS)
        sum->reps[sum->n_reps++] = (sum_rep){.muscle = m,
                                             .rep = r->rep,
                                             .set = set,
                                             .t_s = t_of(s, r->sample),
                                             .peak_pct = r->peak_pct,
                                             .mean_pct = r->mean_pct,
                                             .hold_s = s->hold_s[m],
                                             .time_to_target_s = r->time_to_target_s,
                                             .median_hz = r->median_hz};
    sum->m[m].fatigue_hz_per_rep = r->fatigue_hz_per_rep;
    sum->m[m].fatigue_pct_per_rep = r->fatigue_pct_per_rep;
}

void session_rec_cue(session_rec *s, uint64_t at, const char *phase, int rep, int set)
{
    if (!s->running) return;
    summary *sum = s->sum;
    if (sum->n_cues > 0) { /* the 1 Hz repeats are not changes */
        const sum_cue *c = &sum->cues[sum->n_cues - 1];
        if (!strcmp(c->phase, phase) && c->rep == rep && c->set == set) return;
    }
    char t[48];
    snprintf(t, sizeof t, "cue %.11s rep %d set %d", phase, rep, set);
    record_note(s->rec, at, -1, t);
    if (sum->n_cues < SUM_MAX_CUES) {
        sum_cue *c = &sum->cues[sum->n_cues++];
        snprintf(c->phase, sizeof c->phase, "%s", phase);
        c->t_s = t_of(s, at);
        c->rep = rep;
        c->set = set;
    }
}

void session_rec_pair(session_rec *s, uint64_t at, const char *pair, double value, int rep, int set)
{
    if (!s->running || s->sum->n_pairs >= SUM_MAX_PAIRS) return;
    sum_pair *p = &s->sum->pairs[s->sum->n_pairs++];
    snprintf(p->pair, sizeof p->pair, "%s", pair);
    p->t_s = t_of(s, at);
    p->value = value;
    p->rep = rep;
    p->set = set;
}

void session_rec_calibrated(session_rec *s, uint64_t at, int m, const char *kind, double rest_uv, double mvc_uv)
{
    if (!s->running) return;
    char t[48];
    snprintf(t, sizeof t, "calibrated %s %.24s", kind, s->sum->m[m].name);
    record_note(s->rec, at, -1, t);
    s->sum->m[m].rest_uv = rest_uv;
    s->sum->m[m].mvc_uv = mvc_uv > rest_uv ? mvc_uv : 0;
}

void session_rec_mains(session_rec *s, int m, double hz)
{
    if (s->running) s->sum->m[m].mains_hz = hz;
}

void session_rec_reconnect(session_rec *s, uint64_t at)
{
    if (!s->running) return;
    s->sum->reconnects++;
    record_note(s->rec, at, -1, "amplifier reconnected");
}

void session_rec_reload(session_rec *s, uint64_t at)
{
    if (!s->running) return;
    s->sum->reloads++;
    session_rec_pause(s, at, "reload (SIGHUP)");
}

/* ------------------------------------------------------------------------------------------------ finishing */

static void *finish(void *arg)
{
    finisher *f = arg;
    summary *s = f->sum;
    record_status st;
    int rc = record_close(f->rec, &st);
    f->rec = NULL;
    iso_now(s->ended, sizeof s->ended);
    s->samples = st.samples;
    s->duration_s = s->fs > 0 ? (double)st.samples / s->fs : 0;
    s->dropped = st.dropped;
    for (int i = 0; i < s->n_muscles; i++)
        s->m[i].clipped_pct =
            st.samples ? 100.0 * (double)st.clipped / (double)(2 * s->n_muscles) / (double)st.samples : 0;
    if (rc != 0 || st.failed) {
        snprintf(s->state, sizeof s->state, "failed");
        snprintf(s->error, sizeof s->error, "%s", st.error);
    }
    summary_totals(s);
    char err[500] = "", path[1100];
    size_t off = 0;
    store *db = store_open(f->store_dir, err, sizeof err);
    if (db) {
        char e[400];
        if (history_previous(db, s, e, sizeof e) < 0)
            off += (size_t)snprintf(f->msg + off, sizeof f->msg - off, "history: %s; ", e);
    } else {
        off += (size_t)snprintf(f->msg + off, sizeof f->msg - off, "history: %s; ", err);
    }
    snprintf(path, sizeof path, "%s/summary.json", f->dir);
    int ok = summary_write(s, path, err, sizeof err) == 0;
    if (!ok) off += (size_t)snprintf(f->msg + off, sizeof f->msg - off, "%s; ", err);
    if (db) {
        char e[400];
        if (history_end(db, s, e, sizeof e) != 0) {
            ok = 0;
            off += (size_t)snprintf(f->msg + off, sizeof f->msg - off, "history: %s; ", e);
        }
        store_close(db);
    }
    if (report_render(f->dir, s, err, sizeof err) != 0) {
        ok = 0;
        off += (size_t)snprintf(f->msg + off, sizeof f->msg - off, "report: %s; ", err);
    }
    if (off < sizeof f->msg)
        snprintf(f->msg + off, sizeof f->msg - off, "session %s (%s): %.1f s, %d reps; %s/report.html", s->id, s->state,
                 s->duration_s, s->n_reps, f->dir);
    f->ok = ok && !strcmp(s->state, "done");
    atomic_store(&f->done, 1);
    return NULL;
}

int session_rec_stop(session_rec *s, const char *state, const char *why)
{
    if (!s->running) return -1;
    finisher *f = calloc(1, sizeof *f);
    snprintf(s->sum->state, sizeof s->sum->state, "%s", state);
    if (why && *why) snprintf(s->sum->error, sizeof s->sum->error, "%s", why);
    s->running = 0;
    if (!f) { /* no thread to hand it to: finish here (blocking, but nothing is lost) */
        finisher local = {.rec = s->rec, .sum = s->sum};
        snprintf(local.dir, sizeof local.dir, "%s", s->dir);
        snprintf(local.store_dir, sizeof local.store_dir, "%s", s->store_dir);
        finish(&local);
        free(local.sum);
        s->rec = NULL, s->sum = NULL;
        return 0;
    }
    f->rec = s->rec;
    f->sum = s->sum;
    snprintf(f->dir, sizeof f->dir, "%s", s->dir);
    snprintf(f->store_dir, sizeof f->store_dir, "%s", s->store_dir);
    s->rec = NULL, s->sum = NULL;
    f->next = s->fin;
    s->fin = f;
    if (pthread_create(&f->thread, NULL, finish, f) != 0) {
        finish(f); /* as above */
        f->thread = pthread_self();
    }
    return 0;
}

static void reap(finisher *f)
{
    if (!pthread_equal(f->thread, pthread_self())) pthread_join(f->thread, NULL);
    free(f->sum);
    free(f);
}

int session_rec_poll(session_rec *s, char *err, size_t n)
{
    if (s->running) {
        record_status st;
        if (record_poll(s->rec, &st)) {
            snprintf(err, n, "%s", st.error);
            session_rec_stop(s, "failed", st.error);
            return 1;
        }
    }
    for (finisher **p = &s->fin; *p; p = &(*p)->next) {
        finisher *f = *p;
        if (!atomic_load(&f->done)) continue;
        snprintf(err, n, "%s%s", f->ok ? "" : "(incomplete) ", f->msg);
        *p = f->next;
        reap(f);
        return 2;
    }
    return 0;
}

void session_rec_shutdown(session_rec *s)
{
    if (s->running) session_rec_stop(s, "done", "");
    while (s->fin) {
        finisher *f = s->fin;
        s->fin = f->next;
        reap(f);
    }
}

/* source_synthetic.c: delivers the synthetic patient in real time (or source.speed times it). A timer (20 ms in
 * real time: the default frame tick's period, so one wake-up per block, 40 frames at 2 kHz; 5 ms when faster)
 * generates as many frames as the monotonic clock says are due, so the rate holds exactly over hours without
 * drift; after a stall (suspended process) at most 1 s is generated at once. It follows the calibration guide and
 * a protocol's cues when told to (source_ops.follow). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/log.h"
#include "base/clock.h"
#include "sources/source.h"
#include "sources/synth_patient.h"
#define LOG_COMPONENT "synthetic"

#define CHUNK 512
#define PERIOD_US 20000     /* in real time */
#define FAST_PERIOD_US 5000 /* faster than real time, or as fast as possible */

typedef struct synth_source {
    source base;
    struct event *timer;
    synth_patient *patient;
    source_sink sink;
    int nc;
    double fs;
    double t0; /* clock_mono_s() at start */
    uint64_t sent;
    double *buf;
    double speed; /* x real time; 0 as fast as possible */
    char desc[96];
} synth_source;

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    synth_source *s = arg;
    uint64_t due = s->speed > 0 ? (uint64_t)((clock_mono_s() - s->t0) * s->fs * s->speed) : s->sent + 16 * CHUNK;
    if (s->speed == 1.0 && due > s->sent + (uint64_t)s->fs) s->sent = due - (uint64_t)s->fs; /* skip a long stall */
    while (s->sent < due) {
        uint32_t n = due - s->sent > CHUNK ? CHUNK : (uint32_t)(due - s->sent);
        synth_generate(s->patient, s->buf, n);
        s->sent += n;
        s->sink.frames(s->sink.ctx, s->buf, n);
    }
}

static int syn_channels(const source *b) { return ((const synth_source *)b)->nc; }
static double syn_rate(const source *b) { return ((const synth_source *)b)->fs; }
static const char *syn_describe(const source *b) { return ((const synth_source *)b)->desc; }

static void syn_free(source *b)
{
    synth_source *s = (synth_source *)b;
    if (s->timer) event_free(s->timer);
    synth_free(s->patient);
    free(s->buf);
    free(s);
}

static void syn_follow(source *b, int following, const double *level, int n)
{
    synth_follow(((synth_source *)b)->patient, following, level, n);
}

static const struct source_ops ops = {syn_channels, syn_rate, syn_describe, syn_free, syn_follow};

source *source_synthetic_new(struct event_base *base, const config *c, source_sink sink, char *err, size_t n)
{
    synth_source *s = calloc(1, sizeof *s);
    if (!s) goto oom;
    s->base.ops = &ops;
    s->nc = c->source.channels;
    s->fs = c->source.sample_rate;
    s->speed = c->source.speed;
    s->sink = sink;
    s->patient = synth_new(s->nc, s->fs, c->source.seed, c->source.mains_hz);
    s->buf = malloc(sizeof(double) * CHUNK * (size_t)s->nc);
    s->timer = event_new(base, -1, EV_PERSIST, on_timer, s);
    if (!s->patient || !s->buf || !s->timer) goto oom;
    snprintf(s->desc, sizeof s->desc, "synthetic patient, %d channels at %g Hz, seed %u%s", s->nc, s->fs,
             c->source.seed, s->speed == 1.0 ? "" : ", not in real time");
    s->t0 = clock_mono_s();
    struct timeval tv = {0, s->speed == 1.0 ? PERIOD_US : FAST_PERIOD_US};
    event_add(s->timer, &tv);
    sink.state(sink.ctx, SRC_STREAMING, "synthetic patient running");
    return &s->base;
oom:
    snprintf(err, n, "out of memory creating the synthetic source");
    if (s) syn_free(&s->base);
    return NULL;
}

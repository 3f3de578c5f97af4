/* source_replay.c: a recording as the amplifier. At source.speed x real time on a 5 ms timer (frames
 * due by the monotonic clock), or with speed 0 as fast as possible in chunks that yield to the event loop
 * between them. At the end of the file the source goes idle and says so. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/log.h"
#include "base/clock.h"
#include "sources/reader.h"
#include "sources/source.h"
#define LOG_COMPONENT "replay"

#define CHUNK 4096

typedef struct replay_source {
    source base;
    struct event *timer;
    reader *rec;
    source_sink sink;
    int nc;
    double fs, speed;
    double t0; /* clock_mono_s() at start */
    uint64_t sent;
    double *buf;
    char desc[600];
} replay_source;

static void finish(replay_source *s)
{
    event_del(s->timer);
    LOGI("end of recording after %llu frames (%.1f s)", (unsigned long long)s->sent, (double)s->sent / s->fs);
    s->sink.state(s->sink.ctx, SRC_IDLE, "end of recording");
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    replay_source *s = arg;
    uint64_t due = s->speed > 0 ? (uint64_t)((clock_mono_s() - s->t0) * s->fs * s->speed) : s->sent + 16 * CHUNK;
    while (s->sent < due) {
        uint32_t want = due - s->sent > CHUNK ? CHUNK : (uint32_t)(due - s->sent);
        uint32_t n = reader_read(s->rec, s->buf, want);
        if (n == 0) {
            finish(s);
            return;
        }
        s->sent += n;
        s->sink.frames(s->sink.ctx, s->buf, n);
    }
    if (s->speed <= 0) event_active(s->timer, EV_TIMEOUT, 0); /* more at once, after other events */
}

static int rp_channels(const source *b) { return ((const replay_source *)b)->nc; }
static double rp_rate(const source *b) { return ((const replay_source *)b)->fs; }
static const char *rp_describe(const source *b) { return ((const replay_source *)b)->desc; }

static void rp_free(source *b)
{
    replay_source *s = (replay_source *)b;
    if (s->timer) event_free(s->timer);
    reader_close(s->rec);
    free(s->buf);
    free(s);
}

static const struct source_ops ops = {rp_channels, rp_rate, rp_describe, rp_free};

source *source_replay_new(struct event_base *base, const config *c, source_sink sink, char *err, size_t n)
{
    replay_source *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, n, "out of memory creating the replay source");
        return NULL;
    }
    s->base.ops = &ops;
    s->sink = sink;
    s->speed = c->source.speed;
    s->rec = reader_open(c->source.file, c->source.columns, c->source.n_columns, c->source.scale, c->source.sample_rate,
                         err, n);
    if (!s->rec) {
        rp_free(&s->base);
        return NULL;
    }
    s->nc = reader_channels(s->rec);
    s->fs = reader_rate(s->rec);
    s->buf = malloc(sizeof(double) * CHUNK * (size_t)s->nc);
    s->timer = event_new(base, -1, EV_PERSIST, on_timer, s);
    if (!s->buf || !s->timer) {
        snprintf(err, n, "out of memory");
        rp_free(&s->base);
        return NULL;
    }
    snprintf(s->desc, sizeof s->desc, "replay of %s, %d channels at %g Hz, %g x real time", c->source.file, s->nc,
             s->fs, s->speed);
    s->t0 = clock_mono_s();
    struct timeval tv = {0, 5000};
    event_add(s->timer, &tv);
    sink.state(sink.ctx, SRC_STREAMING, "replaying");
    return &s->base;
}

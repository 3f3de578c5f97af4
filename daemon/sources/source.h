/* source.h: where frames come from (synthetic amplifier, serial amplifier, replay), behind one small
 * interface. A source delivers interleaved frames in uV to its sink on the event loop and reports its
 * state; it owns its own events. */
#ifndef MF_SOURCE_H
#define MF_SOURCE_H

#include <event2/event.h>
#include <stdint.h>

#include "config/config.h"
#include "host/plugin_host.h"

enum source_state { SRC_IDLE = 0, SRC_STREAMING, SRC_NO_DEVICE, SRC_SIGNAL_LOST, SRC_ERROR };

typedef struct source_sink {
    void (*frames)(void *ctx, const double *frames, uint32_t n_frames);
    void (*state)(void *ctx, enum source_state st, const char *why);
    void *ctx;
} source_sink;

typedef struct source source;

struct source_ops {
    int (*channels)(const source *s);
    double (*sample_rate)(const source *s);
    const char *(*describe)(const source *s);
    void (*free)(source *s);
    /* Optional (the synthetic patient): follow a protocol's cues. following 0: its own cycle; 1: channel c
     * contracts at level[c] (0..1 of its curl strength; 0 rests). */
    void (*follow)(source *s, int following, const double *level, int n);
};

struct source {
    const struct source_ops *ops;
};

/* The synthetic patient on a libevent timer, in real time. NULL with err on failure. */
source *source_synthetic_new(struct event_base *base, const config *c, source_sink sink, char *err, size_t n);

/* A recording (source.file) at source.speed x real time (0: as fast as possible). */
source *source_replay_new(struct event_base *base, const config *c, source_sink sink, char *err, size_t n);

/* A serial amplifier (source.port or source.usb) read with the source.decoder plugin from h. It starts
 * searching at once and reports no_device / streaming / signal_lost through sink.state. */
source *source_serial_new(struct event_base *base, const config *c, plugin_host *h, source_sink sink, char *err,
                          size_t n);

/* Creates the source named by c->source.type (NULL with err when it cannot). */
source *source_new(struct event_base *base, const config *c, plugin_host *h, source_sink sink, char *err, size_t n);

static inline int source_channels(const source *s) { return s->ops->channels(s); }
static inline double source_sample_rate(const source *s) { return s->ops->sample_rate(s); }
static inline void source_free(source *s)
{
    if (s) s->ops->free(s);
}

#endif

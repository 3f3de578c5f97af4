/* source.c: the one place that turns source.type into a source. */
#include "sources/source.h"

#include <stdio.h>

source *source_new(struct event_base *base, const config *c, plugin_host *h, source_sink sink, char *err, size_t n)
{
    switch (c->source.type) {
    case SOURCE_SYNTHETIC: return source_synthetic_new(base, c, sink, err, n);
    case SOURCE_SERIAL: return source_serial_new(base, c, h, sink, err, n);
    case SOURCE_REPLAY: return source_replay_new(base, c, sink, err, n);
    }
    snprintf(err, n, "unknown source type");
    return NULL;
}

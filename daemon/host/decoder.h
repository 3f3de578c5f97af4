/* decoder.h: creates the configured decoder plugin instance (source.decoder with source.options).
 * Owns: decoder lookup and parameter checks; used to learn the channel count and by the serial source. */
#ifndef MF_DECODER_H
#define MF_DECODER_H

#include <myofeed/plugin.h>

#include "config/config.h"
#include "base/diag.h"
#include "host/plugin_host.h"

/* Returns a new instance (free with (*dp)->destroy) or NULL with every problem in d. */
void *decoder_create_diag(const config *c, plugin_host *h, const mf_plugin **dp, diag *d);
/* The same with the first problem as one line in err. */
void *decoder_create(const config *c, plugin_host *h, const mf_plugin **dp, char *err, size_t n);

#endif

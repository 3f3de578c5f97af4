/* params.h: checks a plugin block of the configuration against the plugin's parameter table.
 * Owns: key lookup, type and range checks, defaults. The plugin never sees a string. */
#ifndef MF_PARAMS_H
#define MF_PARAMS_H

#include <myofeed/plugin.h>

#include "config/config.h"
#include "base/diag.h"

#define PARAMS_MAX 32

/* Fills values[0..p->n_params) from ref (defaults for absent keys). ctx names the block in messages
 * ("muscle 'hamstring_left', filter 'butterworth'"). Returns 0, or -1 with problems in d. */
int params_resolve(const mf_plugin *p, const cfg_plugin *ref, const char *ctx, double *values, diag *d);

/* Index of the parameter called name, or -1. */
int params_index(const mf_plugin *p, const char *name);

#endif

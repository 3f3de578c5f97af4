/* runtime.h: everything built from one configuration: the checked config, the plugin host and the pipeline
 * at the source's sample rate and channel count. Built completely or not at all, so a reload or
 * --check-config can never leave half a pipeline. */
#ifndef MF_RUNTIME_H
#define MF_RUNTIME_H

#include "cli.h"
#include "config/config.h"
#include "base/diag.h"
#include "pipeline/pipeline.h"
#include "host/plugin_host.h"

typedef struct runtime_core {
    config *cfg;
    plugin_host *host;
    pipeline *pl;
    double fs;
    int channels;
} runtime_core;

/* Builds from path (NULL = built-in) with the -o overrides of o plus `extra` ones. Returns 0, or -1 with
 * every problem in d (the core is then empty). */
int runtime_core_build(runtime_core *rc, const char *path, const cli_opts *o, const char *const *extra, int n_extra,
                       const char *exe_dir, diag *d);
void runtime_core_free(runtime_core *rc);

#endif

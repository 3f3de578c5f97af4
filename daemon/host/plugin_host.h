/* plugin_host.h: finds, checks and loads plugin shared objects.
 * Owns: the search path, file safety checks, dlopen handles (closed only at free), ABI checks.
 * Knows nothing of muscles or config files. */
#ifndef MF_PLUGIN_HOST_H
#define MF_PLUGIN_HOST_H

#include <myofeed/plugin.h>
#include <stddef.h>

#include "base/diag.h"

typedef struct plugin_host plugin_host;

plugin_host *plugin_host_new(const char (*dirs)[4096], int n_dirs);
void plugin_host_free(plugin_host *h);

/* From now on plugin_host_create first runs each create() (and destroy()) in a child process, so that a plugin
 * that crashes or hangs in create() is named instead of taking the daemon or --check-config down with it.
 * timeout_ms: how long create() may take there. */
#define PLUGIN_CREATE_TIMEOUT_MS 5000
void plugin_host_probe_creates(plugin_host *h, int timeout_ms);

/* p->create(), probed first when plugin_host_probe_creates was called. NULL with e->msg set: create() failed
 * (its reason), crashed (the signal) or hung (the timeout). [setup] */
void *plugin_host_create(plugin_host *h, const mf_plugin *p, double fs, const double *values, mf_error *e);

/* Returns the descriptor of plugin `name` (loading <dir>/<name>.so from the first directory that has
 * it), or NULL with the reason in err: what, which file, why, and what to do. */
const mf_plugin *plugin_host_get(plugin_host *h, const char *name, char *err, size_t n);

/* The mf_host to pass to create() for a plugin returned by plugin_host_get. */
const mf_host *plugin_host_api(plugin_host *h, const mf_plugin *p);

/* Loads every *.so in the search path (for --list-plugins); broken files are reported in d.
 * Returns how many loaded; plugin_host_at(h, i) gives each. */
int plugin_host_load_all(plugin_host *h, diag *d);
int plugin_host_count(const plugin_host *h);
const mf_plugin *plugin_host_at(const plugin_host *h, int i);
const char *plugin_host_file(const plugin_host *h, int i);

/* Checks one file and returns its descriptor or NULL with err (used by load and by tests). */
const mf_plugin *plugin_host_load_file(plugin_host *h, const char *path, const char *want_name, char *err, size_t n);

const char *plugin_kind_name(mf_kind k);

/* The calls a filter or envelope plugin offers, with the ABI minor-version rules applied once: process_many only
 * from 1.1 plugins, process_lanes only from 1.2 ones (an older descriptor's ops table ends before those fields, so
 * they are NULL here, never read). */
typedef struct filter_calls {
    void (*process)(void *self, const mf_sample *in, mf_sample *out, uint32_t n);
    void (*process_many)(void *const *selves, uint32_t count, const mf_sample *const *in, mf_sample *const *out,
                         uint32_t n);
    void (*process_lanes)(void *const *selves, uint32_t count, mf_sample *x, uint32_t n);
} filter_calls;
filter_calls plugin_filter_calls(const mf_plugin *p);
/* The plugin's get_param, read only from ABI 1.3 descriptors long enough to hold it; NULL otherwise. */
double (*plugin_get_param(const mf_plugin *p))(void *self, uint32_t index);

#endif

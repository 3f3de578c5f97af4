/* runtime.c: builds config -> plugin host -> pipeline, finding the sample rate and channel count of the
 * source first (a recording states its own). */
#include "runtime.h"

#include <math.h>
#include <string.h>

#include "host/decoder.h"
#include "sources/reader.h"
#include "base/log.h"
#define LOG_COMPONENT "daemon"

/* Sample rate and channels of the configured source. Returns 0 or -1 (diag added). */
static int source_shape(const config *c, plugin_host *h, double *fs, int *channels, diag *d)
{
    *fs = c->source.sample_rate;
    *channels = c->source.channels;
    if (c->source.type == SOURCE_SERIAL) {    /* the decoder knows its channel count */
        if (!c->source.decoder[0]) return -1; /* reported by config */
        const mf_plugin *dp;
        void *dec = decoder_create_diag(c, h, &dp, d);
        if (!dec) return -1;
        *channels = (int)dp->decoder->channels(dec);
        dp->destroy(dec);
        return 0;
    }
    if (c->source.type != SOURCE_REPLAY) return 0;
    char err[600];
    reader *r = reader_open(c->source.file, c->source.columns, c->source.n_columns, c->source.scale,
                            c->source.sample_rate, err, sizeof err);
    if (!r) {
        diag_add(d, c->path, "source.file: %s", err);
        return -1;
    }
    *fs = reader_rate(r);
    *channels = reader_channels(r);
    if (reader_rate_from_file(r) && c->source.sample_rate_set && fabs(*fs - c->source.sample_rate) > 1e-9)
        LOGW("%s states %g Hz; source.sample_rate %g is ignored", c->source.file, *fs, c->source.sample_rate);
    reader_close(r);
    return 0;
}

int runtime_core_build(runtime_core *rc, const char *path, const cli_opts *o, const char *const *extra, int n_extra,
                       const char *exe_dir, diag *d)
{
    memset(rc, 0, sizeof *rc);
    const char *ov[CLI_MAX_OVERRIDES + 8];
    int n = 0;
    for (int i = 0; o && i < o->n_overrides; i++) ov[n++] = o->overrides[i];
    for (int i = 0; i < n_extra && n < CLI_MAX_OVERRIDES + 8; i++) ov[n++] = extra[i];
    rc->cfg = config_load_partial(path, ov, n, exe_dir, d);
    if (!rc->cfg) goto fail;
    rc->host = plugin_host_new((const char(*)[4096])rc->cfg->plugin_dirs, rc->cfg->n_plugin_dirs);
    if (!rc->host) {
        diag_add(d, rc->cfg->path, "out of memory for the plugin host; free memory and start again");
        goto fail;
    }
    if (o && o->probe_creates) plugin_host_probe_creates(rc->host, PLUGIN_CREATE_TIMEOUT_MS);
    if (source_shape(rc->cfg, rc->host, &rc->fs, &rc->channels, d) != 0) goto fail;
    rc->pl = pipeline_build(rc->cfg, rc->host, rc->fs, rc->channels, d);
    if (!rc->pl || d->n) goto fail; /* every problem of the file and its plugins is in d */
    return 0;
fail:
    runtime_core_free(rc);
    return -1;
}

void runtime_core_free(runtime_core *rc)
{
    pipeline_free(rc->pl);
    plugin_host_free(rc->host);
    config_free(rc->cfg);
    memset(rc, 0, sizeof *rc);
}

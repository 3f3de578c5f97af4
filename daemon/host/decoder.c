/* decoder.c: see decoder.h. */
#include "host/decoder.h"

#include <stdio.h>
#include <string.h>

#include "config/params.h"

void *decoder_create_diag(const config *c, plugin_host *h, const mf_plugin **dp, diag *d)
{
    char err[700], ctx[96];
    const char *where = c->source.options.where[0] ? c->source.options.where : c->path;
    const mf_plugin *p = plugin_host_get(h, c->source.decoder, err, sizeof err);
    if (!p) {
        diag_add(d, where, "source.decoder: %s", err);
        return NULL;
    }
    if (p->kind != MF_KIND_DECODER) {
        diag_add(d, where, "source.decoder: plugin '%s' is a %s, not a decoder (myofeedd --list-plugins)", p->name,
                 plugin_kind_name(p->kind));
        return NULL;
    }
    snprintf(ctx, sizeof ctx, "decoder '%s'", p->name);
    double values[PARAMS_MAX];
    if (params_resolve(p, &c->source.options, ctx, values, d) != 0) return NULL;
    mf_error e = {{0}};
    void *inst = plugin_host_create(h, p, c->source.sample_rate, values, &e);
    if (!inst) {
        diag_add(d, where, "%s: %s", ctx, e.msg[0] ? e.msg : "create failed");
        return NULL;
    }
    *dp = p;
    /* cppcheck assumes create may return &e; it returns its own instance */
    // cppcheck-suppress returnDanglingLifetime
    return inst;
}

void *decoder_create(const config *c, plugin_host *h, const mf_plugin **dp, char *err, size_t n)
{
    diag d;
    diag_init(&d);
    void *inst = decoder_create_diag(c, h, dp, &d);
    if (!inst) snprintf(err, n, "%s", d.n ? d.msg[0] : "cannot create the decoder");
    return inst;
}

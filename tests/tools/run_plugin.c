/* run_plugin.c: runs one filter, envelope or detector plugin through the public ABI on raw float64
 * samples: `mf-run-plugin FILE.so SAMPLE_RATE [key=value ...] < in.f64 > out.f64`.
 * Loads with the daemon's own plugin host (same checks) and parameter validation. Detectors write
 * activation per sample; their transitions go to stderr as "on|off SAMPLE DELAY". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/params.h"
#include "host/plugin_host.h"

#define BLOCK 173 /* odd on purpose: blocks must not matter */

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PLUGIN.so SAMPLE_RATE [key=value ...] < in.f64 > out.f64\n", argv[0]);
        return 1;
    }
    plugin_host *h = plugin_host_new(NULL, 0);
    char err[800];
    const mf_plugin *p = plugin_host_load_file(h, argv[1], NULL, err, sizeof err);
    if (!p) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double fs = atof(argv[2]);
    cfg_plugin ref;
    memset(&ref, 0, sizeof ref);
    snprintf(ref.where, sizeof ref.where, "command line");
    for (int i = 3; i < argc && ref.n_kv < CFG_MAX_KV; i++) {
        cfg_kv *kv = &ref.kv[ref.n_kv++];
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "expected key=value, got %s\n", argv[i]);
            return 1;
        }
        snprintf(kv->key, sizeof kv->key, "%.*s", (int)(eq - argv[i]), argv[i]);
        snprintf(kv->where, sizeof kv->where, "argument %d", i);
        char *end;
        double v = strtod(eq + 1, &end);
        if (*end == 0 && end != eq + 1) {
            kv->type = KV_NUM;
            kv->num = v;
        } else if (!strcmp(eq + 1, "true") || !strcmp(eq + 1, "false")) {
            kv->type = KV_BOOL;
            kv->num = !strcmp(eq + 1, "true");
        } else {
            kv->type = KV_STR;
            snprintf(kv->str, sizeof kv->str, "%s", eq + 1);
        }
    }
    double values[PARAMS_MAX];
    diag d;
    diag_init(&d);
    if (params_resolve(p, &ref, p->name, values, &d) != 0) {
        diag_print(&d);
        return 1;
    }
    mf_error e = {{0}};
    void *inst = p->create(plugin_host_api(h, p), fs, values, &e);
    if (!inst) {
        fprintf(stderr, "%s: %s\n", p->name, e.msg);
        return 1;
    }
    double in[BLOCK], out[BLOCK];
    mf_transition tr[BLOCK];
    unsigned long long pos = 0;
    size_t n;
    while ((n = fread(in, sizeof(double), BLOCK, stdin)) > 0) {
        if (p->kind == MF_KIND_DETECTOR) {
            uint32_t nt = p->detector->process(inst, in, (uint32_t)n, out, tr, BLOCK);
            for (uint32_t k = 0; k < nt; k++)
                fprintf(stderr, "%s %llu %u\n", tr[k].on ? "on" : "off", pos + tr[k].offset, tr[k].delay);
        } else {
            p->filter->process(inst, in, out, (uint32_t)n);
        }
        fwrite(out, sizeof(double), n, stdout);
        pos += n;
    }
    p->destroy(inst);
    plugin_host_free(h);
    return 0;
}

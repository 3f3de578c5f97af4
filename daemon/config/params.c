/* params.c: validation of plugin parameters from the configuration. */
#include "config/params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int params_index(const mf_plugin *p, const char *name)
{
    for (uint32_t i = 0; i < p->n_params; i++)
        if (strcmp(p->params[i].name, name) == 0) return (int)i;
    return -1;
}

int params_resolve(const mf_plugin *p, const cfg_plugin *ref, const char *ctx, double *values, diag *d)
{
    int bad = 0;
    if (p->n_params > PARAMS_MAX) {
        diag_add(d, ref->where, "%s: plugin declares %u parameters; this daemon handles at most %d", ctx, p->n_params,
                 PARAMS_MAX);
        return -1;
    }
    for (uint32_t i = 0; i < p->n_params; i++) values[i] = p->params[i].def;
    for (int k = 0; k < ref->n_kv; k++) {
        const cfg_kv *kv = &ref->kv[k];
        int i = params_index(p, kv->key);
        if (i < 0) {
            const char *known[PARAMS_MAX + 1];
            for (uint32_t j = 0; j < p->n_params; j++) known[j] = p->params[j].name;
            known[p->n_params] = NULL;
            char hint[256];
            config_hint(kv->key, known, hint, sizeof hint);
            diag_add(d, kv->where, "%s: unknown parameter '%s'%s", ctx, kv->key, hint);
            bad = 1;
            continue;
        }
        const mf_param_info *q = &p->params[i];
        if (q->type == MF_PARAM_FLOAT && (q->flags & MF_PARAM_AUTO) && kv->type == KV_STR &&
            strcmp(kv->str, "auto") == 0) {
            values[i] = NAN; /* the plugin decides from the signal */
            continue;
        }
        switch (q->type) {
        case MF_PARAM_FLOAT:
        case MF_PARAM_INT:
            if (kv->type != KV_NUM) {
                diag_add(d, kv->where, "%s: %s must be %s (%s), not a %s", ctx, q->name,
                         q->type == MF_PARAM_INT           ? "a whole number"
                         : (q->flags & MF_PARAM_AUTO) != 0 ? "a number or \"auto\""
                                                           : "a number",
                         q->unit && *q->unit ? q->unit : "no unit", kv->type == KV_STR ? "string" : "boolean");
                bad = 1;
                continue;
            }
            if (q->type == MF_PARAM_INT && kv->num != floor(kv->num)) {
                diag_add(d, kv->where, "%s: %s must be a whole number, not %g", ctx, q->name, kv->num);
                bad = 1;
                continue;
            }
            if (!(kv->num >= q->min && kv->num <= q->max)) {
                diag_add(d, kv->where, "%s: %s = %g is out of range; use %g to %g%s%s", ctx, q->name, kv->num, q->min,
                         q->max, q->unit && *q->unit ? " " : "", q->unit ? q->unit : "");
                bad = 1;
                continue;
            }
            values[i] = kv->num;
            break;
        case MF_PARAM_BOOL:
            if (kv->type != KV_BOOL) {
                diag_add(d, kv->where, "%s: %s must be true or false", ctx, q->name);
                bad = 1;
                continue;
            }
            values[i] = kv->num;
            break;
        case MF_PARAM_CHOICE: {
            int found = -1;
            for (int c = 0; kv->type == KV_STR && q->choices[c]; c++)
                if (strcmp(q->choices[c], kv->str) == 0) found = c;
            if (found < 0) {
                char list[256];
                size_t off = 0;
                for (int c = 0; q->choices[c] && off < sizeof list; c++)
                    off += (size_t)snprintf(list + off, sizeof list - off, "%s\"%s\"", c ? ", " : "", q->choices[c]);
                diag_add(d, kv->where, "%s: %s must be one of %s", ctx, q->name, list);
                bad = 1;
                continue;
            }
            values[i] = found;
            break;
        }
        }
    }
    return bad ? -1 : 0;
}

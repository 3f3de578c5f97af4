/* nan_after: passes its input through for after_s seconds, then gives NaN for ever (a broken filter). */
#include "common.h"
#include <math.h>
#include <stdlib.h>
static const mf_param_info params[] = {
    {"after_s", MF_PARAM_FLOAT, 1.0, 0, 3600, "s", "seconds of good output first", 0, NULL}};
typedef struct {
    double left;
} nan_after;
static void *create(const mf_host *h, double fs, const double *p, mf_error *e)
{
    (void)h, (void)e;
    nan_after *s = malloc(sizeof *s);
    if (s) s->left = p[0] * fs;
    return s;
}
static void destroy(void *s) { free(s); }
static void process(void *st, const mf_sample *in, mf_sample *out, uint32_t n)
{
    nan_after *s = st;
    for (uint32_t i = 0; i < n; i++) {
        out[i] = s->left > 0 ? in[i] : NAN;
        if (s->left > 0) s->left--;
    }
}
static const mf_filter_ops ops = {.process = process};
MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_FILTER,
    .name = "nan_after",
    .version = "1",
    .summary = "NaN after a while",
    .params = params,
    .n_params = 1,
    .create = create,
    .destroy = destroy,
    .filter = &ops,
};

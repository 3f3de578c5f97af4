/* crash_process: passes its input through for after_s seconds, then dereferences NULL in process(). */
#include "common.h"
static const mf_param_info params[] = {
    {"after_s", MF_PARAM_FLOAT, 1.0, 0, 3600, "s", "seconds before the crash", 0, NULL}};
typedef struct {
    double left;
} crash_state;
static void *create(const mf_host *h, double fs, const double *p, mf_error *e)
{
    (void)h, (void)e;
    crash_state *s = malloc(sizeof *s);
    if (s) s->left = p[0] * fs;
    return s;
}
static void process(void *st, const mf_sample *in, mf_sample *out, uint32_t n)
{
    crash_state *s = st;
    for (uint32_t i = 0; i < n; i++) out[i] = in[i];
    s->left -= n;
    if (s->left < 0) {
        volatile int *nowhere = NULL;
        *nowhere = 1;
    }
}
static const mf_filter_ops ops = {.process = process};
MF_EXPORT const mf_plugin mf_plugin_entry = {.abi_major = MF_ABI_MAJOR,
                                             .abi_minor = MF_ABI_MINOR,
                                             .struct_size = sizeof(mf_plugin),
                                             .kind = MF_KIND_FILTER,
                                             .name = "crash_process",
                                             .version = "1",
                                             .summary = "crashes in process()",
                                             .params = params,
                                             .n_params = 1,
                                             .create = create,
                                             .destroy = ok_destroy,
                                             .filter = &ops};

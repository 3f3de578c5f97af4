/* Not a defect: a filter built against ABI 1.0, whose filter operations end after `latency`. The 1.1 host
 * must not read process_many from it (the sanitizer build would see the over-read); it passes samples
 * through, so a chain with it behaves as the same chain without it. */
#include "common.h"

static const struct {
    void (*process)(void *self, const mf_sample *in, mf_sample *out, uint32_t n);
    double (*latency)(void *self);
} ops_1_0 = {ok_process, NULL};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = 1,
    .abi_minor = 0,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_FILTER,
    .name = "abi10",
    .version = "1",
    .summary = "a pass-through built against ABI 1.0",
    .create = ok_create,
    .destroy = ok_destroy,
    .filter = (const mf_filter_ops *)(const void *)&ops_1_0,
};

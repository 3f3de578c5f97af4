/* crash_create: create() dereferences NULL (a plugin that crashes while starting). */
#include "common.h"
static void *crash(const mf_host *h, double fs, const double *p, mf_error *e)
{
    (void)h, (void)fs, (void)p, (void)e;
    volatile int *nowhere = NULL;
    *nowhere = 1;
    return NULL;
}
MF_EXPORT const mf_plugin mf_plugin_entry = {.abi_major = MF_ABI_MAJOR,
                                             .abi_minor = MF_ABI_MINOR,
                                             .struct_size = sizeof(mf_plugin),
                                             .kind = MF_KIND_FILTER,
                                             .name = "crash_create",
                                             .version = "1",
                                             .summary = "crashes in create()",
                                             .create = crash,
                                             .destroy = ok_destroy,
                                             .filter = &ok_ops};

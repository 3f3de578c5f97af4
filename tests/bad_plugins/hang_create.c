/* hang_create: create() never returns (a plugin waiting for hardware that is not there). */
#include "common.h"
#include <unistd.h>
static void *hang(const mf_host *h, double fs, const double *p, mf_error *e)
{
    (void)h, (void)fs, (void)p, (void)e;
    for (;;) pause();
    return NULL;
}
MF_EXPORT const mf_plugin mf_plugin_entry = {.abi_major = MF_ABI_MAJOR,
                                             .abi_minor = MF_ABI_MINOR,
                                             .struct_size = sizeof(mf_plugin),
                                             .kind = MF_KIND_FILTER,
                                             .name = "hang_create",
                                             .version = "1",
                                             .summary = "hangs in create()",
                                             .create = hang,
                                             .destroy = ok_destroy,
                                             .filter = &ok_ops};

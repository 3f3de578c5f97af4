/* create() always fails with a reason. */
#include "common.h"
static void *fail_create(const mf_host *h, double fs, const double *p, mf_error *e)
{
    (void)h, (void)fs, (void)p;
    snprintf(e->msg, sizeof e->msg, "the electrode impedance is too high; clean the skin");
    return NULL;
}
MF_EXPORT const mf_plugin mf_plugin_entry = {MF_ABI_MAJOR,
                                             MF_ABI_MINOR,
                                             sizeof(mf_plugin),
                                             MF_KIND_FILTER,
                                             "bad_create",
                                             "1",
                                             "",
                                             NULL,
                                             0,
                                             fail_create,
                                             ok_destroy,
                                             NULL,
                                             NULL,
                                             &ok_ops,
                                             NULL,
                                             NULL};

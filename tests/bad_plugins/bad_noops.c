/* A filter without filter operations. */
#include "common.h"
MF_EXPORT const mf_plugin mf_plugin_entry = {MF_ABI_MAJOR,
                                             MF_ABI_MINOR,
                                             sizeof(mf_plugin),
                                             MF_KIND_FILTER,
                                             "bad_noops",
                                             "1",
                                             "",
                                             NULL,
                                             0,
                                             ok_create,
                                             ok_destroy,
                                             NULL,
                                             NULL,
                                             NULL,
                                             NULL,
                                             NULL};

/* ABI major 2: must be refused with both versions named. */
#include "common.h"
MF_EXPORT const mf_plugin mf_plugin_entry = {2,    0,   sizeof(mf_plugin), MF_KIND_FILTER, "bad_major", "1",  "",
                                             NULL, 0,   ok_create,         ok_destroy,     NULL,        NULL, &ok_ops,
                                             NULL, NULL};

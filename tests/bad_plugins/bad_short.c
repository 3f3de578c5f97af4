/* struct_size smaller than ABI 1.0: must be refused. */
#include "common.h"
MF_EXPORT const mf_plugin mf_plugin_entry = {MF_ABI_MAJOR, 0,   16,        MF_KIND_FILTER, "bad_short", "1",  "",
                                             NULL,         0,   ok_create, ok_destroy,     NULL,        NULL, &ok_ops,
                                             NULL,         NULL};

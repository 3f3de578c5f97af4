/* The file is bad_name.so but the plugin calls itself something else. */
#include "common.h"
MF_EXPORT const mf_plugin mf_plugin_entry = {MF_ABI_MAJOR,
                                             MF_ABI_MINOR,
                                             sizeof(mf_plugin),
                                             MF_KIND_FILTER,
                                             "other_name",
                                             "1",
                                             "",
                                             NULL,
                                             0,
                                             ok_create,
                                             ok_destroy,
                                             NULL,
                                             NULL,
                                             &ok_ops,
                                             NULL,
                                             NULL};

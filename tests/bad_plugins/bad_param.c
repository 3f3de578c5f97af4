/* A parameter whose default lies outside its range. */
#include "common.h"
static const mf_param_info params[] = {{"gain", MF_PARAM_FLOAT, 50, 0, 10, "", "x", 0, NULL}};
MF_EXPORT const mf_plugin mf_plugin_entry = {MF_ABI_MAJOR,
                                             MF_ABI_MINOR,
                                             sizeof(mf_plugin),
                                             MF_KIND_FILTER,
                                             "bad_param",
                                             "1",
                                             "",
                                             params,
                                             1,
                                             ok_create,
                                             ok_destroy,
                                             NULL,
                                             NULL,
                                             &ok_ops,
                                             NULL,
                                             NULL};

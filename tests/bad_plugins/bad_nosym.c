/* Exports no mf_plugin_entry. */
#include "common.h"
MF_EXPORT const mf_plugin not_the_entry = {
    MF_ABI_MAJOR, MF_ABI_MINOR, sizeof(mf_plugin), MF_KIND_FILTER, "bad_nosym", "1", "", NULL, 0, ok_create, ok_destroy,
    NULL,         NULL,         &ok_ops,           NULL,           NULL};

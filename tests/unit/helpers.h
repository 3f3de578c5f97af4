/* helpers.h: small helpers shared by the cmocka unit tests. */
#ifndef MF_TEST_HELPERS_H
#define MF_TEST_HELPERS_H

#include <stddef.h>

#include "base/diag.h"
#include "host/plugin_host.h"

/* Writes text to a new file in a private temporary directory; returns its path (static buffer pool). */
const char *write_temp(const char *name, const char *text);

/* The embedded default configuration with `from` replaced by `to` (first occurrence; must exist). */
const char *default_with(const char *from, const char *to);

/* A plugin host on the built-in plugins (MYOFEED_PLUGIN_DIR, set by ctest), or NULL with a message. */
plugin_host *built_in_plugins(void);

/* 1 when some problem in d contains every one of the NULL-terminated needles. */
int diag_has(const diag *d, ...);

#endif

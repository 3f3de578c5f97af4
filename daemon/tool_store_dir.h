/* tool_store_dir.h: where the session tools (myofeed-sessions, myofeed-report) find the session store: -d DIR,
 * else session.dir of -c FILE, else of config/myofeed.cfg in the working directory, else of the installed one,
 * else the built-in "sessions". Owns: that search. */
#ifndef MF_TOOL_STORE_DIR_H
#define MF_TOOL_STORE_DIR_H

#include <stddef.h>

/* Fills out with the store folder and db (when not NULL) with that configuration's session.database ("" none, or
 * with -d); 0, or -1 with err when the configuration named cannot be read. */
int tool_store_dir(const char *dir_opt, const char *cfg_opt, char *out, size_t n, char *db, size_t dn, char *err,
                   size_t en);

#endif

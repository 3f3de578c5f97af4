/* tool_store_dir.c: the session tools' store folder (see tool_store_dir.h). */
#include "tool_store_dir.h"

#include <stdio.h>

#include "base/diag.h"
#include "cli.h"
#include "config/config.h"

int tool_store_dir(const char *dir_opt, const char *cfg_opt, char *out, size_t n, char *db, size_t dn, char *err,
                   size_t en)
{
    if (db) db[0] = 0;
    if (dir_opt && !cfg_opt) {
        snprintf(out, n, "%s", dir_opt);
        return 0;
    }
    char installed[512];
    const char *path = cli_find_config(cfg_opt, installed, sizeof installed);
    if (!path) {
        snprintf(out, n, "sessions");
        return 0;
    }
    diag d;
    diag_init(&d);
    config *c = config_load_partial(path, NULL, 0, ".", &d);
    if (!c) {
        snprintf(err, en, "%s: cannot read the configuration (%s); give the store with -d DIR", path,
                 d.n ? d.msg[0] : "unknown error");
        return -1;
    }
    snprintf(out, n, "%s", dir_opt ? dir_opt : c->session.dir);
    if (db) snprintf(db, dn, "%s", c->session.database);
    config_free(c);
    return 0;
}

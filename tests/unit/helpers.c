/* helpers.c: see helpers.h. */
#include "helpers.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

const char *write_temp(const char *name, const char *text)
{
    static char dir[256];
    static char paths[16][512];
    static int next;
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/myofeed-test-XXXXXX");
        if (!mkdtemp(dir)) abort();
    }
    char *p = paths[next++ % 16];
    snprintf(p, 512, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f) abort();
    fputs(text, f);
    fclose(f);
    return p;
}

const char *default_with(const char *from, const char *to)
{
    static char buf[4][32768];
    static int next;
    char *out = buf[next++ % 4];
    const char *at = strstr(embedded_config, from);
    if (!at) {
        fprintf(stderr, "default_with: '%s' not in the default config\n", from);
        abort();
    }
    snprintf(out, sizeof buf[0], "%.*s%s%s", (int)(at - embedded_config), embedded_config, to, at + strlen(from));
    return out;
}

int diag_has(const diag *d, ...)
{
    for (int i = 0; i < d->n; i++) {
        va_list ap;
        va_start(ap, d);
        int all = 1;
        const char *needle;
        while ((needle = va_arg(ap, const char *)))
            if (!strstr(d->msg[i], needle)) all = 0;
        va_end(ap);
        if (all) return 1;
    }
    diag_print(d);
    return 0;
}

plugin_host *built_in_plugins(void)
{
    const char *g = getenv("MYOFEED_PLUGIN_DIR");
    if (!g) {
        fprintf(stderr, "set MYOFEED_PLUGIN_DIR to the built plugins (ctest does)\n");
        return NULL;
    }
    char dirs[1][4096];
    snprintf(dirs[0], sizeof dirs[0], "%s", g);
    return plugin_host_new((const char(*)[4096])dirs, 1);
}

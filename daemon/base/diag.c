/* diag.c: collects configuration problems. */
#include "base/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void diag_init(diag *d) { memset(d, 0, sizeof *d); }

void diag_add(diag *d, const char *where, const char *fmt, ...)
{
    if (d->n >= DIAG_MAX) {
        d->dropped++;
        return;
    }
    char body[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    snprintf(d->msg[d->n++], sizeof d->msg[0], "%s: %s", where, body);
}

void diag_print(const diag *d)
{
    for (int i = 0; i < d->n; i++) fprintf(stderr, "%s\n", d->msg[i]);
    if (d->dropped) fprintf(stderr, "(%d more problems not shown)\n", d->dropped);
}

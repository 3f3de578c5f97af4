/* diag.h: a list of configuration problems, each "WHERE: message" (WHERE = FILE:LINE or "-o KEY").
 * Owns: collecting and printing problems so --check-config reports all of them, not just the first. */
#ifndef MF_DIAG_H
#define MF_DIAG_H

#include <stddef.h>

#define DIAG_MAX 64

typedef struct diag {
    int n;
    int dropped;
    char msg[DIAG_MAX][512];
} diag;

void diag_init(diag *d);
void diag_add(diag *d, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints every problem on stderr, one per line. */
void diag_print(const diag *d);

#endif

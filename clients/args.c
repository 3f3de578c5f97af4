/* args.c: checked command-line values (see args.h). */
#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int args_number(const char *prog, const char *opt, const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno || !(v >= lo && v <= hi)) {
        fprintf(stderr, "%s: %s '%s': give a number from %g to %g\n", prog, opt, text, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int args_count(const char *prog, const char *opt, const char *text, int lo, int hi, int *out)
{
    double v;
    if (args_number(prog, opt, text, lo, hi, &v) != 0) return -1;
    if (v != floor(v)) {
        fprintf(stderr, "%s: %s '%s': give a whole number from %d to %d\n", prog, opt, text, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int args_host_port(const char *prog, const char *opt, const char *text, char *host, size_t host_n, char *port,
                   size_t port_n)
{
    const char *colon = strrchr(text, ':');
    char *end;
    long p = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || colon == text || (size_t)(colon - text) >= host_n || colon[1] == 0 || *end || p < 1 || p > 65535) {
        fprintf(stderr, "%s: %s '%s': give HOST:PORT, the daemon's osc.control (e.g. 127.0.0.1:17700)\n", prog, opt,
                text);
        return -1;
    }
    snprintf(host, host_n, "%.*s", (int)(colon - text), text);
    snprintf(port, port_n, "%ld", p);
    return 0;
}

/* args.h: command-line values for the client programs, checked, with a message on stderr that names the program,
 * the option, what it got and what it wants. Owns nothing else. */
#ifndef MF_CLIENT_ARGS_H
#define MF_CLIENT_ARGS_H

#include <stddef.h>

/* text as a number in [lo, hi] into *out: 0, or -1 with the message. */
int args_number(const char *prog, const char *opt, const char *text, double lo, double hi, double *out);

/* text as a whole number in [lo, hi] into *out: 0, or -1 with the message. */
int args_count(const char *prog, const char *opt, const char *text, int lo, int hi, int *out);

/* text as HOST:PORT (the daemon's osc.control; the port 1..65535) into host[host_n] and port[port_n]: 0, or -1
 * with the message. */
int args_host_port(const char *prog, const char *opt, const char *text, char *host, size_t host_n, char *port,
                   size_t port_n);

#endif

/* cli.h: the command line of myofeedd. Owns: option parsing, and where the configuration is found. */
#ifndef MF_CLI_H
#define MF_CLI_H

#include <stddef.h>

#define CLI_MAX_OVERRIDES 64

typedef struct cli_opts {
    const char *config; /* NULL: default search */
    int check_config, list_ports, list_plugins, print_config, version, help, verbose, syslog;
    const char *replay;
    const char *user; /* --user: drop root to this user */
    int n_overrides;
    const char *overrides[CLI_MAX_OVERRIDES];
    int probe_creates; /* not an option: main sets it for the daemon and --check-config (plugin create() in a child) */
} cli_opts;

/* Returns 0, or -1 after printing the problem and a usage hint on stderr. */
int cli_parse(int argc, char **argv, cli_opts *o);
void cli_usage(const char *prog, int full);
/* The configuration to read: given (-c), else config/myofeed.cfg in the working directory, else the installed one
 * (buf holds its path), else NULL (the built-in default). For the daemon and the session tools alike. */
const char *cli_find_config(const char *given, char *buf, size_t n);

#endif

/* cli.h: the command line of myofeedd. Owns: option parsing only. */
#ifndef MF_CLI_H
#define MF_CLI_H

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

#endif

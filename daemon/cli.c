/* cli.c: argv -> cli_opts. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void cli_usage(const char *prog, int full)
{
    fprintf(stderr,
            "usage: %s [-c FILE] [-o KEY=VALUE]... [--check-config] [--list-ports] [--list-plugins]\n"
            "       %*s [--print-config] [--replay FILE] [--user NAME] [-v] [--syslog] [--version] [--help]\n",
            prog, (int)strlen(prog), "");
    if (!full) {
        fprintf(stderr, "try '%s --help'\n", prog);
        return;
    }
    fprintf(stderr,
            "\nsurface-EMG biofeedback daemon: amplifier -> filter/detector plugins -> OSC feedback\n\n"
            "  -c, --config FILE   configuration (default: config/myofeed.cfg, else the installed one,\n"
            "                      else the built-in synthetic demo)\n"
            "  -o KEY=VALUE        override one setting, e.g. -o source.port=/dev/ttyACM0\n"
            "                      -o osc.control=127.0.0.1:17800 -o muscles.[0].detector.on=20\n"
            "      --check-config  validate everything (loads every plugin) without opening devices; exit 0/1\n"
            "      --list-ports    list serial ports with USB VID:PID and serial number\n"
            "      --list-plugins  list plugins with their parameters\n"
            "      --print-config  print the reference configuration: every key, its default, unit and range\n"
            "      --replay FILE   run the pipeline on a recording\n"
            "      --user NAME     started as root: become NAME (with its groups, e.g. dialout for the serial\n"
            "                      port) once the control socket is bound, before any device or file is opened\n"
            "  -v, --verbose       more log output (repeat for debug)\n"
            "      --syslog        also log to syslog\n"
            "      --version       print the version\n"
            "  -h, --help          this help\n\n"
            "exit codes: 0 clean stop, 1 configuration or usage error, 2 runtime failure\n"
            "signals: SIGTERM/SIGINT stop, SIGHUP reloads the configuration (a bad one is refused)\n");
}

int cli_parse(int argc, char **argv, cli_opts *o)
{
    static const struct option longs[] = {
        {"config", required_argument, NULL, 'c'}, {"check-config", no_argument, NULL, 'C'},
        {"list-ports", no_argument, NULL, 'P'},   {"list-plugins", no_argument, NULL, 'L'},
        {"replay", required_argument, NULL, 'R'}, {"verbose", no_argument, NULL, 'v'},
        {"syslog", no_argument, NULL, 'S'},       {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},         {"print-config", no_argument, NULL, 'K'},
        {"user", required_argument, NULL, 'U'},   {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":c:o:vh", longs, NULL)) != -1) {
        switch (ch) {
        case 'c': o->config = optarg; break;
        case 'o':
            if (o->n_overrides >= CLI_MAX_OVERRIDES) {
                fprintf(stderr, "%s: too many -o options (at most %d)\n", argv[0], CLI_MAX_OVERRIDES);
                return -1;
            }
            o->overrides[o->n_overrides++] = optarg;
            break;
        case 'C': o->check_config = 1; break;
        case 'P': o->list_ports = 1; break;
        case 'L': o->list_plugins = 1; break;
        case 'K': o->print_config = 1; break;
        case 'R': o->replay = optarg; break;
        case 'U': o->user = optarg; break;
        case 'v': o->verbose++; break;
        case 'S': o->syslog = 1; break;
        case 'V': o->version = 1; break;
        case 'h': o->help = 1; break;
        case ':':
            fprintf(stderr, "%s: option %s needs a value\n", argv[0], argv[optind - 1]);
            cli_usage(argv[0], 0);
            return -1;
        default:
            fprintf(stderr, "%s: unknown option %s\n", argv[0], argv[optind - 1]);
            cli_usage(argv[0], 0);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
        cli_usage(argv[0], 0);
        return -1;
    }
    return 0;
}

#ifndef MYOFEED_SYSCONFDIR
#define MYOFEED_SYSCONFDIR "/etc"
#endif

const char *cli_find_config(const char *given, char *buf, size_t n)
{
    if (given) return given;
    if (access("config/myofeed.cfg", R_OK) == 0) return "config/myofeed.cfg";
    snprintf(buf, n, "%s/myofeed/myofeed.cfg", MYOFEED_SYSCONFDIR);
    if (access(buf, R_OK) == 0) return buf;
    return NULL;
}

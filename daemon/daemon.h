/* daemon.h: the running daemon: builds all modules from a configuration, runs the event loop,
 * reloads on SIGHUP and stops on SIGTERM/SIGINT. */
#ifndef MF_DAEMON_H
#define MF_DAEMON_H

#include "cli.h"

#ifndef MYOFEED_VERSION
#define MYOFEED_VERSION "0.1.0"
#endif

typedef struct daemon daemon_t;

/* --check-config: builds everything but the device and sockets; prints every problem. Returns 0/1. */
int daemon_check(const char *cfg_path, const cli_opts *o, const char *exe_dir);

/* Runs until SIGTERM/SIGINT. Returns the exit code: 0 clean stop, 1 configuration, 2 runtime failure. */
int daemon_run(const char *cfg_path, const cli_opts *o, const char *exe_dir);

#endif

/* replay.h: `myofeedd --replay FILE`: the configured pipeline on a recording as fast as possible, with
 * the detected events written as CSV (sample-exact times). The same pipeline and feedback code as live. */
#ifndef MF_REPLAY_H
#define MF_REPLAY_H

#include <stdio.h>

#include "cli.h"

/* Returns the exit code: 0, 1 (configuration) or 2 (the recording could not be read). */
int replay_offline(const char *cfg_path, const cli_opts *o, const char *exe_dir, const char *file, FILE *out);

#endif

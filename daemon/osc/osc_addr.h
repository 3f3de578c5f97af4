/* osc_addr.h: every OSC address string the daemon uses, built once when the configuration is loaded.
 * Owns: address spelling under osc.prefix. Nothing else in the daemon writes an address. */
#ifndef MF_OSC_ADDR_H
#define MF_OSC_ADDR_H

#include "config/config.h"

#define OSC_ADDR_MAX 96

typedef struct osc_addr_muscle {
    char act[OSC_ADDR_MAX], env[OSC_ADDR_MAX], active[OSC_ADDR_MAX], hold[OSC_ADDR_MAX];
    char onset[OSC_ADDR_MAX], offset[OSC_ADDR_MAX], rep[OSC_ADDR_MAX], calib[OSC_ADDR_MAX];
    char threshold[OSC_ADDR_MAX], levels[OSC_ADDR_MAX], target[OSC_ADDR_MAX];
    char repstat[OSC_ADDR_MAX], fatigue[OSC_ADDR_MAX], relax[OSC_ADDR_MAX];
    char quality[OSC_ADDR_MAX], advice[OSC_ADDR_MAX];
} osc_addr_muscle;

typedef struct osc_addr {
    char prefix[32];
    char frame_act[OSC_ADDR_MAX], frame_env[OSC_ADDR_MAX];
    char heartbeat[OSC_ADDR_MAX], muscles[OSC_ADDR_MAX], ok[OSC_ADDR_MAX], error[OSC_ADDR_MAX];
    char pong[OSC_ADDR_MAX], info[OSC_ADDR_MAX], subscribed[OSC_ADDR_MAX], session_state[OSC_ADDR_MAX];
    char patient[OSC_ADDR_MAX], calib_state[OSC_ADDR_MAX];
    char cue[OSC_ADDR_MAX], protocol[OSC_ADDR_MAX], symmetry[OSC_ADDR_MAX], coactivation[OSC_ADDR_MAX],
        mains[OSC_ADDR_MAX];
    char ctl[OSC_ADDR_MAX];                                                 /* prefix + "/ctl/" */
    char ctl_calibrate_rest[OSC_ADDR_MAX], ctl_calibrate_mvc[OSC_ADDR_MAX]; /* named in late calibration errors */
    int n;
    osc_addr_muscle m[CFG_MAX_MUSCLES];
    const char *names[CFG_MAX_MUSCLES];
    char name_buf[CFG_MAX_MUSCLES][CFG_NAME_MAX];
} osc_addr;

void osc_addr_build(osc_addr *a, const config *c);

/* Index of the muscle called name, or -1. */
int osc_addr_muscle_index(const osc_addr *a, const char *name);

#endif

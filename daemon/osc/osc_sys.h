/* osc_sys.h: every status and reply message the daemon sends: who is streaming and how (heartbeat, info,
 * muscles, thresholds, levels, calibration, session state) and the replies to control (ok, error, pong,
 * subscribed). Owns: each message's arguments and types, as the OSC contract in the README gives them. Addresses
 * come from osc_addr (so osc.prefix holds everywhere); sending from osc_out. `to` NULL means every subscriber and
 * static destination; otherwise the one address. Callers decide when; this module only says what. */
#ifndef MF_OSC_SYS_H
#define MF_OSC_SYS_H

#include <netinet/in.h>
#include <stdint.h>

#include "osc/osc_addr.h"
#include "osc/osc_out.h"
#include "sources/source.h"

/* The heartbeat's states, numbered as the OSC contract numbers them. */
typedef enum sys_state {
    SYS_IDLE = 0,
    SYS_STREAMING = 1,
    SYS_CALIBRATING = 2,
    SYS_NO_DEVICE = 3,
    SYS_SIGNAL_LOST = 4,
    SYS_ERROR = 5,
} sys_state;

/* The state a client sees for a source in state st (calibrating only while streaming). */
sys_state sys_state_of(enum source_state st, int calibrating);
/* "idle", "streaming", ... */
const char *sys_state_name(sys_state s);

typedef struct osc_sys {
    osc_out *out;
    const osc_addr *addr;
} osc_sys;

/* /sys/heartbeat iis seq, state, name (to all) */
void osc_sys_heartbeat(const osc_sys *s, int32_t seq, sys_state st);
/* /sys/muscles s... (the configured names, in order) */
void osc_sys_muscles(const osc_sys *s, const struct sockaddr_in *to);
/* /<m>/threshold ff on, off (detector units) */
void osc_sys_threshold(const osc_sys *s, const struct sockaddr_in *to, int m, double on, double off);
/* /<m>/levels ff on, off on the activation scale (profiles muscles and full) */
void osc_sys_levels(const osc_sys *s, int m, double on_act, double off_act);
/* /<m>/calib ff rest_uV, mvc_uV */
void osc_sys_calib(const osc_sys *s, const struct sockaddr_in *to, int m, double rest_uv, double mvc_uv);
/* /<m>/target ff low, high: the target band in activation units (0 0: none, e.g. before an MVC calibration) */
void osc_sys_target(const osc_sys *s, const struct sockaddr_in *to, int m, double low_act, double high_act);
/* /calib/state ssfs kind ("rest" | "mvc"), muscle (a name or "all"), seconds left, state ("running", "done",
 * "refused" when a muscle's result was refused, "cancelled") */
void osc_sys_calib_state(const osc_sys *s, const char *kind, const char *muscle, double left_s, const char *state);
/* /session/cue sfii phase, seconds left, rep, set */
void osc_sys_cue(const osc_sys *s, const char *phase, double left_s, int rep, int set);
/* /emg/session/protocol sfii name, hold s, reps, sets: what the cues count against (with every cue). */
void osc_sys_protocol(const osc_sys *s, const char *name, double hold_s, int reps, int sets);
/* /<m>/relax f activation: a muscle that must stay relaxed is above its limit */
void osc_sys_relax(const osc_sys *s, int m, double act);
/* /session/symmetry sf pair ("hamstring"), 100 (L - R) / mean(L, R) %; /session/coactivation f hamstring:glute */
void osc_sys_symmetry(const osc_sys *s, const char *pair, double pct);
void osc_sys_coactivation(const osc_sys *s, double ratio);
/* /<m>/quality fffs rest noise uV RMS, mains ratio, clipped %, verdict; then /<m>/advice s in words */
void osc_sys_quality(const osc_sys *s, int m, double noise_uv, double mains_ratio, double clipped_pct,
                     const char *verdict, const char *advice);
/* /sys/mains f 50 or 60: the mains frequency the notches detected */
void osc_sys_mains(const osc_sys *s, double hz);
/* /sys/patient s id */
void osc_sys_patient(const osc_sys *s, const struct sockaddr_in *to, const char *id);
/* /session/state is running, id */
void osc_sys_session_state(const osc_sys *s, const struct sockaddr_in *to, int running, const char *id);
/* /sys/info ssfiis version, source, sample_rate, muscles, subscribers, state */
void osc_sys_info(const osc_sys *s, const struct sockaddr_in *to, const char *source_desc, double fs, int n_subscribers,
                  sys_state st);
/* /sys/ok s path */
void osc_sys_ok(const osc_sys *s, const struct sockaddr_in *to, const char *path);
/* /sys/error sss path, code, message; the path is echoed as at most 127 printable bytes */
void osc_sys_error(const osc_sys *s, const struct sockaddr_in *to, const char *path, const char *code, const char *msg);
/* /sys/pong ii token, t_ms */
void osc_sys_pong(const osc_sys *s, const struct sockaddr_in *to, int32_t token, int32_t t_ms);
/* /sys/subscribed sii host, port, lease_s, sent to the new subscriber `to` */
void osc_sys_subscribed(const osc_sys *s, const struct sockaddr_in *to, double lease_s);

#endif

/* control.h: the OSC control port, the one door through which clients change the daemon's state.
 * Owns: the UDP socket (bound to osc.control; liblo is used only to decode and encode), the allow-list,
 * the dispatch table of /ctl/ methods and their replies. Changes state only through control_ops. */
#ifndef MF_CONTROL_H
#define MF_CONTROL_H

#include <event2/event.h>
#include <netinet/in.h>
#include <stdint.h>

#include "config/config.h"
#include "pipeline/calibration.h"
#include "osc/osc_addr.h"
#include "osc/osc_out.h"
#include "osc/subscribers.h"

typedef struct control_ops {
    /* Sets thresholds of muscle m (-1 = all); off < 0 keeps each muscle's off/on ratio. 0 or -1 + err. */
    int (*threshold)(void *ctx, int m, double on, double off, char *err, size_t n);
    /* Sends what a new subscriber needs (muscles, calibration, thresholds, session state) to `to`. */
    void (*hello)(void *ctx, const struct sockaddr_in *to);
    /* Sends /sys/info to `to`. */
    void (*info)(void *ctx, const struct sockaddr_in *to);
    /* Resets the repetition counter of muscle m (-1 = all). */
    void (*reps_reset)(void *ctx, int m);
    /* Starts calibrating muscle m (-1 = all) of kind CAL_REST or CAL_MVC over seconds; CAL_NONE cancels.
     * Returns 0, or -1 with err. */
    int (*calibrate)(void *ctx, int m, cal_kind kind, double seconds, char *err, size_t n);
    /* Milliseconds since the session start. */
    int32_t (*t_ms)(void *ctx);
    /* Chooses the patient (id checked by config_patient_id_valid): loads their calibration and targets. 0 or -1
     * with err. */
    int (*patient)(void *ctx, const char *id, char *err, size_t n);
    /* Sets the target band of muscle m (-1 = all) in % MVC (0 <= low <= high <= 100); every muscle it names
     * needs an MVC calibration. 0, or -1 with err (nothing changed). */
    int (*target)(void *ctx, int m, double low_pct, double high_pct, char *err, size_t n);
    /* A protocol: "start" (name), "pause", "resume" or "stop". 0, or -1 with a code (unknown_protocol, busy, paused,
     * not_running, not_paused) and err. */
    int (*protocol)(void *ctx, const char *action, const char *name, const char **code, char *err, size_t n);
    /* Starts a signal check of every muscle over seconds (1-30). 0, or -1 with err. */
    int (*check)(void *ctx, double seconds, char *err, size_t n);
    /* A session record: "start" (text: the label, "" none), "stop" or "marker" (text: the marker's words, checked
     * here: 1 to 40 printable bytes). 0, or -1 with a code (busy, not_running, store_error) and err. */
    int (*session)(void *ctx, const char *action, const char *text, const char **code, char *err, size_t n);
} control_ops;

typedef struct control control;

/* Binds the control socket (non-blocking, close-on-exec) and registers it on base.
 * NULL with err (address, reason, what to do) on failure. */
control *control_new(struct event_base *base, const struct sockaddr_in *bind_addr, char *err, size_t n);
void control_free(control *c);
int control_fd(const control *c);

/* (Re)wires the control to the current configuration and modules (at start and on reload). */
void control_configure(control *c, const config *cfg, const osc_addr *addr, subscribers *subs, osc_out *out,
                       control_ops ops, void *ctx);

/* Handles one datagram as if received from `from` (the socket callback and the fuzzer use this). */
void control_handle(control *c, const char *data, size_t len, const struct sockaddr_in *from);

/* Counters for /sys/info and tests. */
typedef struct control_stats {
    uint64_t received, ok, errors, refused_source, replies_dropped;
} control_stats;
control_stats control_get_stats(const control *c);

#endif

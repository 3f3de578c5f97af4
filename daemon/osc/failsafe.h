/* failsafe.h: what happens when the daemon dies of a fatal signal (a plugin's crash, most likely): every subscriber
 * and static destination gets act = 0, active = 0 for every muscle and an "error" heartbeat, a line on stderr names
 * the plugin, the muscle and the signal, and the process dies of the signal (non-zero, so systemd restarts it).
 * Owns: the messages encoded in advance and the signal handlers. The handler only calls async-signal-safe
 * functions (sendto, write, signal, raise). */
#ifndef MF_FAILSAFE_H
#define MF_FAILSAFE_H

#include "config/config.h"
#include "osc/osc_addr.h"
#include "osc/subscribers.h"

/* Encodes the messages for these muscles and remembers where to send them (fd: the control socket; subs is read
 * when the signal comes). Call after every (re)configuration, on the event loop. */
void failsafe_arm(int fd, const subscribers *subs, const config *c, const osc_addr *addr);
/* Installs the handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT (on an alternate stack). */
void failsafe_install(void);

#endif

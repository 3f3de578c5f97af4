/* clock.h: the daemon's one clock: CLOCK_MONOTONIC (never jumps with the wall clock), as seconds or
 * nanoseconds. Owns: time reads for timers, leases, rate limits, pacing and profiling. The stream's own
 * time is the sample clock (samples counted), not this. */
#ifndef MF_CLOCK_H
#define MF_CLOCK_H

#include <sys/time.h>

/* Seconds on the monotonic clock (an arbitrary origin; only differences mean something). */
double clock_mono_s(void);
/* The same in nanoseconds. */
double clock_mono_ns(void);
/* A duration in seconds (>= 0) as the struct timeval a libevent timer takes. */
struct timeval clock_timeval(double seconds);

#endif

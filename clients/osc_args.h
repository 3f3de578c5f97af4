/* osc_args.h: reading a received OSC message's arguments in the client programs, and their one clock. liblo's
 * lo_arg pointers are only 4-byte aligned, so numbers are copied out, never read through the union. */
#ifndef MF_CLIENT_OSC_ARGS_H
#define MF_CLIENT_OSC_ARGS_H

#include <lo/lo.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static inline int32_t osc_i(const lo_arg *a)
{
    int32_t v;
    memcpy(&v, a, sizeof v);
    return v;
}

static inline float osc_f(const lo_arg *a)
{
    float v;
    memcpy(&v, a, sizeof v);
    return v;
}

static inline const char *osc_s(const lo_arg *a) { return (const char *)a; }

/* Seconds on the monotonic clock (for staleness: "no daemon" after so long without a message). */
static inline double osc_now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

#endif

/* osc_out.h: encodes OSC messages with liblo (as a codec only) and sends them from our own UDP socket
 * to the static destinations and subscribers whose profile wants them.
 * Owns: encoding, the 1400-byte limit, fan-out, send-error accounting. Knows nothing of control. */
#ifndef MF_OSC_OUT_H
#define MF_OSC_OUT_H

#include <lo/lo.h>
#include <netinet/in.h>
#include <stdint.h>

#include "config/config.h"
#include "base/log.h"
#include "osc/subscribers.h"

#define OSC_MAX_DATAGRAM 1400

/* Profile masks: who receives a message. */
#define TO_FRAME (1u << PROFILE_FRAME)
#define TO_MUSCLES (1u << PROFILE_MUSCLES)
#define TO_FULL (1u << PROFILE_FULL)
#define TO_ALL (TO_FRAME | TO_MUSCLES | TO_FULL)

typedef struct osc_out {
    int fd; /* borrowed: the control socket */
    const cfg_dest *dests;
    int n_dests;
    const subscribers *subs;
    uint64_t sent, failed, oversize, no_memory;
    complaint send_fail;
    char buf[2048];
} osc_out;

void osc_out_init(osc_out *o, int fd, const subscribers *subs);
void osc_out_set_dests(osc_out *o, const cfg_dest *dests, int n);

/* A message from its arguments: 'i' an int, 'f' a double (sent as float), 's' a string. NULL when out of memory
 * (the send functions take NULL, count it and complain, so a caller never dereferences a failed message). */
lo_message osc_msg(const char *types, ...);

/* Sends message m (consumed: freed here) at path to every target in mask. Returns bytes or -1. */
int osc_out_send(osc_out *o, unsigned mask, const char *path, lo_message m);
/* Sends m (consumed) to one address. Returns bytes or -1. */
int osc_out_send_to(osc_out *o, const struct sockaddr_in *to, const char *path, lo_message m);

/* Encodes m at path into buf; returns the length, or -1 when it would exceed OSC_MAX_DATAGRAM. */
int osc_encode(lo_message m, const char *path, char *buf, size_t cap);

#endif

/* osc_out.h: encodes OSC messages with liblo (as a codec only) and sends them from our own UDP socket
 * to the static destinations and subscribers whose profile wants them.
 * Owns: encoding, the 1400-byte limit, fan-out, a tick's batch (one message per datagram for plain profiles,
 * OSC bundles for "+bundle" ones), sendmmsg batching, send-error accounting. Knows nothing of control.
 *
 * A message is encoded once. Outside a tick it goes out at once to every target that wants it, in one sendmmsg.
 * Between osc_out_tick_begin and osc_out_tick_end, messages are kept (encoded, in a fixed arena: no allocation)
 * and go out at the end: to a plain target each as its own datagram, to a bundled target as bundles with the
 * immediate timetag, each at most OSC_MAX_DATAGRAM bytes; every target's datagrams of a tick leave in as few
 * sendmmsg calls as the batch allows. */
#ifndef MF_OSC_OUT_H
#define MF_OSC_OUT_H

#include <lo/lo.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "config/config.h"
#include "base/log.h"
#include "osc/subscribers.h"

#define OSC_MAX_DATAGRAM 1400

/* Profile masks: who receives a message (by the profile's content; "+bundle" changes only the delivery). */
#define TO_FRAME (1u << PROFILE_FRAME)
#define TO_MUSCLES (1u << PROFILE_MUSCLES)
#define TO_FULL (1u << PROFILE_FULL)
#define TO_ALL (TO_FRAME | TO_MUSCLES | TO_FULL)

#define OSC_BATCH_MSGS 1024                              /* messages kept in one tick before an early flush */
#define OSC_ARENA 49152                                  /* their encoded bytes */
#define OSC_BUNDLE_BUF (OSC_ARENA + 20 * OSC_BATCH_MSGS) /* one profile's bundles of a tick, at worst */
#define OSC_MMSG 256                                     /* datagrams per sendmmsg */

typedef struct osc_batch_msg {
    uint32_t off;  /* in arena */
    uint16_t len;  /* encoded length */
    uint16_t mask; /* TO_* */
} osc_batch_msg;

/* The layout of glibc's struct mmsghdr (which needs _GNU_SOURCE in every file that includes this one);
 * osc_out.c checks that the two agree. */
typedef struct osc_mmsg {
    struct msghdr msg_hdr;
    unsigned int msg_len;
} osc_mmsg;

typedef struct osc_out {
    int fd; /* borrowed: the control socket */
    const cfg_dest *dests;
    int n_dests;
    const subscribers *subs;
    uint64_t sent, failed, oversize, no_memory, calls; /* datagrams; calls = sendmmsg/sendto system calls */
    complaint send_fail;
    char buf[2048]; /* one message sent at once */
    int batching;   /* inside tick_begin .. tick_end */
    int n_msgs;
    uint32_t arena_used;
    osc_batch_msg msg[OSC_BATCH_MSGS];
    char arena[OSC_ARENA];
    char bundles[OSC_BUNDLE_BUF];
    uint32_t bundle_end[OSC_BATCH_MSGS]; /* where each bundle in bundles ends */
    int n_mm;                            /* datagrams queued for the next sendmmsg */
    osc_mmsg mm[OSC_MMSG];
    struct iovec iov[OSC_MMSG];
} osc_out;

void osc_out_init(osc_out *o, int fd, const subscribers *subs);
void osc_out_set_dests(osc_out *o, const cfg_dest *dests, int n);

/* A message from its arguments: 'i' an int, 'f' a double (sent as float), 's' a string. NULL when out of memory
 * (the send functions take NULL, count it and complain, so a caller never dereferences a failed message). */
lo_message osc_msg(const char *types, ...);

/* Sends message m (consumed: freed here) at path to every target in mask (kept until tick_end inside a tick).
 * Returns its encoded bytes or -1. */
int osc_out_send(osc_out *o, unsigned mask, const char *path, lo_message m);
/* The same for a message of one float or one int, encoded here without liblo or an allocation (the per-muscle
 * messages of every tick). */
int osc_out_send_f(osc_out *o, unsigned mask, const char *path, double v);
int osc_out_send_i(osc_out *o, unsigned mask, const char *path, int32_t v);
/* Sends m (consumed) to one address, at once and plain (replies). Returns bytes or -1. */
int osc_out_send_to(osc_out *o, const struct sockaddr_in *to, const char *path, lo_message m);

/* Whether any target's profile wants a message for mask (so a tick builds nothing nobody gets). */
int osc_out_wanted(const osc_out *o, unsigned mask);

/* A tick's messages: kept from begin, sent at end (plain or bundled by each target's profile). */
void osc_out_tick_begin(osc_out *o);
void osc_out_tick_end(osc_out *o);

/* Encodes m at path into buf; returns the length, or -1 when it would exceed OSC_MAX_DATAGRAM. */
int osc_encode(lo_message m, const char *path, char *buf, size_t cap);

#endif

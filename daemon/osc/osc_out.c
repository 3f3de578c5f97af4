/* osc_out.c: serialise once; send to every target with sendmmsg, a tick's messages plain or bundled. */
#define _GNU_SOURCE /* sendmmsg */
#include "osc/osc_out.h"
#include "base/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define LOG_COMPONENT "osc"
#define BUNDLE_HEAD 16 /* "#bundle\0" and the timetag */

_Static_assert(sizeof(osc_mmsg) == sizeof(struct mmsghdr) &&
                   offsetof(osc_mmsg, msg_len) == offsetof(struct mmsghdr, msg_len),
               "osc_mmsg must be laid out as struct mmsghdr");

void osc_out_init(osc_out *o, int fd, const subscribers *subs)
{
    memset(o, 0, sizeof *o);
    o->fd = fd;
    o->subs = subs;
    o->send_fail.interval_s = 10;
}

void osc_out_set_dests(osc_out *o, const cfg_dest *dests, int n)
{
    o->dests = dests;
    o->n_dests = n;
}

int osc_encode(lo_message m, const char *path, char *buf, size_t cap)
{
    size_t len = lo_message_length(m, path);
    if (len == 0 || len > OSC_MAX_DATAGRAM || len > cap) return -1;
    size_t got = len;
    if (!lo_message_serialise(m, path, buf, &got)) return -1;
    return (int)got;
}

lo_message osc_msg(const char *types, ...)
{
    lo_message m = lo_message_new();
    if (!m) return NULL;
    va_list ap;
    va_start(ap, types);
    int bad = 0;
    for (const char *t = types; *t && !bad; t++) {
        switch (*t) {
        case 'i': bad = lo_message_add_int32(m, va_arg(ap, int)) != 0; break;
        case 'f': bad = lo_message_add_float(m, (float)va_arg(ap, double)) != 0; break;
        case 's': bad = lo_message_add_string(m, va_arg(ap, const char *)) != 0; break;
        default: bad = 1; break;
        }
    }
    va_end(ap);
    if (bad) {
        lo_message_free(m);
        return NULL;
    }
    return m;
}

/* A message that could not be built: counted and complained about (rate-limited), never sent half-made. */
static int no_message(osc_out *o, const char *path)
{
    o->no_memory++;
    complain(&o->send_fail, clock_mono_s(), LOG_LVL_ERROR, LOG_COMPONENT, "out of memory building %s; not sent", path);
    return -1;
}

static void send_failed(osc_out *o, const struct sockaddr_in *to, const char *why)
{
    o->failed++;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &to->sin_addr, ip, sizeof ip);
    complain(&o->send_fail, clock_mono_s(), LOG_LVL_WARN, LOG_COMPONENT, "sending to %s:%d failed: %s", ip,
             ntohs(to->sin_port), why);
}

/* ---- the sendmmsg queue: datagrams point into buf, arena or bundles until flushed ---- */

static void flush_mm(osc_out *o)
{
    for (int i = 0; i < o->n_mm;) {
        int r = sendmmsg(o->fd, (struct mmsghdr *)(void *)(o->mm + i), (unsigned)(o->n_mm - i), MSG_DONTWAIT);
        o->calls++;
        if (r > 0) {
            o->sent += (uint64_t)r;
            i += r;
        } else { /* the first of the rest failed: count it, go on with the next */
            send_failed(o, o->mm[i].msg_hdr.msg_name, r < 0 ? strerror(errno) : "nothing sent");
            i++;
        }
    }
    o->n_mm = 0;
}

static void queue(osc_out *o, const struct sockaddr_in *to, const char *data, size_t len)
{
    if (o->n_mm == OSC_MMSG) flush_mm(o);
    int k = o->n_mm++;
    o->iov[k] = (struct iovec){(void *)data, len};
    o->mm[k].msg_hdr =
        (struct msghdr){.msg_name = (void *)to, .msg_namelen = sizeof *to, .msg_iov = &o->iov[k], .msg_iovlen = 1};
    o->mm[k].msg_len = 0;
}

/* ---- targets: the static destinations, then the subscribers ---- */

static int n_targets(const osc_out *o) { return o->n_dests + (o->subs ? o->subs->n : 0); }

static const struct sockaddr_in *target(const osc_out *o, int i, int *profile)
{
    if (i < o->n_dests) {
        *profile = o->dests[i].profile;
        return &o->dests[i].addr;
    }
    *profile = o->subs->s[i - o->n_dests].profile;
    return &o->subs->s[i - o->n_dests].addr;
}

static int wants(int profile, unsigned mask) { return (mask >> PROFILE_CONTENT(profile) & 1u) != 0; }

int osc_out_wanted(const osc_out *o, unsigned mask)
{
    int nt = n_targets(o), profile;
    for (int t = 0; t < nt; t++) {
        target(o, t, &profile);
        if (wants(profile, mask)) return 1;
    }
    return 0;
}

/* ---- a tick's batch ---- */

static void put_be32(char *p, uint32_t v)
{
    p[0] = (char)(v >> 24), p[1] = (char)(v >> 16), p[2] = (char)(v >> 8), p[3] = (char)v;
}

/* Builds the bundles of content `content` from the kept messages; returns how many (their ends in bundle_end).
 * A message too long to fit any bundle is left out (too_long set): it goes plain. */
static int build_bundles(osc_out *o, int content, int *too_long)
{
    int nb = 0;
    uint32_t used = 0, start = 0;
    *too_long = 0;
    for (int k = 0; k < o->n_msgs; k++) {
        const osc_batch_msg *m = &o->msg[k];
        if (!(m->mask >> content & 1u)) continue;
        if (BUNDLE_HEAD + 4 + (uint32_t)m->len > OSC_MAX_DATAGRAM) {
            *too_long = 1;
            continue;
        }
        if (used > start && used - start + 4 + m->len > OSC_MAX_DATAGRAM) { /* close this bundle */
            o->bundle_end[nb++] = used;
            start = used;
        }
        if (used == start) { /* open one: "#bundle", timetag 1 (immediately) */
            memcpy(o->bundles + used, "#bundle\0\0\0\0\0\0\0\0\1", BUNDLE_HEAD);
            used += BUNDLE_HEAD;
        }
        put_be32(o->bundles + used, m->len);
        memcpy(o->bundles + used + 4, o->arena + m->off, m->len);
        used += 4 + (uint32_t)m->len;
    }
    if (used > start) o->bundle_end[nb++] = used;
    return nb;
}

/* Sends everything kept: each plain target its messages one per datagram, each bundled target the bundles of its
 * content (built once per content, shared by every target with it). */
static void flush_batch(osc_out *o)
{
    int nt = n_targets(o), profile;
    for (int t = 0; t < nt; t++) {
        const struct sockaddr_in *to = target(o, t, &profile);
        if (PROFILE_BUNDLED(profile)) continue;
        for (int k = 0; k < o->n_msgs; k++)
            if (wants(profile, o->msg[k].mask)) queue(o, to, o->arena + o->msg[k].off, o->msg[k].len);
    }
    for (int content = 0; content < PROFILE_N_CONTENT; content++) {
        int any = 0;
        for (int t = 0; t < nt && !any; t++) {
            target(o, t, &profile);
            any = PROFILE_BUNDLED(profile) && PROFILE_CONTENT(profile) == content;
        }
        if (!any) continue;
        flush_mm(o); /* the bundle buffer is about to be (re)built */
        int too_long, nb = build_bundles(o, content, &too_long);
        for (int t = 0; t < nt; t++) {
            const struct sockaddr_in *to = target(o, t, &profile);
            if (!PROFILE_BUNDLED(profile) || PROFILE_CONTENT(profile) != content) continue;
            for (int b = 0, from = 0; b < nb; from = (int)o->bundle_end[b++])
                queue(o, to, o->bundles + from, o->bundle_end[b] - (uint32_t)from);
            for (int k = 0; too_long && k < o->n_msgs; k++)
                if (BUNDLE_HEAD + 4 + (uint32_t)o->msg[k].len > OSC_MAX_DATAGRAM && wants(profile, o->msg[k].mask))
                    queue(o, to, o->arena + o->msg[k].off, o->msg[k].len);
        }
    }
    flush_mm(o);
    o->n_msgs = 0;
    o->arena_used = 0;
}

void osc_out_tick_begin(osc_out *o) { o->batching = 1; }

void osc_out_tick_end(osc_out *o)
{
    if (o->n_msgs) flush_batch(o);
    o->batching = 0;
}

/* ---- sending ---- */

/* A message that would not fit a datagram: counted and complained about (rate-limited), never sent. */
static int oversize(osc_out *o, const char *path)
{
    o->oversize++;
    complain(&o->send_fail, clock_mono_s(), LOG_LVL_ERROR, LOG_COMPONENT,
             "message %s would exceed %d bytes; not sent (shorten osc.prefix or the muscle's name)", path,
             OSC_MAX_DATAGRAM);
    return -1;
}

static int encode_or_drop(osc_out *o, const char *path, lo_message m, char *buf, size_t cap)
{
    int len = osc_encode(m, path, buf, cap);
    lo_message_free(m);
    return len < 0 ? oversize(o, path) : len;
}

/* Where the next message is encoded: the tick's arena (flushed first when full) or the one-message buffer. */
static char *slot(osc_out *o, size_t *cap)
{
    if (!o->batching) {
        *cap = sizeof o->buf;
        return o->buf;
    }
    if (o->n_msgs == OSC_BATCH_MSGS || OSC_ARENA - o->arena_used < OSC_MAX_DATAGRAM) flush_batch(o);
    *cap = OSC_ARENA - o->arena_used;
    return o->arena + o->arena_used;
}

/* The message encoded at slot(): kept for the tick's end, or sent now to every target that wants it. */
static int commit(osc_out *o, unsigned mask, int len)
{
    if (len < 0) return -1;
    if (o->batching) {
        o->msg[o->n_msgs++] = (osc_batch_msg){o->arena_used, (uint16_t)len, (uint16_t)mask};
        o->arena_used += ((uint32_t)len + 3u) & ~3u;
        return len;
    }
    int nt = n_targets(o), profile;
    for (int t = 0; t < nt; t++) {
        const struct sockaddr_in *to = target(o, t, &profile);
        if (wants(profile, mask)) queue(o, to, o->buf, (size_t)len);
    }
    flush_mm(o);
    return len;
}

int osc_out_send(osc_out *o, unsigned mask, const char *path, lo_message m)
{
    if (!m) return no_message(o, path);
    size_t cap;
    char *at = slot(o, &cap);
    return commit(o, mask, encode_or_drop(o, path, m, at, cap));
}

/* path, its NULs to a multiple of 4, the type tag string ",t" padded, one 32-bit big-endian argument: the OSC
 * 1.0 encoding of a one-argument message, as liblo writes it. */
static int encode1(char *buf, size_t cap, const char *path, char type, uint32_t bits)
{
    size_t n = strlen(path), padded = (n + 4) & ~(size_t)3, len = padded + 8;
    if (len > OSC_MAX_DATAGRAM || len > cap) return -1;
    memcpy(buf, path, n);
    memset(buf + n, 0, padded - n);
    memcpy(buf + padded, (const char[4]){',', type, 0, 0}, 4);
    put_be32(buf + padded + 4, bits);
    return (int)len;
}

int osc_out_send_f(osc_out *o, unsigned mask, const char *path, double v)
{
    size_t cap;
    char *at = slot(o, &cap);
    float f = (float)v;
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    int len = encode1(at, cap, path, 'f', bits);
    return commit(o, mask, len < 0 ? oversize(o, path) : len);
}

int osc_out_send_i(osc_out *o, unsigned mask, const char *path, int32_t v)
{
    size_t cap;
    char *at = slot(o, &cap);
    int len = encode1(at, cap, path, 'i', (uint32_t)v);
    return commit(o, mask, len < 0 ? oversize(o, path) : len);
}

int osc_out_send_to(osc_out *o, const struct sockaddr_in *to, const char *path, lo_message m)
{
    if (!m) return no_message(o, path);
    int len = encode_or_drop(o, path, m, o->buf, sizeof o->buf);
    if (len < 0) return -1;
    ssize_t r = sendto(o->fd, o->buf, (size_t)len, MSG_DONTWAIT, (const struct sockaddr *)to, sizeof *to);
    o->calls++;
    if (r == len)
        o->sent++;
    else
        send_failed(o, to, r < 0 ? strerror(errno) : "short write");
    return len;
}

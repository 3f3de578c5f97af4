/* osc_out.c: serialise once, sendto() to each target. */
#include "osc/osc_out.h"
#include "base/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define LOG_COMPONENT "osc"

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

static void send_one(osc_out *o, const struct sockaddr_in *to, int len)
{
    ssize_t r = sendto(o->fd, o->buf, (size_t)len, MSG_DONTWAIT, (const struct sockaddr *)to, sizeof *to);
    if (r == len) {
        o->sent++;
        return;
    }
    o->failed++;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &to->sin_addr, ip, sizeof ip);
    complain(&o->send_fail, clock_mono_s(), LOG_LVL_WARN, LOG_COMPONENT, "sending to %s:%d failed: %s", ip,
             ntohs(to->sin_port), r < 0 ? strerror(errno) : "short write");
}

static int encode_or_drop(osc_out *o, const char *path, lo_message m)
{
    int len = osc_encode(m, path, o->buf, sizeof o->buf);
    lo_message_free(m);
    if (len < 0) {
        o->oversize++;
        complain(&o->send_fail, clock_mono_s(), LOG_LVL_ERROR, LOG_COMPONENT,
                 "message %s would exceed %d bytes; not sent", path, OSC_MAX_DATAGRAM);
    }
    return len;
}

int osc_out_send(osc_out *o, unsigned mask, const char *path, lo_message m)
{
    if (!m) return no_message(o, path);
    int len = encode_or_drop(o, path, m);
    if (len < 0) return -1;
    for (int i = 0; i < o->n_dests; i++)
        if (mask & (1u << o->dests[i].profile)) send_one(o, &o->dests[i].addr, len);
    for (int i = 0; o->subs && i < o->subs->n; i++)
        if (mask & (1u << o->subs->s[i].profile)) send_one(o, &o->subs->s[i].addr, len);
    return len;
}

int osc_out_send_to(osc_out *o, const struct sockaddr_in *to, const char *path, lo_message m)
{
    if (!m) return no_message(o, path);
    int len = encode_or_drop(o, path, m);
    if (len < 0) return -1;
    send_one(o, to, len);
    return len;
}

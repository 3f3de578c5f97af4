/* control.c: receives, checks and dispatches control messages. Every message from an allowed source
 * gets exactly one /sys/ok or /sys/error reply (replies are rate-limited); messages from other
 * sources are dropped and counted. Wildcards, bundles and malformed packets change nothing. */
#include "osc/control.h"
#include "base/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <lo/lo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "osc/osc_sys.h"
#define LOG_COMPONENT "control"

#define MAX_ARGS 8
#define REPLY_RATE 1000.0 /* replies per second, sustained, to everyone */
#define REPLY_BURST 2000.0
#define SOURCE_RATE 50.0 /* replies per second to one source (host and port): a flood costs only its sender */
#define SOURCE_BURST 100.0
#define SOURCES 64 /* sources with a budget of their own (the least recent gives way) */

typedef struct source_budget {
    struct sockaddr_in who;
    double tokens, at;
} source_budget;

struct control {
    int fd;
    struct event *ev;
    const config *cfg;
    const osc_addr *addr;
    subscribers *subs;
    osc_out *out;
    osc_sys sys;
    control_ops ops;
    void *ctx;
    double tokens, tokens_at;
    source_budget src[SOURCES];
    int n_src;
    control_stats st;
    complaint refused, dropped;
};

typedef struct call {
    control *c;
    const struct sockaddr_in *from;
    const char *path;
    const char *types; /* as received */
    const char *form;  /* the table's types that matched (numbers coerced) */
    int argc;
    double num[MAX_ARGS];
    const char *str[MAX_ARGS];
} call;

/* ---------------------------------------------------------------------------------------------- */

/* The sender's own budget (found, or the least recently seen one's slot). */
static source_budget *budget_of(control *c, const struct sockaddr_in *from, double t)
{
    source_budget *old = NULL;
    for (int i = 0; i < c->n_src; i++) {
        source_budget *b = &c->src[i];
        if (b->who.sin_addr.s_addr == from->sin_addr.s_addr && b->who.sin_port == from->sin_port) return b;
        if (!old || b->at < old->at) old = b;
    }
    source_budget *b = c->n_src < SOURCES ? &c->src[c->n_src++] : old;
    *b = (source_budget){*from, SOURCE_BURST, t};
    return b;
}

static int reply_allowed(control *c, const struct sockaddr_in *from)
{
    double t = clock_mono_s();
    source_budget *b = budget_of(c, from, t);
    b->tokens += (t - b->at) * SOURCE_RATE;
    b->at = t;
    if (b->tokens > SOURCE_BURST) b->tokens = SOURCE_BURST;
    if (b->tokens < 1.0) {
        c->st.replies_dropped++;
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &from->sin_addr, ip, sizeof ip);
        complain(&c->dropped, t, LOG_LVL_WARN, LOG_COMPONENT,
                 "%s:%d sends more than %g control messages per second; its replies are being dropped (others' are "
                 "not)",
                 ip, ntohs(from->sin_port), SOURCE_RATE);
        return 0;
    }
    b->tokens -= 1.0;
    c->tokens += (t - c->tokens_at) * REPLY_RATE;
    c->tokens_at = t;
    if (c->tokens > REPLY_BURST) c->tokens = REPLY_BURST;
    if (c->tokens < 1.0) {
        c->st.replies_dropped++;
        complain(&c->dropped, t, LOG_LVL_WARN, LOG_COMPONENT, "too many control messages; replies are being dropped");
        return 0;
    }
    c->tokens -= 1.0;
    return 1;
}

static void reply_ok(call *k)
{
    k->c->st.ok++;
    if (reply_allowed(k->c, k->from)) osc_sys_ok(&k->c->sys, k->from, k->path);
}

static void reply_error(control *c, const struct sockaddr_in *from, const char *path, const char *code, const char *fmt,
                        ...) __attribute__((format(printf, 5, 6)));

static void reply_error(control *c, const struct sockaddr_in *from, const char *path, const char *code, const char *fmt,
                        ...)
{
    c->st.errors++;
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &from->sin_addr, ip, sizeof ip);
    LOGD("%s from %s:%d refused (%s): %s", path, ip, ntohs(from->sin_port), code, msg);
    if (reply_allowed(c, from)) osc_sys_error(&c->sys, from, path, code, msg);
}

#define FAIL(k, code, ...) reply_error((k)->c, (k)->from, (k)->path, code, __VA_ARGS__)

static int in_cidrs(const cfg_cidr *list, int n, uint32_t ip_host_order)
{
    for (int i = 0; i < n; i++)
        if ((ip_host_order & list[i].mask) == list[i].net) return 1;
    return 0;
}

static int allowed_host(const control *c, uint32_t ip_host_order)
{
    return in_cidrs(c->cfg->osc.allow, c->cfg->osc.n_allow, ip_host_order);
}

/* Muscle argument: a configured name or "all" (-1). Returns -2 (and replies) when unknown. */
static int muscle_arg(call *k, const char *name)
{
    if (strcmp(name, "all") == 0) return -1;
    int m = osc_addr_muscle_index(k->c->addr, name);
    if (m < 0) {
        char list[400];
        size_t off = 0;
        for (int i = 0; i < k->c->addr->n && off < sizeof list; i++)
            off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "", k->c->addr->names[i]);
        FAIL(k, "unknown_muscle", "no muscle '%s'; use all or one of: %s", name, list);
        return -2;
    }
    return m;
}

/* ---------------------------------------------------------------------------------------------- */

/* Reads the subscriber target and profile from the forms "", s, i, is, si, sis. */
static int target_of(call *k, struct sockaddr_in *to, int *profile, int subscribing)
{
    *to = *k->from;
    *profile = PROFILE_MUSCLES;
    const char *t = k->form;
    int a = 0;
    const char *prof = NULL;
    if (t[0] == 's' && t[1] == 'i') { /* host, port */
        struct in_addr ia;
        if (inet_pton(AF_INET, k->str[0], &ia) != 1) {
            FAIL(k, "bad_arguments", "host '%s' must be a numeric IPv4 address", k->str[0]);
            return -1;
        }
        to->sin_addr = ia;
        a = 1;
    }
    if (t[a] == 'i') {
        double port = k->num[a];
        if (!(port >= 1 && port <= 65535)) {
            FAIL(k, "out_of_range", "port %g must be 1 to 65535", port);
            return -1;
        }
        to->sin_port = htons((uint16_t)port);
        a++;
    }
    if (t[a] == 's') prof = k->str[a];
    if (prof) {
        int found = -1;
        for (int i = 0; osc_profile_names[i]; i++)
            if (strcmp(prof, osc_profile_names[i]) == 0) found = i;
        if (found < 0) {
            FAIL(k, "bad_arguments", "profile '%s' must be frame, muscles or full, optionally with +bundle", prof);
            return -1;
        }
        *profile = found;
    }
    /* the stream goes to the sender's own address; another port or host only when listed (so no one points
     * it at a socket that never asked) */
    int own = to->sin_addr.s_addr == k->from->sin_addr.s_addr && to->sin_port == k->from->sin_port;
    if (subscribing && !own &&
        !in_cidrs(k->c->cfg->osc.subscribe_hosts, k->c->cfg->osc.n_subscribe_hosts, ntohl(to->sin_addr.s_addr))) {
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &to->sin_addr, ip, sizeof ip);
        FAIL(k, "not_allowed",
             "a subscription goes to the sender's own address; %s:%d is another, and %s is not in osc.subscribe_hosts "
             "(send /ctl/subscribe from the socket that listens)",
             ip, ntohs(to->sin_port), ip);
        return -1;
    }
    return 0;
}

static void m_subscribe(call *k)
{
    struct sockaddr_in to;
    int profile;
    if (target_of(k, &to, &profile, 1) != 0) return;
    control *c = k->c;
    int r = subs_add(c->subs, &to, k->from, profile, clock_mono_s(), c->cfg->osc.lease_s);
    if (r == -2) {
        FAIL(k, "too_many", "this socket has %d subscriptions already; unsubscribe one first", SUBS_PER_OWNER);
        return;
    }
    if (r == -3) {
        FAIL(k, "not_yours", "that address was subscribed by another client; only it (or the address) renews it");
        return;
    }
    if (r < 0) {
        FAIL(k, "full", "already %d subscribers; unsubscribe one or use osc.destinations", SUBS_MAX);
        return;
    }
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &to.sin_addr, ip, sizeof ip);
    if (r == 0)
        LOGI("subscribed %s:%d (profile %s, lease %g s)", ip, ntohs(to.sin_port), osc_profile_names[profile],
             c->cfg->osc.lease_s);
    reply_ok(k);
    osc_sys_subscribed(&c->sys, &to, c->cfg->osc.lease_s);
    if (r == 0 && c->ops.hello) c->ops.hello(c->ctx, &to);
}

static void m_unsubscribe(call *k)
{
    struct sockaddr_in to;
    int profile;
    if (target_of(k, &to, &profile, 0) != 0) return;
    int r = subs_remove(k->c->subs, &to, k->from);
    if (r == -2) {
        FAIL(k, "not_yours", "that subscription is another client's; a client removes only its own");
        return;
    }
    if (r != 0) {
        FAIL(k, "not_subscribed", "that address is not subscribed");
        return;
    }
    reply_ok(k);
}

static void m_ping(call *k)
{
    osc_sys_pong(&k->c->sys, k->from, k->argc ? (int32_t)k->num[0] : 0, k->c->ops.t_ms ? k->c->ops.t_ms(k->c->ctx) : 0);
    reply_ok(k);
}

static void m_info(call *k)
{
    if (k->c->ops.info) k->c->ops.info(k->c->ctx, k->from);
    reply_ok(k);
}

static void m_threshold(call *k)
{
    int m = muscle_arg(k, k->str[0]);
    if (m < -1) return;
    double on = k->num[1], off = k->argc > 2 ? k->num[2] : -1.0;
    if (!isfinite(on) || on < 0 || (k->argc > 2 && (!isfinite(off) || off < 0))) {
        FAIL(k, "out_of_range", "thresholds must be finite and >= 0");
        return;
    }
    if (k->argc > 2 && off > on) {
        FAIL(k, "out_of_range", "off %g must not exceed on %g", off, on);
        return;
    }
    char err[300] = "";
    if (k->c->ops.threshold(k->c->ctx, m, on, off, err, sizeof err) != 0) {
        FAIL(k, "out_of_range", "%s", err);
        return;
    }
    reply_ok(k);
}

static void m_reps_reset(call *k)
{
    int m = muscle_arg(k, k->str[0]);
    if (m < -1) return;
    if (k->c->ops.reps_reset) k->c->ops.reps_reset(k->c->ctx, m);
    reply_ok(k);
}

static void m_calibrate(call *k)
{
    cal_kind kind = strstr(k->path, "/calibrate/rest")  ? CAL_REST
                    : strstr(k->path, "/calibrate/mvc") ? CAL_MVC
                                                        : CAL_NONE;
    int m = -1;
    double secs = 5.0;
    if (kind) {
        m = muscle_arg(k, k->str[0]);
        if (m < -1) return;
        if (k->argc > 1) secs = k->num[1];
        if (!(secs >= 1 && secs <= 60)) {
            FAIL(k, "out_of_range", "calibration time %g s must be 1 to 60 s", secs);
            return;
        }
    }
    char err[300] = "";
    if (!k->c->ops.calibrate || k->c->ops.calibrate(k->c->ctx, m, kind, secs, err, sizeof err) != 0) {
        FAIL(k, "not_streaming", "%s", err[0] ? err : "calibration is not possible now");
        return;
    }
    reply_ok(k);
}

static void m_patient(call *k)
{
    const char *id = k->str[0];
    if (!config_patient_id_valid(id)) {
        FAIL(k, "bad_arguments",
             "patient id '%.80s' must be 1 to %d letters, digits, '-', '_' or '.' (not starting "
             "with '.')",
             id, CFG_PATIENT_MAX - 1);
        return;
    }
    char err[300] = "";
    if (!k->c->ops.patient || k->c->ops.patient(k->c->ctx, id, err, sizeof err) != 0) {
        FAIL(k, "store", "%s", err[0] ? err : "choosing a patient is not possible now");
        return;
    }
    reply_ok(k);
}

static void m_target(call *k)
{
    int m = muscle_arg(k, k->str[0]);
    if (m < -1) return;
    double lo = k->num[1], hi = k->argc > 2 ? k->num[2] : 100.0;
    if (!isfinite(lo) || !isfinite(hi) || lo < 0 || hi > 100 || lo > hi) {
        FAIL(k, "out_of_range", "target %g to %g %% MVC: need 0 <= low <= high <= 100", lo, hi);
        return;
    }
    char err[300] = "";
    if (!k->c->ops.target || k->c->ops.target(k->c->ctx, m, lo, hi, err, sizeof err) != 0) {
        FAIL(k, "no_mvc", "%s", err[0] ? err : "targets are not possible now");
        return;
    }
    reply_ok(k);
}

static void m_protocol(call *k)
{
    const char *action = strrchr(k->path, '/') + 1;
    const char *code = "not_running";
    char err[400] = "";
    if (!k->c->ops.protocol ||
        k->c->ops.protocol(k->c->ctx, action, k->argc ? k->str[0] : "", &code, err, sizeof err) != 0) {
        FAIL(k, code, "%s", err[0] ? err : "protocols are not possible now");
        return;
    }
    reply_ok(k);
}

static void m_check(call *k)
{
    double secs = k->argc ? k->num[0] : 3.0;
    if (!(secs >= 1 && secs <= 30)) {
        FAIL(k, "out_of_range", "signal check time %g s must be 1 to 30 s", secs);
        return;
    }
    char err[300] = "";
    if (!k->c->ops.check || k->c->ops.check(k->c->ctx, secs, err, sizeof err) != 0) {
        FAIL(k, "not_streaming", "%s", err[0] ? err : "a signal check is not possible now");
        return;
    }
    reply_ok(k);
}

/* Labels and markers go into the recording's header and annotations and the history: printable text only. */
static int printable(const char *t)
{
    for (; *t; t++)
        if ((unsigned char)*t < 0x20 || *t == 0x7f) return 0;
    return 1;
}

static void m_session(call *k)
{
    const char *action = strrchr(k->path, '/') + 1;
    const char *text = k->argc ? k->str[0] : "";
    size_t len = strlen(text);
    int marker = strcmp(action, "marker") == 0;
    if (marker && (len == 0 || len > 40)) {
        FAIL(k, "bad_arguments", "a marker is 1 to 40 characters (got %zu); say it shorter", len);
        return;
    }
    if (!marker && len > 60) {
        FAIL(k, "bad_arguments", "a session label is at most 60 characters (got %zu)", len);
        return;
    }
    if (!printable(text)) {
        FAIL(k, "bad_arguments", "%s text must be printable (no control characters)",
             marker ? "a marker's" : "the label's");
        return;
    }
    const char *code = "not_running";
    char err[400] = "";
    if (!k->c->ops.session || k->c->ops.session(k->c->ctx, action, text, &code, err, sizeof err) != 0) {
        FAIL(k, code, "%s", err[0] ? err : "session records are not possible now");
        return;
    }
    reply_ok(k);
}

typedef void (*method_fn)(call *k);

/* Types: s = string, i = whole number (an integral float is accepted), f = number (int accepted). */
/* read_only: what osc.allow hosts may send; everything else changes state and needs osc.admin. */
static const struct method {
    const char *name;
    const char *types;
    method_fn fn;
    int read_only;
} methods[] = {
    {"subscribe", "", m_subscribe, 1},
    {"subscribe", "s", m_subscribe, 1},
    {"subscribe", "i", m_subscribe, 1},
    {"subscribe", "is", m_subscribe, 1},
    {"subscribe", "si", m_subscribe, 1},
    {"subscribe", "sis", m_subscribe, 1},
    {"unsubscribe", "", m_unsubscribe, 1},
    {"unsubscribe", "i", m_unsubscribe, 1},
    {"unsubscribe", "si", m_unsubscribe, 1},
    {"ping", "", m_ping, 1},
    {"ping", "i", m_ping, 1},
    {"info", "", m_info, 1},
    {"threshold", "sf", m_threshold},
    {"threshold", "sff", m_threshold},
    {"reps/reset", "s", m_reps_reset},
    {"calibrate/rest", "s", m_calibrate},
    {"calibrate/rest", "sf", m_calibrate},
    {"calibrate/mvc", "s", m_calibrate},
    {"calibrate/mvc", "sf", m_calibrate},
    {"calibrate/cancel", "", m_calibrate},
    {"patient", "s", m_patient},
    {"target", "sf", m_target},
    {"target", "sff", m_target},
    {"protocol/start", "s", m_protocol},
    {"protocol/pause", "", m_protocol},
    {"protocol/resume", "", m_protocol},
    {"protocol/stop", "", m_protocol},
    {"check", "", m_check},
    {"check", "f", m_check},
    {"session/start", "", m_session},
    {"session/start", "s", m_session},
    {"session/stop", "", m_session},
    {"session/marker", "s", m_session},
};

/* liblo hands out lo_arg pointers that are only 4-byte aligned, while the union holds 8-byte members:
 * read through memcpy, never through the union. */
static double arg_num(const lo_arg *a, char type)
{
    if (type == 'i') {
        int32_t v;
        memcpy(&v, a, sizeof v);
        return v;
    }
    float f;
    memcpy(&f, a, sizeof f);
    return f;
}

static int types_match(const char *want, const char *got, lo_arg **argv, call *k)
{
    if (strlen(want) != strlen(got)) return 0;
    for (int i = 0; want[i]; i++) {
        char w = want[i], g = got[i];
        if (w == 's') {
            if (g != 's') return 0;
            k->str[i] = (const char *)argv[i];
        } else {
            if (g != 'i' && g != 'f') return 0;
            double v = arg_num(argv[i], g);
            /* a whole number that fits an int32 (a float such as 6e23 is whole but does not) */
            if (w == 'i' && (v != floor(v) || !(v >= INT32_MIN && v <= INT32_MAX))) return 0;
            k->num[i] = v;
        }
    }
    return 1;
}

static void usage_of(const char *name, char *buf, size_t n)
{
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0] && off < n; i++)
        if (strcmp(methods[i].name, name) == 0)
            off += (size_t)snprintf(buf + off, n - off, "%s'%s'", off ? " | " : "", methods[i].types);
}

void control_handle(control *c, const char *data, size_t len, const struct sockaddr_in *from)
{
    c->st.received++;
    if (!allowed_host(c, ntohl(from->sin_addr.s_addr))) {
        c->st.refused_source++;
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &from->sin_addr, ip, sizeof ip);
        complain(&c->refused, clock_mono_s(), LOG_LVL_WARN, LOG_COMPONENT,
                 "ignored a message from %s, which is not in osc.allow", ip);
        return;
    }
    if (len >= 8 && memcmp(data, "#bundle", 8) == 0) {
        reply_error(c, from, "#bundle", "bundle", "bundles are not accepted; send single messages");
        return;
    }
    int result = 0;
    lo_message msg = len ? lo_message_deserialise((void *)data, len, &result) : NULL;
    if (!msg) {
        reply_error(c, from, "", "malformed", "not a valid OSC message (%zu bytes)", len);
        return;
    }
    const char *path = data; /* deserialise succeeded: the address is a NUL-terminated string */
    call k = {c, from, path, lo_message_get_types(msg), "", lo_message_get_argc(msg), {0}, {0}};
    if (strpbrk(path, "*?[]{}")) {
        reply_error(c, from, path, "wildcard", "wildcards are not accepted; use the exact address");
        goto out;
    }
    size_t pl = strlen(c->addr->ctl);
    if (strncmp(path, c->addr->ctl, pl) != 0) {
        reply_error(c, from, path, "unknown_path", "control addresses start with %s", c->addr->ctl);
        goto out;
    }
    const char *name = path + pl;
    if (k.argc > MAX_ARGS) {
        reply_error(c, from, path, "bad_arguments", "too many arguments");
        goto out;
    }
    int known = 0;
    lo_arg **argv = lo_message_get_argv(msg);
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        if (strcmp(methods[i].name, name) != 0) continue;
        known = 1;
        if (types_match(methods[i].types, k.types, argv, &k)) {
            k.form = methods[i].types;
            if (!methods[i].read_only &&
                !in_cidrs(c->cfg->osc.admin, c->cfg->osc.n_admin, ntohl(from->sin_addr.s_addr))) {
                char ip[INET_ADDRSTRLEN];
                inet_ntop(AF_INET, &from->sin_addr, ip, sizeof ip);
                reply_error(c, from, path, "forbidden",
                            "%s changes state, which only osc.admin hosts may do (%s is not one); ask the station",
                            name, ip);
                goto out;
            }
            methods[i].fn(&k);
            goto out;
        }
    }
    if (known) {
        char usage[200];
        usage_of(name, usage, sizeof usage);
        reply_error(c, from, path, "bad_arguments", "arguments ',%s' do not fit; expected type tags: %s", k.types,
                    usage);
    } else {
        reply_error(c, from, path, "unknown_path", "no such control method; see the OSC table in the README");
    }
out:
    lo_message_free(msg);
}

/* ---------------------------------------------------------------------------------------------- */

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    control *c = arg;
    char buf[2048];
    for (int i = 0; i < 64; i++) { /* bounded: the sample path must not starve */
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t r = recvfrom(fd, buf, sizeof buf - 1, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (r < 0) break;
        if (from.sin_family != AF_INET) continue;
        buf[r] = 0;
        if (c->out) control_handle(c, buf, (size_t)r, &from);
    }
}

control *control_new(struct event_base *base, const struct sockaddr_in *bind_addr, char *err, size_t n)
{
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &bind_addr->sin_addr, ip, sizeof ip);
    control *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || bind(c->fd, (const struct sockaddr *)bind_addr, sizeof *bind_addr) != 0) {
        snprintf(err, n, "cannot listen for control on %s:%d: %s%s", ip, ntohs(bind_addr->sin_port), strerror(errno),
                 errno == EADDRINUSE ? " (another myofeedd running? pick another port with -o osc.control=...)" : "");
        if (c->fd >= 0) close(c->fd);
        free(c);
        return NULL;
    }
    c->tokens = REPLY_BURST;
    c->tokens_at = clock_mono_s();
    c->refused.interval_s = 30;
    c->dropped.interval_s = 10;
    c->ev = event_new(base, c->fd, EV_READ | EV_PERSIST, on_readable, c);
    if (!c->ev || event_add(c->ev, NULL) != 0) {
        snprintf(err, n, "cannot watch the control socket %s:%d (libevent); out of memory", ip,
                 ntohs(bind_addr->sin_port));
        control_free(c);
        return NULL;
    }
    return c;
}

void control_free(control *c)
{
    if (!c) return;
    if (c->ev) event_free(c->ev);
    if (c->fd >= 0) close(c->fd);
    free(c);
}

int control_fd(const control *c) { return c->fd; }

void control_configure(control *c, const config *cfg, const osc_addr *addr, subscribers *subs, osc_out *out,
                       control_ops ops, void *ctx)
{
    c->cfg = cfg;
    c->addr = addr;
    c->subs = subs;
    c->out = out;
    c->sys = (osc_sys){out, addr};
    c->ops = ops;
    c->ctx = ctx;
}

control_stats control_get_stats(const control *c) { return c->st; }

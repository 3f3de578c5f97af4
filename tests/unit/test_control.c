/* test_control.c: the control dispatcher over real loopback sockets: every well-formed message is
 * answered once with /emg/sys/ok or /emg/sys/error; malformed, unknown, wrong-typed, wildcard and
 * bundled messages change nothing; sources outside osc.allow get no answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <lo/lo.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "osc/control.h"
#include "osc/osc_addr.h"
#include "osc/osc_out.h"
#include "osc/subscribers.h"

typedef struct fixture {
    struct event_base *base;
    config *cfg;
    osc_addr addr;
    subscribers subs;
    osc_out out;
    control *ctl;
    int client;
    struct sockaddr_in client_addr, ctl_addr;
    int thr_calls, hello_calls, info_calls, reps_calls, cal_calls, cal_m, cal_kind;
    double cal_secs;
    int thr_m;
    double thr_on, thr_off;
} fixture;

static int op_threshold(void *ctx, int m, double on, double off, char *err, size_t n)
{
    fixture *f = ctx;
    f->thr_calls++;
    f->thr_m = m;
    f->thr_on = on;
    f->thr_off = off;
    if (on > 1000) {
        snprintf(err, n, "on %g is above what the detector accepts", on);
        return -1;
    }
    return 0;
}
static void op_hello(void *ctx, const struct sockaddr_in *to) { (void)to, ((fixture *)ctx)->hello_calls++; }
static void op_info(void *ctx, const struct sockaddr_in *to) { (void)to, ((fixture *)ctx)->info_calls++; }
static void op_reps(void *ctx, int m) { (void)m, ((fixture *)ctx)->reps_calls++; }
static int op_calibrate(void *ctx, int m, cal_kind kind, double secs, char *err, size_t n)
{
    fixture *f = ctx;
    f->cal_calls++;
    f->cal_m = m;
    f->cal_kind = kind;
    f->cal_secs = secs;
    (void)err, (void)n;
    return 0;
}
static int32_t op_t_ms(void *ctx)
{
    (void)ctx;
    return 1234;
}

static int setup(void **st)
{
    fixture *f = calloc(1, sizeof *f);
    diag d;
    diag_init(&d);
    f->cfg = config_load(NULL, NULL, 0, ".", &d);
    assert_non_null(f->cfg);
    /* port 0 is refused by the config check; bind to an ephemeral port here instead */
    f->cfg->osc.control.sin_port = 0;
    osc_addr_build(&f->addr, f->cfg);
    f->base = event_base_new();
    char err[300];
    f->ctl = control_new(f->base, &f->cfg->osc.control, err, sizeof err);
    assert_non_null(f->ctl);
    socklen_t l = sizeof f->ctl_addr;
    getsockname(control_fd(f->ctl), (struct sockaddr *)&f->ctl_addr, &l);
    osc_out_init(&f->out, control_fd(f->ctl), &f->subs);
    control_configure(f->ctl, f->cfg, &f->addr, &f->subs, &f->out,
                      (control_ops){op_threshold, op_hello, op_info, op_reps, op_calibrate, op_t_ms}, f);
    f->client = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(f->client, (struct sockaddr *)&a, sizeof a);
    l = sizeof f->client_addr;
    getsockname(f->client, (struct sockaddr *)&f->client_addr, &l);
    *st = f;
    return 0;
}

static int teardown(void **st)
{
    fixture *f = *st;
    control_free(f->ctl);
    config_free(f->cfg);
    event_base_free(f->base);
    close(f->client);
    free(f);
    return 0;
}

/* Builds a message with liblo: types string + values, like lo_send. */
static int build(char *buf, size_t cap, const char *path, const char *types, ...)
{
    lo_message m = lo_message_new();
    va_list ap;
    va_start(ap, types);
    for (const char *t = types; *t; t++) {
        if (*t == 'i')
            lo_message_add_int32(m, va_arg(ap, int));
        else if (*t == 'f')
            lo_message_add_float(m, (float)va_arg(ap, double));
        else if (*t == 's')
            lo_message_add_string(m, va_arg(ap, const char *));
        else if (*t == 'd')
            lo_message_add_double(m, va_arg(ap, double));
    }
    va_end(ap);
    size_t len = cap;
    lo_message_serialise(m, path, buf, &len);
    lo_message_free(m);
    return (int)len;
}

typedef struct reply {
    char path[128];
    char types[16];
    char s[3][256];
    int i[3];
    int ns, ni;
} reply;

/* Reads the next datagram for the client within 500 ms; returns 0 or -1 (none). */
static int next_reply(fixture *f, reply *r)
{
    memset(r, 0, sizeof *r);
    struct pollfd p = {f->client, POLLIN, 0};
    if (poll(&p, 1, 500) != 1) return -1;
    char buf[2048];
    ssize_t n = recv(f->client, buf, sizeof buf, 0);
    assert_true(n > 0);
    assert_true(n <= OSC_MAX_DATAGRAM);
    int res;
    lo_message m = lo_message_deserialise(buf, (size_t)n, &res);
    assert_non_null(m);
    snprintf(r->path, sizeof r->path, "%s", buf);
    snprintf(r->types, sizeof r->types, "%s", lo_message_get_types(m));
    lo_arg **a = lo_message_get_argv(m);
    for (int k = 0; r->types[k]; k++) {
        assert_true(strchr("ifs", r->types[k]) != NULL); /* only f, i, s on the wire */
        /* lo_arg pointers are only 4-byte aligned: copy, never dereference the union */
        if (r->types[k] == 's' && r->ns < 3) snprintf(r->s[r->ns++], 256, "%s", (const char *)a[k]);
        if (r->types[k] == 'i' && r->ni < 3) memcpy(&r->i[r->ni++], a[k], sizeof(int32_t));
    }
    lo_message_free(m);
    return 0;
}

static void no_more_replies(fixture *f)
{
    struct pollfd p = {f->client, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 50), 0);
}

static void send_raw(fixture *f, const char *buf, size_t len) { control_handle(f->ctl, buf, len, &f->client_addr); }

/* Sends and expects exactly one /emg/sys/error with this code. */
static void expect_error(fixture *f, const char *buf, size_t len, const char *code)
{
    send_raw(f, buf, len);
    reply r;
    assert_int_equal(next_reply(f, &r), 0);
    assert_string_equal(r.path, "/emg/sys/error");
    assert_string_equal(r.types, "sss");
    if (strcmp(r.s[1], code) != 0) fail_msg("wanted code %s, got %s (%s)", code, r.s[1], r.s[2]);
    assert_true(strlen(r.s[2]) > 10); /* a message a person can act on */
    no_more_replies(f);
}

static void expect_ok(fixture *f, const char *path)
{
    reply r;
    assert_int_equal(next_reply(f, &r), 0);
    assert_string_equal(r.path, "/emg/sys/ok");
    assert_string_equal(r.s[0], path);
}

static void test_ping_gets_pong_and_ok(void **st)
{
    fixture *f = *st;
    char b[256];
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/ping", "i", 77));
    reply r;
    assert_int_equal(next_reply(f, &r), 0);
    assert_string_equal(r.path, "/emg/sys/pong");
    assert_string_equal(r.types, "ii");
    assert_int_equal(r.i[0], 77);
    assert_int_equal(r.i[1], 1234);
    expect_ok(f, "/emg/ctl/ping");
    /* a float token that is a whole number is accepted (osc.js sends numbers as f) */
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/ping", "f", 5.0));
    assert_int_equal(next_reply(f, &r), 0);
    assert_int_equal(r.i[0], 5);
    expect_ok(f, "/emg/ctl/ping");
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/ping", ""));
    assert_int_equal(next_reply(f, &r), 0);
    expect_ok(f, "/emg/ctl/ping");
    no_more_replies(f);
}

static void test_unknown_and_foreign_paths_are_errors(void **st)
{
    fixture *f = *st;
    char b[256];
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/nope", ""), "unknown_path");
    expect_error(f, b, (size_t)build(b, sizeof b, "/other/ctl/ping", ""), "unknown_path");
    /* session messages: their text is checked here, before the daemon sees it */
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/session/marker", "s", ""), "bad_arguments");
    expect_error(
        f, b, (size_t)build(b, sizeof b, "/emg/ctl/session/marker", "s", "0123456789012345678901234567890123456789x"),
        "bad_arguments");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/session/start", "s", "a\tb"), "bad_arguments");
    /* no session op in this fixture: a clear refusal */
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/session/start", "s", "x"), "not_running");
}

static void test_wildcards_are_refused_and_change_nothing(void **st)
{
    fixture *f = *st;
    char b[256];
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/*", "sf", "all", 10.0), "wildcard");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/thresh?ld", "sf", "all", 10.0), "wildcard");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/{threshold,ping}", "sf", "all", 10.0), "wildcard");
    assert_int_equal(f->thr_calls, 0);
}

static void test_wrong_types_are_refused_and_change_nothing(void **st)
{
    fixture *f = *st;
    char b[256];
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/threshold", "is", 10, "all"), "bad_arguments");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/threshold", "sfff", "all", 1.0, 1.0, 1.0), "bad_arguments");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/ping", "s", "x"), "bad_arguments");
    /* whole floats beyond int32 are not integers (found by fuzz_control) */
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/ping", "f", 6.04466e23), "bad_arguments");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", "f", -3e9), "bad_arguments");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/info", "i", 1), "bad_arguments");
    assert_int_equal(f->thr_calls, 0);
}

static void test_threshold_checks_muscle_and_values(void **st)
{
    fixture *f = *st;
    char b[256];
    /* (the "si" form above: an int where a float is meant is fine, so it is accepted, see below) */
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/threshold", "ss", "all", "high"), "bad_arguments");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/threshold", "f", 10.0), "bad_arguments");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/threshold", "sd", "all", 10.0), "bad_arguments");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/threshold", "sf", "biceps", 10.0), "unknown_muscle");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/threshold", "sff", "all", 10.0, 20.0), "out_of_range");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/threshold", "sf", "all", NAN), "out_of_range");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/threshold", "sf", "all", -3.0), "out_of_range");
    assert_int_equal(f->thr_calls, 0);
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/threshold", "sf", "all", 5000.0), "out_of_range");
    assert_int_equal(f->thr_calls, 1); /* the owner refused it */
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/threshold", "si", "glute_left", 20));
    expect_ok(f, "/emg/ctl/threshold");
    assert_int_equal(f->thr_m, 2);
    assert_true(f->thr_on == 20 && f->thr_off < 0);
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/threshold", "sff", "all", 30.0, 12.5));
    expect_ok(f, "/emg/ctl/threshold");
    assert_int_equal(f->thr_m, -1);
    assert_true(f->thr_on == 30 && f->thr_off == 12.5);
    no_more_replies(f);
}

static void test_malformed_packets_are_errors(void **st)
{
    fixture *f = *st;
    expect_error(f, "", 0, "malformed");
    expect_error(f, "hello world!", 12, "malformed");
    char b[256];
    int n = build(b, sizeof b, "/emg/ctl/threshold", "sf", "all", 10.0);
    expect_error(f, b, (size_t)n - 3, "malformed"); /* truncated */
    char bad_tag[] = "/emg/ctl/ping\0\0\0,x\0\0";
    expect_error(f, bad_tag, sizeof bad_tag - 1, "malformed");
    char bundle[32] = "#bundle";
    expect_error(f, bundle, sizeof bundle, "bundle");
    assert_int_equal(f->thr_calls, 0);
}

static void test_sources_outside_the_allow_list_get_nothing(void **st)
{
    fixture *f = *st;
    char b[256];
    int n = build(b, sizeof b, "/emg/ctl/threshold", "sf", "all", 10.0);
    struct sockaddr_in foreign = f->client_addr;
    inet_pton(AF_INET, "10.1.2.3", &foreign.sin_addr);
    control_handle(f->ctl, b, (size_t)n, &foreign);
    assert_int_equal(f->thr_calls, 0);
    assert_int_equal(control_get_stats(f->ctl).refused_source, 1);
    no_more_replies(f);
}

static void test_subscribe_forms_and_leases(void **st)
{
    fixture *f = *st;
    char b[256];
    reply r;
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", ""));
    expect_ok(f, "/emg/ctl/subscribe");
    assert_int_equal(next_reply(f, &r), 0);
    assert_string_equal(r.path, "/emg/sys/subscribed");
    assert_string_equal(r.types, "sii");
    assert_string_equal(r.s[0], "127.0.0.1");
    assert_int_equal(r.i[0], ntohs(f->client_addr.sin_port));
    assert_int_equal(r.i[1], 10);
    assert_int_equal(f->subs.n, 1);
    assert_int_equal(f->subs.s[0].profile, PROFILE_MUSCLES);
    assert_int_equal(f->hello_calls, 1);
    /* renewing with another profile keeps one entry and sends no second hello */
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", "s", "full"));
    expect_ok(f, "/emg/ctl/subscribe");
    assert_int_equal(next_reply(f, &r), 0);
    assert_int_equal(f->subs.n, 1);
    assert_int_equal(f->subs.s[0].profile, PROFILE_FULL);
    assert_int_equal(f->hello_calls, 1);
    /* another port on the same host, with a float port number */
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", "fs", 9999.0, "frame"));
    expect_ok(f, "/emg/ctl/subscribe");
    assert_int_equal(f->subs.n, 2);
    assert_int_equal(ntohs(f->subs.s[1].addr.sin_port), 9999);
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", "s", "everything"), "bad_arguments");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", "i", 0), "out_of_range");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", "f", 9000.5), "bad_arguments");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", "si", "8.8.8.8", 9000), "not_allowed");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", "si", "nowhere", 9000), "bad_arguments");
    assert_int_equal(f->subs.n, 2);
    /* unsubscribe */
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/unsubscribe", "i", 9999));
    expect_ok(f, "/emg/ctl/unsubscribe");
    assert_int_equal(f->subs.n, 1);
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/unsubscribe", "i", 9999), "not_subscribed");
    /* leases expire */
    assert_int_equal(subs_expire(&f->subs, f->subs.s[0].expires_s - 0.1), 0);
    assert_int_equal(subs_expire(&f->subs, f->subs.s[0].expires_s + 0.1), 1);
    assert_int_equal(f->subs.n, 0);
}

static void test_subscriber_table_has_a_limit(void **st)
{
    fixture *f = *st;
    char b[256];
    /* one socket: SUBS_PER_OWNER subscriptions, then too_many */
    for (int i = 0; i < SUBS_PER_OWNER; i++) {
        int n = build(b, sizeof b, "/emg/ctl/subscribe", "i", 20000 + i);
        send_raw(f, b, (size_t)n);
        expect_ok(f, "/emg/ctl/subscribe");
    }
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", "i", 29999), "too_many");
    /* many sockets fill the table, then full */
    struct sockaddr_in other = f->client_addr;
    for (int i = SUBS_PER_OWNER; i < SUBS_MAX; i++) {
        other.sin_port = htons((uint16_t)(40000 + i));
        int n = build(b, sizeof b, "/emg/ctl/subscribe", "");
        control_handle(f->ctl, b, (size_t)n, &other);
    }
    assert_int_equal(f->subs.n, SUBS_MAX);
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", ""), "full");
    assert_int_equal(f->subs.n, SUBS_MAX);
}

/* The stream goes only where it was asked for; a client removes only its own; state changes need osc.admin; a
 * flooding source loses its own replies, not another's. */
static void test_control_cannot_be_abused(void **st)
{
    fixture *f = *st;
    char b[256];
    /* another host: not in osc.subscribe_hosts (loopback only) */
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", "si", "10.9.8.7", 9000), "not_allowed");
    assert_int_equal(f->subs.n, 0);
    /* another client's subscription cannot be removed (nor taken over) */
    struct sockaddr_in other = f->client_addr;
    other.sin_port = htons(41234);
    int n = build(b, sizeof b, "/emg/ctl/subscribe", "");
    control_handle(f->ctl, b, (size_t)n, &other);
    assert_int_equal(f->subs.n, 1);
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/unsubscribe", "i", 41234), "not_yours");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/subscribe", "i", 41234), "not_yours");
    assert_int_equal(f->subs.n, 1);
    /* in osc.allow (127.0.0.0/8) but not osc.admin (127.0.0.1/32): may ping, may not change thresholds */
    struct sockaddr_in reader = f->client_addr;
    inet_pton(AF_INET, "127.0.0.2", &reader.sin_addr);
    control_stats before = control_get_stats(f->ctl);
    n = build(b, sizeof b, "/emg/ctl/ping", "");
    control_handle(f->ctl, b, (size_t)n, &reader);
    n = build(b, sizeof b, "/emg/ctl/threshold", "sf", "all", 10.0);
    control_handle(f->ctl, b, (size_t)n, &reader);
    control_stats after = control_get_stats(f->ctl);
    assert_int_equal(after.ok - before.ok, 1);
    assert_int_equal(after.errors - before.errors, 1);
    assert_int_equal(f->thr_calls, 0);
    /* a flood from one source: its replies stop after its burst; this client is still answered */
    n = build(b, sizeof b, "/emg/ctl/ping", "");
    for (int i = 0; i < 500; i++) control_handle(f->ctl, b, (size_t)n, &other);
    assert_true(control_get_stats(f->ctl).replies_dropped >= 300);
    send_raw(f, b, (size_t)n);
    reply r;
    assert_int_equal(next_reply(f, &r), 0);
    assert_string_equal(r.path, "/emg/sys/pong");
    expect_ok(f, "/emg/ctl/ping");
}

static void test_calibration_requests(void **st)
{
    fixture *f = *st;
    char b[256];
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/calibrate/rest", "s", "all"));
    expect_ok(f, "/emg/ctl/calibrate/rest");
    assert_true(f->cal_m == -1 && f->cal_kind == CAL_REST && f->cal_secs == 5.0);
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/calibrate/mvc", "si", "glute_right", 3));
    expect_ok(f, "/emg/ctl/calibrate/mvc");
    assert_true(f->cal_m == 3 && f->cal_kind == CAL_MVC && f->cal_secs == 3.0);
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/calibrate/mvc", "sf", "glute_right", 0.5), "out_of_range");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/calibrate/mvc", "s", "neck"), "unknown_muscle");
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/calibrate/cancel", ""));
    expect_ok(f, "/emg/ctl/calibrate/cancel");
    assert_true(f->cal_kind == CAL_NONE && f->cal_calls == 3);
}

static void test_info_and_reps_reset(void **st)
{
    fixture *f = *st;
    char b[256];
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/info", ""));
    expect_ok(f, "/emg/ctl/info");
    assert_int_equal(f->info_calls, 1);
    send_raw(f, b, (size_t)build(b, sizeof b, "/emg/ctl/reps/reset", "s", "all"));
    expect_ok(f, "/emg/ctl/reps/reset");
    expect_error(f, b, (size_t)build(b, sizeof b, "/emg/ctl/reps/reset", "s", "knee"), "unknown_muscle");
    assert_int_equal(f->reps_calls, 1);
}

static void test_messages_arrive_over_the_socket(void **st)
{
    fixture *f = *st;
    char b[256];
    int n = build(b, sizeof b, "/emg/ctl/ping", "i", 9);
    sendto(f->client, b, (size_t)n, 0, (struct sockaddr *)&f->ctl_addr, sizeof f->ctl_addr);
    usleep(20000);
    event_base_loop(f->base, EVLOOP_NONBLOCK);
    reply r;
    assert_int_equal(next_reply(f, &r), 0);
    assert_string_equal(r.path, "/emg/sys/pong");
    assert_int_equal(r.i[0], 9);
    expect_ok(f, "/emg/ctl/ping");
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_ping_gets_pong_and_ok),
        T(test_unknown_and_foreign_paths_are_errors),
        T(test_wildcards_are_refused_and_change_nothing),
        T(test_wrong_types_are_refused_and_change_nothing),
        T(test_threshold_checks_muscle_and_values),
        T(test_malformed_packets_are_errors),
        T(test_sources_outside_the_allow_list_get_nothing),
        T(test_subscribe_forms_and_leases),
        T(test_subscriber_table_has_a_limit),
        T(test_control_cannot_be_abused),
        T(test_calibration_requests),
        T(test_info_and_reps_reset),
        T(test_messages_arrive_over_the_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

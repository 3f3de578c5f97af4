/* test_osc_out.c: osc_out over real loopback sockets. Outside a tick a message goes at once to every target whose
 * profile wants it; inside a tick a plain target gets one message per datagram, a bundled one bundles with the
 * immediate timetag, never over 1400 bytes, in order, nothing lost (also past the batch's arena, and a message too
 * long for any bundle); datagrams leave through sendmmsg, far fewer calls than datagrams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <lo/lo.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osc/osc_out.h"
#include "osc/subscribers.h"

#define N_RX 3

typedef struct fixture {
    int tx;
    int rx[N_RX]; /* 0: plain muscles, 1: muscles+bundle, 2: frame+bundle */
    struct sockaddr_in rx_addr[N_RX];
    subscribers subs;
    osc_out out;
} fixture;

static int bound_socket(struct sockaddr_in *a)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    *a = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)a, sizeof *a), 0);
    socklen_t n = sizeof *a;
    getsockname(fd, (struct sockaddr *)a, &n);
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    return fd;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    struct sockaddr_in a;
    f->tx = bound_socket(&a);
    const int profiles[N_RX] = {PROFILE_MUSCLES, PROFILE_MUSCLES + PROFILE_N_CONTENT,
                                PROFILE_FRAME + PROFILE_N_CONTENT};
    for (int i = 0; i < N_RX; i++) {
        f->rx[i] = bound_socket(&a);
        f->rx_addr[i] = a;
        assert_int_equal(subs_add(&f->subs, &a, &a, profiles[i], 0, 1e9), 0);
    }
    osc_out_init(&f->out, f->tx, &f->subs);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    close(f->tx);
    for (int i = 0; i < N_RX; i++) close(f->rx[i]);
    free(f);
    return 0;
}

/* What one socket received: the messages' paths in order, and datagram facts. */
typedef struct got {
    int n_dgrams, n_bundles, n_msgs, max_len;
    char paths[4096][48];
} got;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void take_message(got *g, const unsigned char *p, size_t n)
{
    assert_true(n >= 4 && p[0] == '/');
    assert_true(g->n_msgs < 4096);
    snprintf(g->paths[g->n_msgs++], sizeof g->paths[0], "%.*s", (int)strnlen((const char *)p, n), (const char *)p);
}

static void drain(int fd, got *g)
{
    memset(g, 0, sizeof *g);
    unsigned char buf[65536];
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) break;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        g->n_dgrams++;
        if (n > g->max_len) g->max_len = (int)n;
        if (n >= 8 && memcmp(buf, "#bundle", 8) == 0) {
            g->n_bundles++;
            assert_true(n >= 16);
            assert_int_equal(be32(buf + 8), 0);
            assert_int_equal(be32(buf + 12), 1); /* immediately */
            for (ssize_t i = 16; i < n;) {
                uint32_t len = be32(buf + i);
                assert_true(len > 0 && len % 4 == 0 && i + 4 + (ssize_t)len <= n);
                take_message(g, buf + i + 4, len);
                i += 4 + (ssize_t)len;
            }
        } else {
            take_message(g, buf, (size_t)n);
        }
    }
}

/* A tick of n_muscles: /frame/act (TO_ALL) and four per-muscle messages (TO_MUSCLES | TO_FULL). */
static void one_tick(osc_out *o, int n_muscles)
{
    osc_out_tick_begin(o);
    osc_out_send(o, TO_ALL, "/emg/frame/act", osc_msg("f", 0.5));
    for (int m = 0; m < n_muscles; m++) {
        static const char *const leaf[4] = {"act", "env", "active", "hold"};
        for (int k = 0; k < 4; k++) {
            char path[64];
            snprintf(path, sizeof path, "/emg/m%03d_semitendinosus/%s", m, leaf[k]);
            osc_out_send(o, TO_MUSCLES | TO_FULL, path, k == 2 ? osc_msg("i", 1) : osc_msg("f", 0.25 * m));
        }
    }
    osc_out_tick_end(o);
}

static void check_tick(const got *g, int n_muscles, int from)
{
    assert_string_equal(g->paths[from], "/emg/frame/act");
    for (int m = 0; m < n_muscles; m++) {
        char want[64];
        snprintf(want, sizeof want, "/emg/m%03d_semitendinosus/act", m);
        assert_string_equal(g->paths[from + 1 + 4 * m], want);
    }
}

static void test_outside_a_tick_one_datagram_each(void **state)
{
    fixture *f = *state;
    osc_out_send(&f->out, TO_ALL, "/emg/m/onset", osc_msg("ii", 1, 2000));
    osc_out_send(&f->out, TO_MUSCLES, "/emg/m/act", osc_msg("f", 0.5));
    got *g = malloc(sizeof *g);
    for (int i = 0; i < N_RX; i++) {
        drain(f->rx[i], g);
        assert_int_equal(g->n_bundles, 0); /* events are never held for a bundle */
        assert_int_equal(g->n_msgs, i == 2 ? 1 : 2);
        assert_string_equal(g->paths[0], "/emg/m/onset");
    }
    free(g);
    assert_int_equal(f->out.sent, 5);
    assert_true(f->out.calls <= 2);
}

static void test_a_tick_is_plain_or_bundled_by_profile(void **state)
{
    fixture *f = *state;
    const int nm = 32, msgs = 1 + 4 * nm;
    one_tick(&f->out, nm);
    got *g = malloc(sizeof *g);
    drain(f->rx[0], g); /* plain: a datagram per message */
    assert_int_equal(g->n_bundles, 0);
    assert_int_equal(g->n_dgrams, msgs);
    check_tick(g, nm, 0);
    drain(f->rx[1], g); /* muscles+bundle: every message, in order, in bundles of <= 1400 bytes */
    assert_int_equal(g->n_msgs, msgs);
    assert_int_equal(g->n_bundles, g->n_dgrams);
    assert_true(g->n_bundles >= 3 && g->n_bundles <= 6);
    assert_true(g->max_len <= OSC_MAX_DATAGRAM);
    check_tick(g, nm, 0);
    drain(f->rx[2], g); /* frame+bundle: /frame/act only */
    assert_int_equal(g->n_msgs, 1);
    assert_int_equal(g->n_bundles, 1);
    free(g);
    /* 129 + about 4 + 1 datagrams in a few sendmmsg calls */
    assert_true(f->out.sent >= (uint64_t)msgs + 4);
    assert_true(f->out.calls <= 4);
    assert_int_equal(f->out.failed, 0);
}

static void test_past_the_arena_nothing_is_lost(void **state)
{
    fixture *f = *state;
    const int nm = 400; /* 1601 messages: more than OSC_BATCH_MSGS, flushed early */
    /* only the bundled targets: 1601 datagrams to a plain one would overflow a loopback socket's buffer */
    assert_int_equal(subs_remove(&f->subs, &f->rx_addr[0], &f->rx_addr[0]), 0);
    one_tick(&f->out, nm);
    got *g = malloc(sizeof *g);
    drain(f->rx[1], g);
    assert_int_equal(g->n_msgs, 1 + 4 * nm);
    assert_true(g->max_len <= OSC_MAX_DATAGRAM);
    check_tick(g, nm, 0);
    free(g);
}

static void test_a_message_too_long_for_a_bundle_goes_plain(void **state)
{
    fixture *f = *state;
    char big[1370];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    osc_out_tick_begin(&f->out);
    osc_out_send(&f->out, TO_ALL, "/emg/frame/act", osc_msg("f", 0.5));
    osc_out_send(&f->out, TO_MUSCLES, "/emg/big", osc_msg("s", big)); /* 1384 bytes: 1404 in a bundle */
    osc_out_tick_end(&f->out);
    got *g = malloc(sizeof *g);
    drain(f->rx[1], g);
    assert_int_equal(g->n_msgs, 2);
    assert_int_equal(g->n_dgrams, 2);
    assert_int_equal(g->n_bundles, 1);
    assert_true(g->max_len <= OSC_MAX_DATAGRAM);
    free(g);
    assert_int_equal(f->out.oversize, 0);
}

/* The one-argument encoder writes what liblo writes, for every path length mod 4. */
static void test_the_fast_encoder_equals_liblo(void **state)
{
    fixture *f = *state;
    static const char *const paths[] = {"/emg/a/act", "/emg/ab/act", "/emg/abc/act", "/emg/abcd/act"};
    for (int k = 0; k < 4; k++) {
        for (int type = 0; type < 2; type++) {
            unsigned char mine[256], theirs[256];
            if (type == 0) {
                osc_out_send_f(&f->out, TO_FRAME, paths[k], 0.3719);
                osc_out_send(&f->out, TO_FRAME, paths[k], osc_msg("f", 0.3719));
            } else {
                osc_out_send_i(&f->out, TO_FRAME, paths[k], -7);
                osc_out_send(&f->out, TO_FRAME, paths[k], osc_msg("i", -7));
            }
            ssize_t a = recv(f->rx[2], mine, sizeof mine, 0), b = recv(f->rx[2], theirs, sizeof theirs, 0);
            assert_true(a > 0);
            assert_int_equal(a, b);
            assert_memory_equal(mine, theirs, (size_t)a);
        }
    }
}

/* A message that cannot fit a datagram is refused and counted, from either encoder, and nothing goes out. */
static void test_an_oversize_message_is_refused(void **state)
{
    fixture *f = *state;
    char path[1500];
    memset(path, 'a', sizeof path - 1);
    path[0] = '/';
    path[sizeof path - 1] = 0;
    assert_int_equal(osc_out_send_f(&f->out, TO_ALL, path, 0.5), -1);
    assert_int_equal(osc_out_send_i(&f->out, TO_ALL, path, 1), -1);
    assert_int_equal(osc_out_send(&f->out, TO_ALL, path, osc_msg("f", 0.5)), -1);
    assert_int_equal(f->out.oversize, 3);
    assert_int_equal(f->out.sent, 0);
    got *g = malloc(sizeof *g);
    drain(f->rx[0], g);
    assert_int_equal(g->n_dgrams, 0);
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_outside_a_tick_one_datagram_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_tick_is_plain_or_bundled_by_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_past_the_arena_nothing_is_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_message_too_long_for_a_bundle_goes_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_fast_encoder_equals_liblo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_oversize_message_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_decoders.c: the four decoder plugins through the public ABI: the reference byte examples of
 * ../shared/reference/serial-protocols.md, byte streams split at every position, garbage before the
 * first frame, counter gaps filled with NaN, 1 % random corruption, Daisy pairing, BITalino's lock rule,
 * ASCII banners and bad lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "config/params.h"
#include "host/plugin_host.h"
#include "mfdsp/frame_check.h"
#include "wire.h"

static plugin_host *host;

static void *make(const mf_plugin **pp, const char *name, ...)
{
    char err[600];
    const mf_plugin *p = plugin_host_get(host, name, err, sizeof err);
    if (!p) fail_msg("%s", err);
    double v[PARAMS_MAX];
    for (uint32_t i = 0; i < p->n_params; i++) v[i] = p->params[i].def;
    va_list ap;
    va_start(ap, name);
    const char *key;
    while ((key = va_arg(ap, const char *))) v[params_index(p, key)] = va_arg(ap, double);
    va_end(ap);
    mf_error e = {{0}};
    void *d = p->create(plugin_host_api(host, p), 250, v, &e);
    if (!d) fail_msg("%s: %s", name, e.msg);
    *pp = p;
    return d;
}

#define MAXF 4096

typedef struct got {
    uint32_t n;
    double f[MAXF][16];
} got;

/* Feeds bytes in chunks of `chunk` (0: all at once), collecting frames. */
static void feed(const mf_plugin *p, void *d, const uint8_t *b, size_t n, size_t chunk, got *g)
{
    uint32_t nc = p->decoder->channels(d);
    double out[64 * 16];
    size_t i = 0;
    while (i < n) {
        size_t len = chunk ? (n - i < chunk ? n - i : chunk) : n - i;
        size_t used = 0;
        while (used < len) { /* the host calls again while the output was full */
            uint32_t nf = 0;
            size_t c = p->decoder->decode(d, b + i + used, len - used, out, 64, &nf);
            for (uint32_t k = 0; k < nf && g->n < MAXF; k++) memcpy(g->f[g->n++], out + k * nc, sizeof(double) * nc);
            used += c;
            if (c == 0 && nf == 0) fail_msg("decoder made no progress");
        }
        i += len;
    }
}

/* The decoders hold back the first FC_WARM frames of a stream while they learn each channel's step size
 * (mfdsp/frame_check.h): feeds FC_WARM more frames of the values v (counters from `counter`) so that all before
 * come out. */
static void feed_tail(const mf_plugin *p, void *d, enum wire_format f, int nc, uint32_t counter, const double *v,
                      got *g)
{
    uint8_t b[FC_WARM * 80];
    size_t n = 0;
    for (uint32_t k = 0; k < FC_WARM; k++) n += wire_encode(f, nc, v, counter + k, b + n);
    feed(p, d, b, n, 0, g);
}

static void test_cyton_reference_packet(void **st)
{
    (void)st;
    const uint8_t pkt[] = {0xA0, 0x2A, 0x00, 0x03, 0xE8, 0xFF, 0xFC, 0x18, 0x00, 0x00, 0x00,
                           0x7F, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF,
                           0xFF, 0x00, 0xAE, 0xC3, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xC0};
    const double want[8] = {22.3517, -22.3517, 0, 187500.0, -187500.0, 0.0224, -0.0224, 999.995};
    const mf_plugin *p;
    void *d = make(&p, "openbci-cyton", (const char *)NULL);
    static got g;
    g.n = 0;
    feed(p, d, pkt, sizeof pkt, 0, &g);
    feed_tail(p, d, WIRE_CYTON, 8, 0x2B, want, &g);
    assert_int_equal(g.n, 1 + FC_WARM);
    for (int c = 0; c < 8; c++)
        if (fabs(g.f[0][c] - want[c]) > 1e-3 + 1e-6 * fabs(want[c]))
            fail_msg("ch%d %g != %g", c + 1, g.f[0][c], want[c]);
    p->destroy(d);
}

/* n frames of a ramp in `fmt`, returning the byte count */
static size_t stream(enum wire_format fmt, int nc, int frames, uint32_t first, uint8_t *out, double (*vals)[16])
{
    size_t len = 0;
    for (int i = 0; i < frames; i++) {
        double v[16];
        for (int c = 0; c < nc; c++) v[c] = (c + 1) * 10.0 * sin((first + i) * 0.3 + c);
        if (vals) memcpy(vals[i], v, sizeof v);
        len += wire_encode(fmt, nc, v, first + (uint32_t)i, out + len);
    }
    return len;
}

/* one step of each format's resolution (BITalino channels 5-6 are 6-bit) */
static double tol_ch(enum wire_format f, int c)
{
    return f == WIRE_CYTON || f == WIRE_CYTON_DAISY ? 0.03
           : f == WIRE_P2                           ? 1.0
           : f == WIRE_BITALINO                     ? (c < 4 ? 3.3 : 52)
                                                    : 0.51;
}
#define tol_of(f) tol_ch((f), 0)

static void *decoder_for(enum wire_format f, const mf_plugin **p, int nc)
{
    switch (f) {
    case WIRE_CYTON: return make(p, "openbci-cyton", (const char *)NULL);
    case WIRE_CYTON_DAISY: return make(p, "openbci-cyton", "daisy", 1.0, (const char *)NULL);
    case WIRE_P2: return make(p, "openeeg-p2", "channels", (double)nc, (const char *)NULL);
    case WIRE_BITALINO: return make(p, "bitalino", "channels", (double)nc, (const char *)NULL);
    case WIRE_ASCII: return make(p, "ascii", "channels", (double)nc, "offset", 512.0, (const char *)NULL);
    }
    return NULL;
}

static const struct {
    enum wire_format f;
    int nc;
} formats[] = {
    {WIRE_CYTON, 8},    {WIRE_CYTON_DAISY, 16}, {WIRE_P2, 6},       {WIRE_P2, 2},    {WIRE_BITALINO, 1},
    {WIRE_BITALINO, 3}, {WIRE_BITALINO, 4},     {WIRE_BITALINO, 6}, {WIRE_ASCII, 1}, {WIRE_ASCII, 3},
};

static void test_streams_split_at_every_position_decode_the_same(void **st)
{
    (void)st;
    static uint8_t buf[1 << 16];
    static double vals[64][16];
    static got g;
    for (size_t t = 0; t < sizeof formats / sizeof formats[0]; t++) {
        enum wire_format f = formats[t].f;
        int nc = formats[t].nc;
        size_t pre = 0;
        if (f == WIRE_ASCII) { /* a partial line first, as after opening a port */
            memcpy(buf, "12,3\r\n", 6);
            pre = 6;
        }
        size_t n = pre + stream(f, nc, 12 + FC_WARM, 5, buf + pre, vals); /* 12, and the tail they wait for */
        for (size_t split = 0; split <= n; split++) {
            const mf_plugin *p;
            void *d = decoder_for(f, &p, nc);
            g.n = 0;
            feed(p, d, buf, split, 0, &g);
            feed(p, d, buf + split, n - split, 0, &g);
            if (g.n != 12 + FC_WARM) fail_msg("format %d/%d ch split at %zu: %u frames", f, nc, split, g.n);
            for (int i = 0; i < 12 + FC_WARM; i++)
                for (int c = 0; c < nc; c++)
                    if (fabs(g.f[i][c] - vals[i][c]) > tol_ch(f, c))
                        fail_msg("format %d frame %d ch %d: %g != %g", f, i, c, g.f[i][c], vals[i][c]);
            p->destroy(d);
        }
        /* and byte by byte */
        const mf_plugin *p;
        void *d = decoder_for(f, &p, nc);
        g.n = 0;
        feed(p, d, buf, n, 1, &g);
        assert_int_equal(g.n, 12 + FC_WARM);
        p->destroy(d);
    }
}

static void test_garbage_before_the_first_frame_is_skipped(void **st)
{
    (void)st;
    static uint8_t buf[1 << 16];
    static got g;
    for (size_t t = 0; t < sizeof formats / sizeof formats[0]; t++) {
        enum wire_format f = formats[t].f;
        int nc = formats[t].nc;
        uint64_t s = 1234 + t;
        size_t pre = 300;
        for (size_t i = 0; i < pre; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            buf[i] = (uint8_t)(s >> 56);
        }
        if (f == WIRE_ASCII) buf[pre - 1] = '\n';
        memcpy(buf + 100, "\xA0\xA5\x5A\x02OpenBCI V3$$$", 17); /* header bytes inside the noise */
        size_t n = pre + stream(f, nc, 50, 0, buf + pre, NULL);
        const mf_plugin *p;
        void *d = decoder_for(f, &p, nc);
        g.n = 0;
        feed(p, d, buf, n, 7, &g);
        /* every real frame, and at most a couple of false ones from the noise */
        /* BITalino may give up to 3 frames for its lock rule */
        if (g.n < (f == WIRE_BITALINO ? 47u : 50u) || g.n > 53) fail_msg("format %d: %u frames from 50", f, g.n);
        mf_decoder_stats ds;
        p->decoder->stats(d, &ds);
        assert_true(ds.frames_ok >= (f == WIRE_BITALINO ? 47 : 50));
        assert_int_equal(ds.bytes, n);
        p->destroy(d);
    }
}

static void test_counter_gaps_become_nan_frames(void **st)
{
    (void)st;
    static uint8_t buf[1 << 16];
    static got g;
    const enum wire_format fs[] = {WIRE_CYTON, WIRE_P2, WIRE_BITALINO};
    const int ncs[] = {8, 6, 2};
    for (int t = 0; t < 3; t++) {
        size_t a = stream(fs[t], ncs[t], 10, 0, buf, NULL);
        size_t b = stream(fs[t], ncs[t], 10, 13, buf + a, NULL); /* frames 10, 11, 12 lost */
        const mf_plugin *p;
        void *d = decoder_for(fs[t], &p, ncs[t]);
        g.n = 0;
        feed(p, d, buf, a + b, 5, &g);
        if (g.n != 23) fail_msg("format %d: %u frames, want 20 + 3 lost", fs[t], g.n);
        for (int i = 0; i < 23; i++) assert_true((i >= 10 && i < 13) == isnan(g.f[i][0]));
        mf_decoder_stats ds;
        p->decoder->stats(d, &ds);
        assert_int_equal(ds.samples_lost, 3);
        p->destroy(d);
    }
}

static void test_one_percent_corruption_keeps_the_clean_frames(void **st)
{
    (void)st;
    static uint8_t buf[1 << 18];
    static double vals[2000][16];
    static got g;
    const enum wire_format fs[] = {WIRE_CYTON, WIRE_P2, WIRE_BITALINO, WIRE_ASCII};
    const int ncs[] = {8, 6, 4, 2};
    for (int t = 0; t < 4; t++) {
        size_t off[2001];
        size_t n = 0;
        for (int i = 0; i < 2000; i++) { /* values that differ between neighbours by >= 4 steps */
            off[i] = n;
            for (int c = 0; c < ncs[t]; c++) vals[i][c] = ((i * 7 + c * 13) % 64 - 32) * 4 * tol_ch(fs[t], c);
            n += wire_encode(fs[t], ncs[t], vals[i], (uint32_t)i, buf + n);
        }
        off[2000] = n;
        /* corrupt 1 % of the bytes; remember which frames stay clean */
        static char dirty[2000];
        memset(dirty, 0, sizeof dirty);
        uint64_t s = 77 + (uint64_t)t;
        int frame = 0;
        for (size_t i = 0; i < n; i++) {
            while (i >= off[frame + 1]) frame++;
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            if ((s >> 40) % 100 == 0) {
                buf[i] ^= (uint8_t)(1 + (s >> 33) % 255);
                dirty[frame] = 1;
            }
        }
        int clean = 0;
        for (int i = 0; i < 2000; i++) clean += !dirty[i];
        const mf_plugin *p;
        void *d = decoder_for(fs[t], &p, ncs[t]);
        g.n = 0;
        feed(p, d, buf, n, 64, &g);
        /* count clean frames whose values come out (in order) */
        int found = 0, k = 0;
        for (int i = 0; i < 2000 && k < (int)g.n; i++) {
            if (dirty[i]) continue;
            for (int j = k; j < (int)g.n && j < k + 40; j++)
                if (fabs(g.f[j][0] - vals[i][0]) <= tol_of(fs[t]) &&
                    fabs(g.f[j][ncs[t] - 1] - vals[i][ncs[t] - 1]) <= tol_of(fs[t])) {
                    found++;
                    k = j + 1;
                    break;
                }
        }
        mf_decoder_stats ds;
        p->decoder->stats(d, &ds);
        printf("format %d: %d of %d clean frames decoded; ok %llu bad %llu resyncs %llu lost %llu\n", fs[t], found,
               clean, (unsigned long long)ds.frames_ok, (unsigned long long)ds.frames_bad,
               (unsigned long long)ds.resyncs, (unsigned long long)ds.samples_lost);
        /* a 4-bit CRC needs a lock rule (3 consecutive frames), which costs BITalino a few clean frames */
        assert_true(found >= clean * (fs[t] == WIRE_BITALINO ? 0.97 : 0.98));
        assert_true(ds.frames_bad > 0 || fs[t] == WIRE_ASCII);
        p->destroy(d);
    }
}

static void test_daisy_pairs_board_and_daisy_packets(void **st)
{
    (void)st;
    static uint8_t buf[4096];
    static got g;
    double v[16];
    for (int c = 0; c < 16; c++) v[c] = c * 100.0;
    size_t n = wire_encode(WIRE_CYTON_DAISY, 16, v, 0, buf);
    n += wire_encode(WIRE_CYTON_DAISY, 16, v, 1, buf + n);
    /* a lone daisy (even) packet without its board half is dropped */
    size_t m = wire_encode(WIRE_CYTON_DAISY, 16, v, 2, buf + n) - 33;
    memmove(buf + n, buf + n + 33, m);
    n += m;
    n += wire_encode(WIRE_CYTON_DAISY, 16, v, 3, buf + n);
    const mf_plugin *p;
    void *d = make(&p, "openbci-cyton", "daisy", 1.0, (const char *)NULL);
    assert_int_equal(p->decoder->channels(d), 16);
    g.n = 0;
    feed(p, d, buf, n, 0, &g);
    feed_tail(p, d, WIRE_CYTON_DAISY, 16, 4, v, &g);
    assert_int_equal(g.n, 4 + FC_WARM); /* frames 0, 1 and 3, frame 2 lost */
    assert_true(isnan(g.f[2][0]));
    for (int c = 0; c < 16; c++) assert_true(fabs(g.f[3][c] - c * 100.0) < 0.03);
    p->destroy(d);
}

static void test_reference_frames_of_p2_and_bitalino(void **st)
{
    (void)st;
    static got g;
    const uint8_t p2pkt[] = {0xA5, 0x5A, 0x02, 0x07, 0x02, 0x00, 0x03, 0xFF, 0x00,
                             0x00, 0x02, 0x58, 0x02, 0x00, 0x02, 0x00, 0x01};
    const mf_plugin *p;
    void *d = make(&p, "openeeg-p2", (const char *)NULL);
    g.n = 0;
    feed(p, d, p2pkt, sizeof p2pkt, 0, &g);
    const double sc = 5.0 / 1024 / 2848 * 1e6;
    const double p2v[6] = {0, 511 * sc, -512 * sc, 88 * sc, 0, 0};
    feed_tail(p, d, WIRE_P2, 6, 8, p2v, &g);
    assert_int_equal(g.n, 1 + FC_WARM);
    assert_true(fabs(g.f[0][0]) < 1e-9 && fabs(g.f[0][1] - 511 * sc) < 1e-9 && fabs(g.f[0][2] + 512 * sc) < 1e-9);
    assert_true(fabs(g.f[0][3] - 88 * sc) < 1e-9);
    p->destroy(d);
    /* BITalino: 1 channel A1 = 512 (0 uV), seq 5; 6 channels (512, 1023, 100, 700, 33, 63), seq 9. Each
       is repeated with consecutive sequence numbers because a lock needs 3 frames. */
    const uint8_t one[] = {0x00, 0x38, 0x53};
    const uint8_t six[] = {0x7F, 0xC8, 0x2B, 0x19, 0xFF, 0x03, 0x88, 0x92};
    d = make(&p, "bitalino", "channels", 1.0, (const char *)NULL);
    uint8_t s1[9];
    double zero = 0;
    wire_encode(WIRE_BITALINO, 1, &zero, 3, s1);
    wire_encode(WIRE_BITALINO, 1, &zero, 4, s1 + 3);
    memcpy(s1 + 6, one, 3); /* seq 5: the reference bytes */
    g.n = 0;
    feed(p, d, s1, 9, 0, &g);
    feed_tail(p, d, WIRE_BITALINO, 1, 6, &zero, &g);
    assert_int_equal(g.n, 3 + FC_WARM);
    assert_true(fabs(g.f[2][0]) < 1e-9);
    p->destroy(d);
    d = make(&p, "bitalino", "channels", 6.0, (const char *)NULL);
    uint8_t s6[24];
    double v6[6] = {0, 0, 0, 0, 0, 0};
    wire_encode(WIRE_BITALINO, 6, v6, 7, s6);
    wire_encode(WIRE_BITALINO, 6, v6, 8, s6 + 8);
    memcpy(s6 + 16, six, 8);
    g.n = 0;
    feed(p, d, s6, 24, 0, &g);
    const double bs = 3.3 / 1009 * 1e6;
    const double want[6] = {(512 / 1024.0 - 0.5) * bs, (1023 / 1024.0 - 0.5) * bs, (100 / 1024.0 - 0.5) * bs,
                            (700 / 1024.0 - 0.5) * bs, (33 / 64.0 - 0.5) * bs,     (63 / 64.0 - 0.5) * bs};
    feed_tail(p, d, WIRE_BITALINO, 6, 10, want, &g);
    assert_int_equal(g.n, 3 + FC_WARM);
    for (int c = 0; c < 6; c++)
        if (fabs(g.f[2][c] - want[c]) > 1e-6) fail_msg("bitalino ch%d %g != %g", c + 1, g.f[2][c], want[c]);
    p->destroy(d);
}

static void test_bitalino_locks_only_on_three_consecutive_frames(void **st)
{
    (void)st;
    static got g;
    uint8_t buf[64];
    const mf_plugin *p;
    void *d = make(&p, "bitalino", "channels", 1.0, (const char *)NULL);
    static const int seqs[] = {1, 9, 10, 11};
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        double v = seqs[i] * 97.0 - 600.0; /* distinct values, as a live signal has */
        n += wire_encode(WIRE_BITALINO, 1, &v, (uint32_t)seqs[i], buf + n);
    }
    g.n = 0;
    feed(p, d, buf, n, 0, &g);
    assert_int_equal(g.n, 0); /* 1 then 9: no run of three yet */
    double v = 12 * 97.0 - 600.0;
    n = wire_encode(WIRE_BITALINO, 1, &v, 12, buf);
    feed(p, d, buf, n, 0, &g);
    feed_tail(p, d, WIRE_BITALINO, 1, 13, &v, &g);
    assert_true(g.n >= 2 + FC_WARM && g.n <= 3 + FC_WARM); /* locked on the run ending at 12 */
    assert_true(fabs(g.f[g.n - 1 - FC_WARM][0] - v) < 3.3);
    p->destroy(d);
}

static void test_ascii_lines(void **st)
{
    (void)st;
    static got g;
    const char *text = "garbage-partial\r\nMyoWare Example_01_analogRead_SINGLE\r\n512,600\r\nA0:510 A1:601\n"
                       "1,2,3\n\n514;598\r\nx,1\n511.5\t6e2\n";
    const mf_plugin *p;
    void *d = make(&p, "ascii", "channels", 2.0, "scale", 2.0, (const char *)NULL);
    g.n = 0;
    feed(p, d, (const uint8_t *)text, strlen(text), 3, &g);
    for (int k = 0; k < FC_WARM; k++) feed(p, d, (const uint8_t *)"511.5,6e2\n", 10, 0, &g);
    /* "1,2,3" and the empty line after it held about one line's worth of bytes: one frame lost there */
    assert_int_equal(g.n, 5 + FC_WARM);
    assert_true(g.f[0][0] == 1024 && g.f[0][1] == 1200);
    assert_true(g.f[1][0] == 1020 && g.f[1][1] == 1202);
    assert_true(isnan(g.f[2][0]) && isnan(g.f[2][1]));
    assert_true(g.f[3][0] == 1028 && g.f[3][1] == 1196);
    assert_true(g.f[4][0] == 1023 && g.f[4][1] == 1200);
    mf_decoder_stats ds;
    p->decoder->stats(d, &ds);
    assert_int_equal(ds.frames_ok, 4 + FC_WARM);
    assert_int_equal(ds.frames_bad, 3); /* banner, three numbers, x,1 */
    assert_int_equal(ds.samples_lost, 1);
    char longline[600];
    memset(longline, '1', sizeof longline);
    longline[599] = '\n';
    feed(p, d, (const uint8_t *)longline, sizeof longline, 0, &g);
    assert_int_equal(g.n, 5 + FC_WARM);
    p->destroy(d);
}

static void test_handshakes(void **st)
{
    (void)st;
    const mf_plugin *p;
    uint32_t n;
    void *d = make(&p, "openbci-cyton", (const char *)NULL);
    const mf_handshake_step *h = p->decoder->handshake(d, &n);
    assert_int_equal(n, 4);
    assert_string_equal(h[1].send, "v");
    assert_string_equal(h[1].expect, "$$$");
    assert_int_equal(h[3].send[0], 'b');
    uint32_t len;
    assert_int_equal(p->decoder->stop_command(d, &len)[0], 's');
    p->destroy(d);
    d = make(&p, "bitalino", "channels", 2.0, (const char *)NULL);
    h = p->decoder->handshake(d, &n);
    assert_int_equal((uint8_t)h[2].send[0], 0xC3); /* 1000 Hz */
    assert_int_equal((uint8_t)h[3].send[0], 0x0D); /* A1 + A2 live */
    p->destroy(d);
}

int main(void)
{
    host = built_in_plugins();
    if (!host) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cyton_reference_packet),
        cmocka_unit_test(test_streams_split_at_every_position_decode_the_same),
        cmocka_unit_test(test_garbage_before_the_first_frame_is_skipped),
        cmocka_unit_test(test_counter_gaps_become_nan_frames),
        cmocka_unit_test(test_one_percent_corruption_keeps_the_clean_frames),
        cmocka_unit_test(test_daisy_pairs_board_and_daisy_packets),
        cmocka_unit_test(test_reference_frames_of_p2_and_bitalino),
        cmocka_unit_test(test_bitalino_locks_only_on_three_consecutive_frames),
        cmocka_unit_test(test_ascii_lines),
        cmocka_unit_test(test_handshakes),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    plugin_host_free(host);
    return rc;
}

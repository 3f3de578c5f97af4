/* rms: moving root-mean-square envelope over a window that includes the current sample (samples
 * before the stream starts count as 0).
 * Block processing in three passes per chunk: the squares and their differences against what leaves the
 * window (vectorised), the running sum (the only serial part: one addition per four samples on its critical
 * path), and the square roots (vectorised). The running sum is recomputed exactly from the ring about every
 * half second, so rounding cannot drift over a long session. The groups of four and the recomputations sit at
 * fixed sample counts from the start of the stream, so the output does not depend on how a host splits the
 * stream into blocks (live and replay give the same events). */
#include <myofeed/plugin.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_WINDOW, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"window_ms", MF_PARAM_FLOAT, 100, 1, 10000, "ms", "length of the RMS window", 0, NULL},
};

#define CHUNK 256      /* samples per pass (two 2 KiB scratch arrays on the stack) */
#define RESUM_MIN 1024 /* recompute the sum exactly after at least this many samples */

typedef struct rms {
    uint32_t len, pos, since_resum, resum_every;
    uint32_t gn;     /* samples of the current group of four already summed */
    double sum, acc; /* the sum before the current group; that group's partial sum */
    double inv_len;
    double sq[]; /* ring of the last len squares */
} rms;

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host;
    double len_d = fmax(1.0, round(p[P_WINDOW] * fs / 1000.0)); /* at least the current sample */
    if (len_d > 1 << 22) {
        snprintf(err->msg, sizeof err->msg,
                 "window_ms %g gives %.0f samples at %g Hz; choose a window of 1 sample to 4M samples", p[P_WINDOW],
                 len_d, fs);
        return NULL;
    }
    uint32_t len = (uint32_t)len_d;
    rms *r = calloc(1, sizeof *r + sizeof(double) * len);
    if (!r) {
        snprintf(err->msg, sizeof err->msg, "out of memory for a %u-sample window", len);
        return NULL;
    }
    r->len = len;
    r->inv_len = 1.0 / len;
    uint32_t whole = len % 4 == 0 ? len : len % 2 == 0 ? 2 * len : 4 * len; /* whole windows and groups */
    r->resum_every = whole * ((RESUM_MIN + whole - 1) / whole);
    return r;
}

static void destroy(void *self) { free(self); }

static void reset(void *self)
{
    rms *r = self;
    memset(r->sq, 0, sizeof(double) * r->len);
    r->sum = r->acc = 0;
    r->pos = r->since_resum = r->gn = 0;
}

/* One chunk (m <= CHUNK samples). Built for x86-64-v3 as well where the compiler can (four square roots per
 * instruction: half the time of the baseline's two), chosen at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CLONES
#endif
CLONES static void run_chunk(rms *r, const mf_sample *in, mf_sample *out, uint32_t m)
{
    double s[CHUNK], d[CHUNK];
    double *sq = r->sq;
    const uint32_t len = r->len;
    uint32_t pos = r->pos;
    for (uint32_t i = 0; i < m; i++) {
        double x = in[i];
        s[i] = fabs(x) <= DBL_MAX ? x * x : 0.0; /* a lost sample counts as silence, never as activity */
    }
    /* what leaves the window: the ring's oldest values, then this chunk's own */
    uint32_t from_ring = m < len ? m : len;
    for (uint32_t i = 0, q = pos; i < from_ring; i++) {
        d[i] = s[i] - sq[q];
        q = q + 1 == len ? 0 : q + 1;
    }
    for (uint32_t i = from_ring; i < m; i++) d[i] = s[i] - s[i - len];
    /* the chunk's last min(m, len) squares go into the ring */
    for (uint32_t i = m - from_ring; i < m; i++) {
        uint32_t q = pos + i;
        sq[q >= len ? q % len : q] = s[i];
    }
    r->pos = (uint32_t)((pos + (uint64_t)m) % len);
    /* running sum: partial sums of four off the critical path, one addition per four samples on it; the same
     * operations sample by sample where a chunk starts or ends inside a group */
    double sum = r->sum, acc = r->acc, *mean = out;
    uint32_t gn = r->gn, i = 0;
    for (; i < m && gn; i++) {
        acc += d[i];
        mean[i] = sum + acc;
        if (++gn == 4) sum += acc, gn = 0;
    }
    for (; i + 4 <= m; i += 4) {
        double p1 = 0.0 + d[i], p2 = p1 + d[i + 1], p3 = p2 + d[i + 2], p4 = p3 + d[i + 3];
        mean[i] = sum + p1;
        mean[i + 1] = sum + p2;
        mean[i + 2] = sum + p3;
        mean[i + 3] = sum + p4;
        sum += p4;
    }
    for (; i < m; i++) {
        acc = (gn ? acc : 0.0) + d[i];
        mean[i] = sum + acc;
        if (++gn == 4) sum += acc, gn = 0;
    }
    r->since_resum += m;
    if (r->since_resum == r->resum_every) { /* a chunk ends here (see process), at a group boundary */
        double t = 0;
        for (uint32_t k = 0; k < len; k++) t += sq[k];
        sum = t;
        r->since_resum = 0;
    }
    r->sum = sum;
    r->acc = acc;
    r->gn = gn;
    const double inv = r->inv_len;
    for (i = 0; i < m; i++) {
        double v = mean[i] * inv;
        out[i] = v > 0.0 ? sqrt(v) : 0.0; /* rounding may leave a tiny negative sum after a large value */
    }
}

static void process(void *self, const mf_sample *in, mf_sample *out, uint32_t n)
{
    rms *r = self;
    for (uint32_t at = 0; at < n;) {
        uint32_t m = n - at < CHUNK ? n - at : CHUNK, to_resum = r->resum_every - r->since_resum;
        m = m < to_resum ? m : to_resum;
        run_chunk(r, in + at, out + at, m);
        at += m;
    }
}

static double latency(void *self) { return (((rms *)self)->len - 1) / 2.0; }

static const mf_filter_ops ops = {.process = process, .latency = latency};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_ENVELOPE,
    .name = "rms",
    .version = "1.0.0",
    .summary = "moving RMS envelope over window_ms",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = reset,
    .filter = &ops,
};

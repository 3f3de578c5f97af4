/* rms: moving root-mean-square envelope over a window that includes the current sample (samples
 * before the stream starts count as 0). The running sum of squares is exact-recomputed once per
 * window so rounding cannot drift over a long session. */
#include <myofeed/plugin.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_WINDOW, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"window_ms", MF_PARAM_FLOAT, 100, 1, 10000, "ms", "length of the RMS window", 0, NULL},
};

typedef struct rms {
    uint32_t len, pos, since_resum;
    double sum;
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
    return r;
}

static void destroy(void *self) { free(self); }

static void reset(void *self)
{
    rms *r = self;
    memset(r->sq, 0, sizeof(double) * r->len);
    r->sum = 0;
    r->pos = r->since_resum = 0;
}

static void process(void *self, const mf_sample *in, mf_sample *out, uint32_t n)
{
    rms *r = self;
    /* state in locals: out[] may alias nothing here, but the compiler cannot know that of r */
    double sum = r->sum, *sq = r->sq;
    uint32_t pos = r->pos, since = r->since_resum;
    const uint32_t len = r->len;
    const double inv = r->inv_len;
    for (uint32_t i = 0; i < n; i++) {
        double x = in[i];
        double s = isfinite(x) ? x * x : 0.0; /* a lost sample counts as silence, never as activity */
        sum += s - sq[pos];
        sq[pos] = s;
        if (++pos == len) pos = 0;
        if (++since == len) {
            double t = 0;
            for (uint32_t k = 0; k < len; k++) t += sq[k];
            sum = t;
            since = 0;
        }
        double m = sum * inv;
        out[i] = m > 0.0 ? sqrt(m) : 0.0;
    }
    r->sum = sum;
    r->pos = pos;
    r->since_resum = since;
}

static double latency(void *self) { return (((rms *)self)->len - 1) / 2.0; }

static const mf_filter_ops ops = {.process = process, .latency = latency};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    MF_ABI_MAJOR, MF_ABI_MINOR, sizeof(mf_plugin), MF_KIND_ENVELOPE, "rms", "1.0.0",
    "moving RMS envelope over window_ms",
    params, N_PARAMS, create, destroy, reset, NULL, &ops, NULL, NULL,
};

/* fuzz_chain.c: libFuzzer target for the default chain's plugins (butterworth band-pass, notch, the
 * linear-envelope or rms envelope, cusum), each compiled from its own source with its entry renamed
 * (-Dmf_plugin_entry=entry_NAME). The input is a signal (16-bit values, some byte pairs standing for a lost
 * sample or a railed amplifier), repeated so that lead-ins end and passes complete, plus a selector for rate,
 * envelope, parameters and block sizes. The signal runs three times: one instance per stage in blocks of 256
 * (process); two instances per stage (the signal and its negation, process_many) in blocks of fuzz-chosen
 * sizes; three instances in lanes (process_lanes, ABI 1.2: the signal, its negation and the signal again, the
 * spare lane NaN) in other block sizes. Checks: activation in 0..1, envelope finite and >= 0, transitions
 * inside their block, alternating, and all runs equal bit for bit (no dependence on block splitting,
 * grouping or lanes). */
#include <myofeed/plugin.h>

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

extern const mf_plugin entry_butterworth, entry_notch, entry_rms, entry_linear_envelope, entry_cusum;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXN 16384
#define CAP 64

static void set(const mf_plugin *p, double *v, const char *name, double value)
{
    for (uint32_t i = 0; i < p->n_params; i++)
        if (!strcmp(p->params[i].name, name)) {
            v[i] = value;
            return;
        }
    assert(!"no such parameter");
}

static void *make(const mf_plugin *p, double fs, uint8_t sel)
{
    double v[32];
    for (uint32_t i = 0; i < p->n_params; i++) v[i] = p->params[i].def;
    if (p == &entry_butterworth) set(p, v, "high_hz", fs / 2 * 0.9 < 450 ? fs / 2 * 0.9 : 450);
    if (p == &entry_notch) set(p, v, "harmonics", 1 + sel % 3);
    if (p == &entry_rms) set(p, v, "window_ms", 1 + sel % 30);
    if (p == &entry_linear_envelope) {
        set(p, v, "cutoff_hz", fs / 2 * 0.9 < 10 + sel % 150 ? fs / 2 * 0.9 : 10 + sel % 150);
        set(p, v, "order", 1 + (sel >> 6 & 1));
    }
    if (p == &entry_cusum) { /* short lead-in and hold-off so short inputs reach decisions */
        set(p, v, "lead_in_ms", 10 + (sel & 3) * 40);
        set(p, v, "hold_off_ms", (sel >> 2 & 3) * 50);
        set(p, v, "h", 1 + (sel >> 4) * 4);
        set(p, v, "min_on_ms", (sel & 1) * 20);
        set(p, v, "min_off_ms", (sel >> 1 & 1) * 100);
        set(p, v, "act_ms", (sel >> 3 & 1) * 60);
    }
    mf_error e;
    void *d = p->create(NULL, fs, v, &e);
    assert(d);
    return d;
}

typedef struct run {
    double env[MAXN], act[MAXN];
    uint64_t at[CAP]; /* the first CAP transitions: where decided, how far back-dated, which way */
    uint32_t delay[CAP];
    uint8_t on[CAP];
    int nt, last; /* transitions in all; the last one's state (-1: none yet) */
} run;

static double x[2][MAXN], y[2][MAXN], lanes[4 * 300];
static run r1, r2[2], r3;

static void check_transitions(run *r, const mf_transition *tr, uint32_t k, uint32_t n, uint64_t at)
{
    for (uint32_t j = 0; j < k; j++) {
        assert(tr[j].offset < n);
        assert(r->last < 0 ? tr[j].on == 1 : tr[j].on != r->last); /* onset first, then alternating */
        r->last = tr[j].on;
        if (r->nt < CAP) r->at[r->nt] = at + tr[j].offset, r->delay[r->nt] = tr[j].delay, r->on[r->nt] = tr[j].on;
        r->nt++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    const uint8_t sel = data[0], sel2 = data[1];
    uint32_t rng = data[2] | 1u;
    data += 3, size -= 3;
    static const double rates[] = {250, 1000, 2000};
    const double fs = rates[sel2 % 3];
    size_t m = size / 2;
    if (!m) return 0;
    uint32_t n = (uint32_t)(m * (MAXN / m < 8 ? MAXN / m : 8)); /* the signal, repeated */
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *p = data + 2 * (i % m);
        int16_t v = (int16_t)(p[0] | p[1] << 8);
        double s = v * 0.25;
        if (v == INT16_MIN) s = NAN;      /* a lost sample */
        if (v == INT16_MAX) s = 187500.0; /* a railed 24-bit amplifier */
        x[0][i] = s, x[1][i] = -s;
    }
    const mf_plugin *stages[4] = {&entry_butterworth, &entry_notch,
                                  (sel2 / 3) & 1 ? &entry_rms : &entry_linear_envelope, &entry_cusum};
    /* one by one, blocks of 256 */
    void *a[4];
    for (int s = 0; s < 4; s++) a[s] = make(stages[s], fs, sel);
    r1.nt = 0, r1.last = -1;
    mf_transition tr[300]; /* room for one per sample of a block, as the pipeline gives */
    for (uint32_t at = 0; at < n; at += 256) {
        uint32_t b = n - at < 256 ? n - at : 256;
        double *buf = y[0] + at;
        stages[0]->filter->process(a[0], x[0] + at, buf, b);
        stages[1]->filter->process(a[1], buf, buf, b);
        stages[2]->filter->process(a[2], buf, r1.env + at, b);
        uint32_t k = stages[3]->detector->process(a[3], r1.env + at, b, r1.act + at, tr, b);
        assert(k <= b);
        check_transitions(&r1, tr, k, b, at);
    }
    /* two instances side by side, blocks of any size */
    void *g[4][2];
    for (int s = 0; s < 4; s++) g[s][0] = make(stages[s], fs, sel), g[s][1] = make(stages[s], fs, sel);
    r2[0].nt = r2[1].nt = 0, r2[0].last = r2[1].last = -1;
    for (uint32_t at = 0; at < n;) {
        rng = rng * 1103515245u + 12345u;
        uint32_t b = (rng >> 16) % 300;
        if (b > n - at) b = n - at;
        const mf_sample *in[2] = {x[0] + at, x[1] + at};
        mf_sample *mid[2] = {y[0] + at, y[1] + at}, *env[2] = {r2[0].env + at, r2[1].env + at};
        for (int s = 0; s < 2; s++) {
            stages[s]->filter->process_many(g[s], 2, in, mid, b);
            in[0] = mid[0], in[1] = mid[1];
        }
        stages[2]->filter->process(g[2][0], mid[0], env[0], b); /* the envelope one by one */
        stages[2]->filter->process(g[2][1], mid[1], env[1], b);
        for (int c = 0; c < 2; c++) {
            uint32_t k = stages[3]->detector->process(g[3][c], env[c], b, r2[c].act + at, tr, b);
            check_transitions(&r2[c], tr, k, b, at);
        }
        at += b;
    }
    /* three instances in lanes (the spare lane NaN), blocks of other sizes */
    void *l3[4][3];
    for (int s = 0; s < 4; s++)
        for (int c = 0; c < 3; c++) l3[s][c] = make(stages[s], fs, sel);
    r3.nt = 0, r3.last = -1;
    for (uint32_t at = 0; at < n;) {
        rng = rng * 1103515245u + 12345u;
        uint32_t b = (rng >> 16) % 300;
        if (b > n - at) b = n - at;
        for (uint32_t i = 0; i < b; i++)
            for (int c = 0; c < 4; c++) lanes[4 * i + (uint32_t)c] = c == 3 ? NAN : x[c & 1][at + i];
        for (int s = 0; s < 3; s++) {
            if (s == 2 && !stages[2]->filter->process_lanes) { /* rms: lane 0 alone */
                for (uint32_t i = 0; i < b; i++) y[0][at + i] = lanes[4 * i];
                stages[2]->filter->process(l3[2][0], y[0] + at, r3.env + at, b);
                break;
            }
            stages[s]->filter->process_lanes(l3[s], 3, lanes, b);
            if (s == 2)
                for (uint32_t i = 0; i < b; i++) r3.env[at + i] = lanes[4 * i];
        }
        uint32_t k = stages[3]->detector->process(l3[3][0], r3.env + at, b, r3.act + at, tr, b);
        check_transitions(&r3, tr, k, b, at);
        at += b;
    }
    for (int s = 0; s < 4; s++)
        for (int c = 0; c < 3; c++) stages[s]->destroy(l3[s][c]);
    assert(!memcmp(r1.env, r3.env, sizeof(double) * n));
    assert(!memcmp(r1.act, r3.act, sizeof(double) * n));
    assert(r1.nt == r3.nt);
    for (uint32_t i = 0; i < n; i++) {
        assert(isfinite(r1.env[i]) && r1.env[i] >= 0);
        assert(r1.act[i] >= 0 && r1.act[i] <= 1);
    }
    assert(!memcmp(r1.env, r2[0].env, sizeof(double) * n));
    assert(!memcmp(r1.act, r2[0].act, sizeof(double) * n));
    assert(r1.nt == r2[0].nt);
    const size_t kept = (size_t)(r1.nt < CAP ? r1.nt : CAP);
    assert(!memcmp(r1.at, r2[0].at, sizeof(uint64_t) * kept));
    assert(!memcmp(r1.delay, r2[0].delay, sizeof(uint32_t) * kept));
    for (int s = 0; s < 4; s++) {
        stages[s]->destroy(a[s]);
        stages[s]->destroy(g[s][0]);
        stages[s]->destroy(g[s][1]);
    }
    return 0;
}

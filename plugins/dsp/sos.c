/* sos.c: Butterworth and notch design in the zero-pole-gain domain (the same steps as scipy's
 * buttap -> lp2{lp,hp,bp,bs}_zpk -> bilinear_zpk -> zpk2sos) and the cascade (scipy's sosfilt, with the
 * transposed form's second state expanded: see STEP), run as the lanes of four-wide vectors. */
#include "mfdsp/sos.h"

#include <complex.h>
#include <math.h>
#include <string.h>

#include "mfdsp/lanes.h"

#define MAXP (2 * SOS_MAX)

typedef struct zpk {
    double complex z[MAXP], p[MAXP];
    int nz, np;
    double k;
} zpk;

static double complex cprod_neg(const double complex *v, int n)
{
    double complex r = 1.0;
    for (int i = 0; i < n; i++) r *= -v[i];
    return r;
}

static void butter_prototype(zpk *f, int order)
{
    f->nz = 0;
    f->np = order;
    f->k = 1.0;
    for (int i = 0; i < order; i++) {
        int m = -order + 1 + 2 * i;
        f->p[i] = -cexp(I * M_PI * m / (2.0 * order));
    }
}

static void to_lowpass(zpk *f, double wo)
{
    int degree = f->np - f->nz;
    for (int i = 0; i < f->nz; i++) f->z[i] *= wo;
    for (int i = 0; i < f->np; i++) f->p[i] *= wo;
    f->k *= pow(wo, degree);
}

static void to_highpass(zpk *f, double wo)
{
    int degree = f->np - f->nz;
    f->k *= creal(cprod_neg(f->z, f->nz) / cprod_neg(f->p, f->np));
    for (int i = 0; i < f->nz; i++) f->z[i] = wo / f->z[i];
    for (int i = 0; i < f->np; i++) f->p[i] = wo / f->p[i];
    for (int i = 0; i < degree; i++) f->z[f->nz++] = 0.0;
}

static void split_band(double complex *v, int n, double wo)
{
    double complex tmp[MAXP];
    for (int i = 0; i < n; i++) {
        double complex r = csqrt(v[i] * v[i] - wo * wo);
        tmp[i] = v[i] + r;
        tmp[n + i] = v[i] - r;
    }
    memcpy(v, tmp, sizeof(double complex) * 2 * (size_t)n);
}

static void to_bandpass(zpk *f, double wo, double bw)
{
    int degree = f->np - f->nz;
    for (int i = 0; i < f->nz; i++) f->z[i] *= bw / 2.0;
    for (int i = 0; i < f->np; i++) f->p[i] *= bw / 2.0;
    split_band(f->z, f->nz, wo);
    split_band(f->p, f->np, wo);
    f->nz *= 2;
    f->np *= 2;
    for (int i = 0; i < degree; i++) f->z[f->nz++] = 0.0;
    f->k *= pow(bw, degree);
}

static void to_bandstop(zpk *f, double wo, double bw)
{
    int degree = f->np - f->nz;
    f->k *= creal(cprod_neg(f->z, f->nz) / cprod_neg(f->p, f->np));
    for (int i = 0; i < f->nz; i++) f->z[i] = (bw / 2.0) / f->z[i];
    for (int i = 0; i < f->np; i++) f->p[i] = (bw / 2.0) / f->p[i];
    split_band(f->z, f->nz, wo);
    split_band(f->p, f->np, wo);
    f->nz *= 2;
    f->np *= 2;
    for (int i = 0; i < degree; i++) {
        f->z[f->nz++] = I * wo;
        f->z[f->nz++] = -I * wo;
    }
}

static void bilinear(zpk *f, double fs)
{
    double fs2 = 2.0 * fs;
    int degree = f->np - f->nz;
    double complex num = 1.0, den = 1.0;
    for (int i = 0; i < f->nz; i++) {
        num *= fs2 - f->z[i];
        f->z[i] = (fs2 + f->z[i]) / (fs2 - f->z[i]);
    }
    for (int i = 0; i < f->np; i++) {
        den *= fs2 - f->p[i];
        f->p[i] = (fs2 + f->p[i]) / (fs2 - f->p[i]);
    }
    for (int i = 0; i < degree; i++) f->z[f->nz++] = -1.0;
    f->k *= creal(num / den);
}

/* Takes the element of v (length *n) that best matches the predicate, removes it and returns it. */
static double complex take_nearest(double complex *v, int *n, double complex target, int want_real)
{
    int best = -1;
    double bd = INFINITY;
    for (int i = 0; i < *n; i++) {
        int is_real = fabs(cimag(v[i])) <= 1e-12 * (1.0 + cabs(v[i]));
        if (want_real >= 0 && is_real != want_real) continue;
        double d = cabs(v[i] - target);
        if (d < bd) {
            bd = d;
            best = i;
        }
    }
    if (best < 0) {
        for (int i = 0; i < *n; i++) {
            double d = cabs(v[i] - target);
            if (d < bd) {
                bd = d;
                best = i;
            }
        }
    }
    double complex r = v[best];
    v[best] = v[--(*n)];
    return r;
}

static void remove_conjugate(double complex *v, int *n, double complex x) { (void)take_nearest(v, n, conj(x), 0); }

/* Pairs poles (closest to the unit circle last, as scipy does) with their nearest zeros. */
static int zpk_to_sos(const zpk *f, sos_cascade *c)
{
    double complex z[MAXP], p[MAXP];
    int nz = f->nz, np = f->np;
    memcpy(z, f->z, sizeof(z[0]) * (size_t)nz);
    memcpy(p, f->p, sizeof(p[0]) * (size_t)np);
    int nsec = (np + 1) / 2;
    if (nsec > SOS_MAX || nz > np) return -1;
    sos_section out[SOS_MAX];
    for (int si = nsec - 1; si >= 0; si--) {
        /* pole closest to the unit circle */
        int best = 0;
        for (int i = 1; i < np; i++)
            if (fabs(1.0 - cabs(p[i])) < fabs(1.0 - cabs(p[best]))) best = i;
        double complex p1 = p[best];
        p[best] = p[--np];
        int p1_real = fabs(cimag(p1)) <= 1e-12 * (1.0 + cabs(p1));
        double complex p2;
        if (p1_real) {
            /* a real pole pairs with another real pole if there is one */
            int have_real = 0;
            for (int i = 0; i < np; i++)
                if (fabs(cimag(p[i])) <= 1e-12 * (1.0 + cabs(p[i]))) have_real = 1;
            p2 = have_real ? take_nearest(p, &np, p1, 1) : NAN;
        } else {
            remove_conjugate(p, &np, p1);
            p2 = conj(p1);
        }
        int first_order = isnan(creal(p2));
        double b0 = 1, b1 = 0, b2 = 0, a1, a2;
        if (first_order) {
            a1 = -creal(p1);
            a2 = 0;
        } else {
            a1 = -creal(p1 + p2);
            a2 = creal(p1 * p2);
        }
        /* zeros: a conjugate pair or up to two real zeros, nearest the first pole */
        if (nz > 0) {
            double complex z1 = take_nearest(z, &nz, p1, -1);
            int z1_real = fabs(cimag(z1)) <= 1e-12 * (1.0 + cabs(z1));
            if (!z1_real) {
                remove_conjugate(z, &nz, z1);
                b1 = -creal(z1 + conj(z1));
                b2 = creal(z1 * conj(z1));
            } else if (!first_order && nz > 0) {
                double complex z2 = take_nearest(z, &nz, p1, 1);
                b1 = -creal(z1 + z2);
                b2 = creal(z1 * z2);
            } else {
                b1 = -creal(z1);
            }
        }
        out[si] = (sos_section){b0, b1, b2, a1, a2};
    }
    out[0].b0 *= f->k;
    out[0].b1 *= f->k;
    out[0].b2 *= f->k;
    memcpy(c->s, out, sizeof(out[0]) * (size_t)nsec);
    c->n = nsec;
    sos_reset(c);
    return 0;
}

int sos_butter(sos_cascade *c, sos_band band, int order, double f1, double f2, double fs)
{
    if (order < 1 || order > 8 || !(fs > 0)) return -1;
    zpk f;
    butter_prototype(&f, order);
    double w1 = 2.0 * fs * tan(M_PI * f1 / fs);
    switch (band) {
    case SOS_LOWPASS: to_lowpass(&f, w1); break;
    case SOS_HIGHPASS: to_highpass(&f, w1); break;
    case SOS_BANDPASS:
    case SOS_BANDSTOP: {
        double w2 = 2.0 * fs * tan(M_PI * f2 / fs);
        if (!(w2 > w1)) return -1;
        double wo = sqrt(w1 * w2), bw = w2 - w1;
        if (band == SOS_BANDPASS)
            to_bandpass(&f, wo, bw);
        else
            to_bandstop(&f, wo, bw);
        break;
    }
    }
    bilinear(&f, fs);
    c->n = 0;
    return zpk_to_sos(&f, c);
}

int sos_add_notch(sos_cascade *c, double f0, double q, double fs)
{
    if (c->n >= SOS_MAX) return -1;
    double w0 = 2.0 * f0 / fs;
    double bw = w0 / q * M_PI;
    w0 *= M_PI;
    double beta = tan(bw / 2.0); /* gb = 1/sqrt(2): sqrt(1-gb^2)/gb == 1 */
    double gain = 1.0 / (1.0 + beta);
    sos_section s = {gain, -2.0 * cos(w0) * gain, gain, -2.0 * gain * cos(w0), 2.0 * gain - 1.0};
    c->s[c->n] = s;
    c->z[c->n][0] = c->z[c->n][1] = c->z[c->n][2] = 0.0;
    c->n++;
    return 0;
}

void sos_reset(sos_cascade *c)
{
    memset(c->z, 0, sizeof(c->z));
    c->primed = 0;
}

static void prime(sos_cascade *c, double x)
{
    for (int k = 0; k < c->n; k++) {
        const sos_section *s = &c->s[k];
        double y = x * (s->b0 + s->b1 + s->b2) / (1.0 + s->a1 + s->a2);
        c->z[k][0] = c->z[k][1] = y - s->b0 * x;
        c->z[k][2] = x;
        x = y;
    }
    c->primed = 1;
}

/* One section step: DF-II transposed (as scipy's sosfilt), with its second state expanded so that the
 * recurrence is one multiply-add long. DF-II transposed keeps z0 and z1 = b2 x[n-1] - a2 y[n-1]; here
 *   y     = b0 x + z0
 *   z0'   = c1 x + c2 x[n-1] - a2 z0[n-1] - a1 z0,   c1 = b1 - a1 b0, c2 = b2 - a2 b0
 * which is the same filter (substitute y[n-1] = b0 x[n-1] + z0[n-1] into z1). The state is z0, the previous
 * z0 and the previous input. z0' waits only for z0 (one multiply-add), and for z0[n-1] and x[n-1] one step
 * earlier: the transposed form's z0 -> y -> z0' waits for two, and that wait, not the arithmetic, set the
 * pace. Results differ from scipy's sosfilt only in the last bits (tests hold 1e-9). */
#define STEP(j)                                                                                                        \
    do { /* x is a double, or a vector of them (one cascade per lane) */                                               \
        __typeof__(x) y_ = b0_##j * x + z0_##j;                                                                        \
        __typeof__(x) v_ = (c1_##j * x + c2_##j * xp_##j) - a2_##j * zp_##j;                                           \
        zp_##j = z0_##j;                                                                                               \
        z0_##j = v_ - a1_##j * z0_##j;                                                                                 \
        xp_##j = x;                                                                                                    \
        x = y_;                                                                                                        \
    } while (0)
/* ---- the one arithmetic path ----------------------------------------------------------------------------------
 * Every cascade runs the same steps (STEP) in the same order whatever the grouping, the block size or the other
 * lanes, so a stream gives bit-identical output however a host splits or groups it (live and replay give the
 * same events). Up to four cascades with the same number of sections run as the lanes of a four-lane vector
 * (mf_filter_ops.process_many, process_lanes; unused lanes repeat the last cascade: same input, same result);
 * a cascade alone runs the same steps on doubles, built in the same clones, so the compiler fuses the same
 * multiply-adds (test_pipeline and test_process_many compare the two bit for bit). */
#define VCHUNK 256 /* samples per pass through the lanes buffer (8 KiB on the stack) */

#define VLOAD(j)                                                                                                       \
    v4d b0_##j, c1_##j, c2_##j, a1_##j, a2_##j, z0_##j, zp_##j, xp_##j;                                                \
    for (int l_ = 0; l_ < 4; l_++) {                                                                                   \
        const sos_section *q_ = &c[l_]->s[k + j];                                                                      \
        b0_##j[l_] = q_->b0, a1_##j[l_] = q_->a1, a2_##j[l_] = q_->a2;                                                 \
        c1_##j[l_] = q_->b1 - q_->a1 * q_->b0, c2_##j[l_] = q_->b2 - q_->a2 * q_->b0;                                  \
        z0_##j[l_] = c[l_]->z[k + j][0], zp_##j[l_] = c[l_]->z[k + j][1], xp_##j[l_] = c[l_]->z[k + j][2];             \
    }
#define VSTORE(j)                                                                                                      \
    for (int l_ = 0; l_ < 4; l_++)                                                                                     \
    c[l_]->z[k + j][0] = z0_##j[l_], c[l_]->z[k + j][1] = zp_##j[l_], c[l_]->z[k + j][2] = xp_##j[l_]
#define SLOAD(j)                                                                                                       \
    const sos_section *q##j = &c->s[k + j];                                                                            \
    double b0_##j = q##j->b0, a1_##j = q##j->a1, a2_##j = q##j->a2;                                                    \
    double c1_##j = q##j->b1 - q##j->a1 * q##j->b0, c2_##j = q##j->b2 - q##j->a2 * q##j->b0;                           \
    double z0_##j = c->z[k + j][0], zp_##j = c->z[k + j][1], xp_##j = c->z[k + j][2];
#define SSTORE(j) c->z[k + j][0] = z0_##j, c->z[k + j][1] = zp_##j, c->z[k + j][2] = xp_##j

/* P##1 .. P##4: sections k .. k+G-1 over n samples v[i] (of type T, through pointers PT) in place, their state
 * loaded and stored by LOAD and STORE from the cascade(s) c (type CT). */
#define RUNS(P, CT, PT, T, LOAD, STORE)                                                                                \
    static inline __attribute__((always_inline)) void P##4(CT c, int k, PT *v, uint32_t n)                             \
    {                                                                                                                  \
        LOAD(0) LOAD(1) LOAD(2) LOAD(3) for (uint32_t i = 0; i < n; i++)                                               \
        {                                                                                                              \
            T x = v[i];                                                                                                \
            STEP(0);                                                                                                   \
            STEP(1);                                                                                                   \
            STEP(2);                                                                                                   \
            STEP(3);                                                                                                   \
            v[i] = x;                                                                                                  \
        }                                                                                                              \
        STORE(0);                                                                                                      \
        STORE(1);                                                                                                      \
        STORE(2);                                                                                                      \
        STORE(3);                                                                                                      \
    }                                                                                                                  \
    static inline __attribute__((always_inline)) void P##3(CT c, int k, PT *v, uint32_t n)                             \
    {                                                                                                                  \
        LOAD(0) LOAD(1) LOAD(2) for (uint32_t i = 0; i < n; i++)                                                       \
        {                                                                                                              \
            T x = v[i];                                                                                                \
            STEP(0);                                                                                                   \
            STEP(1);                                                                                                   \
            STEP(2);                                                                                                   \
            v[i] = x;                                                                                                  \
        }                                                                                                              \
        STORE(0);                                                                                                      \
        STORE(1);                                                                                                      \
        STORE(2);                                                                                                      \
    }                                                                                                                  \
    static inline __attribute__((always_inline)) void P##2(CT c, int k, PT *v, uint32_t n)                             \
    {                                                                                                                  \
        LOAD(0) LOAD(1) for (uint32_t i = 0; i < n; i++)                                                               \
        {                                                                                                              \
            T x = v[i];                                                                                                \
            STEP(0);                                                                                                   \
            STEP(1);                                                                                                   \
            v[i] = x;                                                                                                  \
        }                                                                                                              \
        STORE(0);                                                                                                      \
        STORE(1);                                                                                                      \
    }                                                                                                                  \
    static inline __attribute__((always_inline)) void P##1(CT c, int k, PT *v, uint32_t n)                             \
    {                                                                                                                  \
        LOAD(0)                                                                                                        \
        for (uint32_t i = 0; i < n; i++) {                                                                             \
            T x = v[i];                                                                                                \
            STEP(0);                                                                                                   \
            v[i] = x;                                                                                                  \
        }                                                                                                              \
        STORE(0);                                                                                                      \
    }

RUNS(vrun, sos_cascade *const *, v4du, v4d, VLOAD, VSTORE)
RUNS(srun, sos_cascade *, double, double, SLOAD, SSTORE)

/* The sign bit of each lane is set where x (a v4di) is not finite: adding one to an exponent of all ones carries
 * into it (unsigned, so the carry is defined). A macro: a function returning a vector changes the ABI. */
#define LOST_BITS(x)                                                                                                   \
    (((v4du64)(x) &                                                                                                    \
      (v4du64){0x7ff0000000000000ull, 0x7ff0000000000000ull, 0x7ff0000000000000ull, 0x7ff0000000000000ull}) +          \
     (v4du64){0x0010000000000000ull, 0x0010000000000000ull, 0x0010000000000000ull, 0x0010000000000000ull})

/* Every section of c's cascade(s), n_sections of them, over m samples in place: four at a time, then three, two,
 * one (the grouping only fuses loops; each section sees the same inputs in the same order). */
#define RUN_SECTIONS(P, c, n_sections, v, m)                                                                           \
    do {                                                                                                               \
        int k = 0;                                                                                                     \
        for (; k + 4 <= (n_sections); k += 4) P##4(c, k, v, m);                                                        \
        for (; k + 3 <= (n_sections); k += 3) P##3(c, k, v, m);                                                        \
        for (; k + 2 <= (n_sections); k += 2) P##2(c, k, v, m);                                                        \
        for (; k < (n_sections); k++) P##1(c, k, v, m);                                                                \
    } while (0)

/* Every section of four cascades of equal length over m samples in lanes, in place. */
static inline __attribute__((always_inline)) void run_sections(sos_cascade *const *c, v4du *v, uint32_t m)
{
    RUN_SECTIONS(vrun, c, c[0]->n, v, m);
    if (c[0]->envelope) /* never below 0 (NaN from an overflow too) */
        for (uint32_t i = 0; i < m; i++) v[i] = (v4du)((v4di)v[i] & (v[i] > 0.0));
}

/* One primed cascade alone: the same chunks, checks and steps as lanes4 on doubles. Returns the samples done
 * (see lanes4). */
LANES_CLONES static uint32_t alone(sos_cascade *c, const double *in, double *out, uint32_t n)
{
    double v[VCHUNK];
    for (uint32_t at = 0; at < n; at += VCHUNK) {
        uint32_t m = n - at < VCHUNK ? n - at : VCHUNK;
        int lost = 0;
        for (uint32_t i = 0; i < m; i++) {
            double x = c->rectify ? fabs(in[at + i]) : in[at + i];
            lost |= !isfinite(x);
            v[i] = x;
        }
        if (lost) return at;
        RUN_SECTIONS(srun, c, c->n, v, m);
        if (c->envelope) /* as run_sections: +0.0 where not above 0 */
            for (uint32_t i = 0; i < m; i++) v[i] = v[i] > 0.0 ? v[i] : 0.0;
        memcpy(out + at, v, sizeof(double) * m);
    }
    return n;
}

/* Four primed cascades of equal length (pointers may repeat). Each chunk is checked for lost (non-finite)
 * samples while it is transposed into the lanes, before any state or output changes: returns the samples done,
 * n or the start of the first chunk with a lost sample (the caller takes it from there sample by sample). The
 * check adds one integer and/add/or per vector where a separate pass would read the input again: adding one to
 * an exponent of all ones carries into the sign bit. */
LANES_CLONES static uint32_t lanes4(sos_cascade *const *c, const double *const *in, double *const *out, uint32_t n)
{
    v4d v[VCHUNK];
    const long long bits = c[0]->rectify ? 0x7fffffffffffffffll : -1ll; /* |x|: the sign bit cleared */
    const v4di keep = {bits, bits, bits, bits};
    for (uint32_t at = 0; at < n; at += VCHUNK) {
        uint32_t m = n - at < VCHUNK ? n - at : VCHUNK, i = 0;
        v4du64 bad = {0, 0, 0, 0};
        for (; i + 4 <= m; i += 4) { /* in: four samples of each channel at a time, transposed in registers */
            v4d a, b, e, f;
            memcpy(&a, in[0] + at + i, sizeof a);
            memcpy(&b, in[1] + at + i, sizeof b);
            memcpy(&e, in[2] + at + i, sizeof e);
            memcpy(&f, in[3] + at + i, sizeof f);
            lanes_transpose4(&a, &b, &e, &f);
            v4di ia = (v4di)a & keep, ib = (v4di)b & keep, ie = (v4di)e & keep, jf = (v4di)f & keep;
            bad |= LOST_BITS(ia) | LOST_BITS(ib) | LOST_BITS(ie) | LOST_BITS(jf);
            v[i] = (v4d)ia, v[i + 1] = (v4d)ib, v[i + 2] = (v4d)ie, v[i + 3] = (v4d)jf;
        }
        for (; i < m; i++) {
            v4di x = (v4di)(v4d){in[0][at + i], in[1][at + i], in[2][at + i], in[3][at + i]} & keep;
            bad |= LOST_BITS(x);
            v[i] = (v4d)x;
        }
        if ((bad[0] | bad[1] | bad[2] | bad[3]) >> 63) return at; /* a lost sample in this chunk */
        run_sections(c, v, m);
        for (i = 0; i + 4 <= m; i += 4) { /* out: the same, back */
            v4d a = v[i], b = v[i + 1], e = v[i + 2], f = v[i + 3];
            lanes_transpose4(&a, &b, &e, &f);
            memcpy(out[0] + at + i, &a, sizeof a);
            memcpy(out[1] + at + i, &b, sizeof b);
            memcpy(out[2] + at + i, &e, sizeof e);
            memcpy(out[3] + at + i, &f, sizeof f);
        }
        for (; i < m; i++)
            out[0][at + i] = v[i][0], out[1][at + i] = v[i][1], out[2][at + i] = v[i][2], out[3][at + i] = v[i][3];
    }
    return n;
}

/* One to four primed cascades of equal length: the samples done (see lanes4). */
static uint32_t run_group(sos_cascade *const *c, const double *const *in, double *const *out, int count, uint32_t n)
{
    if (count == 1) return alone(c[0], in[0], out[0], n);
    sos_cascade *g[4];
    const double *gi[4];
    double *go[4];
    for (int l = 0; l < 4; l++) {
        int k = l < count ? l : count - 1;
        g[l] = c[k], gi[l] = in[k], go[l] = out[k];
    }
    return lanes4(g, gi, go, n);
}

void sos_process(sos_cascade *c, const double *in, double *out, uint32_t n)
{
    if (c->n == 0) { /* no sections: a copy, lost samples marked like everywhere else (in place too) */
        for (uint32_t i = 0; i < n; i++)
            out[i] = isfinite(in[i]) ? (c->rectify ? fabs(in[i]) : in[i]) : (c->envelope ? 0.0 : NAN);
        return;
    }
    uint32_t i = c->primed ? run_group(&c, &in, &out, 1, n) : 0; /* nearly always all of it */
    /* lost samples reset the cascade and pass through as NaN (0); finite runs between them take the one path */
    while (i < n) {
        if (!isfinite(in[i])) {
            sos_reset(c);
            out[i++] = c->envelope ? 0.0 : NAN;
            continue;
        }
        if (!c->primed) {
            if (c->prime) prime(c, c->rectify ? fabs(in[i]) : in[i]);
            c->primed = 1;
        }
        uint32_t j = i + 1;
        while (j < n && isfinite(in[j])) j++;
        const double *src = in + i;
        double *dst = out + i;
        run_group(&c, &src, &dst, 1, j - i);
        i = j;
    }
}

/* A group in lanes; where a lost sample stopped it, each of its cascades goes on alone. */
static void run_many(sos_cascade *const *g, const double *const *gi, double *const *go, int ng, uint32_t n)
{
    uint32_t done = run_group(g, gi, go, ng, n);
    if (done < n)
        for (int l = 0; l < ng; l++) sos_process(g[l], gi[l] + done, go[l] + done, n - done);
}

void sos_process_many(sos_cascade *const *c, uint32_t count, const double *const *in, double *const *out, uint32_t n)
{
    /* groups of up to four that can share the lanes; an unprimed cascade goes alone */
    sos_cascade *g[4];
    const double *gi[4];
    double *go[4];
    int ng = 0;
    for (uint32_t k = 0; k < count; k++) {
        if (!c[k]->primed || c[k]->n == 0) {
            sos_process(c[k], in[k], out[k], n);
            continue;
        }
        if (ng && (c[k]->n != g[0]->n || c[k]->rectify != g[0]->rectify || c[k]->envelope != g[0]->envelope)) {
            /* cannot share: the group so far runs now */
            run_many(g, gi, go, ng, n);
            ng = 0;
        }
        g[ng] = c[k], gi[ng] = in[k], go[ng] = out[k];
        if (++ng == 4) {
            run_many(g, gi, go, ng, n);
            ng = 0;
        }
    }
    if (ng) run_many(g, gi, go, ng, n);
}

/* Four primed cascades on samples already in lanes (x[4 i + l] is sample i of cascade l), in place: no
 * transposes. The same chunks, checks and arithmetic as lanes4. Returns the samples done (see lanes4). */
LANES_CLONES static uint32_t lanes4_inplace(sos_cascade *const *c, double *x, uint32_t n)
{
    const long long bits = c[0]->rectify ? 0x7fffffffffffffffll : -1ll;
    const v4di keep = {bits, bits, bits, bits};
    for (uint32_t at = 0; at < n; at += VCHUNK) {
        uint32_t m = n - at < VCHUNK ? n - at : VCHUNK;
        v4du *v = (v4du *)(x + 4 * (size_t)at);
        v4du64 bad = {0, 0, 0, 0};
        if (c[0]->rectify)
            for (uint32_t i = 0; i < m; i++) {
                v4di b = (v4di)v[i] & keep;
                bad |= LOST_BITS(b);
                v[i] = (v4du)b;
            }
        else
            for (uint32_t i = 0; i < m; i++) bad |= LOST_BITS((v4di)v[i]);
        if ((bad[0] | bad[1] | bad[2] | bad[3]) >> 63) return at;
        run_sections(c, v, m);
    }
    return n;
}

void sos_process_lanes(sos_cascade *const *c, uint32_t count, double *x, uint32_t n)
{
    if (count == 0) return;
    sos_cascade *g[4];
    for (uint32_t l = 0; l < 4; l++) g[l] = c[l < count ? l : count - 1];
    if (count < 4) /* spare lanes repeat the last cascade on its own samples: the same state written twice */
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t l = count; l < 4; l++) x[4 * (size_t)i + l] = x[4 * (size_t)i + count - 1];
    int same = 1; /* one group needs primed cascades of one length and one input rule */
    for (uint32_t l = 0; l < count; l++)
        same &= c[l]->primed && c[l]->n > 0 && c[l]->n == c[0]->n && c[l]->rectify == c[0]->rectify &&
                c[l]->envelope == c[0]->envelope;
    uint32_t done = same ? lanes4_inplace(g, x, n) : 0;
    /* the rest lane by lane, through a contiguous piece at a time (sos_process gives the same bits) */
    double buf[VCHUNK];
    for (uint32_t at = done; at < n; at += VCHUNK) {
        uint32_t m = n - at < VCHUNK ? n - at : VCHUNK;
        for (uint32_t l = 0; l < count; l++) {
            for (uint32_t i = 0; i < m; i++) buf[i] = x[4 * ((size_t)at + i) + l];
            sos_process(c[l], buf, buf, m);
            for (uint32_t i = 0; i < m; i++) x[4 * ((size_t)at + i) + l] = buf[i];
        }
    }
}

double sos_gain_at(const sos_cascade *c, double f, double fs)
{
    double complex zi = cexp(-I * 2.0 * M_PI * f / fs);
    double complex h = 1.0;
    for (int k = 0; k < c->n; k++) {
        const sos_section *s = &c->s[k];
        h *= (s->b0 + s->b1 * zi + s->b2 * zi * zi) / (1.0 + s->a1 * zi + s->a2 * zi * zi);
    }
    return cabs(h);
}

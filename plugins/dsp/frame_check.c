/* frame_check.c: see mfdsp/frame_check.h. */
#include "mfdsp/frame_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define K_LIMIT 12.0         /* the limit in mean absolute steps */
#define SCALE_RATE (1.0 / 8) /* how fast the mean step follows */
#define STEP_GROWTH 1.5
#define MEAN_PER_MEDIAN 1.18 /* mean / median of |a normal variable| */

void fc_init(frame_check *f, uint32_t nc, double floor_uv, uint32_t modulus, uint32_t max_fill, mf_decoder_stats *st)
{
    memset(f, 0, sizeof *f);
    f->nc = nc < FC_MAX_CH ? nc : FC_MAX_CH;
    for (uint32_t c = 0; c < FC_MAX_CH; c++) f->floor[c] = floor_uv > 0 ? floor_uv : 0;
    f->modulus = modulus;
    f->max_fill = max_fill;
    f->st = st;
}

void fc_set_floor(frame_check *f, uint32_t c, double floor_uv)
{
    if (c < FC_MAX_CH) f->floor[c] = floor_uv > 0 ? floor_uv : 0;
}

void fc_reset(frame_check *f)
{
    f->have_ctr = f->ctr_held = 0;
    f->have_prev = f->val_held = f->warmed = 0;
    f->n_warm = f->held_gap = 0;
}

static void nan_frames(frame_check *f, dec_out *o, uint32_t n)
{
    for (uint32_t k = 0; k < n && o->n < o->cap; k++) {
        double *y = dec_next(o);
        for (uint32_t c = 0; c < f->nc; c++) y[c] = NAN;
    }
}

static void damaged(frame_check *f, dec_out *o)
{
    f->damaged++;
    f->st->frames_bad++;
    f->st->samples_lost++;
    nan_frames(f, o, 1);
}

static double limit(const frame_check *f, uint32_t c)
{
    double t = K_LIMIT * f->scale[c];
    return t > f->floor[c] ? t : f->floor[c];
}

/* x is accepted: out it goes, and it teaches the limits (steps capped at the limit; a real step grows them). */
static void accept(frame_check *f, dec_out *o, const double *x, const uint8_t *grew)
{
    if (o->n < o->cap) memcpy(dec_next(o), x, sizeof(double) * f->nc);
    if (f->have_prev)
        for (uint32_t c = 0; c < f->nc; c++) {
            if (grew && grew[c]) {
                f->scale[c] *= STEP_GROWTH;
                continue;
            }
            double d = fabs(x[c] - f->prev[c]), t = limit(f, c);
            f->scale[c] += ((d < t ? d : t) - f->scale[c]) * SCALE_RATE;
        }
    memcpy(f->prev, x, sizeof(double) * f->nc);
    f->have_prev = 1;
}

/* Decides the frame held in doubt with x, the next frame that came (after held_gap lost ones), and writes it and
 * the lost ones. */
static void resolve_held(frame_check *f, dec_out *o, const double *x)
{
    f->val_held = 0;
    int back = 0, stay = 1;
    for (uint32_t c = 0; c < f->nc; c++) {
        if (!f->jumped[c]) continue;
        double t = limit(f, c), to_prev = fabs(x[c] - f->prev[c]), to_held = fabs(x[c] - f->held[c]);
        back |= to_prev <= t && to_prev < to_held; /* out and back in one sample */
        stay &= to_held <= t;                      /* a step that holds */
    }
    if (back || !stay) {
        damaged(f, o);
        if (!back) /* x is far from both: the signal may have grown beyond the limits, which learn faster then */
            for (uint32_t c = 0; c < f->nc; c++)
                if (f->jumped[c]) f->scale[c] = f->scale[c] > 0 ? f->scale[c] * STEP_GROWTH : f->floor[c] / K_LIMIT;
    } else {
        accept(f, o, f->held, f->jumped);
    }
    nan_frames(f, o, f->held_gap);
    f->held_gap = 0;
}

static void value_step(frame_check *f, dec_out *o, const double *x)
{
    if (isnan(x[0])) { /* a lost frame (counted where it was found); a jump before it waits for the next frame */
        if (f->val_held && f->held_gap < f->max_fill) {
            f->held_gap++;
            return;
        }
        if (f->val_held) { /* too long to wait: not trusted */
            f->val_held = 0;
            damaged(f, o);
            nan_frames(f, o, f->held_gap);
            f->held_gap = 0;
        }
        nan_frames(f, o, 1);
        return;
    }
    if (f->val_held) resolve_held(f, o, x);
    if (!f->have_prev) {
        accept(f, o, x, NULL);
        return;
    }
    int jump = 0;
    for (uint32_t c = 0; c < f->nc; c++) {
        f->jumped[c] = fabs(x[c] - f->prev[c]) > limit(f, c);
        jump |= f->jumped[c];
    }
    if (!jump) {
        accept(f, o, x, NULL);
        return;
    }
    memcpy(f->held, x, sizeof(double) * f->nc);
    f->val_held = 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The first frames are in: the limits from their median steps, then the frames through the check (the first
 * one judged against the next two, since nothing precedes it). */
/* The first frames are in: the limits from their median steps (lost frames skipped), then the frames through the
 * check (the first one judged against the next two, since nothing precedes it). */
static void warm_done(frame_check *f, dec_out *o)
{
    uint32_t n = f->n_warm;
    double d[FC_WARM];
    for (uint32_t c = 0; c < f->nc; c++) {
        uint32_t m = 0;
        for (uint32_t i = 0; i + 1 < n; i++)
            if (!isnan(f->warm[i][0]) && !isnan(f->warm[i + 1][0])) d[m++] = fabs(f->warm[i + 1][c] - f->warm[i][c]);
        double med = 0;
        if (m) {
            qsort(d, m, sizeof d[0], cmp_double);
            med = d[(m - 1) / 2];
        }
        f->scale[c] = MEAN_PER_MEDIAN * med;
    }
    f->warmed = 1;
    f->n_warm = 0;
    uint32_t i = 0;
    if (n >= 3 && !isnan(f->warm[0][0]) && !isnan(f->warm[1][0]) && !isnan(f->warm[2][0])) {
        for (uint32_t c = 0; c < f->nc; c++) {
            double t = limit(f, c);
            if (fabs(f->warm[0][c] - f->warm[1][c]) > t && fabs(f->warm[1][c] - f->warm[2][c]) <= t &&
                fabs(f->warm[0][c] - f->warm[2][c]) > t) {
                damaged(f, o);
                i = 1;
                break;
            }
        }
    }
    for (; i < n; i++) value_step(f, o, f->warm[i]);
}

static void value_in(frame_check *f, dec_out *o, const double *x)
{
    if (f->warmed) {
        value_step(f, o, x);
        return;
    }
    memcpy(f->warm[f->n_warm++], x, sizeof(double) * f->nc);
    if (f->n_warm == FC_WARM) warm_done(f, o);
}

/* n lost frames on the value side, in their place (the first frames wait with the others). */
static void value_gap(frame_check *f, dec_out *o, uint32_t n)
{
    f->st->samples_lost += n;
    double lost[FC_MAX_CH];
    for (uint32_t c = 0; c < f->nc; c++) lost[c] = NAN;
    for (uint32_t k = 0; k < n; k++) value_in(f, o, lost);
}

void fc_lost(frame_check *f, dec_out *o, uint32_t n) { value_gap(f, o, n); }

static uint32_t ctr_diff(const frame_check *f, uint32_t a, uint32_t b) { return (a + f->modulus - b) % f->modulus; }

/* A jump in the counter beyond max_fill: how much time passed is unknown, so none is invented, and the limits are
 * learnt again after it. */
static void ctr_jump(frame_check *f, dec_out *o)
{
    f->st->resyncs++;
    if (!f->warmed && f->n_warm) warm_done(f, o);
    if (f->val_held) { /* nothing after it will tell */
        f->val_held = 0;
        damaged(f, o);
        nan_frames(f, o, f->held_gap);
        f->held_gap = 0;
    }
    f->have_prev = f->warmed = 0;
}

/* Frames whose counter does not follow are held, the latest one's values kept, until a frame settles it:
 *  - x follows the held frame: that one is real, and the frames between the last one and it were lost (the
 *    frames held before it were damaged, in some of those places);
 *  - x follows the last frame after exactly as many places as frames are held: all of them were damaged in
 *    place (their counters damaged);
 *  - neither: the held frame was damaged too, and x is held in its place.
 * Until two frames in a row agreed, the counter is not trusted, and a disagreement starts it again. */
void fc_frame(frame_check *f, dec_out *o, uint32_t counter, const double *x)
{
    if (!f->modulus) {
        value_in(f, o, x);
        return;
    }
    counter %= f->modulus;
    if (!f->have_ctr) {
        f->have_ctr = 1;
        f->ctr_sure = 0;
        f->ctr = counter;
        value_in(f, o, x);
        return;
    }
    if (f->ctr_held) {
        uint32_t p = f->ctr_held, dl = ctr_diff(f, counter, f->ctr), dh = ctr_diff(f, counter, f->held_ctr),
                 hl = ctr_diff(f, f->held_ctr, f->ctr);
        if (f->ctr_sure && dl == 1) { /* x follows the last frame: the held ones were no frames of this stream */
            f->ctr_held = 0;
            f->st->frames_bad += p;
        } else if (dh == 1) { /* the held frame is real */
            f->ctr_held = 0;
            f->st->frames_bad += p - 1;
            f->damaged += p - 1;
            if (!f->ctr_sure) {
                /* the first counter was not confirmed: the stream starts again at the held frame */
            } else if (hl >= 1 && hl - 1 <= f->max_fill) {
                value_gap(f, o, hl - 1);
            } else {
                ctr_jump(f, o);
            }
            value_in(f, o, f->ctr_frame);
            f->ctr = f->held_ctr;
            f->ctr_sure = 1;
        } else if (f->ctr_sure && dl == p + 1) { /* all the held frames sat in their places, counters damaged */
            f->ctr_held = 0;
            f->st->frames_bad += p;
            f->damaged += p;
            value_gap(f, o, p);
            f->ctr = counter;
            value_in(f, o, x);
            return;
        } else {                    /* the held frame was damaged too: x waits in its place */
            if (p >= f->max_fill) { /* nothing agrees for too long: the counter is learnt again */
                f->st->frames_bad += p;
                f->damaged += p;
                f->ctr_held = 0;
                ctr_jump(f, o);
                f->ctr = counter;
                f->ctr_sure = 0;
                value_in(f, o, x);
                return;
            }
            f->ctr_held = p + 1;
            f->held_ctr = counter;
            memcpy(f->ctr_frame, x, sizeof(double) * f->nc);
            return;
        }
    }
    if (ctr_diff(f, counter, f->ctr) != 1) {
        f->ctr_held = 1;
        f->held_ctr = counter;
        memcpy(f->ctr_frame, x, sizeof(double) * f->nc);
        return;
    }
    f->ctr = counter;
    f->ctr_sure = 1;
    value_in(f, o, x);
}

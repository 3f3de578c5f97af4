/* rest_check.c: see rest_check.h. */
#include "pipeline/rest_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rest_check_start(rest_check *r, double fs)
{
    memset(r, 0, sizeof *r);
    r->seg_len = (uint32_t)(REST_SEG_S * fs + 0.5);
    if (r->seg_len < 1) r->seg_len = 1;
}

void rest_check_feed(rest_check *r, double env, int active)
{
    if (active) r->active_samples++;
    r->seg_sum += env;
    if (++r->in_seg < r->seg_len) return;
    if (r->n_seg < REST_MAX_SEGS) r->seg[r->n_seg++] = (float)(r->seg_sum / r->seg_len);
    r->in_seg = 0;
    r->seg_sum = 0;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

rest_verdict rest_check_verdict(const rest_check *r, double fs, const char *muscle, char *why, size_t n)
{
    rest_verdict v = {1, 0, 0, 0, (double)r->active_samples / fs};
    if (r->n_seg > 0) {
        float s[REST_MAX_SEGS];
        memcpy(s, r->seg, sizeof(float) * (size_t)r->n_seg);
        qsort(s, (size_t)r->n_seg, sizeof s[0], cmp_float);
        v.median_uv = r->n_seg % 2 ? s[r->n_seg / 2] : 0.5 * (s[r->n_seg / 2 - 1] + s[r->n_seg / 2]);
        v.top_uv = s[r->n_seg - 1];
        v.ratio = v.median_uv > 0 ? v.top_uv / v.median_uv : 0;
    }
    double window_s = (double)(r->n_seg * r->seg_len + r->in_seg) / fs;
    if (window_s > 0 && v.active_s >= REST_ACTIVE_FRACTION * window_s) {
        v.at_rest = 0;
        snprintf(why, n,
                 "muscle '%s' contracted during the rest calibration (the detector saw a contraction for %.1f of "
                 "%.1f s); ask the patient to relax completely, then calibrate rest again",
                 muscle, v.active_s, window_s);
    } else if (v.ratio > REST_BURST_RATIO) {
        v.at_rest = 0;
        snprintf(why, n,
                 "muscle '%s' was not at rest: its envelope rose to %.1f uV, %.1f times its resting %.1f uV (at rest "
                 "it stays under %.1f times); ask the patient to relax completely, then calibrate rest again",
                 muscle, v.top_uv, v.ratio, v.median_uv, REST_BURST_RATIO);
    }
    return v;
}

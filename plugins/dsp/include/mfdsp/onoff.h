/* onoff.h: what the built-in detectors share about their on/off levels at run time (the host's threshold
 * control sets "on" and "off" one at a time through set_param), and the small sort their lead-ins use. */
#ifndef MF_DSP_ONOFF_H
#define MF_DSP_ONOFF_H

#include <myofeed/plugin.h>
#include <stdint.h>
#include <stdlib.h>

/* Sets *on (index == i_on) or *off (index == i_off) to v within [lo, hi], keeping off <= on. Returns MF_OK,
 * MF_ERR_RANGE (nothing changed) or MF_ERR_ARG for any other parameter. */
static inline mf_status onoff_set(uint32_t index, uint32_t i_on, uint32_t i_off, double v, double lo, double hi,
                                  double *on, double *off)
{
    if (!(v >= lo) || v > hi) return MF_ERR_RANGE; /* also NaN */
    if (index == i_on) {
        if (v < *off) return MF_ERR_RANGE;
        *on = v;
    } else if (index == i_off) {
        if (v > *on) return MF_ERR_RANGE;
        *off = v;
    } else {
        return MF_ERR_ARG;
    }
    return MF_OK;
}

static inline int onoff_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts n doubles ascending ([setup] or once at the end of a lead-in: never per sample). */
static inline void onoff_sort(double *v, uint32_t n) { qsort(v, n, sizeof(double), onoff_cmp_double); }

#endif

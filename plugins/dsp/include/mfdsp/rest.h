/* rest.h: rest statistics (mean and standard deviation of the envelope at rest) for detectors that set
 * their thresholds relative to rest: from the host's calibration when it has one, else from a lead-in
 * (rest assumed for settle + lead_in samples at the start of the stream; the detector stays off meanwhile,
 * and the first `settle` samples are skipped because filters such as a notch ring in on mains hum). */
#ifndef MF_DSP_REST_H
#define MF_DSP_REST_H

#include <math.h>
#include <myofeed/plugin.h>
#include <stdint.h>

typedef struct rest_stats {
    uint32_t settle, lead_in, seen; /* the first `settle` samples (filters ringing in) are not used */
    double mean, m2;                /* Welford */
    double sd;
    int ready, from_cal;
} rest_stats;

static inline void rest_init(rest_stats *r, uint32_t settle, uint32_t lead_in)
{
    r->settle = settle;
    r->lead_in = lead_in > 0 ? lead_in : 1;
    r->seen = 0;
    r->mean = r->m2 = r->sd = 0;
    r->ready = r->from_cal = 0;
}

/* Feeds one envelope value during the lead-in; returns 1 once the statistics are ready. */
static inline int rest_push(rest_stats *r, double e)
{
    if (r->ready) return 1;
    if (r->settle) {
        r->settle--;
        return 0;
    }
    r->seen++;
    double d = e - r->mean;
    r->mean += d / r->seen;
    r->m2 += d * (e - r->mean);
    if (r->seen >= r->lead_in) {
        r->sd = r->seen > 1 ? sqrt(r->m2 / (r->seen - 1)) : 0.0;
        r->ready = 1;
    }
    return r->ready;
}

/* A floor so that a perfectly flat lead-in (a disconnected input) cannot give a zero threshold. */
static inline double rest_sd(const rest_stats *r) { return fmax(r->sd, 0.01 + 0.02 * fabs(r->mean)); }

static inline void rest_from_calibration(rest_stats *r, const mf_calibration *cal)
{
    if (cal->rest_sd_uv > 0) {
        r->mean = cal->rest_uv;
        r->sd = cal->rest_sd_uv;
        r->ready = r->from_cal = 1;
    }
}

#endif

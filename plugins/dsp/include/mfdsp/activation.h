/* activation.h: the one rule every built-in detector uses to turn an envelope (uV) into activation 0..1.
 * Calibrated (mvc > rest): act = (env - rest) / (mvc - rest), clamped to 0..1.
 * Not calibrated: the configured threshold range stands in: activation is 0 at the off level and reaches 1
 * at eight times the on level, or 100 uV above the off level if that is more (a moderate hamstring effort),
 * so detectors with small levels (adaptive, baseline-sd) do not saturate at once. */
#ifndef MF_DSP_ACTIVATION_H
#define MF_DSP_ACTIVATION_H

#include <math.h>

/* Without a calibration, %MVC thresholds are read against this MVC (uV). */
#define ACT_UNCALIBRATED_MVC_UV 100.0

typedef struct act_scale {
    double lo, inv_span;
} act_scale;

static inline act_scale act_scale_make(double rest_uv, double mvc_uv, double on_uv, double off_uv)
{
    act_scale s;
    if (mvc_uv > rest_uv) {
        s.lo = rest_uv;
        s.inv_span = 1.0 / (mvc_uv - rest_uv);
    } else {
        double hi = fmax(8.0 * on_uv, off_uv + ACT_UNCALIBRATED_MVC_UV);
        s.lo = off_uv;
        s.inv_span = 1.0 / (hi - off_uv);
    }
    return s;
}

static inline double act_of(const act_scale *s, double env)
{
    double a = (env - s->lo) * s->inv_span;
    if (!(a > 0.0)) return 0.0; /* also NaN -> 0: fail safe */
    return a < 1.0 ? a : 1.0;
}

/* The activation a level (uV) has on this scale, unclamped. */
static inline double act_at(const act_scale *s, double level_uv) { return (level_uv - s->lo) * s->inv_span; }

/* A level given in uV or in % of MVC, in uV. */
static inline double act_level_uv(double value, int pct_mvc, double rest_uv, double mvc_uv)
{
    if (!pct_mvc) return value;
    if (mvc_uv > rest_uv) return rest_uv + value / 100.0 * (mvc_uv - rest_uv);
    return value / 100.0 * ACT_UNCALIBRATED_MVC_UV;
}

#endif

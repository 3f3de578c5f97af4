/* pipeline.h: per muscle, the chain filters -> envelope -> detector, run in blocks.
 * Owns: plugin instances and block buffers. Knows nothing of where samples come from or where
 * results go (it hands each processed block to a sink). */
#ifndef MF_PIPELINE_H
#define MF_PIPELINE_H

#include <myofeed/plugin.h>
#include <stdint.h>

#include "config/config.h"
#include "base/diag.h"
#include "host/plugin_host.h"

#define PIPELINE_BLOCK 256

typedef struct pipeline_sink {
    /* One processed block of muscle m: envelope (uV) and activation per sample, and the detector's
     * transitions; first_sample is the stream index of env[0]. */
    void (*block)(void *ctx, int m, const double *env, const double *act, uint32_t n, uint64_t first_sample,
                  const mf_transition *tr, uint32_t n_tr);
    void *ctx;
    /* Optional (NULL: not wanted, and not copied out of the lanes): the same block of muscle m after its filters,
     * before the envelope (uV), called just before block(). */
    void (*filtered)(void *ctx, int m, const double *x, uint32_t n, uint64_t first_sample);
} pipeline_sink;

typedef struct pipeline pipeline;

/* Creates every plugin instance for the muscles of c at sample rate fs with n_channels inputs.
 * Returns NULL with every problem in d (FILE:LINE, muscle, plugin, what to do). */
pipeline *pipeline_build(const config *c, plugin_host *h, double fs, int n_channels, diag *d);
void pipeline_free(pipeline *p);

void pipeline_set_sink(pipeline *p, pipeline_sink sink);

/* [stream] Processes n_frames interleaved frames (n_channels values each) starting at stream sample
 * first_sample. */
void pipeline_process(pipeline *p, const double *frames, uint32_t n_frames, uint64_t first_sample);

/* [setup] Lane groups (see pipeline.c) on (the default) or off; the output is the same bits either way (tests
 * compare). Makes a new plan: returns 0, or -1 when out of memory (the old setting stays). */
int pipeline_use_lanes(pipeline *p, int on);

/* [stream] Resets every instance (after a gap in the stream). */
void pipeline_reset(pipeline *p);

int pipeline_muscles(const pipeline *p);

/* Stage timing for benchmarks: [0] moving samples in and out (de-interleaving, the sink), [1 + f] filter f of
 * every muscle, [1 + CFG_MAX_FILTERS] the envelopes, [2 + CFG_MAX_FILTERS] the detectors; total ns since
 * pipeline_profile(p, 1) (which zeroes them). Off by default: then nothing is timed. */
#define PIPELINE_STAGES (CFG_MAX_FILTERS + 3)
void pipeline_profile(pipeline *p, int on);
void pipeline_stage_ns(const pipeline *p, double ns[PIPELINE_STAGES]);

/* Threshold control. Returns 0, or -1 with the reason in err. off < 0 keeps the ratio off/on. */
int pipeline_set_threshold(pipeline *p, int m, double on, double off, char *err, size_t n);
/* Current thresholds of muscle m; returns -1 when its detector has none. */
int pipeline_get_threshold(const pipeline *p, int m, double *on, double *off);
void pipeline_set_calibration(pipeline *p, int m, const mf_calibration *cal);
int pipeline_active(const pipeline *p, int m);
/* The detector's on/off levels on the activation scale; -1 when the detector cannot tell. */
int pipeline_levels(const pipeline *p, int m, double *on_act, double *off_act);
/* [stream] The value muscle m's filters have decided for their first "auto" parameter (MF_PARAM_AUTO: the notch's
 * mains frequency): 1 and *value once decided, 0 while deciding or when none of them has one. */
int pipeline_auto_value(const pipeline *p, int m, double *value);

/* The plugin the loop is in now (NULL between blocks) and the (first) muscle it runs for: for the fatal-signal
 * report (osc/failsafe.c), which reads them from its handler. Two stores per step, no per-sample cost. */
extern const char *volatile pipeline_now_plugin;
extern volatile int pipeline_now_muscle;

#endif

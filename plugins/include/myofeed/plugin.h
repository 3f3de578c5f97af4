/*
 * myofeed/plugin.h: the myofeed plugin ABI, version 1.2. This one header is the whole SDK.
 *
 * Overview
 * --------
 * A myofeed plugin is one shared object (`<name>.so`) that exports exactly one symbol,
 * `mf_plugin_entry`, a constant `mf_plugin` descriptor. The daemon (the host) loads it with
 * dlopen(RTLD_NOW|RTLD_LOCAL) from the directories in `plugins.path`, checks the ABI version and
 * the descriptor, and then creates one instance per use (per muscle, or per amplifier).
 *
 * Kinds:
 *   MF_KIND_DECODER   bytes from an amplifier -> frames of samples in microvolts (one per channel)
 *   MF_KIND_FILTER    block of samples -> block of samples (band-pass, notch, ...), in place allowed
 *   MF_KIND_ENVELOPE  block of conditioned samples -> block of envelope values in microvolts (same ops as a filter)
 *   MF_KIND_DETECTOR  block of envelope values -> activation 0..1 per sample + on/off transitions
 *
 * Per muscle the host runs:   filters... -> envelope -> detector.
 *
 * Lifecycle of an instance (every call is tagged with its context, see "Contexts"):
 *   1. create      [setup]   allocate everything, from validated parameters and the sample rate
 *   2. reset       [stream]  forget the signal history (optional; may repeat)
 *   3. process     [stream]  any number of times, any block size including 0
 *   4. set_param   [stream]  between process calls, only for parameters flagged MF_PARAM_RUNTIME
 *   5. destroy     [setup]   free everything created in 1
 *   Steps 2-4 may repeat in any order.
 *
 * Contexts (the host runs a single thread; the tags say what a call may do):
 *   [setup]   load, --check-config, start and reload. May allocate, may fail with a message in
 *             mf_error, may log through mf_host.log.
 *   [stream]  inside the host's data path. Must not allocate or free, take locks, do I/O or other
 *             system calls, or log. Time must not depend on the signal values (A + B*n). Must accept
 *             n == 0. Must survive NaN (the host marks lost samples with NaN), +-Inf and huge values
 *             without crashing and must recover to sensible output once finite input returns.
 *
 * Samples are `double`, in microvolts for filters, envelopes and detectors. IIR state must be
 * double. Parameters are given in physical units (Hz, ms, uV); the host converts nothing.
 *
 * Parameters: each plugin describes its parameters in a table (mf_param_info). The host reads the
 * user's configuration, rejects unknown keys, wrong types and out-of-range values (with FILE:LINE),
 * fills defaults, and passes `create` an array of doubles in table order (choices as their index,
 * bools as 0/1, ints as whole numbers). A plugin never parses strings. Checks that involve several
 * parameters or the sample rate (a cut-off above Nyquist, low >= high) are done in `create`, which
 * fails with a message naming the parameter and the fix.
 *
 * Ownership: descriptor strings and tables are static in the .so and must stay valid while it is
 * loaded. The host owns every buffer passed to a call; pointers are borrowed and valid until the
 * call returns. An instance is owned by the host from create until destroy.
 *
 * Versioning: the host requires abi_major == MF_ABI_MAJOR and accepts any abi_minor; it reads only
 * the fields covered by struct_size, and an ops field added in minor version m only from plugins whose
 * abi_minor >= m. Fields are only ever appended (minor bump); anything else is a major bump.
 * History: 1.0 first release; 1.1 adds mf_filter_ops.process_many (optional); 1.2 adds
 * mf_filter_ops.process_lanes (optional); 1.3 adds MF_PARAM_AUTO and mf_plugin.get_param (optional).
 * Fill the descriptor and the ops tables with designated initializers (.process = process, ...): a
 * field appended later then starts out NULL ("not offered"), and -Wextra stays quiet. Build with -fvisibility=hidden and export only mf_plugin_entry (MF_EXPORT does that).
 *
 * Build one out of tree:
 *   cc -std=c11 -O2 -fPIC -shared -fvisibility=hidden $(pkg-config --cflags myofeed-plugin) \
 *      gain.c -o gain.so
 */
#ifndef MYOFEED_PLUGIN_H
#define MYOFEED_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MF_ABI_MAJOR 1
#define MF_ABI_MINOR 3

#if defined(__GNUC__)
#define MF_EXPORT __attribute__((visibility("default")))
#else
#define MF_EXPORT
#endif

/* The exported symbol's name, for hosts that dlsym() it. */
#define MF_PLUGIN_ENTRY_SYMBOL "mf_plugin_entry"

typedef double mf_sample;

typedef enum mf_kind { MF_KIND_DECODER = 1, MF_KIND_FILTER = 2, MF_KIND_ENVELOPE = 3, MF_KIND_DETECTOR = 4 } mf_kind;

typedef enum mf_status {
    MF_OK = 0,
    MF_ERR_ARG = -1,   /* bad argument (unknown parameter index, ...) */
    MF_ERR_RANGE = -2, /* value out of range or inconsistent with other parameters */
    MF_ERR_STATE = -3  /* not possible in the current state */
} mf_status;

/* Error text filled by a failing [setup] call. Say what is wrong and what to do, e.g.
 * "high_hz 1200 must be below Nyquist (1000 Hz at 2000 Hz); lower high_hz or raise source.sample_rate".
 * The host prefixes file:line, muscle and plugin name. */
typedef struct mf_error {
    char msg[256];
} mf_error;

/* ---------------------------------------------------------------------------------------------
 * Parameters
 * ------------------------------------------------------------------------------------------- */
typedef enum mf_param_type {
    MF_PARAM_FLOAT = 1, /* any real value in [min, max]; integers in the config are accepted */
    MF_PARAM_INT = 2,   /* whole number in [min, max] */
    MF_PARAM_BOOL = 3,  /* true/false, passed as 1.0/0.0 */
    MF_PARAM_CHOICE = 4 /* one string of `choices`, passed as its index */
} mf_param_type;

/* Flags */
#define MF_PARAM_RUNTIME 0x1u /* may be changed while streaming through set_param (e.g. thresholds) */
/* Since ABI 1.3: a MF_PARAM_FLOAT that may also be written "auto" in the configuration; create then gets NaN for it
 * and the plugin decides the value from the signal (the notch's mains frequency). It needs get_param, through which
 * the host learns the decision (NaN until then). */
#define MF_PARAM_AUTO 0x2u

typedef struct mf_param_info {
    const char *name; /* config key: lower_snake_case with the unit as suffix (cutoff_hz) */
    mf_param_type type;
    double def;                 /* default, used when the key is absent (index for CHOICE) */
    double min, max;            /* inclusive range (ignored for BOOL and CHOICE) */
    const char *unit;           /* "Hz", "ms", "uV", "" ... */
    const char *help;           /* one sentence for --list-plugins and the docs */
    uint32_t flags;             /* MF_PARAM_* */
    const char *const *choices; /* NULL-terminated list for MF_PARAM_CHOICE, else NULL */
} mf_param_info;

/* ---------------------------------------------------------------------------------------------
 * The host, as seen by a plugin
 * ------------------------------------------------------------------------------------------- */
typedef enum mf_log_level { MF_LOG_ERROR = 0, MF_LOG_WARN = 1, MF_LOG_INFO = 2, MF_LOG_DEBUG = 3 } mf_log_level;

typedef struct mf_host {
    uint32_t struct_size; /* sizeof(mf_host) of the host; check before reading appended fields */
    void *host_data;      /* opaque to the plugin */
    /* [setup] only. Logs one line attributed to this plugin. */
    void (*log)(const struct mf_host *host, mf_log_level level, const char *msg);
    /* [setup] only. Returns a host extension by id ("myofeed.<name>/<rev>"), or NULL.
     * The plugin never frees what it returns. No extensions are defined yet (ABI 1.2). */
    const void *(*extension)(const struct mf_host *host, const char *id);
} mf_host;

/* ---------------------------------------------------------------------------------------------
 * Kind-specific operations
 * ------------------------------------------------------------------------------------------- */

/* MF_KIND_FILTER and MF_KIND_ENVELOPE. */
typedef struct mf_filter_ops {
    /* [stream] Processes n samples of one channel. in == out (in place) must work. */
    void (*process)(void *self, const mf_sample *in, mf_sample *out, uint32_t n);
    /* [setup] Group delay at the pass-band in samples (for latency reports), or 0. May be NULL. */
    double (*latency)(void *self);
    /* [stream] Since ABI 1.1, optional (NULL: the host calls process per instance). Processes n samples
     * of `count` instances of this plugin in one call: instance selves[k] reads in[k] and writes out[k]
     * (in[k] == out[k] allowed; the k buffers never overlap each other). The result must equal calling
     * process on each instance in turn, up to floating-point rounding. It lets a plugin run several
     * channels' recurrences side by side (SIMD across channels) instead of one latency-bound chain at a
     * time. Instances may have different parameters; all were created by this plugin at the same
     * sample rate. Same rules as process: no allocation, blocking or logging. */
    void (*process_many)(void *const *selves, uint32_t count, const mf_sample *const *in, mf_sample *const *out,
                         uint32_t n);
    /* [stream] Since ABI 1.2, optional (NULL: not offered). Processes n samples of `count` (1..4) instances
     * of this plugin whose samples lie side by side ("lanes"): x[4 * i + k] is sample i of instance selves[k]
     * for k < count, and the output replaces it (in place). Lanes count..3 are scratch: the host puts
     * anything there, the plugin may overwrite them and must not let them change any instance. The result
     * must equal calling process on each instance in turn, up to floating-point rounding. A host that keeps
     * up to four muscles in lanes from stage to stage (the daemon does when every filter and the envelope of
     * those muscles offer it) saves a plugin that runs four channels as the lanes of one vector from
     * re-arranging the samples at every stage. x is aligned to 8 bytes only. Same rules as process: no
     * allocation, blocking or logging. */
    void (*process_lanes)(void *const *selves, uint32_t count, mf_sample *x, uint32_t n);
} mf_filter_ops;

/* One on/off decision of a detector. The decision is taken at sample `offset` of the block; the
 * contraction (or relaxation) it confirms began `delay` samples earlier (delay >= 0, and may reach
 * back into earlier blocks). Hosts report the event time as (offset - delay) and the decision
 * latency as delay. */
typedef struct mf_transition {
    uint32_t offset; /* sample index within the block, 0..n-1 */
    uint32_t delay;  /* samples between the true crossing and the decision */
    uint8_t on;      /* 1 = onset, 0 = offset */
    uint8_t reserved[3];
} mf_transition;

/* Calibration of one muscle, set by the host [stream]. mvc_uv <= rest_uv means "not calibrated":
 * then the detector normalises activation to its own threshold range. */
typedef struct mf_calibration {
    double rest_uv;    /* mean envelope level at rest */
    double mvc_uv;     /* envelope level at maximum voluntary contraction */
    double rest_sd_uv; /* standard deviation of the envelope at rest; 0 = unknown */
} mf_calibration;

/* MF_KIND_DETECTOR. Detectors that take thresholds must name them "on" and "off" (flagged
 * MF_PARAM_RUNTIME, off <= on); the host's threshold control sets them through set_param. */
typedef struct mf_detector_ops {
    /* [stream] Consumes n envelope samples (uV). Writes activation 0..1 for every sample into act
     * (n values) and up to out_cap transitions into out, in order; returns how many it wrote.
     * Transitions strictly alternate on/off starting from the state after the previous call. */
    uint32_t (*process)(void *self, const mf_sample *env, uint32_t n, mf_sample *act, mf_transition *out,
                        uint32_t out_cap);
    /* [stream] New calibration (copied). */
    void (*set_calibration)(void *self, const mf_calibration *cal);
    /* [stream] Current state: 1 active, 0 inactive. */
    int (*active)(void *self);
    /* [stream] Where the on and off levels lie right now on the activation scale (the value act would
     * have at each level; may lie outside 0..1), so displays can draw them on the activation bar.
     * May be NULL. */
    void (*levels)(void *self, double *on_act, double *off_act);
} mf_detector_ops;

/* Counters every decoder keeps (monotonic since create). */
typedef struct mf_decoder_stats {
    uint64_t bytes;        /* bytes fed */
    uint64_t frames_ok;    /* frames decoded */
    uint64_t frames_bad;   /* frames rejected (checksum, footer, range) */
    uint64_t resyncs;      /* times the decoder lost and searched for frame sync */
    uint64_t samples_lost; /* frames missing according to the device's counter (filled with NaN) */
} mf_decoder_stats;

/* One step of the start-up conversation with a device. The host writes `send` (send_len bytes, may be 0),
 * then, when `expect` is non-NULL, waits until those bytes have arrived (failing after timeout_ms), or else
 * pauses timeout_ms. Bytes received during the handshake are not decoded. */
typedef struct mf_handshake_step {
    const char *send;
    uint32_t send_len;
    const char *expect;
    uint32_t timeout_ms;
} mf_handshake_step;

/* MF_KIND_DECODER. The host reads bytes from the device in arbitrary chunks. */
typedef struct mf_decoder_ops {
    /* [setup] Number of channels per frame this instance emits. */
    uint32_t (*channels)(void *self);
    /* [stream] Consumes bytes from in[0..n) and writes whole frames, interleaved, n_channels values
     * per frame in uV, into frames (room for frames_cap frames). Lost frames (counter gaps) are
     * written as frames of NaN so time stays on the device's clock. Returns the number of bytes
     * consumed (the host calls again with the rest when the output was full) and sets *n_frames. The host
     * offers room for at least 64 frames. */
    size_t (*decode)(void *self, const uint8_t *in, size_t n, mf_sample *frames, uint32_t frames_cap,
                     uint32_t *n_frames);
    /* [stream] Copies the counters. */
    void (*stats)(void *self, mf_decoder_stats *out);
    /* [setup] The steps that start streaming (e.g. Cyton: "v", wait for "$$$", "b"); sets *n_steps.
     * NULL or 0 steps: the device streams on its own. Owned by the instance. May be NULL. */
    const mf_handshake_step *(*handshake)(void *self, uint32_t *n_steps);
    /* [setup] Bytes that stop streaming before the port is closed (e.g. Cyton "s"), or NULL. */
    const char *(*stop_command)(void *self, uint32_t *len);
    /* [stream] Forget any partial frame and sync state (after a reconnect). May be NULL. */
    void (*resync)(void *self);
} mf_decoder_ops;

/* ---------------------------------------------------------------------------------------------
 * The descriptor
 * ------------------------------------------------------------------------------------------- */
typedef struct mf_plugin {
    uint16_t abi_major;   /* MF_ABI_MAJOR when built */
    uint16_t abi_minor;   /* MF_ABI_MINOR when built */
    uint32_t struct_size; /* sizeof(mf_plugin) when built */
    mf_kind kind;
    const char *name;    /* unique, lower-case, equals the file name without ".so" */
    const char *version; /* the plugin's own version, "1.0.0" */
    const char *summary; /* one line for --list-plugins */
    const mf_param_info *params;
    uint32_t n_params;

    /* [setup] Creates an instance for a stream at sample_rate Hz with parameter values in table
     * order (already range-checked by the host). Returns NULL and fills err on failure. */
    void *(*create)(const mf_host *host, double sample_rate, const double *params, mf_error *err);
    /* [setup] Frees an instance. destroy(NULL) must do nothing. */
    void (*destroy)(void *self);
    /* [stream] Forgets signal history; parameters stay. May be NULL. */
    void (*reset)(void *self);
    /* [stream] Sets a MF_PARAM_RUNTIME parameter (index into params). Returns MF_OK, or
     * MF_ERR_ARG / MF_ERR_RANGE and changes nothing. May be NULL when no parameter is runtime. */
    mf_status (*set_param)(void *self, uint32_t index, double value);

    /* Exactly one of these is non-NULL, matching kind (filter_ops for FILTER and ENVELOPE). */
    const mf_filter_ops *filter;
    const mf_detector_ops *detector;
    const mf_decoder_ops *decoder;

    /* Since ABI 1.3, optional (hosts read it only from descriptors with abi_minor >= 3). [stream] The current value
     * of parameter index: what an "auto" parameter has been decided as, NaN while it is undecided. No allocation,
     * blocking or logging; the host calls it about once a second. Required when a parameter has MF_PARAM_AUTO. */
    double (*get_param)(void *self, uint32_t index);
} mf_plugin;

/* The one exported symbol of every plugin. */
MF_EXPORT extern const mf_plugin mf_plugin_entry;

#ifdef __cplusplus
}
#endif
#endif /* MYOFEED_PLUGIN_H */

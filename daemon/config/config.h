/* config.h: the daemon's configuration, read with libconfig and checked against the schema.
 * Owns: parsing, -o overrides, structural validation with FILE:LINE. Knows nothing of sockets,
 * devices or plugin internals: plugin blocks are kept as key/value lists and checked by params.c. */
#ifndef MF_CONFIG_H
#define MF_CONFIG_H

#include <limits.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

#define CFG_MAX_MUSCLES 32
#define CFG_MAX_FILTERS 8
#define CFG_MAX_KV 16
#define CFG_MAX_DEST 16
#define CFG_MAX_ALLOW 8
#define CFG_MAX_PLUGIN_DIRS 8
#define CFG_NAME_MAX 32
#define CFG_WHERE_MAX 300
#define CFG_MAX_COLUMNS 64
#define CFG_PATIENT_MAX 64
#define CFG_MAX_FILE_BYTES (1024 * 1024) /* a configuration with its includes; larger is refused */
#define CFG_MAX_SETTINGS 5000            /* settings in it (libconfig's parser is quadratic in them) */
#define CFG_MAX_INCLUDE_DEPTH 8

/* A column of a recording to replay (source.columns): by number, or by header name when index is 0. */
typedef struct cfg_column {
    int index; /* 1-based; 0 = by name */
    char name[64];
} cfg_column;

enum source_type { SOURCE_SYNTHETIC = 0, SOURCE_SERIAL, SOURCE_REPLAY };
/* A profile is its content (what a target gets) and its delivery: osc_profile_names[p] for p in 0..5 is
 * "frame", "muscles", "full" (one message per datagram), then the same with "+bundle" (each tick's messages as
 * bundles). */
enum osc_profile { PROFILE_FRAME = 0, PROFILE_MUSCLES, PROFILE_FULL, PROFILE_N_CONTENT };
#define PROFILE_BUNDLED(p) ((p) >= PROFILE_N_CONTENT)
#define PROFILE_CONTENT(p) ((p) % PROFILE_N_CONTENT)

extern const char *const source_type_names[];
extern const char *const osc_profile_names[];

/* One key = value inside a plugin block. */
typedef struct cfg_kv {
    char key[CFG_NAME_MAX];
    enum { KV_NUM, KV_BOOL, KV_STR } type;
    int is_int;
    double num;
    char str[64];
    char where[CFG_WHERE_MAX];
} cfg_kv;

/* A plugin reference: { plugin = "name"; key = value; ... } */
typedef struct cfg_plugin {
    char name[CFG_NAME_MAX];
    char where[CFG_WHERE_MAX]; /* of the block */
    int n_kv;
    cfg_kv kv[CFG_MAX_KV];
} cfg_plugin;

typedef struct cfg_muscle {
    char name[CFG_NAME_MAX];
    char where[CFG_WHERE_MAX];
    int channel; /* 1-based, as printed on amplifiers */
    double rep_hold_s;
    int has_target; /* target_pct was given */
    double target_lo_pct, target_hi_pct;
    int n_filters;
    cfg_plugin filters[CFG_MAX_FILTERS];
    cfg_plugin envelope;
    cfg_plugin detector;
} cfg_muscle;

#define CFG_MAX_PROTOCOLS 16
#define CFG_PROTOCOL_MUSCLES 8

/* An exercise protocol (protocols = ( ... ), or config/protocols.cfg's when the file has none). */
typedef struct cfg_protocol {
    char name[CFG_NAME_MAX];
    char where[CFG_WHERE_MAX];
    int n_muscles, n_relax;
    char muscles[CFG_PROTOCOL_MUSCLES][CFG_NAME_MAX]; /* the muscles that work */
    char relax[CFG_PROTOCOL_MUSCLES][CFG_NAME_MAX];   /* the muscles that must stay relaxed */
    int alternate;                                    /* reps take the muscles in turn */
    double relax_limit_pct, target_lo_pct, target_hi_pct;
    double hold_s, reach_s, rest_s, set_rest_s, get_ready_s;
    int reps, sets;
} cfg_protocol;

typedef struct cfg_dest {
    char host[64];
    struct sockaddr_in addr;
    int profile;
    char where[CFG_WHERE_MAX];
} cfg_dest;

typedef struct cfg_cidr {
    uint32_t net, mask; /* host byte order */
} cfg_cidr;

typedef struct config {
    char path[PATH_MAX]; /* the file read, or "(built-in default)" */
    struct {
        int type;
        char port[PATH_MAX];
        char usb[64];
        int baud;
        char decoder[CFG_NAME_MAX];
        double sample_rate;
        int channels;
        char file[PATH_MAX];
        double speed;
        double effort_pct; /* synthetic: in a protocol's work phases */
        double mains_hz;   /* synthetic: its hum */
        int fail_every;
        int follow_calibration; /* synthetic: relaxes for a rest calibration, pushes for an MVC */
        uint32_t seed;
        int n_columns;
        cfg_column columns[CFG_MAX_COLUMNS];
        double scale;
        int sample_rate_set; /* sample_rate was written in the file or with -o */
        double watchdog_ms;
        cfg_plugin options; /* the decoder's parameters (source.options = { ... }) */
        char where_channels[CFG_WHERE_MAX];
    } source;
    struct {
        char prefix[32];
        struct sockaddr_in control;
        double rate_hz;
        double lease_s;
        int n_allow;
        cfg_cidr allow[CFG_MAX_ALLOW];
        int n_admin;
        cfg_cidr admin[CFG_MAX_ALLOW];
        int n_subscribe_hosts;
        cfg_cidr subscribe_hosts[CFG_MAX_ALLOW];
        int allow_remote;
        int n_dest;
        cfg_dest dest[CFG_MAX_DEST];
    } osc;
    struct {
        char dir[PATH_MAX];
        char patient[CFG_PATIENT_MAX];
        int record;         /* a protocol starts and stops a session record */
        char database[512]; /* "postgresql://..." or "" */
        char station[64];   /* this station's name (the host name when not given) */
    } session;
    int n_plugin_dirs;
    char plugin_dirs[CFG_MAX_PLUGIN_DIRS][PATH_MAX];
    int n_muscles;
    cfg_muscle muscles[CFG_MAX_MUSCLES];
    int n_protocols;
    int protocols_builtin; /* the file had none: config/protocols.cfg's */
    cfg_protocol protocols[CFG_MAX_PROTOCOLS];
} config;

/* The text of config/myofeed.cfg, compiled in (embedded_config.c, generated at build time). */
extern const char embedded_config[];
/* The text of config/protocols.cfg: the protocols of a configuration that has none. */
extern const char embedded_protocols[];

/* The protocol called name, or NULL. */
const cfg_protocol *config_protocol(const config *c, const char *name);

/* Reads `path` (or the embedded default when path is NULL), applies the -o overrides
 * ("KEY=VALUE" strings) and validates the structure. Returns a new config (free with config_free)
 * or NULL with every problem in d. `exe_dir` expands $ORIGIN in plugins.path. */
config *config_load(const char *path, const char *const *overrides, int n_overrides, const char *exe_dir, diag *d);

/* As config_load, but returns the configuration even when values were rejected (invalid values keep
 * their defaults), so --check-config can go on to check plugins and report every problem at once.
 * NULL only when the file could not be read or parsed. The caller must check d->n. */
config *config_load_partial(const char *path, const char *const *overrides, int n_overrides, const char *exe_dir,
                            diag *d);
/* Reads configuration text (no -o overrides; "(configuration text)" in messages): for the fuzzer and tests. */
config *config_load_text(const char *text, const char *exe_dir, diag *d);
void config_free(config *c);

/* Writes "; did you mean 'x'?" (closest of known) or the list of known keys into buf. */
void config_hint(const char *key, const char *const *known, char *buf, size_t n);

/* Parses "A.B.C.D:PORT" (numeric only, no name lookup). Returns 0 or -1. */
int config_parse_hostport(const char *s, struct sockaddr_in *out);
/* Parses "0403:6015" or "0403:6015:DQ00ABCD" (source.usb: hex VID:PID[:serial]). Returns 0 or -1. */
int config_parse_usb(const char *spec, int *vid, int *pid, char *serial, size_t n);
/* A patient id: 1..63 letters, digits, '-', '_' or '.', not starting with '.' (it names a folder). */
int config_patient_id_valid(const char *id);
/* Parses "A.B.C.D/N" or "A.B.C.D". Returns 0 or -1. */
int config_parse_cidr(const char *s, cfg_cidr *out);

#endif

/* config.c: reads the libconfig file, applies -o overrides and checks every key against the schema
 * below. libconfig ignores unknown keys and refuses `1` where a float is meant; both are handled here:
 * unknown keys are errors (with a "did you mean" hint) and numbers accept either form. */
#include "config.h"
#include "port_find.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const source_type_names[] = {"synthetic", "serial", "replay", NULL};
const char *const osc_profile_names[] = {"frame", "muscles", "full", NULL};

static const char *const top_keys[] = {"source", "osc", "session", "plugins", "muscles", NULL};
static const char *const source_keys[] = {"type", "port",  "usb",  "baud",    "decoder", "sample_rate", "channels",
                                          "file", "speed", "seed", "columns", "scale",   "options",
                                          "watchdog_ms", NULL};
static const char *const osc_keys[] = {"prefix", "control", "allow", "rate_hz", "lease_s", "destinations", NULL};
static const char *const dest_keys[] = {"host", "port", "profile", NULL};
static const char *const session_keys[] = {"dir", NULL};
static const char *const plugins_keys[] = {"path", NULL};
static const char *const muscle_keys[] = {"name", "channel", "filters", "envelope", "detector", "rep_hold_s", NULL};

/* Scalar keys -o may create when the file lacks them, with their type ('s', 'i', 'f'). */
static const struct {
    const char *path;
    char type;
} override_schema[] = {
    {"source.type", 's'}, {"source.port", 's'}, {"source.usb", 's'},      {"source.baud", 'i'},
    {"source.decoder", 's'}, {"source.sample_rate", 'f'}, {"source.channels", 'i'}, {"source.file", 's'},
    {"source.speed", 'f'}, {"source.seed", 'i'}, {"source.scale", 'f'}, {"source.watchdog_ms", 'f'}, {"osc.prefix", 's'}, {"osc.control", 's'},
    {"osc.rate_hz", 'f'}, {"osc.lease_s", 'f'}, {"session.dir", 's'},
};

/* ---------------------------------------------------------------------------------------------- */

static void where_of(const config_setting_t *s, const config *c, char *buf, size_t n)
{
    int line = config_setting_source_line(s);
    const char *file = config_setting_source_file(s);
    const char *hook = config_setting_get_hook(s);
    if (hook)
        snprintf(buf, n, "-o %s", hook);
    else if (line > 0)
        snprintf(buf, n, "%s:%d", file ? file : c->path, line);
    else
        snprintf(buf, n, "%s", c->path);
}

#define WHERE(s) (where_of((s), c, wbuf, sizeof wbuf), wbuf)

static const char *type_word(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_GROUP: return "a group { ... }";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a number";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_ARRAY: return "an array [ ... ]";
    case CONFIG_TYPE_LIST: return "a list ( ... )";
    default: return "something else";
    }
}

static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40) return 99;
    int d[41][41];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    return d[la][lb];
}

/* Appends "; did you mean 'x'?" or the list of known keys. */
void config_hint(const char *key, const char *const *known, char *buf, size_t n)
{
    const char *best = NULL;
    int bd = 3;
    for (int i = 0; known[i]; i++) {
        int dd = edit_distance(key, known[i]);
        if (dd < bd) {
            bd = dd;
            best = known[i];
        }
    }
    if (best) {
        snprintf(buf, n, "; did you mean '%s'?", best);
        return;
    }
    size_t off = (size_t)snprintf(buf, n, "; known keys:");
    for (int i = 0; known[i] && off < n; i++) off += (size_t)snprintf(buf + off, n - off, " %s", known[i]);
}

static void check_keys(const config_setting_t *g, const char *const *known, const char *ctx, config *c, diag *d)
{
    char wbuf[CFG_WHERE_MAX], hint[256];
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        if (!name) continue;
        int ok = 0;
        for (int k = 0; known[k]; k++) ok |= strcmp(name, known[k]) == 0;
        if (!ok) {
            config_hint(name, known, hint, sizeof hint);
            diag_add(d, WHERE(s), "unknown key '%s' in %s%s", name, ctx, hint);
        }
    }
}

static int is_number(const config_setting_t *s)
{
    int t = config_setting_type(s);
    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT;
}

static double number_of(const config_setting_t *s)
{
    return config_setting_type(s) == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
                                                       : (double)config_setting_get_int64(s);
}

/* Reads a number (integer or float) in [min, max]; absent -> def. Returns 0, or -1 (diag added). */
static int get_num(const config_setting_t *g, const char *key, const char *ctx, double def, double min, double max,
                   const char *unit, int integer, double *out, config *c, diag *d)
{
    char wbuf[CFG_WHERE_MAX];
    *out = def;
    config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (!s) return 0;
    if (!is_number(s)) {
        diag_add(d, WHERE(s), "%s.%s must be %s, not %s", ctx, key, integer ? "an integer" : "a number",
                 type_word(s));
        return -1;
    }
    double v = number_of(s);
    if (integer && v != floor(v)) {
        diag_add(d, WHERE(s), "%s.%s must be a whole number, not %g", ctx, key, v);
        return -1;
    }
    if (!(v >= min && v <= max)) {
        diag_add(d, WHERE(s), "%s.%s = %g is out of range; use %g to %g%s%s", ctx, key, v, min, max, *unit ? " " : "",
                 unit);
        return -1;
    }
    *out = v;
    return 0;
}

static int get_str(const config_setting_t *g, const char *key, const char *ctx, const char *def, char *buf,
                   size_t n, config *c, diag *d)
{
    char wbuf[CFG_WHERE_MAX];
    snprintf(buf, n, "%s", def);
    config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (!s) return 0;
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        diag_add(d, WHERE(s), "%s.%s must be a string in double quotes, not %s", ctx, key, type_word(s));
        return -1;
    }
    const char *v = config_setting_get_string(s);
    if (strlen(v) >= n) {
        diag_add(d, WHERE(s), "%s.%s is too long (%zu characters; at most %zu)", ctx, key, strlen(v), n - 1);
        return -1;
    }
    snprintf(buf, n, "%s", v);
    return 0;
}

static int get_choice(const config_setting_t *g, const char *key, const char *ctx, const char *const *choices,
                      int def, int *out, config *c, diag *d)
{
    char wbuf[CFG_WHERE_MAX], v[64];
    *out = def;
    if (get_str(g, key, ctx, choices[def], v, sizeof v, c, d) != 0) return -1;
    for (int i = 0; choices[i]; i++)
        if (strcmp(v, choices[i]) == 0) {
            *out = i;
            return 0;
        }
    char list[200];
    size_t off = 0;
    for (int i = 0; choices[i]; i++) off += (size_t)snprintf(list + off, sizeof list - off, "%s\"%s\"", i ? ", " : "", choices[i]);
    diag_add(d, WHERE(config_setting_get_member(g, key)), "%s.%s = \"%s\" is not one of %s", ctx, key, v, list);
    return -1;
}

/* ---------------------------------------------------------------------------------------------- */

int config_parse_hostport(const char *s, struct sockaddr_in *out)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host || colon == s) return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port < 1 || port > 65535) return -1;
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
    return inet_pton(AF_INET, host, &out->sin_addr) == 1 ? 0 : -1;
}

int config_parse_cidr(const char *s, cfg_cidr *out)
{
    char ip[64];
    long bits = 32;
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    if (len >= sizeof ip) return -1;
    memcpy(ip, s, len);
    ip[len] = 0;
    if (slash) {
        char *end;
        bits = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1 || bits < 0 || bits > 32) return -1;
    }
    struct in_addr a;
    if (inet_pton(AF_INET, ip, &a) != 1) return -1;
    out->mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
    out->net = ntohl(a.s_addr) & out->mask;
    return 0;
}

static int name_is_valid(const char *n)
{
    if (!*n || !islower((unsigned char)n[0])) return 0;
    for (const char *p = n; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')) return 0;
    return 1;
}

static int prefix_is_valid(const char *p)
{
    if (p[0] != '/' || p[1] == 0 || p[strlen(p) - 1] == '/') return 0;
    for (const char *q = p; *q; q++)
        if (!(isalnum((unsigned char)*q) || *q == '_' || *q == '-' || *q == '/')) return 0;
    return strstr(p, "//") == NULL;
}

/* ---------------------------------------------------------------------------------------------- */

static void read_plugin_kv(const config_setting_t *g, const char *ctx, cfg_plugin *p, config *c, diag *d);

static void read_plugin(const config_setting_t *g, const char *ctx, cfg_plugin *p, config *c, diag *d)
{
    char wbuf[CFG_WHERE_MAX];
    memset(p, 0, sizeof *p);
    snprintf(p->where, sizeof p->where, "%s", WHERE(g));
    if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
        diag_add(d, p->where, "%s must be a group { plugin = \"name\"; ... }, not %s", ctx, type_word(g));
        return;
    }
    config_setting_t *ps = config_setting_get_member(g, "plugin");
    if (!ps) {
        diag_add(d, p->where, "%s has no plugin = \"name\"; name the plugin to use (see myofeedd --list-plugins)", ctx);
        return;
    }
    get_str(g, "plugin", ctx, "", p->name, sizeof p->name, c, d);
    char name[CFG_NAME_MAX];
    snprintf(name, sizeof name, "%s", p->name);
    read_plugin_kv(g, ctx, p, c, d);
    snprintf(p->name, sizeof p->name, "%s", name);
}

static void read_plugin_kv(const config_setting_t *g, const char *ctx, cfg_plugin *p, config *c, diag *d)
{
    char wbuf[CFG_WHERE_MAX];
    char keep_where[CFG_WHERE_MAX];
    snprintf(keep_where, sizeof keep_where, "%s", p->where[0] ? p->where : WHERE(g));
    p->n_kv = 0;
    snprintf(p->where, sizeof p->where, "%s", keep_where);
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        if (!name || strcmp(name, "plugin") == 0) continue;
        if (p->n_kv >= CFG_MAX_KV) {
            diag_add(d, WHERE(s), "%s has more than %d parameters", ctx, CFG_MAX_KV);
            break;
        }
        cfg_kv *kv = &p->kv[p->n_kv];
        snprintf(kv->key, sizeof kv->key, "%s", name);
        snprintf(kv->where, sizeof kv->where, "%s", WHERE(s));
        if (is_number(s)) {
            kv->type = KV_NUM;
            kv->num = number_of(s);
            kv->is_int = config_setting_type(s) != CONFIG_TYPE_FLOAT;
        } else if (config_setting_type(s) == CONFIG_TYPE_BOOL) {
            kv->type = KV_BOOL;
            kv->num = config_setting_get_bool(s);
        } else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
            kv->type = KV_STR;
            snprintf(kv->str, sizeof kv->str, "%s", config_setting_get_string(s));
        } else {
            diag_add(d, kv->where, "%s.%s must be a number, boolean or string, not %s", ctx, name, type_word(s));
            continue;
        }
        p->n_kv++;
    }
}

static void read_source(config_setting_t *g, config *c, diag *d)
{
    char wbuf[CFG_WHERE_MAX];
    double v;
    if (g) check_keys(g, source_keys, "source", c, d);
    get_choice(g, "type", "source", source_type_names, SOURCE_SYNTHETIC, &c->source.type, c, d);
    get_str(g, "port", "source", "", c->source.port, sizeof c->source.port, c, d);
    get_str(g, "usb", "source", "", c->source.usb, sizeof c->source.usb, c, d);
    get_str(g, "decoder", "source", "", c->source.decoder, sizeof c->source.decoder, c, d);
    get_str(g, "file", "source", "", c->source.file, sizeof c->source.file, c, d);
    get_num(g, "baud", "source", 115200, 300, 4000000, "baud", 1, &v, c, d);
    c->source.baud = (int)v;
    get_num(g, "sample_rate", "source", 2000, 1, 100000, "Hz", 0, &c->source.sample_rate, c, d);
    get_num(g, "channels", "source", 4, 1, 64, "", 1, &v, c, d);
    c->source.channels = (int)v;
    get_num(g, "speed", "source", 1.0, 0, 10000, "x real time", 0, &c->source.speed, c, d);
    get_num(g, "seed", "source", 1, 0, 4294967295.0, "", 1, &v, c, d);
    c->source.seed = (uint32_t)v;
    get_num(g, "scale", "source", 1.0, -1e9, 1e9, "", 0, &c->source.scale, c, d);
    get_num(g, "watchdog_ms", "source", 1000, 50, 600000, "ms", 0, &c->source.watchdog_ms, c, d);
    config_setting_t *opts = g ? config_setting_get_member(g, "options") : NULL;
    memset(&c->source.options, 0, sizeof c->source.options);
    if (opts) {
        if (!config_setting_is_group(opts)) {
            diag_add(d, WHERE(opts), "source.options must be a group { key = value; ... } of the decoder's parameters");
        } else {
            /* the decoder's parameters: the same key/value form as a plugin block, without "plugin" */
            read_plugin_kv(opts, "source.options", &c->source.options, c, d);
        }
    } else if (g) {
        snprintf(c->source.options.where, sizeof c->source.options.where, "%s", WHERE(g));
    }
    if (c->source.usb[0]) {
        int vid, pid;
        char serial[128];
        if (port_parse_usb(c->source.usb, &vid, &pid, serial, sizeof serial) != 0)
            diag_add(d, WHERE(config_setting_get_member(g, "usb")),
                     "source.usb \"%s\" must be VID:PID or VID:PID:serial in hex, e.g. \"0403:6015\" (see "
                     "myofeedd --list-ports)",
                     c->source.usb);
    }
    c->source.sample_rate_set = g && config_setting_get_member(g, "sample_rate") != NULL;
    config_setting_t *cols = g ? config_setting_get_member(g, "columns") : NULL;
    if (!cols) {
        c->source.n_columns = 0; /* set from the muscles' channels (see default_columns) */
    } else if (!config_setting_is_aggregate(cols) || config_setting_is_group(cols) ||
               config_setting_length(cols) < 1 || config_setting_length(cols) > REC_MAX_COLUMNS) {
        diag_add(d, WHERE(cols), "source.columns must be an array of 1 to %d column numbers (from 1) or names, "
                                 "e.g. [2, 4] or [\"ch2_biceps_femoris\"]",
                 REC_MAX_COLUMNS);
    } else {
        for (int i = 0; i < config_setting_length(cols); i++) {
            config_setting_t *e = config_setting_get_elem(cols, (unsigned)i);
            rec_column *rc = &c->source.columns[c->source.n_columns];
            memset(rc, 0, sizeof *rc);
            if (config_setting_type(e) == CONFIG_TYPE_STRING) {
                snprintf(rc->name, sizeof rc->name, "%s", config_setting_get_string(e));
            } else if (is_number(e) && number_of(e) >= 1 && number_of(e) <= 1000 && number_of(e) == floor(number_of(e))) {
                rc->index = (int)number_of(e);
            } else {
                diag_add(d, WHERE(e), "source.columns entries are column numbers from 1 or column names");
                continue;
            }
            c->source.n_columns++;
        }
    }
    config_setting_t *ch = g ? config_setting_get_member(g, "channels") : NULL;
    snprintf(c->source.where_channels, sizeof c->source.where_channels, "%s",
             ch ? WHERE(ch) : (g ? WHERE(g) : c->path));
    const char *where = g ? WHERE(g) : c->path;
    if (c->source.type == SOURCE_SERIAL) {
        if (!c->source.port[0] && !c->source.usb[0])
            diag_add(d, where, "source.type = \"serial\" needs source.port (a path such as /dev/ttyUSB0) or "
                               "source.usb (\"VID:PID[:serial]\"; see myofeedd --list-ports)");
        if (!c->source.decoder[0])
            diag_add(d, where, "source.type = \"serial\" needs source.decoder (e.g. \"openbci-cyton\"; see "
                               "myofeedd --list-plugins)");
    }
    if (c->source.type == SOURCE_REPLAY && !c->source.file[0])
        diag_add(d, where, "source.type = \"replay\" needs source.file (a recording to replay)");
}

static void read_osc(config_setting_t *g, config *c, diag *d)
{
    char wbuf[CFG_WHERE_MAX], tmp[128];
    if (g) check_keys(g, osc_keys, "osc", c, d);
    if (get_str(g, "prefix", "osc", "/emg", c->osc.prefix, sizeof c->osc.prefix, c, d) == 0 &&
        !prefix_is_valid(c->osc.prefix))
        diag_add(d, WHERE(config_setting_get_member(g, "prefix")),
                 "osc.prefix \"%s\" must start with '/', use only letters, digits, '_', '-' and '/', and not end "
                 "with '/' (e.g. \"/emg\")",
                 c->osc.prefix);
    if (get_str(g, "control", "osc", "127.0.0.1:17700", tmp, sizeof tmp, c, d) == 0 &&
        config_parse_hostport(tmp, &c->osc.control) != 0)
        diag_add(d, WHERE(config_setting_get_member(g, "control")),
                 "osc.control \"%s\" must be a numeric IPv4 HOST:PORT such as \"127.0.0.1:17700\"", tmp);
    get_num(g, "rate_hz", "osc", 50, 1, 200, "Hz", 0, &c->osc.rate_hz, c, d);
    get_num(g, "lease_s", "osc", 10, 1, 3600, "s", 0, &c->osc.lease_s, c, d);

    config_setting_t *allow = g ? config_setting_get_member(g, "allow") : NULL;
    if (!allow) {
        config_parse_cidr("127.0.0.0/8", &c->osc.allow[0]);
        c->osc.n_allow = 1;
    } else if (!config_setting_is_aggregate(allow) || config_setting_is_group(allow)) {
        diag_add(d, WHERE(allow), "osc.allow must be an array of CIDR strings, e.g. [\"127.0.0.0/8\"]");
    } else {
        for (int i = 0; i < config_setting_length(allow); i++) {
            config_setting_t *e = config_setting_get_elem(allow, (unsigned)i);
            if (c->osc.n_allow >= CFG_MAX_ALLOW) {
                diag_add(d, WHERE(e), "osc.allow has more than %d entries", CFG_MAX_ALLOW);
                break;
            }
            if (config_setting_type(e) != CONFIG_TYPE_STRING ||
                config_parse_cidr(config_setting_get_string(e), &c->osc.allow[c->osc.n_allow]) != 0)
                diag_add(d, WHERE(e), "osc.allow entries must be IPv4 CIDR strings such as \"127.0.0.0/8\"");
            else
                c->osc.n_allow++;
        }
    }

    config_setting_t *dl = g ? config_setting_get_member(g, "destinations") : NULL;
    if (!dl) return;
    if (!config_setting_is_list(dl)) {
        diag_add(d, WHERE(dl), "osc.destinations must be a list ( { host = \"...\"; port = N; profile = \"...\"; } )");
        return;
    }
    for (int i = 0; i < config_setting_length(dl); i++) {
        config_setting_t *e = config_setting_get_elem(dl, (unsigned)i);
        char ctx[48];
        snprintf(ctx, sizeof ctx, "osc.destinations.[%d]", i);
        if (c->osc.n_dest >= CFG_MAX_DEST) {
            diag_add(d, WHERE(e), "more than %d osc.destinations", CFG_MAX_DEST);
            break;
        }
        if (!config_setting_is_group(e)) {
            diag_add(d, WHERE(e), "%s must be a group { host = \"...\"; port = N; }", ctx);
            continue;
        }
        check_keys(e, dest_keys, ctx, c, d);
        cfg_dest *ds = &c->osc.dest[c->osc.n_dest];
        double port;
        int bad = get_str(e, "host", ctx, "127.0.0.1", ds->host, sizeof ds->host, c, d);
        bad |= get_num(e, "port", ctx, 0, 1, 65535, "", 1, &port, c, d);
        bad |= get_choice(e, "profile", ctx, osc_profile_names, PROFILE_MUSCLES, &ds->profile, c, d);
        if (!config_setting_get_member(e, "port")) {
            diag_add(d, WHERE(e), "%s needs port = N (the UDP port the receiver listens on)", ctx);
            bad = 1;
        }
        snprintf(ds->where, sizeof ds->where, "%s", WHERE(e));
        if (bad) continue;
        char hp[96];
        snprintf(hp, sizeof hp, "%s:%d", ds->host, (int)port);
        if (config_parse_hostport(hp, &ds->addr) != 0) {
            diag_add(d, WHERE(e), "%s.host \"%s\" must be a numeric IPv4 address (no name lookups in the daemon)", ctx,
                     ds->host);
            continue;
        }
        c->osc.n_dest++;
    }
}

static void read_plugins(config_setting_t *g, config *c, const char *exe_dir, diag *d)
{
    char wbuf[CFG_WHERE_MAX];
    if (g) check_keys(g, plugins_keys, "plugins", c, d);
    config_setting_t *pl = g ? config_setting_get_member(g, "path") : NULL;
    const char *defaults[] = {"$ORIGIN/../lib/myofeed/plugins"};
    int n = pl ? config_setting_length(pl) : 1;
    if (pl && (!config_setting_is_aggregate(pl) || config_setting_is_group(pl))) {
        diag_add(d, WHERE(pl), "plugins.path must be an array of directories, e.g. [\"/usr/lib/myofeed/plugins\"]");
        return;
    }
    char base[PATH_MAX] = ".";
    const char *slash = strrchr(c->path, '/');
    if (slash && c->path[0] != '(') snprintf(base, sizeof base, "%.*s", (int)(slash - c->path), c->path);
    for (int i = 0; i < n; i++) {
        const char *dir;
        if (pl) {
            config_setting_t *e = config_setting_get_elem(pl, (unsigned)i);
            if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                diag_add(d, WHERE(e), "plugins.path entries must be strings");
                continue;
            }
            dir = config_setting_get_string(e);
        } else {
            dir = defaults[i];
        }
        if (c->n_plugin_dirs >= CFG_MAX_PLUGIN_DIRS) {
            diag_add(d, WHERE(pl), "plugins.path has more than %d directories", CFG_MAX_PLUGIN_DIRS);
            break;
        }
        char *out = c->plugin_dirs[c->n_plugin_dirs++];
        if (strncmp(dir, "$ORIGIN", 7) == 0)
            snprintf(out, PATH_MAX, "%s%s", exe_dir, dir + 7);
        else if (dir[0] == '/')
            snprintf(out, PATH_MAX, "%s", dir);
        else
            snprintf(out, PATH_MAX, "%.2000s/%.2000s", base, dir);
    }
}

static void read_muscle(config_setting_t *m, int index, config *c, diag *d)
{
    char wbuf[CFG_WHERE_MAX], ctx[64];
    snprintf(ctx, sizeof ctx, "muscles.[%d]", index);
    if (!config_setting_is_group(m)) {
        diag_add(d, WHERE(m), "%s must be a group { name = \"...\"; channel = N; ... }", ctx);
        return;
    }
    check_keys(m, muscle_keys, ctx, c, d);
    cfg_muscle *mu = &c->muscles[c->n_muscles];
    memset(mu, 0, sizeof *mu);
    snprintf(mu->where, sizeof mu->where, "%s", WHERE(m));
    config_setting_t *ns = config_setting_get_member(m, "name");
    if (!ns)
        diag_add(d, mu->where, "%s needs name = \"...\" (e.g. \"hamstring_left\")", ctx);
    else if (get_str(m, "name", ctx, "", mu->name, sizeof mu->name, c, d) == 0) {
        static const char *const reserved[] = {"frame", "sys", "ctl", "session", "calib", NULL};
        int is_reserved = 0;
        for (int i = 0; reserved[i]; i++) is_reserved |= strcmp(mu->name, reserved[i]) == 0;
        if (!name_is_valid(mu->name) || is_reserved)
            diag_add(d, WHERE(ns),
                     "muscle name \"%s\" must start with a lower-case letter and use only a-z, 0-9 and '_' "
                     "(and not be frame, sys, ctl, session or calib): it becomes an OSC address",
                     mu->name);
        for (int i = 0; i < c->n_muscles; i++)
            if (strcmp(c->muscles[i].name, mu->name) == 0)
                diag_add(d, WHERE(ns), "muscle name \"%s\" is used twice (first at %s); names must be unique",
                         mu->name, c->muscles[i].where);
    }
    double ch;
    if (!config_setting_get_member(m, "channel"))
        diag_add(d, mu->where, "%s needs channel = N (the amplifier input, counted from 1)", ctx);
    else if (get_num(m, "channel", ctx, 1, 1, 64, "", 1, &ch, c, d) == 0)
        mu->channel = (int)ch;
    get_num(m, "rep_hold_s", ctx, 0.5, 0, 600, "s", 0, &mu->rep_hold_s, c, d);

    config_setting_t *fl = config_setting_get_member(m, "filters");
    if (fl) {
        if (!config_setting_is_list(fl)) {
            diag_add(d, WHERE(fl), "%s.filters must be a list ( { plugin = \"...\"; ... }, ... )", ctx);
        } else {
            for (int i = 0; i < config_setting_length(fl); i++) {
                if (mu->n_filters >= CFG_MAX_FILTERS) {
                    diag_add(d, WHERE(fl), "%s.filters has more than %d filters", ctx, CFG_MAX_FILTERS);
                    break;
                }
                char fctx[80];
                snprintf(fctx, sizeof fctx, "%s.filters.[%d]", ctx, i);
                read_plugin(config_setting_get_elem(fl, (unsigned)i), fctx, &mu->filters[mu->n_filters++], c, d);
            }
        }
    }
    config_setting_t *ev = config_setting_get_member(m, "envelope");
    char pctx[80];
    snprintf(pctx, sizeof pctx, "%s.envelope", ctx);
    if (!ev)
        diag_add(d, mu->where, "%s needs envelope = { plugin = \"rms\"; window_ms = 100; }", ctx);
    else
        read_plugin(ev, pctx, &mu->envelope, c, d);
    config_setting_t *de = config_setting_get_member(m, "detector");
    snprintf(pctx, sizeof pctx, "%s.detector", ctx);
    if (!de)
        diag_add(d, mu->where, "%s needs detector = { plugin = \"threshold\"; on = 15; off = 8; }", ctx);
    else
        read_plugin(de, pctx, &mu->detector, c, d);
    c->n_muscles++;
}

static void read_muscles(config_setting_t *ml, config *c, diag *d)
{
    char wbuf[CFG_WHERE_MAX];
    if (!ml) {
        diag_add(d, c->path, "no muscles = ( ... ); configure at least one muscle");
        return;
    }
    if (!config_setting_is_list(ml)) {
        diag_add(d, WHERE(ml), "muscles must be a list ( { name = \"...\"; channel = N; ... }, ... )");
        return;
    }
    int n = config_setting_length(ml);
    if (n == 0) diag_add(d, WHERE(ml), "muscles is empty; configure at least one muscle");
    for (int i = 0; i < n; i++) {
        if (c->n_muscles >= CFG_MAX_MUSCLES) {
            diag_add(d, WHERE(ml), "more than %d muscles", CFG_MAX_MUSCLES);
            break;
        }
        read_muscle(config_setting_get_elem(ml, (unsigned)i), i, c, d);
    }
}

/* ---------------------------------------------------------------------------------------------- */

static char override_type(const char *path)
{
    for (size_t i = 0; i < sizeof override_schema / sizeof override_schema[0]; i++)
        if (strcmp(path, override_schema[i].path) == 0) return override_schema[i].type;
    return 0;
}

/* Applies one "KEY=VALUE". Returns 0 or -1 (diag added). */
static int apply_override(config_t *cf, const char *ov, diag *d)
{
    char where[CFG_WHERE_MAX];
    const char *eq = strchr(ov, '=');
    snprintf(where, sizeof where, "-o %s", ov);
    if (!eq || eq == ov) {
        diag_add(d, where, "expected -o KEY=VALUE, e.g. -o source.port=/dev/ttyUSB0");
        return -1;
    }
    char path[256];
    if ((size_t)(eq - ov) >= sizeof path) {
        diag_add(d, where, "key too long");
        return -1;
    }
    memcpy(path, ov, (size_t)(eq - ov));
    path[eq - ov] = 0;
    const char *val = eq + 1;
    char *dot = strrchr(path, '.');
    char parent_path[256] = "";
    const char *leaf = path;
    if (dot) {
        memcpy(parent_path, path, (size_t)(dot - path));
        parent_path[dot - path] = 0;
        leaf = dot + 1;
    }
    config_setting_t *existing = config_lookup(cf, path);
    char type = override_type(path);
    if (existing && config_setting_is_aggregate(existing)) {
        diag_add(d, where, "%s is a group or list; -o sets one scalar setting (e.g. %s.KEY=VALUE)", path, path);
        return -1;
    }
    config_setting_t *parent = parent_path[0] ? config_lookup(cf, parent_path) : config_root_setting(cf);
    if (!existing && !type) {
        if (!parent || !config_setting_is_group(parent) || strchr(path, '[') == NULL) {
            diag_add(d, where,
                     "unknown setting '%s'; -o takes a key of the configuration such as source.port, osc.control, "
                     "session.dir or muscles.[0].detector.on",
                     path);
            return -1;
        }
    }
    if (!parent && type) {
        /* a known key in a group the file lacks: create the group */
        parent = config_setting_add(config_root_setting(cf), parent_path, CONFIG_TYPE_GROUP);
    }
    if (!parent) {
        diag_add(d, where, "cannot set '%s'", path);
        return -1;
    }
    if (!type && existing) {
        int t = config_setting_type(existing);
        type = t == CONFIG_TYPE_STRING ? 's' : t == CONFIG_TYPE_BOOL ? 'b' : 'n';
    }
    if (existing) config_setting_remove(parent, leaf);
    char *end;
    double num = strtod(val, &end);
    int numeric = *val && !*end;
    config_setting_t *s = NULL;
    if (type == 's' || (!type && !numeric && strcmp(val, "true") && strcmp(val, "false"))) {
        s = config_setting_add(parent, leaf, CONFIG_TYPE_STRING);
        if (s) config_setting_set_string(s, val);
    } else if (type == 'b' || (!type && !numeric)) {
        s = config_setting_add(parent, leaf, CONFIG_TYPE_BOOL);
        if (s) config_setting_set_bool(s, strcmp(val, "true") == 0);
    } else {
        if (!numeric) {
            diag_add(d, where, "%s needs a number, not \"%s\"", path, val);
            return -1;
        }
        int integral = strpbrk(val, ".eE") == NULL && fabs(num) < 9e18;
        s = config_setting_add(parent, leaf, integral ? CONFIG_TYPE_INT64 : CONFIG_TYPE_FLOAT);
        if (s) {
            if (integral)
                config_setting_set_int64(s, (long long)num);
            else
                config_setting_set_float(s, num);
        }
    }
    if (!s) {
        diag_add(d, where, "cannot set '%s'", path);
        return -1;
    }
    config_setting_set_hook(s, (void *)ov); /* marks the setting's origin for error messages */
    return 0;
}

/* Without source.columns a replay reads columns 1..N, N the highest channel a muscle uses: the default
 * configuration replays the first four signals of a recording. */
static void default_columns(config *c)
{
    if (c->source.n_columns) return;
    int top = 1;
    for (int i = 0; i < c->n_muscles; i++)
        if (c->muscles[i].channel > top) top = c->muscles[i].channel;
    if (top > REC_MAX_COLUMNS) top = REC_MAX_COLUMNS;
    for (int k = 0; k < top; k++) {
        memset(&c->source.columns[k], 0, sizeof c->source.columns[k]);
        c->source.columns[k].index = k + 1;
    }
    c->source.n_columns = top;
}

static config *load(const char *path, const char *const *overrides, int n_overrides, const char *exe_dir, diag *d,
                    int partial)
{
    config *c = calloc(1, sizeof *c);
    config_t cf;
    if (!c) {
        diag_add(d, path ? path : "(built-in default)", "out of memory");
        return NULL;
    }
    config_init(&cf);
    config_set_options(&cf, CONFIG_OPTION_AUTOCONVERT);
    int ok;
    if (path) {
        snprintf(c->path, sizeof c->path, "%s", path);
        FILE *f = fopen(path, "r");
        if (!f) {
            diag_add(d, path, "cannot read the configuration: %s; check the path given with -c", strerror(errno));
            goto fail;
        }
        fclose(f);
        char dir[PATH_MAX] = ".";
        const char *slash = strrchr(path, '/');
        if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        config_set_include_dir(&cf, dir);
        ok = config_read_file(&cf, path);
    } else {
        snprintf(c->path, sizeof c->path, "(built-in default)");
        ok = config_read_string(&cf, embedded_config);
    }
    if (!ok) {
        char where[CFG_WHERE_MAX];
        const char *ef = config_error_file(&cf);
        if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
            snprintf(where, sizeof where, "%s", ef ? ef : c->path);
        else
            snprintf(where, sizeof where, "%s:%d", ef ? ef : c->path, config_error_line(&cf));
        diag_add(d, where, "%s; fix the syntax (settings end with ';', strings are in double quotes)",
                 config_error_text(&cf));
        goto fail;
    }
    int bad = 0;
    for (int i = 0; i < n_overrides; i++) bad |= apply_override(&cf, overrides[i], d);
    if (bad) goto fail;

    config_setting_t *root = config_root_setting(&cf);
    check_keys(root, top_keys, "the top level", c, d);
    read_source(config_lookup(&cf, "source"), c, d);
    read_osc(config_lookup(&cf, "osc"), c, d);
    config_setting_t *sess = config_lookup(&cf, "session");
    if (sess) check_keys(sess, session_keys, "session", c, d);
    get_str(sess, "dir", "session", "sessions", c->session.dir, sizeof c->session.dir, c, d);
    read_plugins(config_lookup(&cf, "plugins"), c, exe_dir, d);
    read_muscles(config_lookup(&cf, "muscles"), c, d);
    default_columns(c);
    if (d->n && !partial) goto fail;
    config_destroy(&cf);
    return c;
fail:
    config_destroy(&cf);
    free(c);
    return NULL;
}

void config_free(config *c) { free(c); }

config *config_load(const char *path, const char *const *overrides, int n_overrides, const char *exe_dir, diag *d)
{
    return load(path, overrides, n_overrides, exe_dir, d, 0);
}

config *config_load_partial(const char *path, const char *const *overrides, int n_overrides, const char *exe_dir,
                            diag *d)
{
    return load(path, overrides, n_overrides, exe_dir, d, 1);
}

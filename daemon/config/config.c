/* config.c: reads the libconfig file, applies -o overrides and checks every key against the schema in
 * config_keys.c. libconfig ignores unknown keys and refuses `1` where a float is meant; both are handled here:
 * unknown keys are errors (with a "did you mean" hint) and numbers accept either form. */
#include "config/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config/config_keys.h"

const char *const source_type_names[] = {"synthetic", "serial", "replay", NULL};
const char *const osc_profile_names[] = {"frame",          "muscles",     "full", "frame+bundle",
                                         "muscles+bundle", "full+bundle", NULL};

/* The state of one load: the configuration being filled, its problems, and buffers for "FILE:LINE". */
typedef struct loader {
    config *c;
    diag *d;
    char where[2][CFG_WHERE_MAX];
    int next;
} loader;

/* Where setting s was written ("FILE:LINE", or "-o KEY=VALUE" for an override). The text lives until the
 * second-next call, so two may appear in one message. */
static const char *where(loader *L, const config_setting_t *s)
{
    char *buf = L->where[L->next++ & 1];
    if (!s) {
        snprintf(buf, CFG_WHERE_MAX, "%s", L->c->path);
        return buf;
    }
    int line = config_setting_source_line(s);
    const char *file = config_setting_source_file(s);
    const char *hook = config_setting_get_hook(s);
    if (hook)
        snprintf(buf, CFG_WHERE_MAX, "-o %s", hook);
    else if (line > 0)
        snprintf(buf, CFG_WHERE_MAX, "%s:%d", file ? file : L->c->path, line);
    else
        snprintf(buf, CFG_WHERE_MAX, "%s", L->c->path);
    return buf;
}

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

int config_parse_usb(const char *spec, int *vid, int *pid, char *serial, size_t n)
{
    unsigned v, p;
    int used = 0;
    if (sscanf(spec, "%4x:%4x%n", &v, &p, &used) != 2) return -1;
    if (used != 9) return -1;
    serial[0] = 0;
    if (spec[used] == ':') {
        if (!spec[used + 1]) return -1;
        snprintf(serial, n, "%s", spec + used + 1);
    } else if (spec[used]) {
        return -1;
    }
    *vid = (int)v;
    *pid = (int)p;
    return 0;
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

int config_patient_id_valid(const char *id)
{
    size_t len = strlen(id);
    if (len == 0 || len >= CFG_PATIENT_MAX || id[0] == '.') return 0;
    for (const char *p = id; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.')) return 0;
    return 1;
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

/* Every member of g must be a key of the schema under `schema` ("" top level, "osc.destinations.[]");
 * ctx names g in messages ("osc.destinations.[2]"). */
static void check_keys(loader *L, const config_setting_t *g, const char *schema, const char *ctx)
{
    const char *known[32];
    cfg_key_children(schema, known, 32);
    char hint[256];
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        if (!name) continue;
        int ok = 0;
        for (int k = 0; known[k]; k++) ok |= strcmp(name, known[k]) == 0;
        if (!ok) {
            config_hint(name, known, hint, sizeof hint);
            diag_add(L->d, where(L, s), "unknown key '%s' in %s%s", name, ctx, hint);
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

/* The schema entry of `path`; a path missing from the table is a bug of this file, caught by every test. */
static const cfg_key *key_of(const char *path)
{
    const cfg_key *k = cfg_key_find(path);
    if (!k) {
        fprintf(stderr, "myofeedd: internal error: config key %s is not in config_keys.c\n", path);
        abort();
    }
    return k;
}

/* Reads number key `path` of group g (ctx names g in messages) within the schema's range; absent: the schema's
 * default. Returns 0, or -1 (diag added; *out keeps the default). */
static int get_num(loader *L, const config_setting_t *g, const char *ctx, const char *path, double *out)
{
    const cfg_key *k = key_of(path);
    const char *leaf = cfg_key_leaf(k);
    int integer = k->type == CK_INT;
    *out = k->def;
    config_setting_t *s = g ? config_setting_get_member(g, leaf) : NULL;
    if (!s) return 0;
    if (!is_number(s)) {
        diag_add(L->d, where(L, s), "%s.%s must be %s, not %s", ctx, leaf, integer ? "an integer" : "a number",
                 type_word(s));
        return -1;
    }
    double v = number_of(s);
    if (integer && v != floor(v)) {
        diag_add(L->d, where(L, s), "%s.%s must be a whole number, not %g", ctx, leaf, v);
        return -1;
    }
    if (!(v >= k->min && v <= k->max)) {
        diag_add(L->d, where(L, s), "%s.%s = %g is out of range; use %g to %g%s%s", ctx, leaf, v, k->min, k->max,
                 *k->unit ? " " : "", k->unit);
        return -1;
    }
    *out = v;
    return 0;
}

static int get_int(loader *L, const config_setting_t *g, const char *ctx, const char *path, int *out)
{
    double v;
    int r = get_num(L, g, ctx, path, &v);
    *out = (int)v;
    return r;
}

/* Reads boolean key `path` (its default when absent). Returns 0 or -1 (diag added). */
static int get_bool(loader *L, const config_setting_t *g, const char *ctx, const char *path, int *out)
{
    const cfg_key *k = key_of(path);
    const char *leaf = cfg_key_leaf(k);
    *out = k->def != 0;
    config_setting_t *s = g ? config_setting_get_member(g, leaf) : NULL;
    if (!s) return 0;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
        diag_add(L->d, where(L, s), "%s.%s must be true or false, not %s", ctx, leaf, type_word(s));
        return -1;
    }
    *out = config_setting_get_bool(s);
    return 0;
}

/* The string setting s (named ctx.leaf in messages) into buf. Returns 0 or -1 (diag added). */
static int string_of(loader *L, const config_setting_t *s, const char *ctx, const char *leaf, char *buf, size_t n)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        diag_add(L->d, where(L, s), "%s.%s must be a string in double quotes, not %s", ctx, leaf, type_word(s));
        return -1;
    }
    const char *v = config_setting_get_string(s);
    if (strlen(v) >= n) {
        diag_add(L->d, where(L, s), "%s.%s is too long (%zu characters; at most %zu)", ctx, leaf, strlen(v), n - 1);
        return -1;
    }
    snprintf(buf, n, "%s", v);
    return 0;
}

/* Reads string key `path` into buf (absent: the schema's default). Returns 0 or -1 (diag added). */
static int get_str(loader *L, const config_setting_t *g, const char *ctx, const char *path, char *buf, size_t n)
{
    const cfg_key *k = key_of(path);
    const char *leaf = cfg_key_leaf(k);
    snprintf(buf, n, "%s", k->def_text ? k->def_text : "");
    config_setting_t *s = g ? config_setting_get_member(g, leaf) : NULL;
    if (!s) return 0;
    return string_of(L, s, ctx, leaf, buf, n);
}

/* Reads choice key `path` as the index of its value among the schema's choices. Returns 0 or -1. */
static int get_choice(loader *L, const config_setting_t *g, const char *ctx, const char *path, int *out)
{
    const cfg_key *k = key_of(path);
    char v[64];
    *out = 0;
    for (int i = 0; k->choices[i]; i++)
        if (strcmp(k->choices[i], k->def_text) == 0) *out = i;
    if (get_str(L, g, ctx, path, v, sizeof v) != 0) return -1;
    for (int i = 0; k->choices[i]; i++)
        if (strcmp(v, k->choices[i]) == 0) {
            *out = i;
            return 0;
        }
    char list[200];
    size_t off = 0;
    for (int i = 0; k->choices[i] && off < sizeof list; i++)
        off += (size_t)snprintf(list + off, sizeof list - off, "%s\"%s\"", i ? ", " : "", k->choices[i]);
    diag_add(L->d, where(L, config_setting_get_member(g, cfg_key_leaf(k))), "%s.%s = \"%s\" is not one of %s", ctx,
             cfg_key_leaf(k), v, list);
    return -1;
}

/* ---------------------------------------------------------------------------------------------- */

/* Every member of g but "plugin" as a key/value parameter of p (checked later against the plugin's table). */
static void read_plugin_kv(loader *L, const config_setting_t *g, const char *ctx, cfg_plugin *p)
{
    if (!p->where[0]) snprintf(p->where, sizeof p->where, "%s", where(L, g));
    p->n_kv = 0;
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        if (!name || strcmp(name, "plugin") == 0) continue;
        if (p->n_kv >= CFG_MAX_KV) {
            diag_add(L->d, where(L, s), "%s has more than %d parameters", ctx, CFG_MAX_KV);
            break;
        }
        cfg_kv *kv = &p->kv[p->n_kv];
        snprintf(kv->key, sizeof kv->key, "%s", name);
        snprintf(kv->where, sizeof kv->where, "%s", where(L, s));
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
            diag_add(L->d, kv->where, "%s.%s must be a number, boolean or string, not %s", ctx, name, type_word(s));
            continue;
        }
        p->n_kv++;
    }
}

/* A plugin block { plugin = "name"; key = value; ... }. */
static void read_plugin(loader *L, const config_setting_t *g, const char *ctx, cfg_plugin *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->where, sizeof p->where, "%s", where(L, g));
    if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
        diag_add(L->d, p->where, "%s must be a group { plugin = \"name\"; ... }, not %s", ctx, type_word(g));
        return;
    }
    config_setting_t *ps = config_setting_get_member(g, "plugin");
    if (!ps) {
        diag_add(L->d, p->where, "%s has no plugin = \"name\"; name the plugin to use (see myofeedd --list-plugins)",
                 ctx);
        return;
    }
    char name[CFG_NAME_MAX] = "";
    string_of(L, ps, ctx, "plugin", name, sizeof name);
    read_plugin_kv(L, g, ctx, p);
    snprintf(p->name, sizeof p->name, "%s", name);
}

/* ---------------------------------------------------------------------------------------------- */

static void read_source_scalars(loader *L, const config_setting_t *g)
{
    config *c = L->c;
    double seed;
    get_choice(L, g, "source", "source.type", &c->source.type);
    get_str(L, g, "source", "source.port", c->source.port, sizeof c->source.port);
    get_str(L, g, "source", "source.usb", c->source.usb, sizeof c->source.usb);
    get_str(L, g, "source", "source.decoder", c->source.decoder, sizeof c->source.decoder);
    get_str(L, g, "source", "source.file", c->source.file, sizeof c->source.file);
    get_int(L, g, "source", "source.baud", &c->source.baud);
    get_num(L, g, "source", "source.sample_rate", &c->source.sample_rate);
    get_int(L, g, "source", "source.channels", &c->source.channels);
    get_num(L, g, "source", "source.speed", &c->source.speed);
    get_num(L, g, "source", "source.effort_pct", &c->source.effort_pct);
    get_num(L, g, "source", "source.mains_hz", &c->source.mains_hz);
    get_int(L, g, "source", "source.fail_every", &c->source.fail_every);
    get_bool(L, g, "source", "source.follow_calibration", &c->source.follow_calibration);
    get_num(L, g, "source", "source.seed", &seed);
    c->source.seed = (uint32_t)seed;
    get_num(L, g, "source", "source.scale", &c->source.scale);
    get_num(L, g, "source", "source.watchdog_ms", &c->source.watchdog_ms);
    c->source.sample_rate_set = g && config_setting_get_member(g, "sample_rate") != NULL;
    if (c->source.usb[0]) {
        int vid, pid;
        char serial[128];
        if (config_parse_usb(c->source.usb, &vid, &pid, serial, sizeof serial) != 0)
            diag_add(L->d, where(L, config_setting_get_member(g, "usb")),
                     "source.usb \"%s\" must be VID:PID or VID:PID:serial in hex, e.g. \"0403:6015\" (see "
                     "myofeedd --list-ports)",
                     c->source.usb);
    }
}

/* source.options = { ... }: the decoder's parameters, in the same key/value form as a plugin block. */
static void read_source_options(loader *L, const config_setting_t *g)
{
    config *c = L->c;
    config_setting_t *opts = g ? config_setting_get_member(g, "options") : NULL;
    memset(&c->source.options, 0, sizeof c->source.options);
    if (!opts) {
        if (g) snprintf(c->source.options.where, sizeof c->source.options.where, "%s", where(L, g));
        return;
    }
    if (!config_setting_is_group(opts)) {
        diag_add(L->d, where(L, opts),
                 "source.options must be a group { key = value; ... } of the decoder's parameters");
        return;
    }
    read_plugin_kv(L, opts, "source.options", &c->source.options);
}

/* source.columns = [ 1, "name", ... ]; absent: set from the muscles' channels (see default_columns). */
static void read_source_columns(loader *L, const config_setting_t *g)
{
    config *c = L->c;
    config_setting_t *cols = g ? config_setting_get_member(g, "columns") : NULL;
    c->source.n_columns = 0;
    if (!cols) return;
    if (!config_setting_is_aggregate(cols) || config_setting_is_group(cols) || config_setting_length(cols) < 1 ||
        config_setting_length(cols) > CFG_MAX_COLUMNS) {
        diag_add(L->d, where(L, cols),
                 "source.columns must be an array of 1 to %d column numbers (from 1) or names, e.g. [2, 4] or "
                 "[\"ch2_biceps_femoris\"]",
                 CFG_MAX_COLUMNS);
        return;
    }
    for (int i = 0; i < config_setting_length(cols); i++) {
        config_setting_t *e = config_setting_get_elem(cols, (unsigned)i);
        cfg_column *rc = &c->source.columns[c->source.n_columns];
        memset(rc, 0, sizeof *rc);
        if (config_setting_type(e) == CONFIG_TYPE_STRING) {
            snprintf(rc->name, sizeof rc->name, "%s", config_setting_get_string(e));
        } else if (is_number(e) && number_of(e) >= 1 && number_of(e) <= 1000 && number_of(e) == floor(number_of(e))) {
            rc->index = (int)number_of(e);
        } else {
            diag_add(L->d, where(L, e), "source.columns entries are column numbers from 1 or column names");
            continue;
        }
        c->source.n_columns++;
    }
}

/* What each source type cannot do without. */
static void check_source_needs(loader *L, const config_setting_t *g)
{
    config *c = L->c;
    const char *at = where(L, g);
    if (c->source.type == SOURCE_SERIAL) {
        if (!c->source.port[0] && !c->source.usb[0])
            diag_add(L->d, at,
                     "source.type = \"serial\" needs source.port (a path such as /dev/ttyUSB0) or "
                     "source.usb (\"VID:PID[:serial]\"; see myofeedd --list-ports)");
        if (!c->source.decoder[0])
            diag_add(L->d, at,
                     "source.type = \"serial\" needs source.decoder (e.g. \"openbci-cyton\"; see "
                     "myofeedd --list-plugins)");
    }
    if (c->source.type == SOURCE_REPLAY && !c->source.file[0])
        diag_add(L->d, at, "source.type = \"replay\" needs source.file (a recording to replay)");
}

static void read_source(loader *L, const config_setting_t *g)
{
    config *c = L->c;
    if (g) check_keys(L, g, "source", "source");
    read_source_scalars(L, g);
    read_source_options(L, g);
    read_source_columns(L, g);
    config_setting_t *ch = g ? config_setting_get_member(g, "channels") : NULL;
    snprintf(c->source.where_channels, sizeof c->source.where_channels, "%s", where(L, ch ? ch : g));
    check_source_needs(L, g);
}

/* ---------------------------------------------------------------------------------------------- */

static void read_osc_scalars(loader *L, const config_setting_t *g)
{
    config *c = L->c;
    char tmp[128];
    if (get_str(L, g, "osc", "osc.prefix", c->osc.prefix, sizeof c->osc.prefix) == 0 && !prefix_is_valid(c->osc.prefix))
        diag_add(L->d, where(L, config_setting_get_member(g, "prefix")),
                 "osc.prefix \"%s\" must start with '/', use only letters, digits, '_', '-' and '/', and not end "
                 "with '/' (e.g. \"/emg\")",
                 c->osc.prefix);
    if (get_str(L, g, "osc", "osc.control", tmp, sizeof tmp) == 0 && config_parse_hostport(tmp, &c->osc.control) != 0)
        diag_add(L->d, where(L, config_setting_get_member(g, "control")),
                 "osc.control \"%s\" must be a numeric IPv4 HOST:PORT such as \"127.0.0.1:17700\"", tmp);
    get_num(L, g, "osc", "osc.rate_hz", &c->osc.rate_hz);
    get_num(L, g, "osc", "osc.lease_s", &c->osc.lease_s);
}

/* A list of CIDRs at osc.<key> (dflt when absent). may_be_empty 0: [] is an error. Returns the count. */
static int read_cidrs(loader *L, const config_setting_t *g, const char *key, const char *dflt, int may_be_empty,
                      cfg_cidr *out)
{
    config_setting_t *list = g ? config_setting_get_member(g, key) : NULL;
    if (!list) return config_parse_cidr(dflt, &out[0]) == 0 ? 1 : 0;
    if (!config_setting_is_aggregate(list) || config_setting_is_group(list)) {
        diag_add(L->d, where(L, list), "osc.%s must be an array of CIDR strings, e.g. [\"%s\"]", key, dflt);
        return 0;
    }
    int n = 0;
    for (int i = 0; i < config_setting_length(list); i++) {
        config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        if (n >= CFG_MAX_ALLOW) {
            diag_add(L->d, where(L, e), "osc.%s has more than %d entries", key, CFG_MAX_ALLOW);
            break;
        }
        if (config_setting_type(e) != CONFIG_TYPE_STRING ||
            config_parse_cidr(config_setting_get_string(e), &out[n]) != 0)
            diag_add(L->d, where(L, e), "osc.%s entries must be IPv4 CIDR strings such as \"%s\"", key, dflt);
        else
            n++;
    }
    if (n == 0 && !may_be_empty && config_setting_length(list) == 0)
        diag_add(L->d, where(L, list), "osc.%s = [] would answer nobody; give at least one CIDR, e.g. [\"%s\"]", key,
                 dflt);
    return n;
}

/* 1 when every address of the CIDR is on this machine (127.0.0.0/8). */
static int cidr_is_loopback(const cfg_cidr *c)
{
    return (c->net & 0xff000000u) == 0x7f000000u && (c->mask & 0xff000000u) == 0xff000000u;
}

static void read_allow(loader *L, const config_setting_t *g)
{
    config *c = L->c;
    c->osc.n_allow = read_cidrs(L, g, "allow", "127.0.0.0/8", 0, c->osc.allow);
    c->osc.n_admin = read_cidrs(L, g, "admin", "127.0.0.1/32", 1, c->osc.admin);
    c->osc.n_subscribe_hosts = read_cidrs(L, g, "subscribe_hosts", "127.0.0.1/32", 1, c->osc.subscribe_hosts);
    config_setting_t *ar = g ? config_setting_get_member(g, "allow_remote") : NULL;
    if (ar && config_setting_type(ar) != CONFIG_TYPE_BOOL)
        diag_add(L->d, where(L, ar), "osc.allow_remote must be true or false");
    c->osc.allow_remote = ar && config_setting_type(ar) == CONFIG_TYPE_BOOL && config_setting_get_bool(ar);
    if (c->osc.allow_remote) return;
    for (int k = 0; k < 2; k++) {
        const cfg_cidr *list = k ? c->osc.admin : c->osc.allow;
        int n = k ? c->osc.n_admin : c->osc.n_allow;
        for (int i = 0; i < n; i++)
            if (!cidr_is_loopback(&list[i])) {
                config_setting_t *s = g ? config_setting_get_member(g, k ? "admin" : "allow") : NULL;
                diag_add(
                    L->d, where(L, s),
                    "osc.%s reaches beyond this machine; set osc.allow_remote = true to mean it (and keep the list "
                    "as narrow as the clinic's network)",
                    k ? "admin" : "allow");
                break;
            }
    }
}

/* One { host; port; profile } of osc.destinations. Returns 0 when it is usable. */
static int read_destination(loader *L, const config_setting_t *e, int i, cfg_dest *ds)
{
    char ctx[48];
    snprintf(ctx, sizeof ctx, "osc.destinations.[%d]", i);
    if (!config_setting_is_group(e)) {
        diag_add(L->d, where(L, e), "%s must be a group { host = \"...\"; port = N; }", ctx);
        return -1;
    }
    check_keys(L, e, "osc.destinations.[]", ctx);
    int port;
    int bad = get_str(L, e, ctx, "osc.destinations.[].host", ds->host, sizeof ds->host);
    bad |= get_int(L, e, ctx, "osc.destinations.[].port", &port);
    bad |= get_choice(L, e, ctx, "osc.destinations.[].profile", &ds->profile);
    int bundle;
    bad |= get_bool(L, e, ctx, "osc.destinations.[].bundle", &bundle);
    if (bundle && !PROFILE_BUNDLED(ds->profile)) ds->profile += PROFILE_N_CONTENT;
    if (!config_setting_get_member(e, "port")) {
        diag_add(L->d, where(L, e), "%s needs port = N (the UDP port the receiver listens on)", ctx);
        bad = 1;
    }
    snprintf(ds->where, sizeof ds->where, "%s", where(L, e));
    if (bad) return -1;
    char hp[96];
    snprintf(hp, sizeof hp, "%s:%d", ds->host, port);
    if (config_parse_hostport(hp, &ds->addr) != 0) {
        diag_add(L->d, where(L, e), "%s.host \"%s\" must be a numeric IPv4 address (no name lookups in the daemon)",
                 ctx, ds->host);
        return -1;
    }
    return 0;
}

static void read_destinations(loader *L, const config_setting_t *g)
{
    config *c = L->c;
    config_setting_t *dl = g ? config_setting_get_member(g, "destinations") : NULL;
    if (!dl) return;
    if (!config_setting_is_list(dl)) {
        diag_add(L->d, where(L, dl),
                 "osc.destinations must be a list ( { host = \"...\"; port = N; profile = \"...\"; } )");
        return;
    }
    for (int i = 0; i < config_setting_length(dl); i++) {
        config_setting_t *e = config_setting_get_elem(dl, (unsigned)i);
        if (c->osc.n_dest >= CFG_MAX_DEST) {
            diag_add(L->d, where(L, e), "more than %d osc.destinations", CFG_MAX_DEST);
            break;
        }
        if (read_destination(L, e, i, &c->osc.dest[c->osc.n_dest]) == 0) c->osc.n_dest++;
    }
}

static void read_osc(loader *L, const config_setting_t *g)
{
    if (g) check_keys(L, g, "osc", "osc");
    read_osc_scalars(L, g);
    read_allow(L, g);
    read_destinations(L, g);
}

/* ---------------------------------------------------------------------------------------------- */

static void read_plugins(loader *L, const config_setting_t *g, const char *exe_dir)
{
    config *c = L->c;
    if (g) check_keys(L, g, "plugins", "plugins");
    config_setting_t *pl = g ? config_setting_get_member(g, "path") : NULL;
    const char *defaults[] = {"$ORIGIN/../lib/myofeed/plugins"};
    int n = pl ? config_setting_length(pl) : 1;
    if (pl && (!config_setting_is_aggregate(pl) || config_setting_is_group(pl))) {
        diag_add(L->d, where(L, pl),
                 "plugins.path must be an array of directories, e.g. [\"/usr/lib/myofeed/plugins\"]");
        return;
    }
    char base[PATH_MAX] = ".";
    const char *slash = strrchr(c->path, '/');
    if (slash && c->path[0] != '(') snprintf(base, sizeof base, "%.*s", (int)(slash - c->path), c->path);
    for (int i = 0; i < n; i++) {
        const char *dir = defaults[0];
        if (pl) {
            config_setting_t *e = config_setting_get_elem(pl, (unsigned)i);
            if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                diag_add(L->d, where(L, e), "plugins.path entries must be strings");
                continue;
            }
            dir = config_setting_get_string(e);
        }
        if (c->n_plugin_dirs >= CFG_MAX_PLUGIN_DIRS) {
            diag_add(L->d, where(L, pl), "plugins.path has more than %d directories", CFG_MAX_PLUGIN_DIRS);
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

/* ---------------------------------------------------------------------------------------------- */

static void read_muscle_name(loader *L, const config_setting_t *m, const char *ctx, cfg_muscle *mu)
{
    config *c = L->c;
    config_setting_t *ns = config_setting_get_member(m, "name");
    if (!ns) {
        diag_add(L->d, mu->where, "%s needs name = \"...\" (e.g. \"hamstring_left\")", ctx);
        return;
    }
    if (get_str(L, m, ctx, "muscles.[].name", mu->name, sizeof mu->name) != 0) return;
    static const char *const reserved[] = {"frame", "sys", "ctl", "session", "calib", NULL};
    int is_reserved = 0;
    for (int i = 0; reserved[i]; i++) is_reserved |= strcmp(mu->name, reserved[i]) == 0;
    if (!name_is_valid(mu->name) || is_reserved)
        diag_add(L->d, where(L, ns),
                 "muscle name \"%s\" must start with a lower-case letter and use only a-z, 0-9 and '_' "
                 "(and not be frame, sys, ctl, session or calib): it becomes an OSC address",
                 mu->name);
    for (int i = 0; i < c->n_muscles; i++)
        if (strcmp(c->muscles[i].name, mu->name) == 0)
            diag_add(L->d, where(L, ns), "muscle name \"%s\" is used twice (first at %s); names must be unique",
                     mu->name, c->muscles[i].where);
}

static void read_filters(loader *L, const config_setting_t *m, const char *ctx, cfg_muscle *mu)
{
    config_setting_t *fl = config_setting_get_member(m, "filters");
    if (!fl) return;
    if (!config_setting_is_list(fl)) {
        diag_add(L->d, where(L, fl), "%s.filters must be a list ( { plugin = \"...\"; ... }, ... )", ctx);
        return;
    }
    for (int i = 0; i < config_setting_length(fl); i++) {
        if (mu->n_filters >= CFG_MAX_FILTERS) {
            diag_add(L->d, where(L, fl), "%s.filters has more than %d filters", ctx, CFG_MAX_FILTERS);
            break;
        }
        char fctx[80];
        snprintf(fctx, sizeof fctx, "%s.filters.[%d]", ctx, i);
        read_plugin(L, config_setting_get_elem(fl, (unsigned)i), fctx, &mu->filters[mu->n_filters++]);
    }
}

/* envelope or detector: a required plugin block; `example` shows the user one. */
static void read_stage(loader *L, const config_setting_t *m, const char *ctx, const char *key, const char *example,
                       cfg_plugin *p, const cfg_muscle *mu)
{
    config_setting_t *s = config_setting_get_member(m, key);
    char pctx[80];
    snprintf(pctx, sizeof pctx, "%s.%s", ctx, key);
    if (!s)
        diag_add(L->d, mu->where, "%s needs %s = %s", ctx, key, example);
    else
        read_plugin(L, s, pctx, p);
}

static void read_target(loader *L, const config_setting_t *m, const char *ctx, cfg_muscle *mu);

/* target_pct = [ low, high ] or [ low ] in % MVC. */
static void read_target(loader *L, const config_setting_t *m, const char *ctx, cfg_muscle *mu)
{
    config_setting_t *t = config_setting_get_member(m, "target_pct");
    if (!t) return;
    int n = config_setting_is_array(t) ? config_setting_length(t) : 0;
    double v[2] = {0, 100};
    int ok = n == 1 || n == 2;
    for (int i = 0; ok && i < n; i++) {
        config_setting_t *e = config_setting_get_elem(t, (unsigned)i);
        ok = is_number(e) && number_of(e) >= 0 && number_of(e) <= 100;
        if (ok) v[i] = number_of(e);
    }
    if (!ok || v[0] > v[1]) {
        diag_add(L->d, where(L, t),
                 "%s.target_pct must be [ low, high ] or [ low ] in %% MVC, 0 <= low <= high <= 100, e.g. "
                 "[ 20.0, 60.0 ]",
                 ctx);
        return;
    }
    mu->has_target = 1;
    mu->target_lo_pct = v[0];
    mu->target_hi_pct = v[1];
}

static void read_muscle(loader *L, const config_setting_t *m, int index)
{
    config *c = L->c;
    char ctx[64];
    snprintf(ctx, sizeof ctx, "muscles.[%d]", index);
    if (!config_setting_is_group(m)) {
        diag_add(L->d, where(L, m), "%s must be a group { name = \"...\"; channel = N; ... }", ctx);
        return;
    }
    check_keys(L, m, "muscles.[]", ctx);
    cfg_muscle *mu = &c->muscles[c->n_muscles];
    memset(mu, 0, sizeof *mu);
    snprintf(mu->where, sizeof mu->where, "%s", where(L, m));
    read_muscle_name(L, m, ctx, mu);
    if (!config_setting_get_member(m, "channel"))
        diag_add(L->d, mu->where, "%s needs channel = N (the amplifier input, counted from 1)", ctx);
    else
        get_int(L, m, ctx, "muscles.[].channel", &mu->channel);
    get_num(L, m, ctx, "muscles.[].rep_hold_s", &mu->rep_hold_s);
    read_target(L, m, ctx, mu);
    read_filters(L, m, ctx, mu);
    read_stage(L, m, ctx, "envelope", "{ plugin = \"rms\"; window_ms = 100; }", &mu->envelope, mu);
    read_stage(L, m, ctx, "detector", "{ plugin = \"threshold\"; on = 15; off = 8; }", &mu->detector, mu);
    c->n_muscles++;
}

/* An array of muscle names (protocols.[].muscles or .relax) into names; returns the count. */
static int read_names(loader *L, const config_setting_t *a, const char *at, const char *ctx, const char *key,
                      char (*names)[CFG_NAME_MAX], int required)
{
    if (!a) {
        if (required) diag_add(L->d, at, "%s needs %s = [ \"muscle\", ... ]", ctx, key);
        return 0;
    }
    int n = config_setting_is_array(a) ? config_setting_length(a) : -1;
    if (n < 0 || n > CFG_PROTOCOL_MUSCLES || (required && n == 0)) {
        diag_add(L->d, where(L, a), "%s.%s must be an array of 1 to %d muscle names, e.g. [ \"glute_left\" ]", ctx, key,
                 CFG_PROTOCOL_MUSCLES);
        return 0;
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
        config_setting_t *e = config_setting_get_elem(a, (unsigned)i);
        const char *v = config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) : "";
        if (!name_is_valid(v) || strlen(v) >= CFG_NAME_MAX) {
            diag_add(L->d, where(L, e), "%s.%s entries must be muscle names (a-z, 0-9, '_')", ctx, key);
            continue;
        }
        snprintf(names[k++], CFG_NAME_MAX, "%s", v);
    }
    return k;
}

static void read_protocol(loader *L, const config_setting_t *g, int index, cfg_protocol *p)
{
    char ctx[48];
    snprintf(ctx, sizeof ctx, "protocols.[%d]", index);
    memset(p, 0, sizeof *p);
    snprintf(p->where, sizeof p->where, "%s", where(L, g));
    if (!config_setting_is_group(g)) {
        diag_add(L->d, p->where, "%s must be a group { name = \"...\"; muscles = [ ... ]; ... }", ctx);
        return;
    }
    check_keys(L, g, "protocols.[]", ctx);
    if (!config_setting_get_member(g, "name"))
        diag_add(L->d, p->where, "%s needs name = \"...\"", ctx);
    else if (get_str(L, g, ctx, "protocols.[].name", p->name, sizeof p->name) == 0 && !name_is_valid(p->name))
        diag_add(L->d, where(L, config_setting_get_member(g, "name")),
                 "protocol name \"%s\" must start with a lower-case letter and use only a-z, 0-9 and '_'", p->name);
    p->n_muscles = read_names(L, config_setting_get_member(g, "muscles"), p->where, ctx, "muscles", p->muscles, 1);
    p->n_relax = read_names(L, config_setting_get_member(g, "relax"), p->where, ctx, "relax", p->relax, 0);
    config_setting_t *alt = config_setting_get_member(g, "alternate");
    if (alt && config_setting_type(alt) != CONFIG_TYPE_BOOL)
        diag_add(L->d, where(L, alt), "%s.alternate must be true or false", ctx);
    p->alternate = alt && config_setting_type(alt) == CONFIG_TYPE_BOOL && config_setting_get_bool(alt);
    get_num(L, g, ctx, "protocols.[].relax_limit_pct", &p->relax_limit_pct);
    get_num(L, g, ctx, "protocols.[].hold_s", &p->hold_s);
    get_num(L, g, ctx, "protocols.[].reach_s", &p->reach_s);
    get_num(L, g, ctx, "protocols.[].rest_s", &p->rest_s);
    get_num(L, g, ctx, "protocols.[].set_rest_s", &p->set_rest_s);
    get_num(L, g, ctx, "protocols.[].get_ready_s", &p->get_ready_s);
    get_int(L, g, ctx, "protocols.[].reps", &p->reps);
    get_int(L, g, ctx, "protocols.[].sets", &p->sets);
    cfg_muscle band = {0};
    read_target(L, g, ctx, &band);
    p->target_lo_pct = band.has_target ? band.target_lo_pct : -1; /* -1: each muscle's own */
    p->target_hi_pct = band.has_target ? band.target_hi_pct : -1;
}

static void read_protocols(loader *L, const config_setting_t *pl)
{
    config *c = L->c;
    if (!pl) return;
    if (!config_setting_is_list(pl)) {
        diag_add(L->d, where(L, pl), "protocols must be a list ( { name = \"...\"; muscles = [ ... ]; ... }, ... )");
        return;
    }
    for (int i = 0; i < config_setting_length(pl); i++) {
        if (c->n_protocols >= CFG_MAX_PROTOCOLS) {
            diag_add(L->d, where(L, pl), "more than %d protocols", CFG_MAX_PROTOCOLS);
            break;
        }
        cfg_protocol *p = &c->protocols[c->n_protocols];
        read_protocol(L, config_setting_get_elem(pl, (unsigned)i), i, p);
        for (int k = 0; k < c->n_protocols; k++)
            if (p->name[0] && strcmp(c->protocols[k].name, p->name) == 0)
                diag_add(L->d, p->where, "protocol name \"%s\" is used twice (first at %s)", p->name,
                         c->protocols[k].where);
        c->n_protocols++;
    }
}

/* A protocol of the file's own names muscles the file configures (the shipped ones may name muscles a two-channel
 * configuration lacks: those are left out when it runs). */
static void check_protocol_muscles(loader *L)
{
    config *c = L->c;
    for (int p = 0; p < c->n_protocols; p++) {
        const cfg_protocol *pr = &c->protocols[p];
        for (int k = 0; k < pr->n_muscles + pr->n_relax; k++) {
            const char *name = k < pr->n_muscles ? pr->muscles[k] : pr->relax[k - pr->n_muscles];
            int found = 0;
            for (int i = 0; i < c->n_muscles; i++) found |= strcmp(c->muscles[i].name, name) == 0;
            if (!found)
                diag_add(L->d, pr->where, "protocol '%s' names muscle '%s', which is not in muscles = ( ... ); %s",
                         pr->name, name, "fix the name or configure that muscle");
        }
    }
}

/* The shipped protocols (config/protocols.cfg, compiled in), for a file that has none. */
static void builtin_protocols(loader *L)
{
    config_t pc;
    config_init(&pc);
    config_set_options(&pc, CONFIG_OPTION_AUTOCONVERT);
    if (config_read_string(&pc, embedded_protocols)) {
        read_protocols(L, config_lookup(&pc, "protocols"));
        L->c->protocols_builtin = 1;
    } else {
        diag_add(L->d, "config/protocols.cfg (built in)", "%s at line %d; rebuild myofeedd", config_error_text(&pc),
                 config_error_line(&pc));
    }
    config_destroy(&pc);
}

const cfg_protocol *config_protocol(const config *c, const char *name)
{
    for (int i = 0; i < c->n_protocols; i++)
        if (strcmp(c->protocols[i].name, name) == 0) return &c->protocols[i];
    return NULL;
}

static void read_muscles(loader *L, const config_setting_t *ml)
{
    config *c = L->c;
    if (!ml) {
        diag_add(L->d, c->path, "no muscles = ( ... ); configure at least one muscle");
        return;
    }
    if (!config_setting_is_list(ml)) {
        diag_add(L->d, where(L, ml), "muscles must be a list ( { name = \"...\"; channel = N; ... }, ... )");
        return;
    }
    int n = config_setting_length(ml);
    if (n == 0) diag_add(L->d, where(L, ml), "muscles is empty; configure at least one muscle");
    for (int i = 0; i < n; i++) {
        if (c->n_muscles >= CFG_MAX_MUSCLES) {
            diag_add(L->d, where(L, ml), "more than %d muscles", CFG_MAX_MUSCLES);
            break;
        }
        read_muscle(L, config_setting_get_elem(ml, (unsigned)i), i);
    }
}

/* ---------------------------------------------------------------------------------------------- */

/* "KEY=VALUE" into path and the value. Returns the value, or NULL (diag added). */
static const char *split_override(const char *ov, const char *where_ov, char *path, size_t n, diag *d)
{
    const char *eq = strchr(ov, '=');
    if (!eq || eq == ov) {
        diag_add(d, where_ov, "expected -o KEY=VALUE, e.g. -o source.port=/dev/ttyUSB0");
        return NULL;
    }
    if ((size_t)(eq - ov) >= n) {
        diag_add(d, where_ov, "key too long");
        return NULL;
    }
    memcpy(path, ov, (size_t)(eq - ov));
    path[eq - ov] = 0;
    return eq + 1;
}

/* Adds leaf = val to parent as type ('s', 'b', 'i'/'f'/'n' numbers, 0: guessed from the text). NULL when val
 * does not fit the type (diag added) or libconfig refuses. */
static config_setting_t *add_value(config_setting_t *parent, const char *leaf, const char *path, const char *val,
                                   char type, const char *where_ov, diag *d)
{
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
    } else if (!numeric) {
        diag_add(d, where_ov, "%s needs a number, not \"%s\"", path, val);
        return NULL;
    } else {
        int integral = strpbrk(val, ".eE") == NULL && fabs(num) < 9e18;
        s = config_setting_add(parent, leaf, integral ? CONFIG_TYPE_INT64 : CONFIG_TYPE_FLOAT);
        if (s && integral) config_setting_set_int64(s, (long long)num);
        if (s && !integral) config_setting_set_float(s, num);
    }
    if (!s) diag_add(d, where_ov, "cannot set '%s'", path);
    return s;
}

/* Applies one "KEY=VALUE": replaces the file's setting, or adds a key of the schema the file lacks (creating its
 * group). Returns 0 or -1 (diag added). */
static void read_patient(loader *L, const config_setting_t *sess)
{
    config *c = L->c;
    if (get_str(L, sess, "session", "session.patient", c->session.patient, sizeof c->session.patient) != 0) return;
    if (!config_patient_id_valid(c->session.patient))
        diag_add(L->d, where(L, config_setting_get_member(sess, "patient")),
                 "session.patient \"%s\" must be 1 to 63 letters, digits, '-', '_' or '.' (not starting with '.'): it "
                 "names the patient's folder",
                 c->session.patient);
    get_bool(L, sess, "session", "session.record", &c->session.record);
    if (get_str(L, sess, "session", "session.database", c->session.database, sizeof c->session.database) == 0 &&
        c->session.database[0] && strncmp(c->session.database, "postgresql://", 13) &&
        strncmp(c->session.database, "postgres://", 11))
        diag_add(L->d, where(L, sess ? config_setting_get_member(sess, "database") : NULL),
                 "session.database \"%.100s\" must be a PostgreSQL URL (postgresql://USER@HOST:PORT/DB), or empty for "
                 "the local store only",
                 c->session.database);
    get_str(L, sess, "session", "session.station", c->session.station, sizeof c->session.station);
    if (!c->session.station[0] && gethostname(c->session.station, sizeof c->session.station) != 0)
        snprintf(c->session.station, sizeof c->session.station, "station");
    c->session.station[sizeof c->session.station - 1] = 0;
}

static int apply_override(config_t *cf, const char *ov, diag *d)
{
    char where_ov[CFG_WHERE_MAX], path[256], parent_path[256] = "";
    snprintf(where_ov, sizeof where_ov, "-o %s", ov);
    const char *val = split_override(ov, where_ov, path, sizeof path, d);
    if (!val) return -1;
    const char *dot = strrchr(path, '.'), *leaf = dot ? dot + 1 : path;
    if (dot) snprintf(parent_path, sizeof parent_path, "%.*s", (int)(dot - path), path);
    config_setting_t *existing = config_lookup(cf, path);
    char type = cfg_key_override_type(cfg_key_find(path));
    if (existing && config_setting_is_aggregate(existing)) {
        diag_add(d, where_ov, "%s is a group or list; -o sets one scalar setting (e.g. %s.KEY=VALUE)", path, path);
        return -1;
    }
    config_setting_t *parent = parent_path[0] ? config_lookup(cf, parent_path) : config_root_setting(cf);
    if (!existing && !type && (!parent || !config_setting_is_group(parent) || !strchr(path, '['))) {
        diag_add(d, where_ov,
                 "unknown setting '%s'; -o takes a key of the configuration such as source.port, osc.control, "
                 "session.dir or muscles.[0].detector.on (myofeedd --print-config lists them)",
                 path);
        return -1;
    }
    if (!parent && type) parent = config_setting_add(config_root_setting(cf), parent_path, CONFIG_TYPE_GROUP);
    if (!parent) {
        diag_add(d, where_ov, "cannot set '%s'", path);
        return -1;
    }
    if (!type && existing) {
        int t = config_setting_type(existing);
        type = t == CONFIG_TYPE_STRING ? 's' : t == CONFIG_TYPE_BOOL ? 'b' : 'n';
    }
    if (existing) config_setting_remove(parent, leaf);
    config_setting_t *s = add_value(parent, leaf, path, val, type, where_ov, d);
    if (!s) return -1;
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
    if (top > CFG_MAX_COLUMNS) top = CFG_MAX_COLUMNS;
    for (int k = 0; k < top; k++) {
        memset(&c->source.columns[k], 0, sizeof c->source.columns[k]);
        c->source.columns[k].index = k + 1;
    }
    c->source.n_columns = top;
}

/* What libconfig would read, checked first: every file (the configuration and what it @includes) a regular,
 * readable file, together under CFG_MAX_FILE_BYTES and CFG_MAX_SETTINGS, includes at most CFG_MAX_INCLUDE_DEPTH
 * deep; an include that cannot be read is named with the FILE:LINE that includes it (libconfig 1.5 names
 * neither). Returns 0 or -1 (diag added). */
typedef struct file_budget {
    size_t bytes, settings;
} file_budget;

static int precheck_file(const char *path, const char *where, const char *inc_dir, int depth, file_budget *b, diag *d)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (depth == 0)
            diag_add(d, where, "cannot read the configuration: %s; check the path given with -c", strerror(errno));
        else
            diag_add(d, where, "cannot read %s: %s; check the @include's path", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        diag_add(d, where, "%s is a folder, not a configuration file; give the file (e.g. %s/myofeed.cfg)", path, path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        diag_add(d, where, "%s is not a regular file (a device, FIFO or socket); give a configuration file", path);
        return -1;
    }
    if ((size_t)st.st_size > CFG_MAX_FILE_BYTES || b->bytes + (size_t)st.st_size > CFG_MAX_FILE_BYTES) {
        diag_add(d, where, "%s is %lld bytes; a configuration with its includes may have at most %d bytes", path,
                 (long long)st.st_size, CFG_MAX_FILE_BYTES);
        return -1;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        diag_add(d, where, "cannot read %s: %s; check its permissions", path, strerror(errno));
        return -1;
    }
    b->bytes += (size_t)st.st_size;
    char line[4096];
    int lineno = 0, rc = 0, in_comment = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        const char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (!in_comment && strncmp(p, "@include", 8) == 0) {
            const char *q = strchr(p, '"'), *e = q ? strchr(q + 1, '"') : NULL;
            char here[CFG_WHERE_MAX], inc[PATH_MAX];
            snprintf(here, sizeof here, "%.250s:%d", path, lineno);
            if (!q || !e) {
                diag_add(d, here, "@include needs a file name in double quotes");
                rc = -1;
                break;
            }
            if (q[1] == '/')
                snprintf(inc, sizeof inc, "%.*s", (int)(e - q - 1), q + 1);
            else
                snprintf(inc, sizeof inc, "%s/%.*s", inc_dir, (int)(e - q - 1), q + 1);
            if (depth + 1 > CFG_MAX_INCLUDE_DEPTH) {
                diag_add(d, here, "@include \"%s\": includes nest more than %d deep (an include loop?)", inc,
                         CFG_MAX_INCLUDE_DEPTH);
                rc = -1;
                break;
            }
            char inc_where[CFG_WHERE_MAX + 32];
            snprintf(inc_where, sizeof inc_where, "%s (@include)", here);
            rc = precheck_file(inc, inc_where, inc_dir, depth + 1, b, d);
            continue;
        }
        int in_str = 0;
        for (; *p; p++) { /* settings: '=' or ':' outside strings and comments */
            if (in_comment) {
                if (p[0] == '*' && p[1] == '/') in_comment = 0, p++;
                continue;
            }
            if (in_str) {
                if (*p == '\\' && p[1])
                    p++;
                else if (*p == '"')
                    in_str = 0;
                continue;
            }
            if (*p == '"')
                in_str = 1;
            else if (*p == '#' || (p[0] == '/' && p[1] == '/'))
                break;
            else if (p[0] == '/' && p[1] == '*')
                in_comment = 1, p++;
            else if (*p == '=' || *p == ':')
                b->settings++;
        }
        if (b->settings > CFG_MAX_SETTINGS) {
            diag_add(d, where, "%s has more than %d settings; a configuration needs far fewer (is it generated?)", path,
                     CFG_MAX_SETTINGS);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

/* Parses the file at path, or text (the embedded default when both are NULL), into cf. Returns 0 or -1. */
static int parse(config_t *cf, config *c, const char *path, const char *text, diag *d)
{
    int ok;
    if (path) {
        snprintf(c->path, sizeof c->path, "%s", path);
        char dir[PATH_MAX] = ".";
        const char *slash = strrchr(path, '/');
        if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        file_budget b = {0, 0};
        if (precheck_file(path, path, dir, 0, &b, d) != 0) return -1;
        config_set_include_dir(cf, dir);
        ok = config_read_file(cf, path);
    } else {
        snprintf(c->path, sizeof c->path, "%s", text ? "(configuration text)" : "(built-in default)");
        ok = config_read_string(cf, text ? text : embedded_config);
    }
    if (ok) return 0;
    char at[CFG_WHERE_MAX];
    const char *ef = config_error_file(cf);
    if (config_error_type(cf) == CONFIG_ERR_FILE_IO)
        snprintf(at, sizeof at, "%s", ef ? ef : c->path);
    else
        snprintf(at, sizeof at, "%s:%d", ef ? ef : c->path, config_error_line(cf));
    if (config_error_type(cf) == CONFIG_ERR_FILE_IO)
        diag_add(d, at, "%s: a file it names cannot be read; check its @include lines", config_error_text(cf));
    else
        diag_add(d, at, "%s; fix the syntax (settings end with ';', strings are in double quotes)",
                 config_error_text(cf));
    return -1;
}

static config *load(const char *path, const char *text, const char *const *overrides, int n_overrides,
                    const char *exe_dir, diag *d, int partial)
{
    config *c = calloc(1, sizeof *c);
    if (!c) {
        diag_add(d, path ? path : "(built-in default)", "out of memory reading the configuration");
        return NULL;
    }
    config_t cf;
    config_init(&cf);
    config_set_options(&cf, CONFIG_OPTION_AUTOCONVERT);
    if (parse(&cf, c, path, text, d) != 0) goto fail;
    int bad = 0;
    for (int i = 0; i < n_overrides; i++) bad |= apply_override(&cf, overrides[i], d);
    if (bad) goto fail;
    loader L = {c, d, {"", ""}, 0};
    config_setting_t *sess = config_lookup(&cf, "session");
    check_keys(&L, config_root_setting(&cf), "", "the top level");
    read_source(&L, config_lookup(&cf, "source"));
    read_osc(&L, config_lookup(&cf, "osc"));
    if (sess) check_keys(&L, sess, "session", "session");
    get_str(&L, sess, "session", "session.dir", c->session.dir, sizeof c->session.dir);
    read_patient(&L, sess);
    read_plugins(&L, config_lookup(&cf, "plugins"), exe_dir);
    read_muscles(&L, config_lookup(&cf, "muscles"));
    config_setting_t *protocols = config_lookup(&cf, "protocols");
    if (protocols && (!config_setting_is_list(protocols) || config_setting_length(protocols) > 0)) {
        read_protocols(&L, protocols);
        check_protocol_muscles(&L);
    } else
        builtin_protocols(&L);
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
    return load(path, NULL, overrides, n_overrides, exe_dir, d, 0);
}

config *config_load_partial(const char *path, const char *const *overrides, int n_overrides, const char *exe_dir,
                            diag *d)
{
    return load(path, NULL, overrides, n_overrides, exe_dir, d, 1);
}

config *config_load_text(const char *text, const char *exe_dir, diag *d)
{
    return load(NULL, text, NULL, 0, exe_dir, d, 0);
}

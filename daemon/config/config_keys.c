/* config_keys.c: the table of the daemon's configuration keys, and the reference configuration printed from it. */
#include "config/config_keys.h"

#include <string.h>

static const char *const source_types[] = {"synthetic", "serial", "replay", NULL};
static const char *const profiles[] = {"frame",          "muscles",     "full", "frame+bundle",
                                       "muscles+bundle", "full+bundle", NULL};

#define GROUP(path, help)                                                                                              \
    {                                                                                                                  \
        path, CK_GROUP, 0, NULL, 0, 0, "", NULL, 0, help, NULL                                                         \
    }
#define LIST(path, flags, help, example)                                                                               \
    {                                                                                                                  \
        path, CK_LIST, 0, NULL, 0, 0, "", NULL, flags, help, example                                                   \
    }
#define ARRAY(path, def, flags, help, example)                                                                         \
    {                                                                                                                  \
        path, CK_ARRAY, 0, def, 0, 0, "", NULL, flags, help, example                                                   \
    }
#define STR(path, def, flags, help, example)                                                                           \
    {                                                                                                                  \
        path, CK_STRING, 0, def, 0, 0, "", NULL, flags, help, example                                                  \
    }
#define CHOICE(path, def, choices, help)                                                                               \
    {                                                                                                                  \
        path, CK_CHOICE, 0, def, 0, 0, "", choices, 0, help, NULL                                                      \
    }
#define INT(path, def, min, max, unit, flags, help, example)                                                           \
    {                                                                                                                  \
        path, CK_INT, def, NULL, min, max, unit, NULL, flags, help, example                                            \
    }
#define NUM(path, def, min, max, unit, flags, help, example)                                                           \
    {                                                                                                                  \
        path, CK_NUMBER, def, NULL, min, max, unit, NULL, flags, help, example                                         \
    }
#define BOOL(path, def, flags, help)                                                                                   \
    {                                                                                                                  \
        path, CK_BOOL, def, NULL, 0, 1, "", NULL, flags, help, NULL                                                    \
    }
#define PLUGIN(path, flags, help, example)                                                                             \
    {                                                                                                                  \
        path, CK_PLUGIN, 0, NULL, 0, 0, "", NULL, flags, help, example                                                 \
    }

static const cfg_key keys[] = {
    GROUP("source", "Where samples come from."),
    CHOICE(
        "source.type", "synthetic", source_types,
        "synthetic: the built-in patient (no hardware); serial: an amplifier on a serial port; replay: a recording."),
    NUM("source.sample_rate", 2000, 1, 100000, "Hz", 0,
        "Samples per second per channel (synthetic and replay; serial: the amplifier's rate; a recording that states "
        "its rate overrides it).",
        NULL),
    INT("source.channels", 4, 1, 64, "", 0,
        "Synthetic: channels generated (roles repeat: hamstring left, right, glute left, right).", NULL),
    INT("source.seed", 1, 0, 4294967295.0, "", 0, "Synthetic: the patient's random seed.", NULL),
    NUM("source.mains_hz", 50, 1, 1000, "Hz", CK_EXAMPLE, "Synthetic: the mains frequency of its hum (50 or 60).",
        NULL),
    NUM("source.effort_pct", 60, 0, 100, "% of a curl", CK_EXAMPLE,
        "Synthetic: how hard the patient contracts in a protocol's work phases (its curls are 100).", NULL),
    INT("source.fail_every", 4, 0, 100, "", CK_EXAMPLE,
        "Synthetic: every this many work phases the patient falls short (a tenth of the effort; 0 never).", NULL),
    BOOL("source.follow_calibration", 1, 0,
         "Synthetic: the patient follows a calibration (relaxes for a rest, pushes as hard as a curl for an MVC); "
         "false: it keeps its own cycle, as a patient who cannot follow."),
    STR("source.port", "", CK_EXAMPLE,
        "Serial: the device path (symbolic links such as /dev/serial/by-id are resolved).",
        "\"/dev/serial/by-id/usb-FTDI_FT231X_USB_UART-if00-port0\""),
    STR("source.usb", "", CK_EXAMPLE,
        "Serial, instead of port: VID:PID[:serial] in hex, found again after a replug (myofeedd --list-ports).",
        "\"0403:6015\""),
    INT("source.baud", 115200, 300, 4000000, "baud", CK_EXAMPLE, "Serial: the line speed.", NULL),
    STR("source.decoder", "", CK_EXAMPLE,
        "Serial: the decoder plugin for the amplifier's wire format (myofeedd --list-plugins).", "\"openbci-cyton\""),
    PLUGIN("source.options", CK_EXAMPLE, "Serial: the decoder's parameters, checked against its table.", "{ }"),
    NUM("source.watchdog_ms", 1000, 50, 600000, "ms", CK_EXAMPLE,
        "Serial: no valid frame for this long (or only framing errors) means the signal is lost.", NULL),
    STR("source.file", "", CK_EXAMPLE, "Replay: the recording (EDF/BDF, or text columns).", "\"recording.bdf\""),
    ARRAY("source.columns", NULL, CK_EXAMPLE,
          "Replay: the columns to read, numbers from 1 or header names; default 1 .. the highest muscle channel.",
          "[ 1, 2, 3, 4 ]"),
    NUM("source.scale", 1.0, -1e9, 1e9, "", CK_EXAMPLE,
        "Replay: multiplies every value to give uV (an EDF/BDF file's physical dimension is applied first).", NULL),
    NUM("source.speed", 1.0, 0, 10000, "x real time", CK_EXAMPLE,
        "Replay and synthetic: 1.0 real time, 0 as fast as possible (a whole protocol in seconds, for tests).", NULL),

    GROUP("osc", "The OSC control port and where the stream goes."),
    STR("osc.prefix", "/emg", 0, "Every OSC address starts with this.", NULL),
    STR("osc.control", "127.0.0.1:17700", 0,
        "The control port, HOST:PORT (numeric IPv4); loopback keeps it private to this machine.", NULL),
    ARRAY("osc.allow", "[ \"127.0.0.0/8\" ]", 0,
          "Who may send control messages at all (subscribe, unsubscribe, ping, info): IPv4 CIDRs, at least one. "
          "Anything beyond loopback needs osc.allow_remote = true.",
          NULL),
    ARRAY("osc.admin", "[ \"127.0.0.1/32\" ]", 0,
          "Who may also change state (thresholds, calibration, targets, patient, protocols, sessions, signal check): "
          "IPv4 CIDRs; [] lets nobody. Anything beyond loopback needs osc.allow_remote = true.",
          NULL),
    ARRAY("osc.subscribe_hosts", "[ \"127.0.0.1/32\" ]", 0,
          "Hosts a subscription may point at other than the sender's own address (subscribe i port or s host, i "
          "port): loopback by default, for clients that listen on another port than they send from (Pd, "
          "SuperCollider). A remote client subscribes itself.",
          NULL),
    BOOL("osc.allow_remote", 0, 0,
         "Let osc.allow and osc.admin reach beyond this machine (logged as a warning at start)."),
    NUM("osc.rate_hz", 50, 1, 200, "Hz", 0, "Frame messages per second.", NULL),
    NUM("osc.lease_s", 10, 1, 60, "s", 0, "A subscription expires unless renewed within this time (at most 60 s).",
        NULL),
    LIST("osc.destinations", 0,
         "Static receivers that get the stream without subscribing. profile: \"frame\" (frame/act only), \"muscles\" "
         "(+ /emg/<muscle>/act|env|active|hold, the default) or \"full\" (+ frame/env).",
         NULL),
    STR("osc.destinations.[].host", "127.0.0.1", CK_EXAMPLE, "The receiver's numeric IPv4 address.", NULL),
    INT("osc.destinations.[].port", 0, 1, 65535, "", CK_REQUIRED | CK_EXAMPLE, "The UDP port the receiver listens on.",
        "9000"),
    CHOICE("osc.destinations.[].profile", "muscles", profiles,
           "Which messages it gets (frame: /frame/act; muscles: also each muscle's act, env, active, hold; full: also "
           "/frame/env); with +bundle, each tick's messages as OSC bundles (immediate timetag, at most 1400 bytes "
           "each) instead of one message per datagram."),
    BOOL("osc.destinations.[].bundle", 0, 0, "Each tick's messages as OSC bundles: the same as a +bundle profile."),

    GROUP("session", "Session records."),
    STR("session.dir", "sessions", 0,
        "The session store: the patients' calibrations and targets (myofeed.db), and their session records (a "
        "relative path is relative to the working directory).",
        NULL),
    STR("session.patient", "default", 0,
        "The patient whose calibration and targets are loaded at start (/emg/ctl/patient switches): letters, digits, "
        "'-', '_' and '.'.",
        NULL),
    STR("session.database", "", CK_EXAMPLE,
        "A clinic's shared history: \"postgresql://USER@HOST:PORT/DB\" (libpq). Every station writes its sessions, "
        "calibrations and targets there; while it cannot be reached they wait in the local store (session.dir) and "
        "go out when it can. Empty: the local store only.",
        "\"postgresql://myofeed@db.clinic.lan/myofeed\""),
    STR("session.station", "", 0, "This station's name in the shared history (empty: the host name).", NULL),
    BOOL("session.record", 0, 0,
         "Record every protocol: /emg/ctl/protocol/start also starts a session record (recording.bdf, summary.json, "
         "report.html in session.dir/<patient>/<session>/) and the protocol's end stops it."),

    GROUP("plugins", "Where plugins are found."),
    ARRAY("plugins.path", "[ \"$ORIGIN/../lib/myofeed/plugins\" ]", 0,
          "Directories searched for <name>.so, in order. \"$ORIGIN\" is the directory of myofeedd itself; relative "
          "paths are relative to this file.",
          NULL),

    LIST("protocols", CK_EXAMPLE,
         "Named exercise protocols (/emg/ctl/protocol/start s name). Without any (no key, or an empty list), the five "
         "in "
         "config/protocols.cfg: hamstring_curl, glute_bridge, clamshell, sit_to_stand, prone_hip_extension.",
         NULL),
    STR("protocols.[].name", "", CK_REQUIRED | CK_EXAMPLE, "The protocol's name: a-z, 0-9 and '_'.", "\"my_bridge\""),
    ARRAY("protocols.[].muscles", NULL, CK_REQUIRED | CK_EXAMPLE, "The muscles that work (names from muscles).",
          "[ \"glute_left\", \"glute_right\" ]"),
    BOOL("protocols.[].alternate", 0, CK_EXAMPLE,
         "Reps take the muscles in turn (left, right, ...) instead of all at once."),
    ARRAY("protocols.[].relax", NULL, CK_EXAMPLE, "Muscles that must stay relaxed during work.",
          "[ \"hamstring_left\", \"hamstring_right\" ]"),
    NUM("protocols.[].relax_limit_pct", 20, 0, 100, "% MVC", CK_EXAMPLE,
        "A relax muscle above this during work gets /emg/<m>/relax.", NULL),
    ARRAY("protocols.[].target_pct", NULL, CK_EXAMPLE,
          "The band [low, high] in % MVC the working muscles aim for (default: each muscle's own target).",
          "[ 20.0, 60.0 ]"),
    NUM("protocols.[].hold_s", 5, 0.5, 120, "s", CK_EXAMPLE, "How long activation must stay in the band for a rep.",
        NULL),
    NUM("protocols.[].reach_s", 2, 0, 30, "s", CK_EXAMPLE, "Time to reach the band, added to the work phase.", NULL),
    NUM("protocols.[].rest_s", 5, 0, 600, "s", CK_EXAMPLE, "Rest after each rep.", NULL),
    INT("protocols.[].reps", 10, 1, 100, "", CK_EXAMPLE, "Reps per set.", NULL),
    INT("protocols.[].sets", 1, 1, 20, "", CK_EXAMPLE, "How many sets of reps.", NULL),
    NUM("protocols.[].set_rest_s", 60, 0, 1800, "s", CK_EXAMPLE, "Rest between sets.", NULL),
    NUM("protocols.[].get_ready_s", 3, 0, 60, "s", CK_EXAMPLE, "Time to get ready before the first rep.", NULL),

    LIST("muscles", CK_REQUIRED,
         "One entry per electrode pair. Chain per muscle: filters (in order) -> envelope -> detector; their "
         "parameters: myofeedd --list-plugins.",
         NULL),
    STR("muscles.[].name", "", CK_REQUIRED,
        "The muscle's OSC name: a-z, 0-9 and '_', starting with a letter (e.g. \"hamstring_left\").",
        "\"hamstring_left\""),
    INT("muscles.[].channel", 0, 1, 64, "", CK_REQUIRED, "The amplifier input, counted from 1 as printed on it.", "1"),
    LIST("muscles.[].filters", 0, "Filter plugins in order, each { plugin = \"name\"; parameters }.",
         "( { plugin = \"butterworth\"; type = \"bandpass\"; order = 2; low_hz = 20.0; high_hz = 450.0; } )"),
    PLUGIN("muscles.[].envelope", CK_REQUIRED, "The envelope plugin: rms or linear-envelope.",
           "{ plugin = \"linear-envelope\"; cutoff_hz = 80.0; }"),
    PLUGIN("muscles.[].detector", CK_REQUIRED,
           "The detector plugin: cusum, adaptive, threshold, baseline-sd or double-threshold "
           "(/emg/ctl/threshold sets its on and off).",
           "{ plugin = \"cusum\"; on = 1.7; off = 1.7; h = 30.0; }"),
    NUM("muscles.[].rep_hold_s", 0.5, 0, 600, "s", 0,
        "A repetition is a contraction held this long; with a target band in force (an MVC calibration and a target), "
        "activation must stay in the band that long.",
        NULL),
    ARRAY("muscles.[].target_pct", NULL, CK_EXAMPLE,
          "The target band [low, high] in % MVC (high omitted: 100) used until the patient has one of their own "
          "(/emg/ctl/target); it needs an MVC calibration to be in force.",
          "[ 20.0, 60.0 ]"),
};

#define N_KEYS ((int)(sizeof keys / sizeof keys[0]))

const cfg_key *cfg_key_at(int i) { return i >= 0 && i < N_KEYS ? &keys[i] : NULL; }

/* "muscles.[3].channel" -> "muscles.[].channel" */
static void generic_path(const char *path, char *out, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; path[i] && j + 1 < n; i++) {
        out[j++] = path[i];
        if (path[i] == '[') {
            while (path[i + 1] >= '0' && path[i + 1] <= '9') i++;
        }
    }
    out[j] = 0;
}

const cfg_key *cfg_key_find(const char *path)
{
    char g[256];
    generic_path(path, g, sizeof g);
    for (int i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].path, g) == 0) return &keys[i];
    return NULL;
}

const char *cfg_key_leaf(const cfg_key *k)
{
    const char *dot = strrchr(k->path, '.');
    return dot ? dot + 1 : k->path;
}

int cfg_key_children(const char *parent, const char **names, int cap)
{
    size_t pl = strlen(parent);
    int n = 0;
    for (int i = 0; i < N_KEYS && n + 1 < cap; i++) {
        const char *p = keys[i].path;
        if (pl) {
            if (strncmp(p, parent, pl) != 0 || p[pl] != '.') continue;
            p += pl + 1;
        }
        if (!strchr(p, '.')) names[n++] = p;
    }
    names[n] = NULL;
    return n;
}

char cfg_key_override_type(const cfg_key *k)
{
    if (!k || strchr(k->path, '[')) return 0; /* list items: only settings the file already has */
    switch (k->type) {
    case CK_STRING:
    case CK_CHOICE: return 's';
    case CK_INT: return 'i';
    case CK_NUMBER: return 'f';
    case CK_BOOL: return 'b';
    default: return 0;
    }
}

/* ---------------------------------------------------------------------------------------------- */

/* A number as libconfig reads it back with the same type: integers plain, floats with a point. */
static void print_number(FILE *out, const cfg_key *k, double v)
{
    if (k->type == CK_INT) {
        fprintf(out, "%.0f", v);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.10g", v);
    fprintf(out, "%s%s", buf, strpbrk(buf, ".eEn") ? "" : ".0");
}

static void print_value(FILE *out, const cfg_key *k)
{
    if (k->example && (k->flags & CK_EXAMPLE || k->flags & CK_REQUIRED)) {
        fputs(k->example, out);
        return;
    }
    switch (k->type) {
    case CK_STRING:
    case CK_CHOICE: fprintf(out, "\"%s\"", k->def_text ? k->def_text : ""); break;
    case CK_INT:
    case CK_NUMBER: print_number(out, k, k->def); break;
    case CK_BOOL: fputs(k->def ? "true" : "false", out); break;
    case CK_ARRAY: fputs(k->def_text ? k->def_text : "[ ]", out); break;
    default: fputs(k->example ? k->example : "{ }", out); break;
    }
}

/* "(number 1..100000 Hz; default 2000)": what a reader needs to write the value; "" when there is nothing to say. */
static void facts_of(const cfg_key *k, char *buf, size_t n)
{
    size_t off = 0;
    buf[0] = 0;
#define ADD(...) (off += off < n ? (size_t)snprintf(buf + off, n - off, __VA_ARGS__) : 0)
    switch (k->type) {
    case CK_CHOICE:
        for (int i = 0; k->choices[i]; i++) ADD("%s\"%s\"", i ? " | " : "", k->choices[i]);
        break;
    case CK_INT:
    case CK_NUMBER:
        ADD("%s %.10g..%.10g%s%s", k->type == CK_INT ? "whole number" : "number", k->min, k->max, k->unit[0] ? " " : "",
            k->unit);
        break;
    case CK_STRING: ADD("string"); break;
    case CK_ARRAY: ADD("array"); break;
    case CK_BOOL: ADD("true | false"); break;
    default: return;
    }
    if (k->flags & CK_REQUIRED)
        ADD("; required");
    else if (k->type == CK_INT || k->type == CK_NUMBER)
        ADD("; default %.10g", k->def);
    else if (k->type == CK_ARRAY && k->def_text)
        ADD("; default %s", k->def_text);
    else if (k->type != CK_ARRAY && k->def_text && k->def_text[0])
        ADD("; default \"%s\"", k->def_text);
#undef ADD
}

/* Writes "key: help (facts)" as comment lines wrapped at about 110 columns. */
static void print_help(FILE *out, const char *indent, const cfg_key *k, const char *key)
{
    char text[1200], facts[200], line[240];
    facts_of(k, facts, sizeof facts);
    snprintf(text, sizeof text, "%s%s%s%s%s%s", key ? key : "", key ? ": " : "", k->help, facts[0] ? " (" : "", facts,
             facts[0] ? ")" : "");
    int len = snprintf(line, sizeof line, "%s#", indent);
    const char *p = text;
    while (*p) {
        const char *sp = strchr(p, ' ');
        int w = sp ? (int)(sp - p) : (int)strlen(p);
        if (len + 1 + w > 110 && len > (int)strlen(indent) + 3) {
            fprintf(out, "%s\n", line);
            len = snprintf(line, sizeof line, "%s#  ", indent);
        }
        len += snprintf(line + len, sizeof line - (size_t)len, " %.*s", w, p);
        p += w;
        while (*p == ' ') p++;
    }
    fprintf(out, "%s\n", line);
}

static void print_key(FILE *out, const cfg_key *k, const char *indent)
{
    print_help(out, indent, k, cfg_key_leaf(k));
    fprintf(out, "%s%s%s = ", indent, k->flags & CK_EXAMPLE ? "# " : "", cfg_key_leaf(k));
    print_value(out, k);
    fputs(";\n", out);
}

/* A list and one example item: the help of the list and of each item key, then the list with the item (commented
 * out when `comment`, as for osc.destinations, which is empty by default). `indent` is the list's indentation. */
static void print_list(FILE *out, const cfg_key *list, const char *indent, int comment)
{
    print_help(out, indent, list, cfg_key_leaf(list));
    char parent[64];
    snprintf(parent, sizeof parent, "%s.[]", list->path);
    const char *item[16];
    const cfg_key *k[16];
    int n = cfg_key_children(parent, item, 16);
    for (int i = 0; i < n; i++) {
        char path[96];
        snprintf(path, sizeof path, "%s.%s", parent, item[i]);
        k[i] = cfg_key_find(path);
        print_help(out, indent, k[i], item[i]);
    }
    fprintf(out, "%s%s = (\n%s  %s{", indent, cfg_key_leaf(list), indent, comment ? "# " : "");
    for (int i = 0; i < n; i++) {
        if (comment || i == 0)
            fputc(' ', out);
        else
            fprintf(out, "\n%s    ", indent);
        fprintf(out, "%s = ", item[i]);
        print_value(out, k[i]);
        fputc(';', out);
    }
    fprintf(out, "%s}\n%s);\n", comment ? " " : "\n  ", indent);
}

void cfg_keys_print_reference(FILE *out)
{
    fputs("# The reference configuration of myofeedd (myofeedd --print-config): every key of the daemon with its\n"
          "# default, unit and range. Keys shown commented out are optional or belong to one source type.\n"
          "# Numbers may be written as 15 or 15.0. Check a file with: myofeedd -c FILE --check-config\n"
          "# Override one setting at start: myofeedd -o osc.control=127.0.0.1:17800\n",
          out);
    for (int i = 0; i < N_KEYS; i++) {
        const cfg_key *k = &keys[i];
        if (strchr(k->path, '.')) continue; /* printed inside their group */
        fputc('\n', out);
        if (k->type == CK_LIST) { /* muscles as an example to keep, protocols commented out */
            print_list(out, k, "", (k->flags & CK_EXAMPLE) != 0);
            continue;
        }
        print_help(out, "", k, k->path);
        fprintf(out, "%s = {\n", k->path);
        for (int j = 0; j < N_KEYS; j++) {
            const cfg_key *c = &keys[j];
            size_t pl = strlen(k->path);
            if (strncmp(c->path, k->path, pl) != 0 || c->path[pl] != '.' || strchr(c->path + pl + 1, '.')) continue;
            if (c->type == CK_LIST)
                print_list(out, c, "  ", 1);
            else
                print_key(out, c, "  ");
        }
        fputs("};\n", out);
    }
}

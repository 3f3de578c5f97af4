/* config_keys.h: the schema of the daemon's own configuration keys, in one table: path, type, default,
 * range, unit and help, the way mf_param_info describes a plugin's parameters. Owns: what a key is.
 * The table drives the unknown-key checks, the types -o gives to new settings, every range and type message,
 * and myofeedd --print-config (the commented reference configuration). Plugin blocks (filters, envelope,
 * detector, source.options) are described by the plugins' own tables, not here. */
#ifndef MF_CONFIG_KEYS_H
#define MF_CONFIG_KEYS_H

#include <stdio.h>

typedef enum cfg_key_type {
    CK_GROUP = 0, /* { ... } */
    CK_LIST,      /* ( { ... }, ... ): its items' keys are "<path>.[].<key>" */
    CK_ARRAY,     /* [ "...", ... ] or [ 1, 2 ] */
    CK_STRING,
    CK_CHOICE, /* a string, one of choices */
    CK_INT,    /* a whole number */
    CK_NUMBER, /* 15 or 15.0 */
    CK_BOOL,
    CK_PLUGIN, /* a plugin block: { plugin = "name"; its parameters } (or, for source.options, just the parameters) */
} cfg_key_type;

enum {
    CK_REQUIRED = 1u << 0, /* no default: the file must set it */
    CK_EXAMPLE = 1u << 1,  /* --print-config shows it commented out (optional, or for one source type) */
};

typedef struct cfg_key {
    const char *path; /* "source.baud"; items of a list: "osc.destinations.[].port" */
    cfg_key_type type;
    double def;                 /* numbers and booleans */
    const char *def_text;       /* strings and choices: the default value; arrays: the default as written in a file */
    double min, max;            /* numbers */
    const char *unit;           /* "" when none */
    const char *const *choices; /* CK_CHOICE, NULL-terminated */
    unsigned flags;
    const char *help;    /* one or two sentences: what it does, when it matters */
    const char *example; /* CK_EXAMPLE keys: the value --print-config shows (NULL: the default) */
} cfg_key;

/* The key at path (list items with "[]"; "muscles.[3].channel" is found as "muscles.[].channel"), or NULL. */
const cfg_key *cfg_key_find(const char *path);

/* The i-th key in table order (NULL past the end). */
const cfg_key *cfg_key_at(int i);

/* The names of the keys directly inside group or list item `parent` ("" = the top level; "osc.destinations.[]"),
 * NULL-terminated, in table order. Returns the count (at most cap - 1). */
int cfg_key_children(const char *parent, const char **names, int cap);

/* The last part of a key's path: "baud" for "source.baud". */
const char *cfg_key_leaf(const cfg_key *k);

/* The type -o gives a setting the file lacks: 's' (string), 'i', 'f', 'b', or 0 when -o cannot create it. */
char cfg_key_override_type(const cfg_key *k);

/* Writes the commented reference configuration: every daemon key with its help, default, unit and range, and
 * an example muscle. The output is a valid configuration (myofeedd -c - --check-config accepts it). */
void cfg_keys_print_reference(FILE *out);

#endif

/* ascii: lines of numbers, as Arduino + MyoWare sketches (and many DIY amplifiers) print them:
 * "512\r\n", "498,1.27,12\n", "A0:512 A1:498". Separators: comma, semicolon, space, tab; "label:value" tokens
 * count as their value; CR/LF or LF. The partial line after opening is skipped; lines that do not hold
 * exactly `channels` numbers (banners, garbage) are dropped and counted; lines longer than 256 bytes too.
 * uV = (value - offset) x scale. There is no counter: the bytes of the lines dropped since the last good line,
 * over the mean length of a good line, say how many frames they held (damaged line ends merge lines, damaged
 * bytes can split one), and that many NaN frames (up to 20) keep time; a line less than half the mean length is
 * a fragment, not a frame. A damaged digit is caught by the value check (mfdsp/frame_check.h). The device
 * streams on its own. */
#include <myofeed/plugin.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfdsp/decode.h"
#include "mfdsp/frame_check.h"

#define MAX_FILL 20

#define LINE_MAX_LEN 256

enum { P_CHANNELS, P_SCALE, P_OFFSET, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"channels", MF_PARAM_INT, 1, 1, 16, "", "numbers per line", 0, NULL},
    {"scale", MF_PARAM_FLOAT, 1.0, -1e9, 1e9, "uV/unit",
     "uV per printed unit (MyoWare 2.0 RAW on a 5 V 10-bit Uno: 24.4)", 0, NULL},
    {"offset", MF_PARAM_FLOAT, 0.0, -1e9, 1e9, "unit", "subtracted before scaling (e.g. 512 for mid-scale)", 0, NULL},
};

typedef struct asc {
    uint32_t nc;
    double scale, offset;
    char line[LINE_MAX_LEN + 1];
    uint32_t len, raw; /* raw: every byte of the line so far, with those past LINE_MAX_LEN */
    int overlong, started;
    int junk;                   /* the line holds a byte no text line has (NUL, controls, 8-bit): a damaged line */
    double mean_len, bad_bytes; /* of good lines, with their ends; of lines dropped since the last good one */
    mf_decoder_stats st;
    frame_check fc;
} asc;

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host, (void)fs;
    asc *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    a->nc = (uint32_t)p[P_CHANNELS];
    a->scale = p[P_SCALE];
    a->offset = p[P_OFFSET];
    fc_init(&a->fc, a->nc, 4 * fabs(a->scale), 0, MAX_FILL, &a->st); /* floor: 4 printed units */
    return a;
}

static void destroy(void *self) { free(self); }
static uint32_t channels(void *self) { return ((asc *)self)->nc; }

static void resync(void *self)
{
    asc *a = self;
    a->len = a->raw = 0;
    a->overlong = a->junk = 0;
    a->started = 0;
    a->bad_bytes = 0;
    fc_reset(&a->fc);
}

/* Parses a complete line; returns 1 and fills out when it holds exactly nc numbers. */
static int parse(const asc *a, char *s, double *out)
{
    uint32_t k = 0;
    char *p = s;
    while (*p) {
        while (*p == ',' || *p == ';' || *p == ' ' || *p == '\t') p++;
        if (!*p) break;
        char *tok = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t') p++;
        if (*p) *p++ = 0;
        char *colon = strrchr(tok, ':');
        if (colon) tok = colon + 1;
        if (!*tok) continue; /* "A0:" with the value after a space */
        char *end;
        double v = strtod(tok, &end);
        if (end == tok || *end) return 0;
        if (k == a->nc) return 0;
        out[k++] = (v - a->offset) * a->scale;
    }
    return k == a->nc;
}

/* A whole line (without its end) is in a->line. */
static void line(asc *a, dec_out *o)
{
    double raw = a->raw + 1.0; /* with the '\n' */
    while (a->len && (a->line[a->len - 1] == '\r' || isspace((unsigned char)a->line[a->len - 1]))) a->len--;
    a->line[a->len] = 0;
    double vals[16];
    int good =
        a->len && !a->overlong && !a->junk && !(a->mean_len > 0 && 2 * raw < a->mean_len) && parse(a, a->line, vals);
    if (!good) {
        if (a->len) a->st.frames_bad++;
        a->bad_bytes += raw;
        return;
    }
    a->st.frames_ok++;
    if (a->mean_len > 0 && a->bad_bytes > 0) {
        double k = floor(a->bad_bytes / a->mean_len + 0.5);
        if (k > 0) fc_lost(&a->fc, o, k < MAX_FILL ? (uint32_t)k : MAX_FILL);
    }
    a->bad_bytes = 0;
    a->mean_len = a->mean_len > 0 ? a->mean_len + (raw - a->mean_len) / 32.0 : raw;
    fc_frame(&a->fc, o, 0, vals);
}

static size_t decode(void *self, const uint8_t *in, size_t n, mf_sample *frames, uint32_t cap, uint32_t *n_frames)
{
    asc *a = self;
    dec_out o = {frames, cap, 0, a->nc};
    size_t i = 0;
    for (; i < n && o.n + FC_ROOM(MAX_FILL) <= o.cap; i++) {
        a->st.bytes++;
        char ch = (char)in[i];
        if (ch == '\n') {
            if (a->started) line(a, &o);
            a->started = 1; /* the partial line after opening is skipped */
            a->len = a->raw = 0;
            a->overlong = a->junk = 0;
            continue;
        }
        /* a NUL would end the line early for the parser and hide the rest (a damaged line end, say) */
        if (((unsigned char)ch < 0x20 && ch != '\r' && ch != '\t') || (unsigned char)ch >= 0x7f) a->junk = 1;
        a->raw++;
        if (a->len < LINE_MAX_LEN)
            a->line[a->len++] = ch;
        else
            a->overlong = 1;
    }
    *n_frames = o.n;
    return i;
}

static void stats(void *self, mf_decoder_stats *out) { *out = ((asc *)self)->st; }

static const mf_decoder_ops ops = {.channels = channels, .decode = decode, .stats = stats, .resync = resync};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_DECODER,
    .name = "ascii",
    .version = "1.0.0",
    .summary = "lines of numbers (Arduino + MyoWare and other DIY amplifiers)",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = resync,
    .decoder = &ops,
};

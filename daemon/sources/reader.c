/* reader.c: text and EDF/BDF readers behind one small interface. */
#include "base/edf_lock.h"
#include "config/config.h"
#include "sources/reader.h"

#include <ctype.h>
#include <edflib.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct reader {
    int nc;
    double fs;
    int fs_from_file;
    double scale[CFG_MAX_COLUMNS];
    uint64_t bad_rows;
    /* text */
    FILE *f;
    int col[CFG_MAX_COLUMNS]; /* 0-based field index */
    char *line;
    size_t cap;
    /* edf/bdf: EDFlib opens and checks the file; the data records are then read whole and decoded here */
    int edf;            /* 1 when this is an EDF/BDF recording, else -1 */
    FILE *ef;           /* the file, at the next data record */
    unsigned char *rec; /* one data record */
    size_t rec_bytes;
    long long recs_left;         /* data records not yet read */
    int bps;                     /* bytes per sample: 2 (EDF) or 3 (BDF) */
    int spr;                     /* samples per record of the chosen signals (equal: one rate) */
    int at;                      /* next sample of the current record; spr = none left */
    size_t off[CFG_MAX_COLUMNS]; /* where each chosen signal starts in a record */
    double bitv[CFG_MAX_COLUMNS], dofs[CFG_MAX_COLUMNS]; /* physical = bitv * (dofs + digital), as EDFlib */
};

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* Splits a line into fields on tab, comma, semicolon or spaces; returns the count. */
static int split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    int tabbed = strchr(line, '\t') || strchr(line, ',') || strchr(line, ';');
    while (n < max) {
        if (!tabbed)
            while (*p == ' ') p++;
        if (!*p || *p == '\n' || *p == '\r') {
            if (tabbed && n > 0 && p > line && (p[-1] == '\t' || p[-1] == ',' || p[-1] == ';')) fields[n++] = p;
            break;
        }
        fields[n++] = p;
        while (*p && *p != '\n' && *p != '\r' && !(tabbed ? (*p == '\t' || *p == ',' || *p == ';') : *p == ' ')) p++;
        if (!*p || *p == '\n' || *p == '\r') {
            *p = 0;
            break;
        }
        *p++ = 0;
    }
    return n;
}

static int parse_num(const char *s, double *v)
{
    while (*s == ' ') s++;
    if (!*s) return 0;
    char *end;
    *v = strtod(s, &end);
    while (*end == ' ' || *end == '"') end++;
    return end != s && *end == 0;
}

/* "Sampling Rate (Hz):= 1000.00" (BioSPPy) or "\"sampling rate\": 1000" (OpenSignals JSON). */
static void header_rate(const char *line, double *fs, int *found)
{
    const char *p = line;
    for (; *p; p++)
        if (strncasecmp(p, "sampling rate", 13) == 0) break;
    if (!*p) return;
    p += 13;
    while (*p && !isdigit((unsigned char)*p)) p++;
    double v = strtod(p, NULL);
    if (v > 0) {
        *fs = v;
        *found = 1;
    }
}

/* A header field without its quotes and surrounding spaces, into out[64]. */
static void unquote(char *out, const char *s)
{
    while (*s == ' ' || *s == '"') s++;
    snprintf(out, 64, "%s", s);
    char *q = out + strlen(out);
    while (q > out && (q[-1] == '"' || q[-1] == ' ' || q[-1] == '\r' || q[-1] == '\n')) *--q = 0;
}

static reader *open_text(reader *r, const char *path, const cfg_column *cols, int n_cols, double scale, char *err,
                         size_t n)
{
    r->f = fopen(path, "r");
    if (!r->f) {
        snprintf(err, n, "%s: cannot open the recording: %s", path, strerror(errno));
        return NULL;
    }
    /* read header lines: '#' comments, and one non-numeric row of column names (the first of several fields,
     * or a single name right above the data: a one-column file) */
    char *fields[CFG_MAX_COLUMNS * 4];
    char names[CFG_MAX_COLUMNS * 4][64], single[64] = "";
    int n_names = 0;
    long data_start = 0;
    for (int lines = 0; lines < 200; lines++) {
        long pos = ftell(r->f);
        ssize_t len = getline(&r->line, &r->cap, r->f);
        if (len < 0) break;
        if (r->line[0] == '#') {
            header_rate(r->line, &r->fs, &r->fs_from_file);
            continue;
        }
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", r->line);
        int nf = split(copy, fields, CFG_MAX_COLUMNS * 4);
        double v;
        int numeric = nf > 0 && parse_num(fields[0], &v);
        if (numeric) {
            if (n_names == 0 && single[0]) memcpy(names[n_names++], single, sizeof single);
            data_start = pos;
            break;
        }
        single[0] = 0;
        if (nf == 1) unquote(single, fields[0]);
        if (nf > 1 && n_names == 0) { /* a header row of names */
            for (int i = 0; i < nf; i++) unquote(names[n_names++], fields[i]);
        }
        data_start = ftell(r->f);
    }
    fseek(r->f, data_start, SEEK_SET);
    for (int i = 0; i < n_cols; i++) {
        if (cols[i].index > 0) {
            r->col[i] = cols[i].index - 1;
        } else {
            int found = -1;
            for (int k = 0; k < n_names; k++)
                if (strcmp(names[k], cols[i].name) == 0) found = k;
            if (found < 0) {
                size_t off = (size_t)snprintf(err, n, "%s: no column named '%s'; the header has:", path, cols[i].name);
                for (int k = 0; k < n_names && off < n; k++)
                    off += (size_t)snprintf(err + off, n - off, " %s", names[k]);
                if (!n_names && off < n) snprintf(err + off, n - off, " no names; give column numbers (from 1)");
                return NULL;
            }
            r->col[i] = found;
        }
        r->scale[i] = scale;
    }
    r->nc = n_cols;
    return r;
}

static double edf_unit_scale(const char *dim)
{
    char d[16];
    snprintf(d, sizeof d, "%s", dim);
    for (char *p = d + strlen(d); p > d && p[-1] == ' '; p--) p[-1] = 0;
    if (!strcmp(d, "uV")) return 1.0;
    if (!strcmp(d, "mV")) return 1e3;
    if (!strcmp(d, "V")) return 1e6;
    if (!strcmp(d, "nV")) return 1e-3;
    return 1.0;
}

/* A header field of w ASCII characters at off, as a number. */
static long long hdr_num(const unsigned char *h, size_t off, int w)
{
    char t[32];
    memcpy(t, h + off, (size_t)w);
    t[w] = 0;
    return atoll(t);
}

/* The data-record layout from the raw header: where each chosen signal sits in a record. EDFlib hides the
 * annotation signals of EDF+/BDF+ from its signal numbers; they still take space in every record. */
static int edf_layout(reader *r, const char *path, int plus, char *err, size_t n)
{
    unsigned char fixed[256];
    if (fread(fixed, 1, 256, r->ef) != 256) goto short_file;
    long long hdr_bytes = hdr_num(fixed, 184, 8), ns = hdr_num(fixed, 252, 4);
    if (ns < 1 || ns > 4096 || hdr_bytes != 256 * (ns + 1)) {
        snprintf(err, n, "%s: header size %lld does not match its %lld signals; check the file", path, hdr_bytes, ns);
        return -1;
    }
    unsigned char *sh = malloc((size_t)ns * 256);
    if (!sh) goto no_memory;
    if (fread(sh, 1, (size_t)ns * 256, r->ef) != (size_t)ns * 256) {
        free(sh);
        goto short_file;
    }
    size_t start[4096], bytes = 0;
    int visible[4096], nv = 0;
    for (long long k = 0; k < ns; k++) {
        const char *label = (const char *)sh + 16 * k;
        int annot = plus && (!strncmp(label, "EDF Annotations", 15) || !strncmp(label, "BDF Annotations", 15));
        if (!annot) visible[nv++] = (int)k;
        start[k] = bytes;
        bytes += (size_t)hdr_num(sh, (size_t)ns * 216 + 8 * (size_t)k, 8) * (size_t)r->bps;
    }
    free(sh);
    for (int c = 0; c < r->nc; c++) {
        if (r->off[c] >= (size_t)nv) { /* EDFlib counted the signals differently: do not guess */
            snprintf(err, n, "%s: signal %zu is not among the %d data signals of the header; check the file", path,
                     r->off[c] + 1, nv);
            return -1;
        }
        r->off[c] = start[visible[r->off[c]]];
    }
    if (bytes == 0) {
        snprintf(err, n, "%s: its data records hold no samples; check the file", path);
        return -1;
    }
    r->rec_bytes = bytes;
    r->rec = malloc(bytes);
    if (r->rec) return 0;
no_memory:
    snprintf(err, n, "%s: out of memory for its header or one data record; free some memory", path);
    return -1;
short_file:
    snprintf(err, n, "%s: the header ends early; check the file", path);
    return -1;
}

static reader *open_edf(reader *r, const char *path, const cfg_column *cols, int n_cols, double scale, char *err,
                        size_t n)
{
    struct edf_hdr_struct *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, n, "%s: out of memory for its header; free some memory", path);
        return NULL;
    }
    edf_lock();
    int bad = edfopen_file_readonly(path, h, EDFLIB_DO_NOT_READ_ANNOTATIONS) != 0;
    if (!bad) edfclose_file(h->handle);
    edf_unlock();
    if (bad) {
        snprintf(err, n, "%s: not a readable EDF/BDF file (EDFlib error %d); check the file", path, h->filetype);
        free(h);
        return NULL;
    }
    r->edf = 1;
    double fs0 = 0;
    for (int i = 0; i < n_cols; i++) {
        int s = cols[i].index - 1;
        if (cols[i].index <= 0) {
            s = -1;
            for (int k = 0; k < h->edfsignals; k++) {
                char label[24];
                snprintf(label, sizeof label, "%s", h->signalparam[k].label);
                for (char *p = label + strlen(label); p > label && p[-1] == ' '; p--) p[-1] = 0;
                if (!strcmp(label, cols[i].name)) s = k;
            }
        }
        if (s < 0 || s >= h->edfsignals) {
            snprintf(err, n, "%s: has %d signals; column %d%s%s is not one of them", path, h->edfsignals, cols[i].index,
                     cols[i].index ? "" : " named ", cols[i].name);
            free(h);
            return NULL;
        }
        const struct edf_param_struct *sp = &h->signalparam[s];
        double fs = (double)sp->smp_in_datarecord * EDFLIB_TIME_DIMENSION / (double)h->datarecord_duration;
        if (i == 0) fs0 = fs;
        if (fabs(fs - fs0) > 1e-9) {
            snprintf(err, n, "%s: signals %d and %d have different rates (%g and %g Hz); replay one rate at a time",
                     path, cols[0].index, s + 1, fs0, fs);
            free(h);
            return NULL;
        }
        r->off[i] = (size_t)s; /* the signal for now; edf_layout turns it into a byte offset */
        r->scale[i] = scale * edf_unit_scale(sp->physdimension);
        r->bitv[i] = (sp->phys_max - sp->phys_min) / (double)(sp->dig_max - sp->dig_min);
        r->dofs[i] = sp->phys_max / r->bitv[i] - (double)sp->dig_max;
        r->spr = sp->smp_in_datarecord;
    }
    r->fs = fs0;
    r->fs_from_file = 1;
    r->nc = n_cols;
    r->bps = h->filetype == EDFLIB_FILETYPE_BDF || h->filetype == EDFLIB_FILETYPE_BDFPLUS ? 3 : 2;
    r->recs_left = h->datarecords_in_file;
    r->at = r->spr;
    int plus = h->filetype == EDFLIB_FILETYPE_EDFPLUS || h->filetype == EDFLIB_FILETYPE_BDFPLUS;
    free(h);
    r->ef = fopen(path, "rb");
    if (!r->ef) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return NULL;
    }
    return edf_layout(r, path, plus, err, n) == 0 ? r : NULL;
}

reader *reader_open(const char *path, const cfg_column *cols, int n_cols, double scale, double fs_default, char *err,
                    size_t n)
{
    if (n_cols < 1 || n_cols > CFG_MAX_COLUMNS) {
        snprintf(err, n, "%s: choose 1 to %d columns to replay", path, CFG_MAX_COLUMNS);
        return NULL;
    }
    reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, n, "%s: out of memory opening it; free some memory", path);
        return NULL;
    }
    r->edf = -1;
    r->fs = fs_default;
    reader *ok = (ends_with(path, ".edf") || ends_with(path, ".bdf")) ? open_edf(r, path, cols, n_cols, scale, err, n)
                                                                      : open_text(r, path, cols, n_cols, scale, err, n);
    if (!ok) {
        reader_close(r);
        return NULL;
    }
    return r;
}

void reader_close(reader *r)
{
    if (!r) return;
    if (r->f) fclose(r->f);
    if (r->ef) fclose(r->ef);
    free(r->rec);
    free(r->line);
    free(r);
}

int reader_channels(const reader *r) { return r->nc; }
double reader_rate(const reader *r) { return r->fs; }
int reader_rate_from_file(const reader *r) { return r->fs_from_file; }
uint64_t reader_bad_rows(const reader *r) { return r->bad_rows; }

/* Decodes n samples of one signal (little-endian two's complement, 16 or 24 bit) into every nc-th frame value. */
static void decode(const unsigned char *p, int bps, uint32_t n, double bitv, double dofs, double scale, double *dst,
                   int nc)
{
    if (bps == 3) {
        for (uint32_t i = 0; i < n; i++, p += 3) {
            int32_t v = (int32_t)((uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 24) >> 8;
            dst[(size_t)i * (size_t)nc] = bitv * (dofs + (double)v) * scale;
        }
    } else {
        for (uint32_t i = 0; i < n; i++, p += 2) {
            int16_t v = (int16_t)(uint16_t)(p[0] | p[1] << 8);
            dst[(size_t)i * (size_t)nc] = bitv * (dofs + (double)v) * scale;
        }
    }
}

static uint32_t read_edf(reader *r, double *frames, uint32_t max)
{
    uint32_t k = 0;
    while (k < max) {
        if (r->at == r->spr) { /* the next data record, whole */
            if (r->recs_left <= 0 || fread(r->rec, 1, r->rec_bytes, r->ef) != r->rec_bytes) break;
            r->recs_left--;
            r->at = 0;
        }
        uint32_t n = (uint32_t)(r->spr - r->at) < max - k ? (uint32_t)(r->spr - r->at) : max - k;
        for (int c = 0; c < r->nc; c++)
            decode(r->rec + r->off[c] + (size_t)r->at * (size_t)r->bps, r->bps, n, r->bitv[c], r->dofs[c], r->scale[c],
                   frames + (size_t)k * (size_t)r->nc + c, r->nc);
        r->at += (int)n;
        k += n;
    }
    return k;
}

uint32_t reader_read(reader *r, double *frames, uint32_t max)
{
    if (r->edf >= 0) return read_edf(r, frames, max);
    uint32_t k = 0;
    char *fields[CFG_MAX_COLUMNS * 4];
    while (k < max && getline(&r->line, &r->cap, r->f) >= 0) {
        if (r->line[0] == '#') continue;
        int nf = split(r->line, fields, CFG_MAX_COLUMNS * 4);
        if (nf == 0) continue; /* blank line */
        int any = 0;
        for (int c = 0; c < r->nc; c++) {
            double v;
            int ok = r->col[c] < nf && parse_num(fields[r->col[c]], &v);
            frames[(size_t)k * r->nc + c] = ok ? v * r->scale[c] : NAN;
            any |= ok;
        }
        if (!any) { /* a row without any of our values: keep time, mark lost */
            r->bad_rows++;
        }
        k++;
    }
    return k;
}

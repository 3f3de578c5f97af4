/* recording.c: text and EDF/BDF readers behind one small interface. */
#include "recording.h"

#include <ctype.h>
#include <edflib.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct recording {
    int nc;
    double fs;
    int fs_from_file;
    double scale[REC_MAX_COLUMNS];
    uint64_t bad_rows;
    /* text */
    FILE *f;
    int col[REC_MAX_COLUMNS]; /* 0-based field index */
    char *line;
    size_t cap;
    /* edf */
    int edf; /* handle, or -1 */
    int sig[REC_MAX_COLUMNS];
    double *edfbuf;
    long long left;
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

static recording *open_text(recording *r, const char *path, const rec_column *cols, int n_cols, double scale,
                            char *err, size_t n)
{
    r->f = fopen(path, "r");
    if (!r->f) {
        snprintf(err, n, "%s: cannot open the recording: %s", path, strerror(errno));
        return NULL;
    }
    /* read header lines: '#' comments, and one non-numeric row of column names */
    char *fields[REC_MAX_COLUMNS * 4];
    char names[REC_MAX_COLUMNS * 4][64];
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
        int nf = split(copy, fields, REC_MAX_COLUMNS * 4);
        double v;
        int numeric = nf > 0 && parse_num(fields[0], &v);
        if (numeric) {
            data_start = pos;
            break;
        }
        if (nf > 1 && n_names == 0) { /* a header row of names */
            for (int i = 0; i < nf; i++) {
                const char *s = fields[i];
                while (*s == ' ' || *s == '"') s++;
                snprintf(names[n_names], 64, "%s", s);
                char *q = names[n_names] + strlen(names[n_names]);
                while (q > names[n_names] && (q[-1] == '"' || q[-1] == ' ')) *--q = 0;
                n_names++;
            }
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
                for (int k = 0; k < n_names && off < n; k++) off += (size_t)snprintf(err + off, n - off, " %s", names[k]);
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

static recording *open_edf(recording *r, const char *path, const rec_column *cols, int n_cols, double scale,
                           char *err, size_t n)
{
    struct edf_hdr_struct *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    if (edfopen_file_readonly(path, h, EDFLIB_DO_NOT_READ_ANNOTATIONS) != 0) {
        snprintf(err, n, "%s: not a readable EDF/BDF file (EDFlib error %d); check the file", path, h->filetype);
        free(h);
        return NULL;
    }
    r->edf = h->handle;
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
            snprintf(err, n, "%s: has %d signals; column %d%s%s is not one of them", path, h->edfsignals,
                     cols[i].index, cols[i].index ? "" : " named ", cols[i].name);
            free(h);
            return NULL;
        }
        double fs = (double)h->signalparam[s].smp_in_datarecord * EDFLIB_TIME_DIMENSION / (double)h->datarecord_duration;
        if (i == 0) fs0 = fs;
        if (fabs(fs - fs0) > 1e-9) {
            snprintf(err, n, "%s: signals %d and %d have different rates (%g and %g Hz); replay one rate at a time",
                     path, cols[0].index, s + 1, fs0, fs);
            free(h);
            return NULL;
        }
        r->sig[i] = s;
        r->scale[i] = scale * edf_unit_scale(h->signalparam[s].physdimension);
        if (i == 0) r->left = h->signalparam[s].smp_in_file;
    }
    r->fs = fs0;
    r->fs_from_file = 1;
    r->nc = n_cols;
    free(h);
    return r;
}

recording *recording_open(const char *path, const rec_column *cols, int n_cols, double scale, double fs_default,
                          char *err, size_t n)
{
    if (n_cols < 1 || n_cols > REC_MAX_COLUMNS) {
        snprintf(err, n, "%s: choose 1 to %d columns to replay", path, REC_MAX_COLUMNS);
        return NULL;
    }
    recording *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->edf = -1;
    r->fs = fs_default;
    recording *ok = (ends_with(path, ".edf") || ends_with(path, ".bdf"))
                        ? open_edf(r, path, cols, n_cols, scale, err, n)
                        : open_text(r, path, cols, n_cols, scale, err, n);
    if (!ok) {
        recording_close(r);
        return NULL;
    }
    if (r->edf >= 0) r->edfbuf = malloc(sizeof(double) * 4096);
    return r;
}

void recording_close(recording *r)
{
    if (!r) return;
    if (r->f) fclose(r->f);
    if (r->edf >= 0) edfclose_file(r->edf);
    free(r->line);
    free(r->edfbuf);
    free(r);
}

int recording_channels(const recording *r) { return r->nc; }
double recording_rate(const recording *r) { return r->fs; }
int recording_rate_from_file(const recording *r) { return r->fs_from_file; }
uint64_t recording_bad_rows(const recording *r) { return r->bad_rows; }

static uint32_t read_edf(recording *r, double *frames, uint32_t max)
{
    if (max > 4096) max = 4096;
    if ((long long)max > r->left) max = (uint32_t)r->left;
    if (max == 0) return 0;
    for (int c = 0; c < r->nc; c++) {
        int got = edfread_physical_samples(r->edf, r->sig[c], (int)max, r->edfbuf);
        if (got < (int)max) max = got > 0 ? (uint32_t)got : 0;
        for (uint32_t i = 0; i < max; i++) frames[(size_t)i * r->nc + c] = r->edfbuf[i] * r->scale[c];
    }
    r->left -= max;
    return max;
}

uint32_t recording_read(recording *r, double *frames, uint32_t max)
{
    if (r->edf >= 0) return read_edf(r, frames, max);
    uint32_t k = 0;
    char *fields[REC_MAX_COLUMNS * 4];
    while (k < max && getline(&r->line, &r->cap, r->f) >= 0) {
        if (r->line[0] == '#') continue;
        int nf = split(r->line, fields, REC_MAX_COLUMNS * 4);
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

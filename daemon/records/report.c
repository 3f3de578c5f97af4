/* report.c: the session report (see report.h). */
#include "records/report.h"

#include "base/edf_lock.h"

#include <cairo.h>
#include <edflib.h>
#include <fontconfig/fontconfig.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PLOT_W 960
#define PLOT_H 300
#define PAD_L 58
#define PAD_R 16
#define PAD_T 30
#define PAD_B 36

/* One muscle's envelope as a column per pixel: min and max of % MVC (or uV without an MVC). */
typedef struct trace {
    double lo[PLOT_W], hi[PLOT_W], sum[PLOT_W];
    int cnt[PLOT_W];
    int cols;     /* columns with data */
    double t_end; /* seconds */
    double y_max; /* top of the axis */
    int pct;      /* 1: % MVC, 0: uV */
} trace;

static int read_trace(const char *bdf, int sig, const sum_muscle *m, trace *t, char *err, size_t n)
{
    struct edf_hdr_struct *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, n, "%s: out of memory", bdf);
        return -1;
    }
    edf_lock();
    int rc = edfopen_file_readonly(bdf, h, EDFLIB_DO_NOT_READ_ANNOTATIONS);
    edf_unlock();
    if (rc != 0 || sig >= h->edfsignals) {
        snprintf(err, n, "%s: cannot read the recording (EDFlib error %d); is the session folder complete?", bdf,
                 h->filetype);
        free(h);
        return -1;
    }
    long long ns = h->signalparam[sig].smp_in_file;
    double fs = (double)h->signalparam[sig].smp_in_datarecord * EDFLIB_TIME_DIMENSION / (double)h->datarecord_duration;
    t->t_end = fs > 0 ? (double)ns / fs : 0;
    t->pct = m->mvc_uv > m->rest_uv;
    double span = t->pct ? (m->mvc_uv - m->rest_uv) / 100.0 : 1.0, base = t->pct ? m->rest_uv : 0;
    for (int c = 0; c < PLOT_W; c++) t->lo[c] = INFINITY, t->hi[c] = -INFINITY;
    double buf[4096];
    long long at = 0;
    t->y_max = t->pct ? 100 : 1;
    while (at < ns) {
        edf_lock();
        int got = edfread_physical_samples(h->handle, sig, (int)(ns - at < 4096 ? ns - at : 4096), buf);
        edf_unlock();
        if (got <= 0) break;
        for (int i = 0; i < got; i++) {
            int c = (int)((double)(at + i) * PLOT_W / (double)ns);
            if (c >= PLOT_W) c = PLOT_W - 1;
            double v = (buf[i] - base) / span;
            if (v < t->lo[c]) t->lo[c] = v;
            if (v > t->hi[c]) t->hi[c] = v;
            t->sum[c] += v;
            t->cnt[c]++;
        }
        at += got;
    }
    t->cols = ns > 0 ? PLOT_W : 0;
    for (int c = 0; c < PLOT_W; c++) /* the axis fits the smoothed trace; the fast ripple may be cut at the top */
        if (t->cnt[c] && t->sum[c] / t->cnt[c] * 1.15 > t->y_max) t->y_max = t->sum[c] / t->cnt[c] * 1.15;
    edf_lock();
    edfclose_file(h->handle);
    edf_unlock();
    free(h);
    if (t->pct && t->y_max > 150) t->y_max = 150; /* beyond 150 % MVC is cut on the plot */
    return 0;
}

static double px_x(const trace *t, double s)
{
    return PAD_L + (PLOT_W - PAD_L - PAD_R) * (t->t_end > 0 ? s / t->t_end : 0);
}
static double px_y(const trace *t, double v)
{
    if (v > t->y_max) v = t->y_max;
    if (v < 0) v = 0;
    return PAD_T + (PLOT_H - PAD_T - PAD_B) * (1 - v / t->y_max);
}

/* The plot's title, then the font for its labels. */
static void draw_title(cairo_t *cr, const char *title)
{
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 14);
    cairo_move_to(cr, PAD_L, 19);
    cairo_show_text(cr, title);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 11);
}

static void draw_axes(cairo_t *cr, const trace *t, const char *title)
{
    draw_title(cr, title);
    cairo_set_line_width(cr, 1);
    double step = t->y_max > 100 ? 50 : t->y_max > 40 ? 20 : t->y_max / 4;
    char lab[32];
    for (double v = 0; v <= t->y_max + 1e-9; v += step) {
        double y = px_y(t, v);
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, PAD_L, y);
        cairo_line_to(cr, PLOT_W - PAD_R, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        snprintf(lab, sizeof lab, t->pct ? "%.0f%%" : "%.3g", v);
        cairo_move_to(cr, 6, y + 4);
        cairo_show_text(cr, lab);
    }
    double ts = t->t_end > 600 ? 120 : t->t_end > 120 ? 30 : t->t_end > 30 ? 10 : 2;
    for (double s = 0; s <= t->t_end + 1e-9; s += ts) {
        double x = px_x(t, s);
        cairo_move_to(cr, x, PLOT_H - PAD_B);
        cairo_line_to(cr, x, PLOT_H - PAD_B + 4);
        cairo_stroke(cr);
        snprintf(lab, sizeof lab, "%.0f s", s);
        cairo_move_to(cr, x - 10, PLOT_H - PAD_B + 16);
        cairo_show_text(cr, lab);
    }
    cairo_move_to(cr, PLOT_W - PAD_R - 240, PLOT_H - 6);
    cairo_show_text(cr, t->pct ? "envelope, % MVC (green: target; blue: work)" : "envelope, uV (no MVC calibration)");
}

static cairo_status_t to_fd(void *closure, const unsigned char *data, unsigned int len)
{
    int fd = *(int *)closure;
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w <= 0) return CAIRO_STATUS_WRITE_ERROR;
        data += w, len -= (unsigned)w;
    }
    return CAIRO_STATUS_SUCCESS;
}

/* Writes path through a temporary file renamed over it (0600). */
static int write_png(cairo_surface_t *sf, const char *path, char *err, size_t n)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, n, "%s: cannot write the plot: %s", tmp, strerror(errno));
        return -1;
    }
    cairo_status_t st = cairo_surface_write_to_png_stream(sf, to_fd, &fd);
    int ok = close(fd) == 0 && st == CAIRO_STATUS_SUCCESS && rename(tmp, path) == 0;
    if (!ok) {
        snprintf(err, n, "%s: cannot write the plot (%s); the disk may be full", path,
                 st != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(st) : strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int plot_muscle(const char *dir, const summary *s, int mi, char *err, size_t n)
{
    const sum_muscle *m = &s->m[mi];
    char bdf[1100], png[1100];
    snprintf(bdf, sizeof bdf, "%s/recording.bdf", dir);
    snprintf(png, sizeof png, "%s/%s.png", dir, m->name);
    trace *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, n, "out of memory for the plot of '%s'", m->name);
        return -1;
    }
    if (read_trace(bdf, s->n_muscles + mi, m, t, err, n) != 0) {
        free(t);
        return -1;
    }
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, PLOT_W, PLOT_H);
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    /* work phases */
    for (int i = 0; i < s->n_cues; i++) {
        if (strcmp(s->cues[i].phase, "work")) continue;
        double a = s->cues[i].t_s, b = i + 1 < s->n_cues ? s->cues[i + 1].t_s : t->t_end;
        cairo_set_source_rgba(cr, 0.25, 0.45, 0.95, 0.13);
        cairo_rectangle(cr, px_x(t, a), PAD_T, px_x(t, b) - px_x(t, a), PLOT_H - PAD_T - PAD_B);
        cairo_fill(cr);
    }
    /* target band */
    if (m->has_target && t->pct) {
        cairo_set_source_rgba(cr, 0.2, 0.7, 0.3, 0.22);
        double y0 = px_y(t, m->target_high_pct), y1 = px_y(t, m->target_low_pct);
        cairo_rectangle(cr, PAD_L, y0, PLOT_W - PAD_L - PAD_R, y1 - y0);
        cairo_fill(cr);
    }
    char title[200];
    snprintf(title, sizeof title, "%s: %d reps, peak %.0f%s", m->name, m->reps, m->peak_pct, t->pct ? "% MVC" : "");
    draw_axes(cr, t, title);
    /* the envelope: each column's range light, its mean as the line */
    cairo_set_source_rgb(cr, 0.72, 0.78, 0.9);
    cairo_set_line_width(cr, 1.2);
    double w = PLOT_W - PAD_L - PAD_R;
    for (int c = 0; c < PLOT_W; c++) {
        if (!(t->hi[c] >= t->lo[c])) continue;
        double x = PAD_L + w * c / PLOT_W;
        cairo_move_to(cr, x, px_y(t, t->lo[c]) + 0.5);
        cairo_line_to(cr, x, px_y(t, t->hi[c]) - 0.5);
    }
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.08, 0.16, 0.4);
    cairo_set_line_width(cr, 1.6);
    int started = 0;
    for (int c = 0; c < PLOT_W; c++) {
        if (!t->cnt[c]) continue;
        double x = PAD_L + w * c / PLOT_W, y = px_y(t, t->sum[c] / t->cnt[c]);
        if (started)
            cairo_line_to(cr, x, y);
        else
            cairo_move_to(cr, x, y), started = 1;
    }
    cairo_stroke(cr);
    /* reps */
    cairo_set_font_size(cr, 10);
    for (int i = 0; i < s->n_reps; i++) {
        const sum_rep *r = &s->reps[i];
        if (r->muscle != mi) continue;
        double x = px_x(t, r->t_s), y = px_y(t, t->pct ? r->peak_pct : 0);
        cairo_set_source_rgb(cr, 0.85, 0.35, 0.05);
        cairo_move_to(cr, x, y - 3);
        cairo_line_to(cr, x - 5, y - 12);
        cairo_line_to(cr, x + 5, y - 12);
        cairo_close_path(cr);
        cairo_fill(cr);
        char lab[16];
        snprintf(lab, sizeof lab, "%d", r->rep);
        cairo_move_to(cr, x - 3, y - 15);
        cairo_show_text(cr, lab);
    }
    cairo_destroy(cr);
    int rc = write_png(sf, png, err, n);
    cairo_surface_destroy(sf);
    free(t);
    return rc;
}

/* ------------------------------------------------------------------------------------------------ the page */

static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

static int embed_png(FILE *f, const char *path)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    FILE *in = fopen(path, "rb");
    if (!in) return -1;
    fputs("data:image/png;base64,", f);
    unsigned char b[3];
    size_t k;
    while ((k = fread(b, 1, 3, in)) > 0) {
        unsigned v = (unsigned)b[0] << 16 | (k > 1 ? (unsigned)b[1] << 8 : 0) | (k > 2 ? b[2] : 0);
        fputc(b64[v >> 18 & 63], f);
        fputc(b64[v >> 12 & 63], f);
        fputc(k > 1 ? b64[v >> 6 & 63] : '=', f);
        fputc(k > 2 ? b64[v & 63] : '=', f);
    }
    fclose(in);
    return 0;
}

static void change(FILE *f, double now, double before, int has)
{
    if (!has)
        fputs("<td>first session</td>", f);
    else
        fprintf(f, "<td>%+.1f</td>", now - before);
}

static void muscles_table(FILE *f, const summary *s)
{
    fputs("<h2>Muscles</h2><table><tr><th>muscle</th><th>reps</th><th>contractions</th><th>peak % MVC</th>"
          "<th>mean % MVC</th><th>mean hold s</th><th>time to target s</th><th>fatigue (median Hz per rep)</th>"
          "<th>rest / MVC uV</th><th>target % MVC</th><th>clipped %</th><th>change in peak</th><th>change in mean</th>"
          "<th>change in reps</th></tr>\n",
          f);
    for (int i = 0; i < s->n_muscles; i++) {
        const sum_muscle *m = &s->m[i];
        fputs("<tr><td>", f);
        html_text(f, m->name);
        fprintf(f, "</td><td>%d</td><td>%d</td><td>%.1f</td><td>%.1f</td><td>%.2f</td>", m->reps, m->contractions,
                m->peak_pct, m->mean_pct, m->hold_s);
        if (m->time_to_target_s >= 0)
            fprintf(f, "<td>%.2f</td>", m->time_to_target_s);
        else
            fputs("<td>-</td>", f);
        fprintf(f, "<td>%+.2f (%+.1f %%)</td><td>%.1f / %.1f</td>", m->fatigue_hz_per_rep, m->fatigue_pct_per_rep,
                m->rest_uv, m->mvc_uv);
        if (m->has_target)
            fprintf(f, "<td>%.0f to %.0f</td>", m->target_low_pct, m->target_high_pct);
        else
            fputs("<td>none</td>", f);
        fprintf(f, "<td>%.2f</td>", m->clipped_pct);
        change(f, m->peak_pct, m->prev_peak_pct, m->has_prev);
        change(f, m->mean_pct, m->prev_mean_pct, m->has_prev);
        change(f, m->reps, m->prev_reps, m->has_prev);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void pairs_table(FILE *f, const summary *s)
{
    if (s->n_pairs == 0) return;
    fputs("<h2>Symmetry and co-activation</h2><table><tr><th>measure</th><th>work phases</th><th>mean</th>"
          "<th>per phase</th></tr>\n",
          f);
    for (int i = 0; i < s->n_pairs; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++) seen |= !strcmp(s->pairs[j].pair, s->pairs[i].pair);
        if (seen) continue;
        int k = 0;
        double sum = 0;
        for (int j = i; j < s->n_pairs; j++)
            if (!strcmp(s->pairs[j].pair, s->pairs[i].pair)) sum += s->pairs[j].value, k++;
        int coact = !strcmp(s->pairs[i].pair, "coactivation");
        fputs("<tr><td>", f);
        if (coact)
            fputs("hamstring:glute co-activation (ratio)", f);
        else {
            html_text(f, s->pairs[i].pair);
            fputs(" left/right symmetry (% difference)", f);
        }
        fprintf(f, "</td><td>%d</td><td>%.2f</td><td>", k, sum / k);
        for (int j = i; j < s->n_pairs; j++)
            if (!strcmp(s->pairs[j].pair, s->pairs[i].pair)) fprintf(f, "%.1f ", s->pairs[j].value);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void reps_table(FILE *f, const summary *s)
{
    fputs("<h2>Reps</h2>", f);
    if (s->n_reps == 0) {
        fputs("<p>No rep reached its target and hold.</p>\n", f);
        return;
    }
    fputs("<table><tr><th>muscle</th><th>set</th><th>rep</th><th>at s</th><th>peak % MVC</th><th>mean % MVC</th>"
          "<th>hold s</th><th>time to target s</th><th>median Hz</th></tr>\n",
          f);
    for (int i = 0; i < s->n_reps; i++) {
        const sum_rep *r = &s->reps[i];
        fputs("<tr><td>", f);
        html_text(f, s->m[r->muscle].name);
        fprintf(f, "</td><td>%d</td><td>%d</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.2f</td>", r->set, r->rep,
                r->t_s, r->peak_pct, r->mean_pct, r->hold_s);
        if (r->time_to_target_s >= 0)
            fprintf(f, "<td>%.2f</td>", r->time_to_target_s);
        else
            fputs("<td>-</td>", f);
        fprintf(f, "<td>%.1f</td></tr>\n", r->median_hz);
    }
    fputs("</table>\n", f);
}

static int write_page(const char *dir, const summary *s, char *err, size_t n)
{
    char path[1100], tmp[1100];
    snprintf(path, sizeof path, "%s/report.html", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, n, "%s: cannot write the report: %s", tmp, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>myofeed session ", f);
    html_text(f, s->id);
    fputs("</title><style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
          "margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f0f0f0}"
          "td:first-child{text-align:left}.warn{color:#a40}img{max-width:100%;border:1px solid #ddd}</style>"
          "</head><body>\n<h1>Session ",
          f);
    html_text(f, s->id);
    fputs("</h1>\n<p>Patient <b>", f);
    html_text(f, s->patient);
    fputs("</b>", f);
    if (*s->label) {
        fputs(" &middot; ", f);
        html_text(f, s->label);
    }
    fputs(" &middot; protocol ", f);
    html_text(f, *s->protocol ? s->protocol : "none");
    fprintf(f, " &middot; %s to %s (%.0f s) &middot; station ", s->started, s->ended, s->duration_s);
    html_text(f, s->station);
    fputs(" &middot; ", f);
    html_text(f, s->source);
    fputs("</p>\n", f);
    if (strcmp(s->state, "done")) {
        fputs("<p class=\"warn\">This session did not end cleanly (", f);
        html_text(f, s->state);
        fputs("): ", f);
        html_text(f, s->error);
        fputs("</p>\n", f);
    }
    fprintf(f,
            "<h2>Signal quality</h2><p>%llu samples per signal at %g Hz; %llu samples lost in %d gap(s); %d "
            "reconnect(s); %d reload(s); %llu samples dropped by the recorder; mains ",
            (unsigned long long)s->samples, s->fs, (unsigned long long)s->lost_samples, s->gaps, s->reconnects,
            s->reloads, (unsigned long long)s->dropped);
    double mains = 0;
    for (int i = 0; i < s->n_muscles; i++)
        if (s->m[i].mains_hz > 0) mains = s->m[i].mains_hz;
    if (mains > 0)
        fprintf(f, "%g Hz.</p>\n", mains);
    else
        fputs("not detected.</p>\n", f);
    if (*s->prev_id) {
        fputs("<p>Changes are against the previous session, ", f);
        html_text(f, s->prev_id);
        fputs(".</p>\n", f);
    }
    muscles_table(f, s);
    pairs_table(f, s);
    fputs("<h2>Plots</h2>\n", f);
    for (int i = 0; i < s->n_muscles; i++) {
        char png[1100];
        snprintf(png, sizeof png, "%s/%s.png", dir, s->m[i].name);
        fputs("<p><img alt=\"", f);
        html_text(f, s->m[i].name);
        fputs("\" src=\"", f);
        if (embed_png(f, png) != 0) fputs("", f);
        fputs("\"></p>\n", f);
    }
    reps_table(f, s);
    fputs("<p>myofeed " MYOFEED_VERSION "; summary schema 1 (summary.json beside this page).</p></body></html>\n", f);
    int ok = fflush(f) == 0 && !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, n, "%s: cannot write the report: %s; the disk may be full", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int report_render(const char *dir, const summary *s, char *err, size_t n)
{
    for (int i = 0; i < s->n_muscles; i++)
        if (plot_muscle(dir, s, i, err, n) != 0) return -1;
    return write_page(dir, s, err, n);
}

/* ------------------------------------------------------------------------------------------------ trend */

int report_trend_png(const char *path, const char *patient, const report_point *p, int n_pts, char *err, size_t n)
{
    static const double colours[][3] = {{0.1, 0.3, 0.7}, {0.8, 0.3, 0.1}, {0.2, 0.6, 0.2},
                                        {0.6, 0.2, 0.6}, {0.4, 0.4, 0.4}, {0.0, 0.6, 0.7}};
    const char *names[CFG_MAX_MUSCLES];
    int n_names = 0, n_sessions = 0;
    const char *last = NULL;
    double ymax = 100;
    for (int i = 0; i < n_pts; i++) {
        int k = 0;
        while (k < n_names && strcmp(names[k], p[i].muscle)) k++;
        if (k == n_names && n_names < CFG_MAX_MUSCLES) names[n_names++] = p[i].muscle;
        if (!last || strcmp(last, p[i].started)) n_sessions++, last = p[i].started;
        if (p[i].peak_pct * 1.1 > ymax) ymax = p[i].peak_pct * 1.1;
    }
    if (ymax > 200) ymax = 200;
    trace t = {.t_end = n_sessions > 1 ? n_sessions - 1 : 1, .y_max = ymax, .pct = 1};
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, PLOT_W, PLOT_H);
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    char title[200];
    snprintf(title, sizeof title, "patient %s: peak (solid) and mean (dashed) %% MVC per session", patient);
    draw_title(cr, title);
    for (double v = 0; v <= ymax + 1e-9; v += ymax > 100 ? 50 : 20) {
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, PAD_L, px_y(&t, v));
        cairo_line_to(cr, PLOT_W - PAD_R, px_y(&t, v));
        cairo_stroke(cr);
        char lab[16];
        snprintf(lab, sizeof lab, "%.0f%%", v);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        cairo_move_to(cr, 6, px_y(&t, v) + 4);
        cairo_show_text(cr, lab);
    }
    for (int k = 0; k < n_names; k++) {
        const double *c = colours[k % 6];
        for (int pass = 0; pass < 2; pass++) {
            double dash = 5;
            cairo_set_dash(cr, &dash, pass, 0);
            cairo_set_source_rgb(cr, c[0], c[1], c[2]);
            cairo_set_line_width(cr, 2);
            int idx = -1, drawn = 0;
            last = NULL;
            for (int i = 0; i < n_pts; i++) {
                if (!last || strcmp(last, p[i].started)) idx++, last = p[i].started;
                if (strcmp(p[i].muscle, names[k])) continue;
                double x = px_x(&t, idx), y = px_y(&t, pass ? p[i].mean_pct : p[i].peak_pct);
                if (drawn++)
                    cairo_line_to(cr, x, y);
                else
                    cairo_move_to(cr, x, y);
            }
            cairo_stroke(cr);
        }
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_move_to(cr, PAD_L + 10 + 150 * k, PLOT_H - 8);
        cairo_show_text(cr, names[k]);
    }
    last = NULL;
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    for (int i = 0, idx = -1; i < n_pts; i++) {
        if (last && !strcmp(last, p[i].started)) continue;
        last = p[i].started, idx++;
        if (n_sessions > 12 && idx % (n_sessions / 12 + 1)) continue;
        char d[11];
        snprintf(d, sizeof d, "%.10s", p[i].started);
        cairo_move_to(cr, px_x(&t, idx) - 28, PLOT_H - PAD_B + 16);
        cairo_show_text(cr, d);
    }
    cairo_destroy(cr);
    int rc = write_png(sf, path, err, n);
    cairo_surface_destroy(sf);
    return rc;
}

void report_cleanup(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}

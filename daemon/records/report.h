/* report.h: a session's report: one PNG per muscle (its envelope in % MVC over the session, the target band, the
 * reps marked, the protocol's work phases shaded; drawn with cairo) and report.html, which holds the numbers and
 * the plots (embedded, so the page opens offline on its own). Owns: drawing and the page. Reads the session
 * folder only (summary.json's numbers, recording.bdf's envelopes), so myofeed-report can render it again. Disk
 * work: call it off the event loop (the daemon's finishing thread, or the tool). */
#ifndef MF_REPORT_H
#define MF_REPORT_H

#include <stddef.h>

#include "records/summary.h"

/* Renders dir/report.html and dir/<muscle>.png from s and dir/recording.bdf (replacing older ones atomically).
 * 0, or -1 with err. */
int report_render(const char *dir, const summary *s, char *err, size_t n);

/* One point of a patient's trend: a session's date and one muscle's result in it. */
typedef struct report_point {
    const char *started; /* ISO 8601 */
    const char *muscle;
    double peak_pct, mean_pct;
} report_point;
/* A trend plot (peak and mean % MVC per session, one colour per muscle) to path (replaced). 0, or -1 with err. */
int report_trend_png(const char *path, const char *patient, const report_point *p, int n_pts, char *err, size_t n);

/* At exit, after the last drawing: frees cairo's and fontconfig's process-wide caches (so leak checkers see only
 * real leaks). No drawing may follow. */
void report_cleanup(void);

#endif

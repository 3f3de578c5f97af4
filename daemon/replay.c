/* replay.c: offline replay: recording -> pipeline -> feedback -> CSV of events. */
#include "replay.h"
#include "base/clock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/feedback.h"
#include "base/log.h"
#include "sources/prefetch.h"
#include "sources/reader.h"
#include "runtime.h"
#define LOG_COMPONENT "replay"

typedef struct csv {
    FILE *out;
    const feedback *fb;
    uint64_t onsets, offsets, reps;
} csv;

static void row(csv *c, int m, const char *what, int32_t n, uint64_t sample, uint64_t decided, double hold, double peak)
{
    const feedback *f = c->fb;
    fprintf(c->out, "%s,%s,%d,%llu,%.4f,%llu,%.1f,", f->names[m], what, n, (unsigned long long)sample,
            (double)sample / f->fs, (unsigned long long)decided, (double)(decided - sample) * 1000.0 / f->fs);
    if (hold >= 0)
        fprintf(c->out, "%.4f,%.4f\n", hold, peak);
    else
        fprintf(c->out, ",\n");
}

static void ev_onset(void *ctx, int m, int32_t seq, uint64_t sample, uint64_t decided)
{
    csv *c = ctx;
    c->onsets++;
    row(c, m, "onset", seq, sample, decided, -1, 0);
}

static void ev_offset(void *ctx, int m, int32_t seq, uint64_t sample, uint64_t decided, double hold, double peak)
{
    csv *c = ctx;
    c->offsets++;
    row(c, m, "offset", seq, sample, decided, hold, peak);
}

static void ev_rep(void *ctx, int m, int32_t count, uint64_t sample)
{
    csv *c = ctx;
    c->reps++;
    row(c, m, "rep", count, sample, sample, -1, 0);
}

int replay_offline(const char *cfg_path, const cli_opts *o, const char *exe_dir, const char *file, FILE *out)
{
    char ov_file[4200];
    snprintf(ov_file, sizeof ov_file, "source.file=%s", file);
    const char *extra[] = {"source.type=replay", ov_file};
    diag d;
    diag_init(&d);
    runtime_core rc;
    if (runtime_core_build(&rc, cfg_path, o, extra, 2, exe_dir, &d) != 0) {
        diag_print(&d);
        return 1;
    }
    int rc_exit = 2;
    char err[600];
    const config *c = rc.cfg;
    feedback *fb = NULL;
    prefetch *pf = NULL;
    reader *r = reader_open(c->source.file, c->source.columns, c->source.n_columns, c->source.scale,
                            c->source.sample_rate, err, sizeof err);
    if (!r) goto fail;
    fb = calloc(1, sizeof *fb);
    if (!fb) {
        snprintf(err, sizeof err, "out of memory for the replay's feedback state; free memory and try again");
        goto fail;
    }
    csv sink = {out, fb, 0, 0, 0};
    feedback_init(fb, c, rc.fs, (feedback_events){ev_onset, ev_offset, ev_rep, &sink}, 0);
    pipeline_set_sink(rc.pl, (pipeline_sink){feedback_block, fb});
    fprintf(out, "muscle,event,n,sample,t_s,decided_sample,decision_delay_ms,hold_s,peak_act\n");
    uint64_t total = 0;
    double t0 = clock_mono_s();
    pf = prefetch_start(r, 8192, err, sizeof err); /* the file is decoded while the pipeline runs */
    if (!pf) goto fail;
    const double *frames;
    uint32_t got;
    while ((got = prefetch_next(pf, &frames)) > 0) {
        pipeline_process(rc.pl, frames, got, total);
        total += got;
    }
    prefetch_stop(pf);
    double wall = clock_mono_s() - t0;
    LOGI("%s: %llu frames x %d channels (%.1f s at %g Hz) in %.3f s (%.0fx real time): %llu onsets, %llu offsets, "
         "%llu reps%s",
         file, (unsigned long long)total, rc.channels, (double)total / rc.fs, rc.fs, wall,
         wall > 0 ? (double)total / rc.fs / wall : 0.0, (unsigned long long)sink.onsets,
         (unsigned long long)sink.offsets, (unsigned long long)sink.reps,
         reader_bad_rows(r) ? "; some rows had no values and count as lost samples" : "");
    rc_exit = 0;
    goto done;
fail:
    LOGE("%s", err);
done:
    free(fb);
    if (r) reader_close(r);
    runtime_core_free(&rc);
    return rc_exit;
}

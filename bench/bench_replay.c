/* bench_replay: replay speed of an 8-channel, 2 kHz hour (a BDF+ file of the synthetic patient written
 * here with EDFlib), through the default chain: file reading + pipeline, in x real time.
 *   bench_replay [-c CONFIG] [-m MINUTES] [-k]   (-k keeps the file; default 60 minutes)
 * Prints numbers only. */
#include <edflib.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "pipeline/pipeline.h"
#include "host/plugin_host.h"
#include "sources/prefetch.h"
#include "sources/reader.h"
#include "sources/synth_patient.h"

#define NC 8
#define FS 2000

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void sink(void *ctx, int m, const double *env, const double *act, uint32_t n, uint64_t first,
                 const mf_transition *tr, uint32_t n_tr)
{
    (void)m, (void)env, (void)act, (void)n, (void)first, (void)tr;
    *(uint64_t *)ctx += n_tr;
}

int main(int argc, char **argv)
{
    const char *cfg_path = NULL;
    double minutes = 60;
    int keep = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc)
            cfg_path = argv[++i];
        else if (!strcmp(argv[i], "-m") && i + 1 < argc)
            minutes = atof(argv[++i]);
        else if (!strcmp(argv[i], "-k"))
            keep = 1;
    }
    char path[] = "/tmp/myofeed-bench-XXXXXX.bdf";
    int fd = mkstemps(path, 4);
    if (fd < 0) return 2;
    close(fd);
    /* write the recording: BDF+ (24-bit), 1 s records */
    double t0 = now();
    int h = edfopen_file_writeonly(path, EDFLIB_FILETYPE_BDFPLUS, NC);
    if (h < 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return 2;
    }
    for (int s = 0; s < NC; s++) {
        char label[16];
        snprintf(label, sizeof label, "EMG%d", s + 1);
        edf_set_samplefrequency(h, s, FS);
        edf_set_physical_maximum(h, s, 8388.607);
        edf_set_physical_minimum(h, s, -8388.608);
        edf_set_digital_maximum(h, s, 8388607);
        edf_set_digital_minimum(h, s, -8388608);
        edf_set_physical_dimension(h, s, "uV");
        edf_set_label(h, s, label);
    }
    synth_patient *sp = synth_new(NC, FS, 1, 50);
    static double frames[FS * NC], sig[FS];
    long seconds = (long)(minutes * 60);
    for (long sec = 0; sec < seconds; sec++) {
        synth_generate(sp, frames, FS);
        for (int s = 0; s < NC; s++) {
            for (int i = 0; i < FS; i++) sig[i] = frames[i * NC + s];
            edfwrite_physical_samples(h, sig);
        }
    }
    edfclose_file(h);
    synth_free(sp);
    double t_write = now() - t0;
    /* the pipeline: the default chain on all 8 channels */
    char exe[PATH_MAX];
    ssize_t r = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[r > 0 ? r : 0] = 0;
    diag d;
    diag_init(&d);
    const char *ov[] = {"source.channels=8"};
    config *c = config_load(cfg_path, ov, 1, dirname(exe), &d);
    if (!c) {
        diag_print(&d);
        return 1;
    }
    /* one muscle per channel: the configuration's first chain, eight times */
    for (int m = c->n_muscles; m < NC && m < CFG_MAX_MUSCLES; m++) {
        c->muscles[m] = c->muscles[0];
        snprintf(c->muscles[m].name, sizeof c->muscles[m].name, "m%d", m);
    }
    c->n_muscles = NC;
    for (int m = 0; m < NC; m++) c->muscles[m].channel = m + 1;
    plugin_host *ph = plugin_host_new((const char(*)[4096])c->plugin_dirs, c->n_plugin_dirs);
    pipeline *p = pipeline_build(c, ph, FS, NC, &d);
    if (!p) {
        diag_print(&d);
        return 1;
    }
    uint64_t events = 0;
    pipeline_set_sink(p, (pipeline_sink){sink, &events});
    cfg_column cols[NC];
    for (int s = 0; s < NC; s++) cols[s] = (cfg_column){s + 1, ""};
    char err[600];
    t0 = now();
    reader *rec = reader_open(path, cols, NC, 1.0, FS, err, sizeof err);
    if (!rec) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    /* as myofeedd --replay does it: the file decoded in a reader thread while the pipeline runs */
    prefetch *pf = prefetch_start(rec, 8192, err, sizeof err);
    if (!pf) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    uint64_t total = 0;
    uint32_t got;
    double t_read = 0; /* time the pipeline waited for the reader */
    const double *block;
    while (1) {
        double a = now();
        got = prefetch_next(pf, &block);
        t_read += now() - a;
        if (!got) break;
        pipeline_process(p, block, got, total);
        total += got;
    }
    prefetch_stop(pf);
    double wall = now() - t0;
    reader_close(rec);
    double dur = (double)total / FS;
    printf(
        "replay of %.0f min x %d channels at %d Hz (BDF+, %.0f MB, written in %.1f s): %.2f s wall = %.0fx real "
        "time (waiting for the reader thread %.2f s, pipeline %.2f s = %.1f ns per channel-sample); %llu transitions\n",
        dur / 60, NC, FS, (double)total * NC * 3 / 1e6, t_write, wall, dur / wall, t_read, wall - t_read,
        (wall - t_read) / ((double)total * NC) * 1e9, (unsigned long long)events);
    pipeline_free(p);
    plugin_host_free(ph);
    config_free(c);
    if (!keep) unlink(path);
    return 0;
}

/* test_recorder.c: the BDF+ recorder: samples back within quantisation (read with EDFlib), annotations with their
 * times, a gap filled and annotated, a file cut by _exit (no close) still valid with its annotations, never an
 * overwrite, 0600 files, and the queue's overflow counted and filled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <edflib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "records/recorder.h"

static char dir[256];

static const char *path_in(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static record_spec spec(const char *file, const char *events)
{
    record_spec s = {.path = path_in(file),
                     .events = events ? path_in(events) : NULL,
                     .fs = 1000,
                     .n_muscles = 2,
                     .names = {"hamstring_left", "glute_right"},
                     .patient = "P-7",
                     .label = "week 3",
                     .start_sample = 5000};
    return s;
}

static double raw_at(int m, uint64_t i) { return 150.0 * sin(0.013 * (double)i * (m + 1)) + 0.37 * (double)m; }

/* Pushes seconds of both muscles' raw and envelope in blocks of 50 from sample from. */
static uint64_t feed(recorder *r, uint64_t from, double seconds)
{
    double x[50], e[50];
    uint64_t end = from + (uint64_t)(seconds * 1000);
    for (uint64_t s = from; s < end; s += 50) {
        for (int m = 0; m < 2; m++) {
            for (int i = 0; i < 50; i++) x[i] = raw_at(m, s + i), e[i] = fabs(x[i]);
            record_raw(r, m, x, 50, s);
            record_env(r, m, e, 50, s);
        }
    }
    return end;
}

typedef struct readback {
    struct edf_hdr_struct h;
    int ok;
} readback;

static void open_back(readback *b, const char *path)
{
    memset(b, 0, sizeof *b);
    b->ok = edfopen_file_readonly(path, &b->h, EDFLIB_READ_ALL_ANNOTATIONS) == 0;
}

static int find_note(readback *b, const char *text, double *onset)
{
    for (long long i = 0; i < b->h.annotations_in_file; i++) {
        struct edf_annotation_struct a;
        edf_get_annotation(b->h.handle, (int)i, &a);
        if (strstr(a.annotation, text)) {
            *onset = (double)a.onset / EDFLIB_TIME_DIMENSION;
            return 1;
        }
    }
    return 0;
}

static void samples_back_with_annotations(void **state)
{
    (void)state;
    record_spec sp = spec("a.bdf", "a.tsv");
    char err[400];
    recorder *r = record_open(&sp, err, sizeof err);
    assert_non_null(r);
    uint64_t t = feed(r, 5000, 1.2);
    record_note(r, 5000 + 700, -1, "onset hamstring_left");
    record_gap(r, t, 300); /* 0.3 s of nothing */
    t = feed(r, t, 1.8);
    record_note(r, t - 100, 0.5, "marker: knee pain");
    record_status st;
    assert_int_equal(record_close(r, &st), 0);
    assert_int_equal(st.gap_samples, 300);
    assert_int_equal(st.dropped, 0);

    struct stat sb;
    assert_int_equal(stat(sp.path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(sp.events, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    readback b;
    open_back(&b, sp.path);
    assert_true(b.ok);
    assert_int_equal(b.h.filetype, EDFLIB_FILETYPE_BDFPLUS);
    assert_int_equal(b.h.edfsignals, 4);
    assert_string_equal(b.h.patientcode, "P-7");
    assert_non_null(strstr(b.h.recording_additional, "week 3"));
    assert_non_null(strstr(b.h.signalparam[0].label, "hamstring_left"));
    assert_non_null(strstr(b.h.signalparam[3].label, "E:glute_right"));
    /* 1.2 + 0.3 + 1.8 s = 3.3 s, padded to whole half-second records */
    assert_int_equal(b.h.datarecords_in_file, 7);
    double q = 2 * 262144.0 / 16777215.0; /* one step */
    double got[1000];
    for (int m = 0; m < 2; m++) {
        assert_int_equal(edfread_physical_samples(b.h.handle, m, 1000, got), 1000);
        for (int i = 0; i < 1000; i++) assert_true(fabs(got[i] - raw_at(m, 5000 + (uint64_t)i)) <= q);
        /* the gap: 1200 .. 1500 are zeros, then the stream goes on where it left off */
        edfseek(b.h.handle, m, 1200, EDFSEEK_SET);
        assert_int_equal(edfread_physical_samples(b.h.handle, m, 400, got), 400);
        for (int i = 0; i < 300; i++) assert_true(fabs(got[i]) <= q);
        for (int i = 300; i < 400; i++) assert_true(fabs(got[i] - raw_at(m, 5000 + 1200 + (uint64_t)i - 300)) <= q);
    }
    double on = -1;
    assert_true(find_note(&b, "onset hamstring_left", &on));
    assert_true(fabs(on - 0.7) < 1e-3);
    assert_true(find_note(&b, "signal lost (300 samples)", &on));
    assert_true(fabs(on - 1.2) < 1e-3);
    assert_true(find_note(&b, "marker: knee pain", &on));
    assert_true(fabs(on - (3.3 - 0.1)) < 1e-3);
    assert_int_equal(b.h.annotations_in_file, 3); /* each once: the live copies were cleared before the close */
    edfclose_file(b.h.handle);

    /* never overwritten */
    recorder *again = record_open(&sp, err, sizeof err);
    assert_null(again);
    assert_non_null(strstr(err, "never overwritten"));
}

/* A writer killed without closing: the header counts the records on disk and the annotations are in them. */
static void cut_file_is_valid(void **state)
{
    (void)state;
    record_spec sp = spec("cut.bdf", NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char err[400];
        recorder *r = record_open(&sp, err, sizeof err);
        if (!r) _exit(3);
        uint64_t t = feed(r, 5000, 1.0);
        record_note(r, 5000 + 250, -1, "onset glute_right");
        feed(r, t, 2.0);
        record_status st;
        for (int k = 0; k < 500 && (record_poll(r, &st), st.records < 6); k++) /* the writer catches up */
            usleep(10 * 1000);
        _exit(st.records == 6 ? 0 : 4); /* as SIGKILL: no close, no flush */
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    readback b;
    open_back(&b, sp.path);
    assert_true(b.ok);
    assert_int_equal(b.h.datarecords_in_file, 6); /* all 3 s: nothing after the last record was pending */
    double on = -1;
    assert_true(find_note(&b, "onset glute_right", &on));
    assert_true(fabs(on - 0.25) < 1e-3);
    double got[100];
    edfseek(b.h.handle, 1, 2900, EDFSEEK_SET);
    assert_int_equal(edfread_physical_samples(b.h.handle, 1, 100, got), 100);
    for (int i = 0; i < 100; i++) assert_true(fabs(got[i] - raw_at(1, 5000 + 2900 + (uint64_t)i)) < 0.05);
    edfclose_file(b.h.handle);
}

/* More than the queue holds at once, with the writer not yet draining: the loss is counted, zeros take the place
 * of the samples and the time axis stays true. */
static void overflow_is_counted_and_filled(void **state)
{
    (void)state;
    record_spec sp = spec("over.bdf", NULL);
    char err[400];
    recorder *r = record_open(&sp, err, sizeof err);
    assert_non_null(r);
    uint64_t t = feed(r, 5000, 20.0); /* the queue holds about 8 s; the writer wakes every 50 ms */
    record_status st;
    assert_int_equal(record_close(r, &st), 0);
    readback b;
    open_back(&b, sp.path);
    assert_true(b.ok);
    assert_int_equal((uint64_t)b.h.datarecords_in_file, (t - 5000) / 500); /* the whole 20 s */
    assert_true(st.dropped > 0); /* 20 s at once into a queue of about 8 s: it overflowed */
    double on = -1;
    assert_true(find_note(&b, "recorder overflow", &on));
    edfclose_file(b.h.handle);
}

static void bad_rate_and_folder(void **state)
{
    (void)state;
    record_spec sp = spec("rate.bdf", NULL);
    sp.fs = 333;
    char err[400];
    assert_null(record_open(&sp, err, sizeof err));
    assert_non_null(strstr(err, "333 Hz"));
    sp = spec("rate.bdf", NULL);
    sp.path = "/nonexistent-folder/x.bdf";
    assert_null(record_open(&sp, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent-folder/x.bdf"));
    assert_non_null(strstr(err, "session.dir"));
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/mf-recorder-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(samples_back_with_annotations),
        cmocka_unit_test(cut_file_is_valid),
        cmocka_unit_test(overflow_is_counted_and_filled),
        cmocka_unit_test(bad_rate_and_folder),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return rc;
}

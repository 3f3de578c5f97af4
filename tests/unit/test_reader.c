/* test_reader.c: the EDF/BDF reader decodes data records itself (EDFlib opens and checks the file). Its
 * values must be exactly EDFlib's physical values (times the unit scale) for 16-bit EDF+ and 24-bit BDF+, with
 * signals of other rates and the annotation signal taking space in every record, a record boundary inside a
 * read, and a last partial read; the same through the reader thread (prefetch), which also stops cleanly
 * before the end. Text recordings: columns by header name (several columns, or the one column of a
 * single-column file), by number, and a clear error for a name the header lacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <edflib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "config/config.h"
#include "sources/prefetch.h"
#include "sources/reader.h"

#define RECS 7
#define FS 500 /* the chosen signals; signal 2 runs at 200 Hz */

/* Writes a file of four signals (500, 200, 500, 500 Hz) whose values sweep the digital range. */
static void write_file(const char *path, int bdf)
{
    int h = edfopen_file_writeonly(path, bdf ? EDFLIB_FILETYPE_BDFPLUS : EDFLIB_FILETYPE_EDFPLUS, 4);
    assert_true(h >= 0);
    const int rate[4] = {FS, 200, FS, FS};
    const int dmax = bdf ? 8388607 : 32767;
    for (int s = 0; s < 4; s++) {
        assert_int_equal(edf_set_samplefrequency(h, s, rate[s]), 0);
        edf_set_physical_maximum(h, s, s == 3 ? 5.0 : 3276.7);
        edf_set_physical_minimum(h, s, s == 3 ? -5.0 : -3276.8);
        edf_set_digital_maximum(h, s, dmax);
        edf_set_digital_minimum(h, s, -dmax - 1);
        edf_set_physical_dimension(h, s, s == 3 ? "mV" : "uV");
        char label[16];
        snprintf(label, sizeof label, "EMG%d", s + 1);
        edf_set_label(h, s, label);
    }
    static int buf[FS];
    for (int r = 0; r < RECS; r++)
        for (int s = 0; s < 4; s++) {
            for (int i = 0; i < rate[s]; i++)
                buf[i] = (int)((((long long)(r * 977 + i * 131 + s * 7) * 2654435761u) % (2ll * dmax + 2)) - dmax - 1);
            assert_int_equal(edfwrite_digital_samples(h, buf), 0);
        }
    assert_int_equal(edfclose_file(h), 0);
}

static void check(int bdf)
{
    char path[64];
    snprintf(path, sizeof path, "%s", write_temp(bdf ? "t.bdf" : "t.edf", ""));
    write_file(path, bdf);
    /* EDFlib's own values */
    struct edf_hdr_struct hdr;
    assert_int_equal(edfopen_file_readonly(path, &hdr, EDFLIB_DO_NOT_READ_ANNOTATIONS), 0);
    const int sig[3] = {3, 0, 2}; /* by EDFlib number: out of order, skipping the 200 Hz one */
    static double want[3][RECS * FS];
    for (int c = 0; c < 3; c++) {
        assert_int_equal(edfread_physical_samples(hdr.handle, sig[c], RECS * FS, want[c]), RECS * FS);
        for (int i = 0; i < RECS * FS; i++) want[c][i] *= sig[c] == 3 ? 1000.0 : 1.0; /* mV -> uV */
    }
    edfclose_file(hdr.handle);
    cfg_column cols[3];
    for (int c = 0; c < 3; c++) cols[c] = (cfg_column){sig[c] + 1, ""};
    char err[600];
    reader *r = reader_open(path, cols, 3, 1.0, 1000.0, err, sizeof err);
    if (!r) fail_msg("%s", err);
    assert_true(reader_rate(r) == FS);
    static double got[RECS * FS * 3];
    uint32_t total = 0, n;
    while ((n = reader_read(r, got + (size_t)total * 3, 333)) > 0) total += n; /* reads cross records */
    assert_int_equal(total, RECS * FS);
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < RECS * FS; i++)
            if (memcmp(&got[i * 3 + c], &want[c][i], sizeof(double)) != 0)
                fail_msg("%s signal %d sample %d: %.17g, EDFlib %.17g", bdf ? "BDF+" : "EDF+", sig[c] + 1, i,
                         got[i * 3 + c], want[c][i]);
    reader_close(r);
    /* through the reader thread: the same values, then 0 at the end (and again if asked) */
    r = reader_open(path, cols, 3, 1.0, 1000.0, err, sizeof err);
    prefetch *pf = prefetch_start(r, 333, err, sizeof err);
    assert_non_null(pf);
    const double *blk;
    total = 0;
    while ((n = prefetch_next(pf, &blk)) > 0) {
        assert_true(n <= 333);
        assert_memory_equal(blk, got + (size_t)total * 3, sizeof(double) * 3 * n);
        total += n;
    }
    assert_int_equal(total, RECS * FS);
    assert_int_equal(prefetch_next(pf, &blk), 0);
    prefetch_stop(pf);
    reader_close(r);
    /* stopped early, with the reader ahead and blocked on a full ring */
    r = reader_open(path, cols, 3, 1.0, 1000.0, err, sizeof err);
    pf = prefetch_start(r, 100, err, sizeof err);
    assert_non_null(pf);
    assert_int_equal(prefetch_next(pf, &blk), 100);
    usleep(20000);
    prefetch_stop(pf);
    reader_close(r);
    unlink(path);
}

static void test_edf_plus_matches_edflib(void **st)
{
    (void)st;
    check(0);
}

static void test_bdf_plus_matches_edflib(void **st)
{
    (void)st;
    check(1);
}

/* Reads every frame of a recording opened on cols into out; returns the frame count. */
static uint32_t read_all(const char *path, const cfg_column *cols, int n, double *out, uint32_t cap)
{
    char err[600];
    reader *r = reader_open(path, cols, n, 2.0, 1000.0, err, sizeof err);
    if (!r) fail_msg("%s", err);
    uint32_t total = 0, got;
    while (total < cap && (got = reader_read(r, out + (size_t)total * (size_t)n, cap - total)) > 0) total += got;
    reader_close(r);
    return total;
}

static void test_text_columns_by_name_and_number(void **st)
{
    (void)st;
    double v[16];
    const char *multi = write_temp("multi.csv", "# Sampling Rate (Hz):= 500\ntime_s,\"BF\",ST\n0,1,2\n0.002,3,4\n");
    const cfg_column by_name[2] = {{0, "ST"}, {0, "BF"}};
    assert_int_equal(read_all(multi, by_name, 2, v, 8), 2);
    assert_true(v[0] == 4 && v[1] == 2 && v[2] == 8 && v[3] == 6); /* scale 2, in the order asked */
    const cfg_column by_number[1] = {{3, ""}};
    assert_int_equal(read_all(multi, by_number, 1, v, 8), 2);
    assert_true(v[0] == 4 && v[1] == 8);
    /* one column: its header is the single name right above the data (CRLF line ends too) */
    const char *one = write_temp("one.csv", "emg_uv\r\n1.5\r\n-2\r\n");
    const cfg_column emg[1] = {{0, "emg_uv"}};
    assert_int_equal(read_all(one, emg, 1, v, 8), 2);
    assert_true(v[0] == 3 && v[1] == -4);
    /* a name the header lacks: what, where and what there is */
    char err[600];
    const cfg_column bad[1] = {{0, "GM"}};
    assert_null(reader_open(multi, bad, 1, 1.0, 1000.0, err, sizeof err));
    assert_non_null(strstr(err, "multi.csv: no column named 'GM'; the header has: time_s BF ST"));
    assert_null(reader_open(one, bad, 1, 1.0, 1000.0, err, sizeof err));
    assert_non_null(strstr(err, "no column named 'GM'; the header has: emg_uv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edf_plus_matches_edflib),
        cmocka_unit_test(test_bdf_plus_matches_edflib),
        cmocka_unit_test(test_text_columns_by_name_and_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

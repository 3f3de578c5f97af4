/* test_plugin_host.c: the host loads good plugins and refuses each kind of bad one, naming the file
 * and the reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "host/plugin_host.h"

static char good_dir[1][4096], bad_dir[1][4096];

static plugin_host *host_for(const char (*dir)[4096])
{
    plugin_host *h = plugin_host_new(dir, 1);
    assert_non_null(h);
    return h;
}

static void expect_refused(const char *name, const char *needle)
{
    plugin_host *h = host_for((const char(*)[4096])bad_dir);
    char err[800] = "";
    assert_null(plugin_host_get(h, name, err, sizeof err));
    if (!strstr(err, needle) || !strstr(err, name)) fail_msg("for %s got: %s", name, err);
    plugin_host_free(h);
}

static void test_builtin_plugins_load_and_describe_themselves(void **st)
{
    (void)st;
    plugin_host *h = host_for((const char(*)[4096])good_dir);
    char err[800];
    const char *names[] = {"butterworth", "notch", "rms", "threshold"};
    const mf_kind kinds[] = {MF_KIND_FILTER, MF_KIND_FILTER, MF_KIND_ENVELOPE, MF_KIND_DETECTOR};
    for (int i = 0; i < 4; i++) {
        const mf_plugin *p = plugin_host_get(h, names[i], err, sizeof err);
        if (!p) fail_msg("%s", err);
        assert_string_equal(p->name, names[i]);
        assert_int_equal(p->kind, kinds[i]);
        assert_int_equal(p->abi_major, MF_ABI_MAJOR);
        assert_true(p->n_params > 0);
        assert_non_null(plugin_host_api(h, p));
        /* a second lookup gives the same descriptor without loading again */
        assert_ptr_equal(plugin_host_get(h, names[i], err, sizeof err), p);
    }
    assert_int_equal(plugin_host_count(h), 4);
    plugin_host_free(h);
}

static void test_unknown_plugin_names_the_search_path(void **st)
{
    (void)st;
    plugin_host *h = host_for((const char(*)[4096])good_dir);
    char err[800];
    assert_null(plugin_host_get(h, "butterwort", err, sizeof err));
    assert_non_null(strstr(err, "no plugin 'butterwort'"));
    assert_non_null(strstr(err, good_dir[0]));
    assert_null(plugin_host_get(h, "../etc/passwd", err, sizeof err));
    assert_non_null(strstr(err, "not a valid plugin name"));
    plugin_host_free(h);
}

static void test_wrong_abi_major_is_refused(void **st)
{
    (void)st;
    expect_refused("bad_major", "ABI 2.0, this daemon speaks 1.x");
}
static void test_short_descriptor_is_refused(void **st)
{
    (void)st;
    expect_refused("bad_short", "descriptor is 16 bytes");
}
static void test_missing_descriptor_is_refused(void **st)
{
    (void)st;
    expect_refused("bad_nosym", "exports no 'mf_plugin_entry' symbol");
}
static void test_missing_ops_are_refused(void **st)
{
    (void)st;
    expect_refused("bad_noops", "is a filter but lacks its filter operations");
}
static void test_name_mismatch_is_refused(void **st)
{
    (void)st;
    expect_refused("bad_name", "calls itself 'other_name'");
}
static void test_malformed_parameter_table_is_refused(void **st)
{
    (void)st;
    expect_refused("bad_param", "parameter 0 (gain) is malformed");
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    assert_non_null(a);
    assert_non_null(b);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0) fwrite(buf, 1, n, b);
    fclose(a);
    fclose(b);
    assert_int_equal(chmod(to, mode), 0);
}

static void test_group_or_world_writable_files_are_refused(void **st)
{
    (void)st;
    char dir[1][4096];
    snprintf(dir[0], sizeof dir[0], "/tmp/myofeed-ww-XXXXXX");
    assert_non_null(mkdtemp(dir[0]));
    char from[4200], to[4200];
    snprintf(from, sizeof from, "%s/gain.so", bad_dir[0]);
    snprintf(to, sizeof to, "%s/gain.so", dir[0]);
    copy_file(from, to, 0666);
    plugin_host *h = host_for((const char(*)[4096])dir);
    char err[800];
    assert_null(plugin_host_get(h, "gain", err, sizeof err));
    assert_non_null(strstr(err, "writable by group or others"));
    assert_non_null(strstr(err, "chmod go-w"));
    chmod(to, 0644);
    assert_non_null(plugin_host_get(h, "gain", err, sizeof err));
    plugin_host_free(h);
    unlink(to);

    /* a symbolic link is refused */
    snprintf(to, sizeof to, "%s/gain.so", dir[0]);
    assert_int_equal(symlink(from, to), 0);
    h = host_for((const char(*)[4096])dir);
    assert_null(plugin_host_get(h, "gain", err, sizeof err));
    assert_non_null(strstr(err, "symbolic links are refused"));
    plugin_host_free(h);
    unlink(to);

    /* a file that is not a shared object */
    const char *junk = write_temp("junk.so", "this is not ELF\n");
    chmod(junk, 0644);
    h = plugin_host_new(NULL, 0);
    assert_null(plugin_host_load_file(h, junk, "junk", err, sizeof err));
    assert_non_null(strstr(err, "dlopen failed"));
    assert_non_null(strstr(err, "ldd"));
    plugin_host_free(h);
    rmdir(dir[0]);
}

/* Folders others may write, and files that are not regular, are refused before anything is opened. */
static void test_unsafe_folders_and_fifos_are_refused(void **st)
{
    (void)st;
    char top[4096], dir[1][4096], from[4200], to[4200], err[800];
    snprintf(top, sizeof top, "/tmp/myofeed-dirs-XXXXXX");
    assert_non_null(mkdtemp(top));
    snprintf(dir[0], sizeof dir[0], "%s/plugins", top);
    assert_int_equal(mkdir(dir[0], 0755), 0);
    snprintf(from, sizeof from, "%s/gain.so", bad_dir[0]);
    snprintf(to, sizeof to, "%s/gain.so", dir[0]);
    copy_file(from, to, 0644);
    static const struct {
        mode_t top, dir;
        int ok;
    } cases[] = {
        {0755, 0755, 1},  /* the normal case */
        {0755, 0777, 0},  /* the plugin folder world-writable */
        {0755, 01777, 0}, /* ... even sticky */
        {0755, 0775, 0},  /* group-writable */
        {0777, 0755, 0},  /* a parent world-writable */
        {01777, 0755, 1}, /* a sticky parent (as /tmp): others cannot replace our folder in it */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(chmod(top, cases[i].top), 0);
        assert_int_equal(chmod(dir[0], cases[i].dir), 0);
        plugin_host *h = host_for((const char(*)[4096])dir);
        const mf_plugin *p = plugin_host_get(h, "gain", err, sizeof err);
        if (cases[i].ok) {
            assert_non_null(p);
        } else {
            if (p) fail_msg("case %zu (%04o, %04o) was accepted", i, (unsigned)cases[i].top, (unsigned)cases[i].dir);
            assert_non_null(strstr(err, "writable by group or others"));
            assert_non_null(strstr(err, "chmod go-w"));
        }
        plugin_host_free(h);
    }
    chmod(top, 0755);
    chmod(dir[0], 0755);
    /* a FIFO named like a plugin: refused at once, never opened (opening would block) */
    unlink(to);
    assert_int_equal(mkfifo(to, 0644), 0);
    plugin_host *h = host_for((const char(*)[4096])dir);
    assert_null(plugin_host_get(h, "gain", err, sizeof err));
    assert_non_null(strstr(err, "not a regular file (a FIFO)"));
    plugin_host_free(h);
    unlink(to);
    rmdir(dir[0]);
    rmdir(top);
}

static void test_load_all_lists_good_and_reports_bad(void **st)
{
    (void)st;
    plugin_host *h = host_for((const char(*)[4096])bad_dir);
    diag d;
    diag_init(&d);
    int n = plugin_host_load_all(h, &d);
    /* bad_create and gain load (create failure shows only when an instance is made) */
    int good = 0;
    for (int i = 0; i < n; i++)
        good += !strcmp(plugin_host_at(h, i)->name, "gain") || !strcmp(plugin_host_at(h, i)->name, "bad_create");
    assert_int_equal(good, 2);
    assert_int_equal(d.n, 6);
    assert_true(diag_has(&d, "bad_major.so", "ABI 2.0", (const char *)NULL));
    plugin_host_free(h);
}

int main(void)
{
    const char *g = getenv("MYOFEED_PLUGIN_DIR"), *b = getenv("MYOFEED_TEST_PLUGIN_DIR");
    if (!g || !b) {
        fprintf(stderr, "set MYOFEED_PLUGIN_DIR and MYOFEED_TEST_PLUGIN_DIR (ctest does)\n");
        return 1;
    }
    snprintf(good_dir[0], sizeof good_dir[0], "%s", g);
    snprintf(bad_dir[0], sizeof bad_dir[0], "%s", b);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_plugins_load_and_describe_themselves),
        cmocka_unit_test(test_unknown_plugin_names_the_search_path),
        cmocka_unit_test(test_wrong_abi_major_is_refused),
        cmocka_unit_test(test_short_descriptor_is_refused),
        cmocka_unit_test(test_missing_descriptor_is_refused),
        cmocka_unit_test(test_missing_ops_are_refused),
        cmocka_unit_test(test_name_mismatch_is_refused),
        cmocka_unit_test(test_malformed_parameter_table_is_refused),
        cmocka_unit_test(test_group_or_world_writable_files_are_refused),
        cmocka_unit_test(test_unsafe_folders_and_fifos_are_refused),
        cmocka_unit_test(test_load_all_lists_good_and_reports_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

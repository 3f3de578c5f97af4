/* test_config.c: every kind of invalid configuration gives FILE:LINE: message and no config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config/config.h"
#include "config/config_keys.h"
#include "helpers.h"

static config *load_text(const char *text, diag *d)
{
    diag_init(d);
    return config_load(write_temp("t.cfg", text), NULL, 0, "/opt/x/bin", d);
}

static void test_default_config_is_valid(void **st)
{
    (void)st;
    diag d;
    diag_init(&d);
    config *c = config_load(NULL, NULL, 0, "/opt/x/bin", &d);
    assert_non_null(c);
    assert_int_equal(c->n_muscles, 4);
    assert_string_equal(c->muscles[0].name, "hamstring_left");
    assert_string_equal(c->muscles[3].name, "glute_right");
    assert_int_equal(c->source.type, SOURCE_SYNTHETIC);
    assert_true(c->source.sample_rate == 2000.0);
    assert_string_equal(c->muscles[0].filters[0].name, "butterworth");
    assert_string_equal(c->muscles[0].envelope.name, "linear-envelope");
    assert_string_equal(c->muscles[0].detector.name, "cusum");
    assert_string_equal(c->plugin_dirs[0], "/opt/x/bin/../lib/myofeed/plugins");
    assert_string_equal(c->osc.prefix, "/emg");
    assert_int_equal(ntohs(c->osc.control.sin_port), 17700);
    config_free(c);
}

static void test_missing_file_is_named_with_os_error(void **st)
{
    (void)st;
    diag d;
    diag_init(&d);
    assert_null(config_load("/nonexistent/dir/my.cfg", NULL, 0, ".", &d));
    assert_true(diag_has(&d, "/nonexistent/dir/my.cfg: ", "No such file or directory", (const char *)NULL));
}

static void test_syntax_error_has_file_and_line(void **st)
{
    (void)st;
    diag d;
    assert_null(load_text("source = {\n  type = \"synthetic\";\n  channels = = 4;\n};\n", &d));
    assert_true(diag_has(&d, "t.cfg:3: ", "syntax error", (const char *)NULL));
    assert_null(load_text("osc = { rate_hz = 5; rate_hz = 6; };\n", &d));
    assert_true(diag_has(&d, "t.cfg:1: ", "duplicate setting", (const char *)NULL));
}

static void test_unknown_key_suggests_the_right_one(void **st)
{
    (void)st;
    diag d;
    assert_null(load_text(default_with("rate_hz = 50.0;", "rate_hx = 50.0;"), &d));
    assert_true(diag_has(&d, "t.cfg:", "unknown key 'rate_hx' in osc", "did you mean 'rate_hz'?", (const char *)NULL));
    assert_null(load_text(default_with("muscles = (", "musles = 1;\nmuscles = ("), &d));
    assert_true(diag_has(&d, "unknown key 'musles' in the top level", "did you mean 'muscles'?", (const char *)NULL));
}

static void test_wrong_type_is_rejected(void **st)
{
    (void)st;
    diag d;
    assert_null(load_text(default_with("sample_rate = 2000.0;", "sample_rate = \"fast\";"), &d));
    assert_true(diag_has(&d, "t.cfg:", "source.sample_rate must be a number, not a string", (const char *)NULL));
    assert_null(load_text(default_with("channels = 4;", "channels = 4.5;"), &d));
    assert_true(diag_has(&d, "source.channels must be a whole number", (const char *)NULL));
    assert_null(load_text(default_with("prefix = \"/emg\";", "prefix = 7;"), &d));
    assert_true(diag_has(&d, "osc.prefix must be a string", (const char *)NULL));
}

static void test_integer_where_float_is_meant_just_works(void **st)
{
    (void)st;
    diag d;
    config *c = load_text(default_with("sample_rate = 2000.0;", "sample_rate = 1000;"), &d);
    assert_non_null(c);
    assert_true(c->source.sample_rate == 1000.0);
    config_free(c);
    c = load_text(default_with("rate_hz = 50.0;", "rate_hz = 25;"), &d);
    assert_non_null(c);
    assert_true(c->osc.rate_hz == 25.0);
    config_free(c);
}

static void test_out_of_range_values_are_rejected(void **st)
{
    (void)st;
    diag d;
    assert_null(load_text(default_with("rate_hz = 50.0;", "rate_hz = 500.0;"), &d));
    assert_true(diag_has(&d, "t.cfg:", "osc.rate_hz = 500 is out of range; use 1 to 200 Hz", (const char *)NULL));
    assert_null(load_text(default_with("channels = 4;", "channels = 0;"), &d));
    assert_true(diag_has(&d, "source.channels = 0 is out of range", (const char *)NULL));
    assert_null(load_text(default_with("type = \"synthetic\";", "type = \"synthetc\";"), &d));
    assert_true(diag_has(&d, "source.type = \"synthetc\" is not one of \"synthetic\", \"serial\", \"replay\"",
                         (const char *)NULL));
}

static void test_duplicate_muscle_names_are_rejected(void **st)
{
    (void)st;
    diag d;
    assert_null(load_text(default_with("name = \"hamstring_right\"", "name = \"hamstring_left\""), &d));
    assert_true(diag_has(&d, "t.cfg:", "muscle name \"hamstring_left\" is used twice (first at ", (const char *)NULL));
}

static void test_bad_muscle_names_are_rejected(void **st)
{
    (void)st;
    diag d;
    assert_null(load_text(default_with("name = \"glute_left\"", "name = \"Glute Left\""), &d));
    assert_true(diag_has(&d, "muscle name \"Glute Left\" must start with a lower-case letter", (const char *)NULL));
    assert_null(load_text(default_with("name = \"glute_left\"", "name = \"frame\""), &d));
    assert_true(diag_has(&d, "muscle name \"frame\"", (const char *)NULL));
}

static void test_missing_parts_of_a_muscle_are_named(void **st)
{
    (void)st;
    diag d;
    assert_null(load_text("muscles = ( { name = \"a\"; channel = 1; } );\n", &d));
    assert_true(diag_has(&d, "t.cfg:1: ", "muscles.[0] needs envelope", (const char *)NULL));
    assert_true(diag_has(&d, "t.cfg:1: ", "muscles.[0] needs detector", (const char *)NULL));
    assert_null(load_text("muscles = ( { name = \"a\"; channel = 1; envelope = { window_ms = 5; };\n"
                          "  detector = { plugin = \"threshold\"; }; } );\n",
                          &d));
    assert_true(diag_has(&d, "muscles.[0].envelope has no plugin", (const char *)NULL));
    assert_null(load_text("source = { channels = 2; };\n", &d));
    assert_true(diag_has(&d, "no muscles", (const char *)NULL));
}

static void test_every_problem_is_reported_not_just_the_first(void **st)
{
    (void)st;
    diag d;
    assert_null(load_text(default_with("rate_hz = 50.0;", "rate_hz = 0.0; lease = 3;"), &d));
    assert_true(d.n >= 2);
    assert_true(diag_has(&d, "osc.rate_hz = 0", (const char *)NULL));
    assert_true(diag_has(&d, "unknown key 'lease' in osc", (const char *)NULL));
}

static void test_addresses_must_be_numeric(void **st)
{
    (void)st;
    diag d;
    assert_null(load_text(default_with("control = \"127.0.0.1:17700\"", "control = \"myhost:17700\""), &d));
    assert_true(diag_has(&d, "osc.control \"myhost:17700\" must be a numeric IPv4 HOST:PORT", (const char *)NULL));
    assert_null(load_text(default_with("control = \"127.0.0.1:17700\"", "control = \"127.0.0.1:99999\""), &d));
    assert_true(diag_has(&d, "osc.control", (const char *)NULL));
    assert_null(
        load_text(default_with("destinations = (", "destinations = ( { host = \"example.org\"; port = 9000; }"), &d));
    assert_true(diag_has(&d, "host \"example.org\" must be a numeric IPv4 address", (const char *)NULL));
    assert_null(load_text(default_with("destinations = (", "destinations = ( { host = \"127.0.0.1\"; }"), &d));
    assert_true(diag_has(&d, "needs port", (const char *)NULL));
    assert_null(load_text(default_with("allow = [ \"127.0.0.0/8\" ]", "allow = [ \"127.0.0.0/33\" ]"), &d));
    assert_true(diag_has(&d, "osc.allow entries must be IPv4 CIDR", (const char *)NULL));
}

static void test_serial_source_needs_a_port_and_a_decoder(void **st)
{
    (void)st;
    diag d;
    assert_null(load_text(default_with("type = \"synthetic\";", "type = \"serial\";"), &d));
    assert_true(diag_has(&d, "needs source.port", (const char *)NULL));
    assert_true(diag_has(&d, "needs source.decoder", (const char *)NULL));
}

static void test_overrides_set_scalars(void **st)
{
    (void)st;
    diag d;
    diag_init(&d);
    const char *ov[] = {"osc.rate_hz=25", "source.sample_rate=1000", "muscles.[0].detector.on=20",
                        "session.dir=/var/lib/myofeed", "osc.control=127.0.0.1:17800"};
    config *c = config_load(write_temp("ov.cfg", default_with("session = {", "sessionx = {")), ov, 5, ".", &d);
    /* sessionx is unknown: rejected even with overrides */
    assert_null(c);
    assert_true(diag_has(&d, "unknown key 'sessionx'", (const char *)NULL));
    diag_init(&d);
    c = config_load(NULL, ov, 5, ".", &d);
    assert_non_null(c);
    assert_true(c->osc.rate_hz == 25.0);
    assert_true(c->source.sample_rate == 1000.0);
    assert_string_equal(c->session.dir, "/var/lib/myofeed");
    assert_int_equal(ntohs(c->osc.control.sin_port), 17800);
    int found = 0;
    for (int i = 0; i < c->muscles[0].detector.n_kv; i++)
        if (!strcmp(c->muscles[0].detector.kv[i].key, "on")) {
            found = 1;
            assert_true(c->muscles[0].detector.kv[i].num == 20.0);
            assert_string_equal(c->muscles[0].detector.kv[i].where, "-o muscles.[0].detector.on=20");
        }
    assert_true(found);
    config_free(c);
}

static void test_bad_overrides_are_errors(void **st)
{
    (void)st;
    diag d;
    const char *bad1[] = {"nosuch.key=1"};
    diag_init(&d);
    assert_null(config_load(NULL, bad1, 1, ".", &d));
    assert_true(diag_has(&d, "-o nosuch.key=1: unknown setting 'nosuch.key'", (const char *)NULL));
    const char *bad2[] = {"osc.rate_hz=fast"};
    diag_init(&d);
    assert_null(config_load(NULL, bad2, 1, ".", &d));
    assert_true(diag_has(&d, "-o osc.rate_hz=fast", "needs a number", (const char *)NULL));
    const char *bad3[] = {"osc.rate_hz=1000"};
    diag_init(&d);
    assert_null(config_load(NULL, bad3, 1, ".", &d));
    assert_true(diag_has(&d, "-o osc.rate_hz=1000: osc.rate_hz = 1000 is out of range", (const char *)NULL));
    const char *bad4[] = {"novalue"};
    diag_init(&d);
    assert_null(config_load(NULL, bad4, 1, ".", &d));
    assert_true(diag_has(&d, "expected -o KEY=VALUE", (const char *)NULL));
    const char *bad5[] = {"osc=1"};
    diag_init(&d);
    assert_null(config_load(NULL, bad5, 1, ".", &d));
    assert_true(diag_has(&d, "osc is a group or list", (const char *)NULL));
}

static void test_replay_columns_default_to_the_muscles_channels(void **st)
{
    (void)st;
    diag d;
    diag_init(&d);
    config *c = config_load(NULL, NULL, 0, "/opt/x/bin", &d); /* four muscles on channels 1..4 */
    assert_non_null(c);
    assert_int_equal(c->source.n_columns, 4);
    for (int k = 0; k < 4; k++) assert_int_equal(c->source.columns[k].index, k + 1);
    config_free(c);
    c = load_text(default_with("type = \"synthetic\";", "type = \"replay\"; file = \"x.txt\"; columns = [3, 5];"), &d);
    assert_non_null(c);
    assert_int_equal(c->source.n_columns, 2);
    assert_int_equal(c->source.columns[0].index, 3);
    assert_int_equal(c->source.columns[1].index, 5);
    config_free(c);
}

static void test_parsers(void **st)
{
    (void)st;
    struct sockaddr_in a;
    assert_int_equal(config_parse_hostport("127.0.0.1:1", &a), 0);
    assert_int_equal(config_parse_hostport("localhost:9000", &a), 0);
    assert_int_equal(config_parse_hostport("127.0.0.1", &a), -1);
    assert_int_equal(config_parse_hostport(":80", &a), -1);
    assert_int_equal(config_parse_hostport("1.2.3.4:0", &a), -1);
    assert_int_equal(config_parse_hostport("1.2.3.4:80x", &a), -1);
    cfg_cidr c;
    assert_int_equal(config_parse_cidr("10.0.0.0/8", &c), 0);
    assert_int_equal(c.mask, 0xff000000u);
    assert_int_equal(config_parse_cidr("0.0.0.0/0", &c), 0);
    assert_int_equal(c.mask, 0u);
    assert_int_equal(config_parse_cidr("1.2.3.4", &c), 0);
    assert_int_equal(c.mask, 0xffffffffu);
    assert_int_equal(config_parse_cidr("1.2.3.4/", &c), -1);
    assert_int_equal(config_parse_cidr("1.2.3/8", &c), -1);
}

/* The key table drives the checks: every key it lists is accepted where it belongs, its range and unit are in
 * the message, and -o creates a key the file lacks with the table's type. */
static void test_the_key_table_drives_the_checks(void **st)
{
    (void)st;
    assert_non_null(cfg_key_find("source.watchdog_ms"));
    assert_non_null(cfg_key_find("muscles.[12].rep_hold_s"));
    assert_non_null(cfg_key_find("osc.destinations.[0].profile"));
    assert_null(cfg_key_find("source.treshold"));
    assert_int_equal(cfg_key_override_type(cfg_key_find("source.baud")), 'i');
    assert_int_equal(cfg_key_override_type(cfg_key_find("source.watchdog_ms")), 'f');
    assert_int_equal(cfg_key_override_type(cfg_key_find("osc.prefix")), 's');
    assert_int_equal(cfg_key_override_type(cfg_key_find("muscles.[0].channel")), 0);
    const char *kids[32];
    int n = cfg_key_children("osc.destinations.[]", kids, 32);
    assert_int_equal(n, 4); /* host, port, profile, bundle */
    assert_string_equal(kids[0], "host");
    /* every table entry has help, and a number's default lies in its range */
    for (int i = 0; cfg_key_at(i); i++) {
        const cfg_key *k = cfg_key_at(i);
        assert_true(k->help && strlen(k->help) > 10);
        if ((k->type == CK_INT || k->type == CK_NUMBER) && !(k->flags & CK_REQUIRED))
            assert_true(k->def >= k->min && k->def <= k->max);
    }
    diag d;
    assert_null(load_text("source = { watchdog_ms = 10; };\nmuscles = ( { name = \"a\"; channel = 1; envelope = { "
                          "plugin = \"rms\"; }; detector = { plugin = \"cusum\"; }; } );\n",
                          &d));
    assert_true(
        diag_has(&d, "t.cfg:1: ", "source.watchdog_ms = 10 is out of range; use 50 to 600000 ms", (const char *)NULL));
    const char *ov[] = {"source.watchdog_ms=250", "source.baud=9600"};
    diag_init(&d);
    config *c = config_load(NULL, ov, 2, ".", &d);
    assert_non_null(c);
    assert_true(c->source.watchdog_ms == 250.0);
    assert_int_equal(c->source.baud, 9600);
    config_free(c);
    const char *bad[] = {"source.baud=fast"};
    diag_init(&d);
    assert_null(config_load(NULL, bad, 1, ".", &d));
    assert_true(diag_has(&d, "-o source.baud=fast", "needs a number", (const char *)NULL));
}

/* Configuration text (the fuzzer's entry) gives the same checks as a file. */
static void test_configuration_text_is_checked_like_a_file(void **st)
{
    (void)st;
    diag d;
    diag_init(&d);
    assert_null(config_load_text("osc = { rate_hz = 0; };", ".", &d));
    assert_true(diag_has(&d, "(configuration text):1: ", "osc.rate_hz = 0 is out of range", (const char *)NULL));
    diag_init(&d);
    config *c = config_load_text(embedded_config, ".", &d);
    assert_non_null(c);
    config_free(c);
}

/* What libconfig would read is checked first: sizes, setting counts, folders, FIFOs, includes named. */
static void test_files_are_checked_before_parsing(void **state)
{
    (void)state;
    diag d;
    diag_init(&d);
    const char *inc = write_temp("inc.cfg", "osc = { rate_hz = 50.0; };\n@include \"nope.cfg\"\n");
    assert_null(config_load(inc, NULL, 0, ".", &d));
    assert_true(diag_has(&d, "inc.cfg:2 (@include)", "nope.cfg", "No such file", (const char *)NULL));
    diag_init(&d);
    char folder[600];
    snprintf(folder, sizeof folder, "%s", inc);
    *strrchr(folder, '/') = 0;
    assert_null(config_load(folder, NULL, 0, ".", &d));
    assert_true(diag_has(&d, "is a folder, not a configuration file", (const char *)NULL));
    /* over 1 MiB: refused with its size, at once */
    size_t big = CFG_MAX_FILE_BYTES + 100;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, '#', big);
    text[big] = 0;
    const char *bigf = write_temp("big.cfg", text);
    free(text);
    diag_init(&d);
    assert_null(config_load(bigf, NULL, 0, ".", &d));
    assert_true(diag_has(&d, "1048676 bytes", "at most 1048576", (const char *)NULL));
    /* many settings (libconfig takes seconds for 40,000): refused before parsing */
    size_t cap = 12 * (CFG_MAX_SETTINGS + 10), off = 0;
    text = malloc(cap);
    assert_non_null(text);
    for (int i = 0; i < CFG_MAX_SETTINGS + 10; i++) off += (size_t)snprintf(text + off, cap - off, "k%d = 1;\n", i);
    const char *many = write_temp("many.cfg", text);
    free(text);
    diag_init(&d);
    assert_null(config_load(many, NULL, 0, ".", &d));
    assert_true(diag_has(&d, "more than 5000 settings", (const char *)NULL));
    /* a FIFO is never opened (it would block) */
    char fifo[700];
    snprintf(fifo, sizeof fifo, "%s/fifo.cfg", folder);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    diag_init(&d);
    assert_null(config_load(fifo, NULL, 0, ".", &d));
    assert_true(diag_has(&d, "not a regular file", (const char *)NULL));
    unlink(fifo);
    /* '=' inside its strings and comments are not settings: the shipped file (full of both) passes */
    diag_init(&d);
    const char *ok = write_temp("ok.cfg", embedded_config);
    config *c = config_load(ok, NULL, 0, ".", &d);
    assert_non_null(c);
    config_free(c);
}

/* Replaces the first from in text (it must be there) with to. */
static void replace_in(char *text, size_t cap, const char *from, const char *to)
{
    char *at = strstr(text, from);
    assert_non_null(at);
    size_t a = strlen(from), b = strlen(to), rest = strlen(at + a);
    assert_true((size_t)(at - text) + b + rest + 1 <= cap);
    memmove(at + b, at + a, rest + 1);
    memcpy(at, to, b);
}

/* The session and control keys of the records and trust work: bad values named, with what to do. */
static void test_session_and_control_keys(void **state)
{
    (void)state;
    diag d;
    diag_init(&d);
    assert_null(config_load_text("session = { database = \"mysql://x\"; };", ".", &d));
    assert_true(
        diag_has(&d, "(configuration text):1: ", "must be a PostgreSQL URL (postgresql://", (const char *)NULL));
    diag_init(&d);
    assert_null(config_load_text("session = { record = 1; };", ".", &d));
    assert_true(diag_has(&d, "session.record must be true or false", (const char *)NULL));
    diag_init(&d); /* delivery: bundle must be a boolean, a profile one of the six */
    assert_null(config_load_text("osc = { destinations = ( { port = 9000; bundle = 1; } ); };", ".", &d));
    assert_true(diag_has(&d, "osc.destinations.[0].bundle must be true or false, not an integer", (const char *)NULL));
    diag_init(&d);
    assert_null(
        config_load_text("osc = { destinations = ( { port = 9000; profile = \"muscles+bundles\"; } ); };", ".", &d));
    assert_true(diag_has(&d, "muscles+bundles", "muscles+bundle", (const char *)NULL));
    diag_init(&d);
    config *ok =
        config_load_text(default_with("destinations = (", "destinations = ( { port = 9000; profile = \"frame\"; "
                                                          "bundle = true; }, { port = 9001; profile = "
                                                          "\"full+bundle\"; }"),
                         ".", &d);
    if (!ok) diag_print(&d);
    assert_non_null(ok);
    assert_int_equal(ok->osc.dest[0].profile, PROFILE_FRAME + PROFILE_N_CONTENT);
    assert_int_equal(ok->osc.dest[1].profile, PROFILE_FULL + PROFILE_N_CONTENT);
    config_free(ok);
    diag_init(&d);
    assert_null(config_load_text("osc = { admin = [ \"10.0.0.0/8\" ]; };", ".", &d));
    assert_true(diag_has(&d, "osc.admin reaches beyond this machine", "osc.allow_remote = true", (const char *)NULL));
    diag_init(&d);
    assert_null(config_load_text("osc = { subscribe_hosts = [ \"not-an-ip\" ]; };", ".", &d));
    assert_true(diag_has(&d, "osc.subscribe_hosts entries must be IPv4 CIDR strings", (const char *)NULL));
    diag_init(&d);
    assert_null(config_load_text("osc = { lease_s = 600.0; };", ".", &d));
    assert_true(diag_has(&d, "osc.lease_s = 600 is out of range", (const char *)NULL));
    /* the same lists, meant: accepted, and the station defaults to the host name */
    diag_init(&d);
    /* the embedded default with allow_remote and a clinic's admin network and database */
    char text[40000];
    snprintf(text, sizeof text, "%s", default_with("allow_remote = false;", "allow_remote = true;"));
    replace_in(text, sizeof text, "admin = [ \"127.0.0.1/32\" ];", "admin = [ \"10.0.0.0/8\" ];");
    replace_in(text, sizeof text, "# database = ", "database = ");
    config *c = config_load_text(text, ".", &d);
    if (!c) diag_print(&d);
    assert_non_null(c);
    assert_int_equal(c->osc.n_admin, 1);
    assert_true(c->session.station[0] != 0);
    assert_string_equal(c->session.database, "postgresql://myofeed@db.clinic.lan/myofeed");
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_config_is_valid),
        cmocka_unit_test(test_missing_file_is_named_with_os_error),
        cmocka_unit_test(test_syntax_error_has_file_and_line),
        cmocka_unit_test(test_unknown_key_suggests_the_right_one),
        cmocka_unit_test(test_wrong_type_is_rejected),
        cmocka_unit_test(test_integer_where_float_is_meant_just_works),
        cmocka_unit_test(test_out_of_range_values_are_rejected),
        cmocka_unit_test(test_duplicate_muscle_names_are_rejected),
        cmocka_unit_test(test_bad_muscle_names_are_rejected),
        cmocka_unit_test(test_missing_parts_of_a_muscle_are_named),
        cmocka_unit_test(test_every_problem_is_reported_not_just_the_first),
        cmocka_unit_test(test_addresses_must_be_numeric),
        cmocka_unit_test(test_serial_source_needs_a_port_and_a_decoder),
        cmocka_unit_test(test_overrides_set_scalars),
        cmocka_unit_test(test_bad_overrides_are_errors),
        cmocka_unit_test(test_replay_columns_default_to_the_muscles_channels),
        cmocka_unit_test(test_parsers),
        cmocka_unit_test(test_the_key_table_drives_the_checks),
        cmocka_unit_test(test_configuration_text_is_checked_like_a_file),
        cmocka_unit_test(test_files_are_checked_before_parsing),
        cmocka_unit_test(test_session_and_control_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

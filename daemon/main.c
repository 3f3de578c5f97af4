/* main.c: myofeedd's entry point: options, the configuration search, and the one-shot modes
 * (--version, --help, --list-plugins, --list-ports, --check-config). */
#include <libgen.h>
#include <libserialport.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config/config.h"
#include "config/config_keys.h"
#include "daemon.h"
#include "base/log.h"
#include "host/plugin_host.h"
#include "replay.h"

static void exe_dir_of(char *out, size_t n)
{
    char buf[PATH_MAX];
    ssize_t r = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (r <= 0) {
        snprintf(out, n, ".");
        return;
    }
    buf[r] = 0;
    snprintf(out, n, "%s", dirname(buf));
}

static void print_param(const mf_param_info *q)
{
    static const char *const types[] = {"?", "float", "int", "bool", "choice"};
    printf("    %-12s %-6s ", q->name, types[q->type <= MF_PARAM_CHOICE ? q->type : 0]);
    if (q->type == MF_PARAM_CHOICE) {
        printf("default \"%s\", one of", q->choices[(int)q->def]);
        for (int c = 0; q->choices[c]; c++) printf(" %s", q->choices[c]);
    } else if (q->type == MF_PARAM_BOOL) {
        printf("default %s", q->def != 0 ? "true" : "false");
    } else {
        printf("default %g, %g..%g %s", q->def, q->min, q->max, q->unit ? q->unit : "");
    }
    printf("%s%s\n        %s\n", (q->flags & MF_PARAM_AUTO) ? " or \"auto\"" : "",
           (q->flags & MF_PARAM_RUNTIME) ? " [runtime]" : "", q->help ? q->help : "");
}

static int list_plugins(const cli_opts *o, const char *cfg_path, const char *exe_dir)
{
    diag d;
    diag_init(&d);
    config *c = config_load(cfg_path, o->overrides, o->n_overrides, exe_dir, &d);
    char dirs[1][4096];
    snprintf(dirs[0], sizeof dirs[0], "%s/../lib/myofeed/plugins", exe_dir);
    plugin_host *h = c ? plugin_host_new((const char(*)[4096])c->plugin_dirs, c->n_plugin_dirs)
                       : plugin_host_new((const char(*)[4096])dirs, 1);
    if (!h) {
        fprintf(stderr, "myofeedd: out of memory listing the plugins\n");
        config_free(c);
        return 2;
    }
    diag_init(&d);
    int n = plugin_host_load_all(h, &d);
    for (int i = 0; i < n; i++) {
        const mf_plugin *p = plugin_host_at(h, i);
        printf("%s (%s %s, ABI %u.%u) %s\n  %s\n", p->name, plugin_kind_name(p->kind), p->version, p->abi_major,
               p->abi_minor, plugin_host_file(h, i), p->summary ? p->summary : "");
        for (uint32_t k = 0; k < p->n_params; k++) print_param(&p->params[k]);
    }
    if (n == 0) fprintf(stderr, "no plugins found; set plugins.path in the configuration\n");
    diag_print(&d);
    plugin_host_free(h);
    config_free(c);
    return d.n ? 1 : 0;
}

static int list_ports(void)
{
    struct sp_port **ports = NULL;
    if (sp_list_ports(&ports) != SP_OK) {
        fprintf(stderr, "cannot list serial ports: %s\n", sp_last_error_message());
        return 2;
    }
    int n = 0;
    for (; ports[n]; n++) {
        struct sp_port *p = ports[n];
        printf("%-20s %s", sp_get_port_name(p), sp_get_port_description(p) ? sp_get_port_description(p) : "");
        if (sp_get_port_transport(p) == SP_TRANSPORT_USB) {
            int vid = 0, pid = 0;
            sp_get_port_usb_vid_pid(p, &vid, &pid);
            const char *serial = sp_get_port_usb_serial(p);
            printf("  usb %04x:%04x%s%s", vid, pid, serial ? ":" : "", serial ? serial : "");
        }
        printf("\n");
    }
    if (n == 0) printf("no serial ports found (is the amplifier plugged in? is the user in group dialout?)\n");
    sp_free_port_list(ports);
    return 0;
}

int main(int argc, char **argv)
{
    cli_opts o;
    if (cli_parse(argc, argv, &o) != 0) return 1;
    if (o.help) {
        cli_usage(argv[0], 1);
        return 0;
    }
    if (o.version) {
        printf("myofeedd %s (plugin ABI %d.%d)\n", MYOFEED_VERSION, MF_ABI_MAJOR, MF_ABI_MINOR);
        return 0;
    }
    log_init(o.verbose, o.syslog);
    char exe_dir[PATH_MAX], buf[PATH_MAX];
    exe_dir_of(exe_dir, sizeof exe_dir);
    const char *cfg = cli_find_config(o.config, buf, sizeof buf);
    if (o.list_ports) return list_ports();
    if (o.print_config) {
        cfg_keys_print_reference(stdout);
        return fflush(stdout) == 0 ? 0 : 2;
    }
    if (o.list_plugins) return list_plugins(&o, cfg, exe_dir);
    if (o.replay) return replay_offline(cfg, &o, exe_dir, o.replay, stdout);
    o.probe_creates = 1; /* a plugin that crashes or hangs in create() is named, not fatal */
    if (o.check_config) return daemon_check(cfg, &o, exe_dir);
    if (!cfg)
        log_msg(LOG_LVL_INFO, "daemon", "no config/myofeed.cfg here and none installed: using the built-in default");
    return daemon_run(cfg, &o, exe_dir);
}

/* plugin_host.c: safe plugin loading. A file is used only if it is a regular file (no symlink), owned
 * by root or by us, and not writable by group or others. The checks run on an open descriptor; after
 * dlopen() of the same path the file must still be that inode (so it cannot be swapped in between). The descriptor must speak ABI 1.x, cover the
 * 1.0 fields, name itself like its file and carry the ops table of its kind. */
#define _GNU_SOURCE
#include "host/plugin_host.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "base/log.h"
#define LOG_COMPONENT "plugins"

#define MAX_LOADED 64
#define ABI_1_0_SIZE (offsetof(mf_plugin, decoder) + sizeof(void *))

typedef struct loaded {
    void *handle;
    int fd; /* the checked file, kept open while loaded */
    const mf_plugin *desc;
    char file[4096];
    mf_host api;
} loaded;

struct plugin_host {
    int probe_ms; /* 0: create() runs here only */
    int n_dirs;
    char dirs[8][4096];
    int n;
    loaded l[MAX_LOADED];
};

const char *plugin_kind_name(mf_kind k)
{
    switch (k) {
    case MF_KIND_DECODER: return "decoder";
    case MF_KIND_FILTER: return "filter";
    case MF_KIND_ENVELOPE: return "envelope";
    case MF_KIND_DETECTOR: return "detector";
    }
    return "unknown";
}

double (*plugin_get_param(const mf_plugin *p))(void *, uint32_t)
{
    if (p->abi_minor < 3 || p->struct_size < offsetof(mf_plugin, get_param) + sizeof p->get_param) return NULL;
    return p->get_param;
}

filter_calls plugin_filter_calls(const mf_plugin *p)
{
    filter_calls c = {NULL, NULL, NULL};
    if (!p || (p->kind != MF_KIND_FILTER && p->kind != MF_KIND_ENVELOPE) || !p->filter) return c;
    c.process = p->filter->process;
    if (p->abi_minor >= 1) c.process_many = p->filter->process_many;
    if (p->abi_minor >= 2) c.process_lanes = p->filter->process_lanes;
    return c;
}

static void host_log(const mf_host *api, mf_log_level lvl, const char *msg)
{
    const loaded *l = api->host_data;
    static const enum log_level map[] = {LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG};
    log_msg(map[lvl <= MF_LOG_DEBUG ? lvl : MF_LOG_DEBUG], LOG_COMPONENT, "%s: %s", l->desc ? l->desc->name : "?",
            msg ? msg : "");
}

static const void *host_extension(const mf_host *api, const char *id)
{
    (void)api;
    (void)id;
    return NULL;
}

plugin_host *plugin_host_new(const char (*dirs)[4096], int n_dirs)
{
    plugin_host *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    for (int i = 0; i < n_dirs && i < 8; i++) snprintf(h->dirs[h->n_dirs++], 4096, "%s", dirs[i]);
    return h;
}

void plugin_host_free(plugin_host *h)
{
    if (!h) return;
    for (int i = 0; i < h->n; i++) {
        dlclose(h->l[i].handle);
        close(h->l[i].fd);
    }
    free(h);
}

static int name_ok(const char *s)
{
    if (!*s || strlen(s) > 31) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_')) return 0;
    return 1;
}

/* Checks the descriptor's self-description. Returns 0 or -1 with err. */
static int check_descriptor(const mf_plugin *p, const char *path, const char *want, char *err, size_t n)
{
    if (p->abi_major != MF_ABI_MAJOR) {
        snprintf(err, n, "%s: ABI %u.%u, this daemon speaks %d.x; rebuild the plugin against myofeed %d.x headers",
                 path, p->abi_major, p->abi_minor, MF_ABI_MAJOR, MF_ABI_MAJOR);
        return -1;
    }
    if (p->struct_size < ABI_1_0_SIZE) {
        snprintf(err, n, "%s: descriptor is %u bytes, ABI 1.0 needs at least %zu; rebuild it against this SDK", path,
                 p->struct_size, (size_t)ABI_1_0_SIZE);
        return -1;
    }
    if (!p->name || !name_ok(p->name)) {
        snprintf(err, n, "%s: descriptor has no valid name (lower-case letters, digits, '-', '_')", path);
        return -1;
    }
    if (want && strcmp(p->name, want) != 0) {
        snprintf(err, n, "%s: the file is named for '%s' but the plugin calls itself '%s'; rename one to match", path,
                 want, p->name);
        return -1;
    }
    if (!p->create || !p->destroy) {
        snprintf(err, n, "%s: plugin '%s' lacks create or destroy", path, p->name);
        return -1;
    }
    int ops_ok = 0;
    switch (p->kind) {
    case MF_KIND_FILTER:
    case MF_KIND_ENVELOPE: ops_ok = p->filter && p->filter->process; break;
    case MF_KIND_DETECTOR:
        ops_ok = p->detector && p->detector->process && p->detector->set_calibration && p->detector->active;
        break;
    case MF_KIND_DECODER: ops_ok = p->decoder && p->decoder->decode && p->decoder->channels; break;
    default: snprintf(err, n, "%s: plugin '%s' has unknown kind %d", path, p->name, (int)p->kind); return -1;
    }
    if (!ops_ok) {
        snprintf(err, n, "%s: plugin '%s' is a %s but lacks its %s operations", path, p->name,
                 plugin_kind_name(p->kind), plugin_kind_name(p->kind));
        return -1;
    }
    if (p->n_params && !p->params) {
        snprintf(err, n, "%s: plugin '%s' declares %u parameters but no table", path, p->name, p->n_params);
        return -1;
    }
    for (uint32_t i = 0; i < p->n_params; i++) {
        const mf_param_info *q = &p->params[i];
        int bad = !q->name || !*q->name || q->type < MF_PARAM_FLOAT || q->type > MF_PARAM_CHOICE;
        if (!bad && q->type == MF_PARAM_CHOICE) {
            int nc = 0;
            while (q->choices && q->choices[nc]) nc++;
            bad = nc == 0 || q->def < 0 || q->def >= nc;
        } else if (!bad && (q->type == MF_PARAM_FLOAT || q->type == MF_PARAM_INT)) {
            bad = !(q->min <= q->def && q->def <= q->max);
        }
        if ((q->flags & MF_PARAM_RUNTIME) && !p->set_param) bad = 1;
        if ((q->flags & MF_PARAM_AUTO) && (q->type != MF_PARAM_FLOAT || !plugin_get_param(p))) bad = 1;
        if (bad) {
            snprintf(err, n,
                     "%s: plugin '%s' parameter %u (%s) is malformed (type, default outside range, "
                     "choices, or runtime flag without set_param, auto flag without get_param)",
                     path, p->name, i, q->name ? q->name : "?");
            return -1;
        }
    }
    return 0;
}

/* The plugin's folder and every folder above it: not writable by group or others, owned by root or the daemon's
 * user (as sshd's StrictModes and sudo check), so nobody else can put code where the daemon loads it. A parent
 * with the sticky bit (/tmp) is accepted: others cannot rename or remove what is ours inside it. The plugin's own
 * folder never may be writable by others, sticky or not. */
static int folders_safe(const char *path, char *err, size_t n)
{
    char dir[4200];
    if (!realpath(path, dir)) { /* the file itself: its own checks come next */
        snprintf(dir, sizeof dir, "%s", path);
    }
    int first = 1;
    for (char *slash = strrchr(dir, '/'); slash; slash = strrchr(dir, '/')) {
        if (slash == dir)
            slash[1] = 0;
        else
            *slash = 0;
        struct stat st;
        if (stat(dir, &st) != 0) break;
        int own_folder = first;
        first = 0;
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) && (own_folder || !(st.st_mode & S_ISVTX))) {
            snprintf(err, n,
                     "%s: its folder %s is writable by group or others (mode %04o), so anyone could put code where the "
                     "daemon loads it; fix with: chmod go-w %s (or move the plugins to a folder only root writes)",
                     path, dir, (unsigned)(st.st_mode & 07777), dir);
            return -1;
        }
        if (st.st_uid != 0 && st.st_uid != geteuid()) {
            snprintf(err, n, "%s: its folder %s is owned by uid %u, not by root or the daemon's user; fix with chown",
                     path, dir, (unsigned)st.st_uid);
            return -1;
        }
        if (slash == dir) break;
    }
    return 0;
}

const mf_plugin *plugin_host_load_file(plugin_host *h, const char *path, const char *want, char *err, size_t n)
{
    for (int i = 0; i < h->n; i++)
        if (strcmp(h->l[i].file, path) == 0) return h->l[i].desc;
    if (h->n >= MAX_LOADED) {
        snprintf(err, n, "%s: more than %d plugins loaded", path, MAX_LOADED);
        return NULL;
    }
    void *handle = NULL;
    struct stat pre;
    if (lstat(path, &pre) == 0 && !S_ISREG(pre.st_mode) && !S_ISLNK(pre.st_mode)) { /* never open a FIFO: it blocks */
        snprintf(err, n, "%s: not a regular file (%s); a plugin is a shared object file", path,
                 S_ISFIFO(pre.st_mode)   ? "a FIFO"
                 : S_ISDIR(pre.st_mode)  ? "a folder"
                 : S_ISSOCK(pre.st_mode) ? "a socket"
                                         : "a device");
        return NULL;
    }
    if (folders_safe(path, err, n) != 0) return NULL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, n, "%s: cannot open: %s%s", path, strerror(errno),
                 errno == ELOOP ? " (symbolic links are refused; point plugins.path at the real file)" : "");
        return NULL;
    }
    struct stat st, now;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, n, "%s: not a regular file", path);
        goto fail;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, n,
                 "%s: is writable by group or others (mode %03o), so anyone could change the code the daemon "
                 "runs; fix with: chmod go-w %s",
                 path, (unsigned)(st.st_mode & 0777), path);
        goto fail;
    }
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        snprintf(err, n, "%s: is owned by uid %u, not by root or the daemon's user (uid %u); fix with chown", path,
                 (unsigned)st.st_uid, (unsigned)geteuid());
        goto fail;
    }
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *e = dlerror();
        snprintf(err, n, "%s: dlopen failed: %s; check its dependencies with ldd %s", path, e ? e : "?", path);
        goto fail;
    }
    if (stat(path, &now) != 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
        snprintf(err, n, "%s: the file changed while it was being loaded; try again", path);
        goto fail;
    }
    const mf_plugin *p = dlsym(handle, MF_PLUGIN_ENTRY_SYMBOL);
    if (!p) {
        snprintf(err, n,
                 "%s: exports no '%s' symbol; is it a myofeed plugin? (build it with MF_EXPORT on the "
                 "descriptor)",
                 path, MF_PLUGIN_ENTRY_SYMBOL);
        goto fail;
    }
    if (check_descriptor(p, path, want, err, n) != 0) goto fail;
    for (int i = 0; i < h->n; i++)
        if (strcmp(h->l[i].desc->name, p->name) == 0) {
            snprintf(err, n, "%s: plugin '%s' is already loaded from %s; remove one of them", path, p->name,
                     h->l[i].file);
            goto fail;
        }
    loaded *l = &h->l[h->n++];
    l->handle = handle;
    l->fd = fd;
    l->desc = p;
    snprintf(l->file, sizeof l->file, "%s", path);
    l->api = (mf_host){sizeof(mf_host), l, host_log, host_extension};
    return p;
fail:
    if (handle) dlclose(handle);
    close(fd);
    return NULL;
}

const mf_plugin *plugin_host_get(plugin_host *h, const char *name, char *err, size_t n)
{
    for (int i = 0; i < h->n; i++)
        if (strcmp(h->l[i].desc->name, name) == 0) return h->l[i].desc;
    if (!name_ok(name)) {
        snprintf(err, n, "'%s' is not a valid plugin name (lower-case letters, digits, '-', '_')", name);
        return NULL;
    }
    for (int i = 0; i < h->n_dirs; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.so", h->dirs[i], name);
        struct stat st;
        if (lstat(path, &st) != 0) continue;
        return plugin_host_load_file(h, path, name, err, n);
    }
    size_t off = (size_t)snprintf(err, n, "no plugin '%s' (looked for %s.so in", name, name);
    for (int i = 0; i < h->n_dirs && off < n; i++) off += (size_t)snprintf(err + off, n - off, " %s", h->dirs[i]);
    if (off < n) snprintf(err + off, n - off, "); check the name with myofeedd --list-plugins or set plugins.path");
    return NULL;
}

const mf_host *plugin_host_api(plugin_host *h, const mf_plugin *p)
{
    for (int i = 0; i < h->n; i++)
        if (h->l[i].desc == p) return &h->l[i].api;
    return NULL;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The *.so names in dir, sorted, into names (each to free). Returns the count, or -1 when out of memory (d says so). */
static int so_names(const char *dir, char **names, int cap, diag *d)
{
    DIR *dh = opendir(dir);
    if (!dh) return 0;
    int nn = 0;
    struct dirent *e;
    while ((e = readdir(dh)) && nn < cap) {
        size_t len = strlen(e->d_name);
        if (len <= 3 || strcmp(e->d_name + len - 3, ".so") != 0) continue;
        if (!(names[nn] = strdup(e->d_name))) {
            diag_add(d, dir, "out of memory listing the plugins; free memory and try again");
            closedir(dh);
            while (nn > 0) free(names[--nn]);
            return -1;
        }
        nn++;
    }
    closedir(dh);
    qsort(names, (size_t)nn, sizeof names[0], cmp_str);
    return nn;
}

int plugin_host_load_all(plugin_host *h, diag *d)
{
    for (int i = 0; i < h->n_dirs; i++) {
        char *names[256];
        int nn = so_names(h->dirs[i], names, 256, d);
        for (int k = 0; k < nn; k++) {
            char path[4400], want[64], err[600];
            snprintf(path, sizeof path, "%s/%s", h->dirs[i], names[k]);
            snprintf(want, sizeof want, "%.*s", (int)(strlen(names[k]) - 3), names[k]);
            int dup = 0;
            for (int j = 0; j < h->n; j++) dup |= strcmp(h->l[j].desc->name, want) == 0;
            if (!dup && !plugin_host_load_file(h, path, want, err, sizeof err)) diag_add(d, "plugins", "%s", err);
            free(names[k]);
        }
    }
    return h->n;
}

int plugin_host_count(const plugin_host *h) { return h->n; }
const mf_plugin *plugin_host_at(const plugin_host *h, int i) { return h->l[i].desc; }
const char *plugin_host_file(const plugin_host *h, int i) { return h->l[i].file; }

/* ---------------------------------------------------------------------------------------------- */

void plugin_host_probe_creates(plugin_host *h, int timeout_ms) { h->probe_ms = timeout_ms; }

/* create() and destroy() in a child; 0 when they returned (ok says whether create gave an instance; its reason is
 * in e), -1 with e->msg when the child crashed or hung. */
static int probe_create(plugin_host *h, const mf_plugin *p, double fs, const double *values, mf_error *e, int *ok)
{
    int fds[2];
    if (pipe(fds) != 0) return 0; /* cannot probe: create() runs here as before */
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return 0;
    }
    if (pid == 0) {
        close(fds[0]);
        mf_error ce = {{0}};
        void *inst = p->create(plugin_host_api(h, p), fs, values, &ce);
        if (inst && p->destroy) p->destroy(inst);
        ssize_t w = write(fds[1], ce.msg, strnlen(ce.msg, sizeof ce.msg));
        (void)w;
        _exit(inst ? 0 : 1);
    }
    close(fds[1]);
    int status = 0, waited = 0, done = 0;
    while (!done) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            done = 1;
        } else if (r < 0 && errno != EINTR) {
            done = 1;
            status = 0;
        } else if (waited >= h->probe_ms) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            close(fds[0]);
            snprintf(e->msg, sizeof e->msg,
                     "plugin '%s' did not return from create() within %d ms (it hangs); fix or remove the plugin",
                     p->name, h->probe_ms);
            return -1;
        } else {
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
            waited += 5;
        }
    }
    char msg[sizeof e->msg] = {0};
    ssize_t got = read(fds[0], msg, sizeof msg - 1);
    close(fds[0]);
    if (WIFSIGNALED(status)) {
        snprintf(e->msg, sizeof e->msg, "plugin '%s' crashed in create() (%s); fix or remove the plugin", p->name,
                 strsignal(WTERMSIG(status)));
        return -1;
    }
    *ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!*ok && got > 0) snprintf(e->msg, sizeof e->msg, "%s", msg);
    return 0;
}

void *plugin_host_create(plugin_host *h, const mf_plugin *p, double fs, const double *values, mf_error *e)
{
    if (h->probe_ms > 0) {
        int ok = 1;
        if (probe_create(h, p, fs, values, e, &ok) != 0) return NULL;
        if (!ok) {
            if (!e->msg[0]) snprintf(e->msg, sizeof e->msg, "create failed (the plugin gave no reason)");
            return NULL;
        }
    }
    return p->create(plugin_host_api(h, p), fs, values, e);
}

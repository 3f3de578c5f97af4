/* failsafe.c: the last words on a fatal signal (see failsafe.h). */
#include "osc/failsafe.h"

#include <lo/lo.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osc/osc_sys.h"
#include "pipeline/pipeline.h"

#define FS_MSGS (2 * CFG_MAX_MUSCLES + 2)
#define FS_MSG_BYTES 256

static struct {
    int fd;
    const subscribers *subs;
    int n_dest;
    struct sockaddr_in dest[CFG_MAX_DEST];
    int n_msgs;
    size_t len[FS_MSGS];
    unsigned char msg[FS_MSGS][FS_MSG_BYTES];
    char muscle[CFG_MAX_MUSCLES][CFG_NAME_MAX];
    int n_muscles;
} fs = {.fd = -1};

static void encode(const char *path, lo_message m)
{
    if (!m) return;
    size_t len = lo_message_length(m, path);
    if (fs.n_msgs < FS_MSGS && len <= FS_MSG_BYTES && lo_message_serialise(m, path, fs.msg[fs.n_msgs], &len)) {
        fs.len[fs.n_msgs++] = len;
    }
    lo_message_free(m);
}

void failsafe_arm(int fd, const subscribers *subs, const config *c, const osc_addr *addr)
{
    fs.fd = -1; /* not while it changes */
    fs.n_msgs = 0;
    lo_message act = lo_message_new();
    for (int i = 0; act && i < addr->n; i++) lo_message_add_float(act, 0.0f);
    encode(addr->frame_act, act);
    for (int i = 0; i < addr->n; i++) {
        lo_message a = lo_message_new(), b = lo_message_new();
        if (a) lo_message_add_float(a, 0.0f);
        if (b) lo_message_add_int32(b, 0);
        encode(addr->m[i].act, a);
        encode(addr->m[i].active, b);
        snprintf(fs.muscle[i], sizeof fs.muscle[i], "%s", addr->names[i]);
    }
    fs.n_muscles = addr->n;
    lo_message hb = lo_message_new();
    if (hb) {
        lo_message_add_int32(hb, -1);
        lo_message_add_int32(hb, SYS_ERROR);
        lo_message_add_string(hb, "error");
    }
    encode(addr->heartbeat, hb);
    fs.n_dest = 0;
    for (int i = 0; i < c->osc.n_dest && i < CFG_MAX_DEST; i++) fs.dest[fs.n_dest++] = c->osc.dest[i].addr;
    fs.subs = subs;
    fs.fd = fd;
}

/* ------------------------------------------------------------------------------------------------ the handler */

static void put(char *buf, size_t *at, size_t cap, const char *s)
{
    while (*s && *at + 1 < cap) buf[(*at)++] = *s++;
}

static void put_int(char *buf, size_t *at, size_t cap, int v)
{
    char d[16];
    int k = 0;
    unsigned u = v < 0 ? (unsigned)-v : (unsigned)v;
    do d[k++] = (char)('0' + u % 10), u /= 10;
    while (u && k < 15);
    if (v < 0) put(buf, at, cap, "-");
    while (k > 0 && *at + 1 < cap) buf[(*at)++] = d[--k];
}

static void send_all(const struct sockaddr_in *to)
{
    for (int k = 0; k < fs.n_msgs; k++)
        sendto(fs.fd, fs.msg[k], fs.len[k], MSG_DONTWAIT, (const struct sockaddr *)to, sizeof *to);
}

static void on_fatal(int sig)
{
    const char *plugin = pipeline_now_plugin;
    int m = pipeline_now_muscle;
    int told = 0;
    if (fs.fd >= 0) {
        for (int i = 0; fs.subs && i < fs.subs->n && i < SUBS_MAX; i++, told++) send_all(&fs.subs->s[i].addr);
        for (int i = 0; i < fs.n_dest; i++, told++) send_all(&fs.dest[i]);
    }
    char line[600];
    size_t at = 0;
    put(line, &at, sizeof line, "FATAL daemon: ");
    put(line, &at, sizeof line,
        sig == SIGSEGV   ? "SIGSEGV (invalid memory access)"
        : sig == SIGBUS  ? "SIGBUS (bus error)"
        : sig == SIGILL  ? "SIGILL (illegal instruction)"
        : sig == SIGFPE  ? "SIGFPE (arithmetic error)"
        : sig == SIGABRT ? "SIGABRT (abort)"
                         : "a fatal signal");
    if (plugin) {
        put(line, &at, sizeof line, " in plugin '");
        put(line, &at, sizeof line, plugin);
        put(line, &at, sizeof line, "'");
        if (m >= 0 && m < fs.n_muscles) {
            put(line, &at, sizeof line, " (muscle '");
            put(line, &at, sizeof line, fs.muscle[m]);
            put(line, &at, sizeof line, "')");
        }
        put(line, &at, sizeof line, "; fix or remove that plugin");
    } else {
        put(line, &at, sizeof line, " outside plugin code; please report it with the log");
    }
    put(line, &at, sizeof line, ". act = 0, active = 0 and an error heartbeat went to ");
    put_int(line, &at, sizeof line, told);
    put(line, &at, sizeof line, " receiver(s); exiting so that the service manager restarts the daemon\n");
    ssize_t w = write(STDERR_FILENO, line, at);
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}

void failsafe_install(void)
{
    static char alt[64 * 1024]; /* a stack overflow still gets its last words */
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}

/* fuzz_control.c: libFuzzer target for the control dispatcher: any datagram from an allowed source goes
 * through control_handle (decode, checks, dispatch, reply) with the default configuration. */
#include <arpa/inet.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "osc/control.h"
#include "base/log.h"
#include "osc/osc_addr.h"
#include "osc/osc_out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int thr(void *ctx, int m, double on, double off, char *err, size_t n)
{
    (void)ctx, (void)m, (void)off, (void)err, (void)n;
    return on > 100 ? -1 : 0;
}
static void hello(void *ctx, const struct sockaddr_in *to) { (void)ctx, (void)to; }
static void reps(void *ctx, int m) { (void)ctx, (void)m; }
static int32_t tms(void *ctx)
{
    (void)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct event_base *base;
    static control *ctl;
    static config *cfg;
    static osc_addr addr;
    static subscribers subs;
    static osc_out out;
    static struct sockaddr_in from;
    if (!ctl) {
        log_init(-1, 0);
        diag d;
        diag_init(&d);
        cfg = config_load(NULL, NULL, 0, ".", &d);
        cfg->osc.control.sin_port = 0;
        osc_addr_build(&addr, cfg);
        base = event_base_new();
        char err[300];
        ctl = control_new(base, &cfg->osc.control, err, sizeof err);
        osc_out_init(&out, control_fd(ctl), &subs);
        control_configure(ctl, cfg, &addr, &subs, &out, (control_ops){thr, hello, hello, reps, NULL, tms}, NULL);
        from.sin_family = AF_INET;
        from.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        from.sin_port = htons(9); /* discard: replies go nowhere */
    }
    char buf[2048];
    if (size > sizeof buf - 1) size = sizeof buf - 1;
    memcpy(buf, data, size);
    buf[size] = 0;
    control_handle(ctl, buf, size, &from);
    subs.n = 0; /* keep every run independent */
    return 0;
}

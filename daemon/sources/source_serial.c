/* source_serial.c: a serial amplifier through libserialport, and the one place that knows about
 * connecting, reconnecting and losing the device.
 *
 * States: searching -> opening -> handshake -> streaming. The port is found by path (symlinks resolved)
 * or by USB VID:PID[:serial]; opened with libserialport (8N1, no flow control: XON/XOFF would eat 0x11/0x13
 * bytes of binary frames), then made close-on-exec and exclusive (TIOCEXCL), and asked for low latency
 * (ASYNC_LOW_LATENCY and an FTDI latency_timer of 1 ms where the port has them; what was granted is logged).
 * The decoder's handshake steps run next (e.g. Cyton "v", wait for "$$$", "b").
 *
 * The device is lost when: the tty hangs up (readable with read() == 0: without this check a hung-up tty
 * spins the event loop at 100 % CPU), read() fails with EIO/ENXIO/ENODEV, no valid frame arrives within
 * source.watchdog_ms, or only framing errors arrive for that long (wrong baud rate or decoder). Then: state
 * signal_lost (the daemon sends act = 0, active = 0 once), close, back off 250 ms doubling to 5 s, search
 * again. Every transition is logged once; a reconnect continues the same session. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <libserialport.h>
#include <linux/serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "host/decoder.h"
#include "base/clock.h"
#include "base/log.h"
#include "config/params.h"
#include "host/plugin_host.h"
#include "sources/port_find.h"
#include "sources/conceal.h"
#include "sources/source.h"
#define LOG_COMPONENT "serial"

#define FRAMES_CAP 512
#define BACKOFF_MIN_S 0.25
#define BACKOFF_MAX_S 5.0

enum phase { PH_SEARCHING, PH_HANDSHAKE, PH_STREAMING, PH_BACKOFF };

typedef struct serial_source {
    source base;
    struct event_base *evb;
    source_sink sink;
    char port_cfg[4096], usb[64], path[4096], desc[4400];
    int baud;
    double fs, watchdog_s;
    const mf_plugin *dp;
    void *dec;
    int nc;
    struct sp_port *sp;
    int fd;
    struct event *ev_read, *ev_timer;
    enum phase phase;
    double backoff_s;
    int announced_missing;
    /* handshake */
    const mf_handshake_step *hs;
    uint32_t n_hs, hs_i;
    char rx[1024];
    size_t rx_len;
    /* watchdog: no frame at all, or mostly framing errors, for watchdog_s */
    double last_frame_s, window_s;
    int live;        /* enough valid frames have arrived since the port opened: the state is streaming */
    uint64_t valid;  /* valid frames since the port opened, until live */
    uint64_t enough; /* how many make it live: a tenth of a second of them, at least 8 */
    uint64_t ok_at_window, bad_at_window;
    mf_decoder_stats st;
    conceal gaps; /* short runs of damaged frames bridged (conceal.h) */
    double frames[FRAMES_CAP * 64];
} serial_source;

static void arm(serial_source *s, double seconds)
{
    struct timeval tv = clock_timeval(seconds);
    event_add(s->ev_timer, &tv);
}

static void close_port(serial_source *s, int send_stop)
{
    if (s->ev_read) {
        event_free(s->ev_read);
        s->ev_read = NULL;
    }
    if (s->sp) {
        uint32_t len = 0;
        const char *stop =
            send_stop && s->dp->decoder->stop_command ? s->dp->decoder->stop_command(s->dec, &len) : NULL;
        if (stop && len && s->fd >= 0 && write(s->fd, stop, len) < 0)
            LOGD("stop command not sent: %s", strerror(errno));
        sp_close(s->sp);
        sp_free_port(s->sp);
        s->sp = NULL;
    }
    s->fd = -1;
}

/* The device is gone or broken: report once, close, back off. */
static void lost(serial_source *s, enum source_state st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void lost(serial_source *s, enum source_state st, const char *fmt, ...)
{
    char why[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    int was_streaming = s->phase == PH_STREAMING;
    close_port(s, st != SRC_NO_DEVICE && was_streaming);
    if (was_streaming || st == SRC_ERROR) LOGW("%s; reconnecting", why);
    s->sink.state(s->sink.ctx, st, why);
    s->phase = PH_BACKOFF;
    arm(s, s->backoff_s);
    s->backoff_s = s->backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : s->backoff_s * 2;
}

static void start_streaming(serial_source *s)
{
    s->phase = PH_STREAMING;
    s->backoff_s = BACKOFF_MIN_S;
    s->announced_missing = 0;
    s->last_frame_s = s->window_s = clock_mono_s();
    s->dp->decoder->stats(s->dec, &s->st);
    s->ok_at_window = s->st.frames_ok;
    s->bad_at_window = s->st.frames_bad;
    /* the port is open, but the stream is only "streaming" once valid frames come: a stalled, silent or garbled
     * device must not look alive between its reconnects */
    s->live = 0;
    s->valid = 0;
    s->enough = (uint64_t)(s->fs / 10) > 8 ? (uint64_t)(s->fs / 10) : 8;
    s->sink.state(s->sink.ctx, SRC_SIGNAL_LOST, "connected; waiting for valid frames");
    arm(s, s->watchdog_s / 4);
}

static void handshake_step(serial_source *s)
{
    while (s->hs_i < s->n_hs) {
        const mf_handshake_step *h = &s->hs[s->hs_i];
        if (h->send_len && write(s->fd, h->send, h->send_len) != (ssize_t)h->send_len) {
            lost(s, SRC_SIGNAL_LOST, "%s: cannot write to the device: %s", s->path, strerror(errno));
            return;
        }
        if (h->expect || h->timeout_ms) {
            s->rx_len = 0;
            arm(s, h->timeout_ms / 1000.0);
            return; /* on_read or the timer moves on */
        }
        s->hs_i++;
    }
    start_streaming(s);
}

static void low_latency(serial_source *s)
{
    char got[200] = "";
    struct serial_struct ss;
    if (ioctl(s->fd, TIOCGSERIAL, &ss) == 0) {
        ss.flags |= ASYNC_LOW_LATENCY;
        if (ioctl(s->fd, TIOCSSERIAL, &ss) == 0) snprintf(got, sizeof got, "ASYNC_LOW_LATENCY");
    }
    const char *tty = strrchr(s->path, '/');
    char sys[600];
    snprintf(sys, sizeof sys, "/sys/bus/usb-serial/devices/%s/latency_timer", tty ? tty + 1 : s->path);
    FILE *f = fopen(sys, "r+");
    if (f) {
        int before = -1, after = -1;
        if (fscanf(f, "%d", &before) != 1) before = -1;
        rewind(f);
        fprintf(f, "1\n");
        fclose(f);
        f = fopen(sys, "r");
        if (f) {
            if (fscanf(f, "%d", &after) != 1) after = -1;
            fclose(f);
        }
        size_t l = strlen(got);
        snprintf(got + l, sizeof got - l, "%sFTDI latency timer %d ms (was %d)", l ? ", " : "", after, before);
    }
    LOGI("%s: low latency: %s", s->path, got[0] ? got : "not offered by this port (fine for ptys and CDC-ACM)");
}

static void on_read(evutil_socket_t fd, short what, void *arg);

static void try_open(serial_source *s)
{
    char err[700];
    s->phase = PH_SEARCHING;
    if (port_find(s->port_cfg, s->usb, s->path, sizeof s->path, err, sizeof err) != 0) {
        if (!s->announced_missing) LOGW("no device: %s; waiting for it", err);
        s->announced_missing = 1;
        lost(s, SRC_NO_DEVICE, "%s", err);
        return;
    }
    if (sp_get_port_by_name(s->path, &s->sp) != SP_OK) {
        lost(s, SRC_NO_DEVICE, "%s: not a serial port libserialport can use: %s", s->path, sp_last_error_message());
        return;
    }
    if (sp_open(s->sp, SP_MODE_READ_WRITE) != SP_OK) {
        int e = errno;
        sp_free_port(s->sp);
        s->sp = NULL;
        lost(s, SRC_NO_DEVICE, "%s: cannot open: %s%s", s->path, sp_last_error_message(),
             e == EACCES  ? " (add the user to group dialout, or SupplementaryGroups=dialout in the unit)"
             : e == EBUSY ? " (another program holds the port)"
                          : "");
        return;
    }
    if (sp_set_baudrate(s->sp, s->baud) != SP_OK || sp_set_bits(s->sp, 8) != SP_OK ||
        sp_set_parity(s->sp, SP_PARITY_NONE) != SP_OK || sp_set_stopbits(s->sp, 1) != SP_OK ||
        sp_set_flowcontrol(s->sp, SP_FLOWCONTROL_NONE) != SP_OK) {
        lost(s, SRC_ERROR, "%s: cannot set %d baud 8N1 without flow control: %s", s->path, s->baud,
             sp_last_error_message());
        return;
    }
    sp_get_port_handle(s->sp, &s->fd);
    fcntl(s->fd, F_SETFD, FD_CLOEXEC);
    fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
    if (ioctl(s->fd, TIOCEXCL) != 0) LOGW("%s: exclusive access refused: %s", s->path, strerror(errno));
    low_latency(s);
    tcflush(s->fd, TCIOFLUSH);
    if (s->dp->decoder->resync) s->dp->decoder->resync(s->dec);
    conceal_reset(&s->gaps);
    s->ev_read = event_new(s->evb, s->fd, EV_READ | EV_PERSIST, on_read, s);
    if (!s->ev_read || event_add(s->ev_read, NULL) != 0) {
        lost(s, SRC_ERROR, "%s: cannot watch the port (libevent); out of memory", s->path);
        return;
    }
    LOGI("opened %s at %d baud", s->path, s->baud);
    s->hs = s->dp->decoder->handshake ? s->dp->decoder->handshake(s->dec, &s->n_hs) : NULL;
    if (!s->hs) s->n_hs = 0;
    s->hs_i = 0;
    s->phase = PH_HANDSHAKE;
    handshake_step(s);
}

static void handshake_bytes(serial_source *s, const char *b, size_t n)
{
    const mf_handshake_step *h = &s->hs[s->hs_i];
    if (!h->expect) return; /* a pause: bytes are ignored */
    for (size_t i = 0; i < n; i++) {
        if (s->rx_len == sizeof s->rx - 1) { /* keep the tail */
            memmove(s->rx, s->rx + 512, s->rx_len - 512);
            s->rx_len -= 512;
        }
        s->rx[s->rx_len++] = b[i];
    }
    s->rx[s->rx_len] = 0;
    if (memmem(s->rx, s->rx_len, h->expect, strlen(h->expect))) {
        event_del(s->ev_timer);
        s->hs_i++;
        handshake_step(s);
    }
}

static void stream_bytes(serial_source *s, const uint8_t *b, size_t n)
{
    size_t used = 0;
    while (used < n) {
        uint32_t nf = 0;
        size_t c = s->dp->decoder->decode(s->dec, b + used, n - used, s->frames, FRAMES_CAP, &nf);
        used += c;
        if (nf) {
            s->last_frame_s = clock_mono_s();
            if (!s->live)
                for (uint32_t k = 0; k < nf; k++) s->valid += !isnan(s->frames[(size_t)k * (size_t)s->nc]);
            conceal_frames(&s->gaps, s->frames, nf);
            if (!s->live && s->valid >= s->enough) {
                s->live = 1;
                LOGI("streaming from %s", s->path);
                s->sink.state(s->sink.ctx, SRC_STREAMING, s->path);
            }
            s->sink.frames(s->sink.ctx, s->frames, nf);
        }
        if (c == 0 && nf == 0) break; /* a decoder that makes no progress must not hang us */
    }
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    serial_source *s = arg;
    uint8_t buf[4096];
    for (int k = 0; k < 16 && s->fd >= 0; k++) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r == 0) {
            lost(s, SRC_SIGNAL_LOST, "%s hung up (unplugged?)", s->path);
            return;
        }
        if (r < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            lost(s, SRC_SIGNAL_LOST, "%s: read failed: %s (unplugged?)", s->path, strerror(errno));
            return;
        }
        if (s->phase == PH_HANDSHAKE)
            handshake_bytes(s, (const char *)buf, (size_t)r);
        else if (s->phase == PH_STREAMING)
            stream_bytes(s, buf, (size_t)r);
        if (r < (ssize_t)sizeof buf) return;
    }
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    serial_source *s = arg;
    switch (s->phase) {
    case PH_BACKOFF:
    case PH_SEARCHING: try_open(s); return;
    case PH_HANDSHAKE: {
        const mf_handshake_step *h = &s->hs[s->hs_i];
        if (h->expect) {
            lost(s, SRC_SIGNAL_LOST,
                 "%s: no \"%s\" from the device within %u ms after sending its start command; "
                 "is it a %s amplifier, switched on, at %d baud?",
                 s->path, h->expect, h->timeout_ms, s->dp->name, s->baud);
            return;
        }
        s->hs_i++;
        handshake_step(s);
        return;
    }
    case PH_STREAMING: {
        double t = clock_mono_s();
        s->dp->decoder->stats(s->dec, &s->st);
        uint64_t ok = s->st.frames_ok - s->ok_at_window, bad = s->st.frames_bad - s->bad_at_window;
        int framing = bad > 4 * ok && bad >= 8; /* mostly errors in this window */
        if (framing && (t - s->window_s >= s->watchdog_s || t - s->last_frame_s > s->watchdog_s)) {
            lost(s, SRC_SIGNAL_LOST,
                 "%s: only framing errors for %.1f s (%llu bad, %llu good frames): wrong "
                 "baud rate (%d) or decoder (%s)?",
                 s->path, t - s->window_s, (unsigned long long)bad, (unsigned long long)ok, s->baud, s->dp->name);
            return;
        }
        if (t - s->last_frame_s > s->watchdog_s) {
            lost(s, SRC_SIGNAL_LOST, "%s: no data for %.1f s (watchdog %.1f s): the amplifier stalled", s->path,
                 t - s->last_frame_s, s->watchdog_s);
            return;
        }
        if (t - s->window_s >= s->watchdog_s) {
            s->window_s = t;
            s->ok_at_window = s->st.frames_ok;
            s->bad_at_window = s->st.frames_bad;
        }
        arm(s, s->watchdog_s / 4);
        return;
    }
    }
}

static int ser_channels(const source *b) { return ((const serial_source *)b)->nc; }
static double ser_rate(const source *b) { return ((const serial_source *)b)->fs; }

static const char *ser_describe(const source *b)
{
    serial_source *s = (serial_source *)b;
    s->dp->decoder->stats(s->dec, &s->st);
    snprintf(s->desc, sizeof s->desc,
             "%s on %s at %d baud, %d channels at %g Hz; frames ok %llu, bad %llu, resyncs %llu, lost %llu",
             s->dp->name, s->path[0] ? s->path : (s->port_cfg[0] ? s->port_cfg : s->usb), s->baud, s->nc, s->fs,
             (unsigned long long)s->st.frames_ok, (unsigned long long)s->st.frames_bad,
             (unsigned long long)s->st.resyncs, (unsigned long long)s->st.samples_lost);
    return s->desc;
}

static void ser_free(source *b)
{
    serial_source *s = (serial_source *)b;
    close_port(s, 1);
    if (s->ev_timer) event_free(s->ev_timer);
    if (s->dec) s->dp->destroy(s->dec);
    free(s);
}

static const struct source_ops ops = {ser_channels, ser_rate, ser_describe, ser_free};

source *source_serial_new(struct event_base *base, const config *c, plugin_host *h, source_sink sink, char *err,
                          size_t n)
{
    serial_source *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    s->base.ops = &ops;
    s->evb = base;
    s->sink = sink;
    s->fd = -1;
    s->baud = c->source.baud;
    s->fs = c->source.sample_rate;
    s->watchdog_s = c->source.watchdog_ms / 1000.0;
    s->backoff_s = BACKOFF_MIN_S;
    snprintf(s->port_cfg, sizeof s->port_cfg, "%s", c->source.port);
    snprintf(s->usb, sizeof s->usb, "%s", c->source.usb);
    s->dec = decoder_create(c, h, &s->dp, err, n);
    if (!s->dec) {
        free(s);
        return NULL;
    }
    s->nc = (int)s->dp->decoder->channels(s->dec);
    conceal_init(&s->gaps, s->nc, s->fs / 50 > 2 ? (uint32_t)(s->fs / 50) : 2); /* 20 ms */
    s->ev_timer = event_new(base, -1, 0, on_timer, s);
    if (!s->ev_timer) {
        snprintf(err, n, "out of memory creating the serial source's timer");
        ser_free(&s->base);
        return NULL;
    }
    arm(s, 0); /* search at once, from the loop */
    return &s->base;
}

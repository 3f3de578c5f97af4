/* myofeed-fakeamp: a fake amplifier on a pseudo-terminal, for tests and demos. It speaks the wire format of
 * an OpenBCI Cyton (8 or 16 ch), an OpenEEG P2 (Olimex), a BITalino or an ASCII sketch at the device's rate,
 * answers their start commands, and can misbehave on purpose.
 *
 *   myofeed-fakeamp --format cyton|cyton-daisy|p2|bitalino|ascii [--channels N] [--rate HZ] [--link PATH]
 *                   [--file REC --columns 2,4 [--scale S]] [--seconds S] [--seed N] [--garbage BYTES]
 *                   [--corrupt FRACTION] [--drop FRACTION] [--stall-at S --stall-for S]
 *                   [--unplug-at S --replug-after S] [--no-handshake] [--noise-only]
 *
 * It prints "pty PATH" when the device is "plugged in" (again after each replug; --link keeps a symlink to
 * the current pty, like /dev/serial/by-id), "unplugged" when it closes the pty, and "stalled"/"resumed".
 * The patient (synthetic, or a recording) starts with the stream. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "sources/reader.h"
#include "sources/synth_patient.h"
#include "wire.h"

typedef struct amp {
    enum wire_format fmt;
    int nc, handshake, noise_only;
    double rate;
    const char *link;
    int master, slave;
    char name[128];
    int streaming;
    uint32_t counter;
    uint64_t frames_sent;
    double stream_t0;
    synth_patient *sp;
    reader *rec;
    uint64_t rng;
} amp;

static volatile sig_atomic_t quit;
static void on_sig(int s) { (void)s, quit = 1; }

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double unif(amp *a)
{
    a->rng = a->rng * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(a->rng >> 11) / 9007199254740992.0;
}

static int plug(amp *a)
{
    a->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (a->master < 0 || grantpt(a->master) || unlockpt(a->master)) return -1;
    snprintf(a->name, sizeof a->name, "%s", ptsname(a->master));
    a->slave = open(a->name, O_RDWR | O_NOCTTY | O_CLOEXEC); /* held so the master never sees a hang-up */
    struct termios t;
    if (a->slave >= 0 && tcgetattr(a->slave, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(a->slave, TCSANOW, &t);
    }
    if (a->link) {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.new", a->link);
        unlink(tmp);
        if (symlink(a->name, tmp) != 0 || rename(tmp, a->link) != 0) perror("fakeamp: link");
    }
    a->streaming = !a->handshake;
    a->stream_t0 = now();
    a->frames_sent = 0;
    printf("pty %s\n", a->name);
    fflush(stdout);
    return 0;
}

static void unplug(amp *a)
{
    if (a->link) unlink(a->link);
    close(a->master);
    if (a->slave >= 0) close(a->slave);
    a->master = a->slave = -1;
    printf("unplugged\n");
    fflush(stdout);
}

static void put(amp *a, const void *b, size_t n)
{
    if (write(a->master, b, n) < 0 && errno != EAGAIN) perror("fakeamp: write");
}

/* Commands from the host, as the real devices answer them. */
static void commands(amp *a)
{
    uint8_t buf[256];
    ssize_t r;
    while ((r = read(a->master, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < r; i++) {
            uint8_t c = buf[i];
            if (a->fmt == WIRE_CYTON || a->fmt == WIRE_CYTON_DAISY) {
                if (c == 'v') {
                    a->streaming = 0;
                    const char *banner = "OpenBCI V3 8-16 channel\nADS1299 Device ID: 0x3E\nLIS3DH Device ID: 0x33\n"
                                         "Firmware: v3.1.1\n$$$";
                    put(a, banner, strlen(banner));
                } else if (c == 'b') {
                    a->streaming = 1;
                    a->stream_t0 = now();
                    a->frames_sent = 0;
                } else if (c == 's') {
                    a->streaming = 0;
                }
            } else if (a->fmt == WIRE_BITALINO) {
                if (c == 0x07) {
                    a->streaming = 0;
                    put(a, "BITalino_v5.1\n", 14);
                } else if (c == 0x00) {
                    a->streaming = 0;
                } else if ((c & 0x03) == 0x01) {
                    a->streaming = 1;
                    a->stream_t0 = now();
                    a->frames_sent = 0;
                }
            }
        }
    }
}

static void next_values(amp *a, double *v)
{
    if (a->rec) {
        if (reader_read(a->rec, v, 1) == 1) return;
        memset(v, 0, sizeof(double) * (size_t)a->nc); /* the recording ended: rest */
        return;
    }
    synth_generate(a->sp, v, 1);
}

int main(int argc, char **argv)
{
    amp a = {0};
    a.nc = 0;
    a.handshake = 1;
    a.slave = -1;
    a.rng = 1;
    const char *file = NULL, *columns = "1";
    double scale = 1.0, seconds = 0, corrupt = 0, drop = 0, stall_at = -1, stall_for = 0, unplug_at = -1,
           replug_after = 1, rate = 0;
    long garbage = 0;
    const char *fmt = "cyton";
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(o, name) && v && ++i)
        if (OPT("--format"))
            fmt = v;
        else if (OPT("--channels"))
            a.nc = atoi(v);
        else if (OPT("--rate"))
            rate = atof(v);
        else if (OPT("--link"))
            a.link = v;
        else if (OPT("--file"))
            file = v;
        else if (OPT("--columns"))
            columns = v;
        else if (OPT("--scale"))
            scale = atof(v);
        else if (OPT("--seconds"))
            seconds = atof(v);
        else if (OPT("--seed"))
            a.rng = strtoull(v, NULL, 10) + 1;
        else if (OPT("--garbage"))
            garbage = atol(v);
        else if (OPT("--corrupt"))
            corrupt = atof(v);
        else if (OPT("--drop"))
            drop = atof(v);
        else if (OPT("--stall-at"))
            stall_at = atof(v);
        else if (OPT("--stall-for"))
            stall_for = atof(v);
        else if (OPT("--unplug-at"))
            unplug_at = atof(v);
        else if (OPT("--replug-after"))
            replug_after = atof(v);
        else if (!strcmp(o, "--no-handshake"))
            a.handshake = 0;
        else if (!strcmp(o, "--noise-only"))
            a.noise_only = 1;
        else {
            fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
            return 1;
        }
    }
    if (wire_parse_format(fmt, &a.fmt) != 0) {
        fprintf(stderr, "fakeamp: unknown format %s (cyton, cyton-daisy, p2, bitalino, ascii)\n", fmt);
        return 1;
    }
    static const int default_nc[] = {8, 16, 6, 1, 1};
    static const double default_rate[] = {250, 125, 256, 1000, 500};
    if (!a.nc) a.nc = default_nc[a.fmt];
    a.rate = rate > 0 ? rate : default_rate[a.fmt];
    if (a.fmt == WIRE_P2 || a.fmt == WIRE_ASCII) a.handshake = 0; /* they stream on their own */
    if (file) {
        cfg_column cols[16];
        int n = 0;
        char *dup = strdup(columns);
        for (char *t = strtok(dup, ","); t && n < 16; t = strtok(NULL, ",")) cols[n++] = (cfg_column){atoi(t), ""};
        free(dup);
        char err[600];
        a.rec = reader_open(file, cols, n, scale, a.rate, err, sizeof err);
        if (!a.rec) {
            fprintf(stderr, "fakeamp: %s\n", err);
            return 1;
        }
        if (n != a.nc) {
            fprintf(stderr, "fakeamp: %d columns for %d channels\n", n, a.nc);
            return 1;
        }
    } else {
        a.sp = synth_new(a.nc, a.rate, 1, 50);
    }
    signal(SIGINT, on_sig);
    signal(SIGTERM, on_sig);
    signal(SIGPIPE, SIG_IGN);
    if (plug(&a) != 0) {
        perror("fakeamp: pty");
        return 2;
    }
    double t0 = now(), unplugged_at = -1;
    int stalled = 0, garbage_done = 0;
    uint8_t pkt[256];
    double v[16];
    while (!quit && (seconds <= 0 || now() - t0 < seconds)) {
        double t = now() - t0;
        if (a.master < 0) { /* unplugged: wait, then a new pty */
            if (t - unplugged_at >= replug_after) {
                plug(&a);
                unplug_at = -1;
            }
            usleep(2000);
            continue;
        }
        if (unplug_at >= 0 && t >= unplug_at) {
            unplug(&a);
            unplugged_at = t;
            continue;
        }
        commands(&a);
        int stall_now = stall_at >= 0 && t >= stall_at && t < stall_at + stall_for;
        if (stall_now != stalled) {
            printf(stall_now ? "stalled\n" : "resumed\n");
            fflush(stdout);
            stalled = stall_now;
            if (!stall_now) { /* a stalled device does not catch up */
                a.stream_t0 = now() - (double)a.frames_sent / a.rate;
            }
        }
        if (a.streaming && !stalled) {
            if (!garbage_done && garbage > 0) {
                for (long k = 0; k < garbage; k++) {
                    uint8_t g = (uint8_t)(unif(&a) * 256);
                    put(&a, &g, 1);
                }
                garbage_done = 1;
            }
            uint64_t due = (uint64_t)((now() - a.stream_t0) * a.rate);
            while (a.frames_sent < due) {
                size_t n;
                if (a.noise_only) {
                    n = 33;
                    for (size_t k = 0; k < n; k++) pkt[k] = (uint8_t)(unif(&a) * 256);
                } else {
                    next_values(&a, v);
                    n = wire_encode(a.fmt, a.nc, v, a.counter++, pkt);
                }
                uint8_t out[256];
                size_t m = 0;
                for (size_t k = 0; k < n; k++) {
                    if (drop > 0 && unif(&a) < drop) continue;
                    uint8_t b = pkt[k];
                    if (corrupt > 0 && unif(&a) < corrupt) b ^= (uint8_t)(1 + unif(&a) * 254);
                    out[m++] = b;
                }
                put(&a, out, m);
                a.frames_sent++;
            }
        }
        usleep(1000);
    }
    if (a.master >= 0) unplug(&a);
    synth_free(a.sp);
    reader_close(a.rec);
    return 0;
}

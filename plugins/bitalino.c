/* bitalino: BITalino (classic and (r)evolution) frames: 1-6 analog channels bit-packed in 3-8 bytes, the
 * last byte carrying a 4-bit sequence number and a CRC-4 (x^4 + x + 1) of the frame. 115200 baud.
 * uV = (code / 2^bits - 0.5) x vcc / gain x 1e6 (EMG sensor: vcc 3.3 V, gain 1009; 10-bit slots 1-4,
 * 6-bit slots 5-6). A 4-bit CRC passes 1 random window in 16, so after any error the decoder locks again
 * only on 3 consecutive valid frames with consecutive sequence numbers (held back, then all emitted). While
 * locked, a frame that fails its CRC is a damaged frame in its place (corruption does not move the frame
 * boundary): the next sequence number counts it. Only 4 failures in a row mean the boundary moved (bytes
 * were dropped): then the decoder slides a byte at a time to lock again. A damaged frame that passes the CRC
 * (1 in 16) is caught by the sequence and value checks (mfdsp/frame_check.h). Sequence gaps (up to 15) become
 * NaN frames.
 * Start: stop (0x00), version (0x07, wait for the end of its line), sample rate, start with the mask of
 * channels A1..An. Stop: 0x00. */
#include <myofeed/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfdsp/decode.h"
#include "mfdsp/frame_check.h"

#define LOCK_FRAMES 3
#define MAX_BAD_RUN 4
#define MAX_FILL 15

static const char *const rates[] = {"1", "10", "100", "1000", NULL};

enum { P_CHANNELS, P_RATE, P_VCC, P_GAIN, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"channels", MF_PARAM_INT, 1, 1, 6, "", "analog inputs A1..An acquired", 0, NULL},
    {"rate", MF_PARAM_CHOICE, 3, 0, 0, "Hz", "sampling rate asked of the device (set source.sample_rate to match)", 0,
     rates},
    {"vcc", MF_PARAM_FLOAT, 3.3, 1, 5.5, "V", "sensor supply voltage", 0, NULL},
    {"gain", MF_PARAM_FLOAT, 1009, 1, 1e6, "", "sensor gain (EMG sensor: 1009)", 0, NULL},
};

static const uint8_t crc_table[16] = {0, 3, 6, 5, 12, 15, 10, 9, 11, 8, 13, 14, 7, 4, 1, 2};

typedef struct bit {
    uint32_t nc, flen;
    double vcc_gain;
    uint8_t buf[8];
    uint32_t len;
    int locked;
    uint32_t bad_run; /* CRC failures in a row while locked */
    uint8_t held[LOCK_FRAMES][8];
    uint32_t n_held;
    mf_decoder_stats st;
    frame_check fc;
    char cmd_rate, cmd_start;
    mf_handshake_step hs[4];
} bit;

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host, (void)fs;
    bit *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    b->nc = (uint32_t)p[P_CHANNELS];
    b->flen = b->nc + 2 + (b->nc >= 3 && b->nc <= 5 ? 1 : 0);
    if (b->nc == 6) b->flen = 8;
    b->vcc_gain = p[P_VCC] / p[P_GAIN] * 1e6;
    fc_init(&b->fc, b->nc, 4 * b->vcc_gain / 1024.0, 16, MAX_FILL, &b->st);               /* floor: 4 codes */
    for (uint32_t c = 4; c < b->nc; c++) fc_set_floor(&b->fc, c, 4 * b->vcc_gain / 64.0); /* 6-bit slots */
    b->cmd_rate = (char)(((int)p[P_RATE] << 6) | 0x03);
    b->cmd_start = (char)((((1 << b->nc) - 1) << 2) | 0x01);
    b->hs[0] = (mf_handshake_step){"\0", 1, NULL, 150};
    b->hs[1] = (mf_handshake_step){"\x07", 1, "\n", 1500};
    b->hs[2] = (mf_handshake_step){&b->cmd_rate, 1, NULL, 150};
    b->hs[3] = (mf_handshake_step){&b->cmd_start, 1, NULL, 0};
    return b;
}

static void destroy(void *self) { free(self); }
static uint32_t channels(void *self) { return ((bit *)self)->nc; }

static void resync(void *self)
{
    bit *b = self;
    b->len = 0;
    b->locked = 0;
    b->bad_run = 0;
    b->n_held = 0;
    fc_reset(&b->fc);
}

static int crc_ok(const uint8_t *f, uint32_t n)
{
    uint8_t crc = 0;
    for (uint32_t i = 0; i < n - 1; i++) {
        crc = crc_table[crc] ^ (f[i] >> 4);
        crc = crc_table[crc] ^ (f[i] & 0x0F);
    }
    crc = crc_table[crc] ^ (f[n - 1] >> 4);
    crc = crc_table[crc];
    return crc == (f[n - 1] & 0x0F);
}

static void convert(const bit *b, const uint8_t *f, double *out)
{
    const uint32_t N = b->flen;
    int v[6];
    v[0] = ((f[N - 2] & 0x0F) << 6) | (f[N - 3] >> 2);
    if (b->nc > 1) v[1] = ((f[N - 3] & 0x03) << 8) | f[N - 4];
    if (b->nc > 2) v[2] = (f[N - 5] << 2) | (f[N - 6] >> 6);
    if (b->nc > 3) v[3] = ((f[N - 6] & 0x3F) << 4) | (f[N - 7] >> 4);
    if (b->nc > 4) v[4] = ((f[N - 7] & 0x0F) << 2) | (f[N - 8] >> 6);
    if (b->nc > 5) v[5] = f[N - 8] & 0x3F;
    for (uint32_t c = 0; c < b->nc; c++) {
        double full = c < 4 ? 1024.0 : 64.0;
        out[c] = (v[c] / full - 0.5) * b->vcc_gain;
    }
}

static void emit(bit *b, dec_out *o, const uint8_t *f)
{
    b->st.frames_ok++;
    double v[6];
    convert(b, f, v);
    fc_frame(&b->fc, o, f[b->flen - 1] >> 4, v);
}

static size_t decode(void *self, const uint8_t *in, size_t n, mf_sample *frames, uint32_t cap, uint32_t *n_frames)
{
    bit *b = self;
    dec_out o = {frames, cap, 0, b->nc};
    size_t i = 0;
    for (; i < n; i++) {
        if (o.n + FC_ROOM(MAX_FILL) + 2 * LOCK_FRAMES > o.cap) break; /* a lock releases 3 frames in sequence */
        b->st.bytes++;
        b->buf[b->len++] = in[i];
        if (b->len < b->flen) continue;
        if (!crc_ok(b->buf, b->flen)) {
            b->st.frames_bad++;
            if (b->locked && ++b->bad_run < MAX_BAD_RUN) { /* damaged in place */
                b->len = 0;
                continue;
            }
            if (b->locked) b->st.resyncs++;
            b->locked = 0;
            b->bad_run = 0;
            b->n_held = 0;
            memmove(b->buf, b->buf + 1, --b->len);
            continue;
        }
        if (b->locked) {
            b->bad_run = 0;
            emit(b, &o, b->buf);
        } else {
            /* acquiring: hold frames until LOCK_FRAMES consecutive ones agree */
            uint8_t seq = b->buf[b->flen - 1] >> 4;
            if (b->n_held && (((b->held[b->n_held - 1][b->flen - 1] >> 4) + 1) & 0x0F) != seq) {
                /* valid CRC, wrong sequence: a misaligned window (with flat signals some misalignments pass
                   the CRC every time), so slide instead of consuming it */
                b->n_held = 0;
                b->st.frames_bad++;
                memmove(b->buf, b->buf + 1, --b->len);
                continue;
            }
            memcpy(b->held[b->n_held++], b->buf, b->flen);
            if (b->n_held == LOCK_FRAMES) {
                b->locked = 1; /* the sequence numbers say how many frames the loss of lock took (mod 16) */
                for (uint32_t k = 0; k < LOCK_FRAMES; k++) emit(b, &o, b->held[k]);
                b->n_held = 0;
            }
        }
        b->len = 0;
    }
    *n_frames = o.n;
    return i;
}

static void stats(void *self, mf_decoder_stats *out) { *out = ((bit *)self)->st; }

static const mf_handshake_step *handshake(void *self, uint32_t *n)
{
    *n = 4;
    return ((bit *)self)->hs;
}

static const char *stop_command(void *self, uint32_t *len)
{
    (void)self;
    *len = 1;
    return "\0";
}

static const mf_decoder_ops ops = {.channels = channels,
                                   .decode = decode,
                                   .stats = stats,
                                   .handshake = handshake,
                                   .stop_command = stop_command,
                                   .resync = resync};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_DECODER,
    .name = "bitalino",
    .version = "1.0.0",
    .summary = "BITalino frames (1-6 analog channels, CRC-4, 1/10/100/1000 Hz), 115200 baud",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = resync,
    .decoder = &ops,
};

/* openbci-cyton: OpenBCI Cyton (ADS1299) binary packets, 8 channels, or 16 with the Daisy board.
 * Packet: 0xA0, sample number, 8 x 24-bit signed big-endian channels, 6 aux bytes, footer 0xC0-0xCF
 * (33 bytes, 115200 baud, 250 Hz through the dongle). uV = counts x 4.5 V / gain / (2^23 - 1).
 * Resync: a frame needs the header and a footer 32 bytes later; anything else slides one byte. The packet has
 * no checksum, so the sample number and the values are checked too (mfdsp/frame_check.h): a damaged sample
 * number or a value out and back in one sample (a damaged high byte moves it by 1.5 mV or more at gain 24)
 * makes the frame a counted NaN frame. Sample number gaps of up to 20 become NaN frames; larger jumps are
 * counted as resyncs. Daisy: an odd sample number carries channels 1-8, the next even one 9-16; the pair is one
 * 16-channel frame (numbered by the pair). Start: "s", "v", wait for "$$$", then "b". Stop: "s". */
#include <myofeed/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfdsp/decode.h"
#include "mfdsp/frame_check.h"

#define PKT 33
#define MAX_FILL 20

enum { P_GAIN, P_DAISY, P_HEADER_41, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"gain", MF_PARAM_INT, 24, 1, 24, "", "ADS1299 PGA gain set on the board: 1, 2, 4, 6, 8, 12 or 24", 0, NULL},
    {"daisy", MF_PARAM_BOOL, 0, 0, 1, "", "Cyton + Daisy: 16 channels (each at half the packet rate)", 0, NULL},
    {"accept_0x41", MF_PARAM_BOOL, 1, 0, 1, "", "also accept header 0x41 (a UART wired straight to the board)", 0,
     NULL},
};

typedef struct cyton {
    double scale;
    int daisy, h41;
    uint8_t buf[PKT];
    uint32_t len;
    int synced;
    double odd[8];
    int have_odd;
    uint8_t odd_n;
    mf_decoder_stats st;
    frame_check fc;
    mf_handshake_step hs[4];
} cyton;

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host, (void)fs;
    int g = (int)p[P_GAIN];
    if (g != 1 && g != 2 && g != 4 && g != 6 && g != 8 && g != 12 && g != 24) {
        snprintf(err->msg, sizeof err->msg, "gain %d is not an ADS1299 gain; use 1, 2, 4, 6, 8, 12 or 24", g);
        return NULL;
    }
    cyton *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    c->scale = 4.5 / g / 8388607.0 * 1e6;
    c->daisy = p[P_DAISY] != 0;
    c->h41 = p[P_HEADER_41] != 0;
    /* 8 codes; a pair of packets is one frame, so Daisy frames are counted modulo 128 */
    fc_init(&c->fc, c->daisy ? 16 : 8, 8 * c->scale, c->daisy ? 128 : 256, MAX_FILL, &c->st);
    c->hs[0] = (mf_handshake_step){"s", 1, NULL, 100};
    c->hs[1] = (mf_handshake_step){"v", 1, "$$$", 3000};
    c->hs[2] = (mf_handshake_step){c->daisy ? "C" : "c", 1, NULL, 100};
    c->hs[3] = (mf_handshake_step){"b", 1, NULL, 0};
    return c;
}

static void destroy(void *self) { free(self); }

static void resync(void *self)
{
    cyton *c = self;
    c->len = 0;
    c->have_odd = c->synced = 0;
    fc_reset(&c->fc);
}

static uint32_t channels(void *self) { return ((cyton *)self)->daisy ? 16 : 8; }

static int is_header(const cyton *c, uint8_t b) { return b == 0xA0 || (c->h41 && b == 0x41); }

static void convert(const cyton *c, const uint8_t *p, double *out)
{
    for (int k = 0; k < 8; k++) {
        int32_t v = (int32_t)((uint32_t)p[2 + 3 * k] << 16 | (uint32_t)p[3 + 3 * k] << 8 | p[4 + 3 * k]);
        if (v & 0x800000) v -= 0x1000000;
        out[k] = v * c->scale;
    }
}

/* A whole packet is in c->buf: its frame to the checks (a Daisy frame once both halves are in). */
static void packet(cyton *c, dec_out *o)
{
    uint8_t n = c->buf[1];
    c->st.frames_ok++;
    double f[16];
    if (!c->daisy) {
        convert(c, c->buf, f);
        fc_frame(&c->fc, o, n, f);
        return;
    }
    if (n & 1) {
        convert(c, c->buf, c->odd);
        c->have_odd = 1;
        c->odd_n = n;
        return;
    }
    int pair = c->have_odd && n == (uint8_t)(c->odd_n + 1);
    c->have_odd = 0;
    if (!pair) return; /* half a frame: the other half was lost, which the frame counter will tell */
    memcpy(f, c->odd, sizeof c->odd);
    convert(c, c->buf, f + 8);
    fc_frame(&c->fc, o, (uint32_t)(c->odd_n >> 1), f);
}

static size_t decode(void *self, const uint8_t *in, size_t n, mf_sample *frames, uint32_t cap, uint32_t *n_frames)
{
    cyton *c = self;
    dec_out o = {frames, cap, 0, channels(c)};
    size_t i = 0;
    for (; i < n; i++) {
        if (o.n + FC_ROOM(MAX_FILL) > o.cap) break; /* room for what one packet may release */
        c->st.bytes++;
        c->buf[c->len++] = in[i];
        while (c->len) {
            if (!is_header(c, c->buf[0])) {
                if (c->synced) c->st.resyncs++;
                c->synced = 0;
                memmove(c->buf, c->buf + 1, --c->len);
                continue;
            }
            if (c->len < PKT) break;
            if ((c->buf[PKT - 1] & 0xF0) != 0xC0) { /* no footer: not a packet start */
                c->st.frames_bad++;
                if (c->synced) c->st.resyncs++;
                c->synced = 0;
                memmove(c->buf, c->buf + 1, --c->len);
                continue;
            }
            c->synced = 1;
            packet(c, &o);
            c->len = 0;
        }
    }
    *n_frames = o.n;
    return i;
}

static void stats(void *self, mf_decoder_stats *out) { *out = ((cyton *)self)->st; }

static const mf_handshake_step *handshake(void *self, uint32_t *n)
{
    *n = 4;
    return ((cyton *)self)->hs;
}

static const char *stop_command(void *self, uint32_t *len)
{
    (void)self;
    *len = 1;
    return "s";
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
    .name = "openbci-cyton",
    .version = "1.0.0",
    .summary = "OpenBCI Cyton (8 ch) and Cyton + Daisy (16 ch) binary packets, 115200 baud",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = resync,
    .decoder = &ops,
};

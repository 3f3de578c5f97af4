/* openeeg-p2: OpenEEG ModularEEG packet format 2, as sent by the Olimex SHIELD-EKG-EMG demo firmware.
 * Packet (17 bytes, 57600 baud): 0xA5 0x5A 0x02, counter, 6 x 10-bit samples big-endian, switches.
 * uV = (code - 512) x vref / 1024 / gain x 1e6 (the offset is removed later by the band-pass anyway).
 * Rates: 256 Hz nominal, 250 Hz from the Olimex Arduino demo: set source.sample_rate to match.
 * Resync: sync bytes, version and every high byte <= 3 (10-bit data) and switches <= 0x0F; anything else
 * slides one byte. The counter and the values are checked too (mfdsp/frame_check.h): a damaged counter or a value
 * out and back in one sample makes the frame a counted NaN frame. Counter gaps of up to 20 become NaN frames.
 * The device streams on its own. */
#include <myofeed/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfdsp/decode.h"
#include "mfdsp/frame_check.h"

#define PKT 17
#define MAX_FILL 20

enum { P_CHANNELS, P_VREF, P_GAIN, N_PARAMS };

static const mf_param_info params[N_PARAMS] = {
    {"channels", MF_PARAM_INT, 6, 1, 6, "", "how many of the 6 packet channels to use", 0, NULL},
    {"vref", MF_PARAM_FLOAT, 5.0, 1.0, 5.5, "V", "ADC reference voltage of the Arduino (5 V Uno, 3.3 V boards)", 0,
     NULL},
    {"gain", MF_PARAM_FLOAT, 2848, 1, 1e6, "", "total analog gain (SHIELD-EKG-EMG: 10 x trimmer ~80 x 3.56)", 0, NULL},
};

typedef struct p2 {
    uint32_t nc;
    double scale;
    uint8_t buf[PKT];
    uint32_t len;
    int synced;
    mf_decoder_stats st;
    frame_check fc;
} p2;

static void *create(const mf_host *host, double fs, const double *p, mf_error *err)
{
    (void)host, (void)fs;
    p2 *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    d->nc = (uint32_t)p[P_CHANNELS];
    d->scale = p[P_VREF] / 1024.0 / p[P_GAIN] * 1e6;
    fc_init(&d->fc, d->nc, 4 * d->scale, 256, MAX_FILL, &d->st); /* floor: 4 codes */
    return d;
}

static void destroy(void *self) { free(self); }
static uint32_t channels(void *self) { return ((p2 *)self)->nc; }

static void resync(void *self)
{
    p2 *d = self;
    d->len = 0;
    d->synced = 0;
    fc_reset(&d->fc);
}

/* Can buf[0..len) still be the start of a packet? */
static int plausible(const uint8_t *b, uint32_t len)
{
    if (len > 0 && b[0] != 0xA5) return 0;
    if (len > 1 && b[1] != 0x5A) return 0;
    if (len > 2 && b[2] != 0x02) return 0;
    for (uint32_t k = 4; k < len && k < 16; k += 2)
        if (b[k] > 3) return 0;
    if (len > 16 && b[16] > 0x0F) return 0;
    return 1;
}

static size_t decode(void *self, const uint8_t *in, size_t n, mf_sample *frames, uint32_t cap, uint32_t *n_frames)
{
    p2 *d = self;
    dec_out o = {frames, cap, 0, d->nc};
    size_t i = 0;
    for (; i < n; i++) {
        if (o.n + FC_ROOM(MAX_FILL) > o.cap) break;
        d->st.bytes++;
        d->buf[d->len++] = in[i];
        while (d->len && !plausible(d->buf, d->len)) {
            if (d->len >= 4) d->st.frames_bad++;
            if (d->synced) d->st.resyncs++;
            d->synced = 0;
            memmove(d->buf, d->buf + 1, --d->len);
        }
        if (d->len < PKT) continue;
        d->synced = 1;
        d->st.frames_ok++;
        double f[6];
        for (uint32_t c = 0; c < d->nc; c++) {
            int code = d->buf[4 + 2 * c] << 8 | d->buf[5 + 2 * c];
            f[c] = (code - 512) * d->scale;
        }
        fc_frame(&d->fc, &o, d->buf[3], f);
        d->len = 0;
    }
    *n_frames = o.n;
    return i;
}

static void stats(void *self, mf_decoder_stats *out) { *out = ((p2 *)self)->st; }

static const mf_decoder_ops ops = {.channels = channels, .decode = decode, .stats = stats, .resync = resync};

MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_DECODER,
    .name = "openeeg-p2",
    .version = "1.0.0",
    .summary = "OpenEEG ModularEEG P2 packets (Olimex SHIELD-EKG-EMG), 57600 baud, 256 or 250 Hz",
    .params = params,
    .n_params = N_PARAMS,
    .create = create,
    .destroy = destroy,
    .reset = resync,
    .decoder = &ops,
};

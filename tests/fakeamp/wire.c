/* wire.c: see wire.h. */
#include "wire.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const uint8_t crc_table[16] = {0, 3, 6, 5, 12, 15, 10, 9, 11, 8, 13, 14, 7, 4, 1, 2};

double wire_cyton_scale(void) { return 4.5 / 24 / 8388607.0 * 1e6; }
double wire_p2_scale(void) { return 5.0 / 1024.0 / 2848.0 * 1e6; }
double wire_bitalino_scale(void) { return 3.3 / 1009.0 * 1e6; }

int wire_packets_per_frame(enum wire_format f) { return f == WIRE_CYTON_DAISY ? 2 : 1; }

int wire_parse_format(const char *n, enum wire_format *f)
{
    static const char *const names[] = {"cyton", "cyton-daisy", "p2", "bitalino", "ascii"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(n, names[i])) {
            *f = (enum wire_format)i;
            return 0;
        }
    return -1;
}

static long clampl(double v, long lo, long hi) { return v < lo ? lo : v > hi ? hi : lround(v); }

static size_t cyton_packet(const double *uv, uint8_t counter, uint8_t *o)
{
    o[0] = 0xA0;
    o[1] = counter;
    for (int k = 0; k < 8; k++) {
        long v = clampl(uv[k] / wire_cyton_scale(), -8388608, 8388607);
        uint32_t u = (uint32_t)v & 0xFFFFFF;
        o[2 + 3 * k] = (uint8_t)(u >> 16);
        o[3 + 3 * k] = (uint8_t)(u >> 8);
        o[4 + 3 * k] = (uint8_t)u;
    }
    memset(o + 26, 0, 6);
    o[32] = 0xC0;
    return 33;
}

static size_t bitalino_frame(int nc, const double *uv, uint32_t seq, uint8_t *f)
{
    int n = nc + 2 + (nc >= 3 && nc <= 5 ? 1 : 0);
    if (nc == 6) n = 8;
    int v[6] = {0};
    for (int c = 0; c < nc; c++) {
        double full = c < 4 ? 1024.0 : 64.0;
        v[c] = (int)clampl((uv[c] / wire_bitalino_scale() + 0.5) * full, 0, (long)full - 1);
    }
    memset(f, 0, (size_t)n);
    f[n - 1] = (uint8_t)((seq & 0x0F) << 4);
    f[n - 2] |= (uint8_t)((v[0] >> 6) & 0x0F);
    f[n - 3] |= (uint8_t)((v[0] & 0x3F) << 2);
    if (nc > 1) {
        f[n - 3] |= (uint8_t)((v[1] >> 8) & 0x03);
        f[n - 4] |= (uint8_t)(v[1] & 0xFF);
    }
    if (nc > 2) {
        f[n - 5] |= (uint8_t)(v[2] >> 2);
        f[n - 6] |= (uint8_t)((v[2] & 0x03) << 6);
    }
    if (nc > 3) {
        f[n - 6] |= (uint8_t)((v[3] >> 4) & 0x3F);
        f[n - 7] |= (uint8_t)((v[3] & 0x0F) << 4);
    }
    if (nc > 4) {
        f[n - 7] |= (uint8_t)((v[4] >> 2) & 0x0F);
        f[n - 8] |= (uint8_t)((v[4] & 0x03) << 6);
    }
    if (nc > 5) f[n - 8] |= (uint8_t)(v[5] & 0x3F);
    uint8_t crc = 0;
    for (int i = 0; i < n - 1; i++) {
        crc = crc_table[crc] ^ (f[i] >> 4);
        crc = crc_table[crc] ^ (f[i] & 0x0F);
    }
    crc = crc_table[crc] ^ (f[n - 1] >> 4);
    crc = crc_table[crc];
    f[n - 1] |= crc;
    return (size_t)n;
}

size_t wire_encode(enum wire_format f, int nc, const double *uv, uint32_t counter, uint8_t *out)
{
    switch (f) {
    case WIRE_CYTON: return cyton_packet(uv, (uint8_t)counter, out);
    case WIRE_CYTON_DAISY: /* odd number: board channels 1-8; the next even one: daisy 9-16 */
        cyton_packet(uv, (uint8_t)(2 * counter + 1), out);
        cyton_packet(uv + 8, (uint8_t)(2 * counter + 2), out + 33);
        return 66;
    case WIRE_P2: {
        out[0] = 0xA5;
        out[1] = 0x5A;
        out[2] = 0x02;
        out[3] = (uint8_t)counter;
        for (int c = 0; c < 6; c++) {
            long code = c < nc ? clampl(uv[c] / wire_p2_scale() + 512, 0, 1023) : 512;
            out[4 + 2 * c] = (uint8_t)(code >> 8);
            out[5 + 2 * c] = (uint8_t)code;
        }
        out[16] = 0x01;
        return 17;
    }
    case WIRE_BITALINO: return bitalino_frame(nc, uv, counter, out);
    case WIRE_ASCII: {
        size_t len = 0;
        for (int c = 0; c < nc; c++)
            len += (size_t)snprintf((char *)out + len, 32, "%s%.0f", c ? "," : "", uv[c] + 512);
        out[len++] = '\r';
        out[len++] = '\n';
        return len;
    }
    }
    return 0;
}

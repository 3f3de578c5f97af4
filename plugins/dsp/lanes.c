/* lanes.c: see lanes.h. */
#include "mfdsp/lanes.h"

#include <string.h>

LANES_CLONES void lanes_deinterleave4(const double *frames, size_t stride, size_t first, double *const out[4],
                                      uint32_t n)
{
    const double *f = frames + first;
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4, f += 4 * stride) {
        v4d a, b, c, d;
        memcpy(&a, f, sizeof a);
        memcpy(&b, f + stride, sizeof b);
        memcpy(&c, f + 2 * stride, sizeof c);
        memcpy(&d, f + 3 * stride, sizeof d);
        lanes_transpose4(&a, &b, &c, &d);
        memcpy(out[0] + i, &a, sizeof a);
        memcpy(out[1] + i, &b, sizeof b);
        memcpy(out[2] + i, &c, sizeof c);
        memcpy(out[3] + i, &d, sizeof d);
    }
    for (; i < n; i++, f += stride)
        for (int k = 0; k < 4; k++) out[k][i] = f[k];
}

void lanes_gather(const double *frames, size_t stride, const size_t ch[4], uint32_t count, double *x, uint32_t n)
{
    if (count == 4 && ch[1] == ch[0] + 1 && ch[2] == ch[0] + 2 && ch[3] == ch[0] + 3) { /* four in a row */
        if (stride == 4) {
            memcpy(x, frames, sizeof(double) * 4 * n); /* the frames are the lanes */
            return;
        }
        for (uint32_t i = 0; i < n; i++) memcpy(x + 4 * (size_t)i, frames + i * stride + ch[0], sizeof(double) * 4);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t l = 0; l < count; l++) x[4 * (size_t)i + l] = frames[i * stride + ch[l]];
}

/* conceal.c: see conceal.h. */
#include "sources/conceal.h"

#include <math.h>
#include <string.h>

void conceal_init(conceal *c, int nc, uint32_t max_run)
{
    memset(c, 0, sizeof *c);
    c->nc = nc < CONCEAL_MAX_CH ? nc : CONCEAL_MAX_CH;
    c->max_run = max_run;
}

void conceal_reset(conceal *c) { c->have_last = 0, c->run = 0; }

void conceal_frames(conceal *c, double *frames, uint32_t n)
{
    const int nc = c->nc;
    for (uint32_t i = 0; i < n; i++) {
        double *f = frames + (size_t)i * (size_t)nc;
        int lost = 0;
        for (int k = 0; k < nc; k++) lost |= !isfinite(f[k]);
        if (!lost) {
            memcpy(c->last, f, sizeof(double) * (size_t)nc);
            c->have_last = 1;
            c->run = 0;
            continue;
        }
        if (!c->have_last || ++c->run > c->max_run) continue; /* a real gap: NaN goes on */
        for (int k = 0; k < nc; k++)
            if (!isfinite(f[k])) f[k] = c->last[k];
        c->bridged++;
    }
}

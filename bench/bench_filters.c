/* bench_filters: the default chain's filters (Butterworth band-pass 20-450 Hz order 2 + 50 Hz notch with two
 * harmonics: five sections) on four channels, run one channel at a time (mf_filter_ops.process) and the
 * four side by side (process_many), interleaved in one process so both see the same machine.
 *   bench_filters [-s SECONDS] [-r REPS]     prints ns per channel-sample, median and best of REPS */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mfdsp/sos.h"

#define CH 4
#define BLOCK 256

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void setup(sos_cascade *bp, sos_cascade *nt, double fs)
{
    for (int c = 0; c < CH; c++) {
        memset(&bp[c], 0, sizeof bp[c]);
        memset(&nt[c], 0, sizeof nt[c]);
        sos_butter(&bp[c], SOS_BANDPASS, 2, 20.0, 450.0, fs);
        for (int h = 1; h <= 3; h++) sos_add_notch(&nt[c], 50.0 * h, 30.0, fs);
        bp[c].prime = nt[c].prime = 1;
    }
}

int main(int argc, char **argv)
{
    double seconds = 20, fs = 2000;
    int reps = 7;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-s"))
            seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "-r"))
            reps = atoi(argv[i + 1]);
    }
    const uint32_t n = (uint32_t)(seconds * fs);
    double *x = malloc(sizeof(double) * n * CH), *y = malloc(sizeof(double) * n * CH);
    if (!x || !y || reps < 1) return 1;
    uint64_t s = 1;
    for (uint32_t i = 0; i < n * CH; i++) { /* noise with an offset */
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = 100.0 + ((double)(s >> 11) / 9007199254740992.0 - 0.5) * 50.0;
    }
    static sos_cascade bp[CH], nt[CH];
    double *one = calloc((size_t)reps, sizeof(double)), *many = calloc((size_t)reps, sizeof(double));
    if (!one || !many) return 1;
    double check = 0;
    for (int r = -1; r < reps; r++) { /* one warm-up round */
        for (int mode = 0; mode < 2; mode++) {
            setup(bp, nt, fs);
            double t0 = now_ns();
            for (uint32_t at = 0; at < n; at += BLOCK) {
                uint32_t m = n - at < BLOCK ? n - at : BLOCK;
                const double *in[CH];
                double *out[CH];
                for (int c = 0; c < CH; c++) in[c] = x + (size_t)c * n + at, out[c] = y + (size_t)c * n + at;
                if (mode == 0) {
                    for (int c = 0; c < CH; c++) {
                        sos_process(&bp[c], in[c], out[c], m);
                        sos_process(&nt[c], out[c], out[c], m);
                    }
                } else {
                    sos_cascade *b[CH], *t[CH];
                    for (int c = 0; c < CH; c++) b[c] = &bp[c], t[c] = &nt[c];
                    sos_process_many(b, CH, in, out, m);
                    sos_process_many(t, CH, (const double *const *)out, out, m);
                }
            }
            double ns = (now_ns() - t0) / ((double)n * CH);
            if (r >= 0) (mode ? many : one)[r] = ns;
            check += y[n - 1];
        }
    }
    qsort(one, (size_t)reps, sizeof(double), cmp);
    qsort(many, (size_t)reps, sizeof(double), cmp);
    printf("filters of the default chain (5 sections), %d channels at %g Hz, block %d: one by one %.2f ns per "
           "channel-sample (best %.2f), side by side %.2f (best %.2f): %.2fx (checksum %.6g)\n",
           CH, fs, BLOCK, one[reps / 2], one[0], many[reps / 2], many[0], one[reps / 2] / many[reps / 2], check);
    free(one), free(many), free(x), free(y);
    return 0;
}

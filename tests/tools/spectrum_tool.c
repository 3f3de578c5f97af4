/* spectrum_tool.c: the daemon's spectrum (daemon/pipeline/spectrum.c) on raw samples, in blocks of odd sizes:
 *   mf-spectrum SAMPLE_RATE < in.f64     prints "median_hz mean_hz segments nperseg"
 * tests/plugins/check_spectrum.py compares it with scipy.signal.welch. */
#include <stdio.h>
#include <stdlib.h>

#include "pipeline/spectrum.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SAMPLE_RATE < in.f64\n", argv[0]);
        return 1;
    }
    spectrum s;
    char err[200];
    if (spectrum_init(&s, atof(argv[1]), err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    double x[997];
    size_t got;
    while ((got = fread(x, sizeof x[0], 997, stdin)) > 0) spectrum_feed(&s, x, (uint32_t)got);
    double mdf, mnf;
    int segs = spectrum_result(&s, &mdf, &mnf);
    printf("%.12g %.12g %d %d\n", mdf, mnf, segs, s.n);
    spectrum_free(&s);
    return 0;
}

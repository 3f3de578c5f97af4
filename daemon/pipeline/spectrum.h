/* spectrum.h: the median and mean power frequency of the filtered signal over a stretch (a contraction), the
 * usual sEMG fatigue indices: as a muscle tires, its power moves to lower frequencies. Welch's method, as
 * scipy.signal.welch computes it with window="hann", noverlap = nperseg / 2, detrend="constant" and a one-sided
 * spectrum: Hann-windowed segments of SPECTRUM_SEG_S (a power of two of samples), each one's mean removed, half
 * overlapping, their power averaged; FFTW3 does the transforms. Owns: its plan and buffers, made at init. */
#ifndef MF_SPECTRUM_H
#define MF_SPECTRUM_H

#include <stddef.h>
#include <stdint.h>

#define SPECTRUM_SEG_S 0.25 /* segments of the power of two of samples nearest 0.25 s: 512 at 2 kHz (3.9 Hz bins) */

typedef struct spectrum {
    int n; /* samples per segment */
    double fs;
    double *win;    /* Hann window, n */
    double *ring;   /* the last n samples */
    double *seg;    /* the transform's input, n */
    void *out;      /* fftw_complex[n / 2 + 1] */
    double *psd;    /* summed power per bin, n / 2 + 1 */
    void *plan;     /* fftw_plan */
    uint64_t count; /* samples of the stretch so far */
    uint32_t pos;   /* next write position in ring (its oldest sample) */
    int segments;   /* segments averaged */
} spectrum;

/* [setup] Plans the transforms for rate fs. 0, or -1 with err (out of memory). */
int spectrum_init(spectrum *s, double fs, char *err, size_t n);
void spectrum_free(spectrum *s);
/* [stream] Forgets the samples so far (a new stretch begins). */
void spectrum_reset(spectrum *s);
/* [stream] n more samples of the stretch (non-finite ones count as 0). No allocation. */
void spectrum_feed(spectrum *s, const double *x, uint32_t n);
/* The median and mean power frequency (Hz) of the stretch so far. Returns the number of segments averaged; with 0
 * (a stretch shorter than one segment) both are 0. */
int spectrum_result(const spectrum *s, double *median_hz, double *mean_hz);

/* Least-squares slope of y over x (n points); 0 when n < 2. For the fatigue trend: median frequency per rep. */
double spectrum_slope(const double *x, const double *y, int n);

#endif

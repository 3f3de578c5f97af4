/* sos.h: second-order-section cascades (as scipy.signal.sosfilt, to the last bits) and their design.
 * Owns: coefficient design (Butterworth, IIR notch) and cascade state. Knows nothing of plugins or config. */
#ifndef MF_DSP_SOS_H
#define MF_DSP_SOS_H

#include <stdint.h>

#define SOS_MAX 16 /* order 8 band-pass/stop = 8 sections; notch with harmonics up to 16 */

typedef struct sos_section {
    double b0, b1, b2, a1, a2; /* a0 normalised to 1 */
} sos_section;

typedef struct sos_cascade {
    int n;
    int prime; /* start each run in steady state for its first sample (no start-up transient) */
    int primed;
    int rectify;  /* filter |x| instead of x (the linear envelope's full-wave rectifier, in the same pass) */
    int envelope; /* the output is an envelope: never below 0 (a low-pass's undershoot after a sudden drop, or
                     * its ringing with a cut-off near Nyquist, is cut there) and a lost sample comes out as 0 (lost
                     * counts as rest) instead of NaN */
    sos_section s[SOS_MAX];
    double z[SOS_MAX][3]; /* per section: z0, the previous z0, the previous input (see STEP in sos.c) */
} sos_cascade;

typedef enum sos_band { SOS_LOWPASS, SOS_HIGHPASS, SOS_BANDPASS, SOS_BANDSTOP } sos_band;

/* Designs a digital Butterworth filter like scipy.signal.butter(order, wn, btype, fs=fs, output='sos').
 * f1 is the cut-off (low/high-pass) or the lower edge, f2 the upper edge (band filters).
 * Returns 0, or -1 if the request is impossible (caller validates ranges first). */
int sos_butter(sos_cascade *c, sos_band band, int order, double f1, double f2, double fs);

/* Appends one notch section like scipy.signal.iirnotch(f0, q, fs). Returns 0 or -1 when full. */
int sos_add_notch(sos_cascade *c, double f0, double q, double fs);

void sos_reset(sos_cascade *c);

/* Runs the cascade over n samples, in place allowed. Non-finite input resets the state and
 * passes through as NaN (0 for an envelope) so one lost sample cannot poison the filter forever. With c->prime set, the
 * first finite sample after a reset sets every section's state to its steady state for a constant
 * input of that value (scipy: zi = sosfilt_zi(sos) * x[0]), so a DC offset causes no transient. */
void sos_process(sos_cascade *c, const double *in, double *out, uint32_t n);

/* sos_process on `count` cascades (cascade k: in[k] -> out[k]). Up to four primed cascades with the same
 * number of sections and finite input run side by side as the lanes of one vector; the others go one by one.
 * A cascade alone (sos_process) runs the same steps on doubles, so the output is the same bits either way. */
void sos_process_many(sos_cascade *const *c, uint32_t count, const double *const *in, double *const *out, uint32_t n);

/* sos_process on up to four cascades whose samples are already side by side: x[4 i + k] is sample i of
 * cascade k (k < count), in place; lanes count..3 are scratch (overwritten). The same bits as sos_process
 * on each cascade, without re-arranging the samples. */
void sos_process_lanes(sos_cascade *const *c, uint32_t count, double *x, uint32_t n);

/* Magnitude response |H(e^jw)| at frequency f (Hz). */
double sos_gain_at(const sos_cascade *c, double f, double fs);

#endif

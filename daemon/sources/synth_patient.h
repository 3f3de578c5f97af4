/* synth_patient.h: a deterministic (seeded) model of a patient doing hamstring curls and glute bridges.
 * Owns: the signal model only (no timers). Used by the synthetic source, the fake amplifier and tests.
 *
 * Channel roles repeat every 4 channels: hamstring_left, hamstring_right, glute_left, glute_right.
 * A 20 s cycle: rest, left hamstring curl 2.0-5.0 s, right curl 6.5-9.5 s, glute bridge (both glutes,
 * with 10 % hamstring co-activation) 11.0-16.0 s, rest to 20 s; 150 ms raised-cosine ramps, strength
 * varying +-15 % per repetition. Contraction = band-limited (20-350 Hz) Gaussian noise at 40-90 uV
 * RMS; always present: 2 uV rest noise, 20 uV mains hum, a DC offset and a slow drift. */
#ifndef MF_SYNTH_PATIENT_H
#define MF_SYNTH_PATIENT_H

#include <stdint.h>

typedef struct synth_patient synth_patient;

synth_patient *synth_new(int channels, double fs, uint32_t seed, double mains_hz);
void synth_free(synth_patient *s);
/* Follow commands instead of the fixed cycle: channel c's envelope ramps (150 ms) to level[c]; following 0 goes
 * back to the cycle. */
void synth_follow(synth_patient *s, int following, const double *level, int n);
/* Writes n interleaved frames (channels values each, uV) and advances time. */
void synth_generate(synth_patient *s, double *frames, uint32_t n);

/* Ground truth: 1 when channel ch (0-based) is contracting at time t (seconds, envelope > 0.5). */
int synth_truth(const synth_patient *s, int ch, double t);
double synth_envelope(const synth_patient *s, int ch, double t);

#endif

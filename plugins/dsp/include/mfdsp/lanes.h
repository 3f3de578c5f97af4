/* lanes.h: four doubles side by side (one per channel) and moving blocks of samples into and out of that
 * layout. Owns: the four-lane vector type, the 4x4 register transpose and the clone attribute that builds a
 * function for x86-64-v3 (AVX2 + FMA) beside the baseline. Knows nothing of filters, plugins or config. */
#ifndef MF_DSP_LANES_H
#define MF_DSP_LANES_H

#include <stddef.h>
#include <stdint.h>

typedef double v4d __attribute__((vector_size(4 * sizeof(double))));
typedef long long v4di __attribute__((vector_size(4 * sizeof(long long))));
typedef unsigned long long v4du64 __attribute__((vector_size(4 * sizeof(unsigned long long))));
typedef double v4du __attribute__((vector_size(4 * sizeof(double)), aligned(sizeof(double)))); /* unaligned */

/* Built twice where the compiler can: for x86-64-v3 (one instruction per operation on all four lanes) and for
 * the baseline, chosen at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define LANES_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define LANES_CLONES
/* Channels ch[0..count-1] (count 1..4) of n interleaved frames side by side: x[4 i + l] = frames[i * stride +
 * ch[l]]. Lanes count..3 are left as they were. */
void lanes_gather(const double *frames, size_t stride, const size_t ch[4], uint32_t count, double *x, uint32_t n);

#endif

/* Lanes i, j, k, l of the eight in x and y (0-3 from x, 4-7 from y). */
#if defined(__clang__)
#define LANES_SHUF(x, y, i, j, k, l) __builtin_shufflevector(x, y, i, j, k, l)
#else
#define LANES_SHUF(x, y, i, j, k, l) __builtin_shuffle(x, y, (v4di){i, j, k, l})
/* Channels ch[0..count-1] (count 1..4) of n interleaved frames side by side: x[4 i + l] = frames[i * stride +
 * ch[l]]. Lanes count..3 are left as they were. */
void lanes_gather(const double *frames, size_t stride, const size_t ch[4], uint32_t count, double *x, uint32_t n);

#endif

/* Four rows of four into four columns: four samples of each of four channels become one sample of the four
 * channels at a time, and back (the transpose is its own inverse). */
static inline __attribute__((always_inline)) void lanes_transpose4(v4d *a, v4d *b, v4d *c, v4d *d)
{
    v4d t0 = LANES_SHUF(*a, *b, 0, 4, 2, 6), t1 = LANES_SHUF(*a, *b, 1, 5, 3, 7);
    v4d t2 = LANES_SHUF(*c, *d, 0, 4, 2, 6), t3 = LANES_SHUF(*c, *d, 1, 5, 3, 7);
    *a = LANES_SHUF(t0, t2, 0, 1, 4, 5);
    *b = LANES_SHUF(t1, t3, 0, 1, 4, 5);
    *c = LANES_SHUF(t0, t2, 2, 3, 6, 7);
    *d = LANES_SHUF(t1, t3, 2, 3, 6, 7);
}

/* Channels first..first+3 of n interleaved frames (stride doubles apart, stride >= first + 4) into four
 * buffers, out[k][i] = frames[i * stride + first + k]: four frames at a time through one transpose. */
void lanes_deinterleave4(const double *frames, size_t stride, size_t first, double *const out[4], uint32_t n);

/* Channels ch[0..count-1] (count 1..4) of n interleaved frames side by side: x[4 i + l] = frames[i * stride +
 * ch[l]]. Lanes count..3 are left as they were. */
void lanes_gather(const double *frames, size_t stride, const size_t ch[4], uint32_t count, double *x, uint32_t n);

#endif

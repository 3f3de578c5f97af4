/* frame_check.h: what the built-in decoders do with a frame once its framing (header, footer, CRC) passed, so that
 * a damaged frame becomes a counted gap and never a sample. Two checks, each holding back at most one frame, and
 * only while that frame is in doubt (a clean stream passes with no added delay):
 *
 *  1. The counter (where the protocol has one). A frame whose counter does not follow the last one is held until
 *     a frame settles it: the next frame follows the held one (it is real; the places between were lost, up to
 *     max_fill, or a jump that invents no time), or follows the last frame after as many places as frames are
 *     held (they sat in their places with damaged counters), or neither (the held frame was damaged too, and
 *     the new one waits in its place; after max_fill such frames the counter is learnt again). A counter is
 *     trusted only once two frames in a row agreed.
 *  2. The values. A frame in which some channel jumps away from the last accepted value by more than that
 *     channel's limit is held; if the next frame comes back (near the last value and away from the held one), the
 *     held frame was damaged, since no electrode signal below half the sample rate leaves and returns in one
 *     sample. Otherwise it was a real step (an electrode moved, a lead came off) and passes. The limit is
 *     max(floor, 12 x the channel's mean absolute step), the mean taken over accepted frames with each step capped
 *     at the limit (a damaged value cannot raise it), and learnt from the median step of the first FC_WARM frames
 *     after a (re)start, which are held back once for that (FC_WARM / rate: 64 ms at 250 Hz). floor is the
 *     smallest jump ever called damaged: a few ADC codes, so quantisation is never mistaken for damage.
 *
 * A damaged frame is written as a NaN frame (time stays on the device's clock) and counted in frames_bad and
 * samples_lost; a lost frame in samples_lost. The host bridges short runs of NaN frames (sources/conceal.c). */
#ifndef MF_DSP_FRAME_CHECK_H
#define MF_DSP_FRAME_CHECK_H

#include <myofeed/plugin.h>
#include <stdint.h>

#include "mfdsp/decode.h"

#define FC_MAX_CH 16
#define FC_WARM 16

/* The most frames one fc_frame() or fc_lost(n <= max_fill) call writes: the decoders keep this much room. */
#define FC_ROOM(max_fill) ((max_fill) + FC_WARM + 4)

typedef struct frame_check {
    uint32_t nc, modulus, max_fill; /* modulus 0: the protocol has no counter */
    double floor[FC_MAX_CH];
    mf_decoder_stats *st;
    /* the counter check */
    int have_ctr, ctr_sure;
    uint32_t ctr_held; /* frames held in doubt by the counter check */
    uint32_t ctr, held_ctr;
    double ctr_frame[FC_MAX_CH];
    /* the value check */
    int have_prev, val_held, warmed;
    uint32_t n_warm, held_gap; /* held_gap: lost frames after the frame held in doubt, written after it */
    double prev[FC_MAX_CH], scale[FC_MAX_CH], held[FC_MAX_CH];
    uint8_t jumped[FC_MAX_CH];
    double warm[FC_WARM][FC_MAX_CH];
    uint64_t damaged; /* frames found damaged by either check (also in st->frames_bad and st->samples_lost) */
} frame_check;

/* nc <= FC_MAX_CH channels; floor in uV; counters run modulo `modulus` (0: none); gaps up to max_fill frames are
 * filled. The counters go to *st. */
void fc_init(frame_check *f, uint32_t nc, double floor_uv, uint32_t modulus, uint32_t max_fill, mf_decoder_stats *st);
/* Channel c's floor, where its ADC codes differ from the others' (BITalino's 6-bit slots). */
void fc_set_floor(frame_check *f, uint32_t c, double floor_uv);
/* Forgets everything (after a resync): frames held back are dropped, the limits are learnt again. */
void fc_reset(frame_check *f);
/* A frame that passed framing, with its counter (ignored without one), values in uV. Writes 0 or more frames. */
void fc_frame(frame_check *f, dec_out *o, uint32_t counter, const double *x);
/* n frames known to be lost where the protocol has no counter (a line that did not parse): a frame held in doubt
 * is judged damaged, then n NaN frames. */
void fc_lost(frame_check *f, dec_out *o, uint32_t n);

#endif

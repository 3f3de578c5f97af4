/* sos_ops.h: the filter operations of a plugin whose instance is one sos_cascade (butterworth, notch,
 * linear-envelope): process, process_many and process_lanes straight onto sos.c. Include it in the plugin's
 * one source file and put SOS_FILTER_OPS in its mf_filter_ops. */
#ifndef MF_DSP_SOS_OPS_H
#define MF_DSP_SOS_OPS_H

#include <myofeed/plugin.h>

#include "mfdsp/sos.h"

static void sos_op_reset(void *self) { sos_reset(self); }

static void sos_op_process(void *self, const mf_sample *in, mf_sample *out, uint32_t n)
{
    sos_process(self, in, out, n);
}

static void sos_op_process_many(void *const *selves, uint32_t count, const mf_sample *const *in, mf_sample *const *out,
                                uint32_t n)
{
    sos_process_many((sos_cascade *const *)selves, count, in, out, n);
}

static void sos_op_process_lanes(void *const *selves, uint32_t count, mf_sample *x, uint32_t n)
{
    sos_process_lanes((sos_cascade *const *)selves, count, x, n);
}

#define SOS_FILTER_OPS                                                                                                 \
    .process = sos_op_process, .process_many = sos_op_process_many, .process_lanes = sos_op_process_lanes

#endif

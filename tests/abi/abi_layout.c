/* abi_layout.c: the plugin ABI as it is frozen. Compiled as C11 and as C++17 (tests/abi/check_abi.sh), with
 * -Wall -Wextra -pedantic -Werror, so that myofeed/plugin.h stays clean in both languages, and every struct's
 * size and every field's offset is checked against ABI 1.x on LP64 (x86-64, arm64). A change here is an ABI
 * change: fields are only ever appended (and struct_size, abi_minor and the header's history say so). */
#include <myofeed/plugin.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
#define STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
#define AT(type, field, off) STATIC_ASSERT(offsetof(type, field) == (off), #type "." #field " must be at " #off)
#define SIZE(type, size) STATIC_ASSERT(sizeof(type) == (size), "sizeof(" #type ") must be " #size)

STATIC_ASSERT(MF_ABI_MAJOR == 1, "this file describes ABI 1.x");
STATIC_ASSERT(sizeof(mf_sample) == 8, "samples are doubles");
STATIC_ASSERT(sizeof(mf_kind) == 4 && sizeof(mf_status) == 4 && sizeof(mf_param_type) == 4, "enums are 32-bit");

#if UINTPTR_MAX == 0xffffffffffffffffu
AT(mf_plugin, abi_major, 0);
AT(mf_plugin, abi_minor, 2);
AT(mf_plugin, struct_size, 4);
AT(mf_plugin, kind, 8);
AT(mf_plugin, name, 16);
AT(mf_plugin, version, 24);
AT(mf_plugin, summary, 32);
AT(mf_plugin, params, 40);
AT(mf_plugin, n_params, 48);
AT(mf_plugin, create, 56);
AT(mf_plugin, destroy, 64);
AT(mf_plugin, reset, 72);
AT(mf_plugin, set_param, 80);
AT(mf_plugin, filter, 88);
AT(mf_plugin, detector, 96);
AT(mf_plugin, decoder, 104);
AT(mf_plugin, get_param, 112); /* 1.3 */
SIZE(mf_plugin, 120);

AT(mf_param_info, name, 0);
AT(mf_param_info, type, 8);
AT(mf_param_info, def, 16);
AT(mf_param_info, min, 24);
AT(mf_param_info, max, 32);
AT(mf_param_info, unit, 40);
AT(mf_param_info, help, 48);
AT(mf_param_info, flags, 56);
AT(mf_param_info, choices, 64);
SIZE(mf_param_info, 72);

AT(mf_host, struct_size, 0);
AT(mf_host, host_data, 8);
AT(mf_host, log, 16);
AT(mf_host, extension, 24);
SIZE(mf_host, 32);

AT(mf_filter_ops, process, 0);
AT(mf_filter_ops, latency, 8);
AT(mf_filter_ops, process_many, 16);  /* 1.1 */
AT(mf_filter_ops, process_lanes, 24); /* 1.2 */
SIZE(mf_filter_ops, 32);

AT(mf_detector_ops, process, 0);
AT(mf_detector_ops, set_calibration, 8);
AT(mf_detector_ops, active, 16);
AT(mf_detector_ops, levels, 24);
SIZE(mf_detector_ops, 32);

AT(mf_decoder_ops, channels, 0);
AT(mf_decoder_ops, decode, 8);
AT(mf_decoder_ops, stats, 16);
AT(mf_decoder_ops, handshake, 24);
AT(mf_decoder_ops, stop_command, 32);
AT(mf_decoder_ops, resync, 40);
SIZE(mf_decoder_ops, 48);

AT(mf_handshake_step, send, 0);
AT(mf_handshake_step, send_len, 8);
AT(mf_handshake_step, expect, 16);
AT(mf_handshake_step, timeout_ms, 24);
SIZE(mf_handshake_step, 32);
#endif

/* the same on every platform */
AT(mf_transition, offset, 0);
AT(mf_transition, delay, 4);
AT(mf_transition, on, 8);
AT(mf_transition, reserved, 9);
SIZE(mf_transition, 12);

AT(mf_calibration, rest_uv, 0);
AT(mf_calibration, mvc_uv, 8);
AT(mf_calibration, rest_sd_uv, 16);
SIZE(mf_calibration, 24);

AT(mf_decoder_stats, bytes, 0);
AT(mf_decoder_stats, frames_ok, 8);
AT(mf_decoder_stats, frames_bad, 16);
AT(mf_decoder_stats, resyncs, 24);
AT(mf_decoder_stats, samples_lost, 32);
SIZE(mf_decoder_stats, 40);

SIZE(mf_error, 256);

/* the enumerators' values are part of the ABI too */
STATIC_ASSERT(MF_KIND_DECODER == 1 && MF_KIND_FILTER == 2 && MF_KIND_ENVELOPE == 3 && MF_KIND_DETECTOR == 4, "kinds");
STATIC_ASSERT(MF_OK == 0 && MF_ERR_ARG == -1 && MF_ERR_RANGE == -2 && MF_ERR_STATE == -3, "status codes");
STATIC_ASSERT(MF_PARAM_FLOAT == 1 && MF_PARAM_INT == 2 && MF_PARAM_BOOL == 3 && MF_PARAM_CHOICE == 4, "param types");
STATIC_ASSERT(MF_PARAM_RUNTIME == 1u && MF_PARAM_AUTO == 2u, "flags");
STATIC_ASSERT(MF_LOG_ERROR == 0 && MF_LOG_WARN == 1 && MF_LOG_INFO == 2 && MF_LOG_DEBUG == 3, "log levels");

int main(void)
{
#ifdef __cplusplus
    const char *lang = "C++";
#else
    const char *lang = "C";
#endif
    printf("plugin.h ABI %d.%d: layout checked as %s (%s)\n", MF_ABI_MAJOR, MF_ABI_MINOR, lang,
           UINTPTR_MAX == 0xffffffffffffffffu ? "LP64: every offset" : "not LP64: pointer-free structs only");
    return 0;
}

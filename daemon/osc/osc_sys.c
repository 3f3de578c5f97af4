/* osc_sys.c: encodes the status and reply messages (see osc_sys.h). */
#include "osc/osc_sys.h"

#include <arpa/inet.h>
#include <stdio.h>

/* name and code in one table, indexed by the code */
static const char *const state_names[] = {"idle", "streaming", "calibrating", "no_device", "signal_lost", "error"};

sys_state sys_state_of(enum source_state st, int calibrating)
{
    switch (st) {
    case SRC_IDLE: return SYS_IDLE;
    case SRC_STREAMING: return calibrating ? SYS_CALIBRATING : SYS_STREAMING;
    case SRC_NO_DEVICE: return SYS_NO_DEVICE;
    case SRC_SIGNAL_LOST: return SYS_SIGNAL_LOST;
    case SRC_ERROR: return SYS_ERROR;
    }
    return SYS_ERROR;
}

const char *sys_state_name(sys_state s)
{
    return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "error";
}

/* To one address, or to every subscriber and destination whose profile is in mask. */
static void emit(const osc_sys *s, const struct sockaddr_in *to, unsigned mask, const char *path, lo_message m)
{
    if (to)
        osc_out_send_to(s->out, to, path, m);
    else
        osc_out_send(s->out, mask, path, m);
}

void osc_sys_heartbeat(const osc_sys *s, int32_t seq, sys_state st)
{
    emit(s, NULL, TO_ALL, s->addr->heartbeat, osc_msg("iis", (int)seq, (int)st, sys_state_name(st)));
}

void osc_sys_muscles(const osc_sys *s, const struct sockaddr_in *to)
{
    lo_message m = lo_message_new();
    for (int i = 0; m && i < s->addr->n; i++)
        if (lo_message_add_string(m, s->addr->names[i]) != 0) {
            lo_message_free(m);
            m = NULL;
        }
    emit(s, to, TO_ALL, s->addr->muscles, m);
}

void osc_sys_threshold(const osc_sys *s, const struct sockaddr_in *to, int m, double on, double off)
{
    emit(s, to, TO_ALL, s->addr->m[m].threshold, osc_msg("ff", on, off));
}

void osc_sys_levels(const osc_sys *s, int m, double on_act, double off_act)
{
    emit(s, NULL, TO_MUSCLES | TO_FULL, s->addr->m[m].levels, osc_msg("ff", on_act, off_act));
}

void osc_sys_calib(const osc_sys *s, const struct sockaddr_in *to, int m, double rest_uv, double mvc_uv)
{
    emit(s, to, TO_ALL, s->addr->m[m].calib, osc_msg("ff", rest_uv, mvc_uv));
}

void osc_sys_target(const osc_sys *s, const struct sockaddr_in *to, int m, double low_act, double high_act)
{
    emit(s, to, TO_ALL, s->addr->m[m].target, osc_msg("ff", low_act, high_act));
}

void osc_sys_calib_state(const osc_sys *s, const char *kind, const char *muscle, double left_s, const char *state)
{
    emit(s, NULL, TO_ALL, s->addr->calib_state, osc_msg("ssfs", kind, muscle, left_s, state));
}

void osc_sys_cue(const osc_sys *s, const char *phase, double left_s, int rep, int set)
{
    emit(s, NULL, TO_ALL, s->addr->cue, osc_msg("sfii", phase, left_s, rep, set));
}

void osc_sys_protocol(const osc_sys *s, const char *name, double hold_s, int reps, int sets)
{
    emit(s, NULL, TO_ALL, s->addr->protocol, osc_msg("sfii", name, hold_s, reps, sets));
}

void osc_sys_relax(const osc_sys *s, int m, double act)
{
    emit(s, NULL, TO_ALL, s->addr->m[m].relax, osc_msg("f", act));
}

void osc_sys_symmetry(const osc_sys *s, const char *pair, double pct)
{
    emit(s, NULL, TO_ALL, s->addr->symmetry, osc_msg("sf", pair, pct));
}

void osc_sys_coactivation(const osc_sys *s, double ratio)
{
    emit(s, NULL, TO_ALL, s->addr->coactivation, osc_msg("f", ratio));
}

void osc_sys_quality(const osc_sys *s, int m, double noise_uv, double mains_ratio, double clipped_pct,
                     const char *verdict, const char *advice)
{
    emit(s, NULL, TO_ALL, s->addr->m[m].quality, osc_msg("fffs", noise_uv, mains_ratio, clipped_pct, verdict));
    emit(s, NULL, TO_ALL, s->addr->m[m].advice, osc_msg("s", advice));
}

void osc_sys_mains(const osc_sys *s, double hz) { emit(s, NULL, TO_ALL, s->addr->mains, osc_msg("f", hz)); }

void osc_sys_patient(const osc_sys *s, const struct sockaddr_in *to, const char *id)
{
    emit(s, to, TO_ALL, s->addr->patient, osc_msg("s", id));
}

void osc_sys_session_state(const osc_sys *s, const struct sockaddr_in *to, int running, const char *id)
{
    emit(s, to, TO_ALL, s->addr->session_state, osc_msg("is", running, id ? id : ""));
}

void osc_sys_info(const osc_sys *s, const struct sockaddr_in *to, const char *source_desc, double fs, int n_subscribers,
                  sys_state st)
{
    emit(s, to, TO_ALL, s->addr->info,
         osc_msg("ssfiis", MYOFEED_VERSION, source_desc, fs, s->addr->n, n_subscribers, sys_state_name(st)));
}

void osc_sys_ok(const osc_sys *s, const struct sockaddr_in *to, const char *path)
{
    emit(s, to, TO_ALL, s->addr->ok, osc_msg("s", path));
}

void osc_sys_error(const osc_sys *s, const struct sockaddr_in *to, const char *path, const char *code, const char *msg)
{
    char safe[128];
    size_t j = 0;
    for (size_t i = 0; path[i] && j + 1 < sizeof safe; i++)
        safe[j++] = (path[i] >= 32 && path[i] < 127) ? path[i] : '?';
    safe[j] = 0;
    emit(s, to, TO_ALL, s->addr->error, osc_msg("sss", safe, code, msg));
}

void osc_sys_pong(const osc_sys *s, const struct sockaddr_in *to, int32_t token, int32_t t_ms)
{
    emit(s, to, TO_ALL, s->addr->pong, osc_msg("ii", (int)token, (int)t_ms));
}

void osc_sys_subscribed(const osc_sys *s, const struct sockaddr_in *to, double lease_s)
{
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &to->sin_addr, ip, sizeof ip);
    emit(s, to, TO_ALL, s->addr->subscribed, osc_msg("sii", ip, (int)ntohs(to->sin_port), (int)lease_s));
}

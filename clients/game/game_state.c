/* game_state.c: see game_state.h. */
#include "game_state.h"

#include <SDL2/SDL.h>
#include <stdio.h>
#include <string.h>

#include "../osc_args.h"

void game_init(game *g, const char *muscle, float target, float hold_s)
{
    memset(g, 0, sizeof *g);
    snprintf(g->muscle, sizeof g->muscle, "%s", muscle);
    g->index = -1;
    g->target = target;
    g->hold_s = hold_s;
}

float game_goal(const game *g) { return g->band_hi > g->band_lo && g->band_lo > 0 ? g->band_lo : g->target; }

/* /emg/<muscle>/<leaf> for our muscle: the leaf, or NULL. */
static const char *our_leaf(const game *g, const char *path)
{
    size_t n = strlen(g->muscle);
    if (strncmp(path, "/emg/", 5) || strncmp(path + 5, g->muscle, n) || path[5 + n] != '/') return NULL;
    return path + 6 + n;
}

int game_on_msg(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg, void *data)
{
    (void)msg;
    game *g = data;
    g->last_msg = SDL_GetTicks() / 1000.0;
    g->daemon_seen = 1;
    const char *leaf = our_leaf(g, path);
    if (!strcmp(path, "/emg/sys/muscles")) {
        g->index = -1;
        for (int i = 0; i < argc; i++)
            if (types[i] == 's' && !strcmp(osc_s(argv[i]), g->muscle)) g->index = i;
        if (g->index < 0 && argc > 0 && types[0] == 's') { /* not configured: take the first muscle */
            snprintf(g->muscle, sizeof g->muscle, "%s", osc_s(argv[0]));
            g->index = 0;
        }
    } else if (!strcmp(path, "/emg/frame/act") && g->index >= 0 && g->index < argc && types[g->index] == 'f') {
        g->act = osc_f(argv[g->index]);
        g->frames++;
        if (g->act > g->peak_act) g->peak_act = g->act;
    } else if (!strcmp(path, "/emg/sys/heartbeat") && argc == 3 && !strcmp(types, "iis")) {
        snprintf(g->state, sizeof g->state, "%s", osc_s(argv[2]));
    } else if (!strcmp(path, "/emg/session/protocol") && !strcmp(types, "sfii")) {
        snprintf(g->protocol, sizeof g->protocol, "%s", osc_s(argv[0]));
        g->hold_s = osc_f(argv[1]) > 0 ? osc_f(argv[1]) : g->hold_s;
        g->proto_reps = osc_i(argv[2]);
        g->proto_sets = osc_i(argv[3]);
    } else if (!strcmp(path, "/emg/session/cue") && !strcmp(types, "sfii")) {
        int set = osc_i(argv[3]);
        const char *ph = osc_s(argv[0]);
        int ending = (!strcmp(ph, "set_rest") || !strcmp(ph, "done")) && strcmp(g->phase, ph);
        if (ending) g->last_set_reps = g->set_reps, g->last_set = g->set ? g->set : set; /* the score screen */
        if (set != g->set && strcmp(ph, "done")) g->set_reps = 0;
        snprintf(g->phase, sizeof g->phase, "%s", ph);
        g->left_s = osc_f(argv[1]);
        g->rep = osc_i(argv[2]);
        g->set = set;
    } else if (leaf && !strcmp(leaf, "target") && !strcmp(types, "ff")) {
        g->band_lo = osc_f(argv[0]);
        g->band_hi = osc_f(argv[1]);
    } else if (leaf && !strcmp(leaf, "rep") && !strcmp(types, "ii")) {
        g->daemon_reps++;
        g->set_reps++;
        g->new_rep = 1;
    }
    return 0;
}

void game_instruction(const game *g, char *out, size_t n)
{
    if (!strcmp(g->phase, "rest") || !strcmp(g->phase, "set_rest") || !strcmp(g->phase, "done")) {
        snprintf(out, n, "relax");
        return;
    }
    if (!strcmp(g->phase, "get_ready")) {
        snprintf(out, n, "get ready");
        return;
    }
    /* glute_left -> "your left glute"; anything else by its own name */
    char body[32];
    snprintf(body, sizeof body, "%s", g->muscle);
    const char *side = NULL;
    size_t len = strlen(body);
    if (len > 5 && !strcmp(body + len - 5, "_left")) side = "left", body[len - 5] = 0;
    if (len > 6 && !strcmp(body + len - 6, "_right")) side = "right", body[len - 6] = 0;
    for (char *p = body; *p; p++)
        if (*p == '_') *p = ' ';
    snprintf(out, n, "squeeze your %s%s%s", side ? side : "", side ? " " : "", body);
}

void game_cue(const game *g, char *out, size_t n)
{
    if (!g->phase[0]) {
        out[0] = 0;
        return;
    }
    if (!strcmp(g->phase, "done")) {
        snprintf(out, n, "%s: done", g->protocol[0] ? g->protocol : "protocol");
        return;
    }
    const char *ph = !strcmp(g->phase, "get_ready")  ? "get ready"
                     : !strcmp(g->phase, "set_rest") ? "rest between sets"
                                                     : g->phase;
    snprintf(out, n, "%s: %.0f s left, rep %d of %d, set %d of %d", ph, g->left_s, g->rep, g->proto_reps, g->set,
             g->proto_sets);
}

void game_score_line(const game *g, char *out, size_t n)
{
    out[0] = 0;
    if (strcmp(g->phase, "set_rest") && strcmp(g->phase, "done")) return;
    snprintf(out, n, "set %d done: %d of %d reps held", g->last_set, g->last_set_reps, g->proto_reps);
}

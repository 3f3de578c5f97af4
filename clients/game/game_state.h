/* game_state.h: what the game knows of the daemon and the player: the muscle it follows, its activation and
 * target band (/emg/<m>/target), the protocol's cue (/emg/session/cue, /emg/session/protocol), reps
 * (/emg/<m>/rep) and the signal's state, and the words the screen shows for them.
 * Owns: the OSC handler (one door for every message) and the phrases. Knows nothing of SDL. */
#ifndef MF_GAME_STATE_H
#define MF_GAME_STATE_H

#include <lo/lo.h>

typedef struct game {
    char muscle[32];
    int index; /* of the muscle in /emg/sys/muscles, -1 until known */
    float act, target, hold_s;
    float band_lo, band_hi; /* from /emg/<m>/target (0 0: none in force; then target is the line) */
    int active, daemon_seen;
    long frames; /* /emg/frame/act received */
    float peak_act;
    double last_msg, held, score_flash;
    int score, reps;
    float y, vy; /* balloon height 0 (ground) .. 1 (sky) */
    double ring_x;
    char state[32];
    /* the protocol, while one runs */
    char protocol[48], phase[16];
    float left_s;
    int rep, set, proto_reps, proto_sets;
    int set_reps;      /* reps the daemon counted in this set */
    int last_set_reps; /* and in the set that just ended, for the score screen */
    int last_set;      /* which set that was */
    int daemon_reps;   /* /emg/<m>/rep events since start (the daemon's count rules while it runs) */
    int new_rep;       /* a rep arrived since the main loop last looked (it chimes) */
} game;

void game_init(game *g, const char *muscle, float target, float hold_s);

/* The liblo handler for every message (data: the game). */
int game_on_msg(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg, void *data);

/* The level to reach: the band's low edge, or the --target line. */
float game_goal(const game *g);

/* "squeeze your left glute" (the instruction for a work phase, or any time without a protocol), "relax" in a
 * rest, "get ready" before the first rep. */
void game_instruction(const game *g, char *out, size_t n);

/* "work: 3 s left, rep 2 of 10, set 1 of 2"; "" without a protocol. */
void game_cue(const game *g, char *out, size_t n);

/* The score screen's line at a set's end ("set 1 done: 8 of 10 reps held"), "" while none is due. */
void game_score_line(const game *g, char *out, size_t n);

#endif

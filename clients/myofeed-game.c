/* myofeed-game: a calm biofeedback game (SDL2). A balloon floats up while the target muscle holds its
 * contraction above the target level and sinks gently when it relaxes; rings float past at the height the
 * balloon reaches with a held contraction. Holding for the hold time scores a repetition: a ring glows, the
 * score rises and a soft chime plays; a soft tone sounds while the muscle is at the target. Words say which
 * muscle, what to do ("squeeze your left glute", "relax"), the protocol's cue and seconds left, "no signal:
 * check the electrode", and the score at the end of a set. The target comes from the daemon (/emg/<m>/target,
 * the protocol's band) and the hold from the protocol; --target and --hold stand in without them. Without a
 * daemon (or with --keyboard) the space bar stands in for the muscle, so the game can be tried anywhere.
 * Keys: space (keyboard play), m mute, F11 fullscreen, Esc quit. The window can be resized.
 *
 *   myofeed-game [-c HOST:PORT] [-m MUSCLE] [--target 0.3] [--hold 3] [--keyboard]
 *                [--seconds S] [--screenshot FILE.bmp]   (also FILE.bmp.txt: every line of words shown)
 * Headless (tests): SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy myofeed-game --seconds 3 --screenshot x.bmp */
#include <SDL2/SDL.h>
#include <lo/lo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "game/game_state.h"
#include "game/game_text.h"
#include "osc_args.h"

#define W 640
#define H 480

/* A soft chime: three decaying sine partials, queued once. */
static void chime(SDL_AudioDeviceID dev)
{
    if (!dev) return;
    static float buf[44100];
    const int n = 44100;
    for (int i = 0; i < n; i++) {
        double t = i / 44100.0, e = exp(-3.0 * t);
        buf[i] =
            (float)(0.15 * e *
                    (sin(2 * M_PI * 523.25 * t) + 0.5 * sin(2 * M_PI * 659.25 * t) + 0.3 * sin(2 * M_PI * 783.99 * t)));
    }
    SDL_QueueAudio(dev, buf, sizeof buf);
}

static void fill_circle(SDL_Renderer *r, int cx, int cy, int rad)
{
    for (int dy = -rad; dy <= rad; dy++) {
        int dx = (int)sqrt((double)(rad * rad - dy * dy));
        SDL_RenderDrawLine(r, cx - dx, cy + dy, cx + dx, cy + dy);
    }
}

static void ring(SDL_Renderer *r, int cx, int cy, int rad, int thick)
{
    for (int k = 0; k < thick; k++)
        for (int a = 0; a < 360; a += 2) {
            double t = a * M_PI / 180;
            SDL_RenderDrawPoint(r, cx + (int)((rad - k) * cos(t)), cy + (int)((rad - k) * 0.35 * sin(t) * 2.5));
        }
}

/* Digits as 3x5 blocks, for the score and the hold time. */
static void digits(SDL_Renderer *r, int x, int y, int s, const char *text)
{
    static const char *font[10] = {"111101101101111", "010110010010111", "111001111100111", "111001111001111",
                                   "101101111001001", "111100111001111", "111100111101111", "111001001001001",
                                   "111101111101111", "111101111001111"};
    for (const char *c = text; *c; c++, x += 4 * s) {
        if (*c < '0' || *c > '9') continue;
        const char *f = font[*c - '0'];
        for (int i = 0; i < 15; i++)
            if (f[i] == '1') {
                SDL_Rect q = {x + (i % 3) * s, y + (i / 3) * s, s, s};
                SDL_RenderFillRect(r, &q);
            }
    }
}

/* A soft tone while the muscle is at the target: short chunks queued while little is left to play. */
static void tone(SDL_AudioDeviceID dev, int on)
{
    static float buf[2205];
    static double phase;
    if (!dev || !on || SDL_GetQueuedAudioSize(dev) > sizeof buf) return;
    for (int i = 0; i < 2205; i++, phase += 2 * M_PI * 392.0 / 44100.0) buf[i] = (float)(0.05 * sin(phase));
    SDL_QueueAudio(dev, buf, sizeof buf);
}

static const SDL_Color WHITE = {255, 255, 255, 255}, DARK = {30, 40, 70, 255}, RED = {170, 20, 30, 255};

/* The words: muscle and instruction at the top, the cue under them, a warning band at the bottom, the score
 * screen at the end of a set. */
static void words(SDL_Renderer *r, game_text *tx, const game *g, int live, int keyboard, const char *daemon)
{
    char line[128];
    game_text_draw(tx, r, g->muscle, 0, 20, 40, W, DARK);
    game_instruction(g, line, sizeof line);
    game_text_draw(tx, r, line, 1, -1, 60, W, DARK);
    game_cue(g, line, sizeof line);
    if (line[0]) game_text_draw(tx, r, line, 0, -1, 96, W, DARK);
    if (keyboard || !live) {
        SDL_SetRenderDrawColor(r, 250, 250, 250, 230);
        SDL_Rect band = {0, H - 34, W, 34};
        SDL_RenderFillRect(r, &band);
        if (keyboard)
            snprintf(line, sizeof line, "keyboard: hold the space bar to squeeze");
        else if (!g->daemon_seen)
            snprintf(line, sizeof line, "no daemon: waiting for myofeedd on %s (space bar plays)", daemon);
        else
            snprintf(line, sizeof line, "no signal: check the electrode on %s", g->muscle);
        game_text_draw(tx, r, line, 0, -1, H - 28, W, keyboard ? DARK : RED);
    }
    game_score_line(g, line, sizeof line);
    if (line[0]) {
        SDL_SetRenderDrawColor(r, 30, 40, 70, 220);
        SDL_Rect card = {W / 2 - 220, H / 2 - 60, 440, 120};
        SDL_RenderFillRect(r, &card);
        game_text_draw(tx, r, !strcmp(g->phase, "done") ? "well done!" : "rest now", 1, -1, H / 2 - 50, W, WHITE);
        game_text_draw(tx, r, line, 0, -1, H / 2, W, WHITE);
    }
}

static void draw(SDL_Renderer *r, const game *g, int keyboard)
{
    float goal = game_goal(g);
    /* sky: calm blue gradient */
    for (int y = 0; y < H; y++) {
        SDL_SetRenderDrawColor(r, (Uint8)(120 + y / 8), (Uint8)(170 + y / 10), 235, 255);
        SDL_RenderDrawLine(r, 0, y, W, y);
    }
    /* hills */
    SDL_SetRenderDrawColor(r, 110, 180, 120, 255);
    for (int x = 0; x < W; x++) {
        int h = 40 + (int)(12 * sin(x / 60.0) + 8 * sin(x / 23.0));
        SDL_RenderDrawLine(r, x, H - h, x, H);
    }
    /* the target line */
    int ty = H - 60 - (int)(goal * (H - 140));
    SDL_SetRenderDrawColor(r, 255, 255, 255, 120);
    for (int x = 0; x < W; x += 12) SDL_RenderDrawLine(r, x, ty, x + 6, ty);
    /* the ring to fly through */
    int ring_y = H - 60 - (int)(0.85 * (H - 140));
    SDL_SetRenderDrawColor(r, g->score_flash > 0 ? 255 : 250, g->score_flash > 0 ? 230 : 200, 80, 255);
    ring(r, (int)g->ring_x, ring_y, 34, g->score_flash > 0 ? 6 : 3);
    /* the balloon and its string */
    int bx = W / 3, by = H - 80 - (int)(g->y * (H - 160));
    SDL_SetRenderDrawColor(r, 90, 90, 90, 255);
    SDL_RenderDrawLine(r, bx, by + 30, bx - 4, by + 70);
    SDL_SetRenderDrawColor(r, g->active ? 235 : 220, g->active ? 90 : 120, g->active ? 100 : 140, 255);
    fill_circle(r, bx, by, 30);
    SDL_SetRenderDrawColor(r, 255, 255, 255, 255);
    fill_circle(r, bx - 10, by - 10, 6);
    /* activation meter and hold progress */
    SDL_Rect frame = {W - 50, 60, 24, H - 160};
    SDL_SetRenderDrawColor(r, 255, 255, 255, 255);
    SDL_RenderDrawRect(r, &frame);
    SDL_Rect lvl = {W - 48, 60 + (int)((1 - g->act) * (H - 164)) + 2, 20, (int)(g->act * (H - 164))};
    SDL_SetRenderDrawColor(r, 80, 200, 120, 255);
    SDL_RenderFillRect(r, &lvl);
    SDL_SetRenderDrawColor(r, 255, 255, 255, 255);
    SDL_RenderDrawLine(r, W - 56, 60 + (int)((1 - goal) * (H - 164)), W - 20, 60 + (int)((1 - goal) * (H - 164)));
    if (g->band_hi > g->band_lo) { /* the band's top */
        int top = 60 + (int)((1 - g->band_hi) * (H - 164));
        SDL_RenderDrawLine(r, W - 56, top, W - 20, top);
    }
    SDL_Rect hold = {20, 20, (int)(200 * fmin(1.0, g->held / g->hold_s)), 12};
    SDL_SetRenderDrawColor(r, 250, 210, 90, 255);
    SDL_RenderFillRect(r, &hold);
    SDL_Rect holdf = {20, 20, 200, 12};
    SDL_SetRenderDrawColor(r, 255, 255, 255, 255);
    SDL_RenderDrawRect(r, &holdf);
    char sc[16];
    snprintf(sc, sizeof sc, "%d", g->score);
    digits(r, 240, 14, 5, sc);
    (void)keyboard;
}

static int save_bmp(SDL_Renderer *r, const char *file)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s) return -1;
    int rc = SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch);
    if (rc == 0) rc = SDL_SaveBMP(s, file);
    SDL_FreeSurface(s);
    return rc;
}

int main(int argc, char **argv)
{
    const char *target = "127.0.0.1:17700", *shot = NULL;
    game g;
    game_init(&g, "glute_left", 0.3f, 3.0f);
    g.ring_x = W + 40;
    int keyboard = 0;
    double seconds = 0, v;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc)
            target = argv[++i];
        else if (!strcmp(argv[i], "-m") && i + 1 < argc)
            snprintf(g.muscle, sizeof g.muscle, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--target") && i + 1 < argc) {
            if (args_number(argv[0], "--target", argv[++i], 0.01, 0.99, &v) != 0) return 1;
            g.target = (float)v;
        } else if (!strcmp(argv[i], "--hold") && i + 1 < argc) {
            if (args_number(argv[0], "--hold", argv[++i], 0.1, 600, &v) != 0) return 1;
            g.hold_s = (float)v;
        } else if (!strcmp(argv[i], "--keyboard"))
            keyboard = 1;
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            if (args_number(argv[0], "--seconds", argv[++i], 0, 604800, &seconds) != 0) return 1;
        } else if (!strcmp(argv[i], "--screenshot") && i + 1 < argc)
            shot = argv[++i];
        else {
            fprintf(stderr,
                    "usage: %s [-c HOST:PORT] [-m MUSCLE] [--target 0.3] [--hold 3] [--keyboard] "
                    "[--seconds S] [--screenshot FILE.bmp]\n",
                    argv[0]);
            return 1;
        }
    }
    char host[64], port[16];
    if (args_host_port(argv[0], "-c", target, host, sizeof host, port, sizeof port) != 0) return 1;
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_AUDIO | SDL_INIT_TIMER) != 0 &&
        SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
        fprintf(stderr, "%s: SDL: %s (headless: SDL_VIDEODRIVER=offscreen)\n", argv[0], SDL_GetError());
        return 2;
    }
    SDL_Window *win = SDL_CreateWindow("myofeed: balloon", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, W, H,
                                       SDL_WINDOW_RESIZABLE);
    SDL_Renderer *ren = win ? SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE) : NULL;
    if (!ren) {
        fprintf(stderr, "%s: SDL: %s\n", argv[0], SDL_GetError());
        return 2;
    }
    SDL_RenderSetLogicalSize(ren, W, H); /* any window size or fullscreen: the same scene, scaled */
    char why[200];
    game_text *tx = game_text_new(why, sizeof why);
    if (!tx) fprintf(stderr, "%s: no words on screen: %s\n", argv[0], why);
    SDL_AudioSpec want = {0}, got;
    want.freq = 44100;
    want.format = AUDIO_F32SYS;
    want.channels = 1;
    want.samples = 1024;
    SDL_AudioDeviceID audio = SDL_WasInit(SDL_INIT_AUDIO) ? SDL_OpenAudioDevice(NULL, 0, &want, &got, 0) : 0;
    if (audio) SDL_PauseAudioDevice(audio, 0);

    lo_server s = keyboard ? NULL : lo_server_new_with_proto(NULL, LO_UDP, NULL);
    lo_address d = s ? lo_address_new(host, port) : NULL;
    if (s) {
        lo_server_enable_queue(s, 0, 1);
        lo_server_add_method(s, NULL, NULL, game_on_msg, &g);
    }
    double t_prev = SDL_GetTicks() / 1000.0, next_sub = 0, start = t_prev;
    int running = 1, space = 0, muted = 0;
    while (running) {
        double t = SDL_GetTicks() / 1000.0, dt = t - t_prev;
        t_prev = t;
        SDL_Event e;
        while (SDL_PollEvent(&e)) {
            if (e.type == SDL_QUIT || (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_ESCAPE)) running = 0;
            if (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_SPACE) space = 1;
            if (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_m) {
                muted = !muted;
                if (muted && audio) SDL_ClearQueuedAudio(audio);
            }
            if (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_F11)
                SDL_SetWindowFullscreen(
                    win, SDL_GetWindowFlags(win) & SDL_WINDOW_FULLSCREEN_DESKTOP ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
            if (e.type == SDL_KEYUP && e.key.keysym.sym == SDLK_SPACE) space = 0;
        }
        if (s) {
            if (t >= next_sub) {
                lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/subscribe", "s", "frame");
                next_sub = t + 3.0;
            }
            while (lo_server_recv_noblock(s, 0) > 0) {
            }
        }
        int live = g.daemon_seen && t - g.last_msg < 2.5 && !strcmp(g.state, "streaming");
        if (!live) { /* no daemon or no signal: the keyboard plays, the muscle value is not trusted */
            g.act += (float)((space ? 0.6 : 0.0) - g.act) * (float)fmin(1.0, dt * 6);
        }
        g.active = g.act >= game_goal(&g);
        g.vy = g.active ? 0.35f : -0.25f;
        g.y = (float)fmin(1.0, fmax(0.0, g.y + g.vy * dt));
        int rest_phase = g.phase[0] && strcmp(g.phase, "work");
        if (g.active && !rest_phase) {
            g.held += dt;
            if (!live && g.held >= g.hold_s) { /* the keyboard's reps are counted here; the daemon's come as /rep */
                g.score++;
                g.reps++;
                g.held = 0;
                g.score_flash = 1.0;
                if (!muted) chime(audio);
            }
        } else {
            g.held = fmax(0.0, g.held - dt * 2);
        }
        if (g.new_rep) { /* the daemon counted one: it held in the band for the hold time */
            g.new_rep = 0;
            g.score = g.daemon_reps;
            g.reps = g.daemon_reps;
            g.held = 0;
            g.score_flash = 1.0;
            if (!muted) chime(audio);
        }
        if (!muted) tone(audio, live && g.active && !rest_phase);
        g.score_flash = fmax(0.0, g.score_flash - dt);
        g.ring_x -= dt * 80;
        if (g.ring_x < -40) g.ring_x = W + 40;
        draw(ren, &g, !live);
        words(ren, tx, &g, live, keyboard, target);
        SDL_RenderPresent(ren);
        if (seconds > 0 && t - start >= seconds) running = 0;
        SDL_Delay(16);
    }
    int rc = 0;
    if (shot && save_bmp(ren, shot) != 0) {
        fprintf(stderr, "%s: cannot save %s: %s\n", argv[0], shot, SDL_GetError());
        rc = 2;
    }
    if (shot) {
        char words_file[4200];
        snprintf(words_file, sizeof words_file, "%s.txt", shot);
        if (game_text_save(tx, words_file) != 0) {
            fprintf(stderr, "%s: cannot write %s\n", argv[0], words_file);
            rc = 2;
        }
    }
    game_text_free(tx);
    printf("muscle %s frames %ld peak_act %.2f reps %d score %d\n", g.muscle, g.frames, g.peak_act, g.reps, g.score);
    if (s) {
        lo_send_from(d, s, LO_TT_IMMEDIATE, "/emg/ctl/unsubscribe", "");
        lo_address_free(d);
        lo_server_free(s);
    }
    if (audio) SDL_CloseAudioDevice(audio);
    SDL_DestroyRenderer(ren);
    SDL_DestroyWindow(win);
    SDL_Quit();
    return rc;
}

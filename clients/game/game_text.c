/* game_text.c: see game_text.h. */
#include "game_text.h"

#include <SDL2/SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEEN_MAX 128

struct game_text {
    TTF_Font *big, *small;
    int n_seen;
    char seen[SEEN_MAX][96];
};

static const char *const fonts[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", /* fonts-dejavu-core */
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
};

game_text *game_text_new(char *why, size_t n)
{
    if (TTF_Init() != 0) {
        snprintf(why, n, "SDL2_ttf: %s", TTF_GetError());
        return NULL;
    }
    game_text *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(why, n, "out of memory");
        TTF_Quit();
        return NULL;
    }
    for (size_t i = 0; i < sizeof fonts / sizeof fonts[0] && !t->big; i++) {
        t->big = TTF_OpenFont(fonts[i], 28);
        t->small = t->big ? TTF_OpenFont(fonts[i], 17) : NULL;
    }
    if (!t->big || !t->small) {
        snprintf(why, n, "no DejaVu font (install fonts-dejavu-core; looked in %s)", fonts[0]);
        game_text_free(t);
        return NULL;
    }
    return t;
}

void game_text_free(game_text *t)
{
    if (!t) return;
    if (t->big) TTF_CloseFont(t->big);
    if (t->small) TTF_CloseFont(t->small);
    free(t);
    TTF_Quit();
}

static void remember(game_text *t, const char *text)
{
    for (int i = 0; i < t->n_seen; i++)
        if (!strcmp(t->seen[i], text)) return;
    if (t->n_seen < SEEN_MAX) snprintf(t->seen[t->n_seen++], sizeof t->seen[0], "%s", text);
}

int game_text_draw(game_text *t, SDL_Renderer *r, const char *text, int big, int x, int y, int w, SDL_Color c)
{
    if (!t || !text[0]) return 0;
    remember(t, text);
    SDL_Surface *s = TTF_RenderUTF8_Blended(big ? t->big : t->small, text, c);
    if (!s) return 0;
    SDL_Texture *tx = SDL_CreateTextureFromSurface(r, s);
    SDL_Rect at = {x < 0 ? (w - s->w) / 2 : x, y, s->w, s->h};
    if (tx) {
        SDL_RenderCopy(r, tx, NULL, &at);
        SDL_DestroyTexture(tx);
    }
    SDL_FreeSurface(s);
    return at.h;
}

int game_text_save(const game_text *t, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    for (int i = 0; t && i < t->n_seen; i++) fprintf(f, "%s\n", t->seen[i]);
    return fclose(f) == 0 ? 0 : -1;
}

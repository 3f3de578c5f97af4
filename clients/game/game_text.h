/* game_text.h: words on the game's screen, drawn with SDL2_ttf and a Debian font (fonts-dejavu-core), and a
 * record of every distinct line drawn, so a test (or a screenshot's reader) knows what the player saw.
 * Owns: the font, rendering a line centred or at a point, the record. Knows nothing of the game. */
#ifndef MF_GAME_TEXT_H
#define MF_GAME_TEXT_H

#include <SDL2/SDL.h>

typedef struct game_text game_text;

/* Opens the font (the first of the usual DejaVu paths that exists) at the two sizes. NULL with why[] filled when
 * SDL2_ttf or the font is missing: the game then plays without words. */
game_text *game_text_new(char *why, size_t n);
void game_text_free(game_text *t);

/* Draws text in colour c, big or small, with its top-left at (x, y), or centred on x when x < 0 (centred on the
 * screen width w). Returns the height used. */
int game_text_draw(game_text *t, SDL_Renderer *r, const char *text, int big, int x, int y, int w, SDL_Color c);

/* Writes every distinct line drawn so far, one per line, to path. 0 or -1. */
int game_text_save(const game_text *t, const char *path);

#endif

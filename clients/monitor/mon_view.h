/* mon_view.h: draws the monitor's screens (ncurses) from its state; colour where the terminal has it, bold and
 * reverse where it does not. Fits 80x24. */
#ifndef MF_MON_VIEW_H
#define MF_MON_VIEW_H

#include "mon_state.h"

typedef enum mon_screen { MON_MAIN, MON_CHECK, MON_HELP } mon_screen;

/* Once, after initscr(). */
void mon_view_init(void);
/* prompt: a line being typed (the patient id), or NULL. */
void mon_view_draw(const mon *m, const char *target, mon_screen screen, const char *prompt);

#endif

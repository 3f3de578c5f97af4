/* hysteresis.h: the debounced on/off state machine every built-in detector shares.
 * Inactive: a candidate onset starts on `start_on` evidence and continues while `hold_on` holds; it is
 * confirmed after more than min_on samples. Active: symmetric with start_off/hold_off and min_off.
 * A confirmed transition carries the delay back to the candidate's first sample. */
#ifndef MF_DSP_HYSTERESIS_H
#define MF_DSP_HYSTERESIS_H

#include <myofeed/plugin.h>
#include <stdint.h>

typedef struct hyst {
    int active;
    uint32_t run;
    uint32_t min_on, min_off; /* samples */
} hyst;

static inline void hyst_step(hyst *h, int start_on, int hold_on, int start_off, int hold_off, uint32_t i,
                             mf_transition *out, uint32_t *k, uint32_t cap)
{
    if (!h->active) {
        h->run = (h->run ? hold_on : start_on) ? h->run + 1 : 0;
        if (h->run > h->min_on) {
            h->active = 1;
            if (*k < cap) out[(*k)++] = (mf_transition){i, h->run - 1, 1, {0}};
            h->run = 0;
        }
    } else {
        h->run = (h->run ? hold_off : start_off) ? h->run + 1 : 0;
        if (h->run > h->min_off) {
            h->active = 0;
            if (*k < cap) out[(*k)++] = (mf_transition){i, h->run - 1, 0, {0}};
            h->run = 0;
        }
    }
}

#endif

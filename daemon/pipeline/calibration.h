/* calibration.h: the kinds of calibration, shared by feedback (which measures them) and control (which starts
 * them). Owns: the names only. */
#ifndef MF_CALIBRATION_H
#define MF_CALIBRATION_H

typedef enum cal_kind {
    CAL_NONE = 0, /* none in progress; to control: cancel */
    CAL_REST,     /* the patient relaxed: mean and SD of the envelope */
    CAL_MVC,      /* maximal voluntary contraction: the highest 100 ms average of the envelope */
} cal_kind;

/* "rest", "MVC" or "none" */
static inline const char *cal_kind_name(cal_kind k) { return k == CAL_REST ? "rest" : k == CAL_MVC ? "MVC" : "none"; }

#endif

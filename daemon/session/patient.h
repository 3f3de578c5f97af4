/* patient.h: the patient in the chair: whose calibration and targets the feedback uses, kept in the session
 * store so that they are back after a restart or a switch. Owns: the current patient id and the store handle.
 * Calls touch the disk: [setup] only (start, reload, and the rare control messages that change them). */
#ifndef MF_PATIENT_H
#define MF_PATIENT_H

#include <stddef.h>

#include "config/config.h"
#include "pipeline/calibration.h"
#include "pipeline/feedback.h"
#include "session/store.h"

typedef struct patient {
    store *st; /* NULL: nothing is kept (the store could not be opened; the stream goes on) */
    char id[CFG_PATIENT_MAX];
    char store_error[300]; /* why st is NULL */
} patient;

/* Opens the store in c->session.dir for patient c->session.patient. Returns 0, or -1 with the reason in
 * p->store_error (p is usable: it keeps nothing). */
int patient_open(patient *p, const config *c);
void patient_close(patient *p);

/* Puts p's stored calibration and targets into f (the configuration's target_pct where p has none of their own;
 * no calibration where p has none). Returns the number of muscles with a stored calibration, or -1 with err. */
int patient_load(patient *p, feedback *f, const config *c, char *err, size_t n);
/* Chooses another patient and loads them into f as patient_load does: the number of muscles with a stored
 * calibration, or -1 with err (the old patient stays). */
int patient_switch(patient *p, const char *id, feedback *f, const config *c, char *err, size_t n);
/* Records muscle m's new calibration of this kind. 0, or -1 with err. */
int patient_save_calibration(patient *p, const feedback *f, int m, cal_kind kind, char *err, size_t n);
/* Records muscle m's target band. 0, or -1 with err. */
int patient_save_target(patient *p, const feedback *f, int m, char *err, size_t n);

#endif

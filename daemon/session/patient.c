/* patient.c: see patient.h. */
#include "session/patient.h"

#include <stdio.h>
#include <string.h>

int patient_open(patient *p, const config *c)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", c->session.patient);
    p->st = store_open(c->session.dir, p->store_error, sizeof p->store_error);
    if (!p->st) return -1;
    if (store_patient(p->st, p->id, p->store_error, sizeof p->store_error) != 0) {
        store_close(p->st);
        p->st = NULL;
        return -1;
    }
    return 0;
}

void patient_close(patient *p)
{
    store_close(p->st);
    p->st = NULL;
}

/* Muscle i of f as patient id has it in the store (or as the configuration says, for targets). */
static int load_muscle(store *st, const char *id, feedback *f, int i, const config *c, char *err, size_t n)
{
    fb_muscle *m = &f->m[i];
    const cfg_muscle *cm = NULL;
    for (int k = 0; k < c->n_muscles; k++)
        if (strcmp(c->muscles[k].name, f->names[i]) == 0) cm = &c->muscles[k];
    memset(&m->cal, 0, sizeof m->cal);
    feedback_set_target(f, i, cm && cm->has_target, cm ? cm->target_lo_pct : 0, cm ? cm->target_hi_pct : 0);
    if (!st) return 0;
    store_calib sc;
    int found = store_load_calibration(st, id, f->names[i], &sc, err, n);
    if (found < 0) return -1;
    if (found) m->cal = (mf_calibration){sc.rest_uv, sc.mvc_uv, sc.rest_sd_uv};
    double lo, hi;
    int has = store_load_target(st, id, f->names[i], &lo, &hi, err, n);
    if (has < 0) return -1;
    if (has) feedback_set_target(f, i, 1, lo, hi);
    return found;
}

int patient_load(patient *p, feedback *f, const config *c, char *err, size_t n)
{
    int loaded = 0;
    for (int i = 0; i < f->n; i++) {
        int r = load_muscle(p->st, p->id, f, i, c, err, n);
        if (r < 0) return -1;
        loaded += r;
    }
    return loaded;
}

int patient_switch(patient *p, const char *id, feedback *f, const config *c, char *err, size_t n)
{
    if (p->st && store_patient(p->st, id, err, n) != 0) return -1;
    char old[CFG_PATIENT_MAX];
    snprintf(old, sizeof old, "%s", p->id);
    snprintf(p->id, sizeof p->id, "%s", id);
    int loaded = patient_load(p, f, c, err, n);
    if (loaded < 0) {
        char e2[8];
        snprintf(p->id, sizeof p->id, "%s", old);
        patient_load(p, f, c, e2, sizeof e2); /* back to what was there */
    }
    return loaded;
}

int patient_save_calibration(patient *p, const feedback *f, int m, cal_kind kind, char *err, size_t n)
{
    if (!p->st) {
        snprintf(err, n, "not kept: %s", p->store_error);
        return -1;
    }
    const mf_calibration *c = &f->m[m].cal;
    return store_save_calibration(p->st, p->id, f->names[m], kind == CAL_REST ? "rest" : "mvc", c->rest_uv,
                                  c->rest_sd_uv, c->mvc_uv, err, n);
}

int patient_save_target(patient *p, const feedback *f, int m, char *err, size_t n)
{
    if (!p->st) {
        snprintf(err, n, "not kept: %s", p->store_error);
        return -1;
    }
    const fb_muscle *x = &f->m[m];
    return store_save_target(p->st, p->id, f->names[m], x->target_lo_pct, x->target_hi_pct, err, n);
}

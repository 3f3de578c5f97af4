/* recorder.h: one session's recording.bdf (BDF+ through EDFlib): each muscle's raw signal in uV at the source rate
 * and its envelope, with annotations. Owns: the file, a writer thread and the bounded queue to it.
 *
 * Threads: the record_* calls that take samples or notes ([live]) are made from one thread (the event loop); they
 * copy into a preallocated queue and never allocate, block or log; when the queue is full, the samples are
 * dropped, counted, and the file gets zeros and an annotation in their place (the time axis stays true). All disk
 * work happens on the writer thread.
 *
 * Crash safety: data records are half a second long and each one is on disk (flushed) within about 0.6 s of its
 * last sample arriving; after each record, the writer also updates the header's record count and writes the
 * annotations so far into the records' spare annotation space, so a file cut by SIGKILL or a power loss is a
 * valid BDF+ with its annotations up to that moment. The annotations also go, one flushed line each, to
 * events.tsv beside the file. A clean close lets EDFlib write the final header and annotations. */
#ifndef MF_RECORDER_H
#define MF_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

typedef struct record_spec {
    const char *path;   /* recording.bdf to create; it must not exist (a file is never overwritten) */
    const char *events; /* the annotations' journal (events.tsv) to create, or NULL */
    double fs;          /* the source rate; fs / 2 must be a whole number of samples (half-second records) */
    int n_muscles;
    const char *names[CFG_MAX_MUSCLES];
    const char *patient;   /* patient id: the header's patient code */
    const char *label;     /* the session label ("" none): the header's recording field */
    double range_uv;       /* the physical range +-range_uv of every signal; 0: 262144 uV (0.03 uV steps) */
    uint64_t start_sample; /* the stream's sample clock at the file's time 0 */
} record_spec;

typedef struct recorder recorder;

/* Creates the files (0600, O_EXCL) and starts the writer. NULL with err (what, which file, what to do). */
recorder *record_open(const record_spec *spec, char *err, size_t n);

/* [live] A block of muscle m's raw signal (uV) or envelope (uV) from sample first (stream clock). */
void record_raw(recorder *r, int m, const double *x, uint32_t n, uint64_t first);
void record_env(recorder *r, int m, const double *x, uint32_t n, uint64_t first);
/* [live] An annotation at sample at (stream clock), lasting dur_s (< 0: none). Text is cut at 40 bytes (EDF+). */
void record_note(recorder *r, uint64_t at, double dur_s, const char *text);
/* [live] The stream stopped for n samples' time at sample at (a lost signal or a stall): the file gets n zero
 * samples on every signal there and an annotation "signal lost (N samples)" with the gap's duration. */
void record_gap(recorder *r, uint64_t at, uint64_t n);

typedef struct record_status {
    uint64_t records;       /* data records on disk */
    uint64_t samples;       /* samples per signal on disk (records x samples per record) */
    uint64_t dropped;       /* samples lost to a full queue (replaced by zeros) */
    uint64_t notes_dropped; /* annotations lost to a full queue */
    uint64_t gap_samples;   /* samples filled for gaps (record_gap) */
    uint64_t clipped;       /* samples beyond the physical range, clipped */
    int failed;             /* the writer stopped on an error */
    char error[400];        /* why (what, which file, what to do) */
} record_status;

/* [live] The writer's progress; returns 1 the first time it reports failed, else 0. Cheap (no lock held long). */
int record_poll(recorder *r, record_status *st);

/* Drains the queue, closes the file (final header and annotations) and stops the writer; frees r. Blocks for as
 * long as the queue takes to write (the writer is at most a second behind); call it off the event loop when
 * possible. Returns 0, or -1 with the error in st->error. st may be NULL. */
int record_close(recorder *r, record_status *st);

#endif

/* recording.h: reads recorded EMG for replay and evaluation: text (tab/comma/space columns, '#' headers,
 * a CSV header row, OpenSignals and BioSPPy headers) and EDF/BDF (EDFlib). Columns are chosen by number
 * (1-based) or by CSV header name, converted to uV with a scale (EDF: from the physical dimension).
 * Owns: file parsing only. Rows whose chosen columns are missing become NaN frames (lost samples) so the
 * time base stays right. */
#ifndef MF_RECORDING_H
#define MF_RECORDING_H

#include <stddef.h>
#include <stdint.h>

#define REC_MAX_COLUMNS 64

typedef struct rec_column {
    int index;     /* 1-based; 0 = by name */
    char name[64];
} rec_column;

typedef struct recording recording;

/* Opens path. fs_default is used when the file does not state its rate. Returns NULL with err (what,
 * which file, what to do). */
recording *recording_open(const char *path, const rec_column *cols, int n_cols, double scale, double fs_default,
                          char *err, size_t n);
void recording_close(recording *r);

int recording_channels(const recording *r);
double recording_rate(const recording *r);
/* 1 when the file stated its own rate (EDF header, OpenSignals or BioSPPy header). */
int recording_rate_from_file(const recording *r);

/* Reads up to max frames (interleaved, channels values each, uV). Returns frames read, 0 at the end. */
uint32_t recording_read(recording *r, double *frames, uint32_t max);

/* Rows skipped because they could not be read at all (counted, not fatal). */
uint64_t recording_bad_rows(const recording *r);

#endif

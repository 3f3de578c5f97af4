/* recorder.c: the BDF+ recorder (see recorder.h).
 *
 * The queue is a single-producer single-consumer byte ring: the event loop writes messages (a header and its
 * payload, never split across the end: a WRAP marker sends the reader back to the start), the writer reads them.
 * Only the two positions are shared, as C11 atomics. The writer wakes every 50 ms, drains the ring, assembles
 * half-second data records per signal (raw of each muscle, then the envelope of each) and hands each complete
 * record to EDFlib, which writes and flushes it. */
#include "records/recorder.h"

#include "base/edf_lock.h"

#include <edflib.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REC_SECONDS 0.5           /* data record duration */
#define REC_ANNOT_SIGNALS 3       /* the first keeps time; the others hold the live annotations */
#define REC_CHUNK 256             /* samples per queued message at most */
#define REC_QUEUE_SECONDS 8.0     /* of data the queue holds */
#define REC_NOTE_MAX 41           /* EDFlib's 40 bytes and the NUL */
#define REC_PENDING_NOTES 1024    /* annotations known but not yet in a record on disk */
#define REC_DEFAULT_RANGE 262144. /* uV: 2^18, so the 24-bit steps are 2^-5 uV */

enum msg_type { M_DATA = 1, M_NOTE, M_GAP, M_STOP, M_WRAP };

typedef struct msg {
    uint32_t type, sig, n, pad;
    uint64_t pos;  /* stream sample */
    double dur_s;  /* M_NOTE */
    char text[48]; /* M_NOTE */
} msg;             /* followed by n doubles for M_DATA */

typedef struct note {
    double t_s, dur_s;
    char text[REC_NOTE_MAX];
} note;

struct recorder {
    /* queue */
    unsigned char *ring;
    size_t cap;
    _Atomic size_t head, tail; /* head: producer's write offset; tail: consumer's read offset */
    _Atomic int stop;
    atomic_ullong dropped, notes_dropped;
    _Atomic uint64_t end_pos; /* the stream sample after the last one given */
    /* writer state (writer thread only, after start) */
    pthread_t thread;
    int started;
    int h;        /* EDFlib handle */
    int fd;       /* the same file, for the live header and annotation updates */
    FILE *events; /* events.tsv */
    int n_sig;    /* 2 x muscles */
    int spr;      /* samples per record and signal */
    double fs, range;
    uint64_t start; /* stream sample at file time 0 */
    uint64_t shift; /* gap samples inserted so far */
    double **buf;   /* per signal: samples waiting for their record */
    int *fill;      /* per signal */
    int buf_cap;    /* per signal */
    uint64_t *next; /* per signal: the next file sample expected */
    int *rec;       /* one signal's record, as 24-bit digital values */
    double bitv;    /* uV per step: 2 range / (2^24 - 1); physical = bitv (digital + 0.5) */
    note *pending;
    int n_pending;
    long long rec_bytes; /* from the header */
    long long hdr_bytes;
    long long annot_off; /* offset in a record of the first spare annotation signal */
    int annot_bytes;     /* spare bytes per record */
    uint64_t ann_rec;    /* record the next live annotation goes into */
    int ann_used;        /* bytes of it used */
    /* status (writer writes, poll reads, under mu) */
    pthread_mutex_t mu;
    record_status st;
    int failed_told;
    char path[1024];
};

/* ---------------------------------------------------------------------------------------------------- queue */

static size_t used(const recorder *r, size_t head, size_t tail)
{
    return head >= tail ? head - tail : r->cap - tail + head;
}

/* Reserves len contiguous bytes for one message; NULL when the queue is full. */
static unsigned char *reserve(recorder *r, size_t len, size_t *at)
{
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t free_b = r->cap - used(r, head, tail) - 1;
    if (head + len <= r->cap) {
        if (len + sizeof(msg) > free_b) return NULL; /* keep room for a wrap marker */
        *at = head;
        return r->ring + head;
    }
    /* wrap: the rest of the ring is skipped */
    size_t skip = r->cap - head;
    if (skip + len + 1 > free_b || len >= tail) return NULL;
    msg w = {.type = M_WRAP};
    if (skip >= sizeof w) memcpy(r->ring + head, &w, sizeof w);
    *at = 0;
    return r->ring;
}

static void publish(recorder *r, size_t at, size_t len)
{
    size_t to = at + len;
    if (to == r->cap) to = 0;
    atomic_store_explicit(&r->head, to, memory_order_release);
}

static int push(recorder *r, const msg *m, const double *x)
{
    size_t len = sizeof *m + (x ? m->n * sizeof(double) : 0), at;
    len = (len + 7) & ~(size_t)7;
    unsigned char *p = reserve(r, len, &at);
    if (!p) return -1;
    memcpy(p, m, sizeof *m);
    if (x) memcpy(p + sizeof *m, x, m->n * sizeof(double));
    publish(r, at, len);
    return 0;
}

static void push_data(recorder *r, int sig, const double *x, uint32_t n, uint64_t first)
{
    if (!r) return;
    if (first + n > atomic_load_explicit(&r->end_pos, memory_order_relaxed))
        atomic_store_explicit(&r->end_pos, first + n, memory_order_relaxed);
    while (n > 0) {
        uint32_t k = n > REC_CHUNK ? REC_CHUNK : n;
        msg m = {.type = M_DATA, .sig = (uint32_t)sig, .n = k, .pos = first};
        if (push(r, &m, x) != 0) atomic_fetch_add(&r->dropped, k); /* the writer fills them with zeros */
        x += k, n -= k, first += k;
    }
}

void record_raw(recorder *r, int m, const double *x, uint32_t n, uint64_t first) { push_data(r, m, x, n, first); }

void record_env(recorder *r, int m, const double *x, uint32_t n, uint64_t first)
{
    if (r) push_data(r, r->n_sig / 2 + m, x, n, first);
}

void record_note(recorder *r, uint64_t at, double dur_s, const char *text)
{
    if (!r) return;
    msg m = {.type = M_NOTE, .pos = at, .dur_s = dur_s};
    snprintf(m.text, REC_NOTE_MAX, "%s", text);
    if (push(r, &m, NULL) != 0) atomic_fetch_add(&r->notes_dropped, 1);
}

void record_gap(recorder *r, uint64_t at, uint64_t n)
{
    if (!r || n == 0) return;
    msg m = {.type = M_GAP, .pos = at, .n = (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n)};
    if (push(r, &m, NULL) != 0) atomic_fetch_add(&r->notes_dropped, 1);
}

/* ---------------------------------------------------------------------------------------------------- writer */

static void fail_w(recorder *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_w(recorder *r, const char *fmt, ...)
{
    pthread_mutex_lock(&r->mu);
    if (!r->st.failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->st.error, sizeof r->st.error, fmt, ap);
        va_end(ap);
        r->st.failed = 1;
    }
    pthread_mutex_unlock(&r->mu);
}

static int failed(recorder *r)
{
    pthread_mutex_lock(&r->mu);
    int f = r->st.failed;
    pthread_mutex_unlock(&r->mu);
    return f;
}

/* The header's record size and where the spare annotation signals lie, read back after the first record. */
static int read_layout(recorder *r)
{
    char h[256];
    if (pread(r->fd, h, sizeof h, 0) != (ssize_t)sizeof h) return -1;
    char f[9] = {0};
    memcpy(f, h + 184, 8);
    r->hdr_bytes = atoll(f);
    memcpy(f, h + 252, 4);
    f[4] = 0;
    int ns = atoi(f);
    if (ns <= 0 || r->hdr_bytes != 256LL * (ns + 1)) return -1;
    char *spr = malloc((size_t)ns * 8);
    if (!spr) return -1;
    int rc = -1;
    if (pread(r->fd, spr, (size_t)ns * 8, 256 + (off_t)ns * 216) != (ssize_t)ns * 8) goto out;
    long long off = 0, first_spare = -1;
    for (int s = 0; s < ns; s++) {
        char v[9] = {0};
        memcpy(v, spr + s * 8, 8);
        long long bytes = atoll(v) * 3;
        if (s == r->n_sig + 1) first_spare = off; /* the second annotation signal */
        off += bytes;
    }
    r->rec_bytes = off;
    r->annot_off = first_spare;
    r->annot_bytes = (int)(off - first_spare);
    rc = first_spare > 0 ? 0 : -1;
out:
    free(spr);
    return rc;
}

/* After a record: the header's record count, then as many pending annotations as fit in the records on disk. */
static void update_live(recorder *r, uint64_t records)
{
    if (r->rec_bytes == 0 && read_layout(r) != 0) {
        fail_w(r, "%s: cannot read back its own header; the recording stopped (the stream goes on)", r->path);
        return;
    }
    char cnt[9];
    snprintf(cnt, sizeof cnt, "%-8llu", (unsigned long long)records);
    if (pwrite(r->fd, cnt, 8, 236) != 8) {
        fail_w(r, "%s: cannot update the header: %s; check the disk", r->path, strerror(errno));
        return;
    }
    int done = 0;
    while (done < r->n_pending && r->ann_rec < records) {
        const note *a = &r->pending[done];
        char tal[REC_NOTE_MAX + 48];
        int len = a->dur_s >= 0 ? snprintf(tal, sizeof tal, "+%.4f\x15%.4f\x14%s\x14", a->t_s, a->dur_s, a->text)
                                : snprintf(tal, sizeof tal, "+%.4f\x14%s\x14", a->t_s, a->text);
        len += 1;                   /* the TAL's closing NUL */
        if (len > r->annot_bytes) { /* cannot fit anywhere: it stays in events.tsv only */
            done++;
            continue;
        }
        if (r->ann_used + len > r->annot_bytes) {
            r->ann_rec++, r->ann_used = 0;
            continue;
        }
        off_t at = (off_t)(r->hdr_bytes + (long long)r->ann_rec * r->rec_bytes + r->annot_off + r->ann_used);
        if (pwrite(r->fd, tal, (size_t)len, at) != len) {
            fail_w(r, "%s: cannot write an annotation: %s; check the disk", r->path, strerror(errno));
            return;
        }
        r->ann_used += len;
        done++;
    }
    memmove(r->pending, r->pending + done, (size_t)(r->n_pending - done) * sizeof *r->pending);
    r->n_pending -= done;
}

static void add_note(recorder *r, double t_s, double dur_s, const char *text)
{
    if (r->events) {
        fprintf(r->events, "%.4f\t%.4f\t%s\n", t_s, dur_s < 0 ? 0.0 : dur_s, text);
        fflush(r->events);
    }
    edf_lock();
    int bad = edfwrite_annotation_utf8(r->h, llround(t_s * 10000), dur_s < 0 ? -1 : llround(dur_s * 10000), text);
    edf_unlock();
    if (bad) {
        pthread_mutex_lock(&r->mu);
        r->st.notes_dropped++;
        pthread_mutex_unlock(&r->mu);
    }
    if (r->n_pending == REC_PENDING_NOTES) return; /* far behind the data: it waits for the clean close */
    note *a = &r->pending[r->n_pending++];
    a->t_s = t_s;
    a->dur_s = dur_s;
    snprintf(a->text, sizeof a->text, "%s", text);
}

/* Before EDFlib's own close writes every annotation: the live copies are cleared, so none is there twice. */
static void clear_live(recorder *r)
{
    if (r->rec_bytes == 0) return;
    char zero[1024] = {0};
    uint64_t last = r->ann_rec + (r->ann_used > 0);
    for (uint64_t k = 0; k < last; k++) {
        off_t at = (off_t)(r->hdr_bytes + (long long)k * r->rec_bytes + r->annot_off);
        for (int done = 0; done < r->annot_bytes;) {
            int len = r->annot_bytes - done > (int)sizeof zero ? (int)sizeof zero : r->annot_bytes - done;
            if (pwrite(r->fd, zero, (size_t)len, at + done) != len) return;
            done += len;
        }
    }
}

/* Writes every complete record (all signals have spr samples); with force 1, also one where some signal has a full
 * record (the lagging ones padded); with force 2, also the last part-record. */
static void write_records(recorder *r, int force)
{
    for (;;) {
        int min = r->fill[0], max = r->fill[0];
        for (int s = 1; s < r->n_sig; s++) {
            if (r->fill[s] < min) min = r->fill[s];
            if (r->fill[s] > max) max = r->fill[s];
        }
        if (min < r->spr && !(force >= 1 && max >= r->spr) && !(force == 2 && max > 0)) return;
        uint64_t clipped = 0;
        edf_lock();
        int bad = 0;
        for (int s = 0; s < r->n_sig && !bad; s++) {
            for (int i = 0; i < r->spr; i++) {
                double v = i < r->fill[s] ? r->buf[s][i] : 0.0;
                if (!(v <= r->range)) v = r->range, clipped += isnan(v) ? 0 : 1; /* NaN clips high too */
                if (v < -r->range) v = -r->range, clipped++;
                /* rounded here (EDFlib's physical writer truncates): every sample within half a step */
                long d = lround(v / r->bitv - 0.5);
                r->rec[i] = (int)(d > 8388607 ? 8388607 : d < -8388608 ? -8388608 : d);
            }
            bad = edfwrite_digital_samples(r->h, r->rec) != 0;
        }
        edf_unlock();
        for (int s = 0; s < r->n_sig; s++) {
            int k = r->fill[s] < r->spr ? r->fill[s] : r->spr;
            r->next[s] += (uint64_t)(r->spr - k); /* padded: what comes later for those samples is too late */
            memmove(r->buf[s], r->buf[s] + k, (size_t)(r->fill[s] - k) * sizeof(double));
            r->fill[s] -= k;
        }
        pthread_mutex_lock(&r->mu);
        r->st.clipped += clipped;
        uint64_t recs = bad ? r->st.records : ++r->st.records;
        r->st.samples = recs * (uint64_t)r->spr;
        pthread_mutex_unlock(&r->mu);
        if (bad) {
            fail_w(r,
                   "%s: cannot write a data record: %s; the disk may be full or gone (the recording stopped; the "
                   "stream goes on)",
                   r->path, strerror(errno ? errno : EIO));
            return;
        }
        /* EDFlib flushed it: check that it is really on the file (a full disk shows here) */
        struct stat sb;
        if (fstat(r->fd, &sb) == 0 && r->rec_bytes > 0 && sb.st_size < r->hdr_bytes + (long long)recs * r->rec_bytes) {
            fail_w(r,
                   "%s: the disk is full (%lld of %lld bytes written); free space, then start a new session (the "
                   "stream goes on)",
                   r->path, (long long)sb.st_size, r->hdr_bytes + (long long)recs * r->rec_bytes);
            return;
        }
        update_live(r, recs);
        if (r->rec_bytes > 0 && fstat(r->fd, &sb) == 0 && sb.st_size < r->hdr_bytes + (long long)recs * r->rec_bytes) {
            fail_w(r, "%s: the disk is full; free space, then start a new session (the stream goes on)", r->path);
            return;
        }
    }
}

/* Appends n samples (x, or zeros when x is NULL) to signal s, writing records as they complete. */
static void append(recorder *r, int s, const double *x, uint64_t n)
{
    while (n > 0 && !failed(r)) {
        int room = r->buf_cap - r->fill[s];
        if (room == 0) {
            write_records(r, 1); /* one signal far ahead of another: pad the others */
            continue;
        }
        int k = n < (uint64_t)room ? (int)n : room;
        if (x) {
            memcpy(r->buf[s] + r->fill[s], x, (size_t)k * sizeof *x);
            x += k;
        } else {
            memset(r->buf[s] + r->fill[s], 0, (size_t)k * sizeof(double));
        }
        r->fill[s] += k;
        r->next[s] += (uint64_t)k;
        n -= (uint64_t)k;
        write_records(r, 0);
    }
}

static uint64_t file_pos(const recorder *r, uint64_t pos) { return pos >= r->start ? pos - r->start + r->shift : 0; }

static void handle(recorder *r, const msg *m, const double *x)
{
    char text[80];
    switch (m->type) {
    case M_DATA: {
        uint64_t at = file_pos(r, m->pos), want = r->next[m->sig];
        uint64_t skip = 0;
        if (at > want) { /* samples dropped on a full queue before this one: zeros in their place */
            snprintf(text, sizeof text, "recorder overflow (%llu samples)", (unsigned long long)(at - want));
            if (m->sig == 0) add_note(r, (double)want / r->fs, (double)(at - want) / r->fs, text);
            append(r, (int)m->sig, NULL, at - want);
        } else if (at < want) {
            skip = want - at; /* already there (never expected) */
        }
        if (skip < m->n) append(r, (int)m->sig, x + skip, m->n - skip);
        break;
    }
    case M_NOTE: add_note(r, (double)file_pos(r, m->pos) / r->fs, m->dur_s, m->text); break;
    case M_GAP: {
        uint64_t at = file_pos(r, m->pos);
        snprintf(text, sizeof text, "signal lost (%u samples)", m->n);
        add_note(r, (double)at / r->fs, m->n / r->fs, text);
        r->shift += m->n;
        for (int s = 0; s < r->n_sig; s++) append(r, s, NULL, at + m->n > r->next[s] ? at + m->n - r->next[s] : 0);
        pthread_mutex_lock(&r->mu);
        r->st.gap_samples += m->n;
        pthread_mutex_unlock(&r->mu);
        break;
    }
    default: break;
    }
}

/* Drains the queue; returns 1 when it met the stop message. */
static int drain(recorder *r)
{
    for (;;) {
        size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        if (tail == head) return 0;
        if (r->cap - tail < sizeof(msg)) { /* too short for a marker: an implicit wrap */
            atomic_store_explicit(&r->tail, 0, memory_order_release);
            continue;
        }
        msg m;
        memcpy(&m, r->ring + tail, sizeof m);
        if (m.type == M_WRAP) {
            atomic_store_explicit(&r->tail, 0, memory_order_release);
            continue;
        }
        size_t len = (sizeof m + (m.type == M_DATA ? m.n * sizeof(double) : 0) + 7) & ~(size_t)7;
        if (!failed(r)) {
            if (m.type == M_DATA) {
                double x[REC_CHUNK];
                memcpy(x, r->ring + tail + sizeof m, m.n * sizeof(double));
                handle(r, &m, x);
            } else {
                handle(r, &m, NULL);
            }
        }
        size_t to = tail + len;
        if (to == r->cap) to = 0;
        atomic_store_explicit(&r->tail, to, memory_order_release);
        if (m.type == M_STOP) return 1;
    }
}

static void *writer(void *arg)
{
    recorder *r = arg;
    for (;;) {
        if (drain(r)) break;
        if (atomic_load(&r->stop) && atomic_load(&r->head) == atomic_load(&r->tail)) break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------------------- open */

static int set_signals(recorder *r, const record_spec *sp)
{
    int h = r->h, bad = 0;
    bad |= edf_set_datarecord_duration(h, (int)(REC_SECONDS * 100000));
    bad |= edf_set_number_of_annotation_signals(h, REC_ANNOT_SIGNALS);
    for (int s = 0; s < r->n_sig; s++) {
        int m = s % sp->n_muscles, env = s >= sp->n_muscles;
        char label[17], tr[81];
        if (env)
            snprintf(label, sizeof label, "E:%.14s", sp->names[m]);
        else
            snprintf(label, sizeof label, "%.16s", sp->names[m]);
        snprintf(tr, sizeof tr, "sEMG %s %s", sp->names[m], env ? "envelope" : "raw");
        bad |= edf_set_samplefrequency(h, s, r->spr);
        bad |= edf_set_physical_maximum(h, s, r->range);
        bad |= edf_set_physical_minimum(h, s, -r->range);
        bad |= edf_set_digital_maximum(h, s, 8388607);
        bad |= edf_set_digital_minimum(h, s, -8388608);
        bad |= edf_set_label(h, s, label);
        bad |= edf_set_transducer(h, s, tr);
        bad |= edf_set_physical_dimension(h, s, "uV");
        bad |= edf_set_prefilter(h, s, env ? "envelope of the filtered signal" : "none (as the amplifier gave it)");
    }
    bad |= edf_set_patientcode(h, sp->patient);
    if (sp->label && *sp->label) bad |= edf_set_recording_additional(h, sp->label);
    bad |= edf_set_equipment(
        h, "myofeed"); /* short: the header's 80 bytes are for the label (the source is in summary.json) */
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    bad |= edf_set_startdatetime(h, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return bad ? -1 : 0;
}

static void free_recorder(recorder *r)
{
    if (!r) return;
    if (r->buf)
        for (int s = 0; s < r->n_sig; s++) free(r->buf[s]);
    free(r->buf);
    free(r->fill);
    free(r->next);
    free(r->rec);
    free(r->pending);
    free(r->ring);
    if (r->fd >= 0) close(r->fd);
    if (r->events) fclose(r->events);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

recorder *record_open(const record_spec *sp, char *err, size_t n)
{
    double spr_d = sp->fs * REC_SECONDS;
    if (sp->n_muscles <= 0 || sp->fs <= 0 || fabs(spr_d - round(spr_d)) > 1e-9) {
        snprintf(err, n, "%s: cannot record at %g Hz: half a second must be a whole number of samples", sp->path,
                 sp->fs);
        return NULL;
    }
    recorder *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, n, "%s: out of memory for the recorder", sp->path);
        return NULL;
    }
    pthread_mutex_init(&r->mu, NULL);
    r->fd = -1;
    r->h = -1;
    snprintf(r->path, sizeof r->path, "%s", sp->path);
    r->n_sig = 2 * sp->n_muscles;
    r->spr = (int)round(spr_d);
    r->fs = sp->fs;
    r->range = sp->range_uv > 0 ? sp->range_uv : REC_DEFAULT_RANGE;
    r->bitv = 2 * r->range / 16777215.0;
    r->start = sp->start_sample;
    r->buf_cap = 8 * r->spr + REC_CHUNK;
    double bytes = REC_QUEUE_SECONDS * sp->fs * r->n_sig * (sizeof(double) + sizeof(msg) / (double)REC_CHUNK);
    r->cap = (size_t)(bytes > 64e6 ? 64e6 : bytes) + 64 * 1024;
    r->ring = malloc(r->cap);
    r->buf = calloc((size_t)r->n_sig, sizeof *r->buf);
    r->fill = calloc((size_t)r->n_sig, sizeof *r->fill);
    r->next = calloc((size_t)r->n_sig, sizeof *r->next);
    r->rec = malloc((size_t)r->spr * sizeof *r->rec);
    r->pending = malloc(REC_PENDING_NOTES * sizeof *r->pending);
    int ok = r->ring && r->buf && r->fill && r->next && r->rec && r->pending;
    for (int s = 0; ok && s < r->n_sig; s++) ok = (r->buf[s] = malloc((size_t)r->buf_cap * sizeof(double))) != NULL;
    if (!ok) {
        snprintf(err, n, "%s: out of memory for the recorder's queue (%zu bytes)", sp->path, r->cap);
        free_recorder(r);
        return NULL;
    }
    /* created here, 0600 and exclusive, before EDFlib opens it: never an existing file, never readable by others */
    r->fd = open(sp->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (r->fd < 0) {
        snprintf(err, n, "%s: cannot create the recording: %s; %s", sp->path, strerror(errno),
                 errno == EEXIST ? "a file is never overwritten; start a new session"
                                 : "check that session.dir is writable and the disk has space");
        free_recorder(r);
        return NULL;
    }
    if (sp->events) {
        int efd = open(sp->events, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (efd < 0 || !(r->events = fdopen(efd, "w"))) {
            snprintf(err, n, "%s: cannot create the annotations' journal: %s; check session.dir", sp->events,
                     strerror(errno));
            if (efd >= 0) close(efd);
            unlink(sp->path);
            free_recorder(r);
            return NULL;
        }
        fprintf(r->events, "onset_s\tduration_s\tannotation\n");
        fflush(r->events);
    }
    edf_lock();
    r->h = edfopen_file_writeonly(sp->path, EDFLIB_FILETYPE_BDFPLUS, r->n_sig);
    int bad = r->h < 0 || set_signals(r, sp) != 0;
    if (bad && r->h >= 0) edfclose_file(r->h);
    edf_unlock();
    if (bad) {
        snprintf(err, n, "%s: EDFlib cannot set up the BDF+ file (error %d); check session.dir", sp->path, r->h);
        unlink(sp->path);
        if (sp->events) unlink(sp->events);
        free_recorder(r);
        return NULL;
    }
    if (pthread_create(&r->thread, NULL, writer, r) != 0) {
        snprintf(err, n, "%s: cannot start the writer thread: %s", sp->path, strerror(errno));
        edf_lock();
        edfclose_file(r->h);
        edf_unlock();
        unlink(sp->path);
        free_recorder(r);
        return NULL;
    }
    r->started = 1;
    return r;
}

int record_poll(recorder *r, record_status *st)
{
    pthread_mutex_lock(&r->mu);
    *st = r->st;
    int tell = r->st.failed && !r->failed_told;
    if (tell) r->failed_told = 1;
    pthread_mutex_unlock(&r->mu);
    st->dropped += atomic_load(&r->dropped);
    st->notes_dropped += atomic_load(&r->notes_dropped);
    return tell;
}

int record_close(recorder *r, record_status *out)
{
    if (!r) return 0;
    msg m = {.type = M_STOP};
    if (push(r, &m, NULL) != 0) atomic_store(&r->stop, 1);
    pthread_join(r->thread, NULL);
    /* samples dropped at the very end (no later block showed the hole): zeros up to the last sample given */
    uint64_t end = file_pos(r, atomic_load(&r->end_pos));
    for (int s = 0; s < r->n_sig && !failed(r); s++)
        if (r->next[s] < end) {
            if (s == 0) {
                char text[80];
                snprintf(text, sizeof text, "recorder overflow (%llu samples)", (unsigned long long)(end - r->next[s]));
                add_note(r, (double)r->next[s] / r->fs, (double)(end - r->next[s]) / r->fs, text);
            }
            append(r, s, NULL, end - r->next[s]);
        }
    if (!failed(r)) write_records(r, 2); /* the last part-record, padded */
    int rc = 0;
    clear_live(r);
    edf_lock();
    if (edfclose_file(r->h) != 0 && !r->st.failed) {
        edf_unlock();
        fail_w(r, "%s: EDFlib could not finish the file (header and annotations); the data so far is valid", r->path);
        edf_lock();
    }
    edf_unlock();
    record_status st;
    record_poll(r, &st);
    if (st.failed) rc = -1;
    if (out) *out = st;
    free_recorder(r);
    return rc;
}

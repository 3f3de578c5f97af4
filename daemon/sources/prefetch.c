/* prefetch.c: a reader thread ahead of the pipeline, handing over blocks through a small ring. */
#include "sources/prefetch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4 /* blocks in flight: the reader may run this far ahead */

struct prefetch {
    reader *rec;
    uint32_t block, nc;
    double *buf[SLOTS];
    uint32_t got[SLOTS];
    unsigned head, tail; /* slots filled by the reader / taken by the consumer (counters, mod SLOTS) */
    int held;            /* the consumer holds slot tail-1 until its next call */
    int done, stop;      /* the reader reached the end / is asked to stop */
    pthread_mutex_t mu;
    pthread_cond_t filled, freed;
    pthread_t thread;
};

static void *read_ahead(void *arg)
{
    prefetch *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->stop && p->head - p->tail + (unsigned)p->held >= SLOTS) pthread_cond_wait(&p->freed, &p->mu);
        int stop = p->stop;
        unsigned slot = p->head % SLOTS;
        pthread_mutex_unlock(&p->mu);
        if (stop) break;
        uint32_t got = reader_read(p->rec, p->buf[slot], p->block); /* outside the lock: the slow part */
        pthread_mutex_lock(&p->mu);
        p->got[slot] = got;
        p->head++;
        if (got == 0) p->done = 1;
        pthread_cond_signal(&p->filled);
        pthread_mutex_unlock(&p->mu);
        if (got == 0) break;
    }
    return NULL;
}

prefetch *prefetch_start(reader *r, uint32_t block_frames, char *err, size_t n)
{
    prefetch *p = calloc(1, sizeof *p);
    if (!p) goto oom;
    p->rec = r;
    p->block = block_frames;
    p->nc = (uint32_t)reader_channels(r);
    for (int i = 0; i < SLOTS; i++)
        if (!(p->buf[i] = malloc(sizeof(double) * block_frames * p->nc))) goto oom;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->filled, NULL);
    pthread_cond_init(&p->freed, NULL);
    int rc = pthread_create(&p->thread, NULL, read_ahead, p);
    if (rc != 0) {
        snprintf(err, n, "cannot start the replay reader thread: %s; free some memory or processes", strerror(rc));
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->filled);
        pthread_cond_destroy(&p->freed);
        for (int i = 0; i < SLOTS; i++) free(p->buf[i]);
        free(p);
        return NULL;
    }
    return p;
oom:
    if (p)
        for (int i = 0; i < SLOTS; i++) free(p->buf[i]);
    free(p);
    snprintf(err, n, "out of memory for %d replay blocks of %u frames; free some memory and replay again", SLOTS,
             block_frames);
    return NULL;
}

uint32_t prefetch_next(prefetch *p, const double **frames)
{
    pthread_mutex_lock(&p->mu);
    if (p->held) { /* the previous block is free again */
        p->held = 0;
        pthread_cond_signal(&p->freed);
    }
    while (p->head == p->tail) pthread_cond_wait(&p->filled, &p->mu);
    unsigned slot = p->tail % SLOTS;
    uint32_t got = p->got[slot];
    if (got) {
        p->tail++;
        p->held = 1;
    }
    pthread_mutex_unlock(&p->mu);
    *frames = p->buf[slot];
    return got;
}

void prefetch_stop(prefetch *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->filled);
    pthread_cond_destroy(&p->freed);
    for (int i = 0; i < SLOTS; i++) free(p->buf[i]);
    free(p);
}

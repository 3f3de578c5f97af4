/* edf_lock.c: the one mutex around EDFlib (see edf_lock.h). */
#include "base/edf_lock.h"

#include <pthread.h>

static pthread_mutex_t edf_mutex = PTHREAD_MUTEX_INITIALIZER;

void edf_lock(void) { pthread_mutex_lock(&edf_mutex); }
void edf_unlock(void) { pthread_mutex_unlock(&edf_mutex); }

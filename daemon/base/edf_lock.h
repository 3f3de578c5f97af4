/* edf_lock.h: EDFlib keeps its open files in one process-wide table without a lock, and the daemon uses it from
 * two threads (the replay reader on the event loop, the recorder's writer thread). Every EDFlib call is made
 * between edf_lock() and edf_unlock(). Owns: that one mutex. */
#ifndef MF_EDF_LOCK_H
#define MF_EDF_LOCK_H

void edf_lock(void);
void edf_unlock(void);

#endif

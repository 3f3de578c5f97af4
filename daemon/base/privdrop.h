/* privdrop.h: a daemon started as root becomes an ordinary user (--user NAME) once what needs root is done (the
 * control socket bound): its groups (dialout for the serial port), then its gid, then its uid, checked to be
 * irreversible. Owns: that sequence. */
#ifndef MF_PRIVDROP_H
#define MF_PRIVDROP_H

#include <stddef.h>

/* 0 when the process now runs as user (and cannot become root again), -1 with err. */
int privdrop_to(const char *user, char *err, size_t n);

#endif

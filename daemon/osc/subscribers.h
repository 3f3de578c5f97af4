/* subscribers.h: clients that asked for the stream, each with a profile and a lease.
 * Owns: the table, lease renewal and expiry. Knows nothing of message contents. */
#ifndef MF_SUBSCRIBERS_H
#define MF_SUBSCRIBERS_H

#include <netinet/in.h>

#define SUBS_MAX 32

typedef struct subscriber {
    struct sockaddr_in addr;
    int profile;
    double expires_s;
} subscriber;

typedef struct subscribers {
    int n;
    subscriber s[SUBS_MAX];
} subscribers;

/* Adds or renews addr. Returns 0 when new, 1 when renewed, -1 when the table is full. */
int subs_add(subscribers *t, const struct sockaddr_in *addr, int profile, double now_s, double lease_s);
/* Returns 0 when removed, -1 when addr was not subscribed. */
int subs_remove(subscribers *t, const struct sockaddr_in *addr);
/* Drops expired leases; returns how many. */
int subs_expire(subscribers *t, double now_s);

#endif

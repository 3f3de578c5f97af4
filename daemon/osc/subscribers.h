/* subscribers.h: clients that asked for the stream, each with a profile, a lease and its owner (the socket that
 * asked). Owns: the table, lease renewal and expiry, and the per-owner limit. Knows nothing of message contents. */
#ifndef MF_SUBSCRIBERS_H
#define MF_SUBSCRIBERS_H

#include <netinet/in.h>

#define SUBS_MAX 32
#define SUBS_PER_OWNER 4 /* one socket cannot take the table */

typedef struct subscriber {
    struct sockaddr_in addr;
    struct sockaddr_in owner; /* who subscribed it (the sender; often addr itself) */
    int profile;
    double expires_s;
} subscriber;

typedef struct subscribers {
    int n;
    subscriber s[SUBS_MAX];
} subscribers;

/* Adds or renews addr for owner. Returns 0 when new, 1 when renewed, -1 when the table is full, -2 when owner has
 * SUBS_PER_OWNER already, -3 when addr is another owner's. */
int subs_add(subscribers *t, const struct sockaddr_in *addr, const struct sockaddr_in *owner, int profile, double now_s,
             double lease_s);
/* Removes addr if owner may (it subscribed it, or it is addr). Returns 0 when removed, -1 when addr was not
 * subscribed, -2 when it is another's. */
int subs_remove(subscribers *t, const struct sockaddr_in *addr, const struct sockaddr_in *owner);
/* Drops expired leases; returns how many. */
int subs_expire(subscribers *t, double now_s);

#endif

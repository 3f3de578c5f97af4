/* subscribers.c: the subscriber table (a small array: at most SUBS_MAX entries). */
#include "osc/subscribers.h"

static int same(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

int subs_add(subscribers *t, const struct sockaddr_in *addr, int profile, double now_s, double lease_s)
{
    for (int i = 0; i < t->n; i++)
        if (same(&t->s[i].addr, addr)) {
            t->s[i].profile = profile;
            t->s[i].expires_s = now_s + lease_s;
            return 1;
        }
    if (t->n >= SUBS_MAX) return -1;
    t->s[t->n++] = (subscriber){*addr, profile, now_s + lease_s};
    return 0;
}

int subs_remove(subscribers *t, const struct sockaddr_in *addr)
{
    for (int i = 0; i < t->n; i++)
        if (same(&t->s[i].addr, addr)) {
            t->s[i] = t->s[--t->n];
            return 0;
        }
    return -1;
}

int subs_expire(subscribers *t, double now_s)
{
    int removed = 0;
    for (int i = 0; i < t->n;)
        if (t->s[i].expires_s <= now_s) {
            t->s[i] = t->s[--t->n];
            removed++;
        } else {
            i++;
        }
    return removed;
}

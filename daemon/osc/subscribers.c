/* subscribers.c: the subscriber table (a small array: at most SUBS_MAX entries). */
#include "osc/subscribers.h"

static int same(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

static int may_change(const subscriber *s, const struct sockaddr_in *who)
{
    return same(&s->owner, who) || same(&s->addr, who);
}

int subs_add(subscribers *t, const struct sockaddr_in *addr, const struct sockaddr_in *owner, int profile, double now_s,
             double lease_s)
{
    int owned = 0;
    for (int i = 0; i < t->n; i++) {
        if (same(&t->s[i].addr, addr)) {
            if (!may_change(&t->s[i], owner)) return -3;
            t->s[i].profile = profile;
            t->s[i].expires_s = now_s + lease_s;
            return 1;
        }
        owned += same(&t->s[i].owner, owner);
    }
    if (t->n >= SUBS_MAX) return -1;
    if (owned >= SUBS_PER_OWNER) return -2;
    t->s[t->n++] = (subscriber){*addr, *owner, profile, now_s + lease_s};
    return 0;
}

int subs_remove(subscribers *t, const struct sockaddr_in *addr, const struct sockaddr_in *owner)
{
    for (int i = 0; i < t->n; i++)
        if (same(&t->s[i].addr, addr)) {
            if (!may_change(&t->s[i], owner)) return -2;
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

/* privdrop.c: dropping root (see privdrop.h). */
#include "base/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int privdrop_to(const char *user, char *err, size_t n)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, n, "--user %s: no such user; create it (e.g. useradd -r -G dialout %s) or name another", user,
                 user);
        return -1;
    }
    if (geteuid() != 0) {
        if (geteuid() == pw->pw_uid) return 0; /* already that user */
        snprintf(err, n,
                 "--user %s: only root can become another user (running as uid %u); start as root or drop "
                 "the option",
                 user, (unsigned)geteuid());
        return -1;
    }
    if (initgroups(user, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        snprintf(err, n, "--user %s: cannot become uid %u gid %u: %s", user, (unsigned)pw->pw_uid, (unsigned)pw->pw_gid,
                 strerror(errno));
        return -1;
    }
    if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        snprintf(err, n, "--user %s: root could be regained after the drop; refusing to run", user);
        return -1;
    }
    return 0;
}

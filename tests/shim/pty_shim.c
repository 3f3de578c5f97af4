/* pty_shim.c: a test-only LD_PRELOAD shim so libserialport 0.1.1 can open a pseudo-terminal, letting the
 * tests run the daemon's real libserialport path (sp_get_port_by_name, sp_open, configuration) against a
 * fake amplifier on a pty. libserialport refuses ptys in two places: it looks for /sys/class/tty/<name>
 * (a pty has none) and it asks the modem lines with TIOCMGET (ENOTTY on a pty). This shim answers exactly
 * those: lstat/readlink under /sys/class/tty/pts/, and TIOCMGET/TIOCMSET/TIOCMBIS/TIOCMBIC on a pty fd.
 * Everything else goes to libc. Never used outside the tests. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#define PTS_SYS "/sys/class/tty/pts/"

static int is_pts_sys(const char *path) { return path && strncmp(path, PTS_SYS, strlen(PTS_SYS)) == 0; }

static int fake_stat(struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFDIR | 0755;
    return 0;
}

int lstat(const char *path, struct stat *st)
{
    static int (*real)(const char *, struct stat *);
    if (is_pts_sys(path)) return fake_stat(st);
    if (!real) real = (int (*)(const char *, struct stat *))dlsym(RTLD_NEXT, "lstat");
    return real(path, st);
}

int stat(const char *path, struct stat *st)
{
    static int (*real)(const char *, struct stat *);
    if (is_pts_sys(path)) return fake_stat(st);
    if (!real) real = (int (*)(const char *, struct stat *))dlsym(RTLD_NEXT, "stat");
    return real(path, st);
}

/* libserialport 0.1.1 as built by Debian calls the pre-2.33 glibc entry point. */
int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat(int ver, const char *path, struct stat *st)
{
    static int (*real)(int, const char *, struct stat *);
    if (is_pts_sys(path)) return fake_stat(st);
    if (!real) real = (int (*)(int, const char *, struct stat *))dlsym(RTLD_NEXT, "__lxstat");
    if (!real) return lstat(path, st);
    return real(ver, path, st);
}

ssize_t readlink(const char *path, char *buf, size_t n)
{
    static ssize_t (*real)(const char *, char *, size_t);
    if (is_pts_sys(path)) { /* ".../device/driver" of a native serial port */
        const char *drv = "../../../../bus/platform/drivers/serial8250";
        size_t len = strlen(drv) < n ? strlen(drv) : n;
        memcpy(buf, drv, len);
        return (ssize_t)len;
    }
    if (!real) real = (ssize_t(*)(const char *, char *, size_t))dlsym(RTLD_NEXT, "readlink");
    return real(path, buf, n);
}

static int is_pty_fd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) return 0;
    unsigned maj = major(st.st_rdev);
    return maj >= 136 && maj <= 143; /* Unix98 pty slaves */
}

int ioctl(int fd, unsigned long req, ...)
{
    static int (*real)(int, unsigned long, ...);
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if ((req == TIOCMGET || req == TIOCMSET || req == TIOCMBIS || req == TIOCMBIC) && is_pty_fd(fd)) {
        if (req == TIOCMGET && arg) *(int *)arg = TIOCM_DTR | TIOCM_RTS | TIOCM_CTS | TIOCM_DSR;
        return 0;
    }
    if (!real) real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    return real(fd, req, arg);
}

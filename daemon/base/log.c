/* log.c: stderr/syslog sink and rate-limited complaints. */
#include "base/log.h"

#include <stdio.h>
#include <syslog.h>

static int g_level = LOG_LVL_INFO;
static int g_syslog;

void log_init(int verbosity, int use_syslog)
{
    g_level = LOG_LVL_INFO + verbosity;
    if (g_level > LOG_LVL_DEBUG) g_level = LOG_LVL_DEBUG;
    if (g_level < LOG_LVL_ERROR) g_level = LOG_LVL_ERROR;
    g_syslog = use_syslog;
    if (use_syslog) openlog("myofeedd", LOG_PID, LOG_DAEMON);
}

int log_enabled(enum log_level level) { return (int)level <= g_level; }

static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void log_vmsg(enum log_level level, const char *component, const char *fmt, va_list ap)
{
    if (!log_enabled(level)) return;
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    if (g_syslog) {
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        syslog(prio[level], "%s: %s", component, line);
    }
    fprintf(stderr, "%s %s: %s\n", names[level], component, line);
}

void log_msg(enum log_level level, const char *component, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, component, fmt, ap);
    va_end(ap);
}

void complain(complaint *c, double now_s, enum log_level level, const char *component, const char *fmt, ...)
{
    if (now_s < c->next_s) {
        c->suppressed++;
        return;
    }
    char line[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (c->suppressed)
        log_msg(level, component, "%s (%u more like this since the last report)", line, c->suppressed);
    else
        log_msg(level, component, "%s", line);
    c->suppressed = 0;
    if (c->interval_s <= 0) c->interval_s = 1.0;
    c->next_s = now_s + c->interval_s;
}

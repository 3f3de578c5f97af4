/* log.h: one line per event on stderr (optionally syslog) as "LEVEL component: message".
 * Owns: the log level and sink. Never called per sample; repeated conditions use a complaint. */
#ifndef MF_LOG_H
#define MF_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(int verbosity, int use_syslog);
int log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *component, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level level, const char *component, const char *fmt, va_list ap);

/* A recurring problem: logged the first time, then at most once per interval with a count of
 * what was suppressed meanwhile (collectd's "complain" habit). */
typedef struct complaint {
    double next_s;
    double interval_s;
    unsigned suppressed;
} complaint;

void complain(complaint *c, double now_s, enum log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#define LOGE(...) log_msg(LOG_LVL_ERROR, LOG_COMPONENT, __VA_ARGS__)
#define LOGW(...) log_msg(LOG_LVL_WARN, LOG_COMPONENT, __VA_ARGS__)
#define LOGI(...) log_msg(LOG_LVL_INFO, LOG_COMPONENT, __VA_ARGS__)
#define LOGD(...) log_msg(LOG_LVL_DEBUG, LOG_COMPONENT, __VA_ARGS__)

#endif

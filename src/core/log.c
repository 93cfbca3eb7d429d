/* log.c -- the message channel of log.h: a process-wide handler (none: dropped) and warnings. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

#define RMN_LOG_CAP 4096

static rmn_log_handler     log_handler;
static void               *log_user;
static rmn_warning_handler warning_handler;
static void               *warning_user;

void rmn_log_set_handler(rmn_log_handler handler, void *user) {
    log_handler = handler;
    log_user = user;
}

void rmn_log(int level, const char *fmt, ...) {
    if (!log_handler)
        return;
    char line[RMN_LOG_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_handler(level, line, log_user);
}

void rmn_warning_set_handler(rmn_warning_handler handler, void *user) {
    warning_handler = handler;
    warning_user = user;
}

void rmn_warning(const char *fmt, ...) {
    char msg[RMN_LOG_CAP - 16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (warning_handler)
        warning_handler(msg, warning_user);
    else
        rmn_log(RMN_LOG_WARNING, "rmn: warning: %s", msg);
}

/* error.c -- the thread-local error record behind RMN_ERROR, and the warning channel. */
#include "core/error.h"

#include <stdarg.h>
#include <string.h>

#define RMN_ERROR_CAP 2048

static _Thread_local char error_text[RMN_ERROR_CAP];
static _Thread_local int  error_code;

static const char *base_name(const char *path) {
    /* keep "src/dir/file.c": strip anything before the last "src/" */
    const char *p = strstr(path, "src/");
    const char *last = p;
    while (p) {
        last = p;
        p = strstr(p + 1, "src/");
    }
    return last ? last : path;
}

int rmn_error_set(int code, const char *file, int line, const char *fmt, ...) {
    char msg[RMN_ERROR_CAP - 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(error_text, sizeof error_text, "%s (%.200s:%d)", msg, base_name(file), line);
    error_code = code;
    return code;
}

int rmn_error_prefix(const char *fmt, ...) {
    char prefix[512], old[RMN_ERROR_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, error_text, sizeof old);
    snprintf(error_text, sizeof error_text, "%.500s: %.1500s", prefix, old);
    return error_code;
}

void rmn_error_restore(int code, const char *message) {
    snprintf(error_text, sizeof error_text, "%s", message);
    error_code = code;
}

int rmn_error_naming(int rc, const char *name) {
    if (rc != 0 && !strstr(error_text, name))
        rmn_error_prefix("%s", name);
    return rc;
}

const char *rmn_error_message(void) { return error_text; }
int rmn_error_code(void) { return error_code; }

void rmn_error_clear(void) {
    error_text[0] = '\0';
    error_code = RMN_OK;
}

const char *rmn_status_name(int code) {
    static const char *const names[] = {"OK", "EINVAL", "EFORMAT", "EIO", "ENOMEM",
                                        "ESQL", "EBUSY", "ENOTFOUND", "EINTERNAL", "EINTR"};
    if (code < 0 || code >= (int)(sizeof names / sizeof names[0]))
        return "EUNKNOWN";
    return names[code];
}

static rmn_warning_handler warning_handler;
static void               *warning_user;

void rmn_warning_set_handler(rmn_warning_handler handler, void *user) {
    warning_handler = handler;
    warning_user = user;
}

void rmn_warning(const char *fmt, ...) {
    char msg[RMN_ERROR_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (warning_handler)
        warning_handler(msg, warning_user);
    else
        fprintf(stderr, "rmn: warning: %s\n", msg);
}

/* error.c -- the thread-local error record behind RMN_ERROR (the message for users and, apart,
 * the source place for developers). Warnings and other messages: log.c. */
#include "core/error.h"

#include <stdarg.h>
#include <string.h>

#define RMN_ERROR_CAP 2048

static _Thread_local char error_text[RMN_ERROR_CAP];  /* the message, for users */
static _Thread_local char error_place[256];           /* "src/dir/file.c:LINE", for developers */
static _Thread_local char error_full[RMN_ERROR_CAP + 260];
static _Thread_local int  error_code;
static int                show_places; /* process-wide: rmn_error_show_places */

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
    snprintf(error_text, sizeof error_text, "%s", msg);
    snprintf(error_place, sizeof error_place, "%.200s:%d", base_name(file), line);
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
    error_place[0] = '\0'; /* a saved message already carries its place when places are shown */
    error_code = code;
}

int rmn_error_naming(int rc, const char *name) {
    if (rc != 0 && !strstr(error_text, name))
        rmn_error_prefix("%s", name);
    return rc;
}

const char *rmn_error_message(void) {
    if (!show_places || !error_place[0])
        return error_text;
    snprintf(error_full, sizeof error_full, "%s (%s)", error_text, error_place);
    return error_full;
}

const char *rmn_error_place(void) { return error_place; }
void rmn_error_show_places(int on) { show_places = on != 0; }
int rmn_error_code(void) { return error_code; }

void rmn_error_clear(void) {
    error_text[0] = '\0';
    error_place[0] = '\0';
    error_code = RMN_OK;
}

const char *rmn_status_name(int code) {
    static const char *const names[] = {"OK", "EINVAL", "EFORMAT", "EIO", "ENOMEM",
                                        "ESQL", "EBUSY", "ENOTFOUND", "EINTERNAL", "EINTR"};
    if (code < 0 || code >= (int)(sizeof names / sizeof names[0]))
        return "EUNKNOWN";
    return names[code];
}

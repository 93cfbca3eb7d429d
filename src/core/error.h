/* error.h -- errors as values: status codes plus a per-thread message naming file and place.
 *
 * Library functions return an int status (RMN_OK on success). On failure they call
 * RMN_ERROR(code, fmt, ...), which records the message and, apart, the source place
 * "src/file.c:LINE" in thread-local buffers and returns code, so a failing path reads
 * `return RMN_ERROR(RMN_EIO, "...")`. Programs print rmn_error_message() as
 * "PROGRAM: error: MESSAGE" and exit non-zero (cli/convention.h); the place is for developers: it
 * ends the message only once rmn_error_show_places(1) was called (programs do so under
 * RMN_DEBUG=1).
 * Programmer errors (violated shape contracts) use RMN_ASSERT, which aborts.
 *
 * Ownership (all of rmn): *_alloc, *_open and *_create return owned objects released by the
 * matching *_free or *_close; every other function borrows its pointer arguments. */
#ifndef RMN_CORE_ERROR_H
#define RMN_CORE_ERROR_H

#include <stdio.h>
#include <stdlib.h>

#include "core/env.h" /* rmn_env_get: every file reads the environment through it */
#include "core/log.h" /* rmn_log, rmn_warning: every file speaks through them */

enum rmn_status {
    RMN_OK = 0,
    RMN_EINVAL,    /* bad argument or bad user input (usage, config) */
    RMN_EFORMAT,   /* malformed file content */
    RMN_EIO,       /* read/write/open failure, truncated file, full disk */
    RMN_ENOMEM,    /* allocation failed */
    RMN_ESQL,      /* SQLite failure */
    RMN_EBUSY,     /* database locked beyond the busy timeout */
    RMN_ENOTFOUND, /* named object does not exist */
    RMN_EINTERNAL, /* a library (oneDNN, GSL, ...) failed */
    RMN_EINTR      /* interrupted by a signal on the user's request */
};

/* Records the message (printf-style) with file:line and returns code. */
int rmn_error_set(int code, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prepends "PREFIX: " to the current message (adds context while unwinding); returns the code. */
int rmn_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Puts back a message saved earlier (verbatim), e.g. after cleanup code that may itself fail. */
void rmn_error_restore(int code, const char *message);

/* Returns rc; on failure makes sure the message names `name` (a file), prefixing "NAME: "
 * when the layer that failed did not know it. */
int rmn_error_naming(int rc, const char *name);

/* "" when no error is recorded; "MESSAGE (src/file.c:LINE)" while places are shown. */
const char *rmn_error_message(void);
const char *rmn_error_place(void);   /* "src/file.c:LINE" of the last RMN_ERROR, or "" */
void        rmn_error_show_places(int on); /* process-wide; off by default */
int         rmn_error_code(void);
void        rmn_error_clear(void);
const char *rmn_status_name(int code); /* "EIO", ... */

#define RMN_ERROR(code, ...) rmn_error_set((code), __FILE__, __LINE__, __VA_ARGS__)

/* Evaluates an expression returning a status; returns it from the caller on failure. */
#define RMN_TRY(expr)                    \
    do {                                 \
        int rmn_try_rc_ = (expr);        \
        if (rmn_try_rc_ != RMN_OK)       \
            return rmn_try_rc_;          \
    } while (0)

#define RMN_ASSERT(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

#endif

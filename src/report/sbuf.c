/* sbuf.c -- growing text buffer (sbuf.h). */
#include "report/sbuf.h"

#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(rmn_sbuf *b, size_t extra) {
    if (b->oom)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

void rmn_sbuf_printf(rmn_sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void rmn_sbuf_puts(rmn_sbuf *b, const char *s) {
    size_t n = strlen(s);
    if (!reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

int rmn_sbuf_take(rmn_sbuf *b, char **out) {
    *out = NULL;
    if (b->oom || !reserve(b, 0)) {
        rmn_sbuf_free(b);
        return RMN_ERROR(RMN_ENOMEM, "out of memory building a script");
    }
    b->p[b->len] = '\0';
    *out = b->p;
    memset(b, 0, sizeof *b);
    return RMN_OK;
}

void rmn_sbuf_free(rmn_sbuf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

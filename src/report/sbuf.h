/* sbuf.h -- a growing text buffer for building scripts in memory (printf-style appends).
 * An allocation failure is sticky: later appends do nothing and rmn_sbuf_take returns
 * RMN_ENOMEM. Integers and strings only: format doubles with format.h (no locale). */
#ifndef RMN_REPORT_SBUF_H
#define RMN_REPORT_SBUF_H

#include <stddef.h>

typedef struct {
    char  *p;
    size_t len, cap;
    int    oom;
} rmn_sbuf;

void rmn_sbuf_printf(rmn_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rmn_sbuf_puts(rmn_sbuf *b, const char *s);
/* Hands the text to *out (caller frees); RMN_ENOMEM (and nothing) after a failed append. */
int  rmn_sbuf_take(rmn_sbuf *b, char **out);
void rmn_sbuf_free(rmn_sbuf *b);

#endif

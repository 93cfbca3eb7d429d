/* args.c -- see args.h. */
#include "core/args.h"

#include <errno.h>
#include <stdlib.h>

int rmn_parse_long(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

int rmn_parse_int(const char *s, int lo, int hi, int *out) {
    long v;
    if (!rmn_parse_long(s, lo, hi, &v))
        return 0;
    *out = (int)v;
    return 1;
}

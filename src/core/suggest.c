/* suggest.c -- see suggest.h. */
#include "core/suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_LEN 64 /* longer names are compared on their first MAX_LEN characters */

/* Optimal string alignment distance (Levenshtein plus adjacent transpositions), ASCII case
 * ignored. */
static int distance(const char *a, const char *b) {
    int la = (int)strnlen(a, MAX_LEN), lb = (int)strnlen(b, MAX_LEN);
    int d[MAX_LEN + 1][MAX_LEN + 1];
    for (int i = 0; i <= la; ++i)
        d[i][0] = i;
    for (int j = 0; j <= lb; ++j)
        d[0][j] = j;
    for (int i = 1; i <= la; ++i)
        for (int j = 1; j <= lb; ++j) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            int best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *rmn_suggest_closest(const char *given, const char *const *names, int n) {
    if (!given || !*given)
        return NULL;
    const size_t len = strlen(given);
    const char *best = NULL;
    int best_d = 1 << 30;
    for (int i = 0; i < n; ++i) {
        if (!names[i])
            continue;
        /* a name the user began to type counts as one edit */
        int d = strncmp(names[i], given, len) == 0 && len >= 3 ? 1 : distance(given, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    /* close: a third of the length in edits, at least one, at most three */
    int limit = (int)(len / 3);
    limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
    return best && best_d <= limit ? best : NULL;
}

void rmn_suggest(const char *given, const char *const *names, int n, const char *kind,
                 int max_list, char *buf, size_t cap) {
    size_t used = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
#define PUT(...)                                                                      \
    do {                                                                              \
        int w_ = snprintf(buf + used, cap - used, __VA_ARGS__);                       \
        used = w_ < 0 ? used : used + (size_t)w_ >= cap ? cap - 1 : used + (size_t)w_; \
    } while (0)
    if (n <= 0) {
        PUT("; there are no %s", kind);
        return;
    }
    const char *close = rmn_suggest_closest(given, names, n);
    if (close)
        PUT("; did you mean '%s'? %s: ", close, kind);
    else
        PUT("; %s: ", kind);
    int shown = n < max_list || max_list <= 0 ? n : max_list;
    for (int i = 0; i < shown; ++i)
        PUT("%s%s", i ? ", " : "", names[i]);
    if (shown < n)
        PUT(", ... (%d in all)", n);
#undef PUT
}

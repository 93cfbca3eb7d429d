/* suggest.h -- "did you mean" for names a user mistyped (experiments, models, architectures,
 * runs, stores): the closest valid name, and the list of valid ones, as text for a message. */
#ifndef RMN_CORE_SUGGEST_H
#define RMN_CORE_SUGGEST_H

#include <stddef.h>

/* The valid name closest to `given` (edit distance with transpositions, case ignored) when it
 * is close enough to be a likely typo, else NULL. Borrowed from names. */
const char *rmn_suggest_closest(const char *given, const char *const *names, int n);

/* Writes into buf "; did you mean 'X'? KIND: a, b, c" (the first part only when a name is
 * close; at most `max_list` names listed, then "... (N in all)"), or "; there are no KIND"
 * when n is 0. For appending to an error message: RMN_ERROR(..., "no run '%s'%s", ref, buf). */
void rmn_suggest(const char *given, const char *const *names, int n, const char *kind,
                 int max_list, char *buf, size_t cap);

#endif

/* tap.h -- a tiny TAP producer for rmn's C tests (header-only).
 *
 *   TAP_OK(cond, "fmt", ...)   one "ok N - ..." / "not ok N - ..." line per check
 *   TAP_SKIP("reason")         one "ok N # SKIP reason" line
 *   TAP_NEAR(a, b, tol, ...)   |a-b| <= tol * max(1,|b|), printing both on failure
 *   return tap_done();         prints the plan "1..N"; exit status 1 if any check failed
 */
#ifndef RMN_TESTS_TAP_H
#define RMN_TESTS_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count_ = 0;
static int tap_failed_ = 0;

__attribute__((format(printf, 2, 3), unused))
static int tap_ok_(int cond, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ++tap_count_;
    printf("%s %d - ", cond ? "ok" : "not ok", tap_count_);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!cond)
        ++tap_failed_;
    fflush(stdout);
    return cond;
}

__attribute__((unused))
static void tap_skip_(const char *reason) {
    printf("ok %d # SKIP %s\n", ++tap_count_, reason);
    fflush(stdout);
}

__attribute__((unused))
static void tap_diag(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

__attribute__((unused))
static int tap_done(void) {
    printf("1..%d\n", tap_count_);
    return tap_failed_ ? 1 : 0;
}

#define TAP_OK(cond, ...) tap_ok_(!!(cond), __VA_ARGS__)
#define TAP_SKIP(reason) tap_skip_(reason)
#define TAP_NEAR(a, b, tol, ...)                                                        \
    do {                                                                                \
        double tap_a_ = (a), tap_b_ = (b);                                              \
        int tap_c_ = fabs(tap_a_ - tap_b_) <= (tol) * fmax(1.0, fabs(tap_b_));          \
        if (!tap_ok_(tap_c_, __VA_ARGS__))                                              \
            tap_diag("got %.9g, expected %.9g (tol %.3g)", tap_a_, tap_b_, (double)(tol)); \
    } while (0)

#endif

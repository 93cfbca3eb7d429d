/* test-report-stats.c -- the report's statistics against values known independently: Wilson
 * intervals (textbook values), McNemar's exact p (binomial sums done by hand), the paired
 * bootstrap (degenerate cases, seeding, agreement with the normal approximation), mean/sd. */
#include "core/error.h"
#include "report/stats.h"
#include "tap.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static void test_wilson(void) {
    double lo, hi;
    TAP_OK(rmn_stats_wilson(0, 10, 0.95, &lo, &hi) == RMN_OK, "Wilson 0/10");
    TAP_NEAR(lo, 0.0, 1e-12, "Wilson 0/10 lower bound 0");
    TAP_NEAR(hi, 0.27753, 1e-4, "Wilson 0/10 upper bound 0.2775");
    rmn_stats_wilson(5, 10, 0.95, &lo, &hi);
    TAP_NEAR(lo, 0.23659, 1e-4, "Wilson 5/10 lower 0.2366");
    TAP_NEAR(hi, 0.76341, 1e-4, "Wilson 5/10 upper 0.7634");
    /* 2661 of 3589 (74.14%, the thesis's single model): centre-ish and about +/-1.4 pp */
    rmn_stats_wilson(2661, 3589, 0.95, &lo, &hi);
    TAP_OK(lo < 2661.0 / 3589 && hi > 2661.0 / 3589, "Wilson interval contains the estimate");
    TAP_NEAR(hi - lo, 2 * 1.959964 * sqrt(0.74143 * 0.25857 / 3589), 0.01,
             "for large n the width matches the normal approximation (%.4f)", hi - lo);
    rmn_stats_wilson(10, 10, 0.95, &lo, &hi);
    TAP_NEAR(hi, 1.0, 1e-12, "Wilson 10/10 upper bound 1");
    TAP_OK(rmn_stats_wilson(0, 0, 0.95, &lo, &hi) == RMN_OK && lo == 0 && hi == 1,
           "Wilson with n = 0 is [0, 1]");
    TAP_OK(rmn_stats_wilson(11, 10, 0.95, &lo, &hi) == RMN_EINVAL, "k > n: EINVAL (%s)",
           rmn_error_message());
    TAP_OK(rmn_stats_wilson(1, 10, 1.5, &lo, &hi) == RMN_EINVAL, "level outside (0,1): EINVAL");
}

static void test_mcnemar(void) {
    TAP_NEAR(rmn_stats_mcnemar_exact(10, 2), 0.03857421875, 1e-12, "McNemar b=10 c=2");
    TAP_NEAR(rmn_stats_mcnemar_exact(2, 10), 0.03857421875, 1e-12, "McNemar is symmetric");
    TAP_NEAR(rmn_stats_mcnemar_exact(23, 7), 0.005222879350185394, 1e-9, "McNemar b=23 c=7");
    TAP_NEAR(rmn_stats_mcnemar_exact(0, 0), 1.0, 0, "no discordant pairs: p = 1");
    TAP_NEAR(rmn_stats_mcnemar_exact(5, 5), 1.0, 0, "balanced discordant pairs: p capped at 1");
}

static void test_bootstrap(void) {
    enum { N = 1000 };
    uint8_t *a = malloc(N), *b = malloc(N);
    double d, lo, hi, d2, lo2, hi2;
    for (int i = 0; i < N; ++i) {
        a[i] = 1;
        b[i] = 0;
    }
    TAP_OK(rmn_stats_bootstrap_diff(a, b, N, 500, 0.95, 7, &d, &lo, &hi) == RMN_OK && d == 1 &&
               lo == 1 && hi == 1,
           "all pairs (1,0): difference 1 with a degenerate interval");
    /* a right on 75%, b right on 70%, correlated: a = b except on some images */
    for (int i = 0; i < N; ++i) {
        b[i] = (uint8_t)((i * 37) % 100 < 70);
        a[i] = b[i];
    }
    int flipped = 0;
    for (int i = 0; i < N && flipped < 80; ++i) /* +80 */
        if (!a[i] && (i % 3 == 0)) {
            a[i] = 1;
            ++flipped;
        }
    for (int i = 0, k = 0; i < N && k < 30; ++i) /* -30: net +5 pp */
        if (a[i] && b[i] && i % 7 == 1) {
            a[i] = 0;
            ++k;
        }
    rmn_stats_bootstrap_diff(a, b, N, 4000, 0.95, 1234, &d, &lo, &hi);
    TAP_NEAR(d, 0.05, 1e-12, "observed difference 5 pp");
    TAP_OK(lo < d && d < hi, "interval [%.4f, %.4f] contains it", lo, hi);
    /* paired sd of the mean difference: sqrt((b+c)/n - d^2)/sqrt(n), here (80+30)/1000 */
    double se = sqrt(0.11 - 0.0025) / sqrt((double)N);
    TAP_NEAR(hi - lo, 2 * 1.96 * se, 0.1, "width close to the normal approximation");
    rmn_stats_bootstrap_diff(a, b, N, 4000, 0.95, 1234, &d2, &lo2, &hi2);
    TAP_OK(d2 == d && lo2 == lo && hi2 == hi, "same seed, same interval");
    rmn_stats_bootstrap_diff(a, b, N, 4000, 0.95, 99, &d2, &lo2, &hi2);
    TAP_OK(lo2 != lo || hi2 != hi, "another seed, another interval");
    TAP_OK(rmn_stats_bootstrap_diff(a, b, 0, 100, 0.95, 1, &d, &lo, &hi) == RMN_EINVAL,
           "no pairs: EINVAL");
    free(a);
    free(b);
}

static void test_mean_sd(void) {
    const double v[] = {70.25, 72.5, 74.75};
    double m, sd;
    rmn_stats_mean_sd(v, 3, &m, &sd);
    TAP_NEAR(m, 72.5, 1e-12, "mean");
    TAP_NEAR(sd, 2.25, 1e-12, "sample sd (n - 1)");
    rmn_stats_mean_sd(v, 1, &m, &sd);
    TAP_OK(m == 70.25 && isnan(sd), "one value: sd NaN");
}

int main(void) {
    test_wilson();
    test_mcnemar();
    test_bootstrap();
    test_mean_sd();
    return tap_done();
}

/* stats.c -- Wilson intervals, McNemar's exact test and the paired bootstrap (stats.h),
 * on GSL's distribution functions and sorting. */
#include "report/stats.h"

#include "core/error.h"
#include "core/rng.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

int rmn_stats_wilson(int64_t k, int64_t n, double level, double *lo, double *hi) {
    if (n < 0 || k < 0 || k > n || !(level > 0 && level < 1))
        return RMN_ERROR(RMN_EINVAL, "Wilson interval of %lld of %lld at level %g",
                         (long long)k, (long long)n, level);
    if (n == 0) {
        *lo = 0;
        *hi = 1;
        return RMN_OK;
    }
    double z = gsl_cdf_ugaussian_Qinv((1 - level) / 2), nn = (double)n, p = (double)k / nn;
    double z2 = z * z, den = 1 + z2 / nn;
    double centre = (p + z2 / (2 * nn)) / den;
    double half = z / den * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    *lo = fmax(0.0, centre - half);
    *hi = fmin(1.0, centre + half);
    return RMN_OK;
}

double rmn_stats_mcnemar_exact(int64_t b, int64_t c) {
    if (b + c <= 0)
        return 1.0;
    int64_t m = b < c ? b : c;
    double p = 2 * gsl_cdf_binomial_P((unsigned)m, 0.5, (unsigned)(b + c));
    return p > 1 ? 1.0 : p;
}

int rmn_stats_bootstrap_diff(const uint8_t *a, const uint8_t *b, int n, int n_resamples,
                             double level, uint64_t seed, double *diff, double *lo, double *hi) {
    if (n < 1 || n_resamples < 2 || !(level > 0 && level < 1))
        return RMN_ERROR(RMN_EINVAL, "bootstrap of %d pairs with %d resamples at level %g", n,
                         n_resamples, level);
    int8_t *d = malloc((size_t)n);
    double *stat = malloc((size_t)n_resamples * sizeof *stat);
    if (!d || !stat) {
        free(d);
        free(stat);
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a bootstrap of %d resamples", n_resamples);
    }
    int64_t total = 0;
    for (int i = 0; i < n; ++i) {
        d[i] = (int8_t)((a[i] != 0) - (b[i] != 0));
        total += d[i];
    }
    rmn_rng rng;
    rmn_rng_init(&rng, seed, RMN_REPORT_STREAM_BOOTSTRAP);
    for (int r = 0; r < n_resamples; ++r) {
        int64_t s = 0;
        for (int i = 0; i < n; ++i)
            s += d[rmn_rng_below(&rng, (uint64_t)n)];
        stat[r] = (double)s / n;
    }
    gsl_sort(stat, 1, (size_t)n_resamples);
    *diff = (double)total / n;
    *lo = gsl_stats_quantile_from_sorted_data(stat, 1, (size_t)n_resamples, (1 - level) / 2);
    *hi = gsl_stats_quantile_from_sorted_data(stat, 1, (size_t)n_resamples, 1 - (1 - level) / 2);
    free(d);
    free(stat);
    return RMN_OK;
}

void rmn_stats_mean_sd(const double *v, int n, double *mean, double *sd) {
    *mean = n > 0 ? gsl_stats_mean(v, 1, (size_t)n) : NAN;
    *sd = n > 1 ? gsl_stats_sd(v, 1, (size_t)n) : NAN;
}

/* stats.h -- the statistics of the report tables, with GSL: Wilson score intervals for an
 * accuracy, McNemar's exact test for two classifiers on the same images, and a seeded paired
 * bootstrap of an accuracy difference. All inputs are counts or 0/1 outcomes; nothing here
 * reads the store. */
#ifndef RMN_REPORT_STATS_H
#define RMN_REPORT_STATS_H

#include <stdint.h>

/* rmn_rng stream of the bootstrap (core/rng.h numbers its streams from 1; report's start at 101). */
#define RMN_REPORT_STREAM_BOOTSTRAP 101

/* Wilson score interval of k successes in n trials at confidence `level` (0.95): [lo, hi] as
 * fractions. n = 0 gives [0, 1]. RMN_EINVAL when k > n, k < 0 or level outside (0, 1). */
int rmn_stats_wilson(int64_t k, int64_t n, double level, double *lo, double *hi);

/* McNemar's exact (binomial) two-sided p-value: b = pairs where only classifier A is right,
 * c = pairs where only B is right; p = min(1, 2 P(X <= min(b, c))), X ~ Bin(b + c, 1/2);
 * 1 when b + c = 0. */
double rmn_stats_mcnemar_exact(int64_t b, int64_t c);

/* Paired bootstrap of mean(a) - mean(b) over n paired 0/1 outcomes (a[i], b[i] in {0,1}):
 * n_resamples resamples of n pairs drawn with replacement from an rmn_rng seeded with `seed`
 * (stream RMN_REPORT_STREAM_BOOTSTRAP); *diff = the observed difference, [lo, hi] = the
 * percentile interval at `level`. RMN_EINVAL for n < 1 or n_resamples < 2. */
int rmn_stats_bootstrap_diff(const uint8_t *a, const uint8_t *b, int n, int n_resamples,
                             double level, uint64_t seed, double *diff, double *lo, double *hi);

/* Mean and sample standard deviation (n - 1) of v[0..n); sd NaN when n < 2, mean NaN when 0. */
void rmn_stats_mean_sd(const double *v, int n, double *mean, double *sd);

#endif

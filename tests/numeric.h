/* numeric.h -- small helpers shared by the tests that compare two kernels' floats. */
#ifndef RMN_TESTS_NUMERIC_H
#define RMN_TESTS_NUMERIC_H

#include <math.h>
#include <stdlib.h>

#include "core/rng.h"

/* max |a - b| over max |b|: the error of a against the reference b */
static inline double rel_err(const float *a, const float *b, size_t n) {
    double m = 0.0, r = 0.0;
    for (size_t i = 0; i < n; ++i) {
        m = fmax(m, fabs((double)a[i] - b[i]));
        r = fmax(r, fabs((double)b[i]));
    }
    return m / fmax(r, 1e-30);
}

/* n floats uniform in [-1.3, 1.4) from rng (malloc'd; the caller frees) */
static inline float *filled(size_t n, rmn_rng *rng) {
    float *p = malloc(n * sizeof(float));
    for (size_t i = 0; p && i < n; ++i)
        p[i] = (float)(2.7 * rmn_rng_uniform(rng) - 1.3);
    return p;
}

#endif

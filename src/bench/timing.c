/* timing.c -- the clock and the median every rmn-bench measurement uses (bench.h): the bottom
 * of src/bench/, so bench.c, profile.c and the detection benches all call down into it. */
#include "bench/bench.h"

#include <stdlib.h>
#include <time.h>

double rmn_bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double rmn_bench_median(double *v, int n) {
    if (n < 1)
        return 0.0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

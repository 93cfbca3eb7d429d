/* allreduce.c -- rmn-bench --allreduce: the time to sum one training step's gradients over the
 * ranks (dist/dist.h), in the trainer's buckets, with nothing to overlap (communication alone). */
#include "bench/bench.h"

#include "core/error.h"
#include "core/progress.h"
#include "dist/dist.h"

#include <stdlib.h>
#include <string.h>

int rmn_bench_allreduce(size_t floats, size_t bucket, int warmup, int steps, rmn_bench_result *r,
                        int *buckets) {
    memset(r, 0, sizeof *r);
    float *g = malloc((floats ? floats : 1) * sizeof *g);
    double *t = malloc((size_t)(steps > 0 ? steps : 1) * sizeof *t);
    rmn_dist_grads *d = NULL;
    int rc = !g || !t ? RMN_ERROR(RMN_ENOMEM, "cannot allocate %zu gradients", floats)
                      : rmn_dist_grads_create(g, floats, bucket, &d);
    for (int s = -warmup; rc == RMN_OK && s < steps; ++s) {
        memset(g, 0, floats * sizeof *g); /* as the first writers of a backward leave them */
        rmn_dist_barrier();
        double t0 = rmn_monotonic_s();
        rmn_dist_grads_ready(d, 0); /* every bucket at once */
        rmn_dist_grads_finish(d);
        double dt = rmn_monotonic_s() - t0;
        rmn_dist_sum_doubles(&dt, 1); /* the ranks' mean */
        if (s >= 0)
            t[s] = dt / rmn_dist_size();
    }
    if (rc == RMN_OK) {
        *buckets = rmn_dist_grads_buckets(d);
        r->steps = steps;
        r->min_s = r->max_s = t[0];
        for (int s = 1; s < steps; ++s) {
            r->min_s = t[s] < r->min_s ? t[s] : r->min_s;
            r->max_s = t[s] > r->max_s ? t[s] : r->max_s;
        }
        r->median_s = rmn_bench_median(t, steps);
    }
    rmn_dist_grads_free(d);
    free(g);
    free(t);
    return rc;
}

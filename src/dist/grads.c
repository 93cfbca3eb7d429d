/* grads.c -- the gradient buckets' lifetime (dist.h): one MPI request per bucket, sized by the
 * world below it (mpi.c or none.c). */
#include "dist/dist.h"
#include "dist/internal.h"

#include "core/error.h"

#include <stdlib.h>

int rmn_dist_grads_create(float *g, size_t n, size_t bucket, rmn_dist_grads **out) {
    if (bucket < 1)
        bucket = 1;
    const size_t nb = n == 0 ? 0 : (n + bucket - 1) / bucket;
    rmn_dist_grads *d = calloc(1, sizeof *d);
    const size_t rb = rmn_dist_request_bytes();
    if (d && rb && nb)
        d->req = calloc(nb, rb);
    if (!d || (rb && nb && !d->req)) {
        free(d);
        return RMN_ERROR(RMN_ENOMEM, "cannot allocate gradient buckets");
    }
    d->g = g;
    d->n = n;
    d->bucket = bucket;
    d->n_buckets = (int)nb;
    *out = d;
    return RMN_OK;
}

int rmn_dist_grads_buckets(const rmn_dist_grads *g) {
    return g->n_buckets;
}

void rmn_dist_grads_free(rmn_dist_grads *g) {
    if (g)
        free(g->req);
    free(g);
}

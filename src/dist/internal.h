/* internal.h -- the gradient buckets' state, shared by common.c and mpi.c / none.c. */
#ifndef RMN_DIST_INTERNAL_H
#define RMN_DIST_INTERNAL_H

#include <stddef.h>

struct rmn_dist_grads {
    float *g;
    size_t n, bucket;
    int n_buckets, started; /* buckets started in this step, from the end of g */
    void *req;              /* an MPI_Request per bucket (mpi.c); NULL without MPI */
};

/* Bytes of one bucket's request (sizeof(MPI_Request); 0 without MPI). */
size_t rmn_dist_request_bytes(void);

/* Bucket k's slice [lo, hi): bucket 0 is the arena's last `bucket` floats. */
void rmn_dist_bucket_range(const struct rmn_dist_grads *d, int k, size_t *lo, size_t *hi);

#endif

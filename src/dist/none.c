/* none.c -- dist.h in a build without MPI: one rank; launched by mpirun with more, it says how
 * to get MPI. */
#include "dist/dist.h"
#include "dist/internal.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rmn_dist_init(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const int n = rmn_dist_launcher_size();
    if (n > 1)
        return RMN_ERROR(RMN_EINVAL, "started by an MPI launcher as one of %d ranks, but this rmn was built "
                         "without MPI: install OpenMPI (Debian: apt-get install libopenmpi-dev openmpi-bin), "
                         "then ./configure (it finds MPI; --with-mpi insists) and make", n);
    return RMN_OK;
}

void rmn_dist_finalize(void) {}
int rmn_dist_rank(void) { return 0; }
int rmn_dist_size(void) { return 1; }
void rmn_dist_bcast(void *buf, size_t bytes, int root) { (void)buf; (void)bytes; (void)root; }
void rmn_dist_sum_doubles(double *x, int n) { (void)x; (void)n; }
void rmn_dist_sum_floats(float *x, size_t n) { (void)x; (void)n; }
void rmn_dist_barrier(void) {}

int rmn_dist_agree(const char *what, const char *text) {
    (void)what;
    (void)text;
    return RMN_OK;
}

void rmn_dist_abort(const char *message) {
    fprintf(stderr, "rmn: error: %s\n", message);
    abort(); /* unreachable in practice: nothing calls it with one rank */
}

size_t rmn_dist_request_bytes(void) { return 0; }
void rmn_dist_grads_ready(void *grads, size_t from) { (void)grads; (void)from; }
void rmn_dist_grads_finish(rmn_dist_grads *g) { (void)g; }

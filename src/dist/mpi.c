/* mpi.c -- dist.h on MPI (OpenMPI): collectives on MPI_COMM_WORLD, gradient buckets summed by
 * MPI_Iallreduce while backward goes on, an error handler that names the rank. */
#include "dist/dist.h"
#include "dist/internal.h"

#include "core/error.h"
#include "core/sha256.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int joined, world_rank, world_size = 1;

static void on_mpi_error(MPI_Comm *comm, int *code, ...) {
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(*code, text, &len);
    fprintf(stderr, "rmn: rank %d of %d: error: MPI communication failed (%s): another rank has probably "
            "died (killed, out of memory); ending every rank. A stopped run continues with "
            "`rmn-exp resume RUN` at any rank count that divides its batch size\n",
            world_rank, world_size, text);
    fflush(stderr);
    MPI_Abort(*comm, 1);
}

int rmn_dist_init(int *argc, char ***argv) {
    if (rmn_dist_launcher_size() <= 1 && !getenv("OMPI_COMM_WORLD_RANK") && !getenv("PMI_RANK") &&
        !getenv("PMIX_RANK"))
        return RMN_OK; /* not launched by mpirun/srun: one rank, MPI untouched */
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return RMN_ERROR(RMN_EINTERNAL, "MPI_Init_thread failed");
    joined = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    MPI_Errhandler eh;
    MPI_Comm_create_errhandler(on_mpi_error, &eh);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, eh);
    return RMN_OK;
}

void rmn_dist_finalize(void) {
    if (joined)
        MPI_Finalize();
    joined = 0;
}

int rmn_dist_rank(void) { return world_rank; }
int rmn_dist_size(void) { return world_size; }

void rmn_dist_bcast(void *buf, size_t bytes, int root) {
    for (size_t off = 0; world_size > 1 && off < bytes;) {
        const size_t k = bytes - off < (size_t)INT_MAX ? bytes - off : (size_t)INT_MAX;
        MPI_Bcast((char *)buf + off, (int)k, MPI_BYTE, root, MPI_COMM_WORLD);
        off += k;
    }
}

void rmn_dist_sum_doubles(double *x, int n) {
    if (world_size > 1)
        MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

void rmn_dist_sum_floats(float *x, size_t n) {
    for (size_t off = 0; world_size > 1 && off < n;) {
        const size_t k = n - off < (size_t)INT_MAX ? n - off : (size_t)INT_MAX;
        MPI_Allreduce(MPI_IN_PLACE, x + off, (int)k, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        off += k;
    }
}

void rmn_dist_barrier(void) {
    if (world_size > 1)
        MPI_Barrier(MPI_COMM_WORLD);
}

int rmn_dist_agree(const char *what, const char *text) {
    if (world_size <= 1)
        return RMN_OK;
    char mine[RMN_SHA256_HEX];
    rmn_sha256_hex(text, strlen(text), mine);
    char *all = malloc((size_t)world_size * RMN_SHA256_HEX);
    if (!all)
        rmn_dist_abort("out of memory comparing the ranks' inputs");
    MPI_Allgather(mine, RMN_SHA256_HEX, MPI_CHAR, all, RMN_SHA256_HEX, MPI_CHAR, MPI_COMM_WORLD);
    int differs = -1;
    for (int r = 1; r < world_size && differs < 0; ++r)
        if (memcmp(all, all + (size_t)r * RMN_SHA256_HEX, RMN_SHA256_HEX) != 0)
            differs = r;
    int rc = RMN_OK;
    if (differs >= 0)
        rc = RMN_ERROR(RMN_EINVAL, "rank %d does not agree with rank 0 on %s (sha256 %.16s... against "
                       "%.16s...): every rank must be given the same experiment, configuration and data",
                       differs, what, all + (size_t)differs * RMN_SHA256_HEX, all);
    free(all);
    return rc;
}

void rmn_dist_abort(const char *message) {
    fprintf(stderr, "rmn: rank %d of %d: error: %s; ending every rank\n", world_rank, world_size, message);
    fflush(stderr);
    if (joined)
        MPI_Abort(MPI_COMM_WORLD, 1);
    abort();
}

size_t rmn_dist_request_bytes(void) { return sizeof(MPI_Request); }

static void start_bucket(rmn_dist_grads *d) {
    size_t lo, hi;
    rmn_dist_bucket_range(d, d->started, &lo, &hi);
    MPI_Request *req = (MPI_Request *)d->req + d->started;
    MPI_Iallreduce(MPI_IN_PLACE, d->g + lo, (int)(hi - lo), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, req);
    d->started++;
}

void rmn_dist_grads_ready(void *grads, size_t from) {
    rmn_dist_grads *d = grads;
    if (world_size <= 1)
        return;
    int progressed = 0;
    while (d->started < d->n_buckets) {
        size_t lo, hi;
        rmn_dist_bucket_range(d, d->started, &lo, &hi);
        if (lo < from)
            break;
        start_bucket(d);
        progressed = 1;
    }
    if (!progressed && d->started > 0) { /* let MPI move the started ones on (no progress thread) */
        int done;
        MPI_Testall(d->started, d->req, &done, MPI_STATUSES_IGNORE);
    }
}

void rmn_dist_grads_finish(rmn_dist_grads *d) {
    if (world_size <= 1)
        return;
    while (d->started < d->n_buckets)
        start_bucket(d);
    MPI_Waitall(d->n_buckets, d->req, MPI_STATUSES_IGNORE);
    d->started = 0;
}

/* dist.h -- data-parallel training over MPI ranks (docs/DISTRIBUTED.md).
 *
 * One process per rank, started by mpirun/srun. rmn_dist_init joins MPI only when a launcher
 * started this process (its environment: OMPI_COMM_WORLD_*, PMI_*, PMIX_RANK); otherwise,
 * and in a build without MPI (src/dist/none.c), the world is one rank and every collective is
 * the identity. A build without MPI that finds itself launched with N > 1 ranks refuses with
 * a message saying how to get MPI.
 *
 * Communication errors (a rank that died: killed, out of memory) end the whole job through
 * MPI's error handler with a message naming this rank; rmn_dist_abort ends it from a rank that
 * cannot go on in the middle of a step (the others would wait for it forever). Both are the
 * only places where the library ends the process: MPI offers no way back from either. */
#ifndef RMN_DIST_DIST_H
#define RMN_DIST_DIST_H

#include <stddef.h>

/* Joins MPI when launched by an MPI launcher; RMN_EINVAL (how to get MPI) for N > 1 ranks in a
 * build without MPI. Call once, first thing in main. */
int  rmn_dist_init(int *argc, char ***argv);
void rmn_dist_finalize(void);
int  rmn_dist_rank(void);
int  rmn_dist_size(void);
/* The world size a launcher announced in the environment (1 when none did). */
int  rmn_dist_launcher_size(void);

/* Collectives over all ranks (identity with one rank). Errors end the job (above). */
void rmn_dist_bcast(void *buf, size_t bytes, int root);
void rmn_dist_sum_doubles(double *x, int n);     /* in place, every rank gets the sums */
void rmn_dist_sum_floats(float *x, size_t n);    /* in place, blocking */
void rmn_dist_barrier(void);
/* Every rank gives its text; RMN_EINVAL on every rank unless all are equal, naming what and
 * the first rank whose text differs from rank 0's (texts are compared by SHA-256). */
int  rmn_dist_agree(const char *what, const char *text);
/* Prints "rmn: rank R of N: MESSAGE; ending every rank" and ends the job (exit status 1). */
void rmn_dist_abort(const char *message);

/* Gradient averaging in buckets, overlapped with backward: g:(n) is the gradient arena; buckets
 * of at most bucket floats are cut from its end (backward finishes the last parameters first).
 * rmn_dist_grads_ready(g, from) says g[from, n) is final: every bucket inside it starts a
 * non-blocking sum (MPI_Iallreduce); rmn_dist_grads_finish starts the rest and waits, after
 * which g holds the sum over ranks. Between steps all buckets are idle. */
typedef struct rmn_dist_grads rmn_dist_grads;
/* The trainer's bucket size in floats: $RMN_DIST_BUCKET_MB MiB, else 25 (PyTorch DDP's default). */
size_t rmn_dist_bucket_floats(void);
int  rmn_dist_grads_create(float *g, size_t n, size_t bucket, rmn_dist_grads **out);
void rmn_dist_grads_ready(void *grads, size_t from);  /* void *: nn's backward callback */
void rmn_dist_grads_finish(rmn_dist_grads *g);
int  rmn_dist_grads_buckets(const rmn_dist_grads *g);
void rmn_dist_grads_free(rmn_dist_grads *g);

#endif

/* common.c -- the parts of dist.h that do not depend on MPI: the launcher's environment and
 * the bucket ranges, which mpi.c and none.c stand on. */
#include "dist/dist.h"
#include "dist/internal.h"

#include <stdlib.h>

int rmn_dist_launcher_size(void) {
    /* OpenMPI's mpirun; MPICH's and Slurm's PMI-2; Slurm's PMIx (srun --mpi=pmix) sets no size */
    const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", getenv("PMIX_RANK") ? "SLURM_NTASKS" : NULL};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; ++i) {
        const char *v = vars[i] ? getenv(vars[i]) : NULL;
        char *end;
        long n = v ? strtol(v, &end, 10) : 0;
        if (v && *end == '\0' && n >= 1)
            return (int)n;
    }
    return 1;
}

size_t rmn_dist_bucket_floats(void) {
    const char *v = getenv("RMN_DIST_BUCKET_MB");
    const double mb = v && atof(v) > 0 ? atof(v) : 25.0;
    return (size_t)(mb * 1048576.0 / sizeof(float));
}

void rmn_dist_bucket_range(const rmn_dist_grads *d, int k, size_t *lo, size_t *hi) {
    *hi = d->n - (size_t)k * d->bucket;
    *lo = *hi > d->bucket ? *hi - d->bucket : 0;
}

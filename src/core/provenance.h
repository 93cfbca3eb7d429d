/* provenance.h -- what every run row records about the code, the build and the machine:
 * tool version, git commit and dirty flag at run time, build configuration, host, CPU model,
 * BLAS configuration, OpenMP thread count; plus the wall clock in milliseconds.
 * Non-goal: a full environment dump (only what is needed to rerun and compare). */
#ifndef RMN_CORE_PROVENANCE_H
#define RMN_CORE_PROVENANCE_H

#include <stdint.h>

typedef struct {
    char *tool_version; /* "GIT_DESCRIBE (rmn PACKAGE_VERSION)", never NULL */
    char *git_commit;   /* HEAD at run time, NULL when no git checkout (or no git) is found */
    int   git_dirty;    /* 1 tracked files modified, 0 clean, -1 unknown (git_commit NULL) */
    char *build_config; /* configure arguments, CC, compiler version and flags, never NULL */
    char *host;         /* "hostname (sysname release machine)", never NULL */
    char *cpu_model;    /* /proc/cpuinfo "model name", NULL when unknown */
    char *blas_config;  /* openblas_get_config() and core, NULL when unknown */
    int   n_threads;    /* OpenMP max threads (1 without OpenMP) */
} rmn_provenance;

/* Collects everything above. The git lookup runs `git -C DIR rev-parse HEAD` and
 * `git -C DIR status --porcelain --untracked-files=no` for DIR = $RMN_SRCDIR, then the source
 * directory compiled in, then ".": the first one that is a checkout wins. Absent git is fine.
 * Returns RMN_ENOMEM only; free with rmn_provenance_free (also on a zeroed struct). */
int  rmn_provenance_collect(rmn_provenance *p);
void rmn_provenance_free(rmn_provenance *p);

/* Static strings compiled into the binary (for --version / --build-info). */
const char *rmn_provenance_tool_version(void);
const char *rmn_provenance_build_config(void);

/* Wall-clock time (CLOCK_REALTIME) in milliseconds since the Unix epoch. */
int64_t rmn_now_ms(void);

#endif

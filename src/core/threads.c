/* threads.c -- see threads.h. */
#include "core/threads.h"

#include "core/env.h"

#include <stdlib.h>
#include <unistd.h>

void rmn_threads_passive_wait(char **argv) {
    if (rmn_env_get("OMP_WAIT_POLICY") || rmn_env_get("RMN_REEXEC"))
        return;
    setenv("OMP_WAIT_POLICY", "passive", 1);
    setenv("RMN_REEXEC", "1", 1);
    execv("/proc/self/exe", argv);
    /* could not re-execute: go on with the runtime's default */
}

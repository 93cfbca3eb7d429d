/* threads.h -- OpenMP wait policy for the programs.
 *
 * libgomp reads OMP_WAIT_POLICY once, when it loads: by default idle threads spin at every
 * barrier, and when another process holds a core the spinners steal the time the working
 * threads need (measured here: throughput falls to a quarter, as PyTorch's does). Unless the
 * user chose a policy, a program's main calls rmn_threads_passive_wait(argv) first: it sets
 * OMP_WAIT_POLICY=passive and re-executes the program once (Linux: /proc/self/exe); if that is
 * impossible it goes on with the runtime's default. */
#ifndef RMN_CORE_THREADS_H
#define RMN_CORE_THREADS_H

void rmn_threads_passive_wait(char **argv);

#endif

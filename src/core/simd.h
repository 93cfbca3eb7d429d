/* simd.h -- RMN_SIMD_CLONES: marks a hot loop's function for GCC's function multiversioning
 * (target_clones), so that the one binary runs it as x86-64-v4 (AVX-512), x86-64-v3 (AVX2 +
 * FMA) or baseline code, picked at load time by what the CPU reports; the build itself targets
 * baseline x86-64. Elsewhere (other compilers, other machines, -DRMN_NO_SIMD_CLONES) it is
 * empty. The functions stay out of line, so that callers inside OpenMP regions call the
 * dispatched version. A loop written directly inside `#pragma omp parallel for` is outlined by
 * GCC into a function of its own that is not cloned, so it runs baseline (SSE2) code on every
 * CPU: put a hot loop body in a RMN_SIMD_CLONES function and call it from the OpenMP loop
 * (tensor/blocked16.c's per-plane functions). */
#ifndef RMN_CORE_SIMD_H
#define RMN_CORE_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && \
    !defined(RMN_NO_SIMD_CLONES)
#define RMN_SIMD_CLONES                                                                        \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), noinline))
#endif
#ifndef RMN_SIMD_CLONES
#define RMN_SIMD_CLONES
#endif

#endif

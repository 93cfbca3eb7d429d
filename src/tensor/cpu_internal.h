/* cpu_internal.h -- shared inside the cpu backend's element-wise kernels (cpu_eltwise.c,
 * cpu_binary.c, cpu_reshape.c). Not for use outside src/tensor/cpu_*. */
#ifndef RMN_TENSOR_CPU_INTERNAL_H
#define RMN_TENSOR_CPU_INTERNAL_H

#define RMN_ELTWISE_PAR 65536 /* below this many elements one thread is faster */

/* g where open, else 0: a ReLU-style gradient. g is a value loaded by the caller whatever the
 * condition, so the select becomes a vector compare and mask; written as `x > 0 ? dy[i] : 0`
 * the load is conditional and GCC keeps a scalar loop with a branch, which a ReLU's random
 * signs mispredict (the residual add + ReLU backward ran at ~10 cycles an element). */
static inline float rmn_gate(float g, int open) {
    return open ? g : 0.0f;
}

#endif

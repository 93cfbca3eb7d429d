/* eltwise_cpu.c -- the cpu backend's element-wise kernels: branch-free loops the compiler
 * vectorises, split over OpenMP threads for large tensors. Same results as the ref kernels
 * bit for bit (each element is independent). */
#include "tensor/ops.h"

#define RMN_ELTWISE_PAR 65536 /* below this many elements one thread is faster */

/* y:(count) x:(count) */
void rmn_cpu_relu_forward(float *y, const float *x, size_t count, int nthreads) {
    (void)nthreads;
#pragma omp parallel for simd schedule(static) num_threads(nthreads) if (count >= RMN_ELTWISE_PAR)
    for (size_t i = 0; i < count; ++i)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* dx,dy,x:(count) */
void rmn_cpu_relu_backward(float *dx, const float *dy, const float *x, size_t count,
                           int nthreads) {
    (void)nthreads;
#pragma omp parallel for simd schedule(static) num_threads(nthreads) if (count >= RMN_ELTWISE_PAR)
    for (size_t i = 0; i < count; ++i)
        dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
}

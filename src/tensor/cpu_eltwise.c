/* cpu_eltwise.c -- the cpu backend's element-wise kernels, forward and backward: ReLU and the
 * other activations, loops the compiler vectorises, split over OpenMP threads for large
 * tensors. ReLU gives the ref kernels' bits; the transcendental activations are evaluated in
 * float (the ref kernels use double), sigmoid and SiLU on a vectorisable e^x, within a few
 * ulps. */
#include "tensor/ops.h"

#include <math.h>
#include <stdint.h>

#include "core/simd.h"

#include "tensor/fast_exp.h"

#include "tensor/cpu_internal.h"

/* y:(count) x:(count) */
void rmn_cpu_relu_forward(float *y, const float *x, size_t count, int nthreads) {
    (void)nthreads;
#pragma omp parallel for simd schedule(static) num_threads(nthreads) if (count >= RMN_ELTWISE_PAR)
    for (size_t i = 0; i < count; ++i)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* dx,dy,x:(count) */
void rmn_cpu_relu_backward(float *dx, const float *dy, const float *x, size_t count, int fresh,
                           int nthreads) {
    (void)nthreads;
    if (fresh) {
#pragma omp parallel for simd schedule(static) num_threads(nthreads) if (count >= RMN_ELTWISE_PAR)
        for (size_t i = 0; i < count; ++i)
            dx[i] = rmn_gate(dy[i], x[i] > 0.0f);
        return;
    }
#pragma omp parallel for simd schedule(static) num_threads(nthreads) if (count >= RMN_ELTWISE_PAR)
    for (size_t i = 0; i < count; ++i)
        dx[i] += rmn_gate(dy[i], x[i] > 0.0f);
}

/* One activation over y[0..count) from x; the kind chosen outside the loops, so that each loop
 * is one branch-free expression (compiled for AVX-512/AVX2 too: core/simd.h). */
RMN_SIMD_CLONES static void act_range(float *y, const float *x, size_t count, rmn_act act) {
    switch (act) {
    case RMN_ACT_RELU:
#pragma omp simd
        for (size_t i = 0; i < count; ++i)
            y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case RMN_ACT_RELU6:
#pragma omp simd
        for (size_t i = 0; i < count; ++i)
            y[i] = fminf(fmaxf(x[i], 0.0f), 6.0f);
        break;
    case RMN_ACT_SIGMOID:
#pragma omp simd
        for (size_t i = 0; i < count; ++i)
            y[i] = 1.0f / (1.0f + rmn_fast_expf(-x[i]));
        break;
    case RMN_ACT_SILU:
#pragma omp simd
        for (size_t i = 0; i < count; ++i)
            y[i] = rmn_silu(x[i]);
        break;
    case RMN_ACT_TANH:
    default:
#pragma omp simd
        for (size_t i = 0; i < count; ++i)
            y[i] = tanhf(x[i]);
        break;
    }
}

/* dx[0..count) += the activation's derivative at x (or from y) times dy */
RMN_SIMD_CLONES static void act_grad_range(float *dx, const float *dy, const float *x,
                                           const float *y, size_t count, rmn_act act) {
    switch (act) {
    case RMN_ACT_RELU:
#pragma omp simd
        for (size_t i = 0; i < count; ++i)
            dx[i] += rmn_gate(dy[i], x[i] > 0.0f);
        break;
    case RMN_ACT_RELU6:
#pragma omp simd
        for (size_t i = 0; i < count; ++i)
            dx[i] += rmn_gate(dy[i], (x[i] > 0.0f) & (x[i] < 6.0f));
        break;
    case RMN_ACT_SIGMOID:
#pragma omp simd
        for (size_t i = 0; i < count; ++i)
            dx[i] += dy[i] * y[i] * (1.0f - y[i]);
        break;
    case RMN_ACT_SILU:
#pragma omp simd
        for (size_t i = 0; i < count; ++i) {
            dx[i] += rmn_silu_grad(dy[i], x[i]);
        }
        break;
    case RMN_ACT_TANH:
    default:
#pragma omp simd
        for (size_t i = 0; i < count; ++i)
            dx[i] += dy[i] * (1.0f - y[i] * y[i]);
        break;
    }
}

enum { ACT_CHUNK = 16384 }; /* elements per OpenMP task of the activations */

/* y,x:(count) */
void rmn_cpu_act_forward(float *y, const float *x, size_t count, rmn_act act, int nthreads) {
    (void)nthreads;
    const long chunks = (long)((count + ACT_CHUNK - 1) / ACT_CHUNK);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (count >= RMN_ELTWISE_PAR)
    for (long k = 0; k < chunks; ++k) {
        const size_t i0 = (size_t)k * ACT_CHUNK, n = count - i0 < ACT_CHUNK ? count - i0 : ACT_CHUNK;
        act_range(y + i0, x + i0, n, act);
    }
}

/* dx,dy,x,y:(count) */
void rmn_cpu_act_backward(float *dx, const float *dy, const float *x, const float *y,
                          size_t count, rmn_act act, int nthreads) {
    (void)nthreads;
    const long chunks = (long)((count + ACT_CHUNK - 1) / ACT_CHUNK);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (count >= RMN_ELTWISE_PAR)
    for (long k = 0; k < chunks; ++k) {
        const size_t i0 = (size_t)k * ACT_CHUNK, n = count - i0 < ACT_CHUNK ? count - i0 : ACT_CHUNK;
        act_grad_range(dx + i0, dy + i0, x + i0, y + i0, n, act);
    }
}

/* cpu_eltwise.c -- the cpu backend's element-wise kernels, forward and backward: ReLU and the
 * other activations, loops the compiler vectorises, split over OpenMP threads for large
 * tensors. ReLU gives the ref kernels' bits; the transcendental activations are evaluated in
 * float (the ref kernels use double), sigmoid and SiLU on a vectorisable e^x, within a few
 * ulps. */
#include "tensor/ops.h"

#include <math.h>
#include <stdint.h>

#include "core/simd.h"

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

/* e^x in float by range reduction and a polynomial, written so that loops over it vectorise
 * (libm's expf is a call per element): x = n ln2 + r with |r| <= ln2/2, n rounded by the
 * 1.5 * 2^23 trick, e^r by the degree-7 minimax polynomial of Cephes' expf (within 2 ulp of
 * e^r), 2^n put into the exponent bits. x is clamped to [-87, 88], where 2^n stays a normal
 * float: e^-87 = 1.6e-38 stands for anything smaller, which no activation here can tell from
 * 0 once added to 1. */
static inline float fast_expf(float x) {
    x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
    const float big = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    const float n = (x * 1.44269504088896341f + big) - big;
    const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f; /* ln2 in two parts */
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union {
        uint32_t u;
        float f;
    } scale = {.u = (uint32_t)((int32_t)n + 127) << 23};
    return p * scale.f;
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
            y[i] = 1.0f / (1.0f + fast_expf(-x[i]));
        break;
    case RMN_ACT_SILU:
#pragma omp simd
        for (size_t i = 0; i < count; ++i)
            y[i] = x[i] / (1.0f + fast_expf(-x[i]));
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
            const float v = x[i], s = 1.0f / (1.0f + fast_expf(-v));
            dx[i] += dy[i] * s * (1.0f + v * (1.0f - s));
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

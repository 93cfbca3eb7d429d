/* hardswish.h -- hardswish, y = x * min(max(x + 3, 0), 6) / 6 (PyTorch's nn.Hardswish): the
 * plain kernels (ref_hardswish.c: the oracle; cpu_hardswish.c: OpenMP) and their backend
 * entries (tensor/backend.h's hardswish_*; element-wise, so any layout). The gradient is
 * PyTorch's (its vectorised kernel): 0 below -3, x / 3 + 1/2 on [-3, 3), 1 from 3. */
#ifndef RMN_TENSOR_HARDSWISH_H
#define RMN_TENSOR_HARDSWISH_H

#include "tensor/backend.h"

/* PyTorch's scalar formula, in float: x * min(max(x + 3, 0), 6) / 6 */
static inline float rmn_hardswish1(float x) {
    float m = x + 3.0f;
    m = m < 0.0f ? 0.0f : m;
    m = m > 6.0f ? 6.0f : m;
    return x * m / 6.0f;
}

/* PyTorch's hardswish_backward as its vectorised CPU kernel (every tensor of 8 or more):
 * 0 below -3, x / 3 + 0.5 on [-3, 3), 1 from 3 (its scalar tail gives 1.5 at 3) */
static inline float rmn_hardswish1_grad(float x) {
    return x < -3.0f ? 0.0f : x < 3.0f ? x / 3.0f + 0.5f : 1.0f;
}

/* y:(count) = hardswish(x:(count)) */
void rmn_ref_hardswish_forward(float *y, const float *x, size_t count);
/* dx:(count) += dy:(count) * hardswish'(x:(count)) */
void rmn_ref_hardswish_backward(float *dx, const float *dy, const float *x, size_t count);
/* the same over nthreads OpenMP threads (equal results: element-wise) */
void rmn_cpu_hardswish_forward(float *y, const float *x, size_t count, int nthreads);
void rmn_cpu_hardswish_backward(float *dx, const float *dy, const float *x, size_t count,
                                int nthreads);

/* the backend entries (ex->layout ignored: element-wise) */
void rmn_ref_hardswish_fwd(const rmn_exec *ex, float *y, const float *x, size_t count);
void rmn_ref_hardswish_bwd(const rmn_exec *ex, float *dx, const float *dy, const float *x,
                           size_t count);
void rmn_cpu_hardswish_fwd(const rmn_exec *ex, float *y, const float *x, size_t count);
void rmn_cpu_hardswish_bwd(const rmn_exec *ex, float *dx, const float *dy, const float *x,
                           size_t count);

#endif

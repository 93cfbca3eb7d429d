/* ref_hardswish.c -- hardswish's reference kernels (the oracle) and the "ref" backend's
 * entries; see hardswish.h. */
#include "tensor/hardswish.h"

/* PyTorch's scalar formula, in float: x * min(max(x + 3, 0), 6) / 6 */
static float hs(float x) {
    float m = x + 3.0f;
    m = m < 0.0f ? 0.0f : m;
    m = m > 6.0f ? 6.0f : m;
    return x * m / 6.0f;
}

/* PyTorch's hardswish_backward as its vectorised CPU kernel (every tensor of 8 or more):
 * 0 below -3, x / 3 + 0.5 on [-3, 3), 1 from 3 (its scalar tail gives 1.5 at 3) */
static float dhs(float x) {
    return x < -3.0f ? 0.0f : x < 3.0f ? x / 3.0f + 0.5f : 1.0f;
}

/* y:(count), x:(count) */
void rmn_ref_hardswish_forward(float *y, const float *x, size_t count) {
    for (size_t i = 0; i < count; ++i)
        y[i] = hs(x[i]);
}

/* dx:(count) += dy:(count) * hardswish'(x:(count)) */
void rmn_ref_hardswish_backward(float *dx, const float *dy, const float *x, size_t count) {
    for (size_t i = 0; i < count; ++i)
        dx[i] += dy[i] * dhs(x[i]);
}

void rmn_ref_hardswish_fwd(const rmn_exec *ex, float *y, const float *x, size_t count) {
    (void)ex;
    rmn_ref_hardswish_forward(y, x, count);
}

void rmn_ref_hardswish_bwd(const rmn_exec *ex, float *dx, const float *dy, const float *x,
                           size_t count) {
    (void)ex;
    rmn_ref_hardswish_backward(dx, dy, x, count);
}

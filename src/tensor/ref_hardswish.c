/* ref_hardswish.c -- hardswish's reference kernels (the oracle) and the "ref" backend's
 * entries; see hardswish.h. */
#include "tensor/hardswish.h"

/* PyTorch's scalar formula, in float: x * min(max(x + 3, 0), 6) / 6 */
/* y:(count), x:(count) */
void rmn_ref_hardswish_forward(float *y, const float *x, size_t count) {
    for (size_t i = 0; i < count; ++i)
        y[i] = rmn_hardswish1(x[i]);
}

/* dx:(count) += dy:(count) * hardswish'(x:(count)) */
void rmn_ref_hardswish_backward(float *dx, const float *dy, const float *x, size_t count) {
    for (size_t i = 0; i < count; ++i)
        dx[i] += dy[i] * rmn_hardswish1_grad(x[i]);
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

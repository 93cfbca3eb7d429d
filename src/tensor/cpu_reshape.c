/* cpu_reshape.c -- channel concatenation for the "cpu" and "dnnl" backends: the samples split
 * over the threads, a memcpy forward and a vectorised sum backward (ref_reshape.c's naive loops
 * ran on one thread, in baseline SSE2: 108 ms of densenet121's 1100 ms step at batch 64). The
 * same bits as ref: a copy, and one addition per element. nChw16c values with whole channel
 * blocks have the same per-sample offsets as NCHW (nn/op_shape.c), so one kernel serves both. */
#include "tensor/cpu_internal.h"
#include "tensor/ops.h"

#include <string.h>

#include "core/simd.h"

/* y:(N,CY,HW) gets x:(N,CX,HW) in its channels [c0, c0+CX) */
void rmn_cpu_concat_forward(float *y, const float *x, int n, int cy, int c0, int cx, int hw,
                            int nthreads) {
    (void)nthreads;
    const size_t part = (size_t)cx * hw;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (n > 1 && part * n >= RMN_ELTWISE_PAR)
    for (int i = 0; i < n; ++i)
        memcpy(y + ((size_t)i * cy + c0) * hw, x + (size_t)i * part, part * sizeof(float));
}

RMN_SIMD_CLONES static void add_into(float *d, const float *s, size_t count) {
    for (size_t j = 0; j < count; ++j)
        d[j] += s[j];
}

/* dx:(N,CX,HW) += dy:(N,CY,HW) channels [c0, c0+CX) */
void rmn_cpu_concat_backward(float *dx, const float *dy, int n, int cy, int c0, int cx, int hw,
                             int nthreads) {
    (void)nthreads;
    const size_t part = (size_t)cx * hw;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (n > 1 && part * n >= RMN_ELTWISE_PAR)
    for (int i = 0; i < n; ++i)
        add_into(dx + (size_t)i * part, dy + ((size_t)i * cy + c0) * hw, part);
}

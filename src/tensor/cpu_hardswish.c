/* cpu_hardswish.c -- hardswish's OpenMP kernels and the "cpu" backend's entries (which the
 * "dnnl" backend takes too, through rmn_backend_resolve: element-wise, right in any layout);
 * see hardswish.h. The same arithmetic as the reference, element by element. */
#include "tensor/hardswish.h"

/* y:(count), x:(count) */
void rmn_cpu_hardswish_forward(float *y, const float *x, size_t count, int nthreads) {
    (void)nthreads;
    const long n = (long)count;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && n > 65536)
    for (long i = 0; i < n; ++i)
        y[i] = rmn_hardswish1(x[i]);
}

/* dx:(count) += dy:(count) * hardswish'(x:(count)) */
void rmn_cpu_hardswish_backward(float *dx, const float *dy, const float *x, size_t count,
                                int nthreads) {
    (void)nthreads;
    const long n = (long)count;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && n > 65536)
    for (long i = 0; i < n; ++i)
        dx[i] += dy[i] * rmn_hardswish1_grad(x[i]);
}

void rmn_cpu_hardswish_fwd(const rmn_exec *ex, float *y, const float *x, size_t count) {
    rmn_cpu_hardswish_forward(y, x, count, ex->nthreads);
}

void rmn_cpu_hardswish_bwd(const rmn_exec *ex, float *dx, const float *dy, const float *x,
                           size_t count) {
    rmn_cpu_hardswish_backward(dx, dy, x, count, ex->nthreads);
}

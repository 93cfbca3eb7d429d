/* cpu_hardswish.c -- hardswish's OpenMP kernels and the "cpu" backend's entries (which the
 * "dnnl" backend takes too, through rmn_backend_resolve: element-wise, right in any layout);
 * see hardswish.h. The same arithmetic as the reference, element by element. */
#include "tensor/hardswish.h"

static float hs(float x) {
    float m = x + 3.0f;
    m = m < 0.0f ? 0.0f : m;
    m = m > 6.0f ? 6.0f : m;
    return x * m / 6.0f;
}

static float dhs(float x) {
    return x < -3.0f ? 0.0f : x < 3.0f ? x / 3.0f + 0.5f : 1.0f;
}

/* y:(count), x:(count) */
void rmn_cpu_hardswish_forward(float *y, const float *x, size_t count, int nthreads) {
    (void)nthreads;
    const long n = (long)count;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && n > 65536)
    for (long i = 0; i < n; ++i)
        y[i] = hs(x[i]);
}

/* dx:(count) += dy:(count) * hardswish'(x:(count)) */
void rmn_cpu_hardswish_backward(float *dx, const float *dy, const float *x, size_t count,
                                int nthreads) {
    (void)nthreads;
    const long n = (long)count;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && n > 65536)
    for (long i = 0; i < n; ++i)
        dx[i] += dy[i] * dhs(x[i]);
}

void rmn_cpu_hardswish_fwd(const rmn_exec *ex, float *y, const float *x, size_t count) {
    rmn_cpu_hardswish_forward(y, x, count, ex->nthreads);
}

void rmn_cpu_hardswish_bwd(const rmn_exec *ex, float *dx, const float *dy, const float *x,
                           size_t count) {
    rmn_cpu_hardswish_backward(dx, dy, x, count, ex->nthreads);
}

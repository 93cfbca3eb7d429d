/* cpu_pool.c -- the cpu backend's max pooling, forward and backward: the ref kernels' results
 * (the same maxima, the same first-max argmax on ties) with each window's bounds clipped once
 * instead of testing every tap, and one OpenMP thread per group of planes; the backward
 * scatters one sample per thread. */
#include "tensor/ops.h"

#include <string.h>

/* y:(N,C,P,Q) idx:(N,C,P,Q) plane-relative argmax, or NULL; x:(N,C,H,W) */
void rmn_cpu_maxpool2d_forward(float *y, int32_t *idx, const float *x, const rmn_pool2d_shape *sh,
                               int nthreads) {
    (void)nthreads;
    const int H = sh->h, W = sh->w, P = sh->p, Q = sh->q;
    const long planes = (long)sh->n * sh->c;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && planes > 1)
    for (long plane = 0; plane < planes; ++plane) {
        const float *xp = x + (size_t)plane * H * W;
        float *yp = y + (size_t)plane * P * Q;
        int32_t *ip = idx ? idx + (size_t)plane * P * Q : NULL;
        for (int p = 0; p < P; ++p) {
            for (int q = 0; q < Q; ++q) {
                int r0, r1, c0, c1;
                rmn_pool_window(sh, p, q, &r0, &r1, &c0, &c1);
                float best = 0.0f;
                int32_t arg = -1;
                if (r0 < r1 && c0 < c1) {
                    arg = r0 * W + c0;
                    best = xp[arg];
                    for (int ih = r0; ih < r1; ++ih)
                        for (int iw = ih == r0 ? c0 + 1 : c0; iw < c1; ++iw) {
                            const float v = xp[ih * W + iw];
                            if (v > best) {
                                best = v;
                                arg = ih * W + iw;
                            }
                        }
                }
                yp[p * Q + q] = best;
                if (ip)
                    ip[p * Q + q] = arg;
            }
        }
    }
}

/* dx:(N,C,H,W) dy,idx:(N,C,P,Q) -- one sample per OpenMP thread (idx is plane-relative, so
 * per-sample calls of the plain kernel give the whole batch's result) */
void rmn_cpu_maxpool2d_backward(float *dx, const float *dy, const int32_t *idx,
                                const rmn_pool2d_shape *sh, int fresh, int nthreads) {
    (void)nthreads;
    rmn_pool2d_shape one = *sh;
    one.n = 1;
    const size_t in = (size_t)sh->c * sh->h * sh->w, out = (size_t)sh->c * sh->p * sh->q;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1 && sh->n > 1)
    for (int i = 0; i < sh->n; ++i) {
        if (fresh) /* zeroed here, one sample per thread, just before its scatter */
            memset(dx + i * in, 0, in * sizeof(float));
        rmn_ref_maxpool2d_backward(dx + i * in, dy + i * out, idx + i * out, &one);
    }
}

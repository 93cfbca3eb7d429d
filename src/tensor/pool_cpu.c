/* pool_cpu.c -- the cpu backend's max pooling: the ref kernel's results (the same maxima, the
 * same first-max argmax on ties) with each window's bounds clipped once instead of testing
 * every tap, and one OpenMP thread per group of planes. */
#include "tensor/ops.h"

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

/* cpu_convt.c -- the cpu backend's transposed conv2d, forward and backward, through the
 * im2col + sgemm conv kernels of cpu_conv.c with the roles swapped. With conv the convolution
 * rmn_convt2d_as_conv describes (input: the transposed conv's output y, output: its input x,
 * the same weight tensor):
 *   forward   y  = b + conv's data gradient of x       (col2im of w^T x)
 *   backward  dx += conv(dy)                            (im2col + sgemm, accumulating)
 *             dw += conv's weight gradient with input dy and output gradient x
 *             db += sum of dy over N, P, Q. */
#include "tensor/ops.h"

#include <string.h>

size_t rmn_gemm_convt2d_workspace(const rmn_convt2d_shape *sh, int nthreads) {
    rmn_conv2d_shape conv;
    rmn_convt2d_as_conv(sh, &conv);
    return rmn_gemm_conv2d_workspace(&conv, nthreads);
}

/* y:(N,K,P,Q) x:(N,C,H,W) w:(C,K/G,R,S) b:(K) or NULL */
void rmn_gemm_convt2d_forward(float *y, const float *x, const float *w, const float *b,
                              const rmn_convt2d_shape *sh, float *ws, int nthreads) {
    rmn_conv2d_shape conv;
    rmn_convt2d_as_conv(sh, &conv);
    const size_t pq = (size_t)sh->p * sh->q;
    for (size_t i = 0; i < (size_t)sh->n * sh->k; ++i) {
        const float v = b ? b[i % (size_t)sh->k] : 0.0f;
        for (size_t j = 0; j < pq; ++j)
            y[i * pq + j] = v;
    }
    rmn_gemm_conv2d_backward(y, NULL, NULL, x, NULL, w, &conv, ws, nthreads);
}

/* dx:(N,C,H,W) or NULL dw:(C,K/G,R,S) or NULL db:(K) or NULL dy:(N,K,P,Q) x:(N,C,H,W)
 * w:(C,K/G,R,S) */
void rmn_gemm_convt2d_backward(float *dx, float *dw, float *db, const float *dy,
                               const float *x, const float *w, const rmn_convt2d_shape *sh,
                               float *ws, int nthreads) {
    rmn_conv2d_shape conv;
    rmn_convt2d_as_conv(sh, &conv);
    const size_t pq = (size_t)sh->p * sh->q;
    if (db)
        for (int k = 0; k < sh->k; ++k) {
            double acc = 0.0;
            for (int n = 0; n < sh->n; ++n)
                for (size_t j = 0; j < pq; ++j)
                    acc += dy[((size_t)n * sh->k + k) * pq + j];
            db[k] += (float)acc;
        }
    if (dw)
        rmn_gemm_conv2d_backward(NULL, dw, NULL, x, dy, w, &conv, ws, nthreads);
    if (dx)
        rmn_gemm_conv2d_forward_acc(dx, dy, w, &conv, ws, nthreads);
}

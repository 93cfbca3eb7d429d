/* dnnl_convt.c -- transposed convolution (PyTorch's ConvTranspose2d) on the dnnl backend's
 * conv entries: a transposed conv is the backward-data pass of the conv that maps its output
 * back to its input, with the same weight tensor.
 *
 * x:(N,C,H,W) w:(C,K/G,R,S) b:(K) or NULL y:(N,K,P,Q); x and y plain or nChw16c as
 * rmn_exec.layout says (c's input is y's space, its output x's). The conv "c" of this shape maps
 * (N,K,P,Q) -> (N,C,H,W) with weights (C,K/G,R,S), stride, padding, dilation and groups alike
 * (output padding only lengthens P, Q; c's floor rounding gives H, W back). Then
 *   y  = c.backward_data(dy := x)             (+ b per channel)
 *   dx = c.forward(y-space input := dy)
 *   dw = c.backward_weights(src := dy, diff_dst := x)
 *   db = sums of dy over N, P, Q.
 * The "cpu" version (im2col + OpenBLAS) runs these at ~23 GFLOP/s here; oneDNN's conv kernels
 * at ~200. */
#include "tensor/blocked16.h"
#include "tensor/dnnl_internal.h"

#include <string.h>

/* c's layout bits: its x is our y, its y our x */
static unsigned swapped(unsigned layout) {
    return (layout & RMN_LAYOUT_X16 ? RMN_LAYOUT_Y16 : 0u) |
           (layout & RMN_LAYOUT_Y16 ? RMN_LAYOUT_X16 : 0u);
}


static rmn_conv2d_shape as_conv(const rmn_convt2d_shape *t) {
    rmn_conv2d_shape c;
    rmn_convt2d_as_conv(t, &c);
    return c;
}

size_t rmn_dnnl_convt_workspace(const rmn_convt2d_shape *sh, int nthreads) {
    /* the cpu fallback's, and room for dx when it must be added rather than written */
    const size_t cpu = rmn_gemm_convt2d_workspace(sh, nthreads);
    const size_t dx = (size_t)sh->n * sh->c * sh->h * sh->w;
    return cpu > dx ? cpu : dx;
}

/* y:(N,K,P,Q) = convT(x, w) + b */
void rmn_dnnl_convt_forward(const rmn_exec *ex, float *y, const float *x, const float *w,
                            const float *b, const rmn_convt2d_shape *sh) {
    const rmn_conv2d_shape c = as_conv(sh);
    rmn_exec cex = *ex;
    cex.layout = swapped(ex->layout);
    cex.fresh = RMN_FRESH_DX; /* y is written */
    rmn_dnnl_conv_backward(&cex, y, NULL, NULL, x, NULL, w, &c);
    if (b) {
        const int by = (ex->layout & RMN_LAYOUT_Y16) != 0;
        const size_t pq = (size_t)sh->p * sh->q, kpq = (size_t)sh->k * pq;
        for (int i = 0; i < sh->n; ++i)
            for (int k = 0; k < sh->k; ++k)
                for (size_t j = 0; j < pq; ++j)
                    y[(size_t)i * kpq + rmn_b16_at(by, k, j, pq)] += b[k];
    }
}

/* dx:(N,C,H,W) dw:(C,K/G,R,S) db:(K), each (+)= per ex->fresh (RMN_FRESH_DX, RMN_FRESH_DW) */
void rmn_dnnl_convt_backward(const rmn_exec *ex, float *dx, float *dw, float *db, const float *dy,
                             const float *x, const float *w, const rmn_convt2d_shape *sh) {
    const rmn_conv2d_shape c = as_conv(sh);
    rmn_exec cex = *ex;
    cex.layout = swapped(ex->layout);
    if (dx) {
        const size_t count = (size_t)sh->n * sh->c * sh->h * sh->w;
        const int fresh = (ex->fresh & RMN_FRESH_DX) != 0;
        float *out = fresh ? dx : ex->ws; /* the conv forward writes: add through ws */
        rmn_dnnl_conv_forward(&cex, out, dy, w, NULL, &c);
        if (!fresh)
            rmn_dnnl_accumulate(dx, out, count, ex->nthreads);
    }
    if (dw) {
        cex.fresh = ex->fresh & RMN_FRESH_DW;
        rmn_dnnl_conv_backward(&cex, NULL, dw, NULL, x, dy, w, &c);
    }
    if (db)
        rmn_b16_channel_sums(db, dy, sh->n, sh->k, (size_t)sh->p * sh->q,
                             (ex->layout & RMN_LAYOUT_Y16) != 0, (ex->fresh & RMN_FRESH_DW) != 0);
}

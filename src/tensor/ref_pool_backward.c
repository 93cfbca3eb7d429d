/* ref_pool_backward.c -- the naive backward kernels of average pooling, adaptive average
 * pooling and bilinear resizing (the oracles). Each scatters dy back over the input elements
 * its forward read, with the same weights. Accumulates into dx; contracts are in ops.h. */
#include "tensor/ops.h"

/* dx:(N,C,H,W) dy:(N,C,P,Q) */
void rmn_ref_avgpool2d_backward(float *dx, const float *dy, const rmn_pool2d_shape *sh) {
    const int H = sh->h, W = sh->w, P = sh->p, Q = sh->q;
    for (size_t plane = 0; plane < (size_t)sh->n * sh->c; ++plane) {
        float *dxp = dx + plane * H * W;
        for (int p = 0; p < P; ++p)
            for (int q = 0; q < Q; ++q) {
                int h0 = p * sh->stride_h - sh->pad_h, w0 = q * sh->stride_w - sh->pad_w;
                int h1 = h0 + sh->r < H + sh->pad_h ? h0 + sh->r : H + sh->pad_h;
                int w1 = w0 + sh->s < W + sh->pad_w ? w0 + sh->s : W + sh->pad_w;
                const int padded = (h1 - h0) * (w1 - w0);
                h0 = h0 > 0 ? h0 : 0, w0 = w0 > 0 ? w0 : 0;
                h1 = h1 < H ? h1 : H, w1 = w1 < W ? w1 : W;
                const int div = sh->count_include_pad ? padded : (h1 - h0) * (w1 - w0);
                if (div <= 0)
                    continue;
                const float g = dy[(plane * P + p) * Q + q] / (float)div;
                for (int ih = h0; ih < h1; ++ih)
                    for (int iw = w0; iw < w1; ++iw)
                        dxp[ih * W + iw] += g;
            }
    }
}

/* dx:(N,C,H,W) dy:(N,C,OH,OW) */
void rmn_ref_adaptive_avgpool2d_backward(float *dx, const float *dy, int n, int c, int h,
                                         int w, int oh, int ow) {
    for (size_t plane = 0; plane < (size_t)n * c; ++plane)
        for (int p = 0; p < oh; ++p)
            for (int q = 0; q < ow; ++q) {
                int h0, h1, w0, w1;
                rmn_adaptive_range(p, h, oh, &h0, &h1);
                rmn_adaptive_range(q, w, ow, &w0, &w1);
                const float g = dy[(plane * oh + p) * ow + q] / (float)((h1 - h0) * (w1 - w0));
                for (int i = h0; i < h1; ++i)
                    for (int j = w0; j < w1; ++j)
                        dx[(plane * h + i) * w + j] += g;
            }
}

/* dx:(N,C,H,W) dy:(N,C,OH,OW) */
void rmn_ref_resize_bilinear_backward(float *dx, const float *dy, int n, int c, int h, int w,
                                      int oh, int ow) {
    for (size_t plane = 0; plane < (size_t)n * c; ++plane) {
        float *dxp = dx + plane * h * w;
        for (int p = 0; p < oh; ++p) {
            int h0, h1, w0, w1;
            float lh, lw;
            rmn_resize_coord(p, h, oh, &h0, &h1, &lh);
            for (int q = 0; q < ow; ++q) {
                rmn_resize_coord(q, w, ow, &w0, &w1, &lw);
                const float g = dy[(plane * oh + p) * ow + q];
                dxp[h0 * w + w0] += g * (1.0f - lh) * (1.0f - lw);
                dxp[h0 * w + w1] += g * (1.0f - lh) * lw;
                dxp[h1 * w + w0] += g * lh * (1.0f - lw);
                dxp[h1 * w + w1] += g * lh * lw;
            }
        }
    }
}

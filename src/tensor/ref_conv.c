/* ref_conv.c -- the naive conv2d (strides, pads, dilations, groups), forward and backward: the
 * oracles of the im2col and oneDNN kernels. Forwards are written once for a real type R
 * (ref_real.h: float here, double in ref_f64.c); backwards, in float, accumulate into their d*
 * outputs. Shape contracts are in ops.h. */
#include "tensor/ops.h"

#include "tensor/ref_real.h"

// --- conv2d ------------------------------------------------------------------------------

/* y:(N,K,P,Q) x:(N,C,H,W) w:(K,C/G,R,S) b:(K) or NULL */
void NAME(rmn_ref_conv2d_forward)(R *y, const R *x, const R *w, const R *b,
                                  const rmn_conv2d_shape *sh) {
    const int C = sh->c, H = sh->h, W = sh->w, K = sh->k, KR = sh->r, KS = sh->s;
    const int P = sh->p, Q = sh->q, G = rmn_conv2d_groups(sh);
    const int DH = rmn_conv2d_dil_h(sh), DW = rmn_conv2d_dil_w(sh), CG = C / G, KG = K / G;
    for (int n = 0; n < sh->n; ++n)
        for (int k = 0; k < K; ++k)
            for (int p = 0; p < P; ++p)
                for (int q = 0; q < Q; ++q) {
                    double acc = b ? (double)b[k] : 0.0;
                    for (int cg = 0; cg < CG; ++cg) {
                        const int c = (k / KG) * CG + cg;
                        for (int r = 0; r < KR; ++r) {
                            int ih = p * sh->stride_h - sh->pad_h + r * DH;
                            if (ih < 0 || ih >= H)
                                continue;
                            for (int s = 0; s < KS; ++s) {
                                int iw = q * sh->stride_w - sh->pad_w + s * DW;
                                if (iw < 0 || iw >= W)
                                    continue;
                                acc += (double)x[(((size_t)n * C + c) * H + ih) * W + iw] *
                                       (double)w[(((size_t)k * CG + cg) * KR + r) * KS + s];
                            }
                        }
                    }
                    y[(((size_t)n * K + k) * P + p) * Q + q] = (R)acc;
                }
}

#ifndef RMN_REF_F64 /* the backward: float only */

/* dx:(N,C,H,W) or NULL dw:(K,C/G,R,S) or NULL db:(K) or NULL dy:(N,K,P,Q) x:(N,C,H,W)
 * w:(K,C/G,R,S) */
void rmn_ref_conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                             const float *w, const rmn_conv2d_shape *sh) {
    const int C = sh->c, H = sh->h, W = sh->w, K = sh->k, KR = sh->r, KS = sh->s;
    const int P = sh->p, Q = sh->q, G = rmn_conv2d_groups(sh);
    const int DH = rmn_conv2d_dil_h(sh), DW = rmn_conv2d_dil_w(sh), CG = C / G, KG = K / G;
    if (db)
        for (int k = 0; k < K; ++k) {
            double acc = 0.0;
            for (int n = 0; n < sh->n; ++n)
                for (int i = 0; i < P * Q; ++i)
                    acc += dy[((size_t)n * K + k) * P * Q + i];
            db[k] += (float)acc;
        }
    for (int k = 0; dw && k < K; ++k)
        for (int cg = 0; cg < CG; ++cg)
            for (int r = 0; r < KR; ++r)
                for (int s = 0; s < KS; ++s) {
                    const int c = (k / KG) * CG + cg;
                    double acc = 0.0;
                    for (int n = 0; n < sh->n; ++n)
                        for (int p = 0; p < P; ++p) {
                            int ih = p * sh->stride_h - sh->pad_h + r * DH;
                            if (ih < 0 || ih >= H)
                                continue;
                            for (int q = 0; q < Q; ++q) {
                                int iw = q * sh->stride_w - sh->pad_w + s * DW;
                                if (iw < 0 || iw >= W)
                                    continue;
                                acc += (double)dy[(((size_t)n * K + k) * P + p) * Q + q] *
                                       (double)x[(((size_t)n * C + c) * H + ih) * W + iw];
                            }
                        }
                    dw[(((size_t)k * CG + cg) * KR + r) * KS + s] += (float)acc;
                }
    if (!dx)
        return;
    /* dx gathered per input element (double sums): the taps (k, r, s) whose output position
     * p = (ih + pad - r dil) / stride is whole and inside the output. */
    for (int n = 0; n < sh->n; ++n)
        for (int c = 0; c < C; ++c)
            for (int ih = 0; ih < H; ++ih)
                for (int iw = 0; iw < W; ++iw) {
                    double acc = 0.0;
                    for (int kg = 0; kg < KG; ++kg) {
                        const int k = (c / CG) * KG + kg, cg = c % CG;
                        for (int r = 0; r < KR; ++r) {
                            const int th = ih + sh->pad_h - r * DH;
                            if (th < 0 || th % sh->stride_h || th / sh->stride_h >= P)
                                continue;
                            const int p = th / sh->stride_h;
                            for (int s = 0; s < KS; ++s) {
                                const int tw = iw + sh->pad_w - s * DW;
                                if (tw < 0 || tw % sh->stride_w || tw / sh->stride_w >= Q)
                                    continue;
                                acc += (double)dy[(((size_t)n * K + k) * P + p) * Q +
                                                  tw / sh->stride_w] *
                                       (double)w[(((size_t)k * CG + cg) * KR + r) * KS + s];
                            }
                        }
                    }
                    dx[(((size_t)n * C + c) * H + ih) * W + iw] += (float)acc;
                }
}

#endif

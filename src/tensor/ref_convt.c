/* ref_convt.c -- the naive transposed conv2d (PyTorch's ConvTranspose2d), forward and
 * backward: the oracles. Forwards are written once for a real type R (ref_real.h: float here,
 * double in ref_f64.c); backwards, in float, accumulate into their d* outputs. Shape contracts
 * are in ops.h. */
#include "tensor/ops.h"

#include "tensor/ref_real.h"

// --- transposed conv2d -------------------------------------------------------------------

/* y:(N,K,P,Q) x:(N,C,H,W) w:(C,K/G,R,S) b:(K) or NULL -- gathered per output element:
 * y[n,k,p,q] = b[k] + sum x[n,c,i,j] w[c,k%KG,r,s] over p = i stride - pad + r dil (and q). */
void NAME(rmn_ref_convt2d_forward)(R *y, const R *x, const R *w, const R *b,
                                   const rmn_convt2d_shape *sh) {
    const int C = sh->c, H = sh->h, W = sh->w, K = sh->k, KR = sh->r, KS = sh->s;
    const int P = sh->p, Q = sh->q, G = sh->groups > 0 ? sh->groups : 1;
    const int DH = sh->dil_h > 0 ? sh->dil_h : 1, DW = sh->dil_w > 0 ? sh->dil_w : 1;
    const int CG = C / G, KG = K / G;
    for (int n = 0; n < sh->n; ++n)
        for (int k = 0; k < K; ++k)
            for (int p = 0; p < P; ++p)
                for (int q = 0; q < Q; ++q) {
                    double acc = b ? (double)b[k] : 0.0;
                    for (int cg = 0; cg < CG; ++cg) {
                        const int c = (k / KG) * CG + cg;
                        for (int r = 0; r < KR; ++r) {
                            const int th = p + sh->pad_h - r * DH;
                            if (th < 0 || th % sh->stride_h)
                                continue;
                            const int ih = th / sh->stride_h;
                            if (ih >= H)
                                continue;
                            for (int s = 0; s < KS; ++s) {
                                const int tw = q + sh->pad_w - s * DW;
                                if (tw < 0 || tw % sh->stride_w)
                                    continue;
                                const int iw = tw / sh->stride_w;
                                if (iw >= W)
                                    continue;
                                acc += (double)x[(((size_t)n * C + c) * H + ih) * W + iw] *
                                       (double)w[(((size_t)c * KG + k % KG) * KR + r) * KS + s];
                            }
                        }
                    }
                    y[(((size_t)n * K + k) * P + p) * Q + q] = (R)acc;
                }
}

#ifndef RMN_REF_F64 /* the backward: float only */

/* dx:(N,C,H,W) or NULL dw:(C,K/G,R,S) or NULL db:(K) or NULL dy:(N,K,P,Q) x:(N,C,H,W)
 * w:(C,K/G,R,S) */
void rmn_ref_convt2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                              const float *w, const rmn_convt2d_shape *sh) {
    const int C = sh->c, H = sh->h, W = sh->w, K = sh->k, KR = sh->r, KS = sh->s;
    const int P = sh->p, Q = sh->q, G = sh->groups > 0 ? sh->groups : 1;
    const int DH = sh->dil_h > 0 ? sh->dil_h : 1, DW = sh->dil_w > 0 ? sh->dil_w : 1;
    const int CG = C / G, KG = K / G;
    if (db)
        for (int k = 0; k < K; ++k) {
            double acc = 0.0;
            for (int n = 0; n < sh->n; ++n)
                for (int i = 0; i < P * Q; ++i)
                    acc += dy[((size_t)n * K + k) * P * Q + i];
            db[k] += (float)acc;
        }
    for (int n = 0; n < sh->n; ++n)
        for (int c = 0; c < C; ++c)
            for (int ih = 0; ih < H; ++ih)
                for (int iw = 0; iw < W; ++iw) {
                    const size_t xi = (((size_t)n * C + c) * H + ih) * W + iw;
                    double acc = 0.0;
                    for (int kk = 0; kk < KG; ++kk) {
                        const int k = (c / CG) * KG + kk;
                        for (int r = 0; r < KR; ++r) {
                            const int p = ih * sh->stride_h - sh->pad_h + r * DH;
                            if (p < 0 || p >= P)
                                continue;
                            for (int s = 0; s < KS; ++s) {
                                const int q = iw * sh->stride_w - sh->pad_w + s * DW;
                                if (q < 0 || q >= Q)
                                    continue;
                                const double g = dy[(((size_t)n * K + k) * P + p) * Q + q];
                                const size_t wi = (((size_t)c * KG + kk) * KR + r) * KS + s;
                                acc += g * (double)w[wi];
                                if (dw)
                                    dw[wi] += (float)(g * (double)x[xi]);
                            }
                        }
                    }
                    if (dx)
                        dx[xi] += (float)acc;
                }
}

#endif

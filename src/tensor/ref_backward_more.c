/* ref_backward_more.c -- the naive backward kernels of transposed conv, activations, channel
 * softmax, broadcast binary ops, concat and channel reductions (the oracles). Every kernel
 * accumulates into its d* outputs; shape contracts are in ops.h. */
#include "tensor/ops.h"

#include <math.h>

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

/* dx,dy,x,y:(count) */
void rmn_ref_act_backward(float *dx, const float *dy, const float *x, const float *y,
                          size_t count, rmn_act act) {
    for (size_t i = 0; i < count; ++i) {
        const double v = x[i], g = dy[i];
        double d;
        switch (act) {
        case RMN_ACT_RELU:
            d = v > 0.0 ? g : 0.0;
            break;
        case RMN_ACT_RELU6:
            d = v > 0.0 && v < 6.0 ? g : 0.0;
            break;
        case RMN_ACT_SIGMOID:
            d = g * (double)y[i] * (1.0 - (double)y[i]);
            break;
        case RMN_ACT_SILU: {
            const double s = 1.0 / (1.0 + exp(-v));
            d = g * s * (1.0 + v * (1.0 - s));
            break;
        }
        case RMN_ACT_TANH:
        default:
            d = g * (1.0 - (double)y[i] * (double)y[i]);
            break;
        }
        dx[i] += (float)d;
    }
}

/* dx,dy,y:(N,C,HW) */
void rmn_ref_softmax_ch_backward(float *dx, const float *dy, const float *y, int n, int c,
                                 int hw) {
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < hw; ++j) {
            const size_t o = (size_t)i * c * hw + j;
            double dot = 0.0;
            for (int ch = 0; ch < c; ++ch)
                dot += (double)dy[o + (size_t)ch * hw] * (double)y[o + (size_t)ch * hw];
            for (int ch = 0; ch < c; ++ch) {
                const size_t k = o + (size_t)ch * hw;
                dx[k] += (float)((double)y[k] * ((double)dy[k] - dot));
            }
        }
}

/* da:(N,C,H,W) or NULL db:(N,BC,BH,BW) or NULL dy,a:(N,C,H,W) b:(N,BC,BH,BW) */
void rmn_ref_binary_backward(float *da, float *db, const float *dy, const float *a,
                             const float *b, const rmn_bcast_shape *sh, rmn_binary op) {
    for (int n = 0; n < sh->n; ++n)
        for (int c = 0; c < sh->c; ++c)
            for (int h = 0; h < sh->h; ++h)
                for (int w = 0; w < sh->w; ++w) {
                    const size_t i = (((size_t)n * sh->c + c) * sh->h + h) * sh->w + w;
                    const size_t j = (((size_t)n * sh->bc + (sh->bc == 1 ? 0 : c)) * sh->bh +
                                      (sh->bh == 1 ? 0 : h)) * sh->bw + (sh->bw == 1 ? 0 : w);
                    const float g = dy[i], av = a[i], bv = b[j];
                    if (da)
                        da[i] += op == RMN_BINARY_ADD   ? g
                                 : op == RMN_BINARY_MUL ? g * bv
                                                        : g * (1.0f + bv);
                    if (db)
                        db[j] += op == RMN_BINARY_ADD ? g : g * av;
                }
}

/* dx:(N,CX,HW) dy:(N,CY,HW) */
void rmn_ref_concat_backward(float *dx, const float *dy, int n, int cy, int c0, int cx,
                             int hw) {
    for (int i = 0; i < n; ++i)
        for (size_t j = 0; j < (size_t)cx * hw; ++j)
            dx[(size_t)i * cx * hw + j] += dy[((size_t)i * cy + c0) * hw + j];
}

/* dx:(N,C,HW) dy:(N,1,HW) */
void rmn_ref_chan_mean_backward(float *dx, const float *dy, int n, int c, int hw) {
    for (int i = 0; i < n; ++i)
        for (int ch = 0; ch < c; ++ch)
            for (int j = 0; j < hw; ++j)
                dx[((size_t)i * c + ch) * hw + j] += dy[(size_t)i * hw + j] / (float)c;
}

/* dx:(N,C,HW) dy,idx:(N,1,HW) */
void rmn_ref_chan_max_backward(float *dx, const float *dy, const int32_t *idx, int n, int c,
                               int hw) {
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < hw; ++j)
            dx[((size_t)i * c + idx[(size_t)i * hw + j]) * hw + j] += dy[(size_t)i * hw + j];
}

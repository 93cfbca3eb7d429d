/* ref_backward.c -- the naive backward kernels of the first ops (oracles of the fast paths).
 * Every kernel accumulates into its d* outputs; shape contracts are in ops.h. */
#include "tensor/ops.h"

#include <math.h>

#include "core/error.h"

// --- backward kernels ---------------------------------------------------------------------

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

/* dx,dy,x:(N,C,HW) dgamma,dbeta,gamma,save_mean,save_invstd:(C) */
void rmn_ref_bn2d_backward_train(float *dx, float *dgamma, float *dbeta, const float *dy,
                                 const float *x, const float *gamma, const float *save_mean,
                                 const float *save_invstd, int n, int c, int hw) {
    const double m = (double)n * hw;
    for (int ch = 0; ch < c; ++ch) {
        const double mean = save_mean[ch], invstd = save_invstd[ch];
        double sdy = 0.0, sdyx = 0.0;
        for (int i = 0; i < n; ++i) {
            const size_t o = ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; ++j) {
                sdy += dy[o + j];
                sdyx += (double)dy[o + j] * ((double)x[o + j] - mean) * invstd;
            }
        }
        if (dgamma)
            dgamma[ch] += (float)sdyx;
        if (dbeta)
            dbeta[ch] += (float)sdy;
        if (!dx)
            continue;
        const double scale = (double)gamma[ch] * invstd / m;
        for (int i = 0; i < n; ++i) {
            const size_t o = ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; ++j) {
                double xhat = ((double)x[o + j] - mean) * invstd;
                dx[o + j] += (float)(scale * (m * dy[o + j] - sdy - xhat * sdyx));
            }
        }
    }
}

/* dx,dy,x:(N,C,HW) dgamma,dbeta,gamma,running_mean,running_var:(C) */
void rmn_ref_bn2d_backward_eval(float *dx, float *dgamma, float *dbeta, const float *dy,
                                const float *x, const float *gamma, const float *running_mean,
                                const float *running_var, int n, int c, int hw, double eps) {
    for (int ch = 0; ch < c; ++ch) {
        const double invstd = 1.0 / sqrt((double)running_var[ch] + eps);
        double sdy = 0.0, sdyx = 0.0;
        for (int i = 0; i < n; ++i) {
            const size_t o = ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; ++j) {
                sdy += dy[o + j];
                sdyx += (double)dy[o + j] * ((double)x[o + j] - running_mean[ch]) * invstd;
                if (dx)
                    dx[o + j] += (float)((double)dy[o + j] * gamma[ch] * invstd);
            }
        }
        if (dgamma)
            dgamma[ch] += (float)sdyx;
        if (dbeta)
            dbeta[ch] += (float)sdy;
    }
}

/* dx,dy,x:(count) */
void rmn_ref_relu_backward(float *dx, const float *dy, const float *x, size_t count) {
    for (size_t i = 0; i < count; ++i)
        if (x[i] > 0)
            dx[i] += dy[i];
}

/* dx:(N,C,H,W) dy,idx:(N,C,P,Q) */
void rmn_ref_maxpool2d_backward(float *dx, const float *dy, const int32_t *idx,
                                const rmn_pool2d_shape *sh) {
    const size_t in_plane = (size_t)sh->h * sh->w, out_plane = (size_t)sh->p * sh->q;
    for (size_t plane = 0; plane < (size_t)sh->n * sh->c; ++plane)
        for (size_t o = 0; o < out_plane; ++o) {
            int32_t i = idx[plane * out_plane + o];
            if (i >= 0)
                dx[plane * in_plane + (size_t)i] += dy[plane * out_plane + o];
        }
}

/* dx:(N,C,HW) dy:(N,C) */
void rmn_ref_gap_backward(float *dx, const float *dy, int n, int c, int hw) {
    for (size_t plane = 0; plane < (size_t)n * c; ++plane) {
        const float g = dy[plane] / (float)hw;
        for (int j = 0; j < hw; ++j)
            dx[plane * hw + j] += g;
    }
}

/* dx:(N,IN) or NULL dw:(OUT,IN) db:(OUT) or NULL dy:(N,OUT) x:(N,IN) w:(OUT,IN) */
void rmn_ref_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                             const float *w, int n, int in, int out) {
    for (int o = 0; o < out; ++o) {
        if (db) {
            double acc = 0.0;
            for (int i = 0; i < n; ++i)
                acc += dy[(size_t)i * out + o];
            db[o] += (float)acc;
        }
        for (int j = 0; j < in; ++j) {
            double acc = 0.0;
            for (int i = 0; i < n; ++i)
                acc += (double)dy[(size_t)i * out + o] * (double)x[(size_t)i * in + j];
            dw[(size_t)o * in + j] += (float)acc;
        }
    }
    if (dx)
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < in; ++j) {
                double acc = 0.0;
                for (int o = 0; o < out; ++o)
                    acc += (double)dy[(size_t)i * out + o] * (double)w[(size_t)o * in + j];
                dx[(size_t)i * in + j] += (float)acc;
            }
}

/* dx,dy,mask:(count) */
void rmn_ref_dropout_backward(float *dx, const float *dy, const float *mask, size_t count) {
    for (size_t i = 0; i < count; ++i)
        dx[i] += dy[i] * mask[i];
}

/* ref_backward.c -- the naive backward kernels (oracles of the fast paths), and the shape
 * helpers. Every kernel accumulates into its d* outputs; shape contracts are in ops.h. */
#include "tensor/ops.h"

#include <math.h>

#include "core/error.h"

// --- shapes -------------------------------------------------------------------------------

int rmn_conv2d_shape_init(rmn_conv2d_shape *sh, int n, int c, int h, int w, int k, int kernel,
                          int stride, int pad) {
    if (n < 1 || c < 1 || h < 1 || w < 1 || k < 1 || kernel < 1 || stride < 1 || pad < 0)
        return RMN_ERROR(RMN_EINVAL, "conv2d: bad sizes n=%d c=%d h=%d w=%d k=%d kernel=%d "
                         "stride=%d pad=%d", n, c, h, w, k, kernel, stride, pad);
    *sh = (rmn_conv2d_shape){.n = n, .c = c, .h = h, .w = w, .k = k, .r = kernel, .s = kernel,
                             .stride_h = stride, .stride_w = stride, .pad_h = pad, .pad_w = pad};
    if (h + 2 * pad < kernel || w + 2 * pad < kernel)
        return RMN_ERROR(RMN_EINVAL, "conv2d: kernel %d larger than padded input %dx%d",
                         kernel, h + 2 * pad, w + 2 * pad);
    sh->p = (h + 2 * pad - kernel) / stride + 1;
    sh->q = (w + 2 * pad - kernel) / stride + 1;
    return RMN_OK;
}

int rmn_pool2d_shape_init(rmn_pool2d_shape *sh, int n, int c, int h, int w, int kernel,
                          int stride, int pad) {
    if (n < 1 || c < 1 || h < 1 || w < 1 || kernel < 1 || stride < 1 || pad < 0 ||
        pad > kernel / 2)
        return RMN_ERROR(RMN_EINVAL, "maxpool2d: bad sizes n=%d c=%d h=%d w=%d kernel=%d "
                         "stride=%d pad=%d (pad must be <= kernel/2)", n, c, h, w, kernel,
                         stride, pad);
    if (h + 2 * pad < kernel || w + 2 * pad < kernel)
        return RMN_ERROR(RMN_EINVAL, "maxpool2d: kernel %d larger than padded input %dx%d",
                         kernel, h + 2 * pad, w + 2 * pad);
    *sh = (rmn_pool2d_shape){.n = n, .c = c, .h = h, .w = w, .r = kernel, .s = kernel,
                             .stride_h = stride, .stride_w = stride, .pad_h = pad, .pad_w = pad};
    sh->p = (h + 2 * pad - kernel) / stride + 1;
    sh->q = (w + 2 * pad - kernel) / stride + 1;
    return RMN_OK;
}

// --- backward kernels ---------------------------------------------------------------------

/* dx:(N,C,H,W) or NULL dw:(K,C,R,S) db:(K) or NULL dy:(N,K,P,Q) x:(N,C,H,W) w:(K,C,R,S) */
void rmn_ref_conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                             const float *w, const rmn_conv2d_shape *sh) {
    const int C = sh->c, H = sh->h, W = sh->w, K = sh->k, KR = sh->r, KS = sh->s;
    const int P = sh->p, Q = sh->q;
    if (db)
        for (int k = 0; k < K; ++k) {
            double acc = 0.0;
            for (int n = 0; n < sh->n; ++n)
                for (int i = 0; i < P * Q; ++i)
                    acc += dy[((size_t)n * K + k) * P * Q + i];
            db[k] += (float)acc;
        }
    for (int k = 0; k < K; ++k)
        for (int c = 0; c < C; ++c)
            for (int r = 0; r < KR; ++r)
                for (int s = 0; s < KS; ++s) {
                    double acc = 0.0;
                    for (int n = 0; n < sh->n; ++n)
                        for (int p = 0; p < P; ++p) {
                            int ih = p * sh->stride_h - sh->pad_h + r;
                            if (ih < 0 || ih >= H)
                                continue;
                            for (int q = 0; q < Q; ++q) {
                                int iw = q * sh->stride_w - sh->pad_w + s;
                                if (iw < 0 || iw >= W)
                                    continue;
                                acc += (double)dy[(((size_t)n * K + k) * P + p) * Q + q] *
                                       (double)x[(((size_t)n * C + c) * H + ih) * W + iw];
                            }
                        }
                    dw[(((size_t)k * C + c) * KR + r) * KS + s] += (float)acc;
                }
    if (!dx)
        return;
    for (int n = 0; n < sh->n; ++n)
        for (int k = 0; k < K; ++k)
            for (int p = 0; p < P; ++p)
                for (int q = 0; q < Q; ++q) {
                    const float g = dy[(((size_t)n * K + k) * P + p) * Q + q];
                    for (int c = 0; c < C; ++c)
                        for (int r = 0; r < KR; ++r) {
                            int ih = p * sh->stride_h - sh->pad_h + r;
                            if (ih < 0 || ih >= H)
                                continue;
                            for (int s = 0; s < KS; ++s) {
                                int iw = q * sh->stride_w - sh->pad_w + s;
                                if (iw < 0 || iw >= W)
                                    continue;
                                dx[(((size_t)n * C + c) * H + ih) * W + iw] +=
                                    g * w[(((size_t)k * C + c) * KR + r) * KS + s];
                            }
                        }
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

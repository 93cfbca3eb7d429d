/* ref_pool.c -- the naive pools, forward and backward: max and average pooling over windows,
 * adaptive average pooling, global average pooling, and the mean and max over channels. Each
 * backward scatters dy back over the input elements its forward read, with the same weights.
 * The oracles. Forwards are written once for a real type R (ref_real.h: float here, double in
 * ref_f64.c); backwards, in float, accumulate into their d* outputs. Shape contracts are in
 * ops.h. */
#include "tensor/ops.h"

#include "tensor/ref_real.h"

// --- max pool ----------------------------------------------------------------------------

/* y:(N,C,P,Q) idx:(N,C,P,Q) or NULL x:(N,C,H,W) -- windows clipped to the input (ceil mode
 * keeps at least one element in each) */
void NAME(rmn_ref_maxpool2d_forward)(R *y, int32_t *idx, const R *x, const rmn_pool2d_shape *sh) {
    const int H = sh->h, W = sh->w, P = sh->p, Q = sh->q;
    for (size_t plane = 0; plane < (size_t)sh->n * sh->c; ++plane) {
        const R *xp = x + plane * H * W;
        for (int p = 0; p < P; ++p)
            for (int q = 0; q < Q; ++q) {
                R best = 0;
                int32_t arg = -1;
                for (int r = 0; r < sh->r; ++r) {
                    int ih = p * sh->stride_h - sh->pad_h + r;
                    if (ih < 0 || ih >= H)
                        continue;
                    for (int s = 0; s < sh->s; ++s) {
                        int iw = q * sh->stride_w - sh->pad_w + s;
                        if (iw < 0 || iw >= W)
                            continue;
                        R v = xp[ih * W + iw];
                        if (arg < 0 || v > best) {
                            best = v;
                            arg = ih * W + iw;
                        }
                    }
                }
                y[(plane * P + p) * Q + q] = best;
                if (idx)
                    idx[(plane * P + p) * Q + q] = arg;
            }
    }
}

#ifndef RMN_REF_F64 /* the backward: float only */

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

#endif

// --- average pool ------------------------------------------------------------------------

/* y:(N,C,P,Q) x:(N,C,H,W) -- PyTorch's avg_pool2d divisor rule (see rmn_pool2d_shape) */
void NAME(rmn_ref_avgpool2d_forward)(R *y, const R *x, const rmn_pool2d_shape *sh) {
    const int H = sh->h, W = sh->w, P = sh->p, Q = sh->q;
    for (size_t plane = 0; plane < (size_t)sh->n * sh->c; ++plane) {
        const R *xp = x + plane * H * W;
        for (int p = 0; p < P; ++p)
            for (int q = 0; q < Q; ++q) {
                int h0 = p * sh->stride_h - sh->pad_h, w0 = q * sh->stride_w - sh->pad_w;
                int h1 = h0 + sh->r < H + sh->pad_h ? h0 + sh->r : H + sh->pad_h;
                int w1 = w0 + sh->s < W + sh->pad_w ? w0 + sh->s : W + sh->pad_w;
                const int padded = (h1 - h0) * (w1 - w0);
                h0 = h0 > 0 ? h0 : 0, w0 = w0 > 0 ? w0 : 0;
                h1 = h1 < H ? h1 : H, w1 = w1 < W ? w1 : W;
                double sum = 0.0;
                for (int ih = h0; ih < h1; ++ih)
                    for (int iw = w0; iw < w1; ++iw)
                        sum += (double)xp[ih * W + iw];
                const int div = sh->count_include_pad ? padded : (h1 - h0) * (w1 - w0);
                y[(plane * P + p) * Q + q] = div > 0 ? (R)(sum / div) : (R)0;
            }
    }
}

#ifndef RMN_REF_F64 /* the backward: float only */

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

#endif

// --- adaptive average pool ---------------------------------------------------------------

/* y:(N,C,OH,OW) x:(N,C,H,W) */
void NAME(rmn_ref_adaptive_avgpool2d_forward)(R *y, const R *x, int n, int c, int h, int w,
                                              int oh, int ow) {
    for (size_t plane = 0; plane < (size_t)n * c; ++plane)
        for (int p = 0; p < oh; ++p)
            for (int q = 0; q < ow; ++q) {
                int h0, h1, w0, w1;
                rmn_adaptive_range(p, h, oh, &h0, &h1);
                rmn_adaptive_range(q, w, ow, &w0, &w1);
                double sum = 0.0;
                for (int i = h0; i < h1; ++i)
                    for (int j = w0; j < w1; ++j)
                        sum += (double)x[(plane * h + i) * w + j];
                y[(plane * oh + p) * ow + q] = (R)(sum / ((h1 - h0) * (w1 - w0)));
            }
}

#ifndef RMN_REF_F64 /* the backward: float only */

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

#endif

// --- global average pool -----------------------------------------------------------------

/* y:(N,C) x:(N,C,HW) */
void NAME(rmn_ref_gap_forward)(R *y, const R *x, int n, int c, int hw) {
    for (size_t plane = 0; plane < (size_t)n * c; ++plane) {
        double sum = 0.0;
        for (int j = 0; j < hw; ++j)
            sum += (double)x[plane * hw + j];
        y[plane] = (R)(sum / hw);
    }
}

#ifndef RMN_REF_F64 /* the backward: float only */

/* dx:(N,C,HW) dy:(N,C) */
void rmn_ref_gap_backward(float *dx, const float *dy, int n, int c, int hw) {
    for (size_t plane = 0; plane < (size_t)n * c; ++plane) {
        const float g = dy[plane] / (float)hw;
        for (int j = 0; j < hw; ++j)
            dx[plane * hw + j] += g;
    }
}

#endif

// --- mean over channels ------------------------------------------------------------------

/* y:(N,1,HW) x:(N,C,HW) */
void NAME(rmn_ref_chan_mean_forward)(R *y, const R *x, int n, int c, int hw) {
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < hw; ++j) {
            double sum = 0.0;
            for (int ch = 0; ch < c; ++ch)
                sum += (double)x[((size_t)i * c + ch) * hw + j];
            y[(size_t)i * hw + j] = (R)(sum / c);
        }
}

#ifndef RMN_REF_F64 /* the backward: float only */

/* dx:(N,C,HW) dy:(N,1,HW) */
void rmn_ref_chan_mean_backward(float *dx, const float *dy, int n, int c, int hw) {
    for (int i = 0; i < n; ++i)
        for (int ch = 0; ch < c; ++ch)
            for (int j = 0; j < hw; ++j)
                dx[((size_t)i * c + ch) * hw + j] += dy[(size_t)i * hw + j] / (float)c;
}

#endif

// --- max over channels -------------------------------------------------------------------

/* y:(N,1,HW) idx:(N,1,HW) or NULL x:(N,C,HW) -- the first maximum wins */
void NAME(rmn_ref_chan_max_forward)(R *y, int32_t *idx, const R *x, int n, int c, int hw) {
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < hw; ++j) {
            int arg = 0;
            R best = x[(size_t)i * c * hw + j];
            for (int ch = 1; ch < c; ++ch) {
                const R v = x[((size_t)i * c + ch) * hw + j];
                if (v > best)
                    best = v, arg = ch;
            }
            y[(size_t)i * hw + j] = best;
            if (idx)
                idx[(size_t)i * hw + j] = arg;
        }
}

#ifndef RMN_REF_F64 /* the backward: float only */

/* dx:(N,C,HW) dy,idx:(N,1,HW) */
void rmn_ref_chan_max_backward(float *dx, const float *dy, const int32_t *idx, int n, int c,
                               int hw) {
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < hw; ++j)
            dx[((size_t)i * c + idx[(size_t)i * hw + j]) * hw + j] += dy[(size_t)i * hw + j];
}

#endif

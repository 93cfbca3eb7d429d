/* ref_reshape.c -- the naive ops that move values into another shape, forward and backward:
 * bilinear resizing (align_corners=False) and channel concatenation. The oracles. Forwards are
 * written once for a real type R (ref_real.h: float here, double in ref_f64.c); backwards, in
 * float, accumulate into their d* outputs. Shape contracts are in ops.h. */
#include "tensor/ops.h"

#include "tensor/ref_real.h"

// --- bilinear resize ---------------------------------------------------------------------

/* y:(N,C,OH,OW) x:(N,C,H,W) */
void NAME(rmn_ref_resize_bilinear_forward)(R *y, const R *x, int n, int c, int h, int w, int oh,
                                           int ow) {
    for (size_t plane = 0; plane < (size_t)n * c; ++plane) {
        const R *xp = x + plane * h * w;
        for (int p = 0; p < oh; ++p) {
            int h0, h1, w0, w1;
            float lh, lw;
            rmn_resize_coord(p, h, oh, &h0, &h1, &lh);
            for (int q = 0; q < ow; ++q) {
                rmn_resize_coord(q, w, ow, &w0, &w1, &lw);
                const R a = (R)(1.0f - lh), bb = (R)lh, cw = (R)(1.0f - lw), d = (R)lw;
                y[(plane * oh + p) * ow + q] =
                    a * (cw * xp[h0 * w + w0] + d * xp[h0 * w + w1]) +
                    bb * (cw * xp[h1 * w + w0] + d * xp[h1 * w + w1]);
            }
        }
    }
}

#ifndef RMN_REF_F64 /* the backward: float only */

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

#endif

// --- channel concat ----------------------------------------------------------------------

/* y:(N,CY,HW) x:(N,CX,HW) */
void NAME(rmn_ref_concat_forward)(R *y, const R *x, int n, int cy, int c0, int cx, int hw) {
    for (int i = 0; i < n; ++i)
        for (size_t j = 0; j < (size_t)cx * hw; ++j)
            y[((size_t)i * cy + c0) * hw + j] = x[(size_t)i * cx * hw + j];
}

#ifndef RMN_REF_F64 /* the backward: float only */

/* dx:(N,CX,HW) dy:(N,CY,HW) */
void rmn_ref_concat_backward(float *dx, const float *dy, int n, int cy, int c0, int cx,
                             int hw) {
    for (int i = 0; i < n; ++i)
        for (size_t j = 0; j < (size_t)cx * hw; ++j)
            dx[(size_t)i * cx * hw + j] += dy[((size_t)i * cy + c0) * hw + j];
}

#endif

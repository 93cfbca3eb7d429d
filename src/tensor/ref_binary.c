/* ref_binary.c -- the naive broadcast binary ops (add, mul, the residual masking a * (1 + b)),
 * forward and backward: the oracles. Forwards are written once for a real type R (ref_real.h:
 * float here, double in ref_f64.c); backwards, in float, accumulate into their d* outputs.
 * Shape contracts are in ops.h. */
#include "tensor/ops.h"

#include "tensor/ref_real.h"

// --- broadcast binary ops ----------------------------------------------------------------

/* y,a:(N,C,H,W) b:(N,BC,BH,BW) */
void NAME(rmn_ref_binary_forward)(R *y, const R *a, const R *b, const rmn_bcast_shape *sh,
                                  rmn_binary op) {
    for (int n = 0; n < sh->n; ++n)
        for (int c = 0; c < sh->c; ++c)
            for (int h = 0; h < sh->h; ++h)
                for (int w = 0; w < sh->w; ++w) {
                    const size_t i = (((size_t)n * sh->c + c) * sh->h + h) * sh->w + w;
                    const size_t j = (((size_t)n * sh->bc + (sh->bc == 1 ? 0 : c)) * sh->bh +
                                      (sh->bh == 1 ? 0 : h)) * sh->bw + (sh->bw == 1 ? 0 : w);
                    y[i] = op == RMN_BINARY_ADD   ? a[i] + b[j]
                           : op == RMN_BINARY_MUL ? a[i] * b[j]
                                                  : a[i] * ((R)1 + b[j]);
                }
}

#ifndef RMN_REF_F64 /* the backward: float only */

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

#endif

/* ref_linear.c -- the naive linear layer y = x w^T + b (PyTorch's layout), forward and
 * backward: the oracles. Forwards are written once for a real type R (ref_real.h: float here,
 * double in ref_f64.c); backwards, in float, accumulate into their d* outputs. Shape contracts
 * are in ops.h. */
#include "tensor/ops.h"

#include "tensor/ref_real.h"

// --- linear ------------------------------------------------------------------------------

/* y:(N,OUT) x:(N,IN) w:(OUT,IN) b:(OUT) or NULL */
void NAME(rmn_ref_linear_forward)(R *y, const R *x, const R *w, const R *b, int n, int in,
                                  int out) {
    for (int i = 0; i < n; ++i)
        for (int o = 0; o < out; ++o) {
            double acc = b ? (double)b[o] : 0.0;
            for (int j = 0; j < in; ++j)
                acc += (double)x[(size_t)i * in + j] * (double)w[(size_t)o * in + j];
            y[(size_t)i * out + o] = (R)acc;
        }
}

#ifndef RMN_REF_F64 /* the backward: float only */

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

#endif

/* ref_eltwise.c -- the naive element-wise ops, forward and backward: ReLU, the activations
 * (ReLU6, sigmoid, SiLU, tanh), inverted dropout and its mask. The oracles. Forwards are
 * written once for a real type R (ref_real.h: float here, double in ref_f64.c); backwards, in
 * float, accumulate into their d* outputs. Shape contracts are in ops.h. */
#include "tensor/ops.h"

#include <math.h>

#include "tensor/ref_real.h"

// --- ReLU --------------------------------------------------------------------------------

/* y:(count) x:(count) */
void NAME(rmn_ref_relu_forward)(R *y, const R *x, size_t count) {
    for (size_t i = 0; i < count; ++i)
        y[i] = x[i] > 0 ? x[i] : (R)0;
}

#ifndef RMN_REF_F64 /* the backward: float only */

/* dx,dy,x:(count) */
void rmn_ref_relu_backward(float *dx, const float *dy, const float *x, size_t count) {
    for (size_t i = 0; i < count; ++i)
        if (x[i] > 0)
            dx[i] += dy[i];
}

#endif

// --- activations -------------------------------------------------------------------------

/* y:(count) x:(count) */
void NAME(rmn_ref_act_forward)(R *y, const R *x, size_t count, rmn_act act) {
    for (size_t i = 0; i < count; ++i) {
        const double v = (double)x[i];
        double o;
        switch (act) {
        case RMN_ACT_RELU:
            o = v > 0.0 ? v : 0.0;
            break;
        case RMN_ACT_RELU6:
            o = v <= 0.0 ? 0.0 : (v >= 6.0 ? 6.0 : v);
            break;
        case RMN_ACT_SIGMOID:
            o = 1.0 / (1.0 + exp(-v));
            break;
        case RMN_ACT_SILU:
            o = v / (1.0 + exp(-v));
            break;
        case RMN_ACT_TANH:
        default:
            o = tanh(v);
            break;
        }
        y[i] = (R)o;
    }
}

#ifndef RMN_REF_F64 /* the backward: float only */

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

#endif

// --- dropout -----------------------------------------------------------------------------

/* y:(count) x:(count) mask:(count) */
void NAME(rmn_ref_dropout_forward)(R *y, const R *x, const float *mask, size_t count) {
    for (size_t i = 0; i < count; ++i)
        y[i] = x[i] * (R)mask[i];
}

#ifndef RMN_REF_F64 /* the backward: float only */

/* dx,dy,mask:(count) */
void rmn_ref_dropout_backward(float *dx, const float *dy, const float *mask, size_t count) {
    for (size_t i = 0; i < count; ++i)
        dx[i] += dy[i] * mask[i];
}

#endif

// --- dropout mask ------------------------------------------------------------------------

#ifndef RMN_REF_F64

/* mask:(count) */
void rmn_dropout_mask(float *mask, size_t count, float p, rmn_rng *rng) {
    const float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < count; ++i)
        mask[i] = rmn_rng_uniformf(rng) >= p ? keep : 0.0f;
}

#endif

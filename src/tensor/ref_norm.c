/* ref_norm.c -- the naive normalisations, forward and backward: batch norm (training with
 * batch statistics and running updates, eval with the running ones) and the softmax over the
 * channels of each pixel. The oracles. Forwards are written once for a real type R
 * (ref_real.h: float here, double in ref_f64.c); backwards, in float, accumulate into their d*
 * outputs. Shape contracts are in ops.h. */
#include "tensor/ops.h"

#include <math.h>

#include "tensor/ref_real.h"

// --- batch norm, training ----------------------------------------------------------------

/* y:(N,C,HW) save_mean,save_invstd,running_mean,running_var:(C) x:(N,C,HW) gamma,beta:(C) */
void NAME(rmn_ref_bn2d_forward_train)(R *y, R *save_mean, R *save_invstd, R *running_mean,
                                      R *running_var, const R *x, const R *gamma, const R *beta,
                                      int n, int c, int hw, double momentum, double eps) {
    const double m = (double)n * hw;
    for (int ch = 0; ch < c; ++ch) {
        double sum = 0.0;
        for (int i = 0; i < n; ++i) {
            const R *xp = x + ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; ++j)
                sum += (double)xp[j];
        }
        const double mean = sum / m;
        double ss = 0.0;
        for (int i = 0; i < n; ++i) {
            const R *xp = x + ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; ++j) {
                double d = (double)xp[j] - mean;
                ss += d * d;
            }
        }
        const double var = ss / m;
        const double invstd = 1.0 / sqrt(var + eps);
        const double g = (double)gamma[ch], bt = (double)beta[ch];
        for (int i = 0; i < n; ++i) {
            const R *xp = x + ((size_t)i * c + ch) * hw;
            R *yp = y + ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; ++j)
                yp[j] = (R)(((double)xp[j] - mean) * invstd * g + bt);
        }
        if (save_mean)
            save_mean[ch] = (R)mean;
        if (save_invstd)
            save_invstd[ch] = (R)invstd;
        if (running_mean)
            running_mean[ch] = (R)((1.0 - momentum) * (double)running_mean[ch] + momentum * mean);
        if (running_var) {
            double unbiased = m > 1 ? ss / (m - 1.0) : var;
            running_var[ch] = (R)((1.0 - momentum) * (double)running_var[ch] + momentum * unbiased);
        }
    }
}

#ifndef RMN_REF_F64 /* the backward: float only */

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

#endif

// --- batch norm, eval --------------------------------------------------------------------

/* y:(N,C,HW) x:(N,C,HW) gamma,beta,running_mean,running_var:(C) */
void NAME(rmn_ref_bn2d_forward_eval)(R *y, const R *x, const R *gamma, const R *beta,
                                     const R *running_mean, const R *running_var, int n, int c,
                                     int hw, double eps) {
    for (int ch = 0; ch < c; ++ch) {
        const double invstd = 1.0 / sqrt((double)running_var[ch] + eps);
        const double scale = (double)gamma[ch] * invstd;
        const double shift = (double)beta[ch] - (double)running_mean[ch] * scale;
        for (int i = 0; i < n; ++i) {
            const R *xp = x + ((size_t)i * c + ch) * hw;
            R *yp = y + ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; ++j)
                yp[j] = (R)((double)xp[j] * scale + shift);
        }
    }
}

#ifndef RMN_REF_F64 /* the backward: float only */

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

#endif

// --- softmax over channels ---------------------------------------------------------------

/* y,x:(N,C,HW) */
void NAME(rmn_ref_softmax_ch_forward)(R *y, const R *x, int n, int c, int hw) {
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < hw; ++j) {
            const R *xp = x + (size_t)i * c * hw + j;
            R *yp = y + (size_t)i * c * hw + j;
            double mx = (double)xp[0];
            for (int ch = 1; ch < c; ++ch)
                mx = (double)xp[(size_t)ch * hw] > mx ? (double)xp[(size_t)ch * hw] : mx;
            double z = 0.0;
            for (int ch = 0; ch < c; ++ch)
                z += exp((double)xp[(size_t)ch * hw] - mx);
            for (int ch = 0; ch < c; ++ch)
                yp[(size_t)ch * hw] = (R)(exp((double)xp[(size_t)ch * hw] - mx) / z);
        }
}

#ifndef RMN_REF_F64 /* the backward: float only */

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

#endif

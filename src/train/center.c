/* center.c -- center loss forward, gradients and the centers' update; see center.h. */
#include "train/center.h"

#include <stddef.h>

double rmn_center_loss_forward(const float *x, const int32_t *y, const float *c, int n, int d) {
    double sum = 0;
    for (int i = 0; i < n; ++i) {
        const float *xi = x + (size_t)i * d, *ci = c + (size_t)y[i] * d;
        for (int j = 0; j < d; ++j) {
            const double diff = (double)xi[j] - (double)ci[j];
            sum += diff * diff;
        }
    }
    return n > 0 ? sum / (2.0 * n) : 0.0;
}

void rmn_center_loss_backward(float *dx, float *dc, const float *x, const int32_t *y,
                              const float *c, int n, int d, double scale) {
    if (n < 1)
        return;
    const double s = scale / n;
    for (int i = 0; i < n; ++i) {
        const float *xi = x + (size_t)i * d, *ci = c + (size_t)y[i] * d;
        for (int j = 0; j < d; ++j) {
            const double g = s * ((double)xi[j] - (double)ci[j]);
            if (dx)
                dx[(size_t)i * d + j] += (float)g;
            if (dc)
                dc[(size_t)y[i] * d + j] -= (float)g;
        }
    }
}

void rmn_center_update(float *c, const float *x, const int32_t *y, int n, int d, int k,
                       double alpha) {
    for (int cls = 0; cls < k; ++cls) {
        int count = 0;
        for (int i = 0; i < n; ++i)
            count += y[i] == cls;
        if (count == 0)
            continue; /* the sum is 0: the center stays */
        float *cj = c + (size_t)cls * d;
        for (int j = 0; j < d; ++j) {
            double delta = 0;
            for (int i = 0; i < n; ++i)
                if (y[i] == cls)
                    delta += (double)cj[j] - (double)x[(size_t)i * d + j];
            cj[j] = (float)((double)cj[j] - alpha * delta / (1.0 + count));
        }
    }
}

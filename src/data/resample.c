/* resample.c -- antialiased (PIL / torchvision antialias=True) resizing of float planes; see
 * resample.h. Separable: the columns first (into scratch, every region row), then the rows. */
#include "data/resample.h"

#include <math.h>

/* The weights of output coordinate i (of n over an input of in samples, scale in/n): the first
 * input sample *lo and *cnt weights into w (at most 2*ceil(support)+2 of them). */
static void filter_weights(int i, double scale, int in, int *lo, int *cnt, float *w) {
    const double support = scale >= 1.0 ? scale : 1.0, inv = scale >= 1.0 ? 1.0 / scale : 1.0;
    const double center = scale * (i + 0.5);
    int a = (int)(center - support + 0.5), b = (int)(center + support + 0.5);
    a = a < 0 ? 0 : a;
    b = b > in ? in : b;
    double sum = 0;
    for (int j = a; j < b; ++j) {
        double t = fabs((j - center + 0.5) * inv);
        double v = t < 1.0 ? 1.0 - t : 0.0;
        w[j - a] = (float)v;
        sum += v;
    }
    for (int j = a; j < b && sum > 0; ++j)
        w[j - a] = (float)(w[j - a] / sum);
    *lo = a;
    *cnt = b - a;
}

size_t rmn_resample_scratch_floats(int rh, int rw, int ow) {
    return (size_t)rh * (size_t)ow + (size_t)(rh > rw ? rh : rw) + 4; /* the pass between, weights */
}

void rmn_resample_aa(float *dst, int oh, int ow, const float *src, int stride, int y0, int x0, int rh,
                     int rw, int vh, int vw, int oy, int ox, float *scratch) {
    const double sx = (double)rw / vw, sy = (double)rh / vh;
    float *w = scratch + (size_t)rh * ow; /* at most in + 1 weights per output sample */
    /* horizontal pass: each region row to ow columns */
    for (int x = 0; x < ow; ++x) {
        int lo, cnt;
        filter_weights(ox + x, sx, rw, &lo, &cnt, w);
        for (int y = 0; y < rh; ++y) {
            const float *s = src + (size_t)(y0 + y) * stride + x0 + lo;
            float acc = 0;
            for (int j = 0; j < cnt; ++j)
                acc += w[j] * s[j];
            scratch[(size_t)y * ow + x] = acc;
        }
    }
    /* vertical pass */
    for (int y = 0; y < oh; ++y) {
        int lo, cnt;
        filter_weights(oy + y, sy, rh, &lo, &cnt, w);
        float *d = dst + (size_t)y * ow;
        for (int x = 0; x < ow; ++x)
            d[x] = 0;
        for (int j = 0; j < cnt; ++j) {
            const float *s = scratch + (size_t)(lo + j) * ow;
            for (int x = 0; x < ow; ++x)
                d[x] += w[j] * s[x];
        }
    }
}

void rmn_resize_shorter(int h, int w, int side, int *oh, int *ow) {
    if (h <= w) {
        *oh = side;
        *ow = (int)((double)side * w / h);
    } else {
        *ow = side;
        *oh = (int)((double)side * h / w);
    }
}

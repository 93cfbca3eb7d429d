/* cnn.c -- plain NHWC kernels for the face-api networks (the reference of cnn_layer.c), their
 * input resizing and NMS (see cnn.h). */
#include "detect/cnn.h"

#include "core/error.h"
#include "tensor/gemm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void rmn_cnn_same(int in, int k, int stride, int *out, int *before) {
    int o = (in + stride - 1) / stride, total = (o - 1) * stride + k - in;
    if (total < 0)
        total = 0;
    *out = o;
    *before = total / 2;
}

void rmn_cnn_conv(float *y, const float *x, const float *w, const float *b, int H, int W, int C,
                  int K, int R, int S, int st, int pt, int pl, int P, int Q) {
    for (int p = 0; p < P; ++p)
        for (int q = 0; q < Q; ++q) {
            float *out = y + ((size_t)p * Q + q) * K;
            for (int k = 0; k < K; ++k)
                out[k] = b ? b[k] : 0.f;
            for (int r = 0; r < R; ++r) {
                int ih = p * st - pt + r;
                if (ih < 0 || ih >= H)
                    continue;
                for (int s = 0; s < S; ++s) {
                    int iw = q * st - pl + s;
                    if (iw < 0 || iw >= W)
                        continue;
                    const float *in = x + ((size_t)ih * W + iw) * C;
                    const float *wr = w + ((size_t)r * S + s) * C * K;
                    for (int c = 0; c < C; ++c) {
                        float v = in[c];
                        const float *wc = wr + (size_t)c * K;
                        for (int k = 0; k < K; ++k)
                            out[k] += v * wc[k];
                    }
                }
            }
        }
}

void rmn_cnn_depthwise(float *y, const float *x, const float *w, int H, int W, int C, int R, int S,
                       int st, int pt, int pl, int P, int Q) {
    for (int p = 0; p < P; ++p)
        for (int q = 0; q < Q; ++q) {
            float *out = y + ((size_t)p * Q + q) * C;
            memset(out, 0, (size_t)C * sizeof *out);
            for (int r = 0; r < R; ++r) {
                int ih = p * st - pt + r;
                if (ih < 0 || ih >= H)
                    continue;
                for (int s = 0; s < S; ++s) {
                    int iw = q * st - pl + s;
                    if (iw < 0 || iw >= W)
                        continue;
                    const float *in = x + ((size_t)ih * W + iw) * C;
                    const float *wr = w + ((size_t)r * S + s) * C;
                    for (int c = 0; c < C; ++c)
                        out[c] += in[c] * wr[c];
                }
            }
        }
}

void rmn_cnn_pointwise(float *y, const float *x, const float *w, const float *b, int n, int C, int K) {
    rmn_gemm(0, 0, n, K, C, 1.f, x, C, w, K, 0.f, y, K);
    if (b)
        for (int i = 0; i < n; ++i)
            for (int k = 0; k < K; ++k)
                y[(size_t)i * K + k] += b[k];
}

void rmn_cnn_leaky(float *x, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        float m = x[i] * 0.10000000149011612f, d = x[i] - m;
        x[i] = (d > 0.f ? d : 0.f) + m;
    }
}

void rmn_cnn_relu6(float *x, size_t n) {
    for (size_t i = 0; i < n; ++i)
        x[i] = x[i] < 0.f ? 0.f : x[i] > 6.f ? 6.f : x[i];
}

void rmn_cnn_maxpool_same(float *y, const float *x, int H, int W, int C, int k, int st, int *P, int *Q) {
    int pt, pl;
    rmn_cnn_same(H, k, st, P, &pt);
    rmn_cnn_same(W, k, st, Q, &pl);
    for (int p = 0; p < *P; ++p)
        for (int q = 0; q < *Q; ++q) {
            float *out = y + ((size_t)p * *Q + q) * C;
            for (int c = 0; c < C; ++c)
                out[c] = -INFINITY;
            for (int r = 0; r < k; ++r) {
                int ih = p * st - pt + r;
                if (ih < 0 || ih >= H)
                    continue;
                for (int s = 0; s < k; ++s) {
                    int iw = q * st - pl + s;
                    if (iw < 0 || iw >= W)
                        continue;
                    const float *in = x + ((size_t)ih * W + iw) * C;
                    for (int c = 0; c < C; ++c)
                        if (in[c] > out[c])
                            out[c] = in[c];
                }
            }
        }
}

void rmn_cnn_resize_bilinear(float *y, const float *x, int H, int W, int C, int oh, int ow) {
    double ry = (double)H / oh, rx = (double)W / ow;
    for (int r = 0; r < oh; ++r) {
        double fy = ry * r;
        int y0 = (int)floor(fy), y1 = (int)ceil(fy);
        if (y1 > H - 1)
            y1 = H - 1;
        double dy = fy - y0;
        for (int c0 = 0; c0 < ow; ++c0) {
            double fx = rx * c0;
            int x0 = (int)floor(fx), x1 = (int)ceil(fx);
            if (x1 > W - 1)
                x1 = W - 1;
            double dx = fx - x0;
            const float *tl = x + ((size_t)y0 * W + x0) * C, *tr = x + ((size_t)y0 * W + x1) * C;
            const float *bl = x + ((size_t)y1 * W + x0) * C, *br = x + ((size_t)y1 * W + x1) * C;
            float *out = y + ((size_t)r * ow + c0) * C;
            for (int c = 0; c < C; ++c) {
                double top = tl[c] + (tr[c] - tl[c]) * dx, bot = bl[c] + (br[c] - bl[c]) * dx;
                out[c] = (float)(top + (bot - top) * dy);
            }
        }
    }
}

/* Row y of the canvas (img at (ox, oy), zeros around) interpolated along x: h:(ow, img->c)
 * with h = left + (right - left) * dx as rmn_cnn_resize_bilinear's `top` and `bot`. */
static void canvas_row(double *h, const rmn_image *img, int y, int oy, int ow, const int *xl, const int *xr,
                       const double *dx) {
    const int nc = img->c;
    if (y - oy < 0 || y - oy >= img->h) { /* a padding row */
        memset(h, 0, (size_t)ow * nc * sizeof *h);
        return;
    }
    const uint8_t *row = img->data + (size_t)(y - oy) * img->w * nc;
    for (int q = 0; q < ow; ++q)
        for (int c = 0; c < nc; ++c) {
            float l = xl[q] >= 0 ? row[xl[q] + c] : 0.f, r = xr[q] >= 0 ? row[xr[q] + c] : 0.f;
            h[(size_t)q * nc + c] = l + (r - l) * dx[q];
        }
}

int rmn_cnn_resize_image(float *y, const rmn_image *img, int side, int ox, int oy, int oh, int ow) {
    const int nc = img->c;
    double rx = (double)side / ow, ry = (double)side / oh;
    int *xl = malloc((size_t)ow * 2 * sizeof *xl);
    double *dx = malloc((size_t)ow * sizeof *dx), *rows = malloc((size_t)ow * nc * 2 * sizeof *rows);
    if (!xl || !dx || !rows) {
        free(xl);
        free(dx);
        free(rows);
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    }
    int *xr = xl + ow;
    double *h0 = rows, *h1 = rows + (size_t)ow * nc;
    for (int q = 0; q < ow; ++q) { /* the two source columns (byte offsets in a row; -1: padding) */
        double fx = rx * q;
        int x0 = (int)floor(fx), x1 = (int)ceil(fx);
        if (x1 > side - 1)
            x1 = side - 1;
        dx[q] = fx - x0;
        xl[q] = x0 - ox >= 0 && x0 - ox < img->w ? (x0 - ox) * nc : -1;
        xr[q] = x1 - ox >= 0 && x1 - ox < img->w ? (x1 - ox) * nc : -1;
    }
    int have0 = -1, have1 = -1; /* the canvas rows h0 and h1 hold */
    for (int r = 0; r < oh; ++r) {
        double fy = ry * r;
        int y0 = (int)floor(fy), y1 = (int)ceil(fy);
        if (y1 > side - 1)
            y1 = side - 1;
        double dy = fy - y0;
        if (y0 == have1) { /* moving down: the old bottom row is the new top */
            double *t = h0;
            h0 = h1, h1 = t;
            have0 = have1, have1 = -1;
        }
        if (have0 != y0)
            canvas_row(h0, img, y0, oy, ow, xl, xr, dx), have0 = y0;
        if (have1 != y1)
            canvas_row(h1, img, y1, oy, ow, xl, xr, dx), have1 = y1;
        float *out = y + (size_t)r * ow * 3;
        if (nc == 3) {
#ifdef _OPENMP
#pragma omp simd
#endif
            for (int i = 0; i < ow * 3; ++i)
                out[i] = (float)(h0[i] + (h1[i] - h0[i]) * dy);
        } else { /* gray: the value in the three channels */
            for (int q = 0; q < ow; ++q)
                out[(size_t)q * 3] = out[(size_t)q * 3 + 1] = out[(size_t)q * 3 + 2] =
                    (float)(h0[q] + (h1[q] - h0[q]) * dy);
        }
    }
    free(xl);
    free(dx);
    free(rows);
    return RMN_OK;
}

void rmn_cnn_normalize(float *x, size_t n, const float *mean, float div) {
    const float m0 = mean[0], m1 = mean[1], m2 = mean[2];
#ifdef _OPENMP
#pragma omp simd
#endif
    for (size_t i = 0; i < n; ++i) {
        x[3 * i] = (x[3 * i] - m0) / div;
        x[3 * i + 1] = (x[3 * i + 1] - m1) / div;
        x[3 * i + 2] = (x[3 * i + 2] - m2) / div;
    }
}

static double box_iou(const rmn_cnn_box *a, const rmn_cnn_box *b) {
    double w = fmin(a->x1, b->x1) - fmax(a->x0, b->x0), h = fmin(a->y1, b->y1) - fmax(a->y0, b->y0);
    if (w < 0)
        w = 0;
    if (h < 0)
        h = 0;
    double inter = w * h, aa = (double)(a->x1 - a->x0) * (a->y1 - a->y0);
    double ab = (double)(b->x1 - b->x0) * (b->y1 - b->y0);
    return inter / (aa + ab - inter);
}

void rmn_cnn_nms(rmn_cnn_box *b, int *n, float iou) {
    int m = *n, kept = 0;
    while (m > kept) {
        /* the best remaining (ties: the later one, as face-api's stable ascending sort + pop) */
        int best = kept;
        for (int i = kept + 1; i < m; ++i)
            if (b[i].score >= b[best].score)
                best = i;
        rmn_cnn_box t = b[kept];
        b[kept] = b[best];
        b[best] = t;
        int w = kept + 1;
        for (int i = kept + 1; i < m; ++i)
            if (!(box_iou(&b[kept], &b[i]) > iou))
                b[w++] = b[i];
        m = w;
        ++kept;
    }
    *n = kept;
}

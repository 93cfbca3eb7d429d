/* cnn.c -- NHWC inference kernels for the face-api networks (see cnn.h). */
#include "detect/cnn.h"

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

/* im2col: cols:(P*Q, R*S*C) rows in (r, s, c) order, zeros outside x. */
static void im2col(float *cols, const float *x, int H, int W, int C, int R, int S, int st, int pt, int pl, int P,
                   int Q) {
    for (int p = 0; p < P; ++p)
        for (int q = 0; q < Q; ++q) {
            float *row = cols + ((size_t)p * Q + q) * R * S * C;
            for (int r = 0; r < R; ++r) {
                int ih = p * st - pt + r;
                for (int s = 0; s < S; ++s, row += C) {
                    int iw = q * st - pl + s;
                    if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                        memset(row, 0, (size_t)C * sizeof *row);
                    else
                        memcpy(row, x + ((size_t)ih * W + iw) * C, (size_t)C * sizeof *row);
                }
            }
        }
}

void rmn_cnn_conv(float *y, const float *x, const float *w, const float *b, int H, int W, int C,
                  int K, int R, int S, int st, int pt, int pl, int P, int Q) {
    /* im2col + one sgemm (w:(R,S,C,K) is the (R*S*C, K) matrix); loops when out of memory */
    float *cols = malloc((size_t)P * Q * R * S * C * sizeof *cols);
    if (cols) {
        im2col(cols, x, H, W, C, R, S, st, pt, pl, P, Q);
        rmn_cnn_pointwise(y, cols, w, b, P * Q, R * S * C, K);
        free(cols);
        return;
    }
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

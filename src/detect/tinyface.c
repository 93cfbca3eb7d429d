/* tinyface.c -- face-api's Tiny Face Detector on its TensorFlow.js weights (see tinyface.h). */
#include "detect/tinyface.h"

#include "core/error.h"
#include "detect/tfjs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCONV 6

struct rmn_tinyface {
    rmn_tfjs     m;
    const float *w0, *b0;                       /* conv0 (3,3,3,16), (16) */
    const float *dw[NCONV], *pw[NCONV], *pb[NCONV]; /* conv1..5 */
    const float *w8, *b8;                       /* conv8 (1,1,512,25), (25) */
};

static const int CH[NCONV + 1] = {3, 16, 32, 64, 128, 256, 512};
static const float ANCHORS[5][2] = {{1.603231f, 2.094468f}, {6.041143f, 7.080126f}, {2.882459f, 3.518061f},
                                    {4.266906f, 5.178857f}, {9.041765f, 10.66308f}};
static const float MEAN[3] = {117.001f, 114.697f, 97.404f};

void rmn_tinyface_free(rmn_tinyface *net) {
    if (!net)
        return;
    rmn_tfjs_free(&net->m);
    free(net);
}

int rmn_tinyface_load(const char *dir, rmn_tinyface **out) {
    *out = NULL;
    rmn_tinyface *net = calloc(1, sizeof *net);
    if (!net)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    int rc = rmn_tfjs_load(dir, "tiny_face_detector_model", &net->m);
    char name[64];
    if (rc == RMN_OK)
        rc = rmn_tfjs_get(&net->m, "conv0/filters", 4, (const int[]){3, 3, 3, 16}, &net->w0);
    if (rc == RMN_OK)
        rc = rmn_tfjs_get(&net->m, "conv0/bias", 1, (const int[]){16}, &net->b0);
    for (int i = 1; rc == RMN_OK && i < NCONV; ++i) {
        snprintf(name, sizeof name, "conv%d/depthwise_filter", i);
        rc = rmn_tfjs_get(&net->m, name, 4, (const int[]){3, 3, CH[i], 1}, &net->dw[i]);
        snprintf(name, sizeof name, "conv%d/pointwise_filter", i);
        if (rc == RMN_OK)
            rc = rmn_tfjs_get(&net->m, name, 4, (const int[]){1, 1, CH[i], CH[i + 1]}, &net->pw[i]);
        snprintf(name, sizeof name, "conv%d/bias", i);
        if (rc == RMN_OK)
            rc = rmn_tfjs_get(&net->m, name, 1, (const int[]){CH[i + 1]}, &net->pb[i]);
    }
    if (rc == RMN_OK)
        rc = rmn_tfjs_get(&net->m, "conv8/filters", 4, (const int[]){1, 1, 512, 25}, &net->w8);
    if (rc == RMN_OK)
        rc = rmn_tfjs_get(&net->m, "conv8/bias", 1, (const int[]){25}, &net->b8);
    if (rc != RMN_OK) {
        rmn_tinyface_free(net);
        return rc;
    }
    *out = net;
    return RMN_OK;
}

static float sigmoid(float x) { return 1.f / (1.f + expf(-x)); }

/* The network input: the image padded to a square (bottom/right), resized to s, normalised. */
static int make_input(const rmn_image *img, int s, float *x) {
    int side = img->w > img->h ? img->w : img->h;
    float *sq = calloc((size_t)side * side * 3, sizeof *sq);
    if (!sq)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a %dx%d image", side, side);
    for (int y = 0; y < img->h; ++y)
        for (int xx = 0; xx < img->w; ++xx)
            for (int c = 0; c < 3; ++c)
                sq[((size_t)y * side + xx) * 3 + c] =
                    img->data[((size_t)y * img->w + xx) * img->c + (img->c == 3 ? c : 0)];
    if (side != s)
        rmn_cnn_resize_bilinear(x, sq, side, side, 3, s, s);
    else
        memcpy(x, sq, (size_t)s * s * 3 * sizeof *x);
    free(sq);
    for (size_t i = 0; i < (size_t)s * s; ++i)
        for (int c = 0; c < 3; ++c)
            x[i * 3 + c] = (x[i * 3 + c] - MEAN[c]) / 255.f;
    return RMN_OK;
}

int rmn_tinyface_detect(rmn_tinyface *net, const rmn_image *img, int s, float threshold,
                        rmn_cnn_box **boxes, int *n) {
    *boxes = NULL;
    *n = 0;
    if (s < 32 || s % 32 || s > 4096)
        return RMN_ERROR(RMN_EINVAL, "tiny face detector: input size %d is not a multiple of 32 in 32..4096", s);
    if (img->w < 1 || img->h < 1 || (img->c != 1 && img->c != 3))
        return RMN_ERROR(RMN_EINVAL, "tiny face detector: empty image or not gray/RGB");
    size_t cap = (size_t)s * s * 16; /* the largest map: conv0's (s-2)^2 x 16 */
    float *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b);
    rmn_cnn_box *out = NULL;
    int rc = a && b ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "out of memory for the tiny face detector");
    if (rc == RMN_OK)
        rc = make_input(img, s, b);
    if (rc != RMN_OK) {
        free(a);
        free(b);
        return rc;
    }
    int h = s - 2, w = s - 2, P, Q;
    rmn_cnn_conv(a, b, net->w0, net->b0, s, s, 3, 16, 3, 3, 1, 0, 0, h, w);
    rmn_cnn_leaky(a, (size_t)h * w * 16);
    for (int i = 1; i < NCONV; ++i) {
        rmn_cnn_maxpool_same(b, a, h, w, CH[i], 2, 2, &P, &Q);
        h = P, w = Q;
        rmn_cnn_depthwise(a, b, net->dw[i], h, w, CH[i], 3, 3, 1, 1, 1, h, w);
        rmn_cnn_pointwise(b, a, net->pw[i], net->pb[i], h * w, CH[i], CH[i + 1]);
        rmn_cnn_leaky(b, (size_t)h * w * CH[i + 1]);
        float *t = a;
        a = b, b = t;
    }
    rmn_cnn_maxpool_same(b, a, h, w, 512, 2, 1, &P, &Q);
    rmn_cnn_pointwise(a, b, net->w8, net->b8, h * w, 512, 25);
    /* the head: a:(S,S,5,5) */
    int S = h, side = img->w > img->h ? img->w : img->h;
    double sc = (double)s / side;
    double rw = round(img->w * sc), rh = round(img->h * sc);
    double cx = s / rw, cy = s / rh;
    out = malloc((size_t)S * S * 5 * sizeof *out);
    int m = 0;
    if (!out)
        rc = RMN_ERROR(RMN_ENOMEM, "out of memory");
    for (int row = 0; rc == RMN_OK && row < S; ++row)
        for (int col = 0; col < S; ++col)
            for (int k = 0; k < 5; ++k) {
                const float *t = a + (((size_t)row * S + col) * 5 + k) * 5;
                float score = sigmoid(t[4]);
                if (!(score > threshold))
                    continue;
                double ctx = (col + sigmoid(t[0])) / S * cx, cty = (row + sigmoid(t[1])) / S * cy;
                double bw = exp(t[2]) * ANCHORS[k][0] / S * cx, bh = exp(t[3]) * ANCHORS[k][1] / S * cy;
                double x0 = ctx - bw / 2, y0 = cty - bh / 2;
                out[m++] = (rmn_cnn_box){(float)(x0 * img->w), (float)(y0 * img->h),
                                         (float)((x0 + bw) * img->w), (float)((y0 + bh) * img->h), score};
            }
    free(a);
    free(b);
    if (rc != RMN_OK) {
        free(out);
        return rc;
    }
    rmn_cnn_nms(out, &m, 0.4f);
    *boxes = out;
    *n = m;
    return RMN_OK;
}

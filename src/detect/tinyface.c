/* tinyface.c -- face-api's Tiny Face Detector on its TensorFlow.js weights (see tinyface.h). */
#include "detect/tinyface.h"

#include "core/error.h"
#include "detect/cnn_layer.h"
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
    /* the layers on oneDNN and two map buffers, made for input size s (0: none yet) */
    rmn_cnn_ctx   *ctx;
    int            s, S; /* input size, head size */
    rmn_cnn_layer *conv0, *pool[NCONV + 1], *dwl[NCONV], *pwl[NCONV], *conv8;
    float         *a, *b;
};

static const int CH[NCONV + 1] = {3, 16, 32, 64, 128, 256, 512};
static const float ANCHORS[5][2] = {{1.603231f, 2.094468f}, {6.041143f, 7.080126f}, {2.882459f, 3.518061f},
                                    {4.266906f, 5.178857f}, {9.041765f, 10.66308f}};
static const float MEAN[3] = {117.001f, 114.697f, 97.404f};

void rmn_tinyface_free(rmn_tinyface *net) {
    if (!net)
        return;
    rmn_tfjs_free(&net->m);
    rmn_cnn_ctx_free(net->ctx);
    free(net->a);
    free(net->b);
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
    if (rc == RMN_OK)
        rc = rmn_cnn_ctx_create(&net->ctx);
    if (rc != RMN_OK) {
        rmn_tinyface_free(net);
        return rc;
    }
    *out = net;
    return RMN_OK;
}

static float sigmoid(float x) { return 1.f / (1.f + expf(-x)); }

/* The layers and buffers for input size s (once per size). */
static int build(rmn_tinyface *net, int s) {
    if (net->s == s)
        return RMN_OK;
    rmn_cnn_ctx_clear(net->ctx);
    free(net->a);
    free(net->b);
    net->s = 0;
    size_t cap = (size_t)s * s * 16; /* the largest map: conv0's (s-2)^2 x 16 */
    net->a = malloc(cap * sizeof *net->a);
    net->b = malloc(cap * sizeof *net->b);
    if (!net->a || !net->b)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for the tiny face detector");
    int h, w;
    RMN_TRY(rmn_cnn_layer_conv(net->ctx, &(rmn_cnn_conv_desc){.H = s, .W = s, .C = 3, .K = 16, .R = 3, .stride = 1,
                                                              .valid = 1, .w = net->w0, .b = net->b0,
                                                              .act = RMN_CNN_ACT_LEAKY},
                               &net->conv0, &h, &w));
    for (int i = 1; i < NCONV; ++i) {
        RMN_TRY(rmn_cnn_layer_maxpool(net->ctx, h, w, CH[i], 2, 2, &net->pool[i], &h, &w));
        RMN_TRY(rmn_cnn_layer_conv(net->ctx, &(rmn_cnn_conv_desc){.H = h, .W = w, .C = CH[i], .R = 3, .stride = 1,
                                                                  .depthwise = 1, .w = net->dw[i]},
                                   &net->dwl[i], NULL, NULL));
        RMN_TRY(rmn_cnn_layer_conv(net->ctx, &(rmn_cnn_conv_desc){.H = h, .W = w, .C = CH[i], .K = CH[i + 1], .R = 1,
                                                                  .stride = 1, .w = net->pw[i], .b = net->pb[i],
                                                                  .act = RMN_CNN_ACT_LEAKY},
                                   &net->pwl[i], NULL, NULL));
    }
    RMN_TRY(rmn_cnn_layer_maxpool(net->ctx, h, w, 512, 2, 1, &net->pool[NCONV], &h, &w));
    RMN_TRY(rmn_cnn_layer_conv(net->ctx, &(rmn_cnn_conv_desc){.H = h, .W = w, .C = 512, .K = 25, .R = 1, .stride = 1,
                                                              .w = net->w8, .b = net->b8},
                               &net->conv8, NULL, NULL));
    net->s = s, net->S = h;
    return RMN_OK;
}

/* a:(S,S,25) = the network on x:(s,s,3) (in net->b), S = s / 32. */
static int forward(rmn_tinyface *net, float **out) {
    float *a = net->a, *b = net->b;
    RMN_TRY(rmn_cnn_layer_run(net->conv0, a, b));
    for (int i = 1; i < NCONV; ++i) {
        RMN_TRY(rmn_cnn_layer_run(net->pool[i], b, a));
        RMN_TRY(rmn_cnn_layer_run(net->dwl[i], a, b));
        RMN_TRY(rmn_cnn_layer_run(net->pwl[i], b, a));
        float *t = a;
        a = b, b = t;
    }
    RMN_TRY(rmn_cnn_layer_run(net->pool[NCONV], b, a));
    RMN_TRY(rmn_cnn_layer_run(net->conv8, a, b));
    *out = a;
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
    RMN_TRY(build(net, s));
    /* the input: the image padded to a square (bottom/right), resized to s, normalised */
    int side = img->w > img->h ? img->w : img->h;
    float *x = net->b;
    RMN_TRY(rmn_cnn_resize_image(x, img, side, 0, 0, s, s));
    rmn_cnn_normalize(x, (size_t)s * s, MEAN, 255.f);
    float *a;
    RMN_TRY(forward(net, &a));
    /* the head: a:(S,S,5,5) */
    int S = net->S;
    double sc = (double)s / side;
    double rw = round(img->w * sc), rh = round(img->h * sc);
    double cx = s / rw, cy = s / rh;
    rmn_cnn_box *out = malloc((size_t)S * S * 5 * sizeof *out);
    int m = 0;
    if (!out)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    for (int row = 0; row < S; ++row)
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
    rmn_cnn_nms(out, &m, 0.4f);
    *boxes = out;
    *n = m;
    return RMN_OK;
}

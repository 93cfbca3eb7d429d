/* facenet.c -- face-api's landmark and expression nets (see facenet.h). */
#include "detect/facenet.h"

#include "core/error.h"
#include "detect/cnn.h"
#include "detect/cnn_layer.h"
#include "detect/tfjs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IN 112

const int RMN_FACENET_TO_FER[7] = {6, 3, 4, 0, 2, 1, 5};

typedef struct {
    const float *dw, *pw, *b; /* (3,3,C,1), (1,1,C,K), (K); conv0 of block 0: dw = filters (3,3,3,32) */
} sep_p;

struct rmn_facenet {
    rmn_tfjs     m;
    int          kind, nout;
    sep_p        conv[4][4];
    const float *fcw, *fcb;
    /* the layers on oneDNN (per conv: depthwise, then pointwise + bias; block 0's first conv
     * is a full 3x3 in pw[0][0]) and the maps */
    rmn_cnn_ctx   *ctx;
    rmn_cnn_layer *dw[4][4], *pw[4][4];
    float         *x, *o1, *acc, *tmp, *cur;
};

static const int CH[5] = {3, 32, 64, 128, 256};

void rmn_facenet_free(rmn_facenet *net) {
    if (!net)
        return;
    rmn_tfjs_free(&net->m);
    rmn_cnn_ctx_free(net->ctx);
    free(net->x);
    free(net->o1);
    free(net->acc);
    free(net->tmp);
    free(net->cur);
    free(net);
}

/* Every layer and map, once (input 112x112). */
static int build(rmn_facenet *net) {
    RMN_TRY(rmn_cnn_ctx_create(&net->ctx));
    size_t cap = (size_t)56 * 56 * 32;
    net->x = malloc((size_t)IN * IN * 3 * sizeof(float));
    net->o1 = malloc(cap * sizeof(float));
    net->acc = malloc(cap * sizeof(float));
    net->tmp = malloc(cap * sizeof(float)); /* the depthwise convs' outputs */
    net->cur = malloc(cap * sizeof(float));
    if (!net->x || !net->o1 || !net->acc || !net->tmp || !net->cur)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a face net");
    int h = IN, w = IN;
    for (int b = 0; b < 4; ++b)
        for (int c = 0; c < 4; ++c) {
            const sep_p *p = &net->conv[b][c];
            int C = c ? CH[b + 1] : CH[b], K = CH[b + 1], st = c ? 1 : 2, h2 = h, w2 = w;
            rmn_cnn_act act = c ? RMN_CNN_ACT_NONE : RMN_CNN_ACT_RELU; /* convs 1-3 add to the running sum */
            if (b == 0 && c == 0) {
                RMN_TRY(rmn_cnn_layer_conv(net->ctx, &(rmn_cnn_conv_desc){.H = h, .W = w, .C = 3, .K = 32, .R = 3,
                                                                          .stride = 2, .w = p->dw, .b = p->b,
                                                                          .act = act},
                                           &net->pw[b][c], &h2, &w2));
            } else {
                RMN_TRY(rmn_cnn_layer_conv(net->ctx, &(rmn_cnn_conv_desc){.H = h, .W = w, .C = C, .R = 3, .stride = st,
                                                                          .depthwise = 1, .w = p->dw},
                                           &net->dw[b][c], &h2, &w2));
                RMN_TRY(rmn_cnn_layer_conv(net->ctx, &(rmn_cnn_conv_desc){.H = h2, .W = w2, .C = C, .K = K, .R = 1,
                                                                          .stride = 1, .w = p->pw, .b = p->b,
                                                                          .act = act, .accumulate = c > 0},
                                           &net->pw[b][c], NULL, NULL));
            }
            h = h2, w = w2;
        }
    return RMN_OK;
}

int rmn_facenet_load(const char *dir, int kind, rmn_facenet **out) {
    *out = NULL;
    rmn_facenet *net = calloc(1, sizeof *net);
    if (!net)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    net->kind = kind;
    net->nout = kind == RMN_FACENET_EXPRESSION ? 7 : 136;
    int rc = rmn_tfjs_load(dir, kind == RMN_FACENET_EXPRESSION ? "face_expression_model" : "face_landmark_68_model",
                           &net->m);
    char n[64];
    for (int b = 0; rc == RMN_OK && b < 4; ++b)
        for (int c = 0; rc == RMN_OK && c < 4; ++c) {
            sep_p *p = &net->conv[b][c];
            int ci = c ? CH[b + 1] : CH[b], co = CH[b + 1];
            if (b == 0 && c == 0) {
                rc = rmn_tfjs_get(&net->m, "dense0/conv0/filters", 4, (const int[]){3, 3, 3, 32}, &p->dw);
            } else {
                snprintf(n, sizeof n, "dense%d/conv%d/depthwise_filter", b, c);
                rc = rmn_tfjs_get(&net->m, n, 4, (const int[]){3, 3, ci, 1}, &p->dw);
                snprintf(n, sizeof n, "dense%d/conv%d/pointwise_filter", b, c);
                if (rc == RMN_OK)
                    rc = rmn_tfjs_get(&net->m, n, 4, (const int[]){1, 1, ci, co}, &p->pw);
            }
            snprintf(n, sizeof n, "dense%d/conv%d/bias", b, c);
            if (rc == RMN_OK)
                rc = rmn_tfjs_get(&net->m, n, 1, (const int[]){co}, &p->b);
        }
    if (rc == RMN_OK)
        rc = rmn_tfjs_get(&net->m, "fc/weights", 2, (const int[]){256, net->nout}, &net->fcw);
    if (rc == RMN_OK)
        rc = rmn_tfjs_get(&net->m, "fc/bias", 1, (const int[]){net->nout}, &net->fcb);
    if (rc == RMN_OK)
        rc = build(net);
    if (rc != RMN_OK) {
        rmn_facenet_free(net);
        return rc;
    }
    *out = net;
    return RMN_OK;
}

static void relu(float *y, const float *x, size_t n) {
#ifdef _OPENMP
#pragma omp simd
#endif
    for (size_t i = 0; i < n; ++i)
        y[i] = x[i] > 0.f ? x[i] : 0.f;
}

int rmn_facenet_run(rmn_facenet *net, const rmn_image *img, float *out) {
    if (img->w < 1 || img->h < 1 || (img->c != 1 && img->c != 3))
        return RMN_ERROR(RMN_EINVAL, "face net: empty image or not gray/RGB");
    int w = img->w, h = img->h, side = w > h ? w : h;
    /* padToSquare(centred): round(diff/2) appended after, the rest before */
    int diff = side - (w < h ? w : h), after = (int)lround(diff * 0.5), before = diff - after;
    int ox = w < h ? before : 0, oy = h < w ? before : 0;
    float *x = net->x, *o1 = net->o1, *acc = net->acc, *tmp = net->tmp, *cur = net->cur;
    RMN_TRY(rmn_cnn_resize_image(x, img, side, ox, oy, IN, IN));
    static const float MEAN[3] = {122.782f, 117.001f, 104.298f};
    rmn_cnn_normalize(x, (size_t)IN * IN, MEAN, 255.f);
    int H = IN, rc = RMN_OK;
    const float *in = x;
    for (int b = 0; rc == RMN_OK && b < 4; ++b) {
        /* out1 = relu(conv0 stride 2); then out_c = sep conv_c of relu(out1 + ... + out_(c-1))
         * (face-api sums out1 + (out2 + (out3 + out4)); here left to right: rounding only) */
        H = (H + 1) / 2;
        size_t n = (size_t)H * H * CH[b + 1];
        if (b > 0)
            rc = rmn_cnn_layer_run(net->dw[b][0], tmp, in);
        if (rc == RMN_OK)
            rc = rmn_cnn_layer_run(net->pw[b][0], o1, b > 0 ? tmp : in);
        if (rc == RMN_OK)
            memcpy(acc, o1, n * sizeof *acc);
        in = o1;
        for (int c = 1; rc == RMN_OK && c < 4; ++c) {
            rc = rmn_cnn_layer_run(net->dw[b][c], tmp, in);
            if (rc == RMN_OK)
                rc = rmn_cnn_layer_run(net->pw[b][c], acc, tmp); /* acc += */
            relu(cur, acc, n);
            in = cur;
        }
    }
    if (rc == RMN_OK) {
        /* avgpool 7x7 stride 2 valid over (7,7,256) -> 256 */
        float feat[256];
        for (int k = 0; k < 256; ++k) {
            float s = 0.f;
            for (int i = 0; i < H * H; ++i)
                s += cur[(size_t)i * 256 + k];
            feat[k] = s / (float)(H * H);
        }
        for (int j = 0; j < net->nout; ++j) {
            float s = 0.f;
            for (int k = 0; k < 256; ++k)
                s += feat[k] * net->fcw[(size_t)k * net->nout + j];
            out[j] = s + net->fcb[j];
        }
        if (net->kind == RMN_FACENET_EXPRESSION) {
            float mx = out[0], z = 0.f;
            for (int j = 1; j < 7; ++j)
                mx = fmaxf(mx, out[j]);
            for (int j = 0; j < 7; ++j)
                z += (out[j] = expf(out[j] - mx));
            for (int j = 0; j < 7; ++j)
                out[j] /= z;
        } else {
            /* postProcess: (v * 112 - pad) / size, with the face scaled to 112 on its long side */
            double sc = (double)IN / side, iw = w * sc, ih = h * sc;
            double px = iw < ih ? fabs(iw - ih) / 2 : 0, py = ih < iw ? fabs(iw - ih) / 2 : 0;
            for (int j = 0; j < 68; ++j) {
                out[2 * j] = (float)((out[2 * j] * (double)IN - px) / iw);
                out[2 * j + 1] = (float)((out[2 * j + 1] * (double)IN - py) / ih);
            }
        }
    }
    return rc;
}

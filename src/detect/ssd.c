/* ssd.c -- face-api's SSD MobileNet v1 face detector (see ssd.h). */
#include "detect/ssd.h"

#include "core/error.h"
#include "detect/cnn_layer.h"
#include "detect/tfjs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE    512
#define NPRIORS 5118

typedef struct {
    const float *w, *b; /* conv (R,R,C,K) + offset (K) */
    int          r, c, k;
} conv_p;

typedef struct {
    const float *w, *gamma, *beta, *mean, *var; /* depthwise (3,3,C,1), batch norm (C) */
    conv_p       pw;
} pair_p;

struct rmn_ssd {
    rmn_tfjs     m;
    conv_p       conv0;
    pair_p       pair[14]; /* 1..13 */
    conv_p       pred[8];
    conv_p       box[6], cls[6];
    const float *priors; /* (5118, 4) */
    /* the layers on oneDNN (the depthwise convs with their batch norm folded in) and the
     * maps: a, b (the largest, 256x256x64), c11 (layer 11's 32x32x512), fm[2..5] (8x8 .. 1x1) */
    rmn_cnn_ctx   *ctx;
    rmn_cnn_layer *l_conv0, *l_dw[14], *l_pw[14], *l_pred[8], *l_box[6], *l_cls[6];
    float         *a, *b, *c11, *fm[6], *enc, *cls_out;
    int            fh[6];
};

static const int MCH[14] = {32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
static const int PRED_K[8] = {256, 512, 128, 256, 128, 256, 64, 128};
static const int BOX_C[6] = {512, 1024, 512, 256, 256, 128};

void rmn_ssd_free(rmn_ssd *net) {
    if (!net)
        return;
    rmn_tfjs_free(&net->m);
    rmn_cnn_ctx_free(net->ctx);
    free(net->a);
    free(net->b);
    free(net->c11);
    for (int i = 2; i < 6; ++i)
        free(net->fm[i]);
    free(net->enc);
    free(net->cls_out);
    free(net);
}

static int get_conv(const rmn_tfjs *m, const char *prefix, const char *wname, const char *bname, int r, int c,
                    int k, conv_p *p) {
    char n[160];
    p->r = r, p->c = c, p->k = k;
    snprintf(n, sizeof n, "%s/%s", prefix, wname);
    RMN_TRY(rmn_tfjs_get(m, n, 4, (const int[]){r, r, c, k}, &p->w));
    snprintf(n, sizeof n, "%s/%s", prefix, bname);
    return rmn_tfjs_get(m, n, 1, (const int[]){k}, &p->b);
}

static int bind(rmn_ssd *net) {
    const rmn_tfjs *m = &net->m;
    char pre[128], n[192];
    RMN_TRY(get_conv(m, "MobilenetV1/Conv2d_0_pointwise", "weights", "convolution_bn_offset", 3, 3, 32, &net->conv0));
    for (int i = 1; i <= 13; ++i) {
        pair_p *p = &net->pair[i];
        int c = MCH[i - 1];
        const char *bn[4] = {"gamma", "beta", "moving_mean", "moving_variance"};
        const float **dst[4] = {&p->gamma, &p->beta, &p->mean, &p->var};
        snprintf(n, sizeof n, "MobilenetV1/Conv2d_%d_depthwise/depthwise_weights", i);
        RMN_TRY(rmn_tfjs_get(m, n, 4, (const int[]){3, 3, c, 1}, &p->w));
        for (int j = 0; j < 4; ++j) {
            snprintf(n, sizeof n, "MobilenetV1/Conv2d_%d_depthwise/BatchNorm/%s", i, bn[j]);
            RMN_TRY(rmn_tfjs_get(m, n, 1, (const int[]){c}, dst[j]));
        }
        snprintf(pre, sizeof pre, "MobilenetV1/Conv2d_%d_pointwise", i);
        RMN_TRY(get_conv(m, pre, "weights", "convolution_bn_offset", 1, c, MCH[i], &p->pw));
    }
    for (int i = 0; i < 8; ++i) {
        snprintf(pre, sizeof pre, "Prediction/Conv2d_%d_pointwise", i);
        RMN_TRY(get_conv(m, pre, "weights", "convolution_bn_offset", i % 2 ? 3 : 1, i ? PRED_K[i - 1] : 1024,
                         PRED_K[i], &net->pred[i]));
    }
    for (int i = 0; i < 6; ++i) {
        int a = i ? 6 : 3;
        snprintf(pre, sizeof pre, "Prediction/BoxPredictor_%d/BoxEncodingPredictor", i);
        RMN_TRY(get_conv(m, pre, "weights", "biases", 1, BOX_C[i], 4 * a, &net->box[i]));
        snprintf(pre, sizeof pre, "Prediction/BoxPredictor_%d/ClassPredictor", i);
        RMN_TRY(get_conv(m, pre, "weights", "biases", 1, BOX_C[i], 3 * a, &net->cls[i]));
    }
    return rmn_tfjs_get(m, "Output/extra_dim", 3, (const int[]){1, NPRIORS, 4}, &net->priors);
}

/* A conv layer of p, 'same', on an h x w map; updates h, w. */
static int conv_layer(rmn_ssd *net, const conv_p *p, int st, rmn_cnn_act act, int *h, int *w, rmn_cnn_layer **l) {
    return rmn_cnn_layer_conv(net->ctx, &(rmn_cnn_conv_desc){.H = *h, .W = *w, .C = p->c, .K = p->k, .R = p->r,
                                                             .stride = st, .w = p->w, .b = p->b, .act = act},
                              l, h, w);
}

/* Depthwise layer i with its batch norm folded in: w' = w s, b' = beta - mean s with
 * s = gamma / sqrt(var + eps) (face-api: beta + (x - mean) gamma / sqrt(var + eps)). */
static int depthwise_layer(rmn_ssd *net, int i, int st, int *h, int *w) {
    const pair_p *p = &net->pair[i];
    int c = MCH[i - 1];
    float *fw = malloc((size_t)9 * c * sizeof *fw), *fb = malloc((size_t)c * sizeof *fb);
    int rc = fw && fb ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "out of memory");
    for (int k = 0; rc == RMN_OK && k < c; ++k) {
        float sc = p->gamma[k] / sqrtf(p->var[k] + 0.0010000000474974513f);
        fb[k] = p->beta[k] - p->mean[k] * sc;
        for (int t = 0; t < 9; ++t)
            fw[(size_t)t * c + k] = p->w[(size_t)t * c + k] * sc;
    }
    if (rc == RMN_OK)
        rc = rmn_cnn_layer_conv(net->ctx, &(rmn_cnn_conv_desc){.H = *h, .W = *w, .C = c, .R = 3, .stride = st,
                                                               .depthwise = 1, .w = fw, .b = fb,
                                                               .act = RMN_CNN_ACT_RELU6},
                                &net->l_dw[i], h, w);
    free(fw);
    free(fb);
    return rc;
}

/* Every layer and map, once (input 512x512). */
static int build(rmn_ssd *net) {
    RMN_TRY(rmn_cnn_ctx_create(&net->ctx));
    size_t big = (size_t)256 * 256 * 64;
    net->a = malloc(big * sizeof(float));
    net->b = malloc(big * sizeof(float));
    net->c11 = malloc((size_t)32 * 32 * 512 * sizeof(float));
    net->enc = malloc((size_t)NPRIORS * 4 * sizeof(float));
    net->cls_out = malloc((size_t)NPRIORS * 3 * sizeof(float));
    int ok = net->a && net->b && net->c11 && net->enc && net->cls_out;
    for (int i = 2; i < 6; ++i)
        ok = ok && (net->fm[i] = malloc((size_t)8 * 8 * 512 * sizeof(float)));
    if (!ok)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for the SSD face detector");
    int h = SIZE, w = SIZE;
    RMN_TRY(conv_layer(net, &net->conv0, 2, RMN_CNN_ACT_RELU6, &h, &w, &net->l_conv0));
    for (int i = 1; i <= 13; ++i) {
        RMN_TRY(depthwise_layer(net, i, i == 2 || i == 4 || i == 6 || i == 12 ? 2 : 1, &h, &w));
        RMN_TRY(conv_layer(net, &net->pair[i].pw, 1, RMN_CNN_ACT_RELU6, &h, &w, &net->l_pw[i]));
    }
    net->fh[0] = 32, net->fh[1] = h; /* 16 */
    for (int i = 0; i < 8; ++i) {
        RMN_TRY(conv_layer(net, &net->pred[i], i % 2 ? 2 : 1, RMN_CNN_ACT_RELU6, &h, &w, &net->l_pred[i]));
        if (i % 2)
            net->fh[2 + i / 2] = h;
    }
    for (int i = 0; i < 6; ++i) {
        int fh = net->fh[i], fw = fh;
        RMN_TRY(conv_layer(net, &net->box[i], 1, RMN_CNN_ACT_NONE, &fh, &fw, &net->l_box[i]));
        fh = fw = net->fh[i];
        RMN_TRY(conv_layer(net, &net->cls[i], 1, RMN_CNN_ACT_NONE, &fh, &fw, &net->l_cls[i]));
    }
    return RMN_OK;
}

int rmn_ssd_load(const char *dir, rmn_ssd **out) {
    *out = NULL;
    rmn_ssd *net = calloc(1, sizeof *net);
    if (!net)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    int rc = rmn_tfjs_load(dir, "ssd_mobilenetv1_model", &net->m);
    if (rc == RMN_OK)
        rc = bind(net);
    if (rc == RMN_OK)
        rc = build(net);
    if (rc != RMN_OK) {
        rmn_ssd_free(net);
        return rc;
    }
    *out = net;
    return RMN_OK;
}

typedef struct {
    float y0, x0, y1, x1, score;
    int   idx;
} cand;

static int cand_cmp(const void *a, const void *b) {
    const cand *p = a, *q = b;
    if (p->score != q->score)
        return p->score < q->score ? 1 : -1;
    return p->idx - q->idx; /* as a stable sort */
}

static double iou(const cand *a, const cand *b) {
    double ay0 = fmin(a->y0, a->y1), ax0 = fmin(a->x0, a->x1), ay1 = fmax(a->y0, a->y1), ax1 = fmax(a->x0, a->x1);
    double by0 = fmin(b->y0, b->y1), bx0 = fmin(b->x0, b->x1), by1 = fmax(b->y0, b->y1), bx1 = fmax(b->x0, b->x1);
    double aa = (ay1 - ay0) * (ax1 - ax0), ab = (by1 - by0) * (bx1 - bx0);
    if (aa <= 0 || ab <= 0)
        return 0;
    double ih = fmax(fmin(ay1, by1) - fmax(ay0, by0), 0), iw = fmax(fmin(ax1, bx1) - fmax(ax0, bx0), 0);
    return ih * iw / (aa + ab - ih * iw);
}

/* enc:(5118,4), cls_out:(5118,3) = the network on x:(512,512,3) (in net->b). */
static int forward(rmn_ssd *net) {
    float *a = net->a, *b = net->b;
    RMN_TRY(rmn_cnn_layer_run(net->l_conv0, a, b));
    for (int i = 1; i <= 13; ++i) { /* layer 11's output feeds the head too: it goes to c11 */
        RMN_TRY(rmn_cnn_layer_run(net->l_dw[i], b, i == 12 ? net->c11 : a));
        RMN_TRY(rmn_cnn_layer_run(net->l_pw[i], i == 11 ? net->c11 : a, b));
    }
    /* a: (16,16,1024); the extra layers: 1x1 into b, 3x3/2 into fm[2..5] */
    float **fm = net->fm;
    fm[0] = net->c11, fm[1] = a;
    const float *cur = a;
    for (int i = 0; i < 8; i += 2) {
        RMN_TRY(rmn_cnn_layer_run(net->l_pred[i], b, cur));
        RMN_TRY(rmn_cnn_layer_run(net->l_pred[i + 1], fm[2 + i / 2], b));
        cur = fm[2 + i / 2];
    }
    /* box predictors, concatenated in map order, cells row-major, anchors innermost */
    int off = 0;
    for (int i = 0; i < 6; ++i) {
        RMN_TRY(rmn_cnn_layer_run(net->l_box[i], net->enc + (size_t)off * 4, fm[i]));
        RMN_TRY(rmn_cnn_layer_run(net->l_cls[i], net->cls_out + (size_t)off * 3, fm[i]));
        off += net->fh[i] * net->fh[i] * (i ? 6 : 3);
    }
    return RMN_OK;
}

int rmn_ssd_detect(rmn_ssd *net, const rmn_image *img, float minconf, rmn_cnn_box **boxes, int *n) {
    *boxes = NULL;
    *n = 0;
    if (img->w < 1 || img->h < 1 || (img->c != 1 && img->c != 3))
        return RMN_ERROR(RMN_EINVAL, "SSD face detector: empty image or not gray/RGB");
    int side = img->w > img->h ? img->w : img->h;
    float *x = net->b;
    RMN_TRY(rmn_cnn_resize_image(x, img, side, 0, 0, SIZE, SIZE));
#ifdef _OPENMP
#pragma omp simd
#endif
    for (size_t i = 0; i < (size_t)SIZE * SIZE * 3; ++i)
        x[i] = x[i] / 127.5f - 1.f;
    RMN_TRY(forward(net));
    const float *enc = net->enc, *cls = net->cls_out;
    cand *cd = malloc((size_t)NPRIORS * sizeof *cd);
    int rc = cd ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "out of memory");
    int m = 0;
    for (int i = 0; rc == RMN_OK && i < NPRIORS; ++i) {
        float score = 1.f / (1.f + expf(-cls[i * 3 + 1]));
        if (!(score > minconf))
            continue;
        const float *p = net->priors + (size_t)i * 4, *e = enc + (size_t)i * 4;
        float s0 = p[2] - p[0], s1 = p[3] - p[1], c0 = p[0] + s0 / 2, c1 = p[1] + s1 / 2;
        float d0 = expf(e[2] / 5) * s0 / 2, a0 = e[0] / 10 * s0 + c0;
        float d1 = expf(e[3] / 5) * s1 / 2, a1 = e[1] / 10 * s1 + c1;
        cd[m++] = (cand){a0 - d0, a1 - d1, a0 + d0, a1 + d1, score, i};
    }
    rmn_cnn_box *out = NULL;
    int kept = 0;
    if (rc == RMN_OK) {
        qsort(cd, (size_t)m, sizeof *cd, cand_cmp);
        out = malloc((size_t)(m ? m : 1) * sizeof *out);
        int *sel = malloc((size_t)(m ? m : 1) * sizeof *sel);
        if (!out || !sel)
            rc = RMN_ERROR(RMN_ENOMEM, "out of memory");
        double rw = round(img->w * (double)SIZE / side), rh = round(img->h * (double)SIZE / side);
        double padx = SIZE / rw, pady = SIZE / rh;
        for (int i = 0; rc == RMN_OK && i < m && kept < 100; ++i) {
            int ok = 1;
            for (int j = kept - 1; j >= 0; --j) {
                double v = iou(&cd[i], &cd[sel[j]]);
                if (v == 0.0)
                    continue;
                if (v > 0.5) {
                    ok = 0;
                    break;
                }
            }
            if (!ok)
                continue;
            sel[kept] = i;
            double top = fmax(0, cd[i].y0) * pady, bot = fmin(1, cd[i].y1) * pady;
            double left = fmax(0, cd[i].x0) * padx, right = fmin(1, cd[i].x1) * padx;
            out[kept++] = (rmn_cnn_box){(float)(left * img->w), (float)(top * img->h), (float)(right * img->w),
                                        (float)(bot * img->h), cd[i].score};
        }
        free(sel);
    }
    free(cd);
    if (rc != RMN_OK) {
        free(out);
        return rc;
    }
    *boxes = out;
    *n = kept;
    return RMN_OK;
}

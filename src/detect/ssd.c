/* ssd.c -- face-api's SSD MobileNet v1 face detector (see ssd.h). */
#include "detect/ssd.h"

#include "core/error.h"
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
};

static const int MCH[14] = {32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
static const int PRED_K[8] = {256, 512, 128, 256, 128, 256, 64, 128};
static const int BOX_C[6] = {512, 1024, 512, 256, 256, 128};

void rmn_ssd_free(rmn_ssd *net) {
    if (!net)
        return;
    rmn_tfjs_free(&net->m);
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

int rmn_ssd_load(const char *dir, rmn_ssd **out) {
    *out = NULL;
    rmn_ssd *net = calloc(1, sizeof *net);
    if (!net)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    int rc = rmn_tfjs_load(dir, "ssd_mobilenetv1_model", &net->m);
    if (rc == RMN_OK)
        rc = bind(net);
    if (rc != RMN_OK) {
        rmn_ssd_free(net);
        return rc;
    }
    *out = net;
    return RMN_OK;
}

/* y = relu6(conv 'same' (stride st) of x:(*h,*w,c) + offset); updates *h, *w. */
static void conv_same(float *y, const float *x, const conv_p *p, int st, int *h, int *w, int relu6) {
    int P, Q, pt, pl;
    rmn_cnn_same(*h, p->r, st, &P, &pt);
    rmn_cnn_same(*w, p->r, st, &Q, &pl);
    if (p->r == 1 && st == 1)
        rmn_cnn_pointwise(y, x, p->w, p->b, *h * *w, p->c, p->k);
    else
        rmn_cnn_conv(y, x, p->w, p->b, *h, *w, p->c, p->k, p->r, p->r, st, pt, pl, P, Q);
    *h = P, *w = Q;
    if (relu6)
        rmn_cnn_relu6(y, (size_t)P * Q * p->k);
}

static void depthwise_bn(float *y, const float *x, const pair_p *p, int c, int st, int *h, int *w) {
    int P, Q, pt, pl;
    rmn_cnn_same(*h, 3, st, &P, &pt);
    rmn_cnn_same(*w, 3, st, &Q, &pl);
    rmn_cnn_depthwise(y, x, p->w, *h, *w, c, 3, 3, st, pt, pl, P, Q);
    *h = P, *w = Q;
    for (size_t i = 0; i < (size_t)P * Q; ++i)
        for (int k = 0; k < c; ++k) {
            float *v = &y[i * c + k];
            *v = p->beta[k] + (*v - p->mean[k]) * p->gamma[k] / sqrtf(p->var[k] + 0.0010000000474974513f);
        }
    rmn_cnn_relu6(y, (size_t)P * Q * c);
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

int rmn_ssd_detect(rmn_ssd *net, const rmn_image *img, float minconf, rmn_cnn_box **boxes, int *n) {
    *boxes = NULL;
    *n = 0;
    if (img->w < 1 || img->h < 1 || (img->c != 1 && img->c != 3))
        return RMN_ERROR(RMN_EINVAL, "SSD face detector: empty image or not gray/RGB");
    size_t cap = (size_t)256 * 256 * 64; /* the largest map (conv_1's output) */
    float *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b), *c11 = malloc((size_t)32 * 32 * 512 * sizeof *c11);
    float *enc = malloc((size_t)NPRIORS * 4 * sizeof *enc), *cls = malloc((size_t)NPRIORS * 3 * sizeof *cls);
    float *fm[6] = {0};
    int fh[6] = {0};
    cand *cd = malloc((size_t)NPRIORS * sizeof *cd);
    int side = img->w > img->h ? img->w : img->h, rc = RMN_OK;
    float *sq = calloc((size_t)side * side * 3, sizeof *sq);
    for (int i = 2; i < 6; ++i)
        fm[i] = malloc((size_t)8 * 8 * 512 * sizeof(float));
    if (!a || !b || !c11 || !enc || !cls || !cd || !sq || !fm[2] || !fm[3] || !fm[4] || !fm[5])
        rc = RMN_ERROR(RMN_ENOMEM, "out of memory for the SSD face detector");
    if (rc == RMN_OK) {
        for (int y = 0; y < img->h; ++y)
            for (int x = 0; x < img->w; ++x)
                for (int k = 0; k < 3; ++k)
                    sq[((size_t)y * side + x) * 3 + k] = img->data[((size_t)y * img->w + x) * img->c + (img->c == 3 ? k : 0)];
        if (side != SIZE)
            rmn_cnn_resize_bilinear(b, sq, side, side, 3, SIZE, SIZE);
        else
            memcpy(b, sq, (size_t)SIZE * SIZE * 3 * sizeof *b);
        for (size_t i = 0; i < (size_t)SIZE * SIZE * 3; ++i)
            b[i] = b[i] / 127.5f - 1.f;
        int h = SIZE, w = SIZE;
        conv_same(a, b, &net->conv0, 2, &h, &w, 1);
        for (int i = 1; i <= 13; ++i) {
            int st = i == 2 || i == 4 || i == 6 || i == 12 ? 2 : 1;
            depthwise_bn(b, a, &net->pair[i], MCH[i - 1], st, &h, &w);
            conv_same(a, b, &net->pair[i].pw, 1, &h, &w, 1);
            if (i == 11)
                memcpy(c11, a, (size_t)h * w * 512 * sizeof *c11);
        }
        /* a: (16,16,1024) */
        fm[0] = c11, fh[0] = 32, fm[1] = a, fh[1] = 16;
        int ph = 16, pw = 16;
        conv_same(b, a, &net->pred[0], 1, &ph, &pw, 1);
        float *cur = b;
        for (int i = 1; i < 8; i += 2) {
            int f = 2 + i / 2;
            conv_same(fm[f], cur, &net->pred[i], 2, &ph, &pw, 1);
            fh[f] = ph;
            if (i < 7) {
                float *nx = cur == b ? b + (size_t)16 * 16 * 1024 / 2 : b; /* scratch inside b */
                conv_same(nx, fm[f], &net->pred[i + 1], 1, &ph, &pw, 1);
                cur = nx;
            }
        }
        /* box predictors, concatenated in map order, cells row-major, anchors innermost */
        float *tmp = malloc((size_t)32 * 32 * 24 * sizeof *tmp);
        if (!tmp)
            rc = RMN_ERROR(RMN_ENOMEM, "out of memory");
        int off = 0;
        for (int i = 0; rc == RMN_OK && i < 6; ++i) {
            int cells = fh[i] * fh[i], an = i ? 6 : 3;
            rmn_cnn_pointwise(tmp, fm[i], net->box[i].w, net->box[i].b, cells, BOX_C[i], 4 * an);
            memcpy(enc + (size_t)off * 4, tmp, (size_t)cells * an * 4 * sizeof *tmp);
            rmn_cnn_pointwise(tmp, fm[i], net->cls[i].w, net->cls[i].b, cells, BOX_C[i], 3 * an);
            memcpy(cls + (size_t)off * 3, tmp, (size_t)cells * an * 3 * sizeof *tmp);
            off += cells * an;
        }
        free(tmp);
    }
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
    free(a);
    free(b);
    free(c11);
    free(enc);
    free(cls);
    free(cd);
    free(sq);
    for (int i = 2; i < 6; ++i)
        free(fm[i]);
    if (rc != RMN_OK) {
        free(out);
        return rc;
    }
    *boxes = out;
    *n = kept;
    return RMN_OK;
}

/* facenet.c -- face-api's landmark and expression nets (see facenet.h). */
#include "detect/facenet.h"

#include "core/error.h"
#include "detect/cnn.h"
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
};

static const int CH[5] = {3, 32, 64, 128, 256};

void rmn_facenet_free(rmn_facenet *net) {
    if (!net)
        return;
    rmn_tfjs_free(&net->m);
    free(net);
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
    if (rc != RMN_OK) {
        rmn_facenet_free(net);
        return rc;
    }
    *out = net;
    return RMN_OK;
}

/* y:(P,Q,K) = separable conv 'same' (stride st) of x:(H,W,C) + bias; tmp holds P*Q*C. */
static void sep(float *y, float *tmp, const float *x, const sep_p *p, int H, int W, int C, int K, int st, int *P,
                int *Q) {
    int pt, pl;
    rmn_cnn_same(H, 3, st, P, &pt);
    rmn_cnn_same(W, 3, st, Q, &pl);
    rmn_cnn_depthwise(tmp, x, p->dw, H, W, C, 3, 3, st, pt, pl, *P, *Q);
    rmn_cnn_pointwise(y, tmp, p->pw, p->b, *P * *Q, C, K);
}

static void relu(float *x, size_t n) {
    for (size_t i = 0; i < n; ++i)
        x[i] = x[i] > 0.f ? x[i] : 0.f;
}

int rmn_facenet_run(rmn_facenet *net, const rmn_image *img, float *out) {
    if (img->w < 1 || img->h < 1 || (img->c != 1 && img->c != 3))
        return RMN_ERROR(RMN_EINVAL, "face net: empty image or not gray/RGB");
    int w = img->w, h = img->h, side = w > h ? w : h;
    /* padToSquare(centred): round(diff/2) appended after, the rest before */
    int diff = side - (w < h ? w : h), after = (int)lround(diff * 0.5), before = diff - after;
    int ox = w < h ? before : 0, oy = h < w ? before : 0;
    size_t cap = (size_t)56 * 56 * 32;
    float *sq = calloc((size_t)side * side * 3, sizeof *sq);
    float *x = malloc((size_t)IN * IN * 3 * sizeof *x);
    float *o1 = malloc(cap * sizeof *o1), *o2 = malloc(cap * sizeof *o2), *acc = malloc(cap * sizeof *acc);
    float *tmp = malloc(cap * 4 * sizeof *tmp), *cur = malloc(cap * sizeof *cur);
    int rc = sq && x && o1 && o2 && acc && tmp && cur ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "out of memory for a face net");
    if (rc == RMN_OK) {
        for (int yy = 0; yy < h; ++yy)
            for (int xx = 0; xx < w; ++xx)
                for (int c = 0; c < 3; ++c)
                    sq[((size_t)(yy + oy) * side + xx + ox) * 3 + c] =
                        img->data[((size_t)yy * w + xx) * img->c + (img->c == 3 ? c : 0)];
        if (side != IN)
            rmn_cnn_resize_bilinear(x, sq, side, side, 3, IN, IN);
        else
            memcpy(x, sq, (size_t)IN * IN * 3 * sizeof *x);
        static const float MEAN[3] = {122.782f, 117.001f, 104.298f};
        for (size_t i = 0; i < (size_t)IN * IN; ++i)
            for (int c = 0; c < 3; ++c)
                x[i * 3 + c] = (x[i * 3 + c] - MEAN[c]) / 255.f;
        int H = IN, W = IN, P, Q, pt, pl;
        memcpy(cur, x, (size_t)IN * IN * 3 * sizeof *x);
        for (int b = 0; b < 4; ++b) {
            int C = CH[b], K = CH[b + 1];
            /* out1 = relu(conv0 stride 2) */
            if (b == 0) {
                rmn_cnn_same(H, 3, 2, &P, &pt);
                rmn_cnn_same(W, 3, 2, &Q, &pl);
                rmn_cnn_conv(o1, cur, net->conv[0][0].dw, net->conv[0][0].b, H, W, 3, 32, 3, 3, 2, pt, pl, P, Q);
            } else {
                sep(o1, tmp, cur, &net->conv[b][0], H, W, C, K, 2, &P, &Q);
            }
            size_t n = (size_t)P * Q * K;
            relu(o1, n);
            memcpy(acc, o1, n * sizeof *acc); /* running sum out1 + out2 + ... */
            const float *in = o1;
            for (int c = 1; c < 4; ++c) {
                int P2, Q2;
                sep(o2, tmp, in, &net->conv[b][c], P, Q, K, K, 1, &P2, &Q2);
                /* face-api sums out1 + (out2 + (out3 + out4)); here left to right (rounding only) */
                if (c == 1) {
                    for (size_t i = 0; i < n; ++i)
                        acc[i] = o1[i] + o2[i];
                } else {
                    for (size_t i = 0; i < n; ++i)
                        acc[i] += o2[i];
                }
                for (size_t i = 0; i < n; ++i)
                    cur[i] = acc[i] > 0.f ? acc[i] : 0.f;
                in = cur;
            }
            H = P, W = Q;
        }
        /* avgpool 7x7 stride 2 valid over (7,7,256) -> 256 */
        float feat[256];
        for (int k = 0; k < 256; ++k) {
            float s = 0.f;
            for (int i = 0; i < H * W; ++i)
                s += cur[(size_t)i * 256 + k];
            feat[k] = s / (float)(H * W);
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
    free(sq);
    free(x);
    free(o1);
    free(o2);
    free(acc);
    free(tmp);
    free(cur);
    return rc;
}

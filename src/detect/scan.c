/* scan.c -- cascade evaluation over a scale pyramid (see detect.h and cascade.h). Feature
 * offsets are resolved once per call for a fixed row stride; the per-window loop allocates
 * nothing. */
#include "detect/detect.h"

#include "core/error.h"
#include "detect/integral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A cascade bound to one stride: corner offsets of every rectangle. */
typedef struct {
    const rmn_cascade *c;
    int   stride;
    int   norm[4];      /* the window minus its 1-pixel border */
    float norm_area;
    int (*hofs)[3][4];  /* HAAR: per feature, per rectangle, 4 corners */
    float (*hw)[3];     /* HAAR weights */
    int (*lofs)[16];    /* LBP: 4x4 grid corners */
    struct haar_stump {  /* HAAR stump cascades: each weak classifier flattened */
        int   o[3][4];
        float w[3];
        float threshold, left, right;
        int   tilted;
    } *stumps;
} bound;

static void rect_ofs(int o[4], int x, int y, int w, int h, int stride) {
    o[0] = y * stride + x;
    o[1] = y * stride + x + w;
    o[2] = (y + h) * stride + x;
    o[3] = (y + h) * stride + x + w;
}

static void tilted_ofs(int o[4], int x, int y, int w, int h, int stride) {
    o[0] = y * stride + x;
    o[1] = (y + h) * stride + x - h;
    o[2] = (y + w) * stride + x + w;
    o[3] = (y + w + h) * stride + x + w - h;
}

static int bind(bound *b, const rmn_cascade *c, int stride) {
    memset(b, 0, sizeof *b);
    b->c = c;
    b->stride = stride;
    rect_ofs(b->norm, 1, 1, c->win_w - 2, c->win_h - 2, stride);
    b->norm_area = (float)((c->win_w - 2) * (c->win_h - 2));
    if (c->type == RMN_CASCADE_HAAR) {
        b->hofs = calloc((size_t)c->nfeatures, sizeof *b->hofs);
        b->hw = calloc((size_t)c->nfeatures, sizeof *b->hw);
        if (!b->hofs || !b->hw)
            return RMN_ERROR(RMN_ENOMEM, "out of memory binding a cascade");
        for (int i = 0; i < c->nfeatures; ++i) {
            const rmn_haar_feature *f = &c->haar[i];
            for (int r = 0; r < f->nrects; ++r) {
                (f->tilted ? tilted_ofs : rect_ofs)(b->hofs[i][r], f->r[r].x, f->r[r].y, f->r[r].w,
                                                    f->r[r].h, stride);
                b->hw[i][r] = f->r[r].weight;
            }
        }
        if (c->max_nodes_per_tree == 1) {
            b->stumps = calloc((size_t)c->ntrees, sizeof *b->stumps);
            if (!b->stumps)
                return RMN_ERROR(RMN_ENOMEM, "out of memory binding a cascade");
            for (int t = 0; t < c->ntrees; ++t) {
                const rmn_cascade_node *nd = &c->nodes[c->trees[t].first_node];
                struct haar_stump *st = &b->stumps[t];
                memcpy(st->o, b->hofs[nd->feature], sizeof st->o);
                memcpy(st->w, b->hw[nd->feature], sizeof st->w);
                st->tilted = c->haar[nd->feature].tilted;
                st->threshold = nd->threshold;
                /* a stump's children are leaves 0 and 1 (left = 0, right = -1 as written) */
                st->left = c->leaves[c->trees[t].first_leaf - (nd->left > 0 ? 0 : nd->left)];
                st->right = c->leaves[c->trees[t].first_leaf - (nd->right > 0 ? 0 : nd->right)];
            }
        }
    } else {
        b->lofs = calloc((size_t)c->nfeatures, sizeof *b->lofs);
        if (!b->lofs)
            return RMN_ERROR(RMN_ENOMEM, "out of memory binding a cascade");
        for (int i = 0; i < c->nfeatures; ++i) {
            const rmn_lbp_feature *f = &c->lbp[i];
            for (int gy = 0; gy < 4; ++gy)
                for (int gx = 0; gx < 4; ++gx)
                    b->lofs[i][gy * 4 + gx] = (f->y + gy * f->h) * stride + f->x + gx * f->w;
        }
    }
    return RMN_OK;
}

static void unbind(bound *b) {
    free(b->hofs);
    free(b->hw);
    free(b->lofs);
    free(b->stumps);
}

#define SUM4(p, o) ((int32_t)((p)[(o)[0]] - (p)[(o)[1]] - (p)[(o)[2]] + (p)[(o)[3]]))

static inline float haar_value(const bound *b, int fi, const uint32_t *ps, const uint32_t *pt,
                               float vnf) {
    const rmn_haar_feature *f = &b->c->haar[fi];
    const uint32_t *p = f->tilted ? pt : ps;
    const int(*o)[4] = b->hofs[fi];
    const float *w = b->hw[fi];
    float v = w[0] * (float)SUM4(p, o[0]) + w[1] * (float)SUM4(p, o[1]);
    if (w[2] != 0.0f)
        v += w[2] * (float)SUM4(p, o[2]);
    return v * vnf;
}

static inline int lbp_code(const bound *b, int fi, const uint32_t *p) {
    const int *o = b->lofs[fi];
#define CELL(a, bb, cc, d) ((int32_t)(p[o[a]] - p[o[bb]] - p[o[cc]] + p[o[d]]))
    int32_t cv = CELL(5, 6, 9, 10);
    return (CELL(0, 1, 4, 5) >= cv ? 128 : 0) | (CELL(1, 2, 5, 6) >= cv ? 64 : 0) |
           (CELL(2, 3, 6, 7) >= cv ? 32 : 0) | (CELL(6, 7, 10, 11) >= cv ? 16 : 0) |
           (CELL(10, 11, 14, 15) >= cv ? 8 : 0) | (CELL(9, 10, 13, 14) >= cv ? 4 : 0) |
           (CELL(8, 9, 12, 13) >= cv ? 2 : 0) | (CELL(4, 5, 8, 9) >= cv ? 1 : 0);
#undef CELL
}

/* 1 accepted, -stage rejected, -1 rejected by the variance test. ofs: window's top-left. */
static int eval_at(const bound *b, const uint32_t *sum, const uint32_t *sqsum,
                   const uint32_t *tilted, int ofs) {
    const rmn_cascade *c = b->c;
    const uint32_t *ps = sum + ofs;
    const uint32_t *pt = tilted ? tilted + ofs : NULL;
    float vnf = 1.f;
    if (c->type == RMN_CASCADE_HAAR) {
        const uint32_t *pq = sqsum + ofs;
        int32_t valsum = SUM4(ps, b->norm);
        uint32_t valsq = pq[b->norm[0]] - pq[b->norm[1]] - pq[b->norm[2]] + pq[b->norm[3]];
        double area = b->norm_area;
        double nf = area * valsq - (double)valsum * valsum;
        if (!(nf > 0.))
            return -1;
        vnf = (float)(1. / sqrt(nf));
        if (!(area * vnf < 1e-1))
            return -1;
    }
    if (b->stumps) { /* the common case (frontalface_default, alt, alt2 ...): flat loop */
        const struct haar_stump *st = b->stumps;
        for (int si = 0; si < c->nstages; ++si) {
            const rmn_cascade_stage *stage = &c->stages[si];
            double acc = 0;
            for (int k = 0; k < stage->ntrees; ++k, ++st) {
                const uint32_t *p = st->tilted ? pt : ps;
                float v = st->w[0] * (float)SUM4(p, st->o[0]) + st->w[1] * (float)SUM4(p, st->o[1]);
                if (st->w[2] != 0.0f)
                    v += st->w[2] * (float)SUM4(p, st->o[2]);
                v *= vnf;
                acc += (double)v < st->threshold ? st->left : st->right;
            }
            if (acc < stage->threshold)
                return -si;
        }
        return 1;
    }
    const rmn_cascade_node *nodes = c->nodes;
    const float *leaves = c->leaves;
    for (int si = 0; si < c->nstages; ++si) {
        const rmn_cascade_stage *st = &c->stages[si];
        double acc = 0;
        for (int ti = st->first_tree; ti < st->first_tree + st->ntrees; ++ti) {
            const rmn_cascade_tree *t = &c->trees[ti];
            int idx = 0;
            do {
                const rmn_cascade_node *nd = &nodes[t->first_node + idx];
                if (c->type == RMN_CASCADE_HAAR) {
                    double v = haar_value(b, nd->feature, ps, pt, vnf);
                    idx = v < nd->threshold ? nd->left : nd->right;
                } else {
                    int code = lbp_code(b, nd->feature, ps);
                    const int32_t *sub =
                        c->subsets + (size_t)(t->first_node + idx) * (size_t)c->subset_size;
                    idx = (sub[code >> 5] & (1u << (code & 31))) ? nd->left : nd->right;
                }
            } while (idx > 0);
            acc += leaves[t->first_leaf - idx];
        }
        if (acc < st->threshold)
            return -si;
    }
    return 1;
}

int rmn_cascade_eval_window(const rmn_cascade *c, const uint32_t *sum, const uint32_t *sqsum,
                            const uint32_t *tilted, int stride, int x, int y, int *result) {
    bound b;
    int rc = bind(&b, c, stride);
    if (rc == RMN_OK)
        *result = eval_at(&b, sum, sqsum, c->has_tilted ? tilted : NULL, y * stride + x);
    unbind(&b);
    return rc;
}

static int push_rect(rmn_rect **v, int *n, int *cap, rmn_rect r) {
    if (*n == *cap) {
        int ncap = *cap ? *cap * 2 : 256;
        rmn_rect *q = realloc(*v, (size_t)ncap * sizeof *q);
        if (!q)
            return RMN_ERROR(RMN_ENOMEM, "out of memory collecting detections");
        *v = q;
        *cap = ncap;
    }
    (*v)[(*n)++] = r;
    return RMN_OK;
}

int rmn_cascade_scan(const rmn_cascade *c, const uint8_t *gray, int w, int h,
                     const rmn_detect_params *p, rmn_rect **rects, int *n) {
    *rects = NULL;
    *n = 0;
    if (!(p->scale_factor > 1.0))
        return RMN_ERROR(RMN_EINVAL, "scale factor must be > 1 (got %g)", p->scale_factor);
    int max_w = p->max_w > 0 ? p->max_w : w, max_h = p->max_h > 0 ? p->max_h : h;
    /* the scales, as detectMultiScaleNoGrouping lists them */
    float scales[512];
    int nscales = 0;
    for (double factor = 1; nscales < 512; factor *= p->scale_factor) {
        int ww = (int)lrint(c->win_w * factor), wh = (int)lrint(c->win_h * factor);
        if (ww > max_w || wh > max_h || ww > w || wh > h)
            break;
        if (ww < p->min_w || wh < p->min_h)
            continue;
        scales[nscales++] = (float)factor;
    }
    if (nscales == 0)
        return RMN_OK;
    int w0 = (int)lrintf((float)w / scales[0]), h0 = (int)lrintf((float)h / scales[0]);
    int stride = w0 + 1;
    size_t plane = (size_t)stride * (size_t)(h0 + 1);
    uint8_t *small = malloc((size_t)w0 * (size_t)h0);
    uint32_t *sum = malloc(plane * sizeof *sum);
    uint32_t *sq = c->type == RMN_CASCADE_HAAR ? malloc(plane * sizeof *sq) : NULL;
    uint32_t *tl = c->has_tilted ? malloc(plane * sizeof *tl) : NULL;
    bound b;
    int rc = bind(&b, c, stride), cap = 0;
    if (rc == RMN_OK && (!small || !sum || (c->type == RMN_CASCADE_HAAR && !sq) ||
                         (c->has_tilted && !tl)))
        rc = RMN_ERROR(RMN_ENOMEM, "out of memory for a %dx%d image pyramid", w0, h0);
    for (int si = 0; rc == RMN_OK && si < nscales; ++si) {
        float sc = scales[si];
        int sw = (int)lrintf((float)w / sc), sh = (int)lrintf((float)h / sc);
        if (sw > w0 || sh > h0 || sw < c->win_w || sh < c->win_h)
            continue;
        rmn_image_resize_u8(gray, w, h, w, small, sw, sh);
        rmn_integral(small, sw, sh, sw, sum, sq, tl, stride);
        int ystep = sc >= 2.f ? 1 : 2;
        int szw = sw + 1 - c->win_w, szh = sh + 1 - c->win_h;
        int rw = (int)lrintf(c->win_w * sc), rh = (int)lrintf(c->win_h * sc);
        for (int y = 0; rc == RMN_OK && y < szh; y += ystep) {
            for (int x = 0; x < szw; x += ystep) {
                int r = eval_at(&b, sum, sq, tl, y * stride + x);
                if (r > 0) {
                    rmn_rect rr = {(int)lrintf((float)x * sc), (int)lrintf((float)y * sc), rw, rh};
                    if ((rc = push_rect(rects, n, &cap, rr)) != RMN_OK)
                        break;
                }
                if (r == 0)
                    x += ystep;
            }
        }
    }
    unbind(&b);
    free(small);
    free(sum);
    free(sq);
    free(tl);
    if (rc != RMN_OK) {
        free(*rects);
        *rects = NULL;
        *n = 0;
    }
    return rc;
}

int rmn_cascade_detect(const rmn_cascade *c, const rmn_image *img, const rmn_detect_params *p,
                       rmn_rect **rects, int *n) {
    *rects = NULL;
    *n = 0;
    rmn_image gray;
    RMN_TRY(rmn_image_to_gray(img, &gray));
    int rc = rmn_cascade_scan(c, gray.data, gray.w, gray.h, p, rects, n);
    rmn_image_free(&gray);
    if (rc == RMN_OK && *n > 0)
        rc = rmn_group_rects(*rects, n, p->min_neighbors, 0.2, NULL);
    if (rc != RMN_OK) {
        free(*rects);
        *rects = NULL;
        *n = 0;
    }
    return rc;
}

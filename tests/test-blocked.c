/* test-blocked.c -- the dnnl backend's fast paths against the "ref" oracle: activations kept
 * in oneDNN's nChw16c layout between layers, gradients written fresh, fused and rerouted ops.
 * Each op the graph may run on blocked values (conv with every x/y layout mix, on maps larger
 * and smaller than its kernel -- the latter's weight gradient by the dense SGEMM path --,
 * transposed conv, batch norm train/eval forward and backward, alone and fused with its ReLU,
 * max pool, average pool, GAP, CBAM's channel reductions and one-channel products, BAM's
 * resize of a 1x1 map) is fed the blocked form of random data, and its results,
 * turned back to plain, are compared with ref on the plain data: within 1e-4 relative (the
 * pools bit-identical); backward calls again with fresh outputs onto garbage must give the
 * same.
 * The linear layer on oneDNN's SGEMM likewise. Then whole nets: the layouts the planner picks,
 * and a training step and an inference of resnet18 (48 profile, width 16: every stage
 * blocked) and of resmasking_dropout1 on "dnnl" against "ref". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/model.h"
#include "nn/graph.h"
#include "numeric.h"
#include "tap.h"
#include "tensor/blocked16.h"
#include "tensor/bn_train.h"
#include "tensor/dnnl_backend.h"

/* a blocked copy of plain (n, c, hw) */
static float *to_b16(const float *p, int n, int c, int hw) {
    float *q = malloc((size_t)n * c * hw * sizeof(float));
    rmn_b16_from_plain(q, p, n, c, hw);
    return q;
}

/* turns blocked (n, c, hw) back to plain, in place */
static void from_b16(float *p, int n, int c, int hw) {
    const size_t cnt = (size_t)n * c * hw;
    float *q = malloc(cnt * sizeof(float));
    rmn_b16_to_plain(q, p, n, c, hw);
    memcpy(p, q, cnt * sizeof(float));
    free(q);
}

static void test_roundtrip(rmn_rng *rng) {
    const int n = 2, c = 32, hw = 5;
    float *x = filled((size_t)n * c * hw, rng), *b = to_b16(x, n, c, hw);
    /* element (1, 17, 3) sits in block 1, lane 1 of sample 1 */
    const int ok = b[((1 * 2 + 1) * hw + 3) * 16 + 1] == x[(1 * c + 17) * hw + 3];
    from_b16(b, n, c, hw);
    TAP_OK(ok && memcmp(b, x, sizeof(float) * n * c * hw) == 0,
           "nChw16c conversion places (n, c, h, w) at ((n C/16 + c/16) HW + hw) 16 + c %% 16 "
           "and round-trips");
    free(x), free(b);
}

/* conv x:(3,16,S,S) -> y:(3,32,P,Q), layouts as `layout` says, against ref on plain data */
static void conv_case(void *st, unsigned layout, int size, int kernel, int stride, int pad,
                      rmn_rng *rng) {
    rmn_conv2d_shape sh;
    rmn_conv2d_shape_init(&sh, 3, 16, size, size, 32, kernel, stride, pad);
    const int hw = size * size, pq = sh.p * sh.q;
    const size_t nx = (size_t)3 * 16 * hw, ny = (size_t)3 * 32 * pq, nw = (size_t)32 * 16 * kernel * kernel;
    float *x = filled(nx, rng), *w = filled(nw, rng), *dy = filled(ny, rng);
    float *y0 = calloc(ny, sizeof(float)), *dx0 = calloc(nx, sizeof(float)), *dw0 = calloc(nw, sizeof(float));
    float *y1 = calloc(ny, sizeof(float)), *dx1 = calloc(nx, sizeof(float)), *dw1 = calloc(nw, sizeof(float));
    const rmn_exec ref = {.nthreads = 2};
    float *ws = malloc(rmn_backend_ref.conv2d_workspace(&sh, 2) * sizeof(float) + 64);
    const rmn_exec rex = {.ws = ws, .nthreads = 2};
    (void)ref;
    rmn_backend_ref.conv2d_forward(&rex, y0, x, w, NULL, &sh);
    rmn_backend_ref.conv2d_backward(&rex, dx0, dw0, NULL, dy, x, w, &sh);
    const int bx = (layout & RMN_LAYOUT_X16) != 0, by = (layout & RMN_LAYOUT_Y16) != 0;
    float *xb = bx ? to_b16(x, 3, 16, hw) : x, *dyb = by ? to_b16(dy, 3, 32, pq) : dy;
    const rmn_exec ex = {.ws = ws, .nthreads = 2, .state = st, .layout = layout};
    rmn_backend_dnnl.conv2d_forward(&ex, y1, xb, w, NULL, &sh);
    rmn_backend_dnnl.conv2d_backward(&ex, dx1, dw1, NULL, dyb, xb, w, &sh);
    /* again with fresh outputs, onto stale garbage: written, not added */
    float *dx2 = malloc(nx * sizeof(float)), *dw2 = malloc(nw * sizeof(float));
    for (size_t i = 0; i < nx; ++i)
        dx2[i] = 1e3f;
    for (size_t i = 0; i < nw; ++i)
        dw2[i] = -1e3f;
    rmn_exec fex = ex;
    fex.fresh = RMN_FRESH_DX | RMN_FRESH_DW;
    rmn_backend_dnnl.conv2d_backward(&fex, dx2, dw2, NULL, dyb, xb, w, &sh);
    const int same = memcmp(dx2, dx1, nx * sizeof(float)) == 0 &&
                     memcmp(dw2, dw1, nw * sizeof(float)) == 0;
    free(dx2), free(dw2);
    if (by)
        from_b16(y1, 3, 32, pq);
    if (bx)
        from_b16(dx1, 3, 16, hw);
    const double ey = rel_err(y1, y0, ny), ex_ = rel_err(dx1, dx0, nx), ew = rel_err(dw1, dw0, nw);
    TAP_OK(ey < 1e-4 && ex_ < 1e-4 && ew < 1e-4 && same,
           "conv %dx%d s%d p%d @%dx%d, x %s, y %s: y %.1e dx %.1e dw %.1e; fresh dx, dw %s",
           kernel, kernel, stride, pad, size, size,
           bx ? "nChw16c" : "plain", by ? "nChw16c" : "plain", ey, ex_, ew,
           same ? "identical" : "DIFFER");
    if (bx)
        free(xb);
    if (by)
        free(dyb);
    free(x), free(w), free(dy), free(y0), free(dx0), free(dw0), free(y1), free(dx1), free(dw1);
    free(ws);
}

/* a depthwise conv (groups = C = K = 32) on nChw16c: the backward (rmn's kernel) against ref:
 * dx, dw, db accumulated onto preset values, then fresh onto garbage (the same bits as added
 * to zeros), and on 1 and 2 threads the same bits */
static void dwconv_case(void *st, int size, int kernel, int stride, int pad, rmn_rng *rng) {
    const int n = 3, c = 32;
    rmn_conv_params cp = {.kh = kernel, .kw = kernel, .stride_h = stride, .stride_w = stride,
                          .pad_h = pad, .pad_w = pad, .groups = c};
    rmn_conv2d_shape sh;
    rmn_conv2d_shape_full(&sh, n, c, size, size, c, &cp);
    const int hw = size * size, pq = sh.p * sh.q;
    const size_t nx = (size_t)n * c * hw, ny = (size_t)n * c * pq, nw = (size_t)c * kernel * kernel;
    float *x = filled(nx, rng), *w = filled(nw, rng), *dy = filled(ny, rng);
    float *dx0 = filled(nx, rng), *dw0 = filled(nw, rng), *db0 = filled((size_t)c, rng);
    float *dx1 = to_b16(dx0, n, c, hw), *dw1 = malloc(nw * 4), *db1 = malloc((size_t)c * 4);
    memcpy(dw1, dw0, nw * 4), memcpy(db1, db0, (size_t)c * 4);
    float *ws = malloc(rmn_backend_ref.conv2d_workspace(&sh, 2) * sizeof(float) + 64);
    const rmn_exec rex = {.ws = ws, .nthreads = 2};
    rmn_backend_ref.conv2d_backward(&rex, dx0, dw0, db0, dy, x, w, &sh);
    float *xb = to_b16(x, n, c, hw), *dyb = to_b16(dy, n, c, pq);
    const rmn_exec ex = {.ws = ws, .nthreads = 2, .state = st, .layout = 3};
    rmn_backend_dnnl.conv2d_backward(&ex, dx1, dw1, db1, dyb, xb, w, &sh);
    float *dx2[2], *dw2[2], db2[2][32];
    int same = 1;
    for (int t = 0; t < 2; ++t) {
        dx2[t] = malloc(nx * 4), dw2[t] = malloc(nw * 4);
        for (size_t i = 0; i < nx; ++i)
            dx2[t][i] = 1e3f;
        for (size_t i = 0; i < nw; ++i)
            dw2[t][i] = -1e3f;
        rmn_exec fex = ex;
        fex.fresh = RMN_FRESH_DX | RMN_FRESH_DW;
        fex.nthreads = t + 1;
        rmn_backend_dnnl.conv2d_backward(&fex, dx2[t], dw2[t], db2[t], dyb, xb, w, &sh);
    }
    same = memcmp(dx2[0], dx2[1], nx * 4) == 0 && memcmp(dw2[0], dw2[1], nw * 4) == 0 &&
           memcmp(db2[0], db2[1], sizeof db2[0]) == 0;
    from_b16(dx1, n, c, hw);
    const double e[3] = {rel_err(dx1, dx0, nx), rel_err(dw1, dw0, nw), rel_err(db1, db0, c)};
    TAP_OK(e[0] < 1e-5 && e[1] < 1e-5 && e[2] < 1e-5 && same,
           "depthwise %dx%d s%d p%d @%dx%d on nChw16c, backward ~ ref: dx %.1e dw %.1e db %.1e; "
           "fresh on 1 and 2 threads the same bits (%d)", kernel, kernel, stride, pad, size, size,
           e[0], e[1], e[2], same);
    for (int t = 0; t < 2; ++t)
        free(dx2[t]), free(dw2[t]);
    free(x), free(w), free(dy), free(dx0), free(dw0), free(db0), free(dx1), free(dw1);
    free(db1), free(ws), free(xb), free(dyb);
}

static void test_dwconv(rmn_rng *rng) {
    void *st;
    rmn_backend_dnnl.state_create(&st);
    dwconv_case(st, 3, 5, 1, 2, rng);  /* EfficientNet's 5x5 on a 3x3 map */
    dwconv_case(st, 12, 5, 1, 2, rng);
    dwconv_case(st, 8, 5, 2, 2, rng);
    dwconv_case(st, 7, 3, 2, 1, rng);
    rmn_backend_dnnl.state_free(st);
}

static void test_conv(rmn_rng *rng) {
    void *st;
    rmn_backend_dnnl.state_create(&st);
    for (unsigned layout = 0; layout <= 3; ++layout) {
        conv_case(st, layout, 9, 3, 1, 1, rng);
        conv_case(st, layout, 9, 3, 2, 1, rng);
        conv_case(st, layout, 9, 1, 2, 0, rng);
        conv_case(st, layout, 4, 3, 1, 1, rng); /* a small map: direct forward and data */
        conv_case(st, layout, 2, 3, 1, 1, rng); /* smaller than the kernel: dense dw */
    }
    TAP_OK(rmn_backend_dnnl.state_check(st) == RMN_OK, "no blocked call was refused");
    rmn_dnnl_stats stats;
    rmn_dnnl_stats_get(st, &stats);
    TAP_OK(stats.dense == 8, "the 2x2 maps' weight gradients took the dense path (%ld of 8 calls)",
           stats.dense);
    rmn_backend_dnnl.state_free(st);
}

/* batch norm over x:(3,32,7x6) in nChw16c against ref: train and eval, forward and backward */
static void test_bn(rmn_rng *rng) {
    const int n = 3, c = 32, hw = 42;
    const size_t cnt = (size_t)n * c * hw;
    void *st;
    rmn_backend_dnnl.state_create(&st);
    float *x = filled(cnt, rng), *dy = filled(cnt, rng), *g = filled((size_t)c, rng);
    float *bt = filled((size_t)c, rng), *rm = filled((size_t)c, rng), *rv = filled((size_t)c, rng);
    for (int i = 0; i < c; ++i)
        rv[i] = 0.5f + fabsf(rv[i]);
    for (size_t i = 0; i < cnt; ++i) /* channel offsets, so that the mean matters */
        x[i] += (float)((i / hw) % c);
    float *xb = to_b16(x, n, c, hw), *dyb = to_b16(dy, n, c, hw);
    const rmn_exec rex = {.nthreads = 2}, bex = {.nthreads = 2, .state = st, .layout = 3};
    float sm[2][32], si[2][32], rm2[2][32], rv2[2][32], dg[2][32], db[2][32];
    float *y[2], *dx[2];
    for (int i = 0; i < 2; ++i) {
        y[i] = calloc(cnt, sizeof(float));
        dx[i] = calloc(cnt, sizeof(float));
        memcpy(rm2[i], rm, sizeof rm2[i]);
        memcpy(rv2[i], rv, sizeof rv2[i]);
        memset(dg[i], 0, sizeof dg[i]);
        memset(db[i], 0, sizeof db[i]);
    }
    for (int mode = 0; mode < 2; ++mode) { /* 0 train, 1 eval */
        if (mode == 0) {
            rmn_backend_ref.bn2d_forward_train(&rex, y[0], sm[0], si[0], rm2[0], rv2[0], x, g, bt,
                                               n, c, hw, 0.1, 1e-5);
            rmn_backend_dnnl.bn2d_forward_train(&bex, y[1], sm[1], si[1], rm2[1], rv2[1], xb, g,
                                                bt, n, c, hw, 0.1, 1e-5);
            rmn_backend_ref.bn2d_backward_train(&rex, dx[0], dg[0], db[0], dy, x, g, sm[0], si[0],
                                                n, c, hw);
            rmn_backend_dnnl.bn2d_backward_train(&bex, dx[1], dg[1], db[1], dyb, xb, g, sm[1],
                                                 si[1], n, c, hw);
        } else {
            rmn_backend_ref.bn2d_forward_eval(&rex, y[0], x, g, bt, rm, rv, n, c, hw, 1e-5);
            rmn_backend_dnnl.bn2d_forward_eval(&bex, y[1], xb, g, bt, rm, rv, n, c, hw, 1e-5);
            rmn_backend_ref.bn2d_backward_eval(&rex, dx[0], dg[0], db[0], dy, x, g, rm, rv, n, c,
                                               hw, 1e-5);
            rmn_backend_dnnl.bn2d_backward_eval(&bex, dx[1], dg[1], db[1], dyb, xb, g, rm, rv, n,
                                                c, hw, 1e-5);
        }
        /* the eval backward again with fresh outputs onto garbage: the same bits */
        float *dxf = malloc(cnt * sizeof(float)), dgf[32], dbf[32];
        int same = 1;
        if (mode == 1) {
            for (size_t i = 0; i < cnt; ++i)
                dxf[i] = 5e2f;
            for (int i = 0; i < c; ++i)
                dgf[i] = dbf[i] = 5e2f;
            float dg0[32], db0[32];
            memcpy(dg0, dg[1], sizeof dg0);
            memcpy(db0, db[1], sizeof db0);
            rmn_exec fex = bex;
            fex.fresh = RMN_FRESH_DX | RMN_FRESH_DW;
            rmn_backend_dnnl.bn2d_backward_eval(&fex, dxf, dgf, dbf, dyb, xb, g, rm, rv, n, c, hw,
                                                1e-5);
            /* dg[1], db[1] hold train + eval sums; the eval part alone is their difference
             * from the train-mode values: compare dx only bitwise, dg/db loosely */
            same = memcmp(dxf, dx[1], cnt * sizeof(float)) == 0;
        }
        free(dxf);
        from_b16(y[1], n, c, hw);
        from_b16(dx[1], n, c, hw);
        const double e[5] = {rel_err(y[1], y[0], cnt), rel_err(dx[1], dx[0], cnt),
                             rel_err(dg[1], dg[0], c), rel_err(db[1], db[0], c),
                             mode ? 0.0 : fmax(rel_err(rm2[1], rm2[0], c), rel_err(rv2[1], rv2[0], c))};
        TAP_OK(e[0] < 1e-5 && e[1] < 1e-4 && e[2] < 1e-4 && e[3] < 1e-4 && e[4] < 1e-5 && same,
               "bn %s on nChw16c: y %.1e dx %.1e dgamma %.1e dbeta %.1e running %.1e%s",
               mode ? "eval" : "train", e[0], e[1], e[2], e[3], e[4],
               mode ? ", fresh dx written in place" : "");
        for (int i = 0; i < 2; ++i)
            memset(dx[i], 0, cnt * sizeof(float));
    }
    /* fused with the ReLU after it (training): y = max(0, bn(x)); the backward takes the
     * ReLU output's gradient and applies the mask itself */
    uint8_t *mask = calloc(cnt, 1);
    float *dyr = malloc(cnt * sizeof(float));
    rmn_backend_ref.bn2d_forward_train(&rex, y[0], sm[0], si[0], NULL, NULL, x, g, bt, n, c, hw,
                                       0.1, 1e-5);
    rmn_backend_dnnl.bn2d_relu_forward_train(&bex, y[1], mask, sm[1], si[1], NULL, NULL, xb, g,
                                             bt, n, c, hw, 0.1, 1e-5);
    for (size_t i = 0; i < cnt; ++i) {
        dyr[i] = y[0][i] > 0.0f ? dy[i] : 0.0f; /* what reaches the norm through the ReLU */
        y[0][i] = y[0][i] > 0.0f ? y[0][i] : 0.0f;
    }
    rmn_backend_ref.bn2d_backward_train(&rex, dx[0], dg[0], db[0], dyr, x, g, sm[0], si[0], n, c,
                                        hw);
    rmn_backend_dnnl.bn2d_relu_backward_train(&bex, dx[1], dg[1], db[1], dyb, mask, xb, g, sm[1],
                                              si[1], n, c, hw);
    from_b16(y[1], n, c, hw);
    from_b16(dx[1], n, c, hw);
    const double ef[4] = {rel_err(y[1], y[0], cnt), rel_err(dx[1], dx[0], cnt),
                          rel_err(dg[1], dg[0], c), rel_err(db[1], db[0], c)};
    TAP_OK(ef[0] < 1e-5 && ef[1] < 1e-4 && ef[2] < 1e-4 && ef[3] < 1e-4,
           "bn + ReLU fused (training) on nChw16c: y %.1e dx %.1e dgamma %.1e dbeta %.1e", ef[0],
           ef[1], ef[2], ef[3]);
    free(mask), free(dyr);
    /* fused with the ReLU in eval mode (inference) */
    rmn_backend_ref.bn2d_forward_eval(&rex, y[0], x, g, bt, rm, rv, n, c, hw, 1e-5);
    for (size_t i = 0; i < cnt; ++i)
        y[0][i] = y[0][i] > 0.0f ? y[0][i] : 0.0f;
    rmn_backend_dnnl.bn2d_relu_forward_eval(&bex, y[1], xb, g, bt, rm, rv, n, c, hw, 1e-5);
    from_b16(y[1], n, c, hw);
    TAP_OK(rel_err(y[1], y[0], cnt) < 1e-5, "bn + ReLU fused (eval) on nChw16c: y %.1e",
           rel_err(y[1], y[0], cnt));
    TAP_OK(rmn_backend_dnnl.state_check(st) == RMN_OK, "no blocked batch norm was refused");
    for (int i = 0; i < 2; ++i)
        free(y[i]), free(dx[i]);
    free(x), free(dy), free(g), free(bt), free(rm), free(rv), free(xb), free(dyb);
    rmn_backend_dnnl.state_free(st);
}

/* rmn's own batch norm in training (bn_train.c), blocked and plain, on shapes the case above
 * does not reach: a batch over its 16 chunks and not a multiple of them, three samples of 1x1
 * maps, one channel block, one large enough for threads: against ref, the same bits on 1, 2
 * and 3 threads, a fresh backward the bits of one added to zeros, and the mask = (y > 0) (its
 * blocked words' bits, its plain bytes). */
static int mask_bit(const void *mask, int blocked, size_t i) {
    return blocked ? (((const uint16_t *)mask)[i / 16] >> (i % 16)) & 1u
                   : ((const uint8_t *)mask)[i] != 0;
}

static void bn_kernel_case(int n, int c, int hw, int blocked, rmn_rng *rng) {
    const size_t cnt = (size_t)n * c * hw;
    float *x = filled(cnt, rng), *dy = filled(cnt, rng), *g = filled((size_t)c, rng);
    float *bt = filled((size_t)c, rng);
    for (size_t i = 0; i < cnt; ++i) /* a large mean: the variance must not cancel */
        x[i] = 3.0f * x[i] + 40.0f + (float)((i / hw) % c);
    float *xb = blocked ? to_b16(x, n, c, hw) : x, *dyb = blocked ? to_b16(dy, n, c, hw) : dy;
    const rmn_exec rex = {.nthreads = 1};
    float *y0 = calloc(cnt, sizeof(float)), *dx0 = calloc(cnt, sizeof(float));
    float *sm = calloc((size_t)c, sizeof(float)), *si = calloc((size_t)c, sizeof(float));
    float *dg0 = calloc((size_t)c, sizeof(float)), *db0 = calloc((size_t)c, sizeof(float));
    rmn_backend_ref.bn2d_forward_train(&rex, y0, sm, si, NULL, NULL, x, g, bt, n, c, hw, 0.1, 1e-5);
    for (size_t i = 0; i < cnt; ++i) /* through the ReLU */
        y0[i] = y0[i] > 0.0f ? y0[i] : 0.0f;
    float *dyr = malloc(cnt * sizeof(float));
    for (size_t i = 0; i < cnt; ++i)
        dyr[i] = y0[i] > 0.0f ? dy[i] : 0.0f;
    rmn_backend_ref.bn2d_backward_train(&rex, dx0, dg0, db0, dyr, x, g, sm, si, n, c, hw);
    double *scratch = malloc(rmn_bn_train_scratch_doubles(n, c) * sizeof(double));
    float *y[3], *dx[3], *dxf = malloc(cnt * sizeof(float)), *mean = malloc(c * sizeof(float));
    float *var = malloc(c * sizeof(float)), *inv = malloc(c * sizeof(float));
    float *dg = malloc(c * sizeof(float)), *db = malloc(c * sizeof(float));
    void *mask[3];
    const size_t mask_bytes = blocked ? cnt / 8 : cnt;
    int same = 1, mask_ok = 1, fresh_same = 1;
    double e[4] = {0};
    for (int t = 0; t < 3; ++t) {
        y[t] = malloc(cnt * sizeof(float));
        dx[t] = calloc(cnt, sizeof(float));
        mask[t] = malloc(mask_bytes);
        rmn_bn_train_forward(y[t], mask[t], mean, var, xb, g, bt, n, c, hw, blocked, 1e-5,
                             scratch, t + 1);
        for (int ch = 0; ch < c; ++ch)
            inv[ch] = (float)(1.0 / sqrt((double)var[ch] + 1e-5));
        for (int ch = 0; ch < c; ++ch)
            dg[ch] = db[ch] = 0.0f;
        rmn_bn_train_backward(dx[t], dg, db, dyb, mask[t], xb, g, mean, inv, n, c, hw, blocked,
                              0, 0, scratch, t + 1);
        for (size_t i = 0; i < cnt; ++i)
            dxf[i] = 7e3f; /* garbage a fresh dx must overwrite */
        rmn_bn_train_backward(dxf, NULL, NULL, dyb, mask[t], xb, g, mean, inv, n, c, hw,
                              blocked, 1, 1, scratch, t + 1);
        fresh_same &= memcmp(dxf, dx[t], cnt * sizeof(float)) == 0;
        if (t > 0)
            same &= memcmp(y[t], y[0], cnt * sizeof(float)) == 0 &&
                    memcmp(dx[t], dx[0], cnt * sizeof(float)) == 0 &&
                    memcmp(mask[t], mask[0], mask_bytes) == 0;
        for (size_t i = 0; i < cnt; ++i)
            mask_ok &= mask_bit(mask[t], blocked, i) == (y[t][i] > 0.0f);
    }
    if (blocked) {
        from_b16(y[0], n, c, hw);
        from_b16(dx[0], n, c, hw);
    }
    e[0] = rel_err(y[0], y0, cnt), e[1] = rel_err(dx[0], dx0, cnt);
    e[2] = rel_err(dg, dg0, c), e[3] = rel_err(db, db0, c);
    TAP_OK(e[0] < 1e-5 && e[1] < 1e-4 && e[2] < 1e-4 && e[3] < 1e-4 && rel_err(mean, sm, c) < 1e-5,
           "%s bn + ReLU (n %d, c %d, hw %d) ~ ref: y %.1e dx %.1e dgamma %.1e dbeta %.1e",
           blocked ? "blocked" : "plain", n, c, hw, e[0], e[1], e[2], e[3]);
    TAP_OK(same && fresh_same && mask_ok,
           "%s bn (n %d): the same bits on 1, 2, 3 threads (%d), fresh dx = added to 0 (%d), "
           "mask = y > 0 (%d)", blocked ? "blocked" : "plain", n, same, fresh_same, mask_ok);
    for (int t = 0; t < 3; ++t)
        free(y[t]), free(dx[t]), free(mask[t]);
    if (blocked)
        free(xb), free(dyb);
    free(x), free(dy), free(g), free(bt), free(y0), free(dx0), free(sm);
    free(si), free(dg0), free(db0), free(dyr), free(scratch), free(dxf), free(mean), free(var);
    free(inv), free(dg), free(db);
}

static void test_bn_kernels(rmn_rng *rng) {
    for (int blocked = 1; blocked >= 0; --blocked) {
        bn_kernel_case(20, 48, 9, blocked, rng);
        bn_kernel_case(64, 16, 4, blocked, rng);
        bn_kernel_case(3, 32, 1, blocked, rng);
        bn_kernel_case(32, 64, 144, blocked, rng); /* over the 1 MiB from which threads work */
    }
    bn_kernel_case(3, 24, 25, 0, rng); /* plain: channels no multiple of 16, odd map */
}

/* Batch norm fused with the SiLU after it (the dnnl backend's training entries, bn_train.c)
 * against the two run apart on the same backend (batch norm, then the cpu SiLU; its backward
 * added onto a zeroed gradient, then the batch norm's): y, dx, dgamma, dbeta, the saved and
 * the running statistics bit for bit, with dx written fresh onto garbage and added onto held
 * values, blocked and plain, on 1 and 2 threads. */
static void bn_silu_case(int n, int c, int hw, int blocked, rmn_rng *rng) {
    const size_t cnt = (size_t)n * c * hw;
    float *x = filled(cnt, rng), *dy = filled(cnt, rng), *g = filled((size_t)c, rng);
    float *bt = filled((size_t)c, rng), *held = filled(cnt, rng);
    for (size_t i = 0; i < cnt; ++i) /* values on both sides of 0 and in the SiLU's bend */
        x[i] = 2.0f * x[i] + 1.0f + (float)((i / hw) % c) * 0.1f;
    rmn_backend be; /* as the graph runs it: the dnnl entries, the cpu SiLU */
    rmn_backend_resolve(&rmn_backend_dnnl, &be);
    void *st;
    be.state_create(&st);
    int ok = 1;
    for (int threads = 1; threads <= 2; ++threads) {
        for (int fresh = 0; fresh < 2; ++fresh) {
            const rmn_exec ex = {.nthreads = threads, .state = st,
                                 .layout = blocked ? RMN_LAYOUT_X16 | RMN_LAYOUT_Y16 : 0u,
                                 .fresh = fresh ? RMN_FRESH_DX | RMN_FRESH_DW : 0u};
            float *y[2], *dx[2], *sm[2], *si[2], *rm[2], *rv[2], *dg[2], *db[2];
            for (int k = 0; k < 2; ++k) {
                y[k] = malloc(cnt * sizeof(float)), dx[k] = malloc(cnt * sizeof(float));
                sm[k] = malloc(c * sizeof(float)), si[k] = malloc(c * sizeof(float));
                rm[k] = calloc((size_t)c, sizeof(float)), rv[k] = malloc(c * sizeof(float));
                dg[k] = malloc(c * sizeof(float)), db[k] = malloc(c * sizeof(float));
                for (int ch = 0; ch < c; ++ch)
                    rv[k][ch] = 1.0f, dg[k][ch] = fresh ? 9e3f : 0.5f, db[k][ch] = dg[k][ch];
                for (size_t i = 0; i < cnt; ++i)
                    dx[k][i] = fresh ? 7e3f : held[i];
            }
            /* apart: z = bn(x), y = silu(z); dz = 0 + silu'(z) dy, then the norm's backward */
            float *z = malloc(cnt * sizeof(float)), *dz = calloc(cnt, sizeof(float));
            float *coef = malloc(2 * (size_t)c * sizeof(float));
            be.bn2d_forward_train(&ex, z, sm[0], si[0], rm[0], rv[0], x, g, bt, n, c,
                                                hw, 0.1, 1e-3);
            be.act_forward(&ex, y[0], z, cnt, RMN_ACT_SILU);
            be.act_backward(&ex, dz, dy, z, y[0], cnt, RMN_ACT_SILU);
            be.bn2d_backward_train(&ex, dx[0], dg[0], db[0], dz, x, g, sm[0], si[0],
                                                 n, c, hw);
            /* fused */
            be.bn2d_silu_forward_train(&ex, y[1], coef, sm[1], si[1], rm[1], rv[1],
                                                     x, g, bt, n, c, hw, 0.1, 1e-3);
            be.bn2d_silu_backward_train(&ex, dx[1], dg[1], db[1], dy, coef, x, g, bt,
                                                      sm[1], si[1], n, c, hw);
            ok &= memcmp(y[0], y[1], cnt * 4) == 0 && memcmp(dx[0], dx[1], cnt * 4) == 0 &&
                  memcmp(dg[0], dg[1], c * 4u) == 0 && memcmp(db[0], db[1], c * 4u) == 0 &&
                  memcmp(sm[0], sm[1], c * 4u) == 0 && memcmp(si[0], si[1], c * 4u) == 0 &&
                  memcmp(rm[0], rm[1], c * 4u) == 0 && memcmp(rv[0], rv[1], c * 4u) == 0;
            for (int k = 0; k < 2; ++k)
                free(y[k]), free(dx[k]), free(sm[k]), free(si[k]), free(rm[k]), free(rv[k]),
                    free(dg[k]), free(db[k]);
            free(z), free(dz), free(coef);
        }
    }
    TAP_OK(ok && be.state_check(st) == RMN_OK,
           "%s bn + SiLU fused (n %d, c %d, hw %d): the bits of the two apart, fresh and added, "
           "1 and 2 threads", blocked ? "blocked" : "plain", n, c, hw);
    be.state_free(st);
    free(x), free(dy), free(g), free(bt), free(held);
}

static void test_bn_silu(rmn_rng *rng) {
    bn_silu_case(20, 48, 9, 1, rng);
    bn_silu_case(3, 32, 1, 1, rng);
    bn_silu_case(32, 64, 144, 1, rng); /* over the 1 MiB from which threads work */
    bn_silu_case(20, 24, 25, 0, rng);
    bn_silu_case(3, 88, 1, 0, rng);
}

/* max pool (3x3 s2 p1, ceil mode; ties included) and GAP: the blocked kernels give the plain
 * kernels' bits */
static void test_pool(rmn_rng *rng) {
    const int n = 2, c = 32, h = 9, w = 8;
    rmn_pool_params pp = {.kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2, .pad_h = 1,
                          .pad_w = 1, .ceil_mode = 1};
    rmn_pool2d_shape sh;
    rmn_pool2d_shape_full(&sh, n, c, h, w, &pp);
    const int hw = h * w, pq = sh.p * sh.q;
    const size_t nx = (size_t)n * c * hw, ny = (size_t)n * c * pq;
    float *x = filled(nx, rng), *dy = filled(ny, rng);
    for (size_t i = 0; i < nx; i += 3) /* ties: the first maximum wins in both */
        x[i] = 0.5f;
    float *xb = to_b16(x, n, c, hw), *dyb = to_b16(dy, n, c, pq);
    float *y[2] = {calloc(ny, 4), calloc(ny, 4)}, *dx[2] = {calloc(nx, 4), calloc(nx, 4)};
    int32_t *idx[2] = {calloc(ny, 4), calloc(ny, 4)};
    void *st;
    rmn_backend_dnnl.state_create(&st);
    const rmn_exec rex = {.nthreads = 2}, bex = {.nthreads = 2, .state = st, .layout = 3};
    rmn_backend_ref.maxpool2d_forward(&rex, y[0], idx[0], x, &sh);
    rmn_backend_dnnl.maxpool2d_forward(&bex, y[1], idx[1], xb, &sh);
    rmn_backend_ref.maxpool2d_backward(&rex, dx[0], dy, idx[0], &sh);
    rmn_backend_dnnl.maxpool2d_backward(&bex, dx[1], dyb, idx[1], &sh);
    from_b16(y[1], n, c, pq);
    from_b16(dx[1], n, c, hw);
    float *ib = malloc(ny * sizeof(float)), *i0 = malloc(ny * sizeof(float));
    for (size_t i = 0; i < ny; ++i)
        ib[i] = (float)idx[1][i], i0[i] = (float)idx[0][i];
    from_b16(ib, n, c, pq);
    TAP_OK(memcmp(y[0], y[1], ny * 4) == 0 && memcmp(i0, ib, ny * 4) == 0 &&
               memcmp(dx[0], dx[1], nx * 4) == 0,
           "max pool 3x3 s2 p1 ceil on nChw16c: maxima, argmax and dx bit-identical to ref");
    float gy[2][2 * 32];
    const rmn_exec gex = {.nthreads = 2, .state = st, .layout = RMN_LAYOUT_X16};
    rmn_backend_ref.gap_forward(&rex, gy[0], x, n, c, hw);
    rmn_backend_dnnl.gap_forward(&gex, gy[1], xb, n, c, hw);
    memset(dx[0], 0, nx * 4);
    memset(dx[1], 0, nx * 4);
    rmn_backend_ref.gap_backward(&rex, dx[0], dy, n, c, hw);
    rmn_backend_dnnl.gap_backward(&gex, dx[1], dy, n, c, hw);
    from_b16(dx[1], n, c, hw);
    TAP_OK(memcmp(gy[0], gy[1], sizeof gy[0]) == 0 && memcmp(dx[0], dx[1], nx * 4) == 0,
           "GAP of nChw16c: y and dx bit-identical to ref");
    rmn_backend_dnnl.state_free(st);
    for (int i = 0; i < 2; ++i)
        free(y[i]), free(dx[i]), free(idx[i]);
    free(x), free(dy), free(xb), free(dyb), free(ib), free(i0);
}

/* CBAM's gates on nChw16c (blocked16_gate.c) against ref on plain data, bit for bit: the mean
 * and max over channels (ties: the first channel wins) forward and backward (added onto what
 * dx held), the global max pool whose (N,C) output is plain, and the products with a
 * one-channel (1,H,W) map broadcast over the channels, and with a (C,1,1) value broadcast over
 * the positions (db summed in double there: close to ref's float sum, not its bits), for each
 * binary op, backward added onto held values and written fresh onto garbage. 150 positions:
 * runs of 64, 64 and 22. */
static void test_gate(rmn_rng *rng) {
    const int n = 3, c = 48, h = 10, w = 15, hw = h * w;
    const size_t nx = (size_t)n * c * hw, nm = (size_t)n * hw;
    float *x = filled(nx, rng), *dy = filled(nx, rng), *m = filled(nm, rng);
    float *dm = filled(nm, rng), *held = filled(nx, rng);
    for (size_t i = 0; i < nx; i += 7) /* ties across channels */
        x[i] = 0.5f;
    float *xb = to_b16(x, n, c, hw), *dyb = to_b16(dy, n, c, hw), *heldb = to_b16(held, n, c, hw);
    float *y[2] = {calloc(nx, 4), calloc(nx, 4)}, *dx[2] = {malloc(nx * 4), malloc(nx * 4)};
    float *ym[2] = {calloc(nm, 4), calloc(nm, 4)}, *dmm[2] = {malloc(nm * 4), malloc(nm * 4)};
    int32_t *idx[2] = {calloc(nm, 4), calloc(nm, 4)};
    void *st;
    rmn_backend_dnnl.state_create(&st);
    const rmn_exec rex = {.nthreads = 2};
    rmn_exec bex = {.nthreads = 2, .state = st, .layout = RMN_LAYOUT_X16};
    int ok = 1;
    /* mean over channels */
    rmn_backend_ref.chan_mean_forward(&rex, ym[0], x, n, c, hw);
    rmn_backend_dnnl.chan_mean_forward(&bex, ym[1], xb, n, c, hw);
    memcpy(dx[0], held, nx * 4), memcpy(dx[1], heldb, nx * 4);
    rmn_backend_ref.chan_mean_backward(&rex, dx[0], dm, n, c, hw);
    rmn_backend_dnnl.chan_mean_backward(&bex, dx[1], dm, n, c, hw);
    from_b16(dx[1], n, c, hw);
    TAP_OK(memcmp(ym[0], ym[1], nm * 4) == 0 && memcmp(dx[0], dx[1], nx * 4) == 0,
           "mean over channels of nChw16c: y and dx (added) bit-identical to ref");
    /* max over channels */
    rmn_backend_ref.chan_max_forward(&rex, ym[0], idx[0], x, n, c, hw);
    rmn_backend_dnnl.chan_max_forward(&bex, ym[1], idx[1], xb, n, c, hw);
    memcpy(dx[0], held, nx * 4), memcpy(dx[1], heldb, nx * 4);
    rmn_backend_ref.chan_max_backward(&rex, dx[0], dm, idx[0], n, c, hw);
    rmn_backend_dnnl.chan_max_backward(&bex, dx[1], dm, idx[1], n, c, hw);
    from_b16(dx[1], n, c, hw);
    TAP_OK(memcmp(ym[0], ym[1], nm * 4) == 0 && memcmp(idx[0], idx[1], nm * 4) == 0 &&
               memcmp(dx[0], dx[1], nx * 4) == 0,
           "max over channels of nChw16c: y, argmax (first wins) and dx (added) bit-identical");
    /* the global max pool: blocked input, the plain (N,C) output */
    rmn_pool_params gp = {.kh = h, .kw = w};
    rmn_pool2d_shape gsh;
    rmn_pool2d_shape_full(&gsh, n, c, h, w, &gp);
    int32_t *gi[2] = {calloc((size_t)n * c, 4), calloc((size_t)n * c, 4)};
    rmn_backend_ref.maxpool2d_forward(&rex, y[0], gi[0], x, &gsh);
    rmn_backend_dnnl.maxpool2d_forward(&bex, y[1], gi[1], xb, &gsh);
    memcpy(dx[0], held, nx * 4), memcpy(dx[1], heldb, nx * 4);
    rmn_backend_ref.maxpool2d_backward(&rex, dx[0], dy, gi[0], &gsh);
    rmn_backend_dnnl.maxpool2d_backward(&bex, dx[1], dy, gi[1], &gsh);
    from_b16(dx[1], n, c, hw);
    TAP_OK(gsh.p * gsh.q == 1 && memcmp(y[0], y[1], (size_t)n * c * 4) == 0 &&
               memcmp(gi[0], gi[1], (size_t)n * c * 4) == 0 && memcmp(dx[0], dx[1], nx * 4) == 0,
           "global max pool of nChw16c into a plain (N,C): y, argmax and dx bit-identical");
    /* products with a one-channel map */
    rmn_bcast_shape sh;
    rmn_bcast_shape_init(&sh, n, c, h, w, 1, h, w);
    rmn_backend dnnl; /* its binary ops: the "cpu" backend's, filled in */
    rmn_backend_resolve(&rmn_backend_dnnl, &dnnl);
    static const rmn_binary ops[3] = {RMN_BINARY_ADD, RMN_BINARY_MUL, RMN_BINARY_MUL1P};
    for (int k = 0; k < 3; ++k)
        for (int fresh = 0; fresh < 2; ++fresh) {
            bex.fresh = fresh ? RMN_FRESH_DX | RMN_FRESH_DX2 : 0u;
            rmn_backend_ref.binary_forward(&rex, y[0], x, m, &sh, ops[k]);
            dnnl.binary_forward(&bex, y[1], xb, m, &sh, ops[k]);
            from_b16(y[1], n, c, hw);
            memcpy(dx[0], held, nx * 4), memcpy(dmm[0], dm, nm * 4);
            if (fresh) { /* ref adds onto zeros; the fresh kernel overwrites garbage */
                memset(dx[0], 0, nx * 4), memset(dmm[0], 0, nm * 4);
                for (size_t i = 0; i < nx; ++i)
                    dx[1][i] = 1e9f;
                for (size_t i = 0; i < nm; ++i)
                    dmm[1][i] = -1e9f;
            } else {
                memcpy(dx[1], heldb, nx * 4), memcpy(dmm[1], dm, nm * 4);
            }
            rmn_backend_ref.binary_backward(&rex, dx[0], dmm[0], dy, x, m, &sh, ops[k]);
            dnnl.binary_backward(&bex, dx[1], dmm[1], dyb, xb, m, &sh, ops[k]);
            from_b16(dx[1], n, c, hw);
            ok = ok && memcmp(y[0], y[1], nx * 4) == 0 && memcmp(dx[0], dx[1], nx * 4) == 0 &&
                 memcmp(dmm[0], dmm[1], nm * 4) == 0;
        }
    bex.fresh = 0;
    TAP_OK(ok, "add, mul and a (1 + b) with b (1,H,W) over nChw16c channels: y, da and db "
               "bit-identical to ref, added and fresh");
    /* products with a (C,1,1) value (squeeze-excite's): b (N,C) is the same memory in both
     * layouts; the blocked16 kernels against ref */
    rmn_bcast_shape csh;
    rmn_bcast_shape_init(&csh, n, c, h, w, c, 1, 1);
    const size_t nb = (size_t)n * c;
    float *cb = malloc(nb * 4), *dcb[2] = {malloc(nb * 4), malloc(nb * 4)};
    for (size_t i = 0; i < nb; ++i)
        cb[i] = 0.5f + 0.25f * (float)(i % 7);
    int cok = 1;
    double db_err = 0.0;
    for (int k = 0; k < 3; ++k)
        for (int fresh = 0; fresh < 2; ++fresh) {
            bex.fresh = fresh ? RMN_FRESH_DX | RMN_FRESH_DX2 : 0u;
            rmn_backend_ref.binary_forward(&rex, y[0], x, cb, &csh, ops[k]);
            dnnl.binary_forward(&bex, y[1], xb, cb, &csh, ops[k]);
            from_b16(y[1], n, c, hw);
            memcpy(dx[0], held, nx * 4), memcpy(dcb[0], dm, nb * 4);
            if (fresh) {
                memset(dx[0], 0, nx * 4), memset(dcb[0], 0, nb * 4);
                for (size_t i = 0; i < nx; ++i)
                    dx[1][i] = 1e9f;
                for (size_t i = 0; i < nb; ++i)
                    dcb[1][i] = -1e9f;
            } else {
                memcpy(dx[1], heldb, nx * 4), memcpy(dcb[1], dm, nb * 4);
            }
            rmn_backend_ref.binary_backward(&rex, dx[0], dcb[0], dy, x, cb, &csh, ops[k]);
            dnnl.binary_backward(&bex, dx[1], dcb[1], dyb, xb, cb, &csh, ops[k]);
            from_b16(dx[1], n, c, hw);
            const double e = rel_err(dcb[1], dcb[0], nb);
            db_err = e > db_err ? e : db_err;
            cok = cok && memcmp(y[0], y[1], nx * 4) == 0 && memcmp(dx[0], dx[1], nx * 4) == 0 &&
                  e < 1e-6;
        }
    bex.fresh = 0;
    TAP_OK(cok, "add, mul and a (1 + b) with b (C,1,1) over nChw16c: y and da bit-identical to "
                "ref, db (summed in double, ref in float) within %.1e, added and fresh", db_err);
    free(cb), free(dcb[0]), free(dcb[1]);
    /* BAM: a 1x1 map resized to (H,W), the output blocked; dx (N,C) added onto held values */
    const rmn_exec yex = {.nthreads = 2, .state = st, .layout = RMN_LAYOUT_Y16};
    rmn_backend_ref.resize_bilinear_forward(&rex, y[0], m, n, c, 1, 1, h, w);
    rmn_backend_dnnl.resize_bilinear_forward(&yex, y[1], m, n, c, 1, 1, h, w);
    from_b16(y[1], n, c, hw);
    float *dv[2] = {malloc((size_t)n * c * 4), malloc((size_t)n * c * 4)};
    memcpy(dv[0], dm, (size_t)n * c * 4), memcpy(dv[1], dm, (size_t)n * c * 4);
    rmn_backend_ref.resize_bilinear_backward(&rex, dv[0], dy, n, c, 1, 1, h, w);
    rmn_backend_dnnl.resize_bilinear_backward(&yex, dv[1], dyb, n, c, 1, 1, h, w);
    TAP_OK(memcmp(y[0], y[1], nx * 4) == 0 && memcmp(dv[0], dv[1], (size_t)n * c * 4) == 0,
           "bilinear resize of a 1x1 map to a nChw16c (H,W): y and dx (added) bit-identical");
    free(dv[0]), free(dv[1]);
    rmn_backend_dnnl.state_free(st);
    for (int i = 0; i < 2; ++i)
        free(y[i]), free(dx[i]), free(ym[i]), free(dmm[i]), free(idx[i]), free(gi[i]);
    free(x), free(dy), free(m), free(dm), free(held), free(xb), free(dyb), free(heldb);
}

/* average pool on nChw16c: y and dx (added onto what dx held) bit-identical to ref, for the
 * window rules: padding counted or not, ceil mode, a window that starts in the padding, and
 * DenseNet's 2x2 stride-2 transition */
static void avgpool_case(int kernel, int stride, int pad, int ceil_mode, int include_pad,
                         rmn_rng *rng) {
    const int n = 3, c = 32, h = 9, w = 7;
    rmn_pool_params pp = {.kh = kernel, .kw = kernel, .stride_h = stride, .stride_w = stride,
                          .pad_h = pad, .pad_w = pad, .ceil_mode = ceil_mode,
                          .count_include_pad = include_pad};
    rmn_pool2d_shape sh;
    rmn_pool2d_shape_full(&sh, n, c, h, w, &pp);
    const int hw = h * w, pq = sh.p * sh.q;
    const size_t nx = (size_t)n * c * hw, ny = (size_t)n * c * pq;
    float *x = filled(nx, rng), *dy = filled(ny, rng), *dx0 = filled(nx, rng);
    float *xb = to_b16(x, n, c, hw), *dyb = to_b16(dy, n, c, pq), *dxb = to_b16(dx0, n, c, hw);
    float *y[2] = {calloc(ny, 4), calloc(ny, 4)};
    void *st;
    rmn_backend_dnnl.state_create(&st);
    const rmn_exec rex = {.nthreads = 2}, bex = {.nthreads = 2, .state = st, .layout = 3};
    rmn_backend_ref.avgpool2d_forward(&rex, y[0], x, &sh);
    rmn_backend_dnnl.avgpool2d_forward(&bex, y[1], xb, &sh);
    rmn_backend_ref.avgpool2d_backward(&rex, dx0, dy, &sh);
    rmn_backend_dnnl.avgpool2d_backward(&bex, dxb, dyb, &sh);
    from_b16(y[1], n, c, pq);
    from_b16(dxb, n, c, hw);
    TAP_OK(memcmp(y[0], y[1], ny * 4) == 0 && memcmp(dx0, dxb, nx * 4) == 0,
           "avg pool %dx%d s%d p%d%s%s on nChw16c: y and dx bit-identical to ref", kernel, kernel,
           stride, pad, ceil_mode ? " ceil" : "", include_pad ? " counting the padding" : "");
    rmn_backend_dnnl.state_free(st);
    free(y[0]), free(y[1]), free(x), free(dy), free(dx0), free(xb), free(dyb), free(dxb);
}

static void test_avgpool(rmn_rng *rng) {
    avgpool_case(2, 2, 0, 0, 1, rng);
    avgpool_case(3, 1, 1, 0, 1, rng);
    avgpool_case(3, 1, 1, 0, 0, rng);
    avgpool_case(3, 2, 1, 1, 0, rng);
    avgpool_case(3, 2, 1, 1, 1, rng);
}

/* the dnnl linear layer (oneDNN's SGEMM) against ref: y, dx, dw, db accumulated, and again
 * fresh onto garbage */
static void test_linear(rmn_rng *rng) {
    const int n = 5, in = 37, out = 11;
    float *x = filled((size_t)n * in, rng), *w = filled((size_t)out * in, rng);
    float *b = filled((size_t)out, rng), *dy = filled((size_t)n * out, rng);
    float y[2][5 * 11], dx[3][5 * 37], dw[3][11 * 37], db[3][11];
    memset(dx, 0, sizeof dx), memset(dw, 0, sizeof dw), memset(db, 0, sizeof db);
    void *st;
    rmn_backend_dnnl.state_create(&st);
    const rmn_exec rex = {.nthreads = 2}, dex = {.nthreads = 2, .state = st};
    rmn_backend_ref.linear_forward(&rex, y[0], x, w, b, n, in, out);
    rmn_backend_dnnl.linear_forward(&dex, y[1], x, w, b, n, in, out);
    rmn_backend_ref.linear_backward(&rex, dx[0], dw[0], db[0], dy, x, w, n, in, out);
    rmn_backend_dnnl.linear_backward(&dex, dx[1], dw[1], db[1], dy, x, w, n, in, out);
    for (size_t i = 0; i < sizeof dx[2] / sizeof(float); ++i)
        dx[2][i] = 9e2f;
    for (size_t i = 0; i < sizeof dw[2] / sizeof(float); ++i)
        dw[2][i] = 9e2f;
    for (int i = 0; i < out; ++i)
        db[2][i] = 9e2f;
    rmn_exec fex = dex;
    fex.fresh = RMN_FRESH_DX | RMN_FRESH_DW;
    rmn_backend_dnnl.linear_backward(&fex, dx[2], dw[2], db[2], dy, x, w, n, in, out);
    const double e = fmax(fmax(rel_err(y[1], y[0], (size_t)n * out), rel_err(dx[1], dx[0], (size_t)n * in)),
                          fmax(rel_err(dw[1], dw[0], (size_t)out * in), rel_err(db[1], db[0], out)));
    const double ef = fmax(fmax(rel_err(dx[2], dx[0], (size_t)n * in), rel_err(dw[2], dw[0], (size_t)out * in)),
                           rel_err(db[2], db[0], out));
    TAP_OK(e < 1e-5 && ef < 1e-5, "linear 37->11 on dnnl vs ref: %.1e, fresh outputs %.1e", e, ef);
    rmn_backend_dnnl.state_free(st);
    free(x), free(w), free(b), free(dy);
}

/* transposed conv on dnnl (as conv passes) against ref: 2x2 s2 with bias and 3x3 s2 p1 with
 * output padding; gradients added onto preset values, then fresh onto garbage */
static void convt_case(void *st, unsigned layout, int kernel, int pad, int outpad, rmn_rng *rng) {
    rmn_conv_params cp = {.kh = kernel, .kw = kernel, .stride_h = 2, .stride_w = 2,
                          .pad_h = pad, .pad_w = pad};
    rmn_convt2d_shape sh;
    if (rmn_convt2d_shape_full(&sh, 3, 16, 5, 5, 16, &cp, outpad, outpad) != RMN_OK) {
        TAP_OK(0, "convt shape: %s", rmn_error_message());
        return;
    }
    const int pq = sh.p * sh.q, bx = (layout & RMN_LAYOUT_X16) != 0, by = (layout & RMN_LAYOUT_Y16) != 0;
    const size_t nx = (size_t)3 * 16 * 25, ny = (size_t)3 * 16 * pq, nw = (size_t)16 * 16 * kernel * kernel;
    float *x = filled(nx, rng), *w = filled(nw, rng), *b = filled(16, rng), *dy = filled(ny, rng);
    float *xb = bx ? to_b16(x, 3, 16, 25) : x, *dyb = by ? to_b16(dy, 3, 16, pq) : dy;
    float *y[2], *dx[3], *dw[3], db[3][16];
    for (int i = 0; i < 3; ++i) {
        dx[i] = calloc(nx, sizeof(float)), dw[i] = calloc(nw, sizeof(float));
        memset(db[i], 0, sizeof db[i]);
        if (i < 2)
            y[i] = calloc(ny, sizeof(float));
    }
    float *ws = malloc((rmn_backend_dnnl.convt2d_workspace(&sh, 2) + 1) * sizeof(float));
    const rmn_exec rex = {.nthreads = 2}, dex = {.ws = ws, .nthreads = 2, .state = st, .layout = layout};
    rmn_backend_ref.convt2d_forward(&rex, y[0], x, w, b, &sh);
    rmn_backend_dnnl.convt2d_forward(&dex, y[1], xb, w, b, &sh);
    if (by)
        from_b16(y[1], 3, 16, pq);
    for (int i = 0; i < 2; ++i) { /* onto preset gradients: the backward adds */
        for (size_t j = 0; j < nx; ++j)
            dx[i][j] = 0.25f;
        for (size_t j = 0; j < nw; ++j)
            dw[i][j] = -0.5f;
    }
    if (bx) /* the presets, blocked */
        rmn_b16_from_plain(dx[1], dx[0], 3, 16, 25);
    rmn_backend_ref.convt2d_backward(&rex, dx[0], dw[0], db[0], dy, x, w, &sh);
    rmn_backend_dnnl.convt2d_backward(&dex, dx[1], dw[1], db[1], dyb, xb, w, &sh);
    for (size_t j = 0; j < nx; ++j)
        dx[2][j] = 3e3f;
    for (size_t j = 0; j < nw; ++j)
        dw[2][j] = 3e3f;
    rmn_exec fex = dex;
    fex.fresh = RMN_FRESH_DX | RMN_FRESH_DW;
    rmn_backend_dnnl.convt2d_backward(&fex, dx[2], dw[2], db[2], dyb, xb, w, &sh);
    if (bx) {
        from_b16(dx[1], 3, 16, 25);
        from_b16(dx[2], 3, 16, 25);
    }
    for (size_t j = 0; j < nx; ++j) /* the fresh run lacks the presets */
        dx[2][j] += 0.25f;
    for (size_t j = 0; j < nw; ++j)
        dw[2][j] += -0.5f;
    const double e = fmax(fmax(rel_err(y[1], y[0], ny), rel_err(dx[1], dx[0], nx)),
                          fmax(rel_err(dw[1], dw[0], nw), rel_err(db[1], db[0], 16)));
    const double ef = fmax(fmax(rel_err(dx[2], dx[0], nx), rel_err(dw[2], dw[0], nw)),
                           rel_err(db[2], db[0], 16));
    TAP_OK(e < 1e-5 && ef < 1e-5,
           "conv_transpose2d %dx%d s2 p%d outpad %d, x %s, y %s, on dnnl vs ref: %.1e, fresh "
           "outputs %.1e", kernel, kernel, pad, outpad, bx ? "nChw16c" : "plain",
           by ? "nChw16c" : "plain", e, ef);
    if (bx)
        free(xb);
    if (by)
        free(dyb);
    for (int i = 0; i < 3; ++i) {
        free(dx[i]), free(dw[i]);
        if (i < 2)
            free(y[i]);
    }
    free(x), free(w), free(b), free(dy), free(ws);
}

static void test_convt(rmn_rng *rng) {
    void *st;
    rmn_backend_dnnl.state_create(&st);
    for (unsigned layout = 0; layout <= 3; layout += 3) {
        convt_case(st, layout, 2, 0, 0, rng);
        convt_case(st, layout, 3, 1, 1, rng);
    }
    convt_case(st, RMN_LAYOUT_Y16, 2, 0, 0, rng);
    rmn_backend_dnnl.state_free(st);
}

/* the fused residual add + ReLU against ref add then ReLU: y bit-identical; da added to
 * presets, db written fresh over garbage */
static void test_add_relu(rmn_rng *rng) {
    const size_t cnt = 3 * 5 * 7 * 6;
    float *a = filled(cnt, rng), *b = filled(cnt, rng), *dy = filled(cnt, rng);
    float *s = malloc(cnt * sizeof(float)), *y[2] = {malloc(cnt * sizeof(float)), malloc(cnt * sizeof(float))};
    float *da[2] = {malloc(cnt * sizeof(float)), malloc(cnt * sizeof(float))};
    float *db[2] = {calloc(cnt, sizeof(float)), malloc(cnt * sizeof(float))};
    float *ds = calloc(cnt, sizeof(float));
    for (size_t i = 0; i < cnt; ++i)
        da[0][i] = da[1][i] = 0.5f, db[1][i] = 7e2f;
    rmn_bcast_shape sh;
    rmn_bcast_shape_init(&sh, 3, 5, 7, 6, 5, 7, 6);
    rmn_ref_binary_forward(s, a, b, &sh, RMN_BINARY_ADD);
    rmn_ref_relu_forward(y[0], s, cnt);
    rmn_ref_relu_backward(ds, dy, s, cnt);
    rmn_ref_binary_backward(da[0], db[0], ds, a, b, &sh, RMN_BINARY_ADD);
    rmn_cpu_add_relu_forward(y[1], a, b, cnt, 2);
    rmn_cpu_add_relu_backward(da[1], db[1], dy, y[1], cnt, 0, 1, 2);
    TAP_OK(memcmp(y[0], y[1], cnt * 4) == 0 && memcmp(da[0], da[1], cnt * 4) == 0 &&
               memcmp(db[0], db[1], cnt * 4) == 0,
           "add + ReLU fused: y, da (added) and db (fresh) bit-identical to ref add then ReLU");
    for (int i = 0; i < 2; ++i)
        free(y[i]), free(da[i]), free(db[i]);
    free(a), free(b), free(dy), free(s), free(ds);
}

static int count_blocked(const rmn_net *net) {
    int k = 0;
    for (int v = 0; v < net->n_values; ++v)
        k += net->values[v].blocked;
    return k;
}

/* Whether the trainable tensor named `name` is the bias of a layer whose output only batch norms
 * read: in training its gradient is zero analytically (the norm subtracts the batch mean), and
 * what either backend computes for it is rounding noise. */
static int bias_before_bn(const rmn_net *net, const char *name) {
    const size_t len = strlen(name);
    if (len < 5 || strcmp(name + len - 5, ".bias") != 0)
        return 0;
    for (int t = 0; t < net->n_specs; ++t) {
        if (!net->specs[t].trainable || strcmp(net->specs[t].name, name) != 0)
            continue;
        const int out = net->nodes[net->specs[t].node].out;
        int readers = 0, bn = 0;
        for (int i = 0; i < net->n_nodes; ++i)
            for (int j = 0; j < net->nodes[i].n_in; ++j)
                if (net->nodes[i].in[j] == out)
                    ++readers, bn += net->nodes[i].op == RMN_OP_BN2D;
        return readers > 0 && readers == bn;
    }
    return 0;
}

/* Per parameter tensor, the gradient's error of net[1] against net[0] (relative to the
 * tensor's largest entry): *close counts those within 1e-4 of *nt; returns the worst. */
static double grad_errors(rmn_net *const net[2], int *close, int *nt) {
    const rmn_tensor_ref *list;
    int n = 0;
    rmn_net_tensors(net[0], &list, &n);
    const float *G0 = rmn_net_grads(net[0]), *G1 = rmn_net_grads(net[1]);
    const float *P0 = rmn_net_params(net[0]);
    double worst = 0.0;
    *close = *nt = 0;
    for (int t = 0; t < n; ++t) {
        if (!list[t].trainable)
            continue;
        size_t cnt = 1;
        for (int d = 0; d < list[t].ndim; ++d)
            cnt *= (size_t)list[t].shape[d];
        const size_t off = (size_t)(list[t].data - P0);
        double e = 0.0, r = 0.0;
        for (size_t i = 0; i < cnt; ++i) {
            e = fmax(e, fabs((double)G1[off + i] - G0[off + i]));
            r = fmax(r, fabs((double)G0[off + i]));
        }
        if (r < 1e-6 || bias_before_bn(net[0], list[t].name)) /* analytically zero */
            e = 0.0, r = 1.0;
        worst = fmax(worst, e / r);
        *close += e <= 1e-4 * r;
        ++*nt;
    }
    return worst;
}

/* One training step then an inference of arch (48 profile, width) on "dnnl" and on "ref":
 * the loss, every parameter gradient, and the fused inference's logits. strict: every
 * gradient within 1e-4; otherwise 80% of them and none off by 20% -- max pools in the masking
 * blocks route a gradient by argmax, and two values 1e-6 apart may swap order between
 * backends (here one of 3456 in mask2 with or without blocking; the cpu backend against ref
 * too), which perturbs every gradient upstream by ~1e-2. A wrong op is off by O(1). */
static void net_case(const char *arch, int width, int expect_all_stages, int strict) {
    const int n = 3;
    rmn_model_config cfg = {.in_channels = 1, .image_size = 48, .num_classes = 7, .seed = 5,
                            .width = width};
    rmn_net *net[2] = {NULL, NULL};
    const char *be[2] = {"ref", "dnnl"};
    float *x = malloc((size_t)n * 48 * 48 * sizeof(float));
    for (int i = 0; i < n * 48 * 48; ++i)
        x[i] = (float)((i * 7919) % 255) / 255.0f;
    const int32_t labels[3] = {1, 4, 6};
    double loss[2] = {0, 0};
    float *infer[2] = {NULL, NULL};
    int rc = RMN_OK;
    for (int i = 0; i < 2 && rc == RMN_OK; ++i) {
        rc = rmn_model_create(arch, &cfg, &net[i]);
        if (rc == RMN_OK)
            rc = rmn_net_set_backend(net[i], be[i]);
        if (rc == RMN_OK)
            rc = rmn_net_set_threads(net[i], 2);
        rmn_rng drop; /* the same dropout stream for both */
        rmn_rng_init(&drop, 99, RMN_STREAM_DROPOUT);
        if (rc == RMN_OK)
            rc = rmn_net_forward(net[i], x, n, 1, &drop);
        if (rc == RMN_OK)
            rc = rmn_net_loss(net[i], labels, NULL, &loss[i], NULL);
        if (rc == RMN_OK)
            rc = rmn_net_backward(net[i]);
        if (rc == RMN_OK)
            rc = rmn_net_infer(net[i], x, n);
        if (rc == RMN_OK) {
            infer[i] = malloc((size_t)n * 7 * sizeof(float));
            memcpy(infer[i], rmn_net_logits(net[i]), (size_t)n * 7 * sizeof(float));
        }
    }
    if (rc != RMN_OK) {
        TAP_OK(0, "%s width %d runs on ref and dnnl: %s", arch, width, rmn_error_message());
    } else {
        const int nb = count_blocked(net[1]);
        TAP_OK(count_blocked(net[0]) == 0 && nb > 0 &&
                   (!expect_all_stages || nb >= net[1]->n_values - 6),
               "%s width %d: %d of %d values blocked on dnnl, none on ref", arch, width, nb,
               net[1]->n_values);
        const double ei = rel_err(infer[1], infer[0], (size_t)n * 7);
        int close = 0, nt = 0;
        const double eg = grad_errors(net, &close, &nt);
        TAP_OK(fabs(loss[1] - loss[0]) < 1e-5 * fabs(loss[0]) && ei < 1e-4 &&
                   (strict ? close == nt : close >= nt * 8 / 10 && eg < 0.2),
               "%s width %d, a training step on dnnl (blocked) vs ref: loss %.6f vs %.6f, "
               "fused inference %.1e, %d of %d parameter gradients within 1e-4 (worst %.1e)",
               arch, width, loss[1], loss[0], ei, close, nt, eg);
    }
    for (int i = 0; i < 2; ++i) {
        free(infer[i]);
        rmn_net_free(net[i]);
    }
    free(x);
}

/* The planner keeps a value plain when a reader cannot take nChw16c, and the operands of ops
 * that need one layout agree; efficientnet's batch norms fuse the SiLU after them. */
static void plan_case(const char *arch) {
    rmn_model_config cfg = {.in_channels = 1, .image_size = 48, .num_classes = 7, .seed = 5,
                            .width = 16};
    rmn_net *net = NULL;
    if (rmn_model_create(arch, &cfg, &net) != RMN_OK || rmn_net_plan(net, 2) != RMN_OK) {
        TAP_OK(0, "%s plans: %s", arch, rmn_error_message());
        rmn_net_free(net);
        return;
    }
    int bad = 0, nb = 0, nsb = 0, ngp = 0, nch = 0, nrs = 0;
    for (int i = 0; i < net->n_nodes; ++i) {
        const rmn_node *nd = &net->nodes[i];
        const int bo = net->values[nd->out].blocked;
        nb += bo;
        if (nd->op == RMN_OP_BINARY) {
            const rmn_value *a = &net->values[nd->in[0]], *b = &net->values[nd->in[1]];
            const int bcast = a->c != b->c || a->h != b->h || a->w != b->w;
            /* blocked only without broadcasting, with b (C,1,1) over space, or with b (1,H,W)
             * over the channels (b itself plain: a 1x1 value is never blocked, its memory the
             * same in both layouts; a one-channel one is read plain) */
            const int cbcast = bcast && b->c == a->c && b->h * b->w == 1 && a->h * a->w > 1;
            const int sbcast = bcast && b->c == 1 && a->c > 1 && b->h == a->h && b->w == a->w;
            bad += bcast && !cbcast && !sbcast && (a->blocked || b->blocked || bo);
            bad += a->blocked != bo || (cbcast || sbcast ? b->blocked : b->blocked != bo);
            nsb += sbcast && a->blocked;
        } else if ((nd->op == RMN_OP_MAXPOOL2D || nd->op == RMN_OP_AVGPOOL2D) &&
                   net->values[nd->out].h * net->values[nd->out].w == 1) {
            bad += bo; /* a global pool: blocked input or not, a plain (N,C) output */
            ngp += net->values[nd->in[0]].blocked;
        } else if (nd->op == RMN_OP_BN2D || nd->op == RMN_OP_RELU || nd->op == RMN_OP_ACT ||
                   nd->op == RMN_OP_MAXPOOL2D || nd->op == RMN_OP_CONCAT) {
            for (int j = 0; j < nd->n_in; ++j)
                bad += net->values[nd->in[j]].blocked != bo;
        } else if (nd->op == RMN_OP_RESIZE_BILINEAR && net->values[nd->in[0]].h == 1 &&
                   net->values[nd->in[0]].w == 1) {
            nrs += bo; /* a 1x1 map spread over (H,W): may write blocked */
        } else if (nd->op == RMN_OP_CHAN_MAX || nd->op == RMN_OP_CHAN_MEAN) {
            bad += bo; /* blocked readers of one-channel output */
            nch += net->values[nd->in[0]].blocked;
        } else if (nd->op != RMN_OP_CONV2D && nd->op != RMN_OP_CONVT2D && nd->op != RMN_OP_GAP) {
            bad += bo;
            for (int j = 0; j < nd->n_in; ++j)
                bad += net->values[nd->in[j]].blocked;
        }
        bad += bo && net->values[nd->out].c % 16 != 0;
    }
    TAP_OK(bad == 0 && nb > 0 && !net->values[0].blocked && !net->values[net->logits].blocked,
           "%s: %d blocked values, every op's operands in layouts it accepts", arch, nb);
    if (strncmp(arch, "cbam", 4) == 0) /* 16 units, each gate on the unit's blocked body */
        TAP_OK(nsb == 16 && ngp == 16 && nch == 32,
               "%s: the gates read blocked maps: %d of 16 spatial products, %d of 16 global max "
               "pools, %d of 32 channel reductions",
               arch, nsb, ngp, nch);
    if (strncmp(arch, "bam", 3) == 0) /* 3 modules: the channel factors spread blocked, the
                                        * one-channel product and the mask on blocked maps */
        TAP_OK(nrs == 3 && nsb == 3, "%s: %d of 3 spreads written blocked, %d of 3 one-channel "
               "products on blocked maps", arch, nrs, nsb);
    if (strncmp(arch, "efficientnet", 12) == 0) { /* every batch norm before a SiLU fuses it */
        int nsilu = 0, nfused = 0;
        for (int i = 0; i + 1 < net->n_nodes; ++i) {
            const rmn_node *nd = &net->nodes[i], *next = &net->nodes[i + 1];
            const int before = nd->op == RMN_OP_BN2D && next->op == RMN_OP_ACT &&
                               next->act == RMN_ACT_SILU && next->in[0] == nd->out;
            nsilu += before;
            nfused += before && rmn_net_fused_with_next(net, nd, 1) && nd->act_coef &&
                      !rmn_net_fused_with_next(net, nd, 0); /* inference runs them apart */
        }
        TAP_OK(nsilu > 0 && nfused == nsilu, "%s: %d of %d batch norms fused with the SiLU "
               "after them in training", arch, nfused, nsilu);
    }
    setenv("RMN_DNNL_BLOCKED", "0", 1);
    rmn_net_plan(net, 2);
    TAP_OK(count_blocked(net) == 0, "RMN_DNNL_BLOCKED=0 keeps every value plain");
    unsetenv("RMN_DNNL_BLOCKED");
    rmn_net_free(net);
}

/* cbam and bam (broadcast attention products), efficientnet (squeeze-excite's channel products
 * blocked), densenet (concatenations of 16-channel multiples and not), resmasking (transposed
 * convs, skip concatenations, softmax) */
static void test_plan(void) {
    plan_case("cbam_resnet50");
    plan_case("bam_resnet50");
    plan_case("efficientnet_b2b");
    plan_case("densenet121");
    plan_case("resmasking_dropout1");
}

int main(void) {
    rmn_rng rng;
    rmn_rng_init(&rng, 424242, 0);
    test_roundtrip(&rng);
    test_conv(&rng);
    test_dwconv(&rng);
    test_bn(&rng);
    test_bn_kernels(&rng);
    test_pool(&rng);
    test_avgpool(&rng);
    test_gate(&rng);
    test_linear(&rng);
    test_add_relu(&rng);
    test_bn_silu(&rng);
    test_convt(&rng);
    test_plan();
    net_case("resnet18", 16, 1, 1);
    net_case("resmasking_dropout1", 16, 0, 0);
    /* CBAM's channel gate runs one MLP on the average- and the max-pooled maps
     * (rmn_net_add_linear_shared): its weight gradient is the sum of both branches, which a
     * fresh write by either would lose (worst relative error 3.6 before the fix; now 1.3e-3, the
     * channel max's argmax routing as in the masking blocks) */
    net_case("cbam_resnet50", 8, 0, 0);
    /* BAM: its channel factors spread over the map (a blocked resize of a 1x1 map), times the
     * one-channel spatial map, then the mask on the stage's blocked input */
    net_case("bam_resnet50", 8, 0, 0);
    /* EfficientNet: squeeze-excite's channel products and the depthwise convs on blocked
     * values (the blocked16 broadcast and depthwise kernels) */
    net_case("efficientnet_b2b", 16, 0, 0);
    return tap_done();
}

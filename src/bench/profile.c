/* profile.c -- a backend that wraps another and times each op call (rmn-bench --profile),
 * counting conv and linear FLOPs (2 per multiply-add; backward: data + weights); the bench
 * adds the optimizer's step, which runs outside the backend, as a row of its own. Convs are
 * also kept per distinct shape (rmn_bench_prof_conv_rows), to show which of a model's convs
 * take its time. */
#include "bench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor/backend.h"

enum {
    P_CONV_F, P_CONV_B, P_CONVT_F, P_CONVT_B, P_BN_FT, P_BN_FE, P_BN_BT, P_BN_BE, P_RELU_F,
    P_RELU_B, P_MAXP_F, P_MAXP_B, P_GAP_F, P_GAP_B, P_LIN_F, P_LIN_B, P_DROP_F, P_DROP_B,
    P_ACT_F, P_ACT_B, P_AVGP_F, P_AVGP_B, P_BIN_F, P_BIN_B, P_CAT_F, P_CAT_B, P_BNR_FE,
    P_BNR_FT, P_BNR_BT, P_BNS_FT, P_BNS_BT, P_ADDR_F, P_ADDR_B, P_OPTIM, P_N
};
static const char *const names[P_N] = {
    "conv2d_fwd", "conv2d_bwd", "convt2d_fwd", "convt2d_bwd", "bn_fwd_train", "bn_fwd_eval",
    "bn_bwd_train", "bn_bwd_eval", "relu_fwd", "relu_bwd", "maxpool_fwd", "maxpool_bwd",
    "gap_fwd", "gap_bwd", "linear_fwd", "linear_bwd", "dropout_fwd", "dropout_bwd", "act_fwd",
    "act_bwd", "avgpool_fwd", "avgpool_bwd", "binary_fwd", "binary_bwd", "concat_fwd",
    "concat_bwd", "bn_relu_fwd_eval", "bn_relu_fwd_train", "bn_relu_bwd_train",
    "bn_silu_fwd_train", "bn_silu_bwd_train", "add_relu_fwd", "add_relu_bwd", "optimizer_step"};

static rmn_backend in;
static double secs[P_N], flops[P_N];
static long calls[P_N];

static void acc(int id, double t0, double gflop) {
    secs[id] += rmn_bench_now() - t0;
    flops[id] += gflop;
    calls[id]++;
}

/* Per conv shape: forward [0] and backward [1] totals. */
enum { CONV_SHAPES_MAX = 256 };
static struct {
    rmn_conv2d_shape sh;
    double secs[2], gflop[2];
    long calls[2];
} conv_shapes[CONV_SHAPES_MAX];
static int n_conv_shapes;

static int same_conv(const rmn_conv2d_shape *a, const rmn_conv2d_shape *b) {
    return a->n == b->n && a->c == b->c && a->h == b->h && a->w == b->w && a->k == b->k &&
           a->r == b->r && a->s == b->s && a->stride_h == b->stride_h &&
           a->stride_w == b->stride_w && a->pad_h == b->pad_h && a->pad_w == b->pad_w &&
           a->groups == b->groups && a->dil_h == b->dil_h && a->dil_w == b->dil_w;
}

static void acc_conv(const rmn_conv2d_shape *sh, int pass, double t0, double gflop) {
    const double dt = rmn_bench_now() - t0;
    int i = 0;
    while (i < n_conv_shapes && !same_conv(&conv_shapes[i].sh, sh))
        ++i;
    if (i == CONV_SHAPES_MAX)
        return; /* a model with more distinct convs: the rest only in the totals */
    if (i == n_conv_shapes) {
        memset(&conv_shapes[i], 0, sizeof conv_shapes[i]);
        conv_shapes[i].sh = *sh;
        ++n_conv_shapes;
    }
    conv_shapes[i].secs[pass] += dt;
    conv_shapes[i].gflop[pass] += gflop;
    conv_shapes[i].calls[pass]++;
}

static double conv_gflop(const rmn_conv2d_shape *sh) {
    const int g = sh->groups > 0 ? sh->groups : 1;
    return 2e-9 * sh->n * sh->k * sh->p * sh->q * (double)(sh->c / g) * sh->r * sh->s;
}

static double convt_gflop(const rmn_convt2d_shape *sh) {
    const int g = sh->groups > 0 ? sh->groups : 1;
    return 2e-9 * sh->n * sh->c * sh->h * sh->w * (double)(sh->k / g) * sh->r * sh->s;
}

#define T0 const double t0 = rmn_bench_now()

static void conv_f(const rmn_exec *ex, float *y, const float *x, const float *w, const float *b,
                   const rmn_conv2d_shape *sh) {
    T0;
    in.conv2d_forward(ex, y, x, w, b, sh);
    acc_conv(sh, 0, t0, conv_gflop(sh));
    acc(P_CONV_F, t0, conv_gflop(sh));
}
static void conv_b(const rmn_exec *ex, float *dx, float *dw, float *db, const float *dy,
                   const float *x, const float *w, const rmn_conv2d_shape *sh) {
    T0;
    in.conv2d_backward(ex, dx, dw, db, dy, x, w, sh);
    acc_conv(sh, 1, t0, conv_gflop(sh) * ((dx != NULL) + (dw != NULL)));
    acc(P_CONV_B, t0, conv_gflop(sh) * ((dx != NULL) + (dw != NULL)));
}
static void convt_f(const rmn_exec *ex, float *y, const float *x, const float *w, const float *b,
                    const rmn_convt2d_shape *sh) {
    T0;
    in.convt2d_forward(ex, y, x, w, b, sh);
    acc(P_CONVT_F, t0, convt_gflop(sh));
}
static void convt_b(const rmn_exec *ex, float *dx, float *dw, float *db, const float *dy,
                    const float *x, const float *w, const rmn_convt2d_shape *sh) {
    T0;
    in.convt2d_backward(ex, dx, dw, db, dy, x, w, sh);
    acc(P_CONVT_B, t0, convt_gflop(sh) * ((dx != NULL) + (dw != NULL)));
}
static void bn_ft(const rmn_exec *ex, float *y, float *sm, float *si, float *rm, float *rv,
                  const float *x, const float *g, const float *b, int n, int c, int hw,
                  double mom, double eps) {
    T0;
    in.bn2d_forward_train(ex, y, sm, si, rm, rv, x, g, b, n, c, hw, mom, eps);
    acc(P_BN_FT, t0, 0);
}
static void bn_fe(const rmn_exec *ex, float *y, const float *x, const float *g, const float *b,
                  const float *rm, const float *rv, int n, int c, int hw, double eps) {
    T0;
    in.bn2d_forward_eval(ex, y, x, g, b, rm, rv, n, c, hw, eps);
    acc(P_BN_FE, t0, 0);
}
static void bn_bt(const rmn_exec *ex, float *dx, float *dg, float *db, const float *dy,
                  const float *x, const float *g, const float *sm, const float *si, int n, int c,
                  int hw) {
    T0;
    in.bn2d_backward_train(ex, dx, dg, db, dy, x, g, sm, si, n, c, hw);
    acc(P_BN_BT, t0, 0);
}
static void bn_be(const rmn_exec *ex, float *dx, float *dg, float *db, const float *dy,
                  const float *x, const float *g, const float *rm, const float *rv, int n, int c,
                  int hw, double eps) {
    T0;
    in.bn2d_backward_eval(ex, dx, dg, db, dy, x, g, rm, rv, n, c, hw, eps);
    acc(P_BN_BE, t0, 0);
}
static void relu_f(const rmn_exec *ex, float *y, const float *x, size_t count) {
    T0;
    in.relu_forward(ex, y, x, count);
    acc(P_RELU_F, t0, 0);
}
static void relu_b(const rmn_exec *ex, float *dx, const float *dy, const float *x, size_t count) {
    T0;
    in.relu_backward(ex, dx, dy, x, count);
    acc(P_RELU_B, t0, 0);
}
static void maxp_f(const rmn_exec *ex, float *y, int32_t *idx, const float *x,
                   const rmn_pool2d_shape *sh) {
    T0;
    in.maxpool2d_forward(ex, y, idx, x, sh);
    acc(P_MAXP_F, t0, 0);
}
static void maxp_b(const rmn_exec *ex, float *dx, const float *dy, const int32_t *idx,
                   const rmn_pool2d_shape *sh) {
    T0;
    in.maxpool2d_backward(ex, dx, dy, idx, sh);
    acc(P_MAXP_B, t0, 0);
}
static void gap_f(const rmn_exec *ex, float *y, const float *x, int n, int c, int hw) {
    T0;
    in.gap_forward(ex, y, x, n, c, hw);
    acc(P_GAP_F, t0, 0);
}
static void gap_b(const rmn_exec *ex, float *dx, const float *dy, int n, int c, int hw) {
    T0;
    in.gap_backward(ex, dx, dy, n, c, hw);
    acc(P_GAP_B, t0, 0);
}
static void lin_f(const rmn_exec *ex, float *y, const float *x, const float *w, const float *b,
                  int n, int i, int o) {
    T0;
    in.linear_forward(ex, y, x, w, b, n, i, o);
    acc(P_LIN_F, t0, 2e-9 * n * i * (double)o);
}
static void lin_b(const rmn_exec *ex, float *dx, float *dw, float *db, const float *dy,
                  const float *x, const float *w, int n, int i, int o) {
    T0;
    in.linear_backward(ex, dx, dw, db, dy, x, w, n, i, o);
    acc(P_LIN_B, t0, 2e-9 * n * i * (double)o * ((dx != NULL) + (dw != NULL)));
}
static void drop_f(const rmn_exec *ex, float *y, const float *x, const float *m, size_t count) {
    T0;
    in.dropout_forward(ex, y, x, m, count);
    acc(P_DROP_F, t0, 0);
}
static void drop_b(const rmn_exec *ex, float *dx, const float *dy, const float *m,
                   size_t count) {
    T0;
    in.dropout_backward(ex, dx, dy, m, count);
    acc(P_DROP_B, t0, 0);
}
static void act_f(const rmn_exec *ex, float *y, const float *x, size_t count, rmn_act a) {
    T0;
    in.act_forward(ex, y, x, count, a);
    acc(P_ACT_F, t0, 0);
}
static void act_b(const rmn_exec *ex, float *dx, const float *dy, const float *x, const float *y,
                  size_t count, rmn_act a) {
    T0;
    in.act_backward(ex, dx, dy, x, y, count, a);
    acc(P_ACT_B, t0, 0);
}
static void avgp_f(const rmn_exec *ex, float *y, const float *x, const rmn_pool2d_shape *sh) {
    T0;
    in.avgpool2d_forward(ex, y, x, sh);
    acc(P_AVGP_F, t0, 0);
}
static void avgp_b(const rmn_exec *ex, float *dx, const float *dy, const rmn_pool2d_shape *sh) {
    T0;
    in.avgpool2d_backward(ex, dx, dy, sh);
    acc(P_AVGP_B, t0, 0);
}
static void bin_f(const rmn_exec *ex, float *y, const float *a, const float *b,
                  const rmn_bcast_shape *sh, rmn_binary op) {
    T0;
    in.binary_forward(ex, y, a, b, sh, op);
    acc(P_BIN_F, t0, 0);
}
static void bin_b(const rmn_exec *ex, float *da, float *db, const float *dy, const float *a,
                  const float *b, const rmn_bcast_shape *sh, rmn_binary op) {
    T0;
    in.binary_backward(ex, da, db, dy, a, b, sh, op);
    acc(P_BIN_B, t0, 0);
}
static void cat_f(const rmn_exec *ex, float *y, const float *x, int n, int cy, int c0, int cx,
                  int hw) {
    T0;
    in.concat_forward(ex, y, x, n, cy, c0, cx, hw);
    acc(P_CAT_F, t0, 0);
}
static void cat_b(const rmn_exec *ex, float *dx, const float *dy, int n, int cy, int c0, int cx,
                  int hw) {
    T0;
    in.concat_backward(ex, dx, dy, n, cy, c0, cx, hw);
    acc(P_CAT_B, t0, 0);
}

static void bnr_fe(const rmn_exec *ex, float *y, const float *x, const float *g, const float *b,
                   const float *rm, const float *rv, int n, int c, int hw, double eps) {
    T0;
    in.bn2d_relu_forward_eval(ex, y, x, g, b, rm, rv, n, c, hw, eps);
    acc(P_BNR_FE, t0, 0);
}
static void bnr_ft(const rmn_exec *ex, float *y, uint8_t *mask, float *sm, float *si, float *rm,
                   float *rv, const float *x, const float *g, const float *b, int n, int c,
                   int hw, double mom, double eps) {
    T0;
    in.bn2d_relu_forward_train(ex, y, mask, sm, si, rm, rv, x, g, b, n, c, hw, mom, eps);
    acc(P_BNR_FT, t0, 0);
}
static void bnr_bt(const rmn_exec *ex, float *dx, float *dg, float *db, const float *dy,
                   const uint8_t *mask, const float *x, const float *g, const float *sm,
                   const float *si, int n, int c, int hw) {
    T0;
    in.bn2d_relu_backward_train(ex, dx, dg, db, dy, mask, x, g, sm, si, n, c, hw);
    acc(P_BNR_BT, t0, 0);
}

static void bns_ft(const rmn_exec *ex, float *y, float *coef, float *sm, float *si, float *rm,
                   float *rv, const float *x, const float *g, const float *b, int n, int c,
                   int hw, double mom, double eps) {
    T0;
    in.bn2d_silu_forward_train(ex, y, coef, sm, si, rm, rv, x, g, b, n, c, hw, mom, eps);
    acc(P_BNS_FT, t0, 0);
}
static void bns_bt(const rmn_exec *ex, float *dx, float *dg, float *db, const float *dy,
                   const float *coef, const float *x, const float *g, const float *b,
                   const float *sm, const float *si, int n, int c, int hw) {
    T0;
    in.bn2d_silu_backward_train(ex, dx, dg, db, dy, coef, x, g, b, sm, si, n, c, hw);
    acc(P_BNS_BT, t0, 0);
}

static void addr_f(const rmn_exec *ex, float *y, const float *a, const float *b, size_t count) {
    T0;
    in.add_relu_forward(ex, y, a, b, count);
    acc(P_ADDR_F, t0, 0);
}
static void addr_b(const rmn_exec *ex, float *da, float *db, const float *dy, const float *y,
                   size_t count) {
    T0;
    in.add_relu_backward(ex, da, db, dy, y, count);
    acc(P_ADDR_B, t0, 0);
}

void rmn_bench_prof_wrap(const rmn_backend *inner, rmn_backend *out) {
    rmn_backend_resolve(inner, &in);
    *out = in;
    out->conv2d_forward = conv_f, out->conv2d_backward = conv_b;
    out->convt2d_forward = convt_f, out->convt2d_backward = convt_b;
    out->bn2d_forward_train = bn_ft, out->bn2d_forward_eval = bn_fe;
    out->bn2d_backward_train = bn_bt, out->bn2d_backward_eval = bn_be;
    out->relu_forward = relu_f, out->relu_backward = relu_b;
    out->maxpool2d_forward = maxp_f, out->maxpool2d_backward = maxp_b;
    out->gap_forward = gap_f, out->gap_backward = gap_b;
    out->linear_forward = lin_f, out->linear_backward = lin_b;
    out->dropout_forward = drop_f, out->dropout_backward = drop_b;
    out->act_forward = act_f, out->act_backward = act_b;
    out->avgpool2d_forward = avgp_f, out->avgpool2d_backward = avgp_b;
    out->binary_forward = bin_f, out->binary_backward = bin_b;
    out->concat_forward = cat_f, out->concat_backward = cat_b;
    if (in.bn2d_relu_forward_train && in.bn2d_relu_backward_train) /* optional fusion */
        out->bn2d_relu_forward_train = bnr_ft, out->bn2d_relu_backward_train = bnr_bt;
    if (in.bn2d_relu_forward_eval)
        out->bn2d_relu_forward_eval = bnr_fe;
    if (in.bn2d_silu_forward_train && in.bn2d_silu_backward_train)
        out->bn2d_silu_forward_train = bns_ft, out->bn2d_silu_backward_train = bns_bt;
    if (in.add_relu_forward && in.add_relu_backward)
        out->add_relu_forward = addr_f, out->add_relu_backward = addr_b;
}

void rmn_bench_prof_reset(void) {
    memset(secs, 0, sizeof secs);
    memset(flops, 0, sizeof flops);
    memset(calls, 0, sizeof calls);
    n_conv_shapes = 0;
}

void rmn_bench_prof_optimizer(double seconds) {
    secs[P_OPTIM] += seconds;
    calls[P_OPTIM]++;
}

static int by_time(const void *a, const void *b) {
    const rmn_bench_prof_row *x = a, *y = b;
    return (x->seconds < y->seconds) - (x->seconds > y->seconds);
}

int rmn_bench_prof_rows(rmn_bench_prof_row *rows, int max) {
    int n = 0;
    for (int i = 0; i < P_N && n < max; ++i) {
        if (!calls[i])
            continue;
        strncpy(rows[n].op, names[i], sizeof rows[n].op - 1);
        rows[n].op[sizeof rows[n].op - 1] = '\0';
        rows[n].seconds = secs[i];
        rows[n].gflop = flops[i];
        rows[n].calls = calls[i];
        ++n;
    }
    qsort(rows, (size_t)n, sizeof *rows, by_time);
    return n;
}

/* "fwd 3x3/2 g1 64->128 @12x12" (kernel/stride, groups, channels, input map; dx+dw in bwd). */
static void conv_label(char *out, size_t cap, const rmn_conv2d_shape *sh, int pass) {
    snprintf(out, cap, "%s %dx%d/%d g%d %d->%d @%dx%d", pass ? "bwd" : "fwd", sh->r, sh->s,
             sh->stride_h, sh->groups > 0 ? sh->groups : 1, sh->c, sh->k, sh->h, sh->w);
}

int rmn_bench_prof_conv_rows(rmn_bench_prof_row *rows, int max) {
    int n = 0;
    for (int i = 0; i < n_conv_shapes; ++i)
        for (int pass = 0; pass < 2 && n < max; ++pass) {
            if (!conv_shapes[i].calls[pass])
                continue;
            conv_label(rows[n].op, sizeof rows[n].op, &conv_shapes[i].sh, pass);
            rows[n].seconds = conv_shapes[i].secs[pass];
            rows[n].gflop = conv_shapes[i].gflop[pass];
            rows[n].calls = conv_shapes[i].calls[pass];
            ++n;
        }
    qsort(rows, (size_t)n, sizeof *rows, by_time);
    return n;
}

/* test-grad.c -- finite-difference gradient checks of every op, one table row per op.
 *
 * For each row the tensors it differentiates (input, then weight and bias) get random float
 * values and an exact double copy. The float backward under test receives a random upstream
 * gradient g and yields the analytic gradients; the reference is the central difference
 * (L(t+e) - L(t-e)) / 2e of L = sum(y * g) computed by the double-precision copy of the same
 * forward (rmn_ref_*_f64), e = 1e-6. Points where the one-sided differences disagree lie
 * near a kink (ReLU at 0, max-pool ties) and are skipped (and counted). The error of a
 * tensor is max|analytic - fd| / max(max|fd|, 1e-3). Adding an op = adding a row. Rows cover
 * every op of the engine, with small odd shapes (batch 3, 5 or 3 channels, 7x7 maps, stride
 * 2, padding 1), for the naive kernels and, where the cpu backend has its own, for those. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tap.h"
#include "tensor/hardswish.h"
#include "tensor/ops.h"

#define MAXT 3

// --- the context shared by the rows --------------------------------------------------------

static struct {
    rmn_conv2d_shape conv;
    rmn_convt2d_shape convt;
    rmn_pool2d_shape pool;
    rmn_bcast_shape bc;
    rmn_act act;
    rmn_binary binop;
    int oh, ow;          /* adaptive pool, resize */
    int cs[3];           /* concat inputs' channels */
    double scale;        /* input range: uniform in [-1.5, 1.5] * scale (0 means 1) */
    int n, c, hw, in, out;
    size_t ny;           /* output elements */
    float *g32;          /* upstream gradient (ny) */
    double *g64;
    float *mask;         /* dropout */
    int32_t labels[8];
    float cw[8];         /* class weights */
    float soft[5][7];    /* soft targets (5 rows of 7 classes) */
    int weighted;
    float rm32[16], rv32[16];
    double rm64[16], rv64[16];
} K;

typedef struct row {
    const char *name;
    int nt;
    const char *tname[MAXT];
    size_t size[MAXT];
    void (*setup)(struct row *r);
    double (*loss64)(double *const *t);
    void (*grad32)(float *const *t, float *const *d);
} row;

static double ybuf[8192]; /* forward outputs of the double copies */

static double dot_g(const double *y) {
    double s = 0.0;
    for (size_t i = 0; i < K.ny; ++i)
        s += y[i] * K.g64[i];
    return s;
}

// --- conv2d --------------------------------------------------------------------------------

static void conv_setup(row *r, int kernel, int stride, int pad, int bias) {
    rmn_conv2d_shape_init(&K.conv, 3, 5, 7, 7, 3, kernel, stride, pad);
    r->nt = bias ? 3 : 2;
    r->size[0] = 3 * 5 * 7 * 7;
    r->size[1] = (size_t)3 * 5 * kernel * kernel;
    r->size[2] = 3;
    K.ny = (size_t)3 * 3 * K.conv.p * K.conv.q;
}
static void conv3_setup(row *r) { conv_setup(r, 3, 2, 1, 1); }
static void conv1_setup(row *r) { conv_setup(r, 1, 1, 0, 0); }
static void conv5_setup(row *r) { conv_setup(r, 5, 1, 2, 1); }
static double conv_loss64(double *const *t) {
    double y[2048];
    rmn_ref_conv2d_forward_f64(y, t[0], t[1], K.conv.r == 1 ? NULL : t[2], &K.conv);
    return dot_g(y);
}
static void conv_grad_ref(float *const *t, float *const *d) {
    rmn_ref_conv2d_backward(d[0], d[1], K.conv.r == 1 ? NULL : d[2], K.g32, t[0], t[1], &K.conv);
}
static void conv_grad_gemm(float *const *t, float *const *d) {
    static float ws[1 << 16];
    RMN_ASSERT(rmn_gemm_conv2d_workspace(&K.conv, 1) <= sizeof ws / sizeof ws[0]);
    rmn_gemm_conv2d_backward(d[0], d[1], K.conv.r == 1 ? NULL : d[2], K.g32, t[0], t[1], &K.conv,
                             ws, 1);
}

// --- batch norm ----------------------------------------------------------------------------

static void bn_setup(row *r) {
    K.n = 3, K.c = 5, K.hw = 49;
    r->nt = 3;
    r->size[0] = 3 * 5 * 49;
    r->size[1] = r->size[2] = 5;
    K.ny = r->size[0];
    for (int c = 0; c < 5; ++c) {
        K.rm32[c] = 0.37f * c - 0.61f;
        K.rv32[c] = 0.45f + 0.29f * c;
        K.rm64[c] = K.rm32[c];
        K.rv64[c] = K.rv32[c];
    }
}
static double bn_train_loss64(double *const *t) {
    double y[1024];
    rmn_ref_bn2d_forward_train_f64(y, NULL, NULL, NULL, NULL, t[0], t[1], t[2], K.n, K.c, K.hw,
                                   0.1, 1e-5);
    return dot_g(y);
}
static void bn_train_grad(float *const *t, float *const *d) {
    float y[1024], sm[16], si[16];
    rmn_ref_bn2d_forward_train(y, sm, si, NULL, NULL, t[0], t[1], t[2], K.n, K.c, K.hw, 0.1,
                               1e-5);
    rmn_ref_bn2d_backward_train(d[0], d[1], d[2], K.g32, t[0], t[1], sm, si, K.n, K.c, K.hw);
}
static double bn_eval_loss64(double *const *t) {
    double y[1024];
    rmn_ref_bn2d_forward_eval_f64(y, t[0], t[1], t[2], K.rm64, K.rv64, K.n, K.c, K.hw, 1e-5);
    return dot_g(y);
}
static void bn_eval_grad(float *const *t, float *const *d) {
    rmn_ref_bn2d_backward_eval(d[0], d[1], d[2], K.g32, t[0], t[1], K.rm32, K.rv32, K.n, K.c,
                               K.hw, 1e-5);
}

// --- relu, pooling, dropout ----------------------------------------------------------------

static void act_setup(row *r) {
    r->nt = 1;
    r->size[0] = 3 * 5 * 49;
    K.ny = r->size[0];
    K.n = 3, K.c = 5, K.hw = 49;
}
static double relu_loss64(double *const *t) {
    double y[1024];
    rmn_ref_relu_forward_f64(y, t[0], K.ny);
    return dot_g(y);
}
static void relu_grad(float *const *t, float *const *d) {
    rmn_ref_relu_backward(d[0], K.g32, t[0], K.ny);
}

static void relu_grad_cpu(float *const *t, float *const *d) {
    rmn_cpu_relu_backward(d[0], K.g32, t[0], K.ny, 0, 2);
}
/* written, not added: a stale value in d[0] must vanish */
static void relu_grad_cpu_fresh(float *const *t, float *const *d) {
    for (size_t i = 0; i < K.ny; ++i)
        d[0][i] = 1e3f;
    rmn_cpu_relu_backward(d[0], K.g32, t[0], K.ny, 1, 2);
}

static void pool_setup(row *r, int kernel, int stride, int pad) {
    act_setup(r);
    rmn_pool2d_shape_init(&K.pool, 3, 5, 7, 7, kernel, stride, pad);
    K.ny = (size_t)3 * 5 * K.pool.p * K.pool.q;
}
static void pool3_setup(row *r) { pool_setup(r, 3, 2, 1); }
static void pool2_setup(row *r) { pool_setup(r, 2, 2, 0); }
static double pool_loss64(double *const *t) {
    double y[1024];
    rmn_ref_maxpool2d_forward_f64(y, NULL, t[0], &K.pool);
    return dot_g(y);
}
static void pool_grad(float *const *t, float *const *d) {
    float y[1024];
    int32_t idx[1024];
    rmn_ref_maxpool2d_forward(y, idx, t[0], &K.pool);
    rmn_ref_maxpool2d_backward(d[0], K.g32, idx, &K.pool);
}

static void gap_setup(row *r) {
    act_setup(r);
    K.ny = 15;
}
static double gap_loss64(double *const *t) {
    double y[16];
    rmn_ref_gap_forward_f64(y, t[0], K.n, K.c, K.hw);
    return dot_g(y);
}
static void gap_grad(float *const *t, float *const *d) {
    (void)t;
    rmn_ref_gap_backward(d[0], K.g32, K.n, K.c, K.hw);
}

static void dropout_setup(row *r) {
    act_setup(r);
    rmn_rng rng;
    rmn_rng_init(&rng, 99, RMN_STREAM_DROPOUT);
    rmn_dropout_mask(K.mask, K.ny, 0.3f, &rng);
}
static double dropout_loss64(double *const *t) {
    double y[1024];
    rmn_ref_dropout_forward_f64(y, t[0], K.mask, K.ny);
    return dot_g(y);
}
static void dropout_grad(float *const *t, float *const *d) {
    (void)t;
    rmn_ref_dropout_backward(d[0], K.g32, K.mask, K.ny);
}

// --- linear --------------------------------------------------------------------------------

static void linear_setup(row *r) {
    K.n = 3, K.in = 11, K.out = 7;
    r->nt = 3;
    r->size[0] = 33;
    r->size[1] = 77;
    r->size[2] = 7;
    K.ny = 21;
}
static double linear_loss64(double *const *t) {
    double y[64];
    rmn_ref_linear_forward_f64(y, t[0], t[1], t[2], K.n, K.in, K.out);
    return dot_g(y);
}
static void linear_grad_ref(float *const *t, float *const *d) {
    rmn_ref_linear_backward(d[0], d[1], d[2], K.g32, t[0], t[1], K.n, K.in, K.out);
}
static void linear_grad_gemm(float *const *t, float *const *d) {
    rmn_gemm_linear_backward(d[0], d[1], d[2], K.g32, t[0], t[1], K.n, K.in, K.out);
}

// --- softmax cross-entropy ----------------------------------------------------------------

static void xent_setup(row *r, int weighted) {
    K.n = 5, K.out = 7;
    r->nt = 1;
    r->size[0] = 35;
    const int32_t labels[5] = {3, 0, 6, 3, 5};
    memcpy(K.labels, labels, sizeof labels);
    for (int j = 0; j < 7; ++j)
        K.cw[j] = 0.35f + 0.4f * j;
    K.weighted = weighted;
}
static void xent_setup_plain(row *r) { xent_setup(r, 0); }
static void xent_setup_weighted(row *r) { xent_setup(r, 1); }
static double xent_loss64(double *const *t) {
    return rmn_ref_softmax_xent_f64(NULL, NULL, t[0], K.labels, K.weighted ? K.cw : NULL, K.n,
                                    K.out);
}
static void xent_grad(float *const *t, float *const *d) {
    double loss;
    rmn_softmax_xent(&loss, d[0], NULL, t[0], K.labels, K.weighted ? K.cw : NULL, K.n, K.out);
}

static void xent_soft_setup(row *r, int weighted) {
    xent_setup(r, weighted);
    /* distributions with zeros (FERPlus's drop small vote counts) and a one-hot row */
    static const float t[5][7] = {{0.1f, 0, 0.6f, 0.3f, 0, 0, 0},      {1, 0, 0, 0, 0, 0, 0},
                                  {0.25f, 0.25f, 0, 0, 0, 0, 0.5f}, {0, 0, 0, 0.7f, 0.1f, 0.2f, 0},
                                  {0.05f, 0.15f, 0.2f, 0.1f, 0.3f, 0.15f, 0.05f}};
    memcpy(K.soft, t, sizeof t);
}
static void xent_soft_setup_plain(row *r) { xent_soft_setup(r, 0); }
static void xent_soft_setup_weighted(row *r) { xent_soft_setup(r, 1); }
static double xent_soft_loss64(double *const *t) {
    return rmn_ref_softmax_xent_soft_f64(NULL, NULL, t[0], &K.soft[0][0], NULL, K.weighted ? K.cw : NULL, K.n,
                                         K.out);
}
static void xent_soft_grad(float *const *t, float *const *d) {
    double loss;
    RMN_ASSERT(rmn_softmax_xent_soft(&loss, d[0], NULL, t[0], &K.soft[0][0], K.labels,
                                     K.weighted ? K.cw : NULL, K.n, K.out) == RMN_OK);
}

// --- general conv2d (kernel kh x kw, strides, pads, dilation, groups) ---------------------

static void gconv_setup(row *r, int c, int k, rmn_conv_params p) {
    RMN_ASSERT(rmn_conv2d_shape_full(&K.conv, 3, c, 7, 7, k, &p) == RMN_OK);
    r->nt = 3;
    r->size[0] = (size_t)3 * c * 49;
    r->size[1] = (size_t)k * (c / rmn_conv2d_groups(&K.conv)) * p.kh * p.kw;
    r->size[2] = (size_t)k;
    K.ny = (size_t)3 * k * K.conv.p * K.conv.q;
}
static void grouped_setup(row *r) {
    gconv_setup(r, 6, 9, (rmn_conv_params){.kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2,
                                            .pad_h = 1, .pad_w = 1, .groups = 3});
}
static void dw_setup(row *r) {
    gconv_setup(r, 5, 5, (rmn_conv_params){.kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2,
                                            .pad_h = 1, .pad_w = 1, .groups = 5});
}
static void dilated_setup(row *r) {
    gconv_setup(r, 5, 3, (rmn_conv_params){.kh = 3, .kw = 3, .pad_h = 2, .pad_w = 2,
                                            .dil_h = 2, .dil_w = 2});
}
static void k1x7_setup(row *r) {
    gconv_setup(r, 5, 3, (rmn_conv_params){.kh = 1, .kw = 7, .pad_h = 0, .pad_w = 3});
}
static void k3x1_setup(row *r) {
    gconv_setup(r, 5, 3, (rmn_conv_params){.kh = 3, .kw = 1, .stride_h = 2, .stride_w = 1,
                                            .pad_h = 1, .pad_w = 0});
}
static void asym_setup(row *r) { /* TF "same" of a stride-2 depthwise 3x3 on an even size */
    gconv_setup(r, 5, 5, (rmn_conv_params){.kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2,
                                            .groups = 5, .asym_pad = 1, .pad_b = 1, .pad_r = 1});
}
static void asym5_setup(row *r) {
    gconv_setup(r, 4, 6, (rmn_conv_params){.kh = 5, .kw = 3, .stride_h = 2, .pad_h = 1,
                                            .pad_w = 2, .groups = 2, .asym_pad = 1, .pad_b = 2,
                                            .pad_r = 0});
}
static double gconv_loss64(double *const *t) {
    rmn_ref_conv2d_forward_f64(ybuf, t[0], t[1], t[2], &K.conv);
    return dot_g(ybuf);
}
static void gconv_grad_ref(float *const *t, float *const *d) {
    rmn_ref_conv2d_backward(d[0], d[1], d[2], K.g32, t[0], t[1], &K.conv);
}
static void gconv_grad_gemm(float *const *t, float *const *d) {
    static float ws[1 << 16];
    RMN_ASSERT(rmn_gemm_conv2d_workspace(&K.conv, 2) <= sizeof ws / sizeof ws[0]);
    rmn_gemm_conv2d_backward(d[0], d[1], d[2], K.g32, t[0], t[1], &K.conv, ws, 2);
}

// --- transposed conv2d ---------------------------------------------------------------------

static void convt_setup(row *r, rmn_conv_params p, int oph, int opw) {
    RMN_ASSERT(rmn_convt2d_shape_full(&K.convt, 3, 5, 7, 7, 3, &p, oph, opw) == RMN_OK);
    r->nt = 3;
    r->size[0] = (size_t)3 * 5 * 49;
    r->size[1] = (size_t)5 * (3 / p.groups) * p.kh * p.kw;
    r->size[2] = 3;
    K.ny = (size_t)3 * 3 * K.convt.p * K.convt.q;
}
static void convt2_setup(row *r) {
    convt_setup(r, (rmn_conv_params){.kh = 2, .kw = 2, .stride_h = 2, .stride_w = 2, .groups = 1},
                0, 0);
}
static void convt3_setup(row *r) {
    convt_setup(r, (rmn_conv_params){.kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2,
                                     .pad_h = 1, .pad_w = 1, .groups = 1}, 1, 1);
}
static double convt_loss64(double *const *t) {
    rmn_ref_convt2d_forward_f64(ybuf, t[0], t[1], t[2], &K.convt);
    return dot_g(ybuf);
}
static void convt_grad_ref(float *const *t, float *const *d) {
    rmn_ref_convt2d_backward(d[0], d[1], d[2], K.g32, t[0], t[1], &K.convt);
}
static void convt_grad_gemm(float *const *t, float *const *d) {
    static float ws[1 << 16];
    RMN_ASSERT(rmn_gemm_convt2d_workspace(&K.convt, 2) <= sizeof ws / sizeof ws[0]);
    rmn_gemm_convt2d_backward(d[0], d[1], d[2], K.g32, t[0], t[1], &K.convt, ws, 2);
}

// --- activations, channel softmax ----------------------------------------------------------

static void relu6_setup(row *r) { act_setup(r), K.act = RMN_ACT_RELU6, K.scale = 5.0; }
static void sigmoid_setup(row *r) { act_setup(r), K.act = RMN_ACT_SIGMOID, K.scale = 2.0; }
static void silu_setup(row *r) { act_setup(r), K.act = RMN_ACT_SILU, K.scale = 2.0; }
static void tanh_setup(row *r) { act_setup(r), K.act = RMN_ACT_TANH, K.scale = 2.0; }
static double act_loss64(double *const *t) {
    rmn_ref_act_forward_f64(ybuf, t[0], K.ny, K.act);
    return dot_g(ybuf);
}
static void act_grad_ref(float *const *t, float *const *d) {
    static float y[4096];
    rmn_ref_act_forward(y, t[0], K.ny, K.act);
    rmn_ref_act_backward(d[0], K.g32, t[0], y, K.ny, K.act);
}
static void act_grad_cpu(float *const *t, float *const *d) {
    static float y[4096];
    rmn_cpu_act_forward(y, t[0], K.ny, K.act, 2);
    rmn_cpu_act_backward(d[0], K.g32, t[0], y, K.ny, K.act, 2);
}

/* hardswish (tensor/hardswish.h): inputs over [-7.5, 7.5], all three pieces; the kinks at -3
 * and 3 are skipped as kinks */
static void hardswish_setup(row *r) { act_setup(r), K.scale = 5.0; }
static double hardswish_loss64(double *const *t) {
    for (size_t i = 0; i < K.ny; ++i) {
        const double x = t[0][i], m = fmin(fmax(x + 3.0, 0.0), 6.0);
        ybuf[i] = x * m / 6.0;
    }
    return dot_g(ybuf);
}
static void hardswish_grad_ref(float *const *t, float *const *d) {
    rmn_ref_hardswish_backward(d[0], K.g32, t[0], K.ny);
}
static void hardswish_grad_cpu(float *const *t, float *const *d) {
    rmn_cpu_hardswish_backward(d[0], K.g32, t[0], K.ny, 2);
}

static void softmax_setup(row *r) { act_setup(r), K.scale = 2.0; }
static double softmax_loss64(double *const *t) {
    rmn_ref_softmax_ch_forward_f64(ybuf, t[0], K.n, K.c, K.hw);
    return dot_g(ybuf);
}
static void softmax_grad(float *const *t, float *const *d) {
    static float y[4096];
    rmn_ref_softmax_ch_forward(y, t[0], K.n, K.c, K.hw);
    rmn_ref_softmax_ch_backward(d[0], K.g32, y, K.n, K.c, K.hw);
}

// --- pools, resize, channel reductions -----------------------------------------------------

static void gpool_setup(row *r, rmn_pool_params p) {
    act_setup(r);
    RMN_ASSERT(rmn_pool2d_shape_full(&K.pool, 3, 5, 7, 7, &p) == RMN_OK);
    K.ny = (size_t)3 * 5 * K.pool.p * K.pool.q;
}
static void maxceil_setup(row *r) {
    gpool_setup(r, (rmn_pool_params){.kh = 2, .kw = 2, .stride_h = 2, .stride_w = 2, .ceil_mode = 1});
}
static void avg_inc_setup(row *r) {
    gpool_setup(r, (rmn_pool_params){.kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2, .pad_h = 1,
                                     .pad_w = 1, .count_include_pad = 1});
}
static void avg_exc_setup(row *r) {
    gpool_setup(r, (rmn_pool_params){.kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2, .pad_h = 1,
                                     .pad_w = 1});
}
static void avg_ceil_inc_setup(row *r) {
    gpool_setup(r, (rmn_pool_params){.kh = 2, .kw = 2, .stride_h = 2, .stride_w = 2,
                                     .ceil_mode = 1, .count_include_pad = 1});
}
static void avg_ceil_exc_setup(row *r) {
    gpool_setup(r, (rmn_pool_params){.kh = 3, .kw = 2, .stride_h = 2, .stride_w = 2, .pad_h = 1,
                                     .ceil_mode = 1});
}
static double avg_loss64(double *const *t) {
    rmn_ref_avgpool2d_forward_f64(ybuf, t[0], &K.pool);
    return dot_g(ybuf);
}
static void avg_grad(float *const *t, float *const *d) {
    (void)t;
    rmn_ref_avgpool2d_backward(d[0], K.g32, &K.pool);
}

static void resample_setup(row *r, int oh, int ow) {
    act_setup(r);
    K.oh = oh, K.ow = ow;
    K.ny = (size_t)3 * 5 * oh * ow;
}
static void adaptive32_setup(row *r) { resample_setup(r, 3, 2); }
static void adaptive45_setup(row *r) { resample_setup(r, 4, 5); }
static void up_setup(row *r) { resample_setup(r, 11, 13); }
static void down_setup(row *r) { resample_setup(r, 4, 5); }
static double adaptive_loss64(double *const *t) {
    rmn_ref_adaptive_avgpool2d_forward_f64(ybuf, t[0], 3, 5, 7, 7, K.oh, K.ow);
    return dot_g(ybuf);
}
static void adaptive_grad(float *const *t, float *const *d) {
    (void)t;
    rmn_ref_adaptive_avgpool2d_backward(d[0], K.g32, 3, 5, 7, 7, K.oh, K.ow);
}
static double resize_loss64(double *const *t) {
    rmn_ref_resize_bilinear_forward_f64(ybuf, t[0], 3, 5, 7, 7, K.oh, K.ow);
    return dot_g(ybuf);
}
static void resize_grad(float *const *t, float *const *d) {
    (void)t;
    rmn_ref_resize_bilinear_backward(d[0], K.g32, 3, 5, 7, 7, K.oh, K.ow);
}

static void chan_setup(row *r) {
    act_setup(r);
    K.ny = (size_t)3 * 49;
}
static double cmean_loss64(double *const *t) {
    rmn_ref_chan_mean_forward_f64(ybuf, t[0], K.n, K.c, K.hw);
    return dot_g(ybuf);
}
static void cmean_grad(float *const *t, float *const *d) {
    (void)t;
    rmn_ref_chan_mean_backward(d[0], K.g32, K.n, K.c, K.hw);
}
static double cmax_loss64(double *const *t) {
    rmn_ref_chan_max_forward_f64(ybuf, NULL, t[0], K.n, K.c, K.hw);
    return dot_g(ybuf);
}
static void cmax_grad(float *const *t, float *const *d) {
    static float y[256];
    int32_t idx[256];
    rmn_ref_chan_max_forward(y, idx, t[0], K.n, K.c, K.hw);
    rmn_ref_chan_max_backward(d[0], K.g32, idx, K.n, K.c, K.hw);
}

// --- broadcast binary ops, concat ------------------------------------------------------------

static void bin_setup(row *r, rmn_binary op, int bc, int bh, int bw) {
    RMN_ASSERT(rmn_bcast_shape_init(&K.bc, 3, 5, 7, 7, bc, bh, bw) == RMN_OK);
    K.binop = op;
    r->nt = 2;
    r->size[0] = (size_t)3 * 5 * 49;
    r->size[1] = (size_t)3 * bc * bh * bw;
    K.ny = r->size[0];
}
static void add_same_setup(row *r) { bin_setup(r, RMN_BINARY_ADD, 5, 7, 7); }
static void add_ch_setup(row *r) { bin_setup(r, RMN_BINARY_ADD, 5, 1, 1); }
static void add_sp_setup(row *r) { bin_setup(r, RMN_BINARY_ADD, 1, 7, 7); }
static void mul_same_setup(row *r) { bin_setup(r, RMN_BINARY_MUL, 5, 7, 7); }
static void mul_ch_setup(row *r) { bin_setup(r, RMN_BINARY_MUL, 5, 1, 1); }
static void mul_sp_setup(row *r) { bin_setup(r, RMN_BINARY_MUL, 1, 7, 7); }
static void mask_same_setup(row *r) { bin_setup(r, RMN_BINARY_MUL1P, 5, 7, 7); }
static void mask_ch_setup(row *r) { bin_setup(r, RMN_BINARY_MUL1P, 5, 1, 1); }
static double bin_loss64(double *const *t) {
    rmn_ref_binary_forward_f64(ybuf, t[0], t[1], &K.bc, K.binop);
    return dot_g(ybuf);
}
static void bin_grad(float *const *t, float *const *d) {
    rmn_ref_binary_backward(d[0], d[1], K.g32, t[0], t[1], &K.bc, K.binop);
}
/* the cpu kernel for same-shape operands: da added to, db written (stale values vanish) */
static void bin_grad_cpu(float *const *t, float *const *d) {
    const size_t count = (size_t)K.bc.n * K.bc.c * K.bc.h * K.bc.w;
    for (size_t i = 0; i < count; ++i)
        d[1][i] = -7e2f;
    rmn_cpu_binary_backward_same(d[0], d[1], K.g32, t[0], t[1], count, K.binop, 0, 1, 2);
}

static void concat_setup(row *r) {
    K.cs[0] = 5, K.cs[1] = 3, K.cs[2] = 2;
    r->nt = 3;
    for (int j = 0; j < 3; ++j)
        r->size[j] = (size_t)3 * K.cs[j] * 49;
    K.ny = (size_t)3 * 10 * 49;
}
static double concat_loss64(double *const *t) {
    for (int j = 0, c0 = 0; j < 3; c0 += K.cs[j++])
        rmn_ref_concat_forward_f64(ybuf, t[j], 3, 10, c0, K.cs[j], 49);
    return dot_g(ybuf);
}
static void concat_grad(float *const *t, float *const *d) {
    (void)t;
    for (int j = 0, c0 = 0; j < 3; c0 += K.cs[j++])
        rmn_ref_concat_backward(d[j], K.g32, 3, 10, c0, K.cs[j], 49);
}

// --- the table -----------------------------------------------------------------------------

#define XWB {"dx", "dw", "db"}
static row rows[] = {
    {"conv2d 3x3 stride 2 pad 1 (ref)", 0, XWB, {0}, conv3_setup, conv_loss64, conv_grad_ref},
    {"conv2d 3x3 stride 2 pad 1 (im2col)", 0, XWB, {0}, conv3_setup, conv_loss64, conv_grad_gemm},
    {"conv2d 1x1 no bias (ref)", 0, XWB, {0}, conv1_setup, conv_loss64, conv_grad_ref},
    {"conv2d 1x1 no bias (im2col)", 0, XWB, {0}, conv1_setup, conv_loss64, conv_grad_gemm},
    {"conv2d 5x5 pad 2 (im2col)", 0, XWB, {0}, conv5_setup, conv_loss64, conv_grad_gemm},
    {"bn2d training", 0, {"dx", "dgamma", "dbeta"}, {0}, bn_setup, bn_train_loss64, bn_train_grad},
    {"bn2d eval", 0, {"dx", "dgamma", "dbeta"}, {0}, bn_setup, bn_eval_loss64, bn_eval_grad},
    {"relu", 0, {"dx"}, {0}, act_setup, relu_loss64, relu_grad},
    {"relu (cpu)", 0, {"dx"}, {0}, act_setup, relu_loss64, relu_grad_cpu},
    {"relu (cpu, fresh dx)", 0, {"dx"}, {0}, act_setup, relu_loss64, relu_grad_cpu_fresh},
    {"maxpool2d 3x3 stride 2 pad 1", 0, {"dx"}, {0}, pool3_setup, pool_loss64, pool_grad},
    {"maxpool2d 2x2 stride 2", 0, {"dx"}, {0}, pool2_setup, pool_loss64, pool_grad},
    {"global avg pool", 0, {"dx"}, {0}, gap_setup, gap_loss64, gap_grad},
    {"dropout p=0.3", 0, {"dx"}, {0}, dropout_setup, dropout_loss64, dropout_grad},
    {"linear (ref)", 0, XWB, {0}, linear_setup, linear_loss64, linear_grad_ref},
    {"linear (gemm)", 0, XWB, {0}, linear_setup, linear_loss64, linear_grad_gemm},
    {"softmax xent", 0, {"dlogits"}, {0}, xent_setup_plain, xent_loss64, xent_grad},
    {"softmax xent weighted", 0, {"dlogits"}, {0}, xent_setup_weighted, xent_loss64, xent_grad},
    {"softmax xent soft targets", 0, {"dlogits"}, {0}, xent_soft_setup_plain, xent_soft_loss64, xent_soft_grad},
    {"softmax xent soft weighted", 0, {"dlogits"}, {0}, xent_soft_setup_weighted, xent_soft_loss64,
     xent_soft_grad},
    {"conv2d 3x3 s2 p1 groups 3 (ref)", 0, XWB, {0}, grouped_setup, gconv_loss64, gconv_grad_ref},
    {"conv2d 3x3 s2 p1 groups 3 (im2col)", 0, XWB, {0}, grouped_setup, gconv_loss64, gconv_grad_gemm},
    {"conv2d depthwise 3x3 s2 (ref)", 0, XWB, {0}, dw_setup, gconv_loss64, gconv_grad_ref},
    {"conv2d depthwise 3x3 s2 (im2col)", 0, XWB, {0}, dw_setup, gconv_loss64, gconv_grad_gemm},
    {"conv2d 3x3 dilation 2 (ref)", 0, XWB, {0}, dilated_setup, gconv_loss64, gconv_grad_ref},
    {"conv2d 3x3 dilation 2 (im2col)", 0, XWB, {0}, dilated_setup, gconv_loss64, gconv_grad_gemm},
    {"conv2d 1x7 pad 0,3 (ref)", 0, XWB, {0}, k1x7_setup, gconv_loss64, gconv_grad_ref},
    {"conv2d 1x7 pad 0,3 (im2col)", 0, XWB, {0}, k1x7_setup, gconv_loss64, gconv_grad_gemm},
    {"conv2d 3x1 stride 2,1 pad 1,0 (ref)", 0, XWB, {0}, k3x1_setup, gconv_loss64, gconv_grad_ref},
    {"conv2d 3x1 stride 2,1 pad 1,0 (im2col)", 0, XWB, {0}, k3x1_setup, gconv_loss64, gconv_grad_gemm},
    {"conv2d depthwise 3x3 s2 pad 0,0/1,1 (ref)", 0, XWB, {0}, asym_setup, gconv_loss64, gconv_grad_ref},
    {"conv2d depthwise 3x3 s2 pad 0,0/1,1 (im2col)", 0, XWB, {0}, asym_setup, gconv_loss64, gconv_grad_gemm},
    {"conv2d 5x3 s2,1 pad 1,2/2,0 groups 2 (ref)", 0, XWB, {0}, asym5_setup, gconv_loss64, gconv_grad_ref},
    {"conv2d 5x3 s2,1 pad 1,2/2,0 groups 2 (im2col)", 0, XWB, {0}, asym5_setup, gconv_loss64, gconv_grad_gemm},
    {"conv_transpose2d k2 s2 (ref)", 0, XWB, {0}, convt2_setup, convt_loss64, convt_grad_ref},
    {"conv_transpose2d k2 s2 (cpu)", 0, XWB, {0}, convt2_setup, convt_loss64, convt_grad_gemm},
    {"conv_transpose2d k3 s2 p1 outpad 1 (ref)", 0, XWB, {0}, convt3_setup, convt_loss64, convt_grad_ref},
    {"conv_transpose2d k3 s2 p1 outpad 1 (cpu)", 0, XWB, {0}, convt3_setup, convt_loss64, convt_grad_gemm},
    {"relu6 (ref)", 0, {"dx"}, {0}, relu6_setup, act_loss64, act_grad_ref},
    {"relu6 (cpu)", 0, {"dx"}, {0}, relu6_setup, act_loss64, act_grad_cpu},
    {"sigmoid (ref)", 0, {"dx"}, {0}, sigmoid_setup, act_loss64, act_grad_ref},
    {"sigmoid (cpu)", 0, {"dx"}, {0}, sigmoid_setup, act_loss64, act_grad_cpu},
    {"silu (ref)", 0, {"dx"}, {0}, silu_setup, act_loss64, act_grad_ref},
    {"silu (cpu)", 0, {"dx"}, {0}, silu_setup, act_loss64, act_grad_cpu},
    {"tanh (ref)", 0, {"dx"}, {0}, tanh_setup, act_loss64, act_grad_ref},
    {"tanh (cpu)", 0, {"dx"}, {0}, tanh_setup, act_loss64, act_grad_cpu},
    {"softmax over channels", 0, {"dx"}, {0}, softmax_setup, softmax_loss64, softmax_grad},
    {"maxpool2d 2x2 s2 ceil mode", 0, {"dx"}, {0}, maxceil_setup, pool_loss64, pool_grad},
    {"avgpool2d 3x3 s2 p1 count_include_pad", 0, {"dx"}, {0}, avg_inc_setup, avg_loss64, avg_grad},
    {"avgpool2d 3x3 s2 p1 exclude pad", 0, {"dx"}, {0}, avg_exc_setup, avg_loss64, avg_grad},
    {"avgpool2d 2x2 s2 ceil count_include_pad", 0, {"dx"}, {0}, avg_ceil_inc_setup, avg_loss64, avg_grad},
    {"avgpool2d 3x2 s2 p1,0 ceil exclude pad", 0, {"dx"}, {0}, avg_ceil_exc_setup, avg_loss64, avg_grad},
    {"adaptive avgpool2d 7x7 -> 3x2", 0, {"dx"}, {0}, adaptive32_setup, adaptive_loss64, adaptive_grad},
    {"adaptive avgpool2d 7x7 -> 4x5", 0, {"dx"}, {0}, adaptive45_setup, adaptive_loss64, adaptive_grad},
    {"bilinear resize 7x7 -> 11x13", 0, {"dx"}, {0}, up_setup, resize_loss64, resize_grad},
    {"bilinear resize 7x7 -> 4x5", 0, {"dx"}, {0}, down_setup, resize_loss64, resize_grad},
    {"add same shape", 0, {"da", "db"}, {0}, add_same_setup, bin_loss64, bin_grad},
    {"add same shape (cpu, fresh db)", 0, {"da", "db"}, {0}, add_same_setup, bin_loss64, bin_grad_cpu},
    {"mul same shape (cpu, fresh db)", 0, {"da", "db"}, {0}, mul_same_setup, bin_loss64, bin_grad_cpu},
    {"mask t(1+m) (cpu, fresh db)", 0, {"da", "db"}, {0}, mask_same_setup, bin_loss64, bin_grad_cpu},
    {"add over channels (N,C,1,1)", 0, {"da", "db"}, {0}, add_ch_setup, bin_loss64, bin_grad},
    {"add over space (N,1,H,W)", 0, {"da", "db"}, {0}, add_sp_setup, bin_loss64, bin_grad},
    {"mul same shape", 0, {"da", "db"}, {0}, mul_same_setup, bin_loss64, bin_grad},
    {"mul over channels (N,C,1,1)", 0, {"da", "db"}, {0}, mul_ch_setup, bin_loss64, bin_grad},
    {"mul over space (N,1,H,W)", 0, {"da", "db"}, {0}, mul_sp_setup, bin_loss64, bin_grad},
    {"mask t*(1+m) same shape", 0, {"dt", "dm"}, {0}, mask_same_setup, bin_loss64, bin_grad},
    {"mask t*(1+m) over channels", 0, {"dt", "dm"}, {0}, mask_ch_setup, bin_loss64, bin_grad},
    {"concat of 3 (5+3+2 channels)", 0, {"dx1", "dx2", "dx3"}, {0}, concat_setup, concat_loss64, concat_grad},
    {"channel mean", 0, {"dx"}, {0}, chan_setup, cmean_loss64, cmean_grad},
    {"channel max", 0, {"dx"}, {0}, chan_setup, cmax_loss64, cmax_grad},
    {"hardswish (ref)", 0, {"dx"}, {0}, hardswish_setup, hardswish_loss64, hardswish_grad_ref},
    {"hardswish (cpu)", 0, {"dx"}, {0}, hardswish_setup, hardswish_loss64, hardswish_grad_cpu},
};

static void check_row(row *r, rmn_rng *rng) {
    K.scale = 1.0;
    r->setup(r);
    float *t32[MAXT] = {0}, *d32[MAXT] = {0};
    double *t64[MAXT] = {0};
    for (int j = 0; j < r->nt; ++j) {
        t32[j] = malloc(r->size[j] * sizeof(float));
        d32[j] = calloc(r->size[j], sizeof(float));
        t64[j] = malloc(r->size[j] * sizeof(double));
        for (size_t i = 0; i < r->size[j]; ++i) {
            t32[j][i] = (float)(K.scale * (3.0 * rmn_rng_uniform(rng) - 1.5));
            t64[j][i] = t32[j][i];
        }
    }
    for (size_t i = 0; i < K.ny; ++i) {
        K.g32[i] = (float)(2.0 * rmn_rng_uniform(rng) - 1.0);
        K.g64[i] = K.g32[i];
    }
    r->grad32(t32, d32);
    const double eps = 1e-6, l0 = r->loss64(t64);
    for (int j = 0; j < r->nt; ++j) {
        double maxerr = 0.0, maxfd = 0.0;
        size_t skipped = 0;
        for (size_t i = 0; i < r->size[j]; ++i) {
            const double v = t64[j][i];
            t64[j][i] = v + eps;
            const double lp = r->loss64(t64);
            t64[j][i] = v - eps;
            const double lm = r->loss64(t64);
            t64[j][i] = v;
            const double fd = (lp - lm) / (2 * eps);
            const double fwd = (lp - l0) / eps, bwd = (l0 - lm) / eps;
            if (fabs(fwd - bwd) > 1e-3 * (1.0 + fabs(fd))) {
                ++skipped;
                continue;
            }
            maxfd = fmax(maxfd, fabs(fd));
            maxerr = fmax(maxerr, fabs(fd - d32[j][i]));
        }
        const double err = maxerr / fmax(maxfd, 1e-3);
        TAP_OK(err < 1e-4 && skipped * 20 <= r->size[j] && maxfd > 0,
               "%s: %s matches finite differences (rel err %.2e, max |fd| %.3g, %zu of %zu "
               "points skipped at kinks)", r->name, r->tname[j], err, maxfd, skipped,
               r->size[j]);
    }
    for (int j = 0; j < r->nt; ++j) {
        free(t32[j]);
        free(d32[j]);
        free(t64[j]);
    }
}

int main(void) {
    K.g32 = malloc(8192 * sizeof(float));
    K.g64 = malloc(8192 * sizeof(double));
    K.mask = malloc(4096 * sizeof(float));
    rmn_rng rng;
    rmn_rng_init(&rng, 2385, RMN_STREAM_INIT);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; ++i)
        check_row(&rows[i], &rng);
    free(K.g32);
    free(K.g64);
    free(K.mask);
    return tap_done();
}

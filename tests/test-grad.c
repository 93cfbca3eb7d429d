/* test-grad.c -- finite-difference gradient checks of every op, one table row per op.
 *
 * For each row the tensors it differentiates (input, then weight and bias) get random float
 * values and an exact double copy. The float backward under test receives a random upstream
 * gradient g and yields the analytic gradients; the reference is the central difference
 * (L(t+e) - L(t-e)) / 2e of L = sum(y * g) computed by the double-precision copy of the same
 * forward (rmn_ref_*_f64), e = 1e-6. Points where the one-sided differences disagree lie
 * near a kink (ReLU at 0, max-pool ties) and are skipped (and counted). The error of a
 * tensor is max|analytic - fd| / max(max|fd|, 1e-3). Adding an op = adding a row. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tap.h"
#include "tensor/ops.h"

#define MAXT 3

// --- the context shared by the rows --------------------------------------------------------

static struct {
    rmn_conv2d_shape conv;
    rmn_pool2d_shape pool;
    int n, c, hw, in, out;
    size_t ny;           /* output elements */
    float *g32;          /* upstream gradient (ny) */
    double *g64;
    float *mask;         /* dropout */
    int32_t labels[8];
    float cw[8];         /* class weights */
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
    rmn_cpu_relu_backward(d[0], K.g32, t[0], K.ny, 2);
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
    {"maxpool2d 3x3 stride 2 pad 1", 0, {"dx"}, {0}, pool3_setup, pool_loss64, pool_grad},
    {"maxpool2d 2x2 stride 2", 0, {"dx"}, {0}, pool2_setup, pool_loss64, pool_grad},
    {"global avg pool", 0, {"dx"}, {0}, gap_setup, gap_loss64, gap_grad},
    {"dropout p=0.3", 0, {"dx"}, {0}, dropout_setup, dropout_loss64, dropout_grad},
    {"linear (ref)", 0, XWB, {0}, linear_setup, linear_loss64, linear_grad_ref},
    {"linear (gemm)", 0, XWB, {0}, linear_setup, linear_loss64, linear_grad_gemm},
    {"softmax xent", 0, {"dlogits"}, {0}, xent_setup_plain, xent_loss64, xent_grad},
    {"softmax xent weighted", 0, {"dlogits"}, {0}, xent_setup_weighted, xent_loss64, xent_grad},
};

static void check_row(row *r, rmn_rng *rng) {
    r->setup(r);
    float *t32[MAXT] = {0}, *d32[MAXT] = {0};
    double *t64[MAXT] = {0};
    for (int j = 0; j < r->nt; ++j) {
        t32[j] = malloc(r->size[j] * sizeof(float));
        d32[j] = calloc(r->size[j], sizeof(float));
        t64[j] = malloc(r->size[j] * sizeof(double));
        for (size_t i = 0; i < r->size[j]; ++i) {
            t32[j][i] = (float)(3.0 * rmn_rng_uniform(rng) - 1.5);
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
    K.g32 = malloc(4096 * sizeof(float));
    K.g64 = malloc(4096 * sizeof(double));
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

/* test-ops.c -- forward semantics of the ops against values computed by hand: batch-norm
 * running statistics (momentum 0.1, unbiased variance) and eval mode, softmax cross-entropy
 * plain and weighted (PyTorch's weighted mean) with its gradient and error paths, dropout
 * masks (deterministic per seed, expectation kept), softmax rows, max-pool padding, linear,
 * global average pool and the shape checks; the cpu max pool equals the ref one bit for bit;
 * the cpu sigmoid and SiLU over a sweep of x against double formulas; the cpu broadcast
 * binary backward and the cpu concat equal the ref ones bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tap.h"
#include "tensor/ops.h"

static void test_bn(void) {
    /* x:(N=2,C=2,HW=3); channel 0 of batch 1 is 1..6 (mean 3.5, unbiased var 3.5), channel 1
     * is -2,0,2,4,6,8 (mean 3, unbiased var 14). Batch 2: channel 0 mean 1.5, biased var 1,
     * unbiased 1.2; channel 1 mean 11, unbiased var 6. */
    const float x1[12] = {1, 2, 3, -2, 0, 2, 4, 5, 6, 4, 6, 8};
    const float x2[12] = {0.5f, 0.5f, 0.5f, 10, 10, 10, 2.5f, 2.5f, 2.5f, 10, 10, 16};
    const float gamma[2] = {2.0f, 0.75f}, beta[2] = {0.5f, -0.25f};
    float rm[2] = {0, 0}, rv[2] = {1, 1}, y[12], sm[2], si[2];
    rmn_ref_bn2d_forward_train(y, sm, si, rm, rv, x1, gamma, beta, 2, 2, 3, 0.1, 1e-5);
    TAP_NEAR(sm[0], 3.5, 1e-6, "bn: batch mean of channel 0");
    TAP_NEAR(si[1], 1.0 / sqrt(70.0 / 6 + 1e-5), 1e-6, "bn: saved 1/std uses the biased variance");
    rmn_ref_bn2d_forward_train(y, sm, si, rm, rv, x2, gamma, beta, 2, 2, 3, 0.1, 1e-5);
    TAP_NEAR(rm[0], 0.09 * 3.5 + 0.1 * 1.5, 1e-6, "bn: running_mean[0] after two steps = 0.465");
    TAP_NEAR(rm[1], 0.09 * 3.0 + 0.1 * 11.0, 1e-6, "bn: running_mean[1] after two steps = 1.37");
    TAP_NEAR(rv[0], 0.81 + 0.09 * 3.5 + 0.1 * 1.2, 1e-6,
             "bn: running_var[0] = 0.81 + 0.09*3.5 + 0.1*1.2 (unbiased)");
    TAP_NEAR(rv[1], 0.81 + 0.09 * 14.0 + 0.1 * 6.0, 1e-6, "bn: running_var[1] = 2.67");
    TAP_NEAR(y[0], (0.5 - 1.5) / sqrt(1.0 + 1e-5) * 2.0 + 0.5, 1e-6,
             "bn: training output normalises with batch statistics");
    const float xe[12] = {2, 0, 0, 0, 0, 3.5f, 0, 0, 0, 0, 0, 0};
    rmn_ref_bn2d_forward_eval(y, xe, gamma, beta, rm, rv, 2, 2, 3, 1e-5);
    TAP_NEAR(y[0], (2 - 0.465) / sqrt(1.245 + 1e-5) * 2 + 0.5, 1e-6,
             "bn eval: uses the running statistics (3.25139)");
    TAP_NEAR(y[5], (3.5 - 1.37) / sqrt(2.67 + 1e-5) * 0.75 - 0.25, 1e-6,
             "bn eval: channel 1 with its own running statistics");
}

static void test_xent(void) {
    const float logits[6] = {1, 2, 3, 0.5f, 0.5f, -1};
    const int32_t labels[2] = {2, 0};
    const float w[3] = {2.0f, 1.0f, 0.5f};
    float d[6];
    double loss;
    int correct = -1;
    int rc = rmn_softmax_xent(&loss, d, &correct, logits, labels, NULL, 2, 3);
    TAP_OK(rc == RMN_OK, "xent: ok");
    TAP_NEAR(loss, (0.4076059644443806 + 0.7989161848417257) / 2, 1e-7,
             "xent: mean of the two rows' -log p");
    TAP_OK(correct == 2, "xent: both rows correct (a tie takes the first max) (%d)", correct);
    TAP_NEAR(d[2], -0.16737952211258916, 1e-6, "xent: dlogits = (p - onehot)/N at the label");
    TAP_NEAR(d[4], 0.2249081088291371, 1e-6, "xent: dlogits = p/N elsewhere");
    rc = rmn_softmax_xent(&loss, d, NULL, logits, labels, w, 2, 3);
    TAP_OK(rc == RMN_OK, "xent weighted: ok");
    TAP_NEAR(loss, (0.5 * 0.4076059644443806 + 2 * 0.7989161848417257) / 2.5, 1e-7,
             "xent weighted: sum w_y l / sum w_y");
    TAP_NEAR(d[2], -0.06695180884503567, 1e-6, "xent weighted: dlogits row 0 scaled by w/sum");
    TAP_NEAR(d[3], -0.44014702587338067, 1e-6, "xent weighted: dlogits row 1 scaled by w/sum");
    const int32_t bad[2] = {2, 3};
    TAP_OK(rmn_softmax_xent(&loss, d, NULL, logits, bad, NULL, 2, 3) == RMN_EINVAL &&
               strstr(rmn_error_message(), "label 3"),
           "xent: a label outside [0,K) is EINVAL (%s)", rmn_error_message());
    const float zero[3] = {0, 0, 0};
    TAP_OK(rmn_softmax_xent(&loss, d, NULL, logits, labels, zero, 2, 3) == RMN_EINVAL,
           "xent: zero total weight is EINVAL");
    const float big[3] = {1000.0f, -1000.0f, 0.0f};
    const int32_t l1[1] = {1};
    rc = rmn_softmax_xent(&loss, d, NULL, big, l1, NULL, 1, 3);
    TAP_OK(rc == RMN_OK && isfinite(loss) && fabs(loss - 2000.0) < 1e-3,
           "xent: stable for logits of +-1000 (loss %g)", loss);
    float p[6];
    rmn_softmax_rows(p, logits, 2, 3);
    TAP_NEAR(p[2], 0.6652409557748217, 1e-6, "softmax rows: p[0][2]");
    TAP_NEAR(p[3] + p[4] + p[5], 1.0, 1e-6, "softmax rows: a row sums to 1");
}

static void test_dropout(void) {
    const size_t n = 100000;
    float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
    rmn_rng r1, r2;
    rmn_rng_init(&r1, 77, RMN_STREAM_DROPOUT);
    rmn_rng_init(&r2, 77, RMN_STREAM_DROPOUT);
    rmn_dropout_mask(a, n, 0.25f, &r1);
    rmn_dropout_mask(b, n, 0.25f, &r2);
    TAP_OK(memcmp(a, b, n * sizeof(float)) == 0, "dropout: same seed, same mask");
    rmn_dropout_mask(b, n, 0.25f, &r2);
    TAP_OK(memcmp(a, b, n * sizeof(float)) != 0, "dropout: the stream moves on");
    size_t zeros = 0, other = 0;
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        zeros += a[i] == 0.0f;
        other += a[i] != 0.0f && a[i] != 1.0f / 0.75f;
        sum += a[i];
    }
    TAP_OK(other == 0, "dropout: kept entries are scaled by 1/(1-p)");
    TAP_NEAR((double)zeros / n, 0.25, 0.01, "dropout: drop fraction ~ p (%.4f)",
             (double)zeros / n);
    TAP_NEAR(sum / n, 1.0, 0.01, "dropout: mask mean ~ 1 (expectation kept) (%.4f)", sum / n);
    float x[4] = {1.5f, -2.0f, 3.0f, 0.25f}, y[4];
    const float m[4] = {0.0f, 2.0f, 2.0f, 0.0f};
    rmn_ref_dropout_forward(y, x, m, 4);
    TAP_OK(y[0] == 0.0f && y[1] == -4.0f && y[2] == 6.0f && y[3] == 0.0f,
           "dropout: forward multiplies by the mask");
    free(a);
    free(b);
}

static void test_pool_linear(void) {
    float x[16], y[4];
    int32_t idx[4];
    for (int i = 0; i < 16; ++i)
        x[i] = -(float)i;
    rmn_pool2d_shape sh;
    TAP_OK(rmn_pool2d_shape_init(&sh, 1, 1, 4, 4, 3, 2, 1) == RMN_OK && sh.p == 2 && sh.q == 2,
           "maxpool 3x3 s2 p1 on 4x4 gives 2x2");
    rmn_ref_maxpool2d_forward(y, idx, x, &sh);
    TAP_OK(y[0] == 0.0f && y[1] == -1.0f && y[2] == -4.0f && y[3] == -5.0f && idx[3] == 5,
           "maxpool: padding never wins (%g %g %g %g)", y[0], y[1], y[2], y[3]);
    TAP_OK(rmn_pool2d_shape_init(&sh, 1, 1, 4, 4, 2, 2, 2) == RMN_EINVAL,
           "maxpool: pad > kernel/2 is EINVAL");
    rmn_conv2d_shape cs;
    TAP_OK(rmn_conv2d_shape_init(&cs, 1, 1, 2, 2, 1, 5, 1, 1) == RMN_EINVAL,
           "conv: a kernel larger than the padded input is EINVAL");
    TAP_OK(rmn_conv2d_shape_init(&cs, 2, 3, 9, 7, 4, 3, 2, 1) == RMN_OK && cs.p == 5 && cs.q == 4,
           "conv: 9x7 with 3x3 s2 p1 gives 5x4");
    const float xl[2] = {1, 2}, w[6] = {1, 0, 0.5f, -1, 2, 3}, b[3] = {0.1f, 0.2f, 0.3f};
    float yl[3], yg[3];
    rmn_ref_linear_forward(yl, xl, w, b, 1, 2, 3);
    rmn_gemm_linear_forward(yg, xl, w, b, 1, 2, 3);
    TAP_OK(fabsf(yl[0] - 1.1f) < 1e-6f && fabsf(yl[1] + 1.3f) < 1e-6f &&
               fabsf(yl[2] - 8.3f) < 1e-6f,
           "linear: y = x W^T + b with W:(out,in) (%g %g %g)", yl[0], yl[1], yl[2]);
    TAP_OK(fabsf(yl[0] - yg[0]) < 1e-6f && fabsf(yl[1] - yg[1]) < 1e-6f &&
               fabsf(yl[2] - yg[2]) < 1e-6f,
           "linear: the gemm path agrees");
    const float xg[6] = {1, 2, 3, 4, 5, 9};
    float yp[2];
    rmn_ref_gap_forward(yp, xg, 1, 2, 3);
    TAP_OK(yp[0] == 2.0f && yp[1] == 6.0f, "global avg pool: channel means");
}

/* The cpu max pool gives the ref kernel's maxima and argmax (first max on ties) on data
 * full of ties, with padding, ceil mode and odd sizes, with and without idx and threads. */
static void test_maxpool_cpu(void) {
    static const rmn_pool_params cases[3] = {{.kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1},
                                             {.kh = 2, .kw = 2, .ceil_mode = 1},
                                             {.kh = 3, .kw = 2, .stride_h = 1, .stride_w = 3, .pad_h = 1}};
    for (int k = 0; k < 3; ++k) {
        rmn_pool2d_shape sh;
        if (rmn_pool2d_shape_full(&sh, 3, 5, 11, 9, &cases[k]) != RMN_OK) {
            TAP_OK(0, "pool shape %d: %s", k, rmn_error_message());
            continue;
        }
        const size_t nx = 3 * 5 * 11 * 9, ny = (size_t)3 * 5 * sh.p * sh.q;
        float *x = malloc(nx * sizeof *x), *y1 = malloc(ny * sizeof *y1), *y2 = malloc(ny * sizeof *y2);
        int32_t *i1 = malloc(ny * sizeof *i1), *i2 = malloc(ny * sizeof *i2);
        for (size_t i = 0; i < nx; ++i)
            x[i] = (float)((i * 37) % 7) - 3.0f; /* 7 values: ties everywhere */
        rmn_ref_maxpool2d_forward(y1, i1, x, &sh);
        rmn_cpu_maxpool2d_forward(y2, i2, x, &sh, 2);
        int same = memcmp(y1, y2, ny * sizeof *y1) == 0 && memcmp(i1, i2, ny * sizeof *i1) == 0;
        rmn_cpu_maxpool2d_forward(y2, NULL, x, &sh, 1);
        same &= memcmp(y1, y2, ny * sizeof *y1) == 0;
        TAP_OK(same, "cpu max pool %dx%d s%d,%d p%d ceil %d on 11x9: the ref's maxima and argmax", sh.r, sh.s,
               sh.stride_h, sh.stride_w, sh.pad_h, sh.ceil_mode);
        free(x), free(y1), free(y2), free(i1), free(i2);
    }
}

/* The cpu backend's sigmoid and SiLU (on its vectorised e^x) over a sweep of x in
 * [-100, 100], through the parallel path (more values than RMN_ELTWISE_PAR), against the
 * formulas in double: y within a few float ulps (relative), the gradients (bounded by 1.1; in
 * PyTorch's float formulas, sigmoid's y (1 - y), SiLU's s (1 + x (1 - s)), whose 1 - s is
 * float-limited near x = 16) within 5e-7 and 2e-6 absolute. */
static void test_act_sweep(void) {
    const size_t n = 200001;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    float *dy = malloc(n * sizeof(float)), *dx = calloc(n, sizeof(float));
    for (size_t i = 0; i < n; ++i)
        x[i] = -100.0f + 0.001f * (float)i, dy[i] = 1.0f;
    const rmn_act acts[2] = {RMN_ACT_SIGMOID, RMN_ACT_SILU};
    for (int a = 0; a < 2; ++a) {
        rmn_cpu_act_forward(y, x, n, acts[a], 2);
        memset(dx, 0, n * sizeof(float));
        rmn_cpu_act_backward(dx, dy, x, y, n, acts[a], 2);
        double worst = 0.0, worst_d = 0.0;
        for (size_t i = 0; i < n; ++i) {
            const double v = x[i], s = 1.0 / (1.0 + exp(-v));
            const double want = a ? v * s : s, dwant = a ? s * (1.0 + v * (1.0 - s)) : s * (1.0 - s);
            if (fabs(want) > 1e-30)
                worst = fmax(worst, fabs(y[i] - want) / fabs(want));
            worst_d = fmax(worst_d, fabs(dx[i] - dwant));
        }
        TAP_OK(worst < 5e-7 && worst_d < (a ? 2e-6 : 5e-7),
               "cpu %s over x in [-100, 100]: y within %.1e relative, dx within %.1e absolute",
               a ? "SiLU" : "sigmoid", worst, worst_d);
    }
    free(x), free(y), free(dy), free(dx);
}

/* The cpu broadcast backward (samples over threads) gives the ref kernel's bits: channel
 * (C,1,1), spatial (1,H,W), row (C,H,1) and scalar broadcasts, for add, mul and mul1p,
 * accumulated onto preset values. */
static void test_bcast_backward(void) {
    const int n = 5, c = 24, h = 21, w = 19; /* over RMN_ELTWISE_PAR: the threaded path */
    const int shapes[4][3] = {{c, 1, 1}, {1, h, w}, {c, h, 1}, {1, 1, 1}};
    const rmn_binary ops[3] = {RMN_BINARY_ADD, RMN_BINARY_MUL, RMN_BINARY_MUL1P};
    const size_t cnt = (size_t)n * c * h * w;
    float *a = malloc(cnt * 4), *dy = malloc(cnt * 4), *da[2] = {malloc(cnt * 4), malloc(cnt * 4)};
    for (size_t i = 0; i < cnt; ++i)
        a[i] = (float)sin(0.7 * (double)i), dy[i] = (float)cos(0.3 * (double)i);
    int same = 1;
    for (int s = 0; s < 4; ++s)
        for (int o = 0; o < 3; ++o) {
            rmn_bcast_shape sh;
            rmn_bcast_shape_init(&sh, n, c, h, w, shapes[s][0], shapes[s][1], shapes[s][2]);
            const size_t bn = (size_t)n * shapes[s][0] * shapes[s][1] * shapes[s][2];
            float *b = malloc(bn * 4), *db[2] = {malloc(bn * 4), malloc(bn * 4)};
            for (size_t i = 0; i < bn; ++i)
                b[i] = (float)sin(1.1 * (double)i), db[0][i] = db[1][i] = 0.25f;
            for (size_t i = 0; i < cnt; ++i)
                da[0][i] = da[1][i] = -0.5f;
            rmn_ref_binary_backward(da[0], db[0], dy, a, b, &sh, ops[o]);
            rmn_cpu_binary_backward_bcast(da[1], db[1], dy, a, b, &sh, ops[o], 2);
            same &= memcmp(da[0], da[1], cnt * 4) == 0 && memcmp(db[0], db[1], bn * 4) == 0;
            free(b), free(db[0]), free(db[1]);
        }
    TAP_OK(same, "cpu broadcast binary backward on 2 threads: the ref kernel's bits (4 broadcasts x "
                 "add, mul, mul1p)");
    free(a), free(dy), free(da[0]), free(da[1]);
}

/* the cpu concat on 2 threads (over RMN_ELTWISE_PAR) against ref: forward into the middle
 * channels of y, backward accumulated onto a preset dx, bit for bit; and nothing outside the
 * part's channels written */
static void test_concat_cpu(void) {
    const int n = 6, cy = 80, c0 = 32, cx = 16, hw = 23 * 29;
    const size_t ny = (size_t)n * cy * hw, nx = (size_t)n * cx * hw;
    float *x = malloc(nx * 4), *y[2] = {malloc(ny * 4), malloc(ny * 4)};
    float *dx[2] = {malloc(nx * 4), malloc(nx * 4)};
    for (size_t i = 0; i < nx; ++i)
        x[i] = (float)sin(0.9 * (double)i), dx[0][i] = dx[1][i] = (float)cos(0.4 * (double)i);
    for (size_t i = 0; i < ny; ++i)
        y[0][i] = y[1][i] = -7.0f;
    rmn_ref_concat_forward(y[0], x, n, cy, c0, cx, hw);
    rmn_cpu_concat_forward(y[1], x, n, cy, c0, cx, hw, 2);
    int outside = 1;
    for (int i = 0; i < n; ++i)
        for (int ch = 0; ch < cy; ++ch)
            if (ch < c0 || ch >= c0 + cx)
                outside &= y[1][((size_t)i * cy + ch) * hw] == -7.0f;
    TAP_OK(memcmp(y[0], y[1], ny * 4) == 0 && outside,
           "cpu concat forward on 2 threads: the ref kernel's bits, other channels untouched");
    for (size_t i = 0; i < ny; ++i)
        y[0][i] = (float)sin(0.2 * (double)i);
    rmn_ref_concat_backward(dx[0], y[0], n, cy, c0, cx, hw);
    rmn_cpu_concat_backward(dx[1], y[0], n, cy, c0, cx, hw, 2);
    TAP_OK(memcmp(dx[0], dx[1], nx * 4) == 0 && dx[1][0] != (float)cos(0.0),
           "cpu concat backward on 2 threads: accumulated, the ref kernel's bits");
    free(x), free(y[0]), free(y[1]), free(dx[0]), free(dx[1]);
}

int main(void) {
    test_concat_cpu();
    test_act_sweep();
    test_bcast_backward();
    test_maxpool_cpu();
    test_bn();
    test_xent();
    test_dropout();
    test_pool_linear();
    return tap_done();
}

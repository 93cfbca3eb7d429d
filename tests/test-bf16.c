/* test-bf16.c -- bf16 precision on the "dnnl" backend (docs/PRECISION.md) against the fp32
 * "ref" oracle, and its refusals.
 *
 * Tolerances. At bf16 a kernel rounds each input (x, w, dy) to bf16, 8 significant bits, round
 * to nearest: x' = x (1 + d), |d| <= u = 2^-8; it multiplies and accumulates in fp32. One
 * product x'w' = x w (1 + d1)(1 + d2) is off by at most (2u + u^2) |x w|, and the fp32 sum of K
 * such terms adds at most K 2^-24 sum |x w| (gamma_K, fp32's unit roundoff 2^-24; the oracle's
 * own fp32 sum as much again). So every element of every result obeys
 *     |bf16 - ref| <= (2u + u^2 + 2 K 2^-24) * B,   B = sum over its K terms of |x| |w|
 * (K: the reduction length -- C/G R S for a conv's forward, K/G R S for its data gradient,
 * N P Q for its weight gradient; IN, OUT, N for a linear layer), B computed by the oracle on
 * |x|, |w|, |dy|. The bound is rigorous, so the checks cannot fail by chance; a wrong tap, a
 * wrong layout or a lost accumulation is off by O(B) and fails. Each check also asks that the
 * worst error be above 2^-14 B: an fp32 kernel stays near 2^-24 K^(1/2) B, so this says bf16 is
 * really in use. The bias gradient (fp32 sums of dy) is checked at 1e-5.
 *
 * really in use. oneDNN sums a conv's bias gradient from the bf16 dy it reads: the same bound
 * (K = N P Q, B = sum |dy|); a transposed conv's comes from fp32 sums (1e-5). The weight and
 * bias gradients of strided convs and of output maps under 8x8 are computed in fp32
 * (dnnl_conv.c: oneDNN's bf16 kernels crawl there), checked against fp32's bound 2 K 2^-24 B.
 *
 * Models: one training step of democnn (width 8) and resnet18-tv48 (width 16) in bf16 against
 * fp32 (both on dnnl, the same initial weights and batch), and their fused inference. There
 * is no rigorous bound: a perturbation of ~u in a layer's input moves ReLU masks, max-pool
 * choices and the batch statistics of 8 x 2 x 2 values, so one step's parameter gradients
 * differ by tens of percent from fp32's -- as much as fp32 arithmetic on the same weights
 * merely rounded to bf16 (a third net) moves them: 17% (democnn), 26% (resnet18-tv48). The
 * checks therefore compare against that: the whole gradient within 2x that net's difference
 * + 0.02 (measured 1.1x, 1.4x), every parameter tensor within 4x its own + 0.02 (measured at
 * most 2.2x), the loss within 1% (measured < 0.1%), the fused inference's logits within 5% of
 * the largest (measured < 1%), and no call falling back to fp32 (counted). A wrong op in one
 * layer puts that tensor's gradient O(1) off. Three zoo models with other kinds of convs
 * (depthwise, grouped, asymmetric, dilated) train a step and infer in bf16 without a fallback
 * (zoo_case).
 *
 * Refusals: bf16 on "ref" and "cpu" is an error value naming the backend; on a CPU without
 * AVX512_BF16 (simulated in a child process by capping oneDNN's ISA at AVX512_CORE) the dnnl
 * state refuses it naming AVX512_BF16; switching a bf16 net to "ref" is refused. The precision
 * is part of the primitive cache key: fp32 logits before and after a bf16 forward on the same
 * net are the same bits. Without AVX512_BF16 here the whole test is skipped (TAP "1..0 # SKIP"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "models/model.h"
#include "nn/graph.h"
#include "numeric.h"
#include "tap.h"
#include "tensor/blocked16.h"
#include "tensor/dnnl_backend.h"

#include <dnnl.h>

static const double U = 1.0 / 256; /* bf16's unit roundoff, 2^-8 */

static float *zeros(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

static float *absolute(const float *p, size_t n) {
    float *q = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; ++i)
        q[i] = fabsf(p[i]);
    return q;
}

enum { BF16_INPUTS, BF16_SOME, FP32 }; /* what check expects of a result */

/* got against ref element by element under the bound above (k the reduction length): computed
 * from bf16 inputs (and visibly so), from bf16 inputs or not, or in fp32 (2 k 2^-24 B) */
static void check(const char *what, const float *got, const float *ref, const float *bound, size_t n, long k,
                  int kind) {
    const double tol = (kind == FP32 ? 0 : 2 * U + U * U) + 2.0 * (double)k * ldexp(1.0, -24);
    const int bf16 = kind == BF16_INPUTS;
    double worst = 0.0;
    size_t bad = 0;
    for (size_t i = 0; i < n; ++i) {
        const double e = fabs((double)got[i] - ref[i]), b = bound[i];
        if (e > tol * b + 1e-30)
            ++bad;
        if (b > 0)
            worst = fmax(worst, e / b);
    }
    TAP_OK(bad == 0 && (!bf16 || worst > ldexp(1.0, -14)),
           "%s: worst |got - ref| = %.2e B (bound %.2e B, K %ld%s), %zu over", what, worst, tol, k,
           bf16 ? "; bf16 in use: > 6.1e-5 B" : kind == FP32 ? "; fp32" : "", bad);
}

/* dnnl_conv.c's rule: the weight gradient of strided convs and of output maps under 8x8 is
 * computed in fp32 */
static int f32_weights(const rmn_conv2d_shape *sh) {
    return sh->stride_h > 1 || sh->stride_w > 1 || sh->p * sh->q < 64;
}

static void run_conv(void *st, const rmn_conv2d_shape *sh, unsigned layout, unsigned fresh, const float *x,
                     const float *w, const float *b, const float *dy, float *y, float *dx, float *dw, float *db) {
    rmn_backend ops;
    rmn_backend_resolve(&rmn_backend_dnnl, &ops);
    const size_t nws = ops.conv2d_workspace(sh, 2);
    float *ws = malloc((nws ? nws : 1) * sizeof(float));
    const rmn_exec ex = {.ws = ws, .nthreads = 2, .state = st, .layout = layout};
    rmn_exec bex = ex;
    bex.fresh = fresh;
    ops.conv2d_forward(&ex, y, x, w, b, sh);
    ops.conv2d_backward(&bex, dx, dw, db, dy, x, w, sh);
    free(ws);
}

/* A conv on bf16 dnnl against ref: y, dx, dw under the bound, db at 1e-5. Blocked shapes run
 * with nChw16c activations (converted from and to plain here) and fresh gradients; plain ones
 * accumulate onto zeroed gradients. */
static void conv_case(void *st, const char *what, int n, int c, int h, int k, int kernel, int stride, int pad,
                      int groups, int blocked, rmn_rng *rng) {
    rmn_conv_params cp = {.kh = kernel, .kw = kernel, .stride_h = stride, .stride_w = stride,
                          .pad_h = pad, .pad_w = pad, .groups = groups};
    rmn_conv2d_shape sh;
    if (rmn_conv2d_shape_full(&sh, n, c, h, h, k, &cp) != RMN_OK) {
        TAP_OK(0, "conv %s: shape: %s", what, rmn_error_message());
        return;
    }
    const size_t nx = (size_t)n * c * h * h, nw = (size_t)k * (c / groups) * kernel * kernel;
    const size_t ny = (size_t)n * k * sh.p * sh.q;
    float *x = filled(nx, rng), *w = filled(nw, rng), *b = filled((size_t)k, rng), *dy = filled(ny, rng);
    float *ax = absolute(x, nx), *aw = absolute(w, nw), *ady = absolute(dy, ny);
    float *y0 = zeros(ny), *dx0 = zeros(nx), *dw0 = zeros(nw), *db0 = zeros((size_t)k);
    float *yb = zeros(ny), *dxb = zeros(nx), *dwb = zeros(nw), *dbb = zeros((size_t)k);
    float *y = zeros(ny), *dx = zeros(nx), *dw = zeros(nw), *db = zeros((size_t)k);
    rmn_ref_conv2d_forward(y0, x, w, b, &sh);
    rmn_ref_conv2d_backward(dx0, dw0, db0, dy, x, w, &sh);
    rmn_ref_conv2d_forward(yb, ax, aw, NULL, &sh);
    rmn_ref_conv2d_backward(dxb, NULL, NULL, ady, x, aw, &sh);
    rmn_ref_conv2d_backward(NULL, dwb, dbb, ady, ax, w, &sh);
    if (blocked) { /* the same data in nChw16c: run there, read back plain */
        float *xb = zeros(nx), *dyb = zeros(ny), *yb16 = zeros(ny), *dxb16 = zeros(nx);
        rmn_b16_from_plain(xb, x, n, c, h * h);
        rmn_b16_from_plain(dyb, dy, n, k, sh.p * sh.q);
        run_conv(st, &sh, RMN_LAYOUT_X16 | RMN_LAYOUT_Y16, RMN_FRESH_DX | RMN_FRESH_DW, xb, w, b, dyb, yb16,
                 dxb16, dw, db);
        rmn_b16_to_plain(y, yb16, n, k, sh.p * sh.q);
        rmn_b16_to_plain(dx, dxb16, n, c, h * h);
        free(xb), free(dyb), free(yb16), free(dxb16);
    } else {
        run_conv(st, &sh, 0, 0, x, w, b, dy, y, dx, dw, db);
    }
    char name[160];
    snprintf(name, sizeof name, "conv %s forward", what);
    check(name, y, y0, yb, ny, (long)(c / groups) * kernel * kernel, BF16_INPUTS);
    snprintf(name, sizeof name, "conv %s backward data", what);
    check(name, dx, dx0, dxb, nx, (long)(k / groups) * kernel * kernel, BF16_INPUTS);
    const int f32w = f32_weights(&sh);
    snprintf(name, sizeof name, "conv %s backward weights%s", what, f32w ? " (fp32: strided or under 8x8)" : "");
    check(name, dw, dw0, dwb, nw, (long)n * sh.p * sh.q, f32w ? FP32 : BF16_INPUTS);
    /* oneDNN's backward-weights pass sums the bias gradient from the bf16 dy it reads */
    snprintf(name, sizeof name, "conv %s bias gradient", what);
    check(name, db, db0, dbb, (size_t)k, (long)n * sh.p * sh.q, f32w ? FP32 : BF16_SOME);
    free(x), free(w), free(b), free(dy), free(ax), free(aw), free(ady), free(y0), free(dx0), free(dw0);
    free(db0), free(yb), free(dxb), free(dwb), free(dbb), free(y), free(dx), free(dw), free(db);
}

/* A transposed conv 16 -> 32, 3x3, on 9x9 (stride 2: output padding 1) on bf16 dnnl against
 * ref. */
static void convt_case(void *st, int stride, rmn_rng *rng) {
    rmn_conv_params cp = {.kh = 3, .kw = 3, .stride_h = stride, .stride_w = stride, .pad_h = 1, .pad_w = 1};
    rmn_convt2d_shape sh;
    if (rmn_convt2d_shape_full(&sh, 3, 16, 9, 9, 32, &cp, stride - 1, stride - 1) != RMN_OK) {
        TAP_OK(0, "convT shape: %s", rmn_error_message());
        return;
    }
    const size_t nx = (size_t)sh.n * sh.c * sh.h * sh.w, nw = (size_t)sh.c * sh.k * 9;
    const size_t ny = (size_t)sh.n * sh.k * sh.p * sh.q;
    float *x = filled(nx, rng), *w = filled(nw, rng), *b = filled((size_t)sh.k, rng), *dy = filled(ny, rng);
    float *ax = absolute(x, nx), *aw = absolute(w, nw), *ady = absolute(dy, ny);
    float *y0 = zeros(ny), *dx0 = zeros(nx), *dw0 = zeros(nw), *db0 = zeros((size_t)sh.k);
    float *yb = zeros(ny), *dxb = zeros(nx), *dwb = zeros(nw);
    float *y = zeros(ny), *dx = zeros(nx), *dw = zeros(nw), *db = zeros((size_t)sh.k);
    rmn_ref_convt2d_forward(y0, x, w, b, &sh);
    rmn_ref_convt2d_backward(dx0, dw0, db0, dy, x, w, &sh);
    rmn_ref_convt2d_forward(yb, ax, aw, NULL, &sh);
    rmn_ref_convt2d_backward(dxb, NULL, NULL, ady, x, aw, &sh);
    rmn_ref_convt2d_backward(NULL, dwb, NULL, ady, ax, w, &sh);
    rmn_backend ops;
    rmn_backend_resolve(&rmn_backend_dnnl, &ops);
    const size_t nws = ops.convt2d_workspace(&sh, 2);
    float *ws = malloc((nws ? nws : 1) * sizeof(float));
    const rmn_exec ex = {.ws = ws, .nthreads = 2, .state = st};
    ops.convt2d_forward(&ex, y, x, w, b, &sh);
    ops.convt2d_backward(&ex, dx, dw, db, dy, x, w, &sh);
    /* a transposed conv's forward reduces over C/G R S taps of x (fewer per output under
     * stride 2), its dx over K/G R S, its dw over N H W */
    char name[96];
    snprintf(name, sizeof name, "convT 16->32 s%d forward", stride);
    check(name, y, y0, yb, ny, (long)sh.c * 9, BF16_INPUTS);
    snprintf(name, sizeof name, "convT 16->32 s%d backward data", stride);
    check(name, dx, dx0, dxb, nx, (long)sh.k * 9, BF16_INPUTS);
    rmn_conv2d_shape mirror; /* its weight gradient is the mirror conv's */
    rmn_convt2d_as_conv(&sh, &mirror);
    snprintf(name, sizeof name, "convT 16->32 s%d backward weights%s", stride,
             f32_weights(&mirror) ? " (fp32: its conv is strided)" : "");
    check(name, dw, dw0, dwb, nw, (long)sh.n * sh.h * sh.w, f32_weights(&mirror) ? FP32 : BF16_INPUTS);
    TAP_OK(rel_err(db, db0, (size_t)sh.k) < 1e-5, "convT s%d bias gradient (fp32 sums) %.1e", stride,
           rel_err(db, db0, (size_t)sh.k));
    free(ws), free(x), free(w), free(b), free(dy), free(ax), free(aw), free(ady), free(y0), free(dx0);
    free(dw0), free(db0), free(yb), free(dxb), free(dwb), free(y), free(dx), free(dw), free(db);
}

/* A linear layer on bf16 dnnl (oneDNN matmul entries) against ref; fresh is the backward's
 * RMN_FRESH_* bits (accumulating onto zeros otherwise). */
static void linear_case(void *st, int n, int in, int out, unsigned fresh, rmn_rng *rng) {
    const size_t nx = (size_t)n * in, nw = (size_t)out * in, ny = (size_t)n * out;
    float *x = filled(nx, rng), *w = filled(nw, rng), *b = filled((size_t)out, rng), *dy = filled(ny, rng);
    float *ax = absolute(x, nx), *aw = absolute(w, nw), *ady = absolute(dy, ny);
    float *y0 = zeros(ny), *dx0 = zeros(nx), *dw0 = zeros(nw), *db0 = zeros((size_t)out);
    float *yb = zeros(ny), *dxb = zeros(nx), *dwb = zeros(nw), *scratch = zeros((size_t)out);
    float *y = zeros(ny), *dx = zeros(nx), *dw = zeros(nw), *db = zeros((size_t)out);
    rmn_ref_linear_forward(y0, x, w, b, n, in, out);
    rmn_ref_linear_backward(dx0, dw0, db0, dy, x, w, n, in, out);
    rmn_ref_linear_forward(yb, ax, aw, NULL, n, in, out);
    rmn_ref_linear_backward(dxb, dwb, scratch, ady, ax, aw, n, in, out);
    const rmn_exec ex = {.nthreads = 2, .state = st, .fresh = fresh};
    rmn_backend_dnnl.linear_forward(&ex, y, x, w, b, n, in, out);
    rmn_backend_dnnl.linear_backward(&ex, dx, dw, db, dy, x, w, n, in, out);
    char name[96];
    snprintf(name, sizeof name, "linear %d->%d (n %d, fresh %u) forward", in, out, n, fresh);
    check(name, y, y0, yb, ny, in, BF16_INPUTS);
    snprintf(name, sizeof name, "linear %d->%d (n %d, fresh %u) backward data", in, out, n, fresh);
    check(name, dx, dx0, dxb, nx, out, BF16_INPUTS);
    snprintf(name, sizeof name, "linear %d->%d (n %d, fresh %u) backward weights", in, out, n, fresh);
    check(name, dw, dw0, dwb, nw, n, BF16_INPUTS);
    free(x), free(w), free(b), free(dy), free(ax), free(aw), free(ady), free(y0), free(dx0), free(dw0);
    free(db0), free(yb), free(dxb), free(dwb), free(scratch), free(y), free(dx), free(dw), free(db);
}

/* x rounded to bf16 (to nearest, ties to even; finite x) */
static float to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
    memcpy(&x, &u, sizeof u);
    return x;
}

static void round_params(rmn_net *net) {
    float *p = rmn_net_params(net);
    for (size_t i = 0; i < rmn_net_param_count(net); ++i)
        p[i] = to_bf16(p[i]);
}

/* One training step of arch in bf16 against fp32 (both dnnl), and the fused inference. */
/* A model on dnnl with 2 threads, in bf16 when bf16 is set. */
static int dnnl_net(const char *arch, const rmn_model_config *cfg, int bf16, rmn_net **net) {
    int rc = rmn_model_create(arch, cfg, net);
    if (rc == RMN_OK)
        rc = rmn_net_set_backend(*net, "dnnl");
    if (rc == RMN_OK)
        rc = rmn_net_set_threads(*net, 2);
    if (rc == RMN_OK && bf16)
        rc = rmn_net_set_precision(*net, RMN_PRECISION_BF16);
    return rc;
}

static void model_case(const char *arch, int width, int size) {
    const int n = 8;
    const rmn_model_config cfg = {.in_channels = 1, .image_size = size, .num_classes = 7, .seed = 3,
                                  .width = width};
    rmn_net *net[3] = {NULL, NULL, NULL};
    const size_t nx = (size_t)n * size * size;
    float *x = malloc(nx * sizeof(float)), *logits[3] = {NULL, NULL, NULL};
    for (size_t i = 0; i < nx; ++i)
        x[i] = (float)((i * 7919) % 255) / 255.0f;
    const int32_t labels[8] = {1, 4, 6, 0, 2, 3, 5, 1};
    double loss[3] = {0, 0, 0};
    int rc = RMN_OK;
    for (int i = 0; i < 3 && rc == RMN_OK; ++i) {
        rmn_rng drop;
        rmn_rng_init(&drop, 99, RMN_STREAM_DROPOUT);
        rc = dnnl_net(arch, &cfg, i == 1, &net[i]);
        if (rc == RMN_OK && i == 2)
            round_params(net[i]);
        if (rc == RMN_OK)
            rc = rmn_net_forward(net[i], x, n, 1, &drop);
        if (rc == RMN_OK)
            rc = rmn_net_loss(net[i], labels, NULL, &loss[i], NULL);
        if (rc == RMN_OK)
            rc = rmn_net_backward(net[i]);
        if (rc == RMN_OK)
            rc = rmn_net_infer(net[i], x, n);
        if (rc == RMN_OK) {
            logits[i] = malloc((size_t)n * 7 * sizeof(float));
            memcpy(logits[i], rmn_net_logits(net[i]), (size_t)n * 7 * sizeof(float));
        }
    }
    if (rc != RMN_OK) {
        TAP_OK(0, "%s width %d in fp32 and bf16: %s", arch, width, rmn_error_message());
    } else {
        const float *g0 = rmn_net_grads(net[0]), *g1 = rmn_net_grads(net[1]), *g2 = rmn_net_grads(net[2]);
        const float *p0 = rmn_net_params(net[0]);
        const rmn_tensor_ref *l;
        int nt, bad = 0;
        double all[3] = {0, 0, 0}, worst = 0; /* |g1 - g0|^2, |g2 - g0|^2, |g0|^2 */
        rmn_net_tensors(net[0], &l, &nt);
        for (int t = 0; t < nt; ++t) {
            if (!l[t].trainable)
                continue;
            size_t cnt = 1;
            for (int d = 0; d < l[t].ndim; ++d)
                cnt *= (size_t)l[t].shape[d];
            double e[3] = {0, 0, 0};
            for (size_t i = (size_t)(l[t].data - p0), end = i + cnt; i < end; ++i) {
                e[0] += ((double)g1[i] - g0[i]) * ((double)g1[i] - g0[i]);
                e[1] += ((double)g2[i] - g0[i]) * ((double)g2[i] - g0[i]);
                e[2] += (double)g0[i] * g0[i];
            }
            for (int j = 0; j < 3; ++j)
                all[j] += e[j];
            const double eb = sqrt(e[0] / fmax(e[2], 1e-300)), er = sqrt(e[1] / fmax(e[2], 1e-300));
            if (!(eb <= 4 * er + 0.02)) {
                ++bad;
                tap_diag("%s %s: gradient %.3f off, %.3f with the weights rounded", arch, l[t].name, eb, er);
            }
            worst = fmax(worst, eb / (er + 0.005));
        }
        const double eg = sqrt(all[0] / fmax(all[2], 1e-300)), er = sqrt(all[1] / fmax(all[2], 1e-300));
        const double el = fabs(loss[1] - loss[0]) / fabs(loss[0]);
        const double ei = rel_err(logits[1], logits[0], (size_t)n * 7);
        rmn_dnnl_stats s;
        rmn_dnnl_stats_get(net[1]->backend_state, &s);
        TAP_OK(el < 0.01 && ei < 0.05 && eg <= 2 * er + 0.02 && eg > 0 && bad == 0 && s.fallbacks == 0,
               "%s width %d, a training step in bf16 vs fp32: loss %.6f vs %.6f (%.1e, < 1e-2), fused "
               "inference logits %.1e (< 5e-2); gradient %.3f off (<= 2 x %.3f + 0.02, the weights rounded "
               "to bf16 in fp32), %d tensors over 4x theirs + 0.02 (worst ratio %.2f), %ld fallbacks",
               arch, width, loss[1], loss[0], el, ei, eg, er, bad, worst, s.fallbacks);
    }
    for (int i = 0; i < 3; ++i) {
        free(logits[i]);
        rmn_net_free(net[i]);
    }
    free(x);
}

/* Convs of other kinds -- depthwise and grouped with squeeze-excitation (efficientnet_b2b),
 * asymmetric 1x7 / 7x1 kernels and concatenation (inception_v3), dilated ones (bam_resnet50)
 * -- train a step and infer in bf16 with no call falling back to fp32 and no error (a bf16
 * shape oneDNN refused on blocked data would be one), finite gradients, and fused-inference
 * logits within 10% of fp32's largest: a loose sanity bound (eval-mode batch norm on fresh
 * running statistics lets 50-100 layers compound ~u each; measured at most 5%); the precise
 * bounds are the ops' above. */
static void zoo_case(const char *arch) {
    const int n = 2, size = 48;
    const rmn_model_config cfg = {.in_channels = 1, .image_size = size, .num_classes = 7, .seed = 3, .width = 16};
    rmn_net *net[2] = {NULL, NULL};
    float x[2 * 48 * 48], logits[2][14];
    for (int i = 0; i < n * size * size; ++i)
        x[i] = (float)((i * 7919) % 255) / 255.0f;
    const int32_t labels[2] = {3, 5};
    double loss = 0;
    int rc = RMN_OK;
    for (int i = 0; i < 2 && rc == RMN_OK; ++i) { /* fp32: no backward */
        rmn_rng drop;
        rmn_rng_init(&drop, 7, RMN_STREAM_DROPOUT);
        rc = dnnl_net(arch, &cfg, i == 1, &net[i]);
        if (rc == RMN_OK) /* both: the running statistics the inference uses */
            rc = rmn_net_forward(net[i], x, n, 1, &drop);
        if (rc == RMN_OK && i == 1)
            rc = rmn_net_loss(net[i], labels, NULL, &loss, NULL);
        if (rc == RMN_OK && i == 1)
            rc = rmn_net_backward(net[i]);
        if (rc == RMN_OK)
            rc = rmn_net_infer(net[i], x, n);
        if (rc == RMN_OK)
            memcpy(logits[i], rmn_net_logits(net[i]), sizeof logits[i]);
    }
    if (rc != RMN_OK) {
        TAP_OK(0, "%s in bf16: %s", arch, rmn_error_message());
    } else {
        rmn_dnnl_stats s;
        rmn_dnnl_stats_get(net[1]->backend_state, &s);
        int finite = isfinite(loss) != 0;
        const float *g = rmn_net_grads(net[1]);
        for (size_t i = 0; i < rmn_net_param_count(net[1]); ++i)
            finite &= isfinite(g[i]) != 0;
        const double ei = rel_err(logits[1], logits[0], 14);
        TAP_OK(s.fallbacks == 0 && finite && ei < 0.10,
               "%s (width 16) in bf16: a training step (loss %.4f) and an inference, %ld fallbacks, finite "
               "gradients, fused logits %.1e off fp32's (< 1e-1)", arch, loss, s.fallbacks, ei);
    }
    rmn_net_free(net[0]);
    rmn_net_free(net[1]);
}

/* fp32 logits, then bf16, then fp32 again on the same net: the first and last the same bits
 * (separate cache entries per precision), the bf16 ones different. */
static void cache_key_case(void) {
    const rmn_model_config cfg = {.in_channels = 1, .image_size = 24, .num_classes = 7, .seed = 3, .width = 8};
    rmn_net *net = NULL;
    const int n = 2;
    float x[2 * 24 * 24], l[3][14];
    for (int i = 0; i < n * 24 * 24; ++i)
        x[i] = (float)((i * 31) % 97) / 97.0f;
    int rc = rmn_model_create("democnn", &cfg, &net);
    if (rc == RMN_OK)
        rc = rmn_net_set_backend(net, "dnnl");
    for (int pass = 0; pass < 3 && rc == RMN_OK; ++pass) {
        rc = rmn_net_set_precision(net, pass == 1 ? RMN_PRECISION_BF16 : RMN_PRECISION_FP32);
        if (rc == RMN_OK)
            rc = rmn_net_infer(net, x, n);
        if (rc == RMN_OK)
            memcpy(l[pass], rmn_net_logits(net), sizeof l[pass]);
    }
    TAP_OK(rc == RMN_OK && memcmp(l[0], l[2], sizeof l[0]) == 0 && memcmp(l[0], l[1], sizeof l[0]) != 0,
           "precision in the cache key: fp32 logits the same bits before and after bf16, bf16's differ%s%s",
           rc == RMN_OK ? "" : ": ", rc == RMN_OK ? "" : rmn_error_message());
    rmn_net_free(net);
}

/* bf16 on the backends that compute in fp32 only, and a bf16 net moved to one */
static void refusal_cases(void) {
    const rmn_model_config cfg = {.in_channels = 1, .image_size = 24, .num_classes = 7, .seed = 3, .width = 8};
    const char *names[2] = {"ref", "cpu"};
    for (int i = 0; i < 2; ++i) {
        rmn_net *net = NULL;
        int rc = rmn_model_create("democnn", &cfg, &net);
        if (rc == RMN_OK)
            rc = rmn_net_set_backend(net, names[i]);
        const int refused = rc == RMN_OK && rmn_net_set_precision(net, RMN_PRECISION_BF16) == RMN_EINVAL;
        TAP_OK(refused && strstr(rmn_error_message(), "fp32 only") && strstr(rmn_error_message(), names[i]) &&
                   rmn_net_precision(net) == RMN_PRECISION_FP32 &&
                   rmn_net_set_precision(net, RMN_PRECISION_FP32) == RMN_OK,
               "bf16 on %s refused: %s", names[i], rmn_error_message());
        rmn_net_free(net);
    }
    rmn_net *net = NULL;
    int rc = rmn_model_create("democnn", &cfg, &net);
    if (rc == RMN_OK)
        rc = rmn_net_set_backend(net, "dnnl");
    if (rc == RMN_OK)
        rc = rmn_net_set_precision(net, RMN_PRECISION_BF16);
    const int refused = rc == RMN_OK && rmn_net_set_backend(net, "ref") != RMN_OK;
    TAP_OK(refused && strstr(rmn_error_message(), "fp32 only") && strcmp(net->backend->name, "dnnl") == 0,
           "a bf16 net is not moved to ref: %s", rmn_error_message());
    rmn_precision p;
    TAP_OK(rmn_precision_parse("fp16", "--precision", &p) == RMN_EINVAL &&
               strstr(rmn_error_message(), "\"fp32\" or \"bf16\"") &&
               rmn_precision_parse("bf16", "--precision", &p) == RMN_OK && p == RMN_PRECISION_BF16,
           "precision names: %s", rmn_error_message());
    rmn_net_free(net);
}

/* In a child, before oneDNN generates any code: cap its ISA below AVX512_BF16 and ask for
 * bf16 (the state and a net); 0 when both refuse naming the instruction set. */
static int capped_child(void) {
    if (dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx512_core) != dnnl_success)
        return 2;
    void *st = NULL;
    if (rmn_backend_dnnl.state_create(&st) != RMN_OK)
        return 3;
    int ok = rmn_backend_dnnl.set_precision(st, RMN_PRECISION_BF16) == RMN_EINVAL &&
             strstr(rmn_error_message(), "AVX512_BF16") != NULL;
    rmn_backend_dnnl.state_free(st);
    const rmn_model_config cfg = {.in_channels = 1, .image_size = 24, .num_classes = 7, .seed = 3, .width = 8};
    rmn_net *net = NULL;
    ok = ok && rmn_model_create("democnn", &cfg, &net) == RMN_OK && rmn_net_set_backend(net, "dnnl") == RMN_OK &&
         rmn_net_set_precision(net, RMN_PRECISION_BF16) == RMN_EINVAL &&
         strstr(rmn_error_message(), "AVX512_BF16") && rmn_net_precision(net) == RMN_PRECISION_FP32;
    printf("# capped at AVX512_CORE: %s\n", rmn_error_message());
    fflush(stdout);
    rmn_net_free(net);
    return ok ? 0 : 1;
}

int main(void) {
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0)
        _exit(capped_child());
    int status = -1;
    if (pid > 0)
        waitpid(pid, &status, 0);
    void *st = NULL;
    if (rmn_backend_dnnl.state_create(&st) != RMN_OK) {
        printf("not ok 1 - dnnl state: %s\n1..1\n", rmn_error_message());
        return 1;
    }
    if (rmn_backend_dnnl.set_precision(st, RMN_PRECISION_BF16) != RMN_OK) {
        printf("1..0 # SKIP no bf16 on this CPU: %s\n", rmn_error_message());
        rmn_backend_dnnl.state_free(st);
        return 0;
    }
    TAP_OK(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "bf16 refused naming AVX512_BF16 when oneDNN is capped at AVX512_CORE (child status %d)", status);
    refusal_cases();
    rmn_rng rng;
    rmn_rng_init(&rng, 20261205, 0);
    conv_case(st, "3x3 s1 5->7 plain", 3, 5, 9, 7, 3, 1, 1, 1, 0, &rng);
    conv_case(st, "3x3 s1 16->32 nChw16c", 4, 16, 8, 32, 3, 1, 1, 1, 1, &rng);
    conv_case(st, "3x3 s1 32->32 on 2x2 nChw16c (the small-map case)", 8, 32, 2, 32, 3, 1, 1, 1, 1, &rng);
    conv_case(st, "1x1 s2 16->32 nChw16c", 4, 16, 9, 32, 1, 2, 0, 1, 1, &rng);
    conv_case(st, "7x7 s2 p3 3->16 plain", 2, 3, 15, 16, 7, 2, 3, 1, 0, &rng);
    conv_case(st, "3x3 groups 4, 16->32 plain", 3, 16, 9, 32, 3, 1, 1, 4, 0, &rng);
    convt_case(st, 2, &rng);
    convt_case(st, 1, &rng);
    linear_case(st, 5, 300, 17, 0, &rng);
    linear_case(st, 8, 64, 7, RMN_FRESH_DX | RMN_FRESH_DW, &rng);
    rmn_dnnl_stats s;
    rmn_dnnl_stats_get(st, &s);
    TAP_OK(s.fallbacks == 0 && s.dense == 1, "every op ran on oneDNN: %ld entries, %ld fallbacks, %ld dense "
           "(fp32 SGEMM) weight gradient (the 2x2 map)", s.entries, s.fallbacks, s.dense);
    rmn_backend_dnnl.state_free(st);
    cache_key_case();
    model_case("democnn", 8, 24);
    model_case("resnet18-tv48", 16, 48);
    static const char *const zoo[] = {"efficientnet_b2b", "inception_v3", "bam_resnet50"};
    for (size_t i = 0; i < sizeof zoo / sizeof zoo[0]; ++i)
        zoo_case(zoo[i]);
    return tap_done();
}

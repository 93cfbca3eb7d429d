/* test-net.c -- the democnn network end to end: registry, analytic parameter count, named
 * tensors, PyTorch-style init, batch-size independence in eval mode, cpu vs ref backends,
 * a finite-difference check of the whole graph's backward, overfitting one batch with SGD,
 * bit-identical parameters for the same seed, the error paths, and the train-step
 * throughput at batch 48 (printed, not asserted). Then a graph built with every builder (a
 * small net in the style of the thesis zoo: grouped and dilated convs, SE and CBAM attention,
 * a residual masking unit with transposed conv, resize, concat, softmax over channels, pools):
 * cpu and ref agree, its backward matches finite differences of its loss, per-tensor init
 * kinds, and the builders' error paths. Last, the read-only graph view (nn/view.h) of a small
 * net with a shared linear layer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "nn/graph.h"
#include "models/model.h"
#include "nn/net.h"
#include "nn/view.h"
#include "optim/sgd.h"
#include "tap.h"

static void random_batch(float *x, int32_t *labels, int n, int size, uint64_t seed) {
    rmn_rng rng;
    rmn_rng_init(&rng, seed, RMN_STREAM_SAMPLE);
    for (size_t i = 0; i < (size_t)n * size * size; ++i)
        x[i] = rmn_rng_uniformf(&rng);
    for (int i = 0; i < n; ++i)
        labels[i] = (int32_t)rmn_rng_below(&rng, 7);
}

static rmn_net *make(int width, uint64_t seed) {
    rmn_model_config cfg = {.in_channels = 1, .image_size = 48, .num_classes = 7,
                            .seed = seed, .width = width};
    rmn_net *net = NULL;
    if (rmn_model_create("democnn", &cfg, &net) != RMN_OK)
        tap_diag("create failed: %s", rmn_error_message());
    return net;
}

static void test_build(void) {
    const char *const *names;
    int n;
    rmn_model_names(&names, &n);
    int found = 0;
    for (int i = 0; i < n; ++i)
        found |= strcmp(names[i], "democnn") == 0;
    TAP_OK(found, "registry lists democnn (%d architectures)", n);
    rmn_model_config cfg = {.in_channels = 1, .image_size = 48, .num_classes = 7};
    rmn_net *net = NULL;
    TAP_OK(rmn_model_create("nosuchnet", &cfg, &net) == RMN_ENOTFOUND && !net,
           "an unknown architecture is ENOTFOUND (%s)", rmn_error_message());
    cfg.image_size = 4;
    TAP_OK(rmn_model_create("democnn", &cfg, &net) == RMN_EINVAL && !net,
           "democnn refuses a 4x4 image");

    net = make(0, 1);
    TAP_OK(net && strcmp(rmn_net_arch(net), "democnn") == 0, "democnn builds (default width)");
    /* conv weights (no bias, BN follows) + BN weight and bias + fc, width 32 */
    const size_t analytic = 9 * 1 * 32 + 9 * 32 * 64 + 9 * 64 * 128 + 9 * 128 * 128 +
                            2 * (32 + 64 + 128 + 128) + 128 * 7 + 7;
    tap_diag("democnn width 32: %zu trainable parameters (analytic %zu)",
             rmn_net_param_count(net), analytic);
    TAP_OK(rmn_net_param_count(net) == analytic && analytic == 241511,
           "parameter count equals the analytic count 241511");

    const rmn_tensor_ref *t;
    int nt;
    int rc = rmn_net_tensors(net, &t, &nt);
    TAP_OK(rc == RMN_OK && nt == 22, "22 named tensors (%d)", nt);
    size_t trainable = 0;
    int contiguous = 1, names_ok = 1;
    const float *expect = rmn_net_params(net);
    for (int i = 0; i < nt; ++i) {
        size_t count = 1;
        for (int d = 0; d < t[i].ndim; ++d)
            count *= (size_t)t[i].shape[d];
        if (t[i].trainable) {
            contiguous &= t[i].data == expect;
            expect += count;
            trainable += count;
        }
    }
    names_ok = strcmp(t[0].name, "conv1.weight") == 0 && t[0].ndim == 4 && t[0].shape[0] == 32 &&
               t[0].shape[1] == 1 && t[0].shape[2] == 3 && strcmp(t[3].name, "bn1.running_mean") == 0 &&
               !t[3].trainable && strcmp(t[nt - 2].name, "fc.weight") == 0 &&
               t[nt - 2].shape[0] == 7 && t[nt - 2].shape[1] == 128 &&
               strcmp(t[nt - 1].name, "fc.bias") == 0;
    TAP_OK(trainable == analytic && contiguous, "trainable tensors tile the parameter arena");
    TAP_OK(names_ok, "PyTorch names and shapes (%s, %s, %s)", t[0].name, t[3].name,
           t[nt - 2].name);
    TAP_OK(((uintptr_t)rmn_net_params(net) % 64) == 0 && ((uintptr_t)rmn_net_grads(net) % 64) == 0,
           "parameter and gradient arenas are 64-byte aligned");

    double c1max = 0.0, fcmax = 0.0, rv = 0.0;
    for (int i = 0; i < 288; ++i)
        c1max = fmax(c1max, fabs(t[0].data[i]));
    for (int i = 0; i < 896; ++i)
        fcmax = fmax(fcmax, fabs(t[nt - 2].data[i]));
    for (int i = 0; i < 32; ++i)
        rv += t[4].data[i] + t[1].data[i];
    TAP_OK(c1max <= 1.0 / 3.0 && c1max > 0.3, "conv1 init ~ U(-1/3, 1/3) (max |w| %.4f)", c1max);
    TAP_OK(fcmax <= 1.0 / sqrt(128.0) && fcmax > 0.08,
           "fc init ~ U(-1/sqrt(128), 1/sqrt(128)) (max |w| %.4f)", fcmax);
    TAP_OK(rv == 64.0, "bn1 weight and running_var start at 1");
    rmn_net_free(net);
}

static void test_eval_batch_independent(void) {
    rmn_net *net = make(16, 7);
    float *x = malloc(4 * 48 * 48 * sizeof(float)), l1[7];
    int32_t labels[4];
    random_batch(x, labels, 4, 48, 11);
    rmn_net_plan(net, 4);
    rmn_net_forward(net, x, 1, 0, NULL);
    memcpy(l1, rmn_net_logits(net), sizeof l1);
    int rc = rmn_net_forward(net, x, 4, 0, NULL);
    double err = 0.0;
    for (int j = 0; j < 7; ++j)
        err = fmax(err, fabs(l1[j] - rmn_net_logits(net)[j]));
    TAP_OK(rc == RMN_OK && err < 1e-5, "eval: batch 1 equals row 0 of batch 4 (max diff %.2e)",
           err);

    float ref4[28];
    memcpy(ref4, rmn_net_logits(net), sizeof ref4);
    rc = rmn_net_set_backend(net, "ref");
    rc |= rmn_net_forward(net, x, 4, 0, NULL);
    err = 0.0;
    for (int j = 0; j < 28; ++j)
        err = fmax(err, fabs(ref4[j] - rmn_net_logits(net)[j]));
    TAP_OK(rc == RMN_OK && err < 1e-5, "eval: the ref backend agrees with cpu (max diff %.2e)",
           err);
    TAP_OK(rmn_net_set_backend(net, "nosuch") == RMN_ENOTFOUND, "unknown backend: ENOTFOUND");
    free(x);
    rmn_net_free(net);
}

/* Loss of a training forward with a fixed dropout mask (the stream restarts each time). */
static double train_loss(rmn_net *net, const float *x, const int32_t *y, int n) {
    rmn_rng rng;
    rmn_rng_init(&rng, 5, RMN_STREAM_DROPOUT);
    double loss;
    rmn_net_forward(net, x, n, 1, &rng);
    rmn_net_loss(net, y, NULL, &loss, NULL);
    return loss;
}

static void test_graph_gradient(void) {
    enum { IMG = 24 };
    rmn_model_config cfg = {.in_channels = 1, .image_size = IMG, .num_classes = 7, .seed = 3,
                            .width = 3};
    rmn_net *net;
    rmn_model_create("democnn", &cfg, &net);
    float x[3 * IMG * IMG];
    int32_t y[3];
    random_batch(x, y, 3, IMG, 21);
    const size_t np = rmn_net_param_count(net);
    float *p = rmn_net_params(net), *g = malloc(np * sizeof(float));
    train_loss(net, x, y, 3);
    rmn_net_backward(net);
    memcpy(g, rmn_net_grads(net), np * sizeof(float));
    double maxerr = 0.0, maxg = 0.0;
    int checked = 0;
    for (size_t i = 0; i < np; i += 7) {
        const float v = p[i], h = 3e-4f; /* BN over a small batch is curved: keep h small */
        p[i] = v + h;
        const double lp = train_loss(net, x, y, 3);
        p[i] = v - h;
        const double lm = train_loss(net, x, y, 3);
        p[i] = v;
        const double fd = (lp - lm) / (2.0 * h);
        maxerr = fmax(maxerr, fabs(fd - g[i]));
        maxg = fmax(maxg, fabs(g[i]));
        ++checked;
    }
    TAP_OK(maxerr / maxg < 2e-2, "graph backward (training mode, BN + dropout) matches float "
           "finite differences on %d parameters (rel err %.2e)", checked, maxerr / maxg);
    free(g);
    rmn_net_free(net);
}

static void train_steps(rmn_net *net, const float *x, const int32_t *y, int n, int steps,
                        double *first, double *last) {
    rmn_sgd opt;
    rmn_sgd_init(&opt, rmn_net_param_count(net), 0.05f, 0.9f, 1e-4f, 0);
    rmn_rng drop;
    rmn_rng_init(&drop, 99, RMN_STREAM_DROPOUT);
    for (int s = 0; s < steps; ++s) {
        double loss;
        rmn_net_forward(net, x, n, 1, &drop);
        rmn_net_loss(net, y, NULL, &loss, NULL);
        rmn_net_backward(net);
        rmn_sgd_step(&opt, rmn_net_params(net), rmn_net_grads(net));
        if (s == 0 && first)
            *first = loss;
        if (last)
            *last = loss;
    }
    rmn_sgd_free(&opt);
}

static void test_training(void) {
    enum { B = 16 };
    float *x = malloc(B * 48 * 48 * sizeof(float));
    int32_t y[B];
    random_batch(x, y, B, 48, 42);
    rmn_net *net = make(16, 2024);
    rmn_net_plan(net, B);
    double first = 0, last = 0;
    train_steps(net, x, y, B, 30, &first, &last);
    double eval_loss;
    int correct;
    rmn_net_forward(net, x, B, 0, NULL);
    rmn_net_loss(net, y, NULL, &eval_loss, &correct);
    TAP_OK(last < 0.35 * first, "overfitting one batch: loss %.4f -> %.4f in 30 SGD steps",
           first, last);
    tap_diag("after training: eval-mode loss %.4f, %d/%d correct", eval_loss, correct, B);
    rmn_net_free(net);

    rmn_net *a = make(16, 77), *b = make(16, 77), *c = make(16, 78);
    const size_t np = rmn_net_param_count(a);
    TAP_OK(memcmp(rmn_net_params(a), rmn_net_params(b), np * sizeof(float)) == 0 &&
               memcmp(rmn_net_params(a), rmn_net_params(c), np * sizeof(float)) != 0,
           "init: same seed same parameters, another seed others");
    train_steps(a, x, y, B, 5, NULL, NULL);
    train_steps(b, x, y, B, 5, NULL, NULL);
    const rmn_tensor_ref *ta, *tb;
    int na, nb, same_buffers = 1;
    rmn_net_tensors(a, &ta, &na);
    rmn_net_tensors(b, &tb, &nb);
    for (int i = 0; i < na; ++i)
        if (!ta[i].trainable)
            same_buffers &= memcmp(ta[i].data, tb[i].data, (size_t)ta[i].shape[0] * 4) == 0;
    TAP_OK(memcmp(rmn_net_params(a), rmn_net_params(b), np * sizeof(float)) == 0 && same_buffers,
           "same seed: bit-identical parameters and BN buffers after 5 steps");
    rmn_net_free(a);
    rmn_net_free(b);
    rmn_net_free(c);
    free(x);
}

static void test_errors(void) {
    rmn_net *net = make(4, 1);
    float x[3 * 48 * 48] = {0};
    int32_t y[3] = {0, 1, 2};
    double loss;
    rmn_net_plan(net, 2);
    TAP_OK(rmn_net_forward(net, x, 3, 0, NULL) == RMN_EINVAL, "forward beyond the plan: EINVAL");
    TAP_OK(rmn_net_forward(net, x, 2, 1, NULL) == RMN_EINVAL,
           "training forward without a dropout stream: EINVAL (%s)", rmn_error_message());
    TAP_OK(rmn_net_backward(net) == RMN_EINVAL, "backward before loss: EINVAL");
    rmn_net_forward(net, x, 2, 0, NULL);
    y[1] = 9;
    TAP_OK(rmn_net_loss(net, y, NULL, &loss, NULL) == RMN_EINVAL, "label 9 of 7 classes: EINVAL");
    TAP_OK(rmn_net_backward(net) == RMN_EINVAL, "no backward after a failed loss");
    rmn_net_free(net);
}

static void test_throughput(void) {
    enum { B = 48, STEPS = 3 };
    rmn_net *net = make(32, 5);
    float *x = malloc(B * 48 * 48 * sizeof(float));
    int32_t y[B];
    random_batch(x, y, B, 48, 8);
    rmn_net_plan(net, B);
    train_steps(net, x, y, B, 1, NULL, NULL); /* warm-up */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    train_steps(net, x, y, B, STEPS, NULL, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    tap_diag("democnn width 32, batch 48: %.1f images/s per train step (forward, loss, "
             "backward, SGD)", B * STEPS / s);
    TAP_OK(s > 0, "throughput measured");
    free(x);
    rmn_net_free(net);
}

// --- a graph with every builder -------------------------------------------------------------

/* Input (3,12,12), 7 classes. */
static int build_zoo(rmn_net *net, uint64_t seed) {
    int x, a, b, c, t, m, s1, s2, cat[3];
    const rmn_conv_params c3 = {.kh = 3, .kw = 3, .pad_h = 1, .pad_w = 1};
    RMN_TRY(rmn_net_add_conv2d_ex(net, "stem", 0, 6, &c3, 0, &x));
    RMN_TRY(rmn_net_add_bn2d_ex(net, "stem_bn", x, 0.01, 1e-3, &x));
    RMN_TRY(rmn_net_add_act(net, x, RMN_ACT_SILU, &x));
    /* inception-like: 1x3 / 3x1 / dilated grouped branches, concatenated */
    RMN_TRY(rmn_net_add_conv2d_ex(net, "b1", x, 4, &(rmn_conv_params){.kh = 1, .kw = 3, .pad_w = 1}, 1, &cat[0]));
    RMN_TRY(rmn_net_add_conv2d_ex(net, "b2", x, 2, &(rmn_conv_params){.kh = 3, .kw = 1, .pad_h = 1}, 1, &cat[1]));
    RMN_TRY(rmn_net_add_conv2d_ex(net, "b3", x, 6, &(rmn_conv_params){.kh = 3, .kw = 3, .pad_h = 2, .pad_w = 2, .dil_h = 2, .dil_w = 2, .groups = 3}, 1, &cat[2]));
    RMN_TRY(rmn_net_add_concat(net, cat, 3, &x)); /* 12 channels */
    RMN_TRY(rmn_net_add_act(net, x, RMN_ACT_RELU6, &x));
    RMN_TRY(rmn_net_add_maxpool2d_ex(net, x, &(rmn_pool_params){.kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1, .ceil_mode = 1}, &x)); /* 7x7 (ceil) */
    /* SE: channel attention */
    RMN_TRY(rmn_net_add_gap(net, x, &a));
    RMN_TRY(rmn_net_add_conv2d(net, "se1", a, 4, 1, 1, 0, 1, &a));
    RMN_TRY(rmn_net_add_act(net, a, RMN_ACT_TANH, &a));
    RMN_TRY(rmn_net_add_conv2d(net, "se2", a, 12, 1, 1, 0, 1, &a));
    RMN_TRY(rmn_net_add_act(net, a, RMN_ACT_SIGMOID, &a));
    RMN_TRY(rmn_net_add_mul(net, a, x, &x)); /* broadcast operand first: swapped */
    /* CBAM: spatial attention */
    RMN_TRY(rmn_net_add_channel_mean(net, x, &s1));
    RMN_TRY(rmn_net_add_channel_max(net, x, &s2));
    RMN_TRY(rmn_net_add_concat(net, (int[]){s1, s2}, 2, &b));
    RMN_TRY(rmn_net_add_conv2d(net, "sa", b, 1, 3, 1, 1, 0, &b));
    RMN_TRY(rmn_net_add_act(net, b, RMN_ACT_SIGMOID, &b));
    RMN_TRY(rmn_net_add_mul(net, x, b, &x));
    /* masking unit: down, up with a transposed conv, resize, softmax mask, T * (1 + M) */
    t = x;
    RMN_TRY(rmn_net_add_avgpool2d(net, x, &(rmn_pool_params){.kh = 2, .kw = 2, .ceil_mode = 1}, &m)); /* 4x4 (ceil) */
    RMN_TRY(rmn_net_add_conv_transpose2d(net, "up", m, 5, &(rmn_conv_params){.kh = 2, .kw = 2, .stride_h = 2, .stride_w = 2}, 0, 0, 1, &m)); /* 8x8 */
    RMN_TRY(rmn_net_add_bn2d(net, "mask_bn", m, &m));
    RMN_TRY(rmn_net_add_resize_bilinear(net, m, 7, 5, &m));
    RMN_TRY(rmn_net_add_resize_bilinear(net, m, 7, 7, &m));
    RMN_TRY(rmn_net_add_conv2d(net, "mask_conv", m, 12, 1, 1, 0, 1, &m));
    RMN_TRY(rmn_net_add_softmax_channels(net, m, &m));
    RMN_TRY(rmn_net_add_mask_mul(net, t, m, &x));
    RMN_TRY(rmn_net_add_add(net, x, t, &x));
    RMN_TRY(rmn_net_add_adaptive_avgpool2d(net, x, 2, 3, &c));
    RMN_TRY(rmn_net_add_flatten(net, c, &c));
    RMN_TRY(rmn_net_add_linear(net, "fc", c, 7, 1, &c));
    RMN_TRY(rmn_net_set_init_op(net, RMN_OP_CONV2D, "weight", RMN_INIT_KAIMING_NORMAL_FAN_OUT, 0, NULL));
    RMN_TRY(rmn_net_set_init(net, "mask_bn.weight", RMN_INIT_CONSTANT, 0.5));
    return rmn_net_finalize(net, c, seed);
}

static rmn_net *make_zoo(uint64_t seed) {
    rmn_net *net = NULL;
    if (rmn_net_alloc(&net, "zoo-test", 3, 12, 12) != RMN_OK)
        return NULL;
    if (build_zoo(net, seed) != RMN_OK) {
        tap_diag("build failed: %s", rmn_error_message());
        rmn_net_free(net);
        return NULL;
    }
    return net;
}

static void test_zoo_graph(void) {
    rmn_net *net = make_zoo(11);
    TAP_OK(net != NULL, "a graph with every builder finalizes (%zu parameters)",
           net ? rmn_net_param_count(net) : 0);
    if (!net)
        return;
    enum { N = 3 };
    float x[N * 3 * 144], lref[N * 7];
    int32_t y[N] = {4, 0, 6};
    rmn_rng rng;
    rmn_rng_init(&rng, 5, RMN_STREAM_SAMPLE);
    for (size_t i = 0; i < sizeof x / sizeof x[0]; ++i)
        x[i] = (float)(2.0 * rmn_rng_uniform(&rng) - 1.0);
    int rc = rmn_net_set_backend(net, "ref") | rmn_net_forward(net, x, N, 0, NULL);
    memcpy(lref, rmn_net_logits(net), sizeof lref);
    rc |= rmn_net_set_backend(net, "cpu") | rmn_net_forward(net, x, N, 0, NULL);
    double err = 0.0, mx = 0.0;
    for (int j = 0; j < N * 7; ++j) {
        err = fmax(err, fabs(lref[j] - rmn_net_logits(net)[j]));
        mx = fmax(mx, fabs(lref[j]));
    }
    TAP_OK(rc == RMN_OK && err <= 1e-5 * fmax(mx, 1.0), "zoo graph: cpu and ref logits agree "
           "(max diff %.2e, max |logit| %.3g)", err, mx);

    /* backward vs central differences of the loss (float forward, eps 1e-3, eval mode). The
     * float loss carries ~1e-7 of noise, i.e. ~5e-5 in a difference quotient, hence the floor
     * 1e-2 and the 2e-2 tolerance: a wiring error (a gradient routed to the wrong input, a
     * missed accumulation) is O(1). */
    double loss;
    rc = rmn_net_forward(net, x, N, 0, NULL) | rmn_net_loss(net, y, NULL, &loss, NULL) |
         rmn_net_backward(net);
    const size_t np = rmn_net_param_count(net);
    float *p = rmn_net_params(net), *g = malloc(np * sizeof(float));
    memcpy(g, rmn_net_grads(net), np * sizeof(float));
    const rmn_tensor_ref *t;
    int nt;
    rmn_net_tensors(net, &t, &nt);
    double worst = 0.0, gmax = 0.0;
    int checked = 0;
    for (int k = 0; k < nt; ++k) {
        if (!t[k].trainable)
            continue;
        const size_t off = (size_t)(t[k].data - p);
        for (int s = 0; s < 2; ++s) { /* two entries of every parameter tensor */
            const size_t i = off + (s == 0 ? 0 : (size_t)(rmn_rng_below(&rng, 1000003)) %
                                                     (size_t)(t[k].shape[0]));
            const float v = p[i];
            double lp, lm;
            p[i] = v + 1e-3f;
            rmn_net_forward(net, x, N, 0, NULL);
            rmn_net_loss(net, y, NULL, &lp, NULL);
            p[i] = v - 1e-3f;
            rmn_net_forward(net, x, N, 0, NULL);
            rmn_net_loss(net, y, NULL, &lm, NULL);
            p[i] = v;
            const double fd = (lp - lm) / ((double)(v + 1e-3f) - (double)(v - 1e-3f));
            worst = fmax(worst, fabs(fd - g[i]) / fmax(fabs(fd), 1e-2));
            gmax = fmax(gmax, fabs(fd));
            ++checked;
        }
    }
    TAP_OK(rc == RMN_OK && worst < 2e-2 && gmax > 0, "zoo graph: backward matches finite "
           "differences at %d parameters (worst rel err %.2e)", checked, worst);
    free(g);

    /* inits */
    const rmn_tensor_ref *up = NULL, *mbn = NULL, *stem = NULL;
    for (int k = 0; k < nt; ++k) {
        if (strcmp(t[k].name, "up.weight") == 0)
            up = &t[k];
        if (strcmp(t[k].name, "mask_bn.weight") == 0)
            mbn = &t[k];
        if (strcmp(t[k].name, "stem.weight") == 0)
            stem = &t[k];
    }
    double umax = 0.0;
    for (int i = 0; up && i < 12 * 5 * 4; ++i)
        umax = fmax(umax, fabs(up->data[i]));
    /* ConvTranspose2d weight (12,5,2,2): fan_in = size(1)*2*2 = 20 -> bound 0.2236; with dim 0
     * it would be 48 -> 0.144 */
    TAP_OK(up && up->shape[0] == 12 && up->shape[1] == 5 && umax <= 1 / sqrt(20.0) &&
           umax > 0.18, "conv_transpose2d default init: U(+-1/sqrt(C_out kh kw)) (max |w| %.4f, "
           "bound %.4f)", umax, 1 / sqrt(20.0));
    TAP_OK(mbn && mbn->data[0] == 0.5f && mbn->data[4] == 0.5f, "set_init: a BN weight set "
           "to a constant");
    double ss = 0.0;
    for (int i = 0; stem && i < 6 * 3 * 9; ++i)
        ss += (double)stem->data[i] * stem->data[i];
    const double sd = sqrt(ss / (6 * 3 * 9)), want = sqrt(2.0 / (6 * 9));
    TAP_OK(stem && fabs(sd - want) < 0.2 * want, "set_init_op: conv weights kaiming normal "
           "fan_out (sample std %.4f, sqrt(2/fan_out) = %.4f)", sd, want);
    rmn_net_free(net);

    rmn_net *a = make_zoo(11), *b = make_zoo(11);
    TAP_OK(a && b && memcmp(rmn_net_params(a), rmn_net_params(b),
                            rmn_net_param_count(a) * sizeof(float)) == 0,
           "zoo graph: same seed, same parameters");
    rmn_net_free(a);
    rmn_net_free(b);
}

static void test_zoo_errors(void) {
    rmn_net *net = NULL;
    int y, u, v;
    rmn_net_alloc(&net, "err", 6, 8, 8);
    TAP_OK(rmn_net_add_conv2d_ex(net, "g", 0, 5, &(rmn_conv_params){.kh = 3, .kw = 3, .groups = 3}, 0, &y) == RMN_EINVAL,
           "conv2d: channels not divisible by groups is EINVAL (%s)", rmn_error_message());
    rmn_net_add_conv2d(net, "c", 0, 4, 3, 2, 1, 0, &u); /* 4x4x4 */
    TAP_OK(rmn_net_add_add(net, 0, u, &y) == RMN_EINVAL, "add: 6x8x8 and 4x4x4 do not broadcast");
    TAP_OK(rmn_net_add_concat(net, (int[]){0, u}, 2, &y) == RMN_EINVAL,
           "concat: different map sizes are EINVAL");
    rmn_net_add_channel_mean(net, 0, &v); /* 1x8x8 */
    TAP_OK(rmn_net_add_mask_mul(net, v, 0, &y) == RMN_EINVAL,
           "mask_mul: t must have the full shape");
    TAP_OK(rmn_net_add_mul(net, v, 0, &y) == RMN_OK && net->values[y].c == 6,
           "mul: a (1,H,W) operand broadcasts over channels either way round");
    TAP_OK(rmn_net_add_avgpool2d(net, 0, &(rmn_pool_params){.kh = 2, .kw = 2, .pad_h = 2}, &y) == RMN_EINVAL,
           "avgpool2d: pad > kernel/2 is EINVAL");
    TAP_OK(rmn_net_set_init(net, "c.nosuch", RMN_INIT_ZEROS, 0) == RMN_ENOTFOUND,
           "set_init: an unknown tensor is ENOTFOUND");
    rmn_net_add_bn2d(net, "bn", u, &u);
    TAP_OK(rmn_net_set_init(net, "bn.running_var", RMN_INIT_ZEROS, 0) == RMN_EINVAL,
           "set_init: a buffer is EINVAL");
    TAP_OK(rmn_net_set_init(net, "bn.weight", RMN_INIT_KAIMING_NORMAL_FAN_OUT, 0) == RMN_EINVAL,
           "set_init: kaiming on a BN weight is EINVAL");
    TAP_OK(rmn_net_set_init(net, "bn.weight", RMN_INIT_ZEROS, 0) == RMN_OK,
           "set_init: zero-init of a chosen BN weight");
    rmn_net_free(net);
}

static int tensor_named(const rmn_net *net, const char *name) {
    for (int i = 0; i < rmn_net_tensor_count(net); ++i) {
        rmn_tensor_view t;
        if (rmn_net_tensor_view(net, i, &t) == RMN_OK && strcmp(t.name, name) == 0)
            return i;
    }
    return -2;
}

static void test_view(void) {
    rmn_net *net = NULL;
    int c, b, r, g, f1, f2, s, l;
    int rc = rmn_net_alloc(&net, "view", 3, 8, 8);
    rc = rc ? rc : rmn_net_add_conv2d(net, "c", 0, 4, 3, 1, 1, 1, &c);
    rc = rc ? rc : rmn_net_add_bn2d_ex(net, "bn", c, 0.2, 1e-3, &b);
    rc = rc ? rc : rmn_net_add_relu(net, b, &r);
    rc = rc ? rc : rmn_net_add_gap(net, r, &g);
    rc = rc ? rc : rmn_net_add_linear(net, "fc1", g, 4, 1, &f1);
    rc = rc ? rc : rmn_net_add_linear_shared(net, g, f1, &f2);
    rc = rc ? rc : rmn_net_add_add(net, f1, f2, &s);
    rc = rc ? rc : rmn_net_add_linear(net, "fc2", s, 3, 0, &l);
    TAP_OK(rc == RMN_OK && !rmn_net_is_finalized(net) && rmn_net_logits_value(net) == -1,
           "view: before finalize, not finalized and no logits value");
    rmn_tensor_view t;
    TAP_OK(rmn_net_tensor_view(net, 0, &t) == RMN_OK && !t.data && t.op == RMN_OP_CONV2D,
           "view: a tensor before finalize has no data");
    rc = rc ? rc : rmn_net_finalize(net, l, 5);
    TAP_OK(rc == RMN_OK && rmn_net_is_finalized(net) && rmn_net_logits_value(net) == l &&
               rmn_net_node_count(net) == 8,
           "view: finalized, logits value %d, %d nodes", l, rmn_net_node_count(net));
    rmn_node_view n0, n1, n5, n6, n7;
    rc = rmn_net_node_view(net, 0, &n0) | rmn_net_node_view(net, 1, &n1) |
         rmn_net_node_view(net, 5, &n5) | rmn_net_node_view(net, 6, &n6) |
         rmn_net_node_view(net, 7, &n7);
    TAP_OK(rc == RMN_OK && n0.op == RMN_OP_CONV2D && strcmp(n0.label, "conv") == 0 &&
               n0.n_in == 1 && n0.in[0] == 0 && n0.out == c && n0.conv.kh == 3 &&
               n0.weight == tensor_named(net, "c.weight") &&
               n0.bias == tensor_named(net, "c.bias") &&
               n0.running_mean == RMN_NET_NO_TENSOR,
           "view: the conv node, its params and tensors");
    TAP_OK(n1.op == RMN_OP_BN2D && n1.eps == 1e-3 && n1.momentum == 0.2 &&
               n1.running_mean == tensor_named(net, "bn.running_mean") &&
               n1.running_var == tensor_named(net, "bn.running_var") &&
               n1.weight == tensor_named(net, "bn.weight"),
           "view: the batch norm node, eps, momentum and running statistics");
    TAP_OK(n5.op == RMN_OP_LINEAR && n5.params_shared &&
               n5.weight == tensor_named(net, "fc1.weight") &&
               n5.bias == tensor_named(net, "fc1.bias"),
           "view: the shared linear node reads fc1's tensors");
    TAP_OK(n6.op == RMN_OP_BINARY && n6.binary == RMN_BINARY_ADD && strcmp(n6.label, "add") == 0 &&
               n6.n_in == 2 && n6.in[0] == f1 && n6.in[1] == f2 &&
               n7.bias == RMN_NET_NO_TENSOR,
           "view: the add node's inputs, a linear layer without bias");
    const rmn_tensor_ref *refs;
    int nt;
    rmn_net_tensors(net, &refs, &nt);
    const int rv = tensor_named(net, "bn.running_var");
    int same = nt == rmn_net_tensor_count(net);
    for (int i = 0; same && i < nt; ++i)
        same = rmn_net_tensor_view(net, i, &t) == RMN_OK && t.data == refs[i].data &&
               strcmp(t.name, refs[i].name) == 0 && t.trainable == refs[i].trainable;
    TAP_OK(same && rmn_net_tensor_view(net, rv, &t) == RMN_OK && t.op == RMN_OP_BN2D &&
               t.node == 1 && t.count == 4 && t.ndim == 1 && t.shape[0] == 4,
           "view: tensors in rmn_net_tensors' order, the running variance owned by the BN node");
    const float four[4] = {1, 2, 3, 4};
    rc = rmn_net_tensor_write(net, rv, four, 4);
    TAP_OK(rc == RMN_OK && memcmp(refs[rv].data, four, sizeof four) == 0,
           "view: tensor_write copies a whole tensor in");
    TAP_OK(rmn_net_tensor_write(net, rv, four, 3) == RMN_EINVAL &&
               rmn_net_tensor_view(net, nt, &t) == RMN_EINVAL &&
               rmn_net_node_view(net, -1, &n0) == RMN_EINVAL,
           "view: a wrong count or index is EINVAL (%s)", rmn_error_message());
    rmn_net_free(net);
}

int main(void) {
    test_build();
    test_eval_batch_independent();
    test_graph_gradient();
    test_training();
    test_errors();
    test_zoo_graph();
    test_zoo_errors();
    test_view();
    test_throughput();
    return tap_done();
}

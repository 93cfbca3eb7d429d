/* test-net.c -- the democnn network end to end: registry, analytic parameter count, named
 * tensors, PyTorch-style init, batch-size independence in eval mode, cpu vs ref backends,
 * a finite-difference check of the whole graph's backward, overfitting one batch with SGD,
 * bit-identical parameters for the same seed, the error paths, and the train-step
 * throughput at batch 48 (printed, not asserted). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "nn/net.h"
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

int main(void) {
    test_build();
    test_eval_batch_independent();
    test_graph_gradient();
    test_training();
    test_errors();
    test_throughput();
    return tap_done();
}

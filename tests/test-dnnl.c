/* test-dnnl.c -- the "dnnl" backend (oneDNN) against the naive "ref" oracle.
 * conv2d on odd shapes (N=3, C=5, K=7, 9x7 images; 1x1, 3x3, 5x5, 7x7 s2 p3; strides 1, 2;
 * padding 0..3; with and without bias) plus a blocked-layout shape (C=16, K=32) with and
 * without Winograd: forward, dx, dw, db within 1e-4 relative, gradients accumulated onto
 * preset values. Batch norm train/eval forward and backward and the running statistics.
 * The primitive cache: a repeated shape creates no primitive; 1x1 convs on 1x1 maps take the
 * linear layer's path and create none. RMN_DNNL_TUNE: measured once, remembered in its file,
 * reused. democnn with "dnnl" gives the logits of "ref" and trains 5 SGD steps to nearly the
 * same parameters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "models/model.h"
#include "nn/graph.h"
#include "optim/sgd.h"
#include "numeric.h"
#include "tap.h"
#include "tensor/dnnl_backend.h"

static float *copy(const float *p, size_t n) {
    float *q = malloc(n * sizeof(float));
    memcpy(q, p, n * sizeof(float));
    return q;
}

/* Runs one backend's conv forward and backward; gradients accumulate onto copies of the
 * preset dx0, dw0, db0. */
static void conv_run(const rmn_backend *be, void *state, const rmn_conv2d_shape *sh,
                     const float *x, const float *w, const float *b, const float *dy,
                     const float *dx0, const float *dw0, const float *db0, float *y, float *dx,
                     float *dw, float *db) {
    rmn_backend ops;
    rmn_backend_resolve(be, &ops);
    size_t wsn = ops.conv2d_workspace(sh, 2);
    float *ws = malloc((wsn ? wsn : 1) * sizeof(float));
    const rmn_exec ex = {.ws = ws, .nthreads = 2, .state = state};
    const size_t nx = (size_t)sh->n * sh->c * sh->h * sh->w,
                 nw = (size_t)sh->k * (sh->c / rmn_conv2d_groups(sh)) * sh->r * sh->s;
    ops.conv2d_forward(&ex, y, x, w, b, sh);
    memcpy(dx, dx0, nx * sizeof(float));
    memcpy(dw, dw0, nw * sizeof(float));
    if (b)
        memcpy(db, db0, (size_t)sh->k * sizeof(float));
    ops.conv2d_backward(&ex, dx, dw, b ? db : NULL, dy, x, w, sh);
    free(ws);
}

/* The conv sh (bias or not) through the reference and oneDNN: y, dx, dw, db agree. */
static void conv_check(void *state, const rmn_conv2d_shape *shp, int bias, const char *what,
                       rmn_rng *rng) {
    const rmn_conv2d_shape sh = *shp;
    const int n = sh.n, k = sh.k;
    const size_t nx = (size_t)n * sh.c * sh.h * sh.w;
    const size_t nw = (size_t)k * (sh.c / rmn_conv2d_groups(&sh)) * sh.r * sh.s;
    const size_t ny = (size_t)n * k * sh.p * sh.q;
    float *x = filled(nx, rng), *w = filled(nw, rng), *b = filled((size_t)k, rng);
    float *dy = filled(ny, rng), *dx0 = filled(nx, rng), *dw0 = filled(nw, rng);
    float *db0 = filled((size_t)k, rng);
    float *y[2], *dx[2], *dw[2], *db[2];
    for (int i = 0; i < 2; ++i) {
        y[i] = malloc(ny * sizeof(float));
        dx[i] = malloc(nx * sizeof(float));
        dw[i] = malloc(nw * sizeof(float));
        db[i] = malloc((size_t)k * sizeof(float));
    }
    conv_run(&rmn_backend_ref, NULL, &sh, x, w, bias ? b : NULL, dy, dx0, dw0, db0, y[0], dx[0],
             dw[0], db[0]);
    conv_run(&rmn_backend_dnnl, state, &sh, x, w, bias ? b : NULL, dy, dx0, dw0, db0, y[1],
             dx[1], dw[1], db[1]);
    /* gradient tolerances are relative to the accumulated change, not the preset */
    for (size_t i = 0; i < nx; ++i)
        dx[0][i] -= dx0[i], dx[1][i] -= dx0[i];
    for (size_t i = 0; i < nw; ++i)
        dw[0][i] -= dw0[i], dw[1][i] -= dw0[i];
    const double ey = rel_err(y[1], y[0], ny), ex = rel_err(dx[1], dx[0], nx);
    const double ew = rel_err(dw[1], dw[0], nw);
    const double eb = bias ? rel_err(db[1], db[0], (size_t)k) : 0.0;
    TAP_OK(ey < 1e-4 && ex < 1e-4 && ew < 1e-4 && eb < 1e-4,
           "conv %s bias%d -> %dx%d: y %.1e dx %.1e dw %.1e db %.1e", what, bias, sh.p, sh.q,
           ey, ex, ew, eb);
    for (int i = 0; i < 2; ++i) {
        free(y[i]);
        free(dx[i]);
        free(dw[i]);
        free(db[i]);
    }
    free(x), free(w), free(b), free(dy), free(dx0), free(dw0), free(db0);
}

static void conv_case(void *state, int n, int c, int h, int wd, int k, int kernel, int stride,
                      int pad, int bias, rmn_rng *rng) {
    rmn_conv2d_shape sh;
    char what[96];
    snprintf(what, sizeof what, "N%d C%d %dx%d K%d k%d s%d p%d", n, c, h, wd, k, kernel, stride,
             pad);
    if (!TAP_OK(rmn_conv2d_shape_init(&sh, n, c, h, wd, k, kernel, stride, pad) == RMN_OK,
                "shape %s", what))
        return;
    conv_check(state, &sh, bias, what, rng);
}

/* Asymmetric pads (top, left / bottom, right): oneDNN's padding_r from the output size. */
static void conv_asym_cases(void *state, rmn_rng *rng) {
    static const struct {
        const char *what;
        int c, k, h, w;
        rmn_conv_params p;
    } cs[] = {
        {"depthwise 3x3 s2 p0,0/1,1 (TF same)", 8, 8, 10, 8, {3, 3, 2, 2, 0, 0, 1, 1, 8, 1, 1, 1}},
        {"depthwise 5x5 s2 p1,1/2,2 (TF same)", 8, 8, 10, 8, {5, 5, 2, 2, 1, 1, 1, 1, 8, 1, 2, 2}},
        {"3x3 p2,0/0,2", 5, 7, 10, 8, {3, 3, 1, 1, 2, 0, 1, 1, 1, 1, 0, 2}},
        {"1x1 p0,0/1,1", 5, 7, 10, 8, {1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1}},
        /* a map smaller than the kernel: the dense weight gradient (dnnl_conv.c) */
        {"3x3 on 2x2 p1,0/2,1", 6, 4, 2, 2, {3, 3, 1, 1, 1, 0, 1, 1, 1, 1, 2, 1}},
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; ++i) {
        rmn_conv2d_shape sh;
        if (TAP_OK(rmn_conv2d_shape_full(&sh, 3, cs[i].c, cs[i].h, cs[i].w, cs[i].k, &cs[i].p) == RMN_OK,
                   "shape %s", cs[i].what))
            conv_check(state, &sh, (int)(i % 2), cs[i].what, rng);
    }
}

static void test_conv(rmn_rng *rng) {
    void *st;
    TAP_OK(rmn_backend_dnnl.state_create(&st) == RMN_OK, "dnnl state created");
    static const int cases[][4] = {{1, 1, 0, 0}, {3, 1, 1, 1}, {5, 1, 2, 0}, {7, 2, 3, 1},
                                   {3, 2, 0, 1}, {3, 2, 1, 0}, {3, 2, 2, 1}, {3, 2, 3, 0},
                                   {1, 2, 0, 1}, {5, 2, 1, 1}, {3, 1, 0, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
        conv_case(st, 3, 5, 9, 7, 7, cases[i][0], cases[i][1], cases[i][2], cases[i][3], rng);
    /* blocked layouts, direct then Winograd */
    conv_case(st, 3, 16, 10, 10, 32, 3, 1, 1, 0, rng);
    rmn_dnnl_set_winograd(st, 1);
    conv_case(st, 2, 32, 12, 12, 64, 3, 1, 1, 1, rng);
    conv_case(st, 3, 5, 9, 7, 7, 3, 1, 1, 1, rng);
    conv_asym_cases(st, rng);
    rmn_dnnl_set_winograd(st, 0);
    conv_asym_cases(st, rng);
    rmn_dnnl_stats s0, s1;
    rmn_dnnl_stats_get(st, &s0);
    tap_diag("winograd entries %ld, primitives %ld, entries %ld, arena %zu bytes", s0.winograd,
             s0.primitives, s0.entries, s0.arena_bytes);
    TAP_OK(s0.fallbacks == 0, "no call fell back to cpu (%ld)", s0.fallbacks);
    TAP_OK(s0.primitives >= 2 * s0.entries, "each conv entry made its primitives (%ld for %ld)",
           s0.primitives, s0.entries);
    /* the cache: the same shapes again create nothing */
    rmn_dnnl_set_winograd(st, 0);
    conv_case(st, 3, 5, 9, 7, 7, 3, 1, 1, 1, rng);
    conv_case(st, 3, 16, 10, 10, 32, 3, 1, 1, 0, rng);
    rmn_dnnl_stats_get(st, &s1);
    TAP_OK(s1.primitives == s0.primitives && s1.entries == s0.entries,
           "repeated shapes reuse cached primitives (%ld -> %ld)", s0.primitives, s1.primitives);
    /* a new batch size is a new entry */
    conv_case(st, 4, 5, 9, 7, 7, 3, 1, 1, 1, rng);
    rmn_dnnl_stats_get(st, &s1);
    TAP_OK(s1.entries == s0.entries + 2, "a new batch makes forward and backward entries");
    /* 1x1 convs on 1x1 maps (squeeze-excite's) run as the linear layer: no conv entry */
    rmn_dnnl_stats_get(st, &s0);
    conv_case(st, 6, 24, 1, 1, 10, 1, 1, 0, 1, rng);
    conv_case(st, 6, 10, 1, 1, 24, 1, 2, 0, 0, rng);
    rmn_dnnl_stats_get(st, &s1);
    TAP_OK(s1.entries == s0.entries && s1.fallbacks == 0,
           "1x1 convs on 1x1 maps make no conv entry (%ld -> %ld) and fall back nowhere", s0.entries,
           s1.entries);
    rmn_backend_dnnl.state_free(st);
}

static void test_bn(rmn_rng *rng) {
    const int n = 3, c = 5, hw = 7 * 6;
    const size_t cnt = (size_t)n * c * hw;
    void *st;
    rmn_backend_dnnl.state_create(&st);
    const rmn_exec ex = {.ws = NULL, .nthreads = 2, .state = st};
    float *x = filled(cnt, rng), *dy = filled(cnt, rng), *g = filled((size_t)c, rng);
    float *bt = filled((size_t)c, rng), *rm0 = filled((size_t)c, rng);
    float *rv0 = filled((size_t)c, rng), *dx0 = filled(cnt, rng), *dg0 = filled((size_t)c, rng);
    for (int i = 0; i < c; ++i)
        rv0[i] = 0.5f + fabsf(rv0[i]);
    for (size_t i = 0; i < cnt; ++i) /* channel offsets, so that the mean matters */
        x[i] += (float)((i / hw) % c);
    float *y[2], *sm[2], *si[2], *rm[2], *rv[2], *dx[2], *dg[2], *db[2];
    for (int i = 0; i < 2; ++i) {
        y[i] = malloc(cnt * sizeof(float));
        dx[i] = copy(dx0, cnt);
        sm[i] = malloc((size_t)c * sizeof(float));
        si[i] = malloc((size_t)c * sizeof(float));
        rm[i] = copy(rm0, (size_t)c);
        rv[i] = copy(rv0, (size_t)c);
        dg[i] = copy(dg0, (size_t)c);
        db[i] = copy(dg0, (size_t)c);
    }
    const rmn_backend *be[2] = {&rmn_backend_ref, &rmn_backend_dnnl};
    for (int i = 0; i < 2; ++i)
        be[i]->bn2d_forward_train(&ex, y[i], sm[i], si[i], rm[i], rv[i], x, g, bt, n, c, hw, 0.1,
                                  1e-5);
    TAP_OK(rel_err(y[1], y[0], cnt) < 1e-4, "bn train forward y (%.1e)", rel_err(y[1], y[0], cnt));
    TAP_OK(rel_err(sm[1], sm[0], c) < 1e-5 && rel_err(si[1], si[0], c) < 1e-4,
           "bn saved mean and invstd");
    TAP_OK(rel_err(rm[1], rm[0], c) < 1e-5 && rel_err(rv[1], rv[0], c) < 1e-5,
           "bn running mean and UNBIASED running var (%.1e %.1e)", rel_err(rm[1], rm[0], c),
           rel_err(rv[1], rv[0], c));
    for (int i = 0; i < 2; ++i)
        be[i]->bn2d_backward_train(&ex, dx[i], dg[i], db[i], dy, x, g, sm[0], si[0], n, c, hw);
    TAP_OK(rel_err(dx[1], dx[0], cnt) < 1e-4 && rel_err(dg[1], dg[0], c) < 1e-4 &&
               rel_err(db[1], db[0], c) < 1e-4,
           "bn train backward dx dgamma dbeta accumulate (%.1e %.1e %.1e)",
           rel_err(dx[1], dx[0], cnt), rel_err(dg[1], dg[0], c), rel_err(db[1], db[0], c));
    for (int i = 0; i < 2; ++i)
        be[i]->bn2d_forward_eval(&ex, y[i], x, g, bt, rm0, rv0, n, c, hw, 1e-5);
    TAP_OK(rel_err(y[1], y[0], cnt) < 1e-5, "bn eval forward");
    for (int i = 0; i < 2; ++i)
        be[i]->bn2d_backward_eval(&ex, dx[i], dg[i], db[i], dy, x, g, rm0, rv0, n, c, hw, 1e-5);
    TAP_OK(rel_err(dx[1], dx[0], cnt) < 1e-4 && rel_err(dg[1], dg[0], c) < 1e-4 &&
               rel_err(db[1], db[0], c) < 1e-4,
           "bn eval backward");
    rmn_dnnl_stats s;
    rmn_dnnl_stats_get(st, &s);
    /* training runs on rmn's own kernels (bn_train.c), eval on oneDNN primitives */
    TAP_OK(s.fallbacks == 0 && s.entries == 2,
           "bn: 2 entries (eval forward, backward), none for training, no fallback (%ld, %ld)",
           s.entries, s.fallbacks);
    /* a thread count is part of an entry's key: oneDNN's batch norm sizes its barrier by the
     * threads at creation, and one created for 2 threads and run on 1 waits on the missing one
     * (densenet121 ran 5x slower at --threads 1 on a busy machine) */
    const rmn_exec ex1 = {.ws = NULL, .nthreads = 1, .state = st};
    rmn_backend_dnnl.bn2d_forward_eval(&ex1, y[1], x, g, bt, rm0, rv0, n, c, hw, 1e-5);
    rmn_dnnl_stats s1;
    rmn_dnnl_stats_get(st, &s1);
    TAP_OK(s1.entries == s.entries + 1 && s1.fallbacks == 0,
           "bn on 1 thread after 2: an entry of its own (%ld -> %ld)", s.entries, s1.entries);
    rmn_backend_dnnl.bn2d_forward_train(&ex1, y[1], sm[1], si[1], rm[1], rv[1], x, g, bt, n, c, hw,
                                        0.1, 1e-5);
    TAP_OK(rel_err(sm[1], sm[0], c) < 1e-5, "training on 1 thread: the same batch statistics");
    for (int i = 0; i < 2; ++i) {
        free(y[i]), free(sm[i]), free(si[i]), free(rm[i]), free(rv[i]);
        free(dx[i]), free(dg[i]), free(db[i]);
    }
    free(x), free(dy), free(g), free(bt), free(rm0), free(rv0), free(dx0), free(dg0);
    rmn_backend_dnnl.state_free(st);
}

static void test_democnn(rmn_rng *rng) {
    const rmn_model_config cfg = {.in_channels = 1, .image_size = 24, .num_classes = 7,
                                  .seed = 11, .width = 8};
    const int n = 6;
    rmn_net *net[2] = {NULL, NULL};
    const char *names[2] = {"ref", "dnnl"};
    float *x = filled((size_t)n * 24 * 24, rng);
    const int32_t labels[6] = {0, 3, 6, 2, 1, 5};
    for (int i = 0; i < 2; ++i) {
        if (rmn_model_create("democnn", &cfg, &net[i]) != RMN_OK ||
            rmn_net_set_backend(net[i], names[i]) != RMN_OK ||
            rmn_net_set_threads(net[i], 2) != RMN_OK) {
            TAP_OK(0, "democnn with %s: %s", names[i], rmn_error_message());
            return;
        }
        rmn_net_forward(net[i], x, n, 0, NULL);
    }
    const size_t nl = (size_t)n * 7, np = rmn_net_param_count(net[0]);
    TAP_OK(rel_err(rmn_net_logits(net[1]), rmn_net_logits(net[0]), nl) < 1e-4,
           "democnn eval logits dnnl == ref (%.1e)",
           rel_err(rmn_net_logits(net[1]), rmn_net_logits(net[0]), nl));
    rmn_sgd opt[2];
    for (int i = 0; i < 2; ++i) {
        rmn_sgd_init(&opt[i], np, 0.05f, 0.9f, 1e-4f, 0);
        for (int step = 0; step < 5; ++step) {
            rmn_rng drop;
            rmn_rng_init(&drop, 100 + (uint64_t)step, RMN_STREAM_DROPOUT);
            double loss;
            rmn_net_forward(net[i], x, n, 1, &drop);
            rmn_net_loss(net[i], labels, NULL, &loss, NULL);
            rmn_net_backward(net[i]);
            rmn_sgd_step(&opt[i], rmn_net_params(net[i]), rmn_net_grads(net[i]));
        }
    }
    const double ep = rel_err(rmn_net_params(net[1]), rmn_net_params(net[0]), np);
    TAP_OK(ep < 1e-3, "democnn 5 SGD steps: parameters dnnl ~ ref (%.1e)", ep);
    rmn_dnnl_stats s;
    rmn_dnnl_stats_get(net[1]->backend_state, &s);
    TAP_OK(s.fallbacks == 0 && s.entries > 0, "democnn on dnnl: %ld entries, %ld primitives, "
           "no fallback", s.entries, s.primitives);
    for (int i = 0; i < 2; ++i) {
        rmn_sgd_free(&opt[i]);
        rmn_net_free(net[i]);
    }
    free(x);
}

/* the number of lines of the file at path */
static int count_lines(const char *path) {
    FILE *f = fopen(path, "r");
    int n = 0, ch;
    while (f && (ch = fgetc(f)) != EOF)
        n += ch == '\n';
    if (f)
        fclose(f);
    return n;
}

/* RMN_DNNL_TUNE=1: a 3x3 stride-1 conv's three passes measured once (a line each in the file,
 * results still the ref's), a second state takes them from the file without measuring, and
 * the file's lines of another machine or malformed ones are ignored; without the variable no
 * file is written. */
static void test_tune(rmn_rng *rng) {
    char path[] = "/tmp/rmn-test-tune.XXXXXX";
    const int fd = mkstemp(path);
    if (!TAP_OK(fd >= 0, "a temporary tuning file"))
        return;
    FILE *f = fdopen(fd, "w");
    fprintf(f, "isa=1;cpu=another;cores=64\t2,16,10,10,32,3,3,1,1,0,1\t0\tdirect\n");
    fprintf(f, "a malformed line\n");
    fclose(f);
    setenv("RMN_DNNL_TUNE_FILE", path, 1);
    setenv("RMN_DNNL_TUNE", "1", 1);
    void *st;
    rmn_backend_dnnl.state_create(&st);
    conv_case(st, 2, 16, 10, 10, 32, 3, 1, 1, 0, rng); /* checks the results against ref */
    rmn_dnnl_stats s;
    rmn_dnnl_stats_get(st, &s);
    rmn_backend_dnnl.state_free(st);
    TAP_OK(s.tuned == 3 && s.tune_reused == 0 && count_lines(path) == 2 + 3,
           "tuned: 3 passes measured (%ld), a line each appended (%d lines)", s.tuned,
           count_lines(path));
    rmn_backend_dnnl.state_create(&st);
    conv_case(st, 2, 16, 10, 10, 32, 3, 1, 1, 0, rng);
    rmn_dnnl_stats_get(st, &s);
    rmn_backend_dnnl.state_free(st);
    TAP_OK(s.tuned == 0 && s.tune_reused == 3 && count_lines(path) == 5,
           "a second state reuses the 3 remembered choices (%ld), measures none (%ld)",
           s.tune_reused, s.tuned);
    unsetenv("RMN_DNNL_TUNE");
    remove(path);
    rmn_backend_dnnl.state_create(&st);
    conv_case(st, 2, 16, 10, 10, 32, 3, 1, 1, 0, rng);
    rmn_dnnl_stats_get(st, &s);
    rmn_backend_dnnl.state_free(st);
    TAP_OK(s.tuned == 0 && s.tune_reused == 0 && access(path, F_OK) != 0,
           "without RMN_DNNL_TUNE: the static rule, no file");
    unsetenv("RMN_DNNL_TUNE_FILE");
}

int main(void) {
    rmn_rng rng;
    rmn_rng_init(&rng, 20240611, 0);
    TAP_OK(rmn_backend_find("dnnl") == &rmn_backend_dnnl, "backend 'dnnl' registered");
    test_conv(&rng);
    test_tune(&rng);
    test_bn(&rng);
    test_democnn(&rng);
    return tap_done();
}

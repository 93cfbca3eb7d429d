/* test-optim.c -- every optimizer over 10 steps against PyTorch golden files (tools/golden):
 * SGD (momentum, weight decay, Nesterov), Adam, Adam with L2 decay, AdamW, and the thesis's
 * RAdam (un-adapted first steps, rectified after); plus argument errors. */
#include "core/error.h"
#include "core/safetensors.h"
#include "optim/optimizer.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double meta_num(const rmn_st_file *f, const char *key, double fallback) {
    const char *v = rmn_st_meta(f, key);
    return v ? atof(v) : fallback;
}

static void check_case(const char *name, int kind) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/golden/%s.safetensors",
             getenv("RMN_SRCDIR") ? getenv("RMN_SRCDIR") : ".", name);
    rmn_st_file *f;
    if (rmn_st_open(path, &f) != RMN_OK) {
        TAP_OK(0, "%s: %s", name, rmn_error_message());
        return;
    }
    const rmn_st_tensor *tp0 = rmn_st_find(f, "p0"), *tg = rmn_st_find(f, "grads"), *tp = rmn_st_find(f, "params");
    if (!tp0 || !tg || !tp || tg->ndim != 2 || tp->numel != tg->numel || tg->shape[1] != tp0->numel) {
        TAP_OK(0, "%s: tensors p0, grads, params present and consistent", name);
        rmn_st_close(f);
        return;
    }
    const int steps = (int)tg->shape[0], n = (int)tp0->numel;
    float *p = malloc((size_t)n * sizeof *p), *g = malloc((size_t)tg->numel * sizeof *g),
          *want = malloc((size_t)tp->numel * sizeof *want);
    rmn_st_copy_f32(tp0, p, (size_t)n);
    rmn_st_copy_f32(tg, g, (size_t)tg->numel);
    rmn_st_copy_f32(tp, want, (size_t)tp->numel);
    rmn_optimizer_hparams h = {.lr = meta_num(f, "lr", 0), .weight_decay = meta_num(f, "weight_decay", 0),
                               .momentum = meta_num(f, "momentum", 0),
                               .nesterov = (int)meta_num(f, "nesterov", 0),
                               .beta1 = meta_num(f, "beta1", 0.9), .beta2 = meta_num(f, "beta2", 0.999),
                               .eps = meta_num(f, "eps", 1e-8)};
    rmn_optimizer opt;
    int rc = rmn_optimizer_init(&opt, kind, (size_t)n, &h);
    TAP_OK(rc == RMN_OK, "%s: init (%s)", name, rmn_error_message());
    double worst = 0;
    for (int t = 0; t < steps && rc == RMN_OK; ++t) {
        rmn_optimizer_step(&opt, p, g + (size_t)t * n);
        float scale = 0;
        for (int i = 0; i < n; ++i)
            scale = fmaxf(scale, fabsf(want[(size_t)t * n + i]));
        for (int i = 0; i < n; ++i) {
            double w = want[(size_t)t * n + i];
            double err = fabs(p[i] - w) / fmax(fabs(w), 1e-3 * scale);
            worst = fmax(worst, err);
        }
    }
    TAP_OK(rc == RMN_OK && worst <= 1e-4, "%s: %d steps equal PyTorch (max rel err %.2e)", name, steps, worst);
    if (rc == RMN_OK)
        rmn_optimizer_free(&opt);
    free(p);
    free(g);
    free(want);
    rmn_st_close(f);
}

int main(void) {
    check_case("sgd", RMN_OPTIM_SGD);
    check_case("sgd_momentum", RMN_OPTIM_SGD);
    check_case("sgd_momentum_wd", RMN_OPTIM_SGD);
    check_case("sgd_nesterov", RMN_OPTIM_SGD);
    check_case("adam", RMN_OPTIM_ADAM);
    check_case("adam_wd", RMN_OPTIM_ADAM);
    check_case("adamw", RMN_OPTIM_ADAMW);
    check_case("radam_thesis", RMN_OPTIM_RADAM);

    double rho[6];
    for (int t = 1; t <= 6; ++t)
        rho[t - 1] = rmn_radam_rho(t, 0.999);
    TAP_OK(rho[0] < 1.01 && rho[3] < 4.01 && rho[4] < 5.0 && rho[5] >= 5.0,
           "RAdam rho_t: %.3f %.3f %.3f %.3f %.3f %.3f: un-adapted for steps 1-5, rectified from 6",
           rho[0], rho[1], rho[2], rho[3], rho[4], rho[5]);

    /* the un-adapted first step: p -= lr/(1-b1) * m = lr * g exactly, plus decoupled decay */
    float p1[2] = {1.5f, -2.0f}, g1[2] = {0.25f, 4.0f};
    rmn_optimizer o;
    rmn_optimizer_hparams h = {.lr = 0.01, .weight_decay = 0.1};
    TAP_OK(rmn_optimizer_init(&o, RMN_OPTIM_RADAM, 2, &h) == RMN_OK, "radam init");
    rmn_optimizer_step(&o, p1, g1);
    TAP_NEAR(p1[0], 1.5 * (1 - 0.001) - 0.01 * 0.25, 1e-6, "radam step 1 is plain momentum with decoupled decay");
    TAP_NEAR(p1[1], -2.0 * (1 - 0.001) - 0.01 * 4.0, 1e-6, "radam step 1, second element");
    float *b0, *b1;
    int64_t *step;
    rmn_optimizer_state(&o, &b0, &b1, &step);
    TAP_OK(*step == 1 && b0 == o.m && b1 == o.v, "state exposes moments and step");
    rmn_optimizer_free(&o);

    /* the step's threads (the trainer's --threads) split the elements, never the result */
    enum { BIG = 200000 };
    float *pa = malloc(BIG * sizeof *pa), *pb = malloc(BIG * sizeof *pb), *gb = malloc(BIG * sizeof *gb);
    for (int i = 0; i < BIG; ++i) {
        pa[i] = pb[i] = (float)sin(0.37 * i);
        gb[i] = (float)cos(0.11 * i);
    }
    static const struct {
        int kind;
        const char *name;
    } kinds[] = {{RMN_OPTIM_RADAM, "radam"}, {RMN_OPTIM_SGD, "sgd (momentum, Nesterov)"}};
    for (int k = 0; k < 2; ++k) {
        for (int i = 0; i < BIG; ++i)
            pa[i] = pb[i] = (float)sin(0.37 * i);
        rmn_optimizer oa, ob;
        rmn_optimizer_hparams ha = {.lr = 1e-3, .weight_decay = 1e-3, .momentum = 0.9,
                                    .nesterov = 1, .nthreads = 1},
                              hb = ha;
        hb.nthreads = 2;
        TAP_OK(rmn_optimizer_init(&oa, kinds[k].kind, BIG, &ha) == RMN_OK &&
                   rmn_optimizer_init(&ob, kinds[k].kind, BIG, &hb) == RMN_OK &&
                   (kinds[k].kind == RMN_OPTIM_SGD ? ob.sgd.nthreads : ob.adam.nthreads) == 2,
               "%s on 1 and on 2 threads", kinds[k].name);
        for (int t = 0; t < 8; ++t) {
            rmn_optimizer_step(&oa, pa, gb);
            rmn_optimizer_step(&ob, pb, gb);
        }
        TAP_OK(memcmp(pa, pb, BIG * sizeof *pa) == 0,
               "%s: 8 steps on 1 and on 2 threads: the same bits", kinds[k].name);
        rmn_optimizer_free(&oa);
        rmn_optimizer_free(&ob);
    }
    free(pa), free(pb), free(gb);

    int kind;
    TAP_OK(rmn_optimizer_kind_parse("radam", &kind) == RMN_OK && kind == RMN_OPTIM_RADAM, "parse radam");
    TAP_OK(rmn_optimizer_kind_parse("lamb", &kind) == RMN_EINVAL && strstr(rmn_error_message(), "lamb"),
           "unknown optimizer refused");
    h.lr = -1;
    TAP_OK(rmn_optimizer_init(&o, RMN_OPTIM_ADAM, 2, &h) == RMN_EINVAL, "negative lr refused");
    return tap_done();
}

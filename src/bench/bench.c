/* bench.c -- conv and model step timings (a training step with or without the trainer's
 * optimizer step), the FMA peak (see bench.h); the clock and the median are timing.c's, the
 * per-op profile profile.c's. */
#include "bench/bench.h"
#include "models/model.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <immintrin.h>

#include "core/error.h"
#include "core/rng.h"
#include "nn/net.h"
#include "optim/optimizer.h"
#include "tensor/backend.h"
#include "tensor/dnnl_backend.h"
#include "train/train_config.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static const char *const mode_names[] = {"fwd", "bwd", "train", "infer", "eval"};

int rmn_bench_mode_parse(const char *s, rmn_bench_mode *mode) {
    for (int i = 0; i < 5; ++i)
        if (s && strcmp(s, mode_names[i]) == 0) {
            *mode = (rmn_bench_mode)i;
            return RMN_OK;
        }
    return RMN_ERROR(RMN_EINVAL, "unknown mode '%s' (fwd, bwd, train, infer, eval)", s ? s : "");
}

const char *rmn_bench_mode_name(rmn_bench_mode mode) { return mode_names[mode]; }

static void finish(rmn_bench_result *r, double *t, int steps, double gflop, int batch) {
    r->steps = steps;
    r->gflop = gflop;
    r->median_s = rmn_bench_median(t, steps);
    r->min_s = t[0];
    r->max_s = t[steps - 1];
    r->images_per_s = r->median_s > 0 ? batch / r->median_s : 0;
    r->gflops = r->median_s > 0 ? gflop / r->median_s : 0;
}

/* n random floats, 64-byte aligned as the graph's planned buffers are (AVX-512 loads) */
static float *rand_buf(size_t n, rmn_rng *rng) {
    void *v = NULL;
    float *p = posix_memalign(&v, 64, (n ? n : 1) * sizeof(float)) == 0 ? v : NULL;
    if (p)
        for (size_t i = 0; i < n; ++i)
            p[i] = (float)(2.0 * rmn_rng_uniform(rng) - 1.0);
    return p;
}

int rmn_bench_conv(const rmn_bench_conv_opts *o, rmn_bench_result *r) {
    const rmn_backend *be = rmn_backend_find(o->backend);
    if (!be)
        return rmn_error_code();
    if (o->steps < 1 || o->steps > 1000 || o->warmup < 0)
        return RMN_ERROR(RMN_EINVAL, "bench: steps must be 1..1000 (got %d)", o->steps);
    rmn_backend ops;
    rmn_backend_resolve(be, &ops);
    const rmn_conv2d_shape *sh = &o->sh;
    const int g = sh->groups > 0 ? sh->groups : 1;
    const size_t nx = (size_t)sh->n * sh->c * sh->h * sh->w;
    const size_t nw = (size_t)sh->k * (sh->c / g) * sh->r * sh->s;
    const size_t ny = (size_t)sh->n * sh->k * sh->p * sh->q;
    const size_t nws = ops.conv2d_workspace(sh, o->nthreads);
    rmn_rng rng;
    rmn_rng_init(&rng, 1, RMN_STREAM_INIT);
    float *x = rand_buf(nx, &rng), *w = rand_buf(nw, &rng), *b = rand_buf((size_t)sh->k, &rng);
    float *dy = rand_buf(ny, &rng), *y = rand_buf(ny, &rng), *dx = rand_buf(nx, &rng);
    float *dw = rand_buf(nw, &rng), *db = rand_buf((size_t)sh->k, &rng);
    float *ws = NULL;
    double *t = malloc((size_t)o->steps * sizeof(double));
    void *state = NULL;
    int rc = RMN_OK;
    if (nws && posix_memalign((void **)&ws, 64, nws * sizeof(float)) != 0)
        ws = NULL;
    if (!x || !w || !b || !dy || !y || !dx || !dw || !db || !t || (nws && !ws)) {
        rc = RMN_ERROR(RMN_ENOMEM, "bench: cannot allocate buffers for the conv");
        goto out;
    }
    if (ops.state_create && (rc = ops.state_create(&state)) != RMN_OK)
        goto out;
    if (be == &rmn_backend_dnnl && o->winograd >= 0)
        rmn_dnnl_set_winograd(state, o->winograd);
    if ((rc = rmn_backend_set_precision(be, state, o->precision)) != RMN_OK)
        goto out;
    const int blocked = o->layout16 && ops.blocked16 && sh->c % 16 == 0 && sh->k % 16 == 0;
    const rmn_exec ex = {.ws = ws, .nthreads = o->nthreads, .state = state,
                         .layout = blocked ? RMN_LAYOUT_X16 | RMN_LAYOUT_Y16 : 0u};
    rmn_exec bex = ex;
    if (ops.fresh_ops & RMN_FRESH_OP_CONV2D)
        bex.fresh = RMN_FRESH_DX | RMN_FRESH_DW;
    for (int i = -o->warmup; i < o->steps; ++i) {
        const double t0 = rmn_bench_now();
        if (o->mode != RMN_BENCH_BWD)
            ops.conv2d_forward(&ex, y, x, w, b, sh);
        if (o->mode == RMN_BENCH_BWD || o->mode == RMN_BENCH_TRAIN)
            ops.conv2d_backward(&bex, dx, dw, db, dy, x, w, sh);
        if (i >= 0)
            t[i] = rmn_bench_now() - t0;
    }
    const double f = 2e-9 * sh->n * sh->k * sh->p * sh->q * (double)(sh->c / g) * sh->r * sh->s;
    const double mult = o->mode == RMN_BENCH_BWD ? 2 : o->mode == RMN_BENCH_TRAIN ? 3 : 1;
    finish(r, t, o->steps, f * mult, sh->n);
out:
    if (state && ops.state_free)
        ops.state_free(state);
    free(x), free(w), free(b), free(dy), free(y), free(dx), free(dw), free(db), free(ws);
    free(t);
    return rc;
}

/* The trainer's optimizer over net's parameters (optim/optimizer.h, initialised as
 * train/train_state.c does) with the trainer's defaults (rmn_train_config_defaults: lr 1e-4,
 * weight decay 1e-3 -- decoupled in the thesis's RAdam, L2 in SGD --, momentum 0.9, no
 * Nesterov). *on is 0 for NULL or "none" (opt untouched). */
static int optimizer_create(const char *name, rmn_bench_mode mode, rmn_net *net, int nthreads,
                            rmn_optimizer *opt, int *on) {
    *on = 0;
    if (!name || strcmp(name, "none") == 0)
        return RMN_OK;
    if (mode != RMN_BENCH_TRAIN)
        return RMN_ERROR(RMN_EINVAL, "bench: an optimizer step needs the train mode (got %s)",
                         rmn_bench_mode_name(mode));
    int kind;
    RMN_TRY(rmn_optimizer_kind_parse(name, &kind));
    rmn_train_config cfg;
    rmn_train_config_defaults(&cfg);
    const rmn_optimizer_hparams hp = {.lr = cfg.lr, .weight_decay = cfg.weight_decay,
                                      .momentum = cfg.momentum, .nesterov = cfg.nesterov,
                                      .nthreads = nthreads};
    RMN_TRY(rmn_optimizer_init(opt, kind, rmn_net_param_count(net), &hp));
    *on = 1;
    return RMN_OK;
}

/* One optimizer step (on the ops' threads, as the trainer's), its time added to the profile. */
static void optimizer_step(rmn_optimizer *opt, rmn_net *net) {
    const double t0 = rmn_bench_now();
    rmn_optimizer_step(opt, rmn_net_params(net), rmn_net_grads(net));
    rmn_bench_prof_optimizer(rmn_bench_now() - t0);
}

/* Rows summed over the timed steps, made per step. */
static void per_step(rmn_bench_prof_row *rows, int n, int steps) {
    for (int i = 0; i < n; ++i) {
        rows[i].seconds /= steps;
        rows[i].gflop /= steps;
        rows[i].calls /= steps;
    }
}

int rmn_bench_model(const rmn_bench_model_opts *o, rmn_bench_result *r, rmn_bench_profile *prof) {
    static rmn_backend wrapped; /* the net keeps a pointer to its backend */
    const rmn_backend *be = rmn_backend_find(o->backend);
    if (!be)
        return rmn_error_code();
    if (o->steps < 1 || o->steps > 1000 || o->warmup < 0 || o->batch < 1)
        return RMN_ERROR(RMN_EINVAL, "bench: bad steps %d or batch %d", o->steps, o->batch);
    if (o->winograd >= 0)
        setenv("RMN_DNNL_WINOGRAD", o->winograd ? "1" : "0", 1);
    const rmn_model_config cfg = {.in_channels = o->in_channels, .image_size = o->image_size,
                                  .num_classes = o->num_classes, .seed = 1, .width = o->width};
    rmn_net *net = NULL;
    RMN_TRY(rmn_model_create(o->model, &cfg, &net));
    rmn_optimizer opt;
    int use_opt = 0;
    int rc = optimizer_create(o->optimizer, o->mode, net, o->nthreads, &opt, &use_opt);
    if (rc != RMN_OK) {
        rmn_net_free(net);
        return rc;
    }
    rmn_bench_prof_wrap(be, &wrapped);
    const size_t nx = (size_t)o->batch * o->in_channels * o->image_size * o->image_size;
    rmn_rng rng, drop;
    rmn_rng_init(&rng, 1, RMN_STREAM_SHUFFLE);
    rmn_rng_init(&drop, 1, RMN_STREAM_DROPOUT);
    float *x = rand_buf(nx, &rng);
    int32_t *labels = malloc((size_t)o->batch * sizeof(int32_t));
    double *t = malloc((size_t)o->steps * sizeof(double));
    if (!x || !labels || !t) {
        rc = RMN_ERROR(RMN_ENOMEM, "bench: cannot allocate the batch");
        goto out;
    }
    for (int i = 0; i < o->batch; ++i)
        labels[i] = (int32_t)(i % o->num_classes);
    if ((rc = rmn_net_use_backend(net, &wrapped)) != RMN_OK ||
        (rc = rmn_net_set_threads(net, o->nthreads)) != RMN_OK ||
        (rc = rmn_net_set_precision(net, o->precision)) != RMN_OK ||
        (rc = rmn_net_plan(net, o->batch)) != RMN_OK)
        goto out;
    const int train = o->mode == RMN_BENCH_TRAIN;
    double gflop = 0;
    for (int i = -o->warmup; i < o->steps && rc == RMN_OK; ++i) {
        if (i == 0)
            rmn_bench_prof_reset();
        const double t0 = rmn_bench_now();
        double loss;
        rc = o->mode == RMN_BENCH_INFER ? rmn_net_infer(net, x, o->batch)
                                        : rmn_net_forward(net, x, o->batch, train, &drop);
        if (rc == RMN_OK && train)
            rc = rmn_net_loss(net, labels, NULL, &loss, NULL);
        if (rc == RMN_OK && train)
            rc = rmn_net_backward(net);
        if (rc == RMN_OK && use_opt)
            optimizer_step(&opt, net);
        if (i >= 0)
            t[i] = rmn_bench_now() - t0;
    }
    if (rc != RMN_OK)
        goto out;
    rmn_bench_prof_row tmp[RMN_BENCH_PROF_MAX];
    const int n = rmn_bench_prof_rows(tmp, RMN_BENCH_PROF_MAX);
    per_step(tmp, n, o->steps);
    for (int i = 0; i < n; ++i)
        gflop += tmp[i].gflop;
    if (prof) {
        memcpy(prof->ops, tmp, (size_t)n * sizeof *tmp);
        prof->nops = n;
        prof->nconvs = rmn_bench_prof_conv_rows(prof->convs, RMN_BENCH_PROF_CONVS_MAX);
        per_step(prof->convs, prof->nconvs, o->steps);
    }
    finish(r, t, o->steps, gflop, o->batch);
out:
    if (use_opt)
        rmn_optimizer_free(&opt);
    rmn_net_free(net);
    free(x), free(labels), free(t);
    return rc;
}

// --- FMA peak -----------------------------------------------------------------------------

/* 12 independent accumulator chains hide the FMA latency; each returns the flops done. */
__attribute__((target("avx2,fma"))) static double peak256(long iters, volatile float *sink) {
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    __m256 a[12];
    for (int k = 0; k < 12; ++k)
        a[k] = _mm256_set1_ps((float)k);
    for (long i = 0; i < iters; ++i)
        _Pragma("GCC unroll 12") for (int k = 0; k < 12; ++k) a[k] = _mm256_fmadd_ps(a[k], m, c);
    float s = 0, out[8];
    for (int k = 0; k < 12; ++k) {
        _mm256_storeu_ps(out, a[k]);
        s += out[0];
    }
    *sink = s;
    return 2.0 * 8 * 12 * (double)iters;
}

__attribute__((target("avx512f"))) static double peak512(long iters, volatile float *sink) {
    const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    __m512 a[12];
    for (int k = 0; k < 12; ++k)
        a[k] = _mm512_set1_ps((float)k);
    for (long i = 0; i < iters; ++i)
        _Pragma("GCC unroll 12") for (int k = 0; k < 12; ++k) a[k] = _mm512_fmadd_ps(a[k], m, c);
    float s = 0, out[16];
    for (int k = 0; k < 12; ++k) {
        _mm512_storeu_ps(out, a[k]);
        s += out[0];
    }
    *sink = s;
    return 2.0 * 16 * 12 * (double)iters;
}

static double run_peak(int nthreads, double seconds, int wide) {
    long iters = 1 << 16;
    double flops = 0, dt = 0;
    volatile float sink;
    for (;;) { /* grow until one run takes a tenth of the budget */
        const double t0 = rmn_bench_now();
        flops = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads) reduction(+ : flops)
#endif
        flops += wide ? peak512(iters, &sink) : peak256(iters, &sink);
        dt = rmn_bench_now() - t0;
        if (dt > seconds / 10 || iters > (1L << 40))
            break;
        iters *= 4;
    }
    double best = flops / dt;
    for (int rep = 0; rep < 5; ++rep) {
        const double t0 = rmn_bench_now();
        flops = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads) reduction(+ : flops)
#endif
        flops += wide ? peak512(iters, &sink) : peak256(iters, &sink);
        dt = rmn_bench_now() - t0;
        if (flops / dt > best)
            best = flops / dt;
    }
    (void)nthreads;
    return best * 1e-9;
}

void rmn_bench_peak(int nthreads, double seconds, double *gflops_avx2, double *gflops_avx512) {
    __builtin_cpu_init();
    *gflops_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                       ? run_peak(nthreads, seconds, 0)
                       : 0;
    *gflops_avx512 = __builtin_cpu_supports("avx512f") ? run_peak(nthreads, seconds, 1) : 0;
}

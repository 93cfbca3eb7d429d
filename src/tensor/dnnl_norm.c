/* dnnl_norm.c -- the dnnl backend's batch norm (2-D, per channel), forward and backward: in
 * training on rmn's own kernels (bn_train.c: oneDNN's spin-wait between threads, which a
 * loaded machine turns into most of a step, and its slow plain-layout kernels), in eval mode
 * on oneDNN primitives.
 *
 * x,y,dx,dy:(N,C,HW) plain, or all nChw16c when rmn_exec.layout is set;
 * gamma,beta,means,variances:(C). Training mode normalises with the batch statistics
 * (biased variance) and updates the running estimates as PyTorch does: running =
 * (1 - momentum) running + momentum stat, with the UNBIASED variance var * m / (m - 1),
 * m = N * HW; save_invstd = 1 / sqrt(var + eps). Eval mode uses the running statistics
 * (dnnl_use_global_stats), also fused with the ReLU after the norm (dnnl_fuse_norm_relu).
 * The eval backward writes a fresh dx in place and copies dgamma, dbeta (rmn_exec.fresh);
 * otherwise it adds arena temporaries into them. */
#include "tensor/bn_train.h"
#include "tensor/dnnl_internal.h"

#include <math.h>
#include <string.h>

enum { K_N, K_C, K_HW, K_EPS0, K_EPS1, K_BLOCKED, K_FRESH, K_LEN };

/* Slots in creation order: X, Y (or DY), SCALE, SHIFT, MEAN, VAR, then DX, DSCALE, DSHIFT. */
enum { S_X, S_Y, S_SCALE, S_SHIFT, S_MEAN, S_VAR, S_DX, S_DSCALE, S_DSHIFT };

static dnnl_primitive_desc_t fwd_pd(rmn_dnnl_state *st, const dnnl_memory_desc_t *data,
                                    float eps, unsigned flags, dnnl_prop_kind_t prop,
                                    dnnl_primitive_attr_t attr) {
    dnnl_batch_normalization_desc_t d;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_batch_normalization_forward_desc_init(&d, prop, data, eps, flags) != dnnl_success ||
        dnnl_primitive_desc_create(&pd, &d, attr, st->eng, NULL) != dnnl_success)
        return NULL;
    return pd;
}

/* An eval-mode entry: the forward (RMN_DNNL_BN_EVAL, or RMN_DNNL_BN_RELU_EVAL fused with the
 * ReLU) or the backward (RMN_DNNL_BN_BWD_EVAL), all on the running statistics. */
static int build(rmn_dnnl_state *st, rmn_dnnl_entry *e, int n, int c, int hw, float eps) {
    const int dd[4] = {n, c, hw, 1}, sd[1] = {c};
    dnnl_memory_desc_t data, stat;
    rmn_dnnl_md(&data, 4, dd, e->key[K_BLOCKED] ? dnnl_nChw16c : dnnl_nchw);
    rmn_dnnl_md(&stat, 1, sd, dnnl_a);
    dnnl_primitive_attr_t attr = NULL;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success)
        return -1;
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    const int relu = e->kind == RMN_DNNL_BN_RELU_EVAL, bwd = e->kind == RMN_DNNL_BN_BWD_EVAL;
    const unsigned flags = dnnl_use_scale | dnnl_use_shift | dnnl_use_global_stats |
                           (relu ? dnnl_fuse_norm_relu : 0);
    dnnl_primitive_desc_t pd = NULL, hint = NULL;
    if (!bwd) {
        pd = fwd_pd(st, &data, eps, flags, dnnl_forward_inference, attr);
    } else {
        hint = fwd_pd(st, &data, eps, flags, dnnl_forward_training, attr);
        dnnl_batch_normalization_desc_t d;
        if (!hint ||
            dnnl_batch_normalization_backward_desc_init(&d, dnnl_backward, &data, &data, eps,
                                                        flags) != dnnl_success ||
            dnnl_primitive_desc_create(&pd, &d, attr, st->eng, hint) != dnnl_success)
            pd = NULL;
    }
    int ok = pd != NULL;
    int s[9]; /* user slots in creation order */
    s[S_X] = rmn_dnnl_slot_user(st, e, &data);
    s[S_Y] = rmn_dnnl_slot_user(st, e, &data);
    s[S_SCALE] = rmn_dnnl_slot_user(st, e, &stat);
    s[S_SHIFT] = rmn_dnnl_slot_user(st, e, &stat);
    s[S_MEAN] = rmn_dnnl_slot_user(st, e, &stat);
    s[S_VAR] = rmn_dnnl_slot_user(st, e, &stat);
    for (int i = 0; i <= S_VAR; ++i)
        ok = ok && s[i] == i;
    if (ok && !bwd) {
        const int args[12] = {DNNL_ARG_SRC,   s[S_X],     DNNL_ARG_DST,      s[S_Y],
                              DNNL_ARG_SCALE, s[S_SCALE], DNNL_ARG_SHIFT,    s[S_SHIFT],
                              DNNL_ARG_MEAN,  s[S_MEAN],  DNNL_ARG_VARIANCE, s[S_VAR]};
        ok = rmn_dnnl_step_add(st, e, pd, args, 6) == 0;
    } else if (ok) {
        /* a fresh dx is written in place, else in the arena and added by accumulate() */
        s[S_DX] = e->key[K_FRESH] & RMN_FRESH_DX ? rmn_dnnl_slot_user(st, e, &data)
                                                 : rmn_dnnl_slot_arena(st, e, &data);
        s[S_DSCALE] = rmn_dnnl_slot_arena(st, e, &stat);
        s[S_DSHIFT] = rmn_dnnl_slot_arena(st, e, &stat);
        ok = s[S_DX] == S_DX && s[S_DSCALE] == S_DSCALE && s[S_DSHIFT] == S_DSHIFT;
        /* oneDNN 2.6 validates a SHIFT argument in backward too (it does not read it): the
         * call binds gamma there */
        const int args[18] = {DNNL_ARG_SRC,        s[S_X],      DNNL_ARG_DIFF_DST,   s[S_Y],
                              DNNL_ARG_SCALE,      s[S_SCALE],  DNNL_ARG_MEAN,       s[S_MEAN],
                              DNNL_ARG_VARIANCE,   s[S_VAR],    DNNL_ARG_DIFF_SRC,   s[S_DX],
                              DNNL_ARG_DIFF_SCALE, s[S_DSCALE], DNNL_ARG_DIFF_SHIFT, s[S_DSHIFT],
                              DNNL_ARG_SHIFT,      s[S_SHIFT]};
        ok = ok && rmn_dnnl_step_add(st, e, pd, args, 9) == 0;
    }
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (hint)
        dnnl_primitive_desc_destroy(hint);
    dnnl_primitive_attr_destroy(attr);
    return ok ? 0 : -1;
}

static rmn_dnnl_entry *entry_for(rmn_dnnl_state *st, int kind, int n, int c, int hw,
                                 double eps, unsigned layout, unsigned fresh, int nthreads) {
    if (!st)
        return NULL;
    const float feps = (float)eps;
    int key[K_LEN] = {n, c, hw, 0, 0, layout != 0, (int)(fresh & (RMN_FRESH_DX | RMN_FRESH_DW))};
    memcpy(&key[K_EPS0], &eps, sizeof eps);
    rmn_dnnl_entry *e = rmn_dnnl_find(st, kind, key, K_LEN, nthreads);
    if (!e) {
        if (!(e = rmn_dnnl_add(st, kind, key, K_LEN, nthreads)))
            return NULL;
        e->aux = -1;
        const int prev = rmn_dnnl_threads_enter(nthreads);
        const int rc = build(st, e, n, c, hw, feps);
        rmn_dnnl_threads_leave(nthreads, prev);
        if (rc != 0 || rmn_dnnl_arena_reserve(st, e->arena_need) != 0)
            e->failed = 1;
    }
    return e->failed ? NULL : e;
}

/* From a training forward entry's batch statistics: save_mean, save_invstd and PyTorch's
 * running-statistic updates (unbiased variance). */
static void update_stats(const float *mean, const float *var, float *sm, float *si, float *rm,
                         float *rv, int n, int c, int hw, double momentum, double eps) {
    const double m = (double)n * hw, corr = m > 1 ? m / (m - 1.0) : 1.0;
    for (int ch = 0; ch < c; ++ch) {
        const double mu = mean[ch], v = var[ch];
        if (sm)
            sm[ch] = (float)mu;
        if (si)
            si[ch] = (float)(1.0 / sqrt(v + eps));
        if (rm)
            rm[ch] = (float)((1.0 - momentum) * rm[ch] + momentum * mu);
        if (rv)
            rv[ch] = (float)((1.0 - momentum) * rv[ch] + momentum * v * corr);
    }
}

/* Training forward (bn_train.c), plain, fused with the ReLU after it (mask non-NULL: y =
 * relu(bn(x)), mask = (y > 0)) or with the SiLU after it (coef non-NULL: y = silu(bn(x)),
 * coef:(2C) for the backward). Without its scratch: the ref kernel where it can (plain,
 * unfused), else an error for the state's check -- never a silent result. */
static void forward_train(const rmn_exec *ex, float *y, uint8_t *mask, float *coef, float *sm,
                          float *si, float *rm, float *rv, const float *x, const float *g,
                          const float *b, int n, int c, int hw, double momentum, double eps) {
    rmn_dnnl_state *st = ex->state;
    const size_t need = rmn_bn_train_scratch_doubles(n, c);
    double *scratch = st ? rmn_dnnl_scratch(st, need + (size_t)c) : NULL;
    if (scratch) {
        float *mean = (float *)(scratch + need), *var = mean + c;
        if (coef)
            rmn_bn_train_forward_silu(y, coef, mean, var, x, g, b, n, c, hw, ex->layout != 0,
                                      eps, scratch, ex->nthreads);
        else
            rmn_bn_train_forward(y, mask, mean, var, x, g, b, n, c, hw, ex->layout != 0, eps,
                                 scratch, ex->nthreads);
        update_stats(mean, var, sm, si, rm, rv, n, c, hw, momentum, eps);
        return;
    }
    if (st)
        st->stats.fallbacks++;
    if (mask || coef) /* the plain kernels have no fused form */
        rmn_dnnl_fallback_ok(st, ex->layout | RMN_LAYOUT_Y16,
                             coef ? "fused batch norm + SiLU" : "fused batch norm + ReLU");
    else if (rmn_dnnl_fallback_ok(st, ex->layout, "batch norm"))
        rmn_backend_ref.bn2d_forward_train(ex, y, sm, si, rm, rv, x, g, b, n, c, hw, momentum, eps);
}

void rmn_dnnl_bn_forward_train(const rmn_exec *ex, float *y, float *sm, float *si, float *rm,
                               float *rv, const float *x, const float *g, const float *b,
                               int n, int c, int hw, double momentum, double eps) {
    forward_train(ex, y, NULL, NULL, sm, si, rm, rv, x, g, b, n, c, hw, momentum, eps);
}

void rmn_dnnl_bn_relu_forward_train(const rmn_exec *ex, float *y, uint8_t *mask, float *sm,
                                    float *si, float *rm, float *rv, const float *x,
                                    const float *g, const float *b, int n, int c, int hw,
                                    double momentum, double eps) {
    forward_train(ex, y, mask, NULL, sm, si, rm, rv, x, g, b, n, c, hw, momentum, eps);
}

void rmn_dnnl_bn_silu_forward_train(const rmn_exec *ex, float *y, float *coef, float *sm,
                                    float *si, float *rm, float *rv, const float *x,
                                    const float *g, const float *b, int n, int c, int hw,
                                    double momentum, double eps) {
    forward_train(ex, y, NULL, coef, sm, si, rm, rv, x, g, b, n, c, hw, momentum, eps);
}

/* Eval forward, with (relu) or without the ReLU after it. */
static void forward_eval(const rmn_exec *ex, int relu, float *y, const float *x, const float *g,
                         const float *b, const float *rm, const float *rv, int n, int c, int hw,
                         double eps) {
    rmn_dnnl_state *st = ex->state;
    rmn_dnnl_entry *e = entry_for(st, relu ? RMN_DNNL_BN_RELU_EVAL : RMN_DNNL_BN_EVAL, n, c, hw,
                                  eps, ex->layout, 0, ex->nthreads);
    if (e) {
        const float *bind[6] = {x, y, g, b, rm, rv};
        for (int i = 0; i < 6; ++i)
            rmn_dnnl_bind(st, e, i, bind[i]);
        if (rmn_dnnl_run(st, e, 0, e->n_step, ex->nthreads) == 0)
            return;
    }
    if (st)
        st->stats.fallbacks++;
    if (rmn_dnnl_fallback_ok(st, ex->layout, "batch norm")) {
        rmn_backend_ref.bn2d_forward_eval(ex, y, x, g, b, rm, rv, n, c, hw, eps);
        if (relu)
            rmn_backend_cpu.relu_forward(ex, y, y, (size_t)n * c * hw);
    }
}

void rmn_dnnl_bn_forward_eval(const rmn_exec *ex, float *y, const float *x, const float *g,
                              const float *b, const float *rm, const float *rv, int n, int c,
                              int hw, double eps) {
    forward_eval(ex, 0, y, x, g, b, rm, rv, n, c, hw, eps);
}

/* y = relu(bn_eval(x)) */
void rmn_dnnl_bn_relu_forward_eval(const rmn_exec *ex, float *y, const float *x, const float *g,
                                   const float *b, const float *rm, const float *rv, int n, int c,
                                   int hw, double eps) {
    forward_eval(ex, 1, y, x, g, b, rm, rv, n, c, hw, eps);
}

/* Hands the backward's results to dx, dg, db (each may be NULL): a fresh dx was written in
 * place; the arena's diff_src is added otherwise; diff_scale, diff_shift copied when fresh,
 * else added. */
static void accumulate(rmn_dnnl_state *st, rmn_dnnl_entry *e, float *dx, float *dg, float *db,
                       size_t count, int c, int nthreads) {
    const int fresh_dw = (e->key[K_FRESH] & RMN_FRESH_DW) != 0;
    if (dx && !(e->key[K_FRESH] & RMN_FRESH_DX))
        rmn_dnnl_accumulate(dx, rmn_dnnl_arena_ptr(st, e, S_DX), count, nthreads);
    if (dg)
        rmn_dnnl_hand_over(dg, rmn_dnnl_arena_ptr(st, e, S_DSCALE), (size_t)c, fresh_dw, 1);
    if (db)
        rmn_dnnl_hand_over(db, rmn_dnnl_arena_ptr(st, e, S_DSHIFT), (size_t)c, fresh_dw, 1);
}

/* Training backward (bn_train.c), plain, through the fused ReLU (mask non-NULL) or through the
 * fused SiLU (coef non-NULL, with beta b: the SiLU's gradient goes to dx where dx is fresh,
 * else to the scratch after the kernel's partial sums); without its scratch as
 * forward_train. */
static void backward_train(const rmn_exec *ex, float *dx, float *dg, float *db, const float *dy,
                           const uint8_t *mask, const float *coef, const float *b,
                           const float *x, const float *g, const float *sm, const float *si,
                           int n, int c, int hw) {
    rmn_dnnl_state *st = ex->state;
    const size_t need = rmn_bn_train_scratch_doubles(n, c), count = (size_t)n * c * hw;
    const int fresh_dx = (ex->fresh & RMN_FRESH_DX) != 0;
    const int fresh_dw = (ex->fresh & RMN_FRESH_DW) != 0;
    const int dz_in_dx = dx && fresh_dx; /* else the SiLU's gradient needs the scratch's room */
    double *scratch =
        st ? rmn_dnnl_scratch(st, need + (coef && !dz_in_dx ? (count + 1) / 2 : 0)) : NULL;
    if (scratch && coef) {
        rmn_bn_train_backward_silu(dx, dg, db, dy, dz_in_dx ? dx : (float *)(scratch + need), x,
                                   g, b, sm, si, coef, n, c, hw, ex->layout != 0, dz_in_dx,
                                   fresh_dw, scratch, ex->nthreads);
        return;
    }
    if (scratch) {
        rmn_bn_train_backward(dx, dg, db, dy, mask, x, g, sm, si, n, c, hw, ex->layout != 0,
                              fresh_dx, fresh_dw, scratch, ex->nthreads);
        return;
    }
    if (st)
        st->stats.fallbacks++;
    if (mask || coef) {
        rmn_dnnl_fallback_ok(st, ex->layout | RMN_LAYOUT_Y16,
                             coef ? "fused batch norm + SiLU" : "fused batch norm + ReLU");
    } else if (rmn_dnnl_fallback_ok(st, ex->layout, "batch norm")) {
        rmn_dnnl_zero_fresh(ex->fresh, dx, count, dg, (size_t)c, db, (size_t)c);
        rmn_backend_ref.bn2d_backward_train(ex, dx, dg, db, dy, x, g, sm, si, n, c, hw);
    }
}

void rmn_dnnl_bn_backward_train(const rmn_exec *ex, float *dx, float *dg, float *db,
                                const float *dy, const float *x, const float *g,
                                const float *sm, const float *si, int n, int c, int hw) {
    backward_train(ex, dx, dg, db, dy, NULL, NULL, NULL, x, g, sm, si, n, c, hw);
}

void rmn_dnnl_bn_relu_backward_train(const rmn_exec *ex, float *dx, float *dg, float *db,
                                     const float *dy, const uint8_t *mask, const float *x,
                                     const float *g, const float *sm, const float *si, int n,
                                     int c, int hw) {
    backward_train(ex, dx, dg, db, dy, mask, NULL, NULL, x, g, sm, si, n, c, hw);
}

void rmn_dnnl_bn_silu_backward_train(const rmn_exec *ex, float *dx, float *dg, float *db,
                                     const float *dy, const float *coef, const float *x,
                                     const float *g, const float *b, const float *sm,
                                     const float *si, int n, int c, int hw) {
    backward_train(ex, dx, dg, db, dy, NULL, coef, b, x, g, sm, si, n, c, hw);
}

void rmn_dnnl_bn_backward_eval(const rmn_exec *ex, float *dx, float *dg, float *db,
                               const float *dy, const float *x, const float *g,
                               const float *rm, const float *rv, int n, int c, int hw,
                               double eps) {
    rmn_dnnl_state *st = ex->state;
    rmn_dnnl_entry *e = entry_for(st, RMN_DNNL_BN_BWD_EVAL, n, c, hw, eps, ex->layout, ex->fresh,
                                  ex->nthreads);
    if (e) {
        const float *bind[6] = {x, dy, g, g, rm, rv};
        for (int i = 0; i < 6; ++i)
            rmn_dnnl_bind(st, e, i, bind[i]);
        if (e->key[K_FRESH] & RMN_FRESH_DX)
            rmn_dnnl_bind(st, e, S_DX, dx);
        if (rmn_dnnl_run(st, e, 0, e->n_step, ex->nthreads) == 0) {
            accumulate(st, e, dx, dg, db, (size_t)n * c * hw, c, ex->nthreads);
            return;
        }
    }
    if (st)
        st->stats.fallbacks++;
    if (rmn_dnnl_fallback_ok(st, ex->layout, "batch norm")) {
        rmn_dnnl_zero_fresh(ex->fresh, dx, (size_t)n * c * hw, dg, (size_t)c, db, (size_t)c);
        rmn_backend_ref.bn2d_backward_eval(ex, dx, dg, db, dy, x, g, rm, rv, n, c, hw, eps);
    }
}

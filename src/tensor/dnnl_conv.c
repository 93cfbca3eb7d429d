/* dnnl_conv.c -- the dnnl backend's conv2d, forward and backward (data, weights + bias), on
 * oneDNN primitives; on small maps the weight gradient as one dense SGEMM (below).
 *
 * x:(N,C,H,W) w:(K,C,R,S) b:(K) or NULL y:(N,K,P,Q); x and y (and dx, dy) plain or, as
 * rmn_exec.layout says, nChw16c; w plain. Each (shape, batch, layouts, flags) gets one cache
 * entry built at its first call: the primitive descriptors ask for format_tag any, and
 * reorders from/to the caller's buffers are added only where oneDNN prefers another layout
 * (none for blocked activations on this AVX-512 machine). Backward writes oneDNN's diff_src and
 * diff_weights into the arena and adds them into dx/dw with a summing reorder (the table's
 * backward entries accumulate). Winograd (3x3, stride 1) when the state asks for it and
 * oneDNN accepts the shape; otherwise the static rule of pass_alg, or with RMN_DNNL_TUNE=1
 * the measured choice (dnnl_tune.c).
 *
 * Precision (rmn_dnnl_state.precision, in the key): at bf16 each pass reads bf16 inputs --
 * forward x and w, backward-data dy and w, backward-weights x and dy -- made from the caller's
 * f32 buffers by the staging reorders (the weights' bf16 copy per call, as the f32 path
 * reorders them to blocked), and writes f32 results (y, dx, dw, db) with f32 accumulation.
 * oneDNN has no bf16 Winograd: those passes fall to auto (direct). The weight gradient of
 * strided convs and of output maps under 8x8 stays f32 (weights_in_f32, the dense SGEMM). */
#include "core/env.h"
#include "tensor/blocked16.h"
#include "tensor/dnnl_internal.h"

#include <stdlib.h>
#include <string.h>

enum { K_N, K_C, K_H, K_W, K_K, K_R, K_S, K_SH, K_SW, K_PH, K_PW, K_P, K_Q, K_DH, K_DW, K_G,
       K_BIAS, K_DX, K_DWT, K_WG, K_LAYOUT, K_FRESH, K_PREC, K_LEN };

static int dflt(int v) { return v > 0 ? v : 1; }

static void make_key(int *key, const rmn_conv2d_shape *sh, int bias, int dx, int dw, int wg,
                     unsigned layout, unsigned fresh, rmn_precision prec) {
    const int v[K_LEN] = {sh->n, sh->c, sh->h, sh->w, sh->k, sh->r, sh->s, sh->stride_h,
                          sh->stride_w, sh->pad_h, sh->pad_w, sh->p, sh->q, dflt(sh->dil_h),
                          dflt(sh->dil_w), dflt(sh->groups), bias, dx, dw, wg, (int)layout,
                          (int)fresh, (int)prec};
    memcpy(key, v, sizeof v);
}

/* x, w, b, y: the caller's f32 buffers; any_*: the primitives' f32 results (y, diff_src,
 * diff_weights); in_*: their inputs (x, weights, diff_dst), f32 or, at bf16, bf16 (the reorders
 * that stage the caller's buffers convert them). */
typedef struct {
    dnnl_memory_desc_t x, w, b, y, any_x, any_w, any_y, in_x, in_w, in_y;
    dnnl_dims_t strides, dilates, pad_l, pad_r;
} conv_mds;

static void conv_mds_init(conv_mds *m, const rmn_conv2d_shape *sh, unsigned layout,
                          dnnl_data_type_t in) {
    const int g = dflt(sh->groups), dh = dflt(sh->dil_h), dw = dflt(sh->dil_w);
    const int xd[4] = {sh->n, sh->c, sh->h, sh->w}, yd[4] = {sh->n, sh->k, sh->p, sh->q};
    const int bd[1] = {sh->k};
    /* w:(K,C/G,R,S) is goihw (G,K/G,C/G,R,S) when grouped, oihw otherwise */
    const int wg[5] = {g, sh->k / g, sh->c / g, sh->r, sh->s}, wp[4] = {sh->k, sh->c, sh->r, sh->s};
    const int wn = g > 1 ? 5 : 4;
    const int *wdims = g > 1 ? wg : wp;
    rmn_dnnl_md(&m->x, 4, xd, layout & RMN_LAYOUT_X16 ? dnnl_nChw16c : dnnl_nchw);
    rmn_dnnl_md(&m->w, wn, wdims, g > 1 ? dnnl_goihw : dnnl_oihw);
    rmn_dnnl_md(&m->y, 4, yd, layout & RMN_LAYOUT_Y16 ? dnnl_nChw16c : dnnl_nchw);
    rmn_dnnl_md(&m->b, 1, bd, dnnl_a);
    rmn_dnnl_md(&m->any_x, 4, xd, dnnl_format_tag_any);
    rmn_dnnl_md(&m->any_w, wn, wdims, dnnl_format_tag_any);
    rmn_dnnl_md(&m->any_y, 4, yd, dnnl_format_tag_any);
    rmn_dnnl_md_typed(&m->in_x, 4, xd, dnnl_format_tag_any, in);
    rmn_dnnl_md_typed(&m->in_w, wn, wdims, dnnl_format_tag_any, in);
    rmn_dnnl_md_typed(&m->in_y, 4, yd, dnnl_format_tag_any, in);
    m->strides[0] = sh->stride_h;
    m->strides[1] = sh->stride_w;
    m->pad_l[0] = sh->pad_h;
    m->pad_l[1] = sh->pad_w;
    m->dilates[0] = dh - 1; /* oneDNN counts the gaps: 0 = dense */
    m->dilates[1] = dw - 1;
    /* right padding that makes oneDNN's output size equal p, q (floor mode) */
    m->pad_r[0] = (sh->p - 1) * sh->stride_h + (sh->r - 1) * dh + 1 - sh->h - sh->pad_h;
    m->pad_r[1] = (sh->q - 1) * sh->stride_w + (sh->s - 1) * dw + 1 - sh->w - sh->pad_w;
}

/* Attributes: a user scratchpad (the state's arena). */
static dnnl_primitive_attr_t user_scratch_attr(void) {
    dnnl_primitive_attr_t attr = NULL;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success)
        return NULL;
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    return attr;
}

static int wants_winograd(const rmn_conv2d_shape *sh, int wg) {
    return wg && sh->r == 3 && sh->s == 3 && sh->stride_h == 1 && sh->stride_w == 1 &&
           dflt(sh->dil_h) == 1 && dflt(sh->dil_w) == 1 && dflt(sh->groups) == 1;
}

/* The algorithm for a pass (0 forward, 1 backward data, 2 backward weights): Winograd where
 * the state asks for it; direct for the forward and backward-data passes of 3x3 stride-1
 * convs on maps of 6x6 or less, where oneDNN's auto picks Winograd F(4x4, 3x3) and most of
 * each 6x6 tile is padding (measured, batch 64: 512ch@2x2 forward 6.4 ms direct vs 13.0 ms,
 * 256ch@6x6 10.0 vs 11.5 ms; backward weights stays faster on Winograd); auto elsewhere. */
static dnnl_alg_kind_t pass_alg(const rmn_conv2d_shape *sh, int pass, int wg) {
    if (wants_winograd(sh, wg))
        return dnnl_convolution_winograd;
    const char *x = rmn_env_get("RMN_DNNL_CONV_ALG");
    if (x && strlen(x) == 3 && sh->r == 3 && sh->s == 3 && sh->stride_h == 1)
        return x[pass] == 'd' ? dnnl_convolution_direct
               : x[pass] == 'w' ? dnnl_convolution_winograd : dnnl_convolution_auto;
    const int small3x3 = sh->r == 3 && sh->s == 3 && sh->stride_h == 1 && sh->stride_w == 1 &&
                         sh->p * sh->q <= 36;
    return small3x3 && pass < 2 ? dnnl_convolution_direct : dnnl_convolution_auto;
}

/* Forward primitive descriptor (training, so that backward can take it as a hint). */
static dnnl_primitive_desc_t fwd_pd(dnnl_engine_t eng, const conv_mds *m, int bias,
                                    dnnl_alg_kind_t alg, dnnl_primitive_attr_t attr) {
    dnnl_convolution_desc_t d;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_dilated_convolution_forward_desc_init(&d, dnnl_forward_training, alg, &m->in_x,
                                                   &m->in_w, bias ? &m->b : NULL, &m->any_y,
                                                   m->strides, m->dilates, m->pad_l,
                                                   m->pad_r) != dnnl_success)
        return NULL;
    if (dnnl_primitive_desc_create(&pd, &d, attr, eng, NULL) != dnnl_success)
        return NULL;
    return pd;
}

/* A slot holding data of desc want: the user slot itself when its layout is that, else an
 * arena slot filled from (or, with to_user, copied back into) the user slot by a reorder. */
static int staged(rmn_dnnl_state *st, rmn_dnnl_entry *e, int user, const dnnl_memory_desc_t *want,
                  int *ok) {
    const dnnl_memory_desc_t *have;
    dnnl_memory_get_memory_desc(e->mem[user], &have);
    if (dnnl_memory_desc_equal(have, want))
        return user;
    int s = rmn_dnnl_slot_arena(st, e, want);
    if (s < 0 || rmn_dnnl_reorder_add(st, e, user, s, 0) != 0)
        *ok = 0;
    return s;
}

#define QMD(pd, q) dnnl_primitive_desc_query_md((pd), (q), 0)

enum { F_X, F_W, F_B, F_Y }; /* user slots of a forward entry, in this order */

static dnnl_alg_kind_t chosen_alg(rmn_dnnl_state *st, const rmn_dnnl_entry *e,
                                  const rmn_conv2d_shape *sh, const conv_mds *m, int bias,
                                  int pass, dnnl_primitive_attr_t attr);

static int build_fwd(rmn_dnnl_state *st, rmn_dnnl_entry *e, const rmn_conv2d_shape *sh,
                     int bias) {
    conv_mds m;
    conv_mds_init(&m, sh, (unsigned)e->key[K_LAYOUT], rmn_dnnl_input_type(st));
    dnnl_primitive_attr_t attr = user_scratch_attr();
    if (!attr)
        return -1;
    const dnnl_alg_kind_t alg = chosen_alg(st, e, sh, &m, bias, 0, attr);
    dnnl_primitive_desc_t pd = fwd_pd(st->eng, &m, bias, alg, attr);
    if (!pd && alg != dnnl_convolution_auto)
        pd = fwd_pd(st->eng, &m, bias, dnnl_convolution_auto, attr);
    e->winograd = pd && alg == dnnl_convolution_winograd;
    dnnl_primitive_attr_destroy(attr);
    if (!pd)
        return -1;
    int ok = 1;
    const int ux = rmn_dnnl_slot_user(st, e, &m.x), uw = rmn_dnnl_slot_user(st, e, &m.w);
    const int ub = rmn_dnnl_slot_user(st, e, &m.b), uy = rmn_dnnl_slot_user(st, e, &m.y);
    if (ux != F_X || uw != F_W || ub != F_B || uy != F_Y)
        ok = 0;
    const int sx = ok ? staged(st, e, ux, QMD(pd, dnnl_query_src_md), &ok) : -1;
    const int sw = ok ? staged(st, e, uw, QMD(pd, dnnl_query_weights_md), &ok) : -1;
    const dnnl_memory_desc_t *ymd = QMD(pd, dnnl_query_dst_md);
    const int sy = !ok ? -1 : dnnl_memory_desc_equal(ymd, &m.y) ? uy : rmn_dnnl_slot_arena(st, e, ymd);
    if (ok && sy >= 0) {
        int args[8] = {DNNL_ARG_SRC, sx, DNNL_ARG_WEIGHTS, sw, DNNL_ARG_DST, sy, DNNL_ARG_BIAS, ub};
        const int na = bias ? 4 : 3;
        ok = rmn_dnnl_step_add(st, e, pd, args, na) == 0;
        if (ok && sy != uy)
            ok = rmn_dnnl_reorder_add(st, e, sy, uy, 0) == 0;
    } else {
        ok = 0;
    }
    dnnl_primitive_desc_destroy(pd);
    return ok ? 0 : -1;
}

enum { B_DY, B_X, B_W, B_DX, B_DW }; /* user slots of a backward entry, in this order */

static dnnl_primitive_desc_t bwd_data_pd(dnnl_engine_t eng, const conv_mds *m,
                                         dnnl_alg_kind_t alg, dnnl_primitive_attr_t attr,
                                         const_dnnl_primitive_desc_t hint) {
    dnnl_convolution_desc_t d;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_dilated_convolution_backward_data_desc_init(&d, alg, &m->any_x, &m->in_w,
                                                         &m->in_y, m->strides, m->dilates,
                                                         m->pad_l, m->pad_r) != dnnl_success ||
        dnnl_primitive_desc_create(&pd, &d, attr, eng, hint) != dnnl_success)
        return NULL;
    return pd;
}

static dnnl_primitive_desc_t bwd_weights_pd(dnnl_engine_t eng, const conv_mds *m, int bias,
                                            dnnl_alg_kind_t alg, dnnl_primitive_attr_t attr,
                                            const_dnnl_primitive_desc_t hint) {
    dnnl_convolution_desc_t d;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_dilated_convolution_backward_weights_desc_init(
            &d, alg, &m->in_x, &m->any_w, bias ? &m->b : NULL, &m->in_y, m->strides,
            m->dilates, m->pad_l, m->pad_r) != dnnl_success ||
        dnnl_primitive_desc_create(&pd, &d, attr, eng, hint) != dnnl_success)
        return NULL;
    return pd;
}

/* A pass's primitive descriptor for algorithm alg (dnnl_tune.c's candidates): the forward's,
 * or the backward pass's with a forward hint of the same algorithm. */
typedef struct {
    rmn_dnnl_state *st;
    const conv_mds *m;
    int bias, pass;
    dnnl_primitive_attr_t attr;
} pass_ctx;

static dnnl_primitive_desc_t make_pass_pd(const void *ctx, dnnl_alg_kind_t alg) {
    const pass_ctx *c = ctx;
    dnnl_primitive_desc_t hint = fwd_pd(c->st->eng, c->m, c->bias, alg, c->attr), pd = NULL;
    if (!hint || c->pass == 0)
        return hint;
    pd = c->pass == 1 ? bwd_data_pd(c->st->eng, c->m, alg, c->attr, hint)
                      : bwd_weights_pd(c->st->eng, c->m, c->bias, alg, c->attr, hint);
    dnnl_primitive_desc_destroy(hint);
    return pd;
}

/* The algorithm of a pass: the static rule (pass_alg), or, with RMN_DNNL_TUNE=1 and no
 * explicit choice (RMN_DNNL_WINOGRAD, RMN_DNNL_CONV_ALG), the measured one. */
static dnnl_alg_kind_t chosen_alg(rmn_dnnl_state *st, const rmn_dnnl_entry *e,
                                  const rmn_conv2d_shape *sh, const conv_mds *m, int bias,
                                  int pass, dnnl_primitive_attr_t attr) {
    if (!rmn_dnnl_tune_applies(st, sh) || wants_winograd(sh, e->key[K_WG]) ||
        rmn_env_get("RMN_DNNL_CONV_ALG"))
        return pass_alg(sh, pass, e->key[K_WG]);
    const pass_ctx ctx = {st, m, bias, pass, attr};
    return rmn_dnnl_tune(st, sh, (unsigned)e->key[K_LAYOUT], e->nthreads, pass, bias,
                         make_pass_pd, &ctx);
}

/* A pass's primitive descriptor: its algorithm (with a forward hint of the same algorithm),
 * else auto. pass 1 = backward data, 2 = backward weights. */
static dnnl_primitive_desc_t bwd_part(rmn_dnnl_state *st, rmn_dnnl_entry *e, const conv_mds *m,
                                      const rmn_conv2d_shape *sh, int bias, int pass,
                                      dnnl_primitive_attr_t attr) {
    const dnnl_alg_kind_t want = chosen_alg(st, e, sh, m, bias, pass, attr);
    for (int tries = 0; tries < 2; ++tries) {
        const dnnl_alg_kind_t alg = tries == 0 ? want : dnnl_convolution_auto;
        if (tries == 1 && want == dnnl_convolution_auto)
            break;
        dnnl_primitive_desc_t hint = fwd_pd(st->eng, m, bias, alg, attr), pd = NULL;
        if (hint)
            pd = pass == 1 ? bwd_data_pd(st->eng, m, alg, attr, hint)
                           : bwd_weights_pd(st->eng, m, bias, alg, attr, hint);
        if (hint)
            dnnl_primitive_desc_destroy(hint);
        if (pd) {
            e->winograd |= alg == dnnl_convolution_winograd;
            return pd;
        }
    }
    return NULL;
}

/* Whether the weight-gradient pass computes in f32 although the state asks for bf16: for
 * strided convs and output maps under 8x8, where oneDNN 2.6's bf16 backward-weights kernels
 * crawl (measured on this 2-thread AVX512_BF16 machine, batch 64, nChw16c, the whole backward:
 * 512ch@2x2 0.43 s against 0.05 s in f32, 256ch@3x3 1.49 s against 0.04 s, 3x3 stride 2
 * 64->128 on 24x24 1.2 s against 0.07 s, 32->64 on 48x48 0.47 s against 0.08 s; stride 1 on
 * 6x6 as fast as f32, on 12x12 and 24x24 faster). The maps under the kernel (H*W < R*S) take
 * the dense SGEMM before this (rmn_dnnl_conv_backward). */
static int weights_in_f32(const rmn_dnnl_state *st, const rmn_conv2d_shape *sh) {
    return st->precision == RMN_PRECISION_BF16 &&
           (sh->stride_h > 1 || sh->stride_w > 1 || sh->p * sh->q < 64);
}

/* Backward: data (when want_dx) then weights and bias (when want_dw or bias), each pass with
 * its own algorithm (pass_alg). */
static int build_bwd(rmn_dnnl_state *st, rmn_dnnl_entry *e, const rmn_conv2d_shape *sh,
                     int bias, int want_dx, int want_dw) {
    conv_mds m, mw; /* the data pass's and the weights pass's */
    conv_mds_init(&m, sh, (unsigned)e->key[K_LAYOUT], rmn_dnnl_input_type(st));
    conv_mds_init(&mw, sh, (unsigned)e->key[K_LAYOUT], weights_in_f32(st, sh) ? dnnl_f32 : rmn_dnnl_input_type(st));
    dnnl_primitive_attr_t attr = user_scratch_attr();
    if (!attr)
        return -1;
    const int fresh_dx = (e->key[K_FRESH] & RMN_FRESH_DX) != 0;
    const int fresh_dw = (e->key[K_FRESH] & RMN_FRESH_DW) != 0;
    dnnl_primitive_desc_t dpd = NULL, wpd = NULL;
    if (want_dx)
        dpd = bwd_part(st, e, &m, sh, bias, 1, attr);
    if (want_dw || bias)
        wpd = bwd_part(st, e, &mw, sh, bias, 2, attr);
    int ok = (!want_dx || dpd) && (!(want_dw || bias) || wpd);
    const int udy = rmn_dnnl_slot_user(st, e, &m.y), ux = rmn_dnnl_slot_user(st, e, &m.x);
    const int uw = rmn_dnnl_slot_user(st, e, &m.w), udx = rmn_dnnl_slot_user(st, e, &m.x);
    const int udw = rmn_dnnl_slot_user(st, e, &m.w);
    ok = ok && udy == B_DY && ux == B_X && uw == B_W && udx == B_DX && udw == B_DW;
    int sdy = -1;
    if (ok && dpd) {
        sdy = staged(st, e, udy, QMD(dpd, dnnl_query_diff_dst_md), &ok);
        const int sw = ok ? staged(st, e, uw, QMD(dpd, dnnl_query_weights_md), &ok) : -1;
        /* a fresh dx in oneDNN's layout is written in place; otherwise through the arena,
         * copied or added by a reorder */
        const dnnl_memory_desc_t *dxmd = QMD(dpd, dnnl_query_diff_src_md);
        const int direct = fresh_dx && dnnl_memory_desc_equal(dxmd, &m.x);
        const int sdx = !ok ? -1 : direct ? udx : rmn_dnnl_slot_arena(st, e, dxmd);
        const int args[6] = {DNNL_ARG_DIFF_DST, sdy, DNNL_ARG_WEIGHTS, sw,
                             DNNL_ARG_DIFF_SRC, sdx};
        ok = ok && sdx >= 0 && rmn_dnnl_step_add(st, e, dpd, args, 3) == 0 &&
             (direct || rmn_dnnl_reorder_add(st, e, sdx, udx, !fresh_dx) == 0);
    }
    if (ok && wpd) {
        const dnnl_memory_desc_t *ddmd = QMD(wpd, dnnl_query_diff_dst_md), *have = NULL;
        if (sdy >= 0)
            dnnl_memory_get_memory_desc(e->mem[sdy], &have);
        if (sdy < 0 || !dnnl_memory_desc_equal(have, ddmd))
            sdy = staged(st, e, udy, ddmd, &ok);
        const int sx = ok ? staged(st, e, ux, QMD(wpd, dnnl_query_src_md), &ok) : -1;
        const int sdw = ok ? rmn_dnnl_slot_arena(st, e, QMD(wpd, dnnl_query_diff_weights_md))
                           : -1;
        const int sdb = ok && bias ? rmn_dnnl_slot_arena(st, e, &m.b) : -1;
        e->aux = sdb;
        const int args[8] = {DNNL_ARG_SRC, sx, DNNL_ARG_DIFF_DST, sdy,
                             DNNL_ARG_DIFF_WEIGHTS, sdw, DNNL_ARG_DIFF_BIAS, sdb};
        ok = ok && sdw >= 0 && (!bias || sdb >= 0) &&
             rmn_dnnl_step_add(st, e, wpd, args, bias ? 4 : 3) == 0 &&
             (!want_dw || rmn_dnnl_reorder_add(st, e, sdw, udw, !fresh_dw) == 0);
    }
    if (dpd)
        dnnl_primitive_desc_destroy(dpd);
    if (wpd)
        dnnl_primitive_desc_destroy(wpd);
    dnnl_primitive_attr_destroy(attr);
    return ok ? 0 : -1;
}

/* The cached entry for this call, built on first use; NULL when oneDNN refused it. */
static rmn_dnnl_entry *entry_for(rmn_dnnl_state *st, int kind, const rmn_conv2d_shape *sh,
                                 int bias, int dx, int dw, unsigned layout, unsigned fresh,
                                 int nthreads) {
    int key[K_LEN];
    make_key(key, sh, bias, dx, dw, st->winograd, layout, fresh, st->precision);
    rmn_dnnl_entry *e = rmn_dnnl_find(st, kind, key, K_LEN, nthreads);
    if (!e) {
        e = rmn_dnnl_add(st, kind, key, K_LEN, nthreads);
        if (!e)
            return NULL;
        e->aux = -1;
        const int prev = rmn_dnnl_threads_enter(nthreads);
        int rc = kind == RMN_DNNL_CONV_FWD ? build_fwd(st, e, sh, bias)
                                           : build_bwd(st, e, sh, bias, dx, dw);
        rmn_dnnl_threads_leave(nthreads, prev);
        if (rc != 0 || rmn_dnnl_arena_reserve(st, e->arena_need) != 0)
            e->failed = 1;
        if (e->winograd)
            st->stats.winograd++;
    }
    return e->failed ? NULL : e;
}

// --- small maps: the weight gradient as one dense SGEMM -----------------------------------

/* Small maps: the weight gradient of convolutions whose map is smaller than their kernel
 * (H*W < R*S, as the 3x3 convs on 2x2 maps at the end of a 48-pixel ResNet) as one dense
 * matrix product.
 *
 * On such a map the conv is a dense linear map from the C*H*W inputs of a sample to its K*P*Q
 * outputs, y = x Wd with Wd[(c,h,w), (k,p,q)] = w[k, c, r, s] where (r, s) = (h - p*stride +
 * pad, w - q*stride + pad) lies in the kernel. Its weight gradient is then dWd = x^T dy, one
 * SGEMM (oneDNN's dnnl_sgemm) of 2 N C H W K P Q flops -- on a 2x2 map under a 3x3 kernel 4/9
 * of the direct conv's, whose other taps hit padding -- gathered back into dw (measured, 512
 * channels on 2x2, batch 64: 7.3 ms against oneDNN's 16.2 ms with its reorder; on 3x3 maps,
 * where nothing is saved, the gather costs more than it gains). oneDNN's forward and
 * backward-data kernels do well there and stay. dWd is kept transposed, dWd^T:(K*P*Q,
 * C*H*W), its columns in the activations' layout (plain NCHW or nChw16c, a permutation of the
 * C*H*W axis), so no activation is reordered; it lives in the state's arena. */

#define RMN_DENSE_MAX_ELEMS ((size_t)1 << 24) /* Wd up to 64 MB */

static int dense_applies(const rmn_conv2d_shape *sh) {
    const size_t elems = (size_t)sh->c * sh->h * sh->w * sh->k * sh->p * sh->q;
    return dflt(sh->groups) == 1 && dflt(sh->dil_h) == 1 && dflt(sh->dil_w) == 1 &&
           sh->r * sh->s > 1 && sh->h * sh->w < sh->r * sh->s && elems <= RMN_DENSE_MAX_ELEMS;
}

/* The cache entry that reserves room for dWd^T; NULL when the arena cannot grow. */
static rmn_dnnl_entry *dense_entry_for(rmn_dnnl_state *st, const rmn_conv2d_shape *sh) {
    const int key[8] = {sh->c, sh->h, sh->w, sh->k, sh->r, sh->s, sh->p, sh->q};
    rmn_dnnl_entry *e = rmn_dnnl_find(st, RMN_DNNL_DENSE, key, 8, 0);
    if (!e) {
        if (!(e = rmn_dnnl_add(st, RMN_DNNL_DENSE, key, 8, 0)))
            return NULL;
        e->arena_need = (size_t)sh->c * sh->h * sh->w * sh->k * sh->p * sh->q * sizeof(float);
        if (rmn_dnnl_arena_reserve(st, e->arena_need) != 0)
            e->failed = 1;
    }
    return e->failed ? NULL : e;
}

/* dw:(K,C,R,S) = (fresh ? 0 : dw) + the taps of dwdt:(K*P*Q, C*H*W) = dWd^T: each row
 * (k, p, q) and input position (h, w) joined by kernel tap (r, s) adds its C channels into
 * dw[k, :, r, s]. Threads split k (each owns its dw[k] slice, 18 KB for 512 channels). */
static void gather(float *dw, const float *dwdt, const rmn_conv2d_shape *sh, int bx, int by,
                   int fresh, int nthreads) {
    (void)nthreads;
    const int HW = sh->h * sh->w, PQ = sh->p * sh->q, RS = sh->r * sh->s, C = sh->c;
    const size_t CHW = (size_t)C * HW;
#pragma omp parallel for schedule(static) num_threads(nthreads)
    for (int k = 0; k < sh->k; ++k) {
        float *dwk = dw + (size_t)k * C * RS;
        if (fresh)
            memset(dwk, 0, (size_t)C * RS * sizeof(float));
        for (int pq = 0; pq < PQ; ++pq)
            for (int hw = 0; hw < HW; ++hw) {
                const int r = hw / sh->w - (pq / sh->q) * sh->stride_h + sh->pad_h;
                const int s = hw % sh->w - (pq % sh->q) * sh->stride_w + sh->pad_w;
                if (r < 0 || r >= sh->r || s < 0 || s >= sh->s)
                    continue;
                const float *row = dwdt + rmn_b16_at(by, k, pq, PQ) * CHW;
                float *d = dwk + r * sh->s + s;
                if (bx) /* channel c at ((c/16) HW + hw) 16 + c%16 */
                    for (int cb = 0; cb < C / 16; ++cb) {
                        const float *src = row + ((size_t)cb * HW + hw) * 16;
                        float *dst = d + (size_t)cb * 16 * RS;
                        for (int l = 0; l < 16; ++l)
                            dst[(size_t)l * RS] += src[l];
                    }
                else
                    for (int c = 0; c < C; ++c)
                        d[(size_t)c * RS] += row[(size_t)c * HW + hw];
            }
    }
}

/* dw (+)= gather(dy^T x), db (+)= the sums of dy (fresh per ex->fresh); -1 when it could not
 * run. dy:(N,K,P,Q) x:(N,C,H,W) in the layouts ex->layout says. */
static int dense_backward_weights(const rmn_exec *ex, float *dw, float *db, const float *dy,
                                  const float *x, const rmn_conv2d_shape *sh) {
    rmn_dnnl_state *st = ex->state;
    rmn_dnnl_entry *e = st ? dense_entry_for(st, sh) : NULL;
    if (!e)
        return -1;
    const int bx = (ex->layout & RMN_LAYOUT_X16) != 0, by = (ex->layout & RMN_LAYOUT_Y16) != 0;
    const int nthreads = ex->nthreads, chw = sh->c * sh->h * sh->w, pq = sh->p * sh->q;
    const int kpq = sh->k * pq, fresh = (ex->fresh & RMN_FRESH_DW) != 0;
    float *dwdt = (float *)st->arena;
    if (dw) {
        if (rmn_dnnl_sgemm('T', 'N', kpq, chw, sh->n, dy, kpq, x, chw, 0.0f, dwdt, chw, nthreads) != 0)
            return -1;
        gather(dw, dwdt, sh, bx, by, fresh, nthreads);
    }
    st->stats.dense++;
    if (db)
        rmn_b16_channel_sums(db, dy, sh->n, sh->k, (size_t)pq, by, fresh);
    return 0;
}

// --- 1x1 convs on 1x1 maps: a linear layer ----------------------------------------------------

/* A 1x1 conv on a 1x1 map (squeeze-excite's, on pooled features) is a linear layer: x:(N,C)
 * w:(K,C) y:(N,K), the same memory in either layout. oneDNN's conv primitives for these tiny
 * products cost far more than their arithmetic; the linear layer's SGEMM does not. f32 at
 * every precision, as the weight gradients of all small maps (above). */
static int pointwise_on_point(const rmn_conv2d_shape *sh) {
    return sh->h == 1 && sh->w == 1 && sh->r == 1 && sh->s == 1 && sh->p == 1 && sh->q == 1 &&
           dflt(sh->groups) == 1;
}

/* The forward entry, run on the caller's buffers; 0 when it ran, -1 when the caller must fall
 * back to "cpu" (plain layouts only). */
static int conv_forward(const rmn_exec *ex, float *y, const float *x, const float *w, const float *b,
                        const rmn_conv2d_shape *sh) {
    rmn_dnnl_state *st = ex->state;
    rmn_dnnl_entry *e =
        st ? entry_for(st, RMN_DNNL_CONV_FWD, sh, b != NULL, 0, 0, ex->layout, 0, ex->nthreads) : NULL;
    if (e) {
        rmn_dnnl_bind(st, e, F_X, x);
        rmn_dnnl_bind(st, e, F_W, w);
        rmn_dnnl_bind(st, e, F_B, b);
        rmn_dnnl_bind(st, e, F_Y, y);
        if (rmn_dnnl_run(st, e, 0, e->n_step, ex->nthreads) == 0)
            return 0;
    }
    if (st)
        st->stats.fallbacks++;
    return rmn_dnnl_fallback_ok(st, ex->layout, "conv2d forward") ? -1 : 0;
}

void rmn_dnnl_conv_forward(const rmn_exec *ex, float *y, const float *x, const float *w,
                           const float *b, const rmn_conv2d_shape *sh) {
    if (pointwise_on_point(sh)) {
        rmn_dnnl_linear_forward_f32(ex, y, x, w, b, sh->n, sh->c, sh->k);
        return;
    }
    if (conv_forward(ex, y, x, w, b, sh) != 0)
        rmn_backend_cpu.conv2d_forward(ex, y, x, w, b, sh);
}

/* A depthwise conv (one input channel per output channel) between blocked values. */
static int depthwise_blocked(const rmn_conv2d_shape *sh, unsigned layout) {
    return sh->groups > 1 && sh->groups == sh->c && sh->k == sh->c && sh->c % 16 == 0 &&
           (layout & RMN_LAYOUT_X16) && (layout & RMN_LAYOUT_Y16);
}

void rmn_dnnl_conv_backward(const rmn_exec *ex, float *dx, float *dw, float *db,
                            const float *dy, const float *x, const float *w,
                            const rmn_conv2d_shape *sh) {
    rmn_dnnl_state *st = ex->state;
    if (!dx && !dw && !db)
        return;
    if (pointwise_on_point(sh) && dw) { /* the linear layer's backward needs dw */
        rmn_dnnl_linear_backward_f32(ex, dx, dw, db, dy, x, w, sh->n, sh->c, sh->k);
        return;
    }
    /* depthwise on blocked values: rmn's kernel (oneDNN's ran at 3-8 GFLOP/s there) */
    if (depthwise_blocked(sh, ex->layout) &&
        rmn_b16_dwconv_backward(dx, dw, db, dy, x, w, sh, (ex->fresh & RMN_FRESH_DX) != 0,
                                (ex->fresh & RMN_FRESH_DW) != 0, ex->nthreads) == 0)
        return;
    /* small maps: the weight gradient as one SGEMM (dense_backward_weights, f32 at bf16 too),
     * oneDNN for dx only */
    if (st && st->dense && (dw || db) && dense_applies(sh) &&
        dense_backward_weights(ex, dw, db, dy, x, sh) == 0) {
        dw = NULL;
        db = NULL;
        if (!dx)
            return;
    }
    rmn_dnnl_entry *e =
        st ? entry_for(st, RMN_DNNL_CONV_BWD, sh, db != NULL, dx != NULL, dw != NULL, ex->layout,
                       ex->fresh & (RMN_FRESH_DX | RMN_FRESH_DW), ex->nthreads)
           : NULL;
    if (e) {
        rmn_dnnl_bind(st, e, B_DY, dy);
        rmn_dnnl_bind(st, e, B_X, x);
        rmn_dnnl_bind(st, e, B_W, w);
        rmn_dnnl_bind(st, e, B_DX, dx);
        rmn_dnnl_bind(st, e, B_DW, dw);
        if (rmn_dnnl_run(st, e, 0, e->n_step, ex->nthreads) == 0) {
            if (db)
                rmn_dnnl_hand_over(db, rmn_dnnl_arena_ptr(st, e, e->aux), (size_t)sh->k,
                                   (ex->fresh & RMN_FRESH_DW) != 0, 1);
            return;
        }
    }
    if (st)
        st->stats.fallbacks++;
    if (!rmn_dnnl_fallback_ok(st, ex->layout, "conv2d backward"))
        return;
    rmn_dnnl_zero_fresh(ex->fresh, dx, (size_t)sh->n * sh->c * sh->h * sh->w, dw,
                        (size_t)sh->k * (sh->c / dflt(sh->groups)) * sh->r * sh->s, db,
                        (size_t)sh->k);
    rmn_backend_cpu.conv2d_backward(ex, dx, dw, db, dy, x, w, sh);
}

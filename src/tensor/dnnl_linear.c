/* dnnl_linear.c -- the dnnl backend's linear layer, y = x w^T + b (PyTorch's layout).
 *
 * fp32: oneDNN's AVX-512 SGEMM (dnnl_sgemm): the "cpu" backend's OpenBLAS runs its generic SSE3
 * kernels on this machine (VGG's 4096-wide classifier at 30 GFLOP/s). bf16 (the state's
 * precision): each product is a cached oneDNN matmul entry -- bf16 A and B made from the
 * caller's f32 buffers by reorders, f32 accumulation, an f32 C (summed into by a post-op where
 * the result accumulates). Fresh-aware backward; a product oneDNN refuses falls back to "cpu". */
#include "tensor/dnnl_internal.h"

enum { M_A, M_B, M_BIAS, M_C }; /* user slots of a matmul entry, in this order */
enum { MK_M, MK_N, MK_K, MK_TA, MK_TB, MK_BIAS, MK_SUM, MK_PREC, MK_LEN };

/* C:(m,n) (+)= op(A):(m,k) op(B):(k,n) [+ bias:(n)], A stored (k,m) when ta, B (n,k) when tb */
static int build_matmul(rmn_dnnl_state *st, rmn_dnnl_entry *e) {
    const int m = e->key[MK_M], n = e->key[MK_N], k = e->key[MK_K];
    const int ad[2] = {m, k}, bd[2] = {k, n}, cd[2] = {m, n}, biasd[2] = {1, n};
    const dnnl_data_type_t in = rmn_dnnl_input_type(st);
    dnnl_memory_desc_t a, b, c, bias, a_in, b_in;
    rmn_dnnl_md(&a, 2, ad, e->key[MK_TA] ? dnnl_ba : dnnl_ab);
    rmn_dnnl_md(&b, 2, bd, e->key[MK_TB] ? dnnl_ba : dnnl_ab);
    rmn_dnnl_md(&c, 2, cd, dnnl_ab);
    rmn_dnnl_md(&bias, 2, biasd, dnnl_ab);
    rmn_dnnl_md_typed(&a_in, 2, ad, dnnl_ab, in);
    rmn_dnnl_md_typed(&b_in, 2, bd, dnnl_format_tag_any, in);
    dnnl_matmul_desc_t d;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_desc_t pd = NULL;
    int ok = dnnl_matmul_desc_init(&d, &a_in, &b_in, e->key[MK_BIAS] ? &bias : NULL, &c) == dnnl_success &&
             dnnl_primitive_attr_create(&attr) == dnnl_success &&
             dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) == dnnl_success;
    if (ok && e->key[MK_SUM])
        ok = dnnl_post_ops_create(&po) == dnnl_success && dnnl_post_ops_append_sum(po, 1.0f) == dnnl_success &&
             dnnl_primitive_attr_set_post_ops(attr, po) == dnnl_success;
    ok = ok && dnnl_primitive_desc_create(&pd, &d, attr, st->eng, NULL) == dnnl_success;
    ok = ok && rmn_dnnl_slot_user(st, e, &a) == M_A && rmn_dnnl_slot_user(st, e, &b) == M_B &&
         rmn_dnnl_slot_user(st, e, &bias) == M_BIAS && rmn_dnnl_slot_user(st, e, &c) == M_C;
    const int sa = ok ? rmn_dnnl_slot_arena(st, e, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0)) : -1;
    const int sb = ok ? rmn_dnnl_slot_arena(st, e, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0)) : -1;
    ok = ok && sa >= 0 && sb >= 0 && rmn_dnnl_reorder_add(st, e, M_A, sa, 0) == 0 &&
         rmn_dnnl_reorder_add(st, e, M_B, sb, 0) == 0;
    if (ok) {
        const int args[8] = {DNNL_ARG_SRC, sa, DNNL_ARG_WEIGHTS, sb, DNNL_ARG_DST, M_C, DNNL_ARG_BIAS, M_BIAS};
        ok = rmn_dnnl_step_add(st, e, pd, args, e->key[MK_BIAS] ? 4 : 3) == 0;
    }
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (po)
        dnnl_post_ops_destroy(po);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    return ok ? 0 : -1;
}

/* Runs C (+)= op(A) op(B) [+ bias] on a cached matmul entry; -1 when oneDNN refused it. */
static int matmul(rmn_dnnl_state *st, int nthreads, int m, int n, int k, int ta, const float *a, int tb,
                  const float *b, const float *bias, int sum, float *c) {
    const int key[MK_LEN] = {m, n, k, ta, tb, bias != NULL, sum, (int)st->precision};
    rmn_dnnl_entry *e = rmn_dnnl_find(st, RMN_DNNL_MATMUL, key, MK_LEN, nthreads);
    if (!e) { /* primitives made for the threads they run with, as the conv entries' */
        if (!(e = rmn_dnnl_add(st, RMN_DNNL_MATMUL, key, MK_LEN, nthreads)))
            return -1;
        const int prev = rmn_dnnl_threads_enter(nthreads);
        const int rc = build_matmul(st, e);
        rmn_dnnl_threads_leave(nthreads, prev);
        if (rc != 0 || rmn_dnnl_arena_reserve(st, e->arena_need) != 0)
            e->failed = 1;
    }
    if (e->failed)
        return -1;
    rmn_dnnl_bind(st, e, M_A, a);
    rmn_dnnl_bind(st, e, M_B, b);
    rmn_dnnl_bind(st, e, M_BIAS, bias);
    rmn_dnnl_bind(st, e, M_C, c);
    return rmn_dnnl_run(st, e, 0, e->n_step, nthreads) == 0 ? 0 : -1;
}

static int low_precision(const rmn_exec *ex) {
    const rmn_dnnl_state *st = ex->state;
    return st && st->precision != RMN_PRECISION_FP32;
}

void rmn_dnnl_linear_forward_f32(const rmn_exec *ex, float *y, const float *x, const float *w,
                                 const float *b, int n, int in, int out) {
    for (int i = 0; i < n; ++i)
        for (int o = 0; o < out; ++o)
            y[(size_t)i * out + o] = b ? b[o] : 0.0f;
    if (rmn_dnnl_sgemm('N', 'T', n, out, in, x, in, w, in, 1.0f, y, out, ex->nthreads) != 0)
        rmn_backend_cpu.linear_forward(ex, y, x, w, b, n, in, out);
}

/* y:(N,OUT) x:(N,IN) w:(OUT,IN) b:(OUT) or NULL */
void rmn_dnnl_linear_forward(const rmn_exec *ex, float *y, const float *x, const float *w,
                             const float *b, int n, int in, int out) {
    if (!low_precision(ex)) {
        rmn_dnnl_linear_forward_f32(ex, y, x, w, b, n, in, out);
        return;
    }
    if (matmul(ex->state, ex->nthreads, n, out, in, 0, x, 1, w, b, 0, y) == 0)
        return;
    ((rmn_dnnl_state *)ex->state)->stats.fallbacks++;
    rmn_backend_cpu.linear_forward(ex, y, x, w, b, n, in, out);
}

/* dx, dw (+)= dy's products in the state's precision (f32 when f32) */
static void linear_backward(const rmn_exec *ex, float *dx, float *dw, float *db, const float *dy,
                            const float *x, const float *w, int n, int in, int out, int f32) {
    const int fresh_dx = (ex->fresh & RMN_FRESH_DX) != 0, fresh_dw = (ex->fresh & RMN_FRESH_DW) != 0;
    if (db)
        for (int o = 0; o < out; ++o) {
            float acc = 0.0f;
            for (int i = 0; i < n; ++i)
                acc += dy[(size_t)i * out + o];
            db[o] = fresh_dw ? acc : db[o] + acc;
        }
    int ok;
    if (!f32) { /* dw = dy^T x, dx = dy w: bf16 operands, f32 results */
        ok = matmul(ex->state, ex->nthreads, out, in, n, 1, dy, 0, x, NULL, !fresh_dw, dw) == 0;
        if (ok && dx)
            ok = matmul(ex->state, ex->nthreads, n, in, out, 0, dy, 0, w, NULL, !fresh_dx, dx) == 0;
        if (!ok)
            ((rmn_dnnl_state *)ex->state)->stats.fallbacks++;
    } else {
        ok = rmn_dnnl_sgemm('T', 'N', out, in, n, dy, out, x, in, fresh_dw ? 0.0f : 1.0f, dw, in,
                            ex->nthreads) == 0;
        if (ok && dx)
            ok = rmn_dnnl_sgemm('N', 'N', n, in, out, dy, out, w, in, fresh_dx ? 0.0f : 1.0f, dx, in,
                                ex->nthreads) == 0;
    }
    if (!ok) { /* "cpu" adds: start the fresh outputs from zero (db is already final) */
        rmn_dnnl_zero_fresh(ex->fresh, dx, (size_t)n * in, dw, (size_t)out * in, NULL, 0);
        rmn_backend_cpu.linear_backward(ex, dx, dw, NULL, dy, x, w, n, in, out);
    }
}

/* dx:(N,IN) or NULL dw:(OUT,IN) db:(OUT) or NULL dy:(N,OUT) x:(N,IN) w:(OUT,IN) */
void rmn_dnnl_linear_backward(const rmn_exec *ex, float *dx, float *dw, float *db,
                              const float *dy, const float *x, const float *w, int n, int in,
                              int out) {
    linear_backward(ex, dx, dw, db, dy, x, w, n, in, out, !low_precision(ex));
}

void rmn_dnnl_linear_backward_f32(const rmn_exec *ex, float *dx, float *dw, float *db,
                                  const float *dy, const float *x, const float *w, int n, int in,
                                  int out) {
    linear_backward(ex, dx, dw, db, dy, x, w, n, in, out, 1);
}

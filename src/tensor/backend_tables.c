/* backend_tables.c -- the "ref" and "cpu" op tables (see backend.h): thin adapters, per op
 * family, from the backend calling convention to the kernels of ops.h (ref_*.c, cpu_*.c). */
#include "tensor/backend.h"
#include "tensor/blocked16.h"
#include "tensor/hardswish.h"

// --- conv: naive (ref), im2col + BLAS (cpu) ----------------------------------------------

static size_t ref_conv_ws(const rmn_conv2d_shape *sh, int nthreads) {
    (void)sh;
    (void)nthreads;
    return 0;
}
static void ref_conv_fwd(const rmn_exec *ex, float *y, const float *x, const float *w,
                         const float *b, const rmn_conv2d_shape *sh) {
    (void)ex;
    rmn_ref_conv2d_forward(y, x, w, b, sh);
}
static void ref_conv_bwd(const rmn_exec *ex, float *dx, float *dw, float *db, const float *dy,
                         const float *x, const float *w, const rmn_conv2d_shape *sh) {
    (void)ex;
    rmn_ref_conv2d_backward(dx, dw, db, dy, x, w, sh);
}
static void cpu_conv_fwd(const rmn_exec *ex, float *y, const float *x, const float *w,
                         const float *b, const rmn_conv2d_shape *sh) {
    rmn_gemm_conv2d_forward(y, x, w, b, sh, ex->ws, ex->nthreads);
}
static void cpu_conv_bwd(const rmn_exec *ex, float *dx, float *dw, float *db, const float *dy,
                         const float *x, const float *w, const rmn_conv2d_shape *sh) {
    rmn_gemm_conv2d_backward(dx, dw, db, dy, x, w, sh, ex->ws, ex->nthreads);
}

// --- convT: naive (ref), the conv kernels with the roles swapped (cpu) -------------------

static size_t ref_convt_ws(const rmn_convt2d_shape *sh, int nthreads) {
    (void)sh;
    (void)nthreads;
    return 0;
}
static void ref_convt_fwd(const rmn_exec *ex, float *y, const float *x, const float *w,
                          const float *b, const rmn_convt2d_shape *sh) {
    (void)ex;
    rmn_ref_convt2d_forward(y, x, w, b, sh);
}
static void ref_convt_bwd(const rmn_exec *ex, float *dx, float *dw, float *db, const float *dy,
                          const float *x, const float *w, const rmn_convt2d_shape *sh) {
    (void)ex;
    rmn_ref_convt2d_backward(dx, dw, db, dy, x, w, sh);
}
static void cpu_convt_fwd(const rmn_exec *ex, float *y, const float *x, const float *w,
                          const float *b, const rmn_convt2d_shape *sh) {
    rmn_gemm_convt2d_forward(y, x, w, b, sh, ex->ws, ex->nthreads);
}
static void cpu_convt_bwd(const rmn_exec *ex, float *dx, float *dw, float *db, const float *dy,
                          const float *x, const float *w, const rmn_convt2d_shape *sh) {
    rmn_gemm_convt2d_backward(dx, dw, db, dy, x, w, sh, ex->ws, ex->nthreads);
}

// --- norm: the plain kernels (both) ------------------------------------------------------

static void bn_fwd_train(const rmn_exec *ex, float *y, float *sm, float *si, float *rm,
                         float *rv, const float *x, const float *g, const float *b, int n,
                         int c, int hw, double momentum, double eps) {
    (void)ex;
    rmn_ref_bn2d_forward_train(y, sm, si, rm, rv, x, g, b, n, c, hw, momentum, eps);
}
static void bn_fwd_eval(const rmn_exec *ex, float *y, const float *x, const float *g,
                        const float *b, const float *rm, const float *rv, int n, int c, int hw,
                        double eps) {
    (void)ex;
    rmn_ref_bn2d_forward_eval(y, x, g, b, rm, rv, n, c, hw, eps);
}
static void bn_bwd_train(const rmn_exec *ex, float *dx, float *dg, float *db, const float *dy,
                         const float *x, const float *g, const float *sm, const float *si,
                         int n, int c, int hw) {
    (void)ex;
    rmn_ref_bn2d_backward_train(dx, dg, db, dy, x, g, sm, si, n, c, hw);
}
static void bn_bwd_eval(const rmn_exec *ex, float *dx, float *dg, float *db, const float *dy,
                        const float *x, const float *g, const float *rm, const float *rv, int n,
                        int c, int hw, double eps) {
    (void)ex;
    rmn_ref_bn2d_backward_eval(dx, dg, db, dy, x, g, rm, rv, n, c, hw, eps);
}
static void softmax_fwd(const rmn_exec *ex, float *y, const float *x, int n, int c, int hw) {
    (void)ex;
    rmn_ref_softmax_ch_forward(y, x, n, c, hw);
}
static void softmax_bwd(const rmn_exec *ex, float *dx, const float *dy, const float *y, int n,
                        int c, int hw) {
    (void)ex;
    rmn_ref_softmax_ch_backward(dx, dy, y, n, c, hw);
}

// --- pool: max pool naive (ref) or clipped windows (cpu); the rest plain (both) ----------

static void maxpool_fwd(const rmn_exec *ex, float *y, int32_t *idx, const float *x,
                        const rmn_pool2d_shape *sh) {
    (void)ex;
    rmn_ref_maxpool2d_forward(y, idx, x, sh);
}
static void maxpool_bwd(const rmn_exec *ex, float *dx, const float *dy, const int32_t *idx,
                        const rmn_pool2d_shape *sh) {
    (void)ex;
    rmn_ref_maxpool2d_backward(dx, dy, idx, sh);
}
static void cpu_maxpool_fwd(const rmn_exec *ex, float *y, int32_t *idx, const float *x,
                            const rmn_pool2d_shape *sh) {
    rmn_cpu_maxpool2d_forward(y, idx, x, sh, ex->nthreads);
}
static void cpu_maxpool_bwd(const rmn_exec *ex, float *dx, const float *dy, const int32_t *idx,
                            const rmn_pool2d_shape *sh) {
    rmn_cpu_maxpool2d_backward(dx, dy, idx, sh, (ex->fresh & RMN_FRESH_DX) != 0, ex->nthreads);
}
static void gap_fwd(const rmn_exec *ex, float *y, const float *x, int n, int c, int hw) {
    (void)ex;
    rmn_ref_gap_forward(y, x, n, c, hw);
}
static void gap_bwd(const rmn_exec *ex, float *dx, const float *dy, int n, int c, int hw) {
    (void)ex;
    rmn_ref_gap_backward(dx, dy, n, c, hw);
}
static void avgpool_fwd(const rmn_exec *ex, float *y, const float *x,
                        const rmn_pool2d_shape *sh) {
    (void)ex;
    rmn_ref_avgpool2d_forward(y, x, sh);
}
static void avgpool_bwd(const rmn_exec *ex, float *dx, const float *dy,
                        const rmn_pool2d_shape *sh) {
    (void)ex;
    rmn_ref_avgpool2d_backward(dx, dy, sh);
}
static void adaptive_fwd(const rmn_exec *ex, float *y, const float *x, int n, int c, int h,
                         int w, int oh, int ow) {
    (void)ex;
    rmn_ref_adaptive_avgpool2d_forward(y, x, n, c, h, w, oh, ow);
}
static void adaptive_bwd(const rmn_exec *ex, float *dx, const float *dy, int n, int c, int h,
                         int w, int oh, int ow) {
    (void)ex;
    rmn_ref_adaptive_avgpool2d_backward(dx, dy, n, c, h, w, oh, ow);
}
static void cmean_fwd(const rmn_exec *ex, float *y, const float *x, int n, int c, int hw) {
    (void)ex;
    rmn_ref_chan_mean_forward(y, x, n, c, hw);
}
static void cmean_bwd(const rmn_exec *ex, float *dx, const float *dy, int n, int c, int hw) {
    (void)ex;
    rmn_ref_chan_mean_backward(dx, dy, n, c, hw);
}
static void cmax_fwd(const rmn_exec *ex, float *y, int32_t *idx, const float *x, int n, int c,
                     int hw) {
    (void)ex;
    rmn_ref_chan_max_forward(y, idx, x, n, c, hw);
}
static void cmax_bwd(const rmn_exec *ex, float *dx, const float *dy, const int32_t *idx, int n,
                     int c, int hw) {
    (void)ex;
    rmn_ref_chan_max_backward(dx, dy, idx, n, c, hw);
}

// --- eltwise: naive (ref) or vectorised (cpu); dropout plain (both) ----------------------

static void relu_fwd(const rmn_exec *ex, float *y, const float *x, size_t count) {
    (void)ex;
    rmn_ref_relu_forward(y, x, count);
}
static void relu_bwd(const rmn_exec *ex, float *dx, const float *dy, const float *x,
                     size_t count) {
    (void)ex;
    rmn_ref_relu_backward(dx, dy, x, count);
}
static void cpu_relu_fwd(const rmn_exec *ex, float *y, const float *x, size_t count) {
    rmn_cpu_relu_forward(y, x, count, ex->nthreads);
}
static void cpu_relu_bwd(const rmn_exec *ex, float *dx, const float *dy, const float *x,
                         size_t count) {
    rmn_cpu_relu_backward(dx, dy, x, count, (ex->fresh & RMN_FRESH_DX) != 0, ex->nthreads);
}
static void ref_act_fwd(const rmn_exec *ex, float *y, const float *x, size_t count,
                        rmn_act act) {
    (void)ex;
    rmn_ref_act_forward(y, x, count, act);
}
static void ref_act_bwd(const rmn_exec *ex, float *dx, const float *dy, const float *x,
                        const float *y, size_t count, rmn_act act) {
    (void)ex;
    rmn_ref_act_backward(dx, dy, x, y, count, act);
}
static void cpu_act_fwd(const rmn_exec *ex, float *y, const float *x, size_t count,
                        rmn_act act) {
    rmn_cpu_act_forward(y, x, count, act, ex->nthreads);
}
static void cpu_act_bwd(const rmn_exec *ex, float *dx, const float *dy, const float *x,
                        const float *y, size_t count, rmn_act act) {
    rmn_cpu_act_backward(dx, dy, x, y, count, act, ex->nthreads);
}
static void dropout_fwd(const rmn_exec *ex, float *y, const float *x, const float *mask,
                        size_t count) {
    (void)ex;
    rmn_ref_dropout_forward(y, x, mask, count);
}
static void dropout_bwd(const rmn_exec *ex, float *dx, const float *dy, const float *mask,
                        size_t count) {
    (void)ex;
    rmn_ref_dropout_backward(dx, dy, mask, count);
}

// --- binary: naive (ref) or vectorised (cpu); add + ReLU (cpu) ---------------------------

static void ref_binary_fwd(const rmn_exec *ex, float *y, const float *a, const float *b,
                           const rmn_bcast_shape *sh, rmn_binary op) {
    (void)ex;
    rmn_ref_binary_forward(y, a, b, sh, op);
}
static void binary_bwd(const rmn_exec *ex, float *da, float *db, const float *dy,
                       const float *a, const float *b, const rmn_bcast_shape *sh,
                       rmn_binary op) {
    (void)ex;
    rmn_ref_binary_backward(da, db, dy, a, b, sh, op);
}
/* Blocked operands (the dnnl backend's graphs) with b broadcast over space: the blocked16
 * kernels (the graph keeps only that broadcast blocked, nn/op_eltwise.c). */
static int cbcast_blocked(const rmn_exec *ex, const rmn_bcast_shape *sh) {
    return ex->layout && sh->bc == sh->c && sh->bh == 1 && sh->bw == 1 && sh->h * sh->w > 1;
}
/* ... or b one channel broadcast over a's channels, (1,H,W), read plain (CBAM's spatial gate) */
static int sbcast_blocked(const rmn_exec *ex, const rmn_bcast_shape *sh) {
    return ex->layout && sh->bc == 1 && sh->c > 1 && sh->bh == sh->h && sh->bw == sh->w;
}
static void cpu_binary_fwd(const rmn_exec *ex, float *y, const float *a, const float *b,
                           const rmn_bcast_shape *sh, rmn_binary op) {
    if (sbcast_blocked(ex, sh))
        rmn_b16_binary_sbcast_forward(y, a, b, sh->n, sh->c, sh->h * sh->w, op, ex->nthreads);
    else if (cbcast_blocked(ex, sh))
        rmn_b16_binary_cbcast_forward(y, a, b, sh->n, sh->c, sh->h * sh->w, op, ex->nthreads);
    else
        rmn_cpu_binary_forward(y, a, b, sh, op, ex->nthreads);
}
/* Same-shape operands: the vectorised kernel (fresh-aware); broadcasting: the ref's loops over
 * samples in parallel. */
static void cpu_binary_bwd(const rmn_exec *ex, float *da, float *db, const float *dy,
                           const float *a, const float *b, const rmn_bcast_shape *sh,
                           rmn_binary op) {
    if (sbcast_blocked(ex, sh))
        rmn_b16_binary_sbcast_backward(da, db, dy, a, b, sh->n, sh->c, sh->h * sh->w, op,
                                       (ex->fresh & RMN_FRESH_DX) != 0,
                                       (ex->fresh & RMN_FRESH_DX2) != 0, ex->nthreads);
    else if (cbcast_blocked(ex, sh))
        rmn_b16_binary_cbcast_backward(da, db, dy, a, b, sh->n, sh->c, sh->h * sh->w, op,
                                       (ex->fresh & RMN_FRESH_DX) != 0,
                                       (ex->fresh & RMN_FRESH_DX2) != 0, ex->nthreads);
    else if (sh->bc == sh->c && sh->bh == sh->h && sh->bw == sh->w)
        rmn_cpu_binary_backward_same(da, db, dy, a, b, (size_t)sh->n * sh->c * sh->h * sh->w, op,
                                     (ex->fresh & RMN_FRESH_DX) != 0,
                                     (ex->fresh & RMN_FRESH_DX2) != 0, ex->nthreads);
    else
        rmn_cpu_binary_backward_bcast(da, db, dy, a, b, sh, op, ex->nthreads);
}
static void cpu_add_relu_fwd(const rmn_exec *ex, float *y, const float *a, const float *b,
                             size_t count) {
    rmn_cpu_add_relu_forward(y, a, b, count, ex->nthreads);
}
static void cpu_add_relu_bwd(const rmn_exec *ex, float *da, float *db, const float *dy,
                             const float *y, size_t count) {
    rmn_cpu_add_relu_backward(da, db, dy, y, count, (ex->fresh & RMN_FRESH_DX) != 0,
                              (ex->fresh & RMN_FRESH_DX2) != 0, ex->nthreads);
}

// --- reshape: the plain kernels (both) ---------------------------------------------------

static void resize_fwd(const rmn_exec *ex, float *y, const float *x, int n, int c, int h,
                       int w, int oh, int ow) {
    (void)ex;
    rmn_ref_resize_bilinear_forward(y, x, n, c, h, w, oh, ow);
}
static void resize_bwd(const rmn_exec *ex, float *dx, const float *dy, int n, int c, int h,
                       int w, int oh, int ow) {
    (void)ex;
    rmn_ref_resize_bilinear_backward(dx, dy, n, c, h, w, oh, ow);
}
static void ref_concat_fwd(const rmn_exec *ex, float *y, const float *x, int n, int cy, int c0,
                           int cx, int hw) {
    (void)ex;
    rmn_ref_concat_forward(y, x, n, cy, c0, cx, hw);
}
static void ref_concat_bwd(const rmn_exec *ex, float *dx, const float *dy, int n, int cy, int c0,
                           int cx, int hw) {
    (void)ex;
    rmn_ref_concat_backward(dx, dy, n, cy, c0, cx, hw);
}
static void cpu_concat_fwd(const rmn_exec *ex, float *y, const float *x, int n, int cy, int c0,
                           int cx, int hw) {
    rmn_cpu_concat_forward(y, x, n, cy, c0, cx, hw, ex->nthreads);
}
static void cpu_concat_bwd(const rmn_exec *ex, float *dx, const float *dy, int n, int cy, int c0,
                           int cx, int hw) {
    rmn_cpu_concat_backward(dx, dy, n, cy, c0, cx, hw, ex->nthreads);
}

// --- linear: naive (ref), BLAS (cpu) -----------------------------------------------------

static void ref_linear_fwd(const rmn_exec *ex, float *y, const float *x, const float *w,
                           const float *b, int n, int in, int out) {
    (void)ex;
    rmn_ref_linear_forward(y, x, w, b, n, in, out);
}
static void ref_linear_bwd(const rmn_exec *ex, float *dx, float *dw, float *db,
                           const float *dy, const float *x, const float *w, int n, int in,
                           int out) {
    (void)ex;
    rmn_ref_linear_backward(dx, dw, db, dy, x, w, n, in, out);
}
static void cpu_linear_fwd(const rmn_exec *ex, float *y, const float *x, const float *w,
                           const float *b, int n, int in, int out) {
    (void)ex;
    rmn_gemm_linear_forward(y, x, w, b, n, in, out);
}
static void cpu_linear_bwd(const rmn_exec *ex, float *dx, float *dw, float *db,
                           const float *dy, const float *x, const float *w, int n, int in,
                           int out) {
    (void)ex;
    rmn_gemm_linear_backward(dx, dw, db, dy, x, w, n, in, out);
}

#define SHARED_OPS                                                                          \
    .bn2d_forward_train = bn_fwd_train, .bn2d_forward_eval = bn_fwd_eval,                   \
    .bn2d_backward_train = bn_bwd_train, .bn2d_backward_eval = bn_bwd_eval,                 \
    .softmax_ch_forward = softmax_fwd, .softmax_ch_backward = softmax_bwd,                  \
    .gap_forward = gap_fwd, .gap_backward = gap_bwd,                                        \
    .avgpool2d_forward = avgpool_fwd, .avgpool2d_backward = avgpool_bwd,                    \
    .adaptive_avgpool2d_forward = adaptive_fwd, .adaptive_avgpool2d_backward = adaptive_bwd, \
    .chan_mean_forward = cmean_fwd, .chan_mean_backward = cmean_bwd,                        \
    .chan_max_forward = cmax_fwd, .chan_max_backward = cmax_bwd,                            \
    .dropout_forward = dropout_fwd, .dropout_backward = dropout_bwd,                        \
    .resize_bilinear_forward = resize_fwd, .resize_bilinear_backward = resize_bwd

const rmn_backend rmn_backend_ref = {
    .name = "ref",
    .conv2d_workspace = ref_conv_ws,
    .conv2d_forward = ref_conv_fwd,
    .conv2d_backward = ref_conv_bwd,
    .convt2d_workspace = ref_convt_ws,
    .convt2d_forward = ref_convt_fwd,
    .convt2d_backward = ref_convt_bwd,
    .maxpool2d_forward = maxpool_fwd,
    .maxpool2d_backward = maxpool_bwd,
    .relu_forward = relu_fwd,
    .relu_backward = relu_bwd,
    .act_forward = ref_act_fwd,
    .act_backward = ref_act_bwd,
    .binary_forward = ref_binary_fwd,
    .binary_backward = binary_bwd,
    .hardswish_forward = rmn_ref_hardswish_fwd,
    .hardswish_backward = rmn_ref_hardswish_bwd,
    .linear_forward = ref_linear_fwd,
    .linear_backward = ref_linear_bwd,
    .concat_forward = ref_concat_fwd,
    .concat_backward = ref_concat_bwd,
    SHARED_OPS,
};

const rmn_backend rmn_backend_cpu = {
    .name = "cpu",
    .fresh_ops = RMN_FRESH_OP_RELU | RMN_FRESH_OP_BINARY | RMN_FRESH_OP_MAXPOOL,
    .conv2d_workspace = rmn_gemm_conv2d_workspace,
    .conv2d_forward = cpu_conv_fwd,
    .conv2d_backward = cpu_conv_bwd,
    .convt2d_workspace = rmn_gemm_convt2d_workspace,
    .convt2d_forward = cpu_convt_fwd,
    .convt2d_backward = cpu_convt_bwd,
    .maxpool2d_forward = cpu_maxpool_fwd,
    .maxpool2d_backward = cpu_maxpool_bwd,
    .relu_forward = cpu_relu_fwd,
    .relu_backward = cpu_relu_bwd,
    .act_forward = cpu_act_fwd,
    .act_backward = cpu_act_bwd,
    .binary_forward = cpu_binary_fwd,
    .binary_backward = cpu_binary_bwd,
    .hardswish_forward = rmn_cpu_hardswish_fwd,
    .hardswish_backward = rmn_cpu_hardswish_bwd,
    .add_relu_forward = cpu_add_relu_fwd,
    .add_relu_backward = cpu_add_relu_bwd,
    .linear_forward = cpu_linear_fwd,
    .linear_backward = cpu_linear_bwd,
    .concat_forward = cpu_concat_fwd,
    .concat_backward = cpu_concat_bwd,
    SHARED_OPS,
};

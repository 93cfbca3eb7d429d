/* backend.h -- the op set as a table of function pointers, one table per backend.
 *
 * The graph (nn/) calls ops only through an rmn_backend, so that a oneDNN backend (blocked
 * layouts, fused primitives) and later a CUDA/cuDNN one slot in beside today's two:
 *   "ref"  the naive loop nests of ops.h (oracles; slow),
 *   "cpu"  im2col + OpenBLAS for conv2d, transposed conv2d and linear; vectorised, OpenMP
 *          activations and binary ops; the plain kernels for the rest.
 * Every entry takes the execution context first (scratch memory, threads, backend state);
 * the remaining arguments and shape contracts are those of the rmn_ref_* kernels in ops.h.
 * Backward entries accumulate into their d* outputs. Precision (set_precision, docs/PRECISION.md)
 * is a setting of a backend's state, not more entries: dnnl's conv, convT and linear entries
 * compute from bf16 inputs with fp32 results when it is bf16; every pointer keeps its f32
 * buffers.
 *
 * Layouts: activations are plain NCHW unless the backend sets blocked16 and the graph asks for
 * oneDNN's nChw16c (aBcd16b: (N, C/16, H, W, 16), C a multiple of 16) through rmn_exec.layout.
 * Only these entries ever get a nonzero layout, and only with the couplings stated: conv2d_*
 * and convt2d_* (x and y independently), bn2d_* (x and y alike), relu_* and act_* (alike),
 * hardswish_* (alike), binary_* without broadcasting (a, b and y alike), maxpool2d_* (alike),
 * concat_* (alike, every channel count a multiple of 16, so that the plain per-sample copy is
 * right), gap_* (x only:
 * its (N,C,1,1) output is the same memory in both layouts). A value's gradient has the value's
 * layout. bn2d_relu_* as bn2d_*. */
#ifndef RMN_TENSOR_BACKEND_H
#define RMN_TENSOR_BACKEND_H

#include "core/precision.h"
#include "tensor/ops.h"

#define RMN_LAYOUT_X16 1u /* the op's input(s) and their gradients are nChw16c */
#define RMN_LAYOUT_Y16 2u /* its output and the output's gradient are nChw16c */

/* Fresh outputs of a backward entry: the gradient holds garbage and the entry writes it
 * instead of adding (the graph's first writer of each gradient, so that nothing has to be
 * zeroed first). Only entries whose RMN_FRESH_OP_* bit the backend lists in fresh_ops get
 * them; every other call accumulates onto zeroed gradients as before. */
#define RMN_FRESH_DX 1u  /* the first input's gradient (dx, binary's da) */
#define RMN_FRESH_DX2 2u /* the second input's gradient (binary's db) */
#define RMN_FRESH_DW 4u  /* the parameter gradients (conv dw, db; batch norm dgamma, dbeta) */

#define RMN_FRESH_OP_CONV2D 1u   /* conv2d_backward: DX, DW */
#define RMN_FRESH_OP_BN2D 2u     /* bn2d_backward_*, bn2d_relu_backward_train: DX, DW */
#define RMN_FRESH_OP_RELU 4u     /* relu_backward: DX */
#define RMN_FRESH_OP_BINARY 8u   /* binary_backward without broadcasting: DX, DX2 */
#define RMN_FRESH_OP_MAXPOOL 16u /* maxpool2d_backward: DX */
#define RMN_FRESH_OP_GAP 32u     /* gap_backward: DX */
#define RMN_FRESH_OP_LINEAR 64u  /* linear_backward: DX, DW */
#define RMN_FRESH_OP_CONVT2D 128u /* convt2d_backward: DX, DW */

typedef struct {
    float *ws;      /* scratch of at least the largest *_workspace answer, 64-byte aligned */
    int nthreads;   /* OpenMP threads the kernels may use (BLAS runs single inside them) */
    void *state;    /* backend-private (engine/stream handles); NULL for ref and cpu */
    unsigned layout; /* RMN_LAYOUT_* bits; 0 (all plain) unless the backend has blocked16 */
    unsigned fresh;  /* RMN_FRESH_* bits of a backward call; 0: accumulate everything */
} rmn_exec;

typedef struct rmn_backend {
    const char *name;
    /* Backend-private state (engine, stream, primitive cache) made once per net; NULL entries
     * mean the backend keeps none. */
    int  (*state_create)(void **state);
    void (*state_free)(void *state);
    /* RMN_OK, or an error (recorded) when a call since the last check could not run; the
     * graph asks after each forward and backward. NULL: calls never fail. */
    int  (*state_check)(void *state);
    /* The precision of the state's convolutions, transposed convolutions and linear layers
     * (core/precision.h) for calls from now on; RMN_OK, or an error value with its message
     * (bf16 on a CPU without AVX512_BF16/AMX) leaving the precision as it was. NULL: the
     * backend computes in fp32 only (ref, cpu; nn/ refuses bf16 for it by name). */
    int  (*set_precision)(void *state, rmn_precision p);
    int blocked16;  /* accepts nChw16c activations on the entries listed above */
    unsigned fresh_ops; /* RMN_FRESH_OP_* bits: the backward entries that honour rmn_exec.fresh */
    size_t (*conv2d_workspace)(const rmn_conv2d_shape *sh, int nthreads);
    void (*conv2d_forward)(const rmn_exec *ex, float *y, const float *x, const float *w,
                           const float *b, const rmn_conv2d_shape *sh);
    void (*conv2d_backward)(const rmn_exec *ex, float *dx, float *dw, float *db,
                            const float *dy, const float *x, const float *w,
                            const rmn_conv2d_shape *sh);
    void (*bn2d_forward_train)(const rmn_exec *ex, float *y, float *save_mean,
                               float *save_invstd, float *running_mean, float *running_var,
                               const float *x, const float *gamma, const float *beta, int n,
                               int c, int hw, double momentum, double eps);
    void (*bn2d_forward_eval)(const rmn_exec *ex, float *y, const float *x,
                              const float *gamma, const float *beta, const float *running_mean,
                              const float *running_var, int n, int c, int hw, double eps);
    void (*bn2d_backward_train)(const rmn_exec *ex, float *dx, float *dgamma, float *dbeta,
                                const float *dy, const float *x, const float *gamma,
                                const float *save_mean, const float *save_invstd, int n, int c,
                                int hw);
    void (*bn2d_backward_eval)(const rmn_exec *ex, float *dx, float *dgamma, float *dbeta,
                               const float *dy, const float *x, const float *gamma,
                               const float *running_mean, const float *running_var, int n,
                               int c, int hw, double eps);
    void (*relu_forward)(const rmn_exec *ex, float *y, const float *x, size_t count);
    void (*relu_backward)(const rmn_exec *ex, float *dx, const float *dy, const float *x,
                          size_t count);
    void (*maxpool2d_forward)(const rmn_exec *ex, float *y, int32_t *idx, const float *x,
                              const rmn_pool2d_shape *sh);
    void (*maxpool2d_backward)(const rmn_exec *ex, float *dx, const float *dy,
                               const int32_t *idx, const rmn_pool2d_shape *sh);
    void (*gap_forward)(const rmn_exec *ex, float *y, const float *x, int n, int c, int hw);
    void (*gap_backward)(const rmn_exec *ex, float *dx, const float *dy, int n, int c, int hw);
    void (*linear_forward)(const rmn_exec *ex, float *y, const float *x, const float *w,
                           const float *b, int n, int in, int out);
    void (*linear_backward)(const rmn_exec *ex, float *dx, float *dw, float *db,
                            const float *dy, const float *x, const float *w, int n, int in,
                            int out);
    void (*dropout_forward)(const rmn_exec *ex, float *y, const float *x, const float *mask,
                            size_t count);
    void (*dropout_backward)(const rmn_exec *ex, float *dx, const float *dy,
                             const float *mask, size_t count);

    /* --- the later ops. conv2d_* above also take dilation and groups (rmn_conv2d_shape),
     * maxpool2d_* ceil mode (rmn_pool2d_shape). */
    size_t (*convt2d_workspace)(const rmn_convt2d_shape *sh, int nthreads);
    void (*convt2d_forward)(const rmn_exec *ex, float *y, const float *x, const float *w,
                            const float *b, const rmn_convt2d_shape *sh);
    void (*convt2d_backward)(const rmn_exec *ex, float *dx, float *dw, float *db,
                             const float *dy, const float *x, const float *w,
                             const rmn_convt2d_shape *sh);
    void (*act_forward)(const rmn_exec *ex, float *y, const float *x, size_t count,
                        rmn_act act);
    void (*act_backward)(const rmn_exec *ex, float *dx, const float *dy, const float *x,
                         const float *y, size_t count, rmn_act act);
    void (*softmax_ch_forward)(const rmn_exec *ex, float *y, const float *x, int n, int c,
                               int hw);
    void (*softmax_ch_backward)(const rmn_exec *ex, float *dx, const float *dy, const float *y,
                                int n, int c, int hw);
    void (*avgpool2d_forward)(const rmn_exec *ex, float *y, const float *x,
                              const rmn_pool2d_shape *sh);
    void (*avgpool2d_backward)(const rmn_exec *ex, float *dx, const float *dy,
                               const rmn_pool2d_shape *sh);
    void (*adaptive_avgpool2d_forward)(const rmn_exec *ex, float *y, const float *x, int n,
                                       int c, int h, int w, int oh, int ow);
    void (*adaptive_avgpool2d_backward)(const rmn_exec *ex, float *dx, const float *dy, int n,
                                        int c, int h, int w, int oh, int ow);
    void (*resize_bilinear_forward)(const rmn_exec *ex, float *y, const float *x, int n, int c,
                                    int h, int w, int oh, int ow);
    void (*resize_bilinear_backward)(const rmn_exec *ex, float *dx, const float *dy, int n,
                                     int c, int h, int w, int oh, int ow);
    void (*binary_forward)(const rmn_exec *ex, float *y, const float *a, const float *b,
                           const rmn_bcast_shape *sh, rmn_binary op);
    void (*binary_backward)(const rmn_exec *ex, float *da, float *db, const float *dy,
                            const float *a, const float *b, const rmn_bcast_shape *sh,
                            rmn_binary op);
    void (*concat_forward)(const rmn_exec *ex, float *y, const float *x, int n, int cy, int c0,
                           int cx, int hw);
    void (*concat_backward)(const rmn_exec *ex, float *dx, const float *dy, int n, int cy,
                            int c0, int cx, int hw);
    void (*chan_mean_forward)(const rmn_exec *ex, float *y, const float *x, int n, int c,
                              int hw);
    void (*chan_mean_backward)(const rmn_exec *ex, float *dx, const float *dy, int n, int c,
                               int hw);
    void (*chan_max_forward)(const rmn_exec *ex, float *y, int32_t *idx, const float *x, int n,
                             int c, int hw);
    void (*chan_max_backward)(const rmn_exec *ex, float *dx, const float *dy,
                              const int32_t *idx, int n, int c, int hw);

    /* --- batch norm fused with the ReLU after it, optional: NULL where a backend has none
     * (rmn_backend_resolve leaves them so) and the graph then runs the two apart. Training: Forward: y =
     * max(0, bn(x)) with bn2d_forward_train's statistics and running updates; mask:(N*C*HW
     * bytes) receives the backend's record of where y > 0. Backward: dy is the gradient of
     * y, dx, dgamma, dbeta accumulate as in bn2d_backward_train. x, y, dx, dy alike in
     * layout. */
    void (*bn2d_relu_forward_train)(const rmn_exec *ex, float *y, uint8_t *mask,
                                    float *save_mean, float *save_invstd, float *running_mean,
                                    float *running_var, const float *x, const float *gamma,
                                    const float *beta, int n, int c, int hw, double momentum,
                                    double eps);
    void (*bn2d_relu_backward_train)(const rmn_exec *ex, float *dx, float *dgamma,
                                     float *dbeta, const float *dy, const uint8_t *mask,
                                     const float *x, const float *gamma,
                                     const float *save_mean, const float *save_invstd, int n,
                                     int c, int hw);
    /* Batch norm fused with the SiLU after it in training, optional likewise: y = silu(bn(x))
     * (x sigmoid(x)) with bn2d_forward_train's statistics and running updates; coef:(2C)
     * receives what the backward needs to recompute bn(x) (with beta). Backward: dy is the
     * gradient of y; dx, dgamma, dbeta as in bn2d_backward_train. The same bits as the two
     * run apart. */
    void (*bn2d_silu_forward_train)(const rmn_exec *ex, float *y, float *coef,
                                    float *save_mean, float *save_invstd, float *running_mean,
                                    float *running_var, const float *x, const float *gamma,
                                    const float *beta, int n, int c, int hw, double momentum,
                                    double eps);
    void (*bn2d_silu_backward_train)(const rmn_exec *ex, float *dx, float *dgamma,
                                     float *dbeta, const float *dy, const float *coef,
                                     const float *x, const float *gamma, const float *beta,
                                     const float *save_mean, const float *save_invstd, int n,
                                     int c, int hw);
    /* A residual sum and the ReLU after it (rmn_backend_resolve fills these from "cpu" for
     * every backend but "ref", whose graphs then run the two apart): y = max(0, a + b) for
     * same-shape a, b, y (any layout, alike); backward from dy, the gradient of y: da, db
     * (either may be NULL) get dy where y > 0, fresh per RMN_FRESH_DX / RMN_FRESH_DX2. */
    void (*add_relu_forward)(const rmn_exec *ex, float *y, const float *a, const float *b,
                             size_t count);
    void (*add_relu_backward)(const rmn_exec *ex, float *da, float *db, const float *dy,
                              const float *y, size_t count);
    /* Inference (rmn_net_infer), optional likewise: y = max(0, bn_eval(x)) in one pass. */
    void (*bn2d_relu_forward_eval)(const rmn_exec *ex, float *y, const float *x,
                                   const float *gamma, const float *beta,
                                   const float *running_mean, const float *running_var, int n,
                                   int c, int hw, double eps);

    /* --- ops added by the recipe of docs/ARCHITECTURE.md ("Adding an op") */
    /* hardswish (tensor/hardswish.h): x, y (dx, dy) alike in any layout; dx accumulates */
    void (*hardswish_forward)(const rmn_exec *ex, float *y, const float *x, size_t count);
    void (*hardswish_backward)(const rmn_exec *ex, float *dx, const float *dy, const float *x,
                               size_t count);
} rmn_backend;

extern const rmn_backend rmn_backend_ref;
extern const rmn_backend rmn_backend_cpu;

/* The backend called name ("ref", "cpu"), or NULL with RMN_ENOTFOUND recorded. */
const rmn_backend *rmn_backend_find(const char *name);
/* Copies b into out, filling every NULL op entry with the "cpu" backend's, so that a backend
 * may implement a subset of the op set. (List every new op entry here when adding one.) */
void rmn_backend_resolve(const rmn_backend *b, rmn_backend *out);
/* Sets precision p on b's state (rmn_backend.set_precision): RMN_OK, or an error value with
 * its message -- a backend without set_precision computes in fp32 only and refuses bf16 by
 * name. */
int rmn_backend_set_precision(const rmn_backend *b, void *state, rmn_precision p);
/* Whether b can compute in p on this CPU (a state made, set and freed): RMN_OK or the error
 * rmn_backend_set_precision gives. */
int rmn_backend_precision_check(const rmn_backend *b, rmn_precision p);
/* The default backend: $RMN_BACKEND if set, else "dnnl" (oneDNN). */
const rmn_backend *rmn_backend_default(void);

#endif

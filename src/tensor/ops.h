/* ops.h -- shapes and raw-buffer kernels of the engine's ops (float32, NCHW).
 *
 * Every op is a *_forward / *_backward pair over raw buffers. Arguments come in the order
 * outputs, caches, inputs, weights, sizes. Backward kernels ACCUMULATE into their d* outputs
 * (the caller zeroes them), so a tensor read by two nodes receives the sum of both gradients;
 * a NULL d* pointer skips that gradient.
 *
 * rmn_ref_* are the naive loop nests: the test oracles, kept forever. Their forwards are
 * written once (ref_forward.inc) and also built in double precision (*_f64) so that the
 * finite-difference tests differentiate an exact copy of the forward. The fast CPU kernels
 * (rmn_gemm_*, im2col + CBLAS) live in conv_gemm.c and linear_gemm.c; backend.h puts both
 * families behind one table of function pointers.
 *
 * Non-goals here: groups, dilation, other layouts (oneDNN blocked layouts come later, behind
 * the backend table). */
#ifndef RMN_TENSOR_OPS_H
#define RMN_TENSOR_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

// --- shapes -------------------------------------------------------------------------------

/* x:(n,c,h,w) w:(k,c,r,s) y:(n,k,p,q), p = (h + 2 pad_h - r) / stride_h + 1 */
typedef struct {
    int n, c, h, w;
    int k, r, s;
    int stride_h, stride_w, pad_h, pad_w;
    int p, q;
} rmn_conv2d_shape;

/* x:(n,c,h,w) y:(n,c,p,q), window r x s, floor mode, padding counts as -inf */
typedef struct {
    int n, c, h, w;
    int r, s;
    int stride_h, stride_w, pad_h, pad_w;
    int p, q;
} rmn_pool2d_shape;

/* Fills a square-kernel conv shape; RMN_EINVAL when the output would be empty. */
int rmn_conv2d_shape_init(rmn_conv2d_shape *sh, int n, int c, int h, int w, int k, int kernel,
                          int stride, int pad);
/* Fills a square max-pool shape; RMN_EINVAL unless 0 <= pad <= kernel/2 and output non-empty. */
int rmn_pool2d_shape_init(rmn_pool2d_shape *sh, int n, int c, int h, int w, int kernel,
                          int stride, int pad);

// --- naive forward kernels, float and double (ref_forward.inc) ----------------------------

#define RMN_REF_FORWARD_DECLS(R, SFX)                                                        \
    /* y:(N,K,P,Q) x:(N,C,H,W) w:(K,C,R,S) b:(K) or NULL */                                  \
    void rmn_ref_conv2d_forward##SFX(R *y, const R *x, const R *w, const R *b,               \
                                     const rmn_conv2d_shape *sh);                            \
    /* y:(N,C,HW) save_mean,save_invstd:(C) running_mean,running_var:(C) (updated with       \
     * momentum and the unbiased variance when non-NULL) x:(N,C,HW) gamma,beta:(C) */        \
    void rmn_ref_bn2d_forward_train##SFX(R *y, R *save_mean, R *save_invstd, R *running_mean, \
                                         R *running_var, const R *x, const R *gamma,          \
                                         const R *beta, int n, int c, int hw,                 \
                                         double momentum, double eps);                        \
    /* y:(N,C,HW) x:(N,C,HW) gamma,beta,running_mean,running_var:(C) */                      \
    void rmn_ref_bn2d_forward_eval##SFX(R *y, const R *x, const R *gamma, const R *beta,     \
                                        const R *running_mean, const R *running_var, int n,   \
                                        int c, int hw, double eps);                           \
    /* y:(count) x:(count) */                                                                 \
    void rmn_ref_relu_forward##SFX(R *y, const R *x, size_t count);                          \
    /* y:(N,C,P,Q) idx:(N,C,P,Q) argmax within the input plane, or NULL; x:(N,C,H,W) */      \
    void rmn_ref_maxpool2d_forward##SFX(R *y, int32_t *idx, const R *x,                      \
                                        const rmn_pool2d_shape *sh);                         \
    /* y:(N,C) x:(N,C,HW) */                                                                  \
    void rmn_ref_gap_forward##SFX(R *y, const R *x, int n, int c, int hw);                   \
    /* y:(N,OUT) x:(N,IN) w:(OUT,IN) b:(OUT) or NULL */                                      \
    void rmn_ref_linear_forward##SFX(R *y, const R *x, const R *w, const R *b, int n,        \
                                     int in, int out);                                        \
    /* y:(count) x:(count) mask:(count) holding 0 or 1/(1-p) */                               \
    void rmn_ref_dropout_forward##SFX(R *y, const R *x, const float *mask, size_t count);    \
    /* Softmax cross-entropy from logits. Returns the loss: the mean over the batch, or with \
     * class_weights (K) PyTorch's weighted mean sum_i w[y_i] l_i / sum_i w[y_i]. Writes      \
     * (not accumulates) dloss/dlogits into dlogits when non-NULL and the number of rows      \
     * whose argmax equals the label into *n_correct when non-NULL. Labels must be valid.    \
     * dlogits,logits:(N,K) labels:(N) class_weights:(K) or NULL */                           \
    double rmn_ref_softmax_xent##SFX(R *dlogits, int *n_correct, const R *logits,            \
                                     const int32_t *labels, const float *class_weights,       \
                                     int n, int k);

RMN_REF_FORWARD_DECLS(float, )
RMN_REF_FORWARD_DECLS(double, _f64)

// --- naive backward kernels (ref_backward.c) ----------------------------------------------

/* dx:(N,C,H,W) or NULL dw:(K,C,R,S) db:(K) or NULL dy:(N,K,P,Q) x:(N,C,H,W) w:(K,C,R,S) */
void rmn_ref_conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                             const float *w, const rmn_conv2d_shape *sh);
/* dx,dy,x:(N,C,HW) dgamma,dbeta,gamma,save_mean,save_invstd:(C) -- batch-statistics mode */
void rmn_ref_bn2d_backward_train(float *dx, float *dgamma, float *dbeta, const float *dy,
                                 const float *x, const float *gamma, const float *save_mean,
                                 const float *save_invstd, int n, int c, int hw);
/* dx,dy,x:(N,C,HW) dgamma,dbeta,gamma,running_mean,running_var:(C) -- running-stats mode */
void rmn_ref_bn2d_backward_eval(float *dx, float *dgamma, float *dbeta, const float *dy,
                                const float *x, const float *gamma, const float *running_mean,
                                const float *running_var, int n, int c, int hw, double eps);
/* dx,dy,x:(count) */
void rmn_ref_relu_backward(float *dx, const float *dy, const float *x, size_t count);
/* dx:(N,C,H,W) dy,idx:(N,C,P,Q) */
void rmn_ref_maxpool2d_backward(float *dx, const float *dy, const int32_t *idx,
                                const rmn_pool2d_shape *sh);
/* dx:(N,C,HW) dy:(N,C) */
void rmn_ref_gap_backward(float *dx, const float *dy, int n, int c, int hw);
/* dx:(N,IN) or NULL dw:(OUT,IN) db:(OUT) or NULL dy:(N,OUT) x:(N,IN) w:(OUT,IN) */
void rmn_ref_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                             const float *w, int n, int in, int out);
/* dx,dy,mask:(count) */
void rmn_ref_dropout_backward(float *dx, const float *dy, const float *mask, size_t count);

// --- helpers (dropout.c, xent.c) ----------------------------------------------------------

/* Inverted dropout mask: each of count entries is 0 with probability p, else 1/(1-p), drawn
 * in order from rng (one uniform per entry). p in [0,1). mask:(count) */
void rmn_dropout_mask(float *mask, size_t count, float p, rmn_rng *rng);
/* Checked softmax cross-entropy (see rmn_ref_softmax_xent): RMN_EINVAL for a label outside
 * [0,k), a negative class weight or a zero total weight. */
int rmn_softmax_xent(double *loss, float *dlogits, int *n_correct, const float *logits,
                     const int32_t *labels, const float *class_weights, int n, int k);
/* Row-wise softmax for predictions. p,logits:(N,K); p may equal logits. */
void rmn_softmax_rows(float *p, const float *logits, int n, int k);

// --- fast CPU kernels: im2col + CBLAS (conv_gemm.c, linear_gemm.c) ------------------------

/* Floats of scratch the im2col kernels need for this shape with nthreads threads. */
size_t rmn_gemm_conv2d_workspace(const rmn_conv2d_shape *sh, int nthreads);
/* y:(N,K,P,Q) x:(N,C,H,W) w:(K,C,R,S) b:(K) or NULL ws:(rmn_gemm_conv2d_workspace floats).
 * With nthreads > 1, images are split over OpenMP threads and BLAS runs single-threaded
 * inside them; the result does not depend on the thread count. */
void rmn_gemm_conv2d_forward(float *y, const float *x, const float *w, const float *b,
                             const rmn_conv2d_shape *sh, float *ws, int nthreads);
/* dx:(N,C,H,W) or NULL dw:(K,C,R,S) db:(K) or NULL dy:(N,K,P,Q) x w as forward. dw and db are
 * reduced from per-thread partial sums in thread order: same bits for the same thread count. */
void rmn_gemm_conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                              const float *w, const rmn_conv2d_shape *sh, float *ws,
                              int nthreads);
/* y:(N,OUT) x:(N,IN) w:(OUT,IN) b:(OUT) or NULL */
void rmn_gemm_linear_forward(float *y, const float *x, const float *w, const float *b, int n,
                             int in, int out);
/* dx:(N,IN) or NULL dw:(OUT,IN) db:(OUT) or NULL dy:(N,OUT) x:(N,IN) w:(OUT,IN) */
void rmn_gemm_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                              const float *w, int n, int in, int out);


// --- cpu element-wise kernels (eltwise_cpu.c) ---------------------------------------------

/* y:(count) x:(count) -- as rmn_ref_relu_forward, vectorised, OpenMP for large counts */
void rmn_cpu_relu_forward(float *y, const float *x, size_t count, int nthreads);
/* dx,dy,x:(count) -- as rmn_ref_relu_backward */
void rmn_cpu_relu_backward(float *dx, const float *dy, const float *x, size_t count,
                           int nthreads);

#endif

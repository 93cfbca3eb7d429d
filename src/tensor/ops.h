/* ops.h -- shapes and raw-buffer kernels of the engine's ops (float32, NCHW).
 *
 * Every op is a *_forward / *_backward pair over raw buffers. Arguments come in the order
 * outputs, caches, inputs, weights, sizes. Backward kernels ACCUMULATE into their d* outputs
 * (the caller zeroes them), so a tensor read by two nodes receives the sum of both gradients;
 * a NULL d* pointer skips that gradient.
 *
 * The kernels are grouped by op family (conv, convT, norm, pool, eltwise, binary, reshape,
 * linear, loss), one file per family and implementation: rmn_ref_* in ref_<family>.c, the
 * naive loop nests, the test oracles, kept forever (their forwards are written once for a real
 * type and also built in double precision, *_f64, by ref_f64.c, so that the finite-difference
 * tests differentiate an exact copy of the forward); the fast CPU kernels (rmn_gemm_*: im2col +
 * CBLAS; rmn_cpu_*: vectorised, OpenMP) in cpu_<family>.c. backend.h puts them behind one table
 * of function pointers per backend.
 *
 * Other layouts (oneDNN's blocked ones) live behind the backend table, not here. */
#ifndef RMN_TENSOR_OPS_H
#define RMN_TENSOR_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

// --- shapes -------------------------------------------------------------------------------

/* x:(n,c,h,w) w:(k,c/groups,r,s) y:(n,k,p,q),
 * p = (h + pad_h + pad_b - dil_h (r - 1) - 1) / stride_h + 1 (and q alike), pad_b the bottom
 * pad of rmn_conv_params (pad_h unless asymmetric). pad_h/pad_w are the top/left pads; the
 * bottom/right ones are implicit in p, q (kernels read only taps inside the input).
 * The fields after q were added later: 0 in dil_h, dil_w or groups means 1, so that a shape
 * filled field by field (or by rmn_conv2d_shape_init) is a plain convolution. Use
 * rmn_conv2d_dil_h/_w and rmn_conv2d_groups to read them. */
typedef struct {
    int n, c, h, w;
    int k, r, s;
    int stride_h, stride_w, pad_h, pad_w;
    int p, q;
    int dil_h, dil_w, groups;
} rmn_conv2d_shape;

static inline int rmn_conv2d_dil_h(const rmn_conv2d_shape *sh) { return sh->dil_h > 0 ? sh->dil_h : 1; }
static inline int rmn_conv2d_dil_w(const rmn_conv2d_shape *sh) { return sh->dil_w > 0 ? sh->dil_w : 1; }
static inline int rmn_conv2d_groups(const rmn_conv2d_shape *sh) { return sh->groups > 0 ? sh->groups : 1; }

/* Transposed convolution (PyTorch's ConvTranspose2d): x:(n,c,h,w) w:(c,k/groups,r,s)
 * y:(n,k,p,q), p = (h - 1) stride_h - 2 pad_h + dil_h (r - 1) + out_pad_h + 1. It is the
 * data-gradient of the convolution rmn_convt2d_as_conv describes (input y, output x). */
typedef struct {
    int n, c, h, w;
    int k, r, s;
    int stride_h, stride_w, pad_h, pad_w;
    int p, q;
    int dil_h, dil_w, groups, out_pad_h, out_pad_w;
} rmn_convt2d_shape;

/* x:(n,c,h,w) y:(n,c,p,q), window r x s. Max pool: padding counts as -inf. Average pool:
 * count_include_pad divides by the window clipped to the padded input, else by the window
 * clipped to the input. ceil_mode (fields after q; 0 by default = floor) uses PyTorch's rule:
 * the output size rounds up, but the last window must start inside the input or the left
 * padding. */
typedef struct {
    int n, c, h, w;
    int r, s;
    int stride_h, stride_w, pad_h, pad_w;
    int p, q;
    int ceil_mode, count_include_pad;
} rmn_pool2d_shape;

/* Parameters of a convolution for the _full shape helper and the graph builders; zero fields
 * take defaults (stride 1, dilation 1, groups 1; kernel sizes must be set). pad_h, pad_w pad
 * the top and left; the bottom and right get the same unless asym_pad is set, then pad_b,
 * pad_r (TF's "same" padding, F.pad before a conv; conv2d only). Read them with
 * rmn_conv_pad_b/_r. */
typedef struct {
    int kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
    int asym_pad, pad_b, pad_r;
} rmn_conv_params;

static inline int rmn_conv_pad_b(const rmn_conv_params *p) { return p->asym_pad ? p->pad_b : p->pad_h; }
static inline int rmn_conv_pad_r(const rmn_conv_params *p) { return p->asym_pad ? p->pad_r : p->pad_w; }

/* Parameters of a pooling window; zero stride means stride = kernel (PyTorch's default). */
typedef struct {
    int kh, kw, stride_h, stride_w, pad_h, pad_w, ceil_mode, count_include_pad;
} rmn_pool_params;

/* Broadcast binary op: a:(n,c,h,w) b:(n,bc,bh,bw) y:(n,c,h,w), each of bc,bh,bw equal to the
 * full size or 1 (same shape, over channels (n,c,1,1), over space (n,1,h,w), ...). */
typedef struct {
    int n, c, h, w;
    int bc, bh, bw;
} rmn_bcast_shape;

/* Element-wise activations. */
typedef enum {
    RMN_ACT_RELU,
    RMN_ACT_RELU6,   /* min(max(x, 0), 6); gradient 0 at 0 and 6 (PyTorch's hardtanh rule) */
    RMN_ACT_SIGMOID,
    RMN_ACT_SILU,    /* x sigmoid(x) (swish) */
    RMN_ACT_TANH
} rmn_act;

/* Binary ops: y = a + b, y = a * b, y = a * (1 + b) (the residual masking combination
 * T * (1 + M), fused so that no (1 + M) tensor is stored). */
typedef enum { RMN_BINARY_ADD, RMN_BINARY_MUL, RMN_BINARY_MUL1P } rmn_binary;

/* Fills a square-kernel conv shape; RMN_EINVAL when the output would be empty. */
int rmn_conv2d_shape_init(rmn_conv2d_shape *sh, int n, int c, int h, int w, int k, int kernel,
                          int stride, int pad);
/* Fills a general conv shape (kernel kh x kw, strides, pads, dilations, groups from p);
 * RMN_EINVAL for bad sizes, channels not divisible by groups or an empty output. */
int rmn_conv2d_shape_full(rmn_conv2d_shape *sh, int n, int c, int h, int w, int k,
                          const rmn_conv_params *p);
/* Fills a transposed-conv shape (output padding out_pad_h/_w, each smaller than the stride or
 * the dilation, as PyTorch requires); RMN_EINVAL for bad sizes. */
int rmn_convt2d_shape_full(rmn_convt2d_shape *sh, int n, int c, int h, int w, int k,
                           const rmn_conv_params *p, int out_pad_h, int out_pad_w);
/* The convolution whose input is the transposed conv's output: conv x:(n,k,p,q)
 * w:(c,k/groups,r,s) y:(n,c,h,w). */
void rmn_convt2d_as_conv(const rmn_convt2d_shape *t, rmn_conv2d_shape *conv);
/* The window of pool output (p, q) clipped to the input: rows [*r0, *r1), columns [*c0, *c1)
 * (empty when the window lies in the padding). */
static inline void rmn_pool_window(const rmn_pool2d_shape *sh, int p, int q, int *r0, int *r1,
                                   int *c0, int *c1) {
    const int h0 = p * sh->stride_h - sh->pad_h, w0 = q * sh->stride_w - sh->pad_w;
    *r0 = h0 < 0 ? 0 : h0;
    *r1 = h0 + sh->r > sh->h ? sh->h : h0 + sh->r;
    *c0 = w0 < 0 ? 0 : w0;
    *c1 = w0 + sh->s > sh->w ? sh->w : w0 + sh->s;
}
/* The window of average-pool output (p, q) clipped to the input, as rmn_pool_window, and its
 * divisor (PyTorch's avg_pool2d rule): with count_include_pad the window clipped to the padded
 * input, else the clipped window itself; 0 for an empty window. */
static inline int rmn_avgpool_window(const rmn_pool2d_shape *sh, int p, int q, int *r0, int *r1,
                                     int *c0, int *c1) {
    const int h0 = p * sh->stride_h - sh->pad_h, w0 = q * sh->stride_w - sh->pad_w;
    const int h1 = h0 + sh->r < sh->h + sh->pad_h ? h0 + sh->r : sh->h + sh->pad_h;
    const int w1 = w0 + sh->s < sh->w + sh->pad_w ? w0 + sh->s : sh->w + sh->pad_w;
    rmn_pool_window(sh, p, q, r0, r1, c0, c1);
    if (*r1 < *r0)
        *r1 = *r0;
    if (*c1 < *c0)
        *c1 = *c0;
    return sh->count_include_pad ? (h1 - h0) * (w1 - w0) : (*r1 - *r0) * (*c1 - *c0);
}
/* Fills a square max-pool shape; RMN_EINVAL unless 0 <= pad <= kernel/2 and output non-empty. */
int rmn_pool2d_shape_init(rmn_pool2d_shape *sh, int n, int c, int h, int w, int kernel,
                          int stride, int pad);
/* Fills a general pool shape from p (ceil mode, count_include_pad); RMN_EINVAL unless
 * 0 <= pad <= kernel/2 (per axis) and the output is non-empty. */
int rmn_pool2d_shape_full(rmn_pool2d_shape *sh, int n, int c, int h, int w,
                          const rmn_pool_params *p);
/* Fills a broadcast shape; RMN_EINVAL unless each of bc, bh, bw is 1 or the full size. */
int rmn_bcast_shape_init(rmn_bcast_shape *sh, int n, int c, int h, int w, int bc, int bh,
                         int bw);

/* Bilinear resize source coordinates (align_corners=False, sizes given; PyTorch's float
 * arithmetic): for output index o of out, the lower source index i0, the upper i1 (i0 or
 * i0 + 1) and the weight l1 of i1 (the weight of i0 is 1 - l1). */
static inline void rmn_resize_coord(int o, int in, int out, int *i0, int *i1, float *l1) {
    const float scale = (float)in / (float)out;
    float src = scale * ((float)o + 0.5f) - 0.5f;
    if (src < 0.0f)
        src = 0.0f;
    int lo = (int)src;
    if (lo > in - 1)
        lo = in - 1;
    *i0 = lo;
    *i1 = lo + (lo < in - 1 ? 1 : 0);
    *l1 = src - (float)lo;
}

/* Adaptive pooling window of output index o: [start, end) of in, PyTorch's formula
 * start = floor(o in / out), end = ceil((o + 1) in / out). */
static inline void rmn_adaptive_range(int o, int in, int out, int *start, int *end) {
    *start = (int)(((long)o * in) / out);
    *end = (int)((((long)o + 1) * in + out - 1) / out);
}

// --- conv: ref_conv.c (naive), cpu_conv.c (im2col + CBLAS) -------------------------------

#define RMN_REF_CONV_FORWARD_DECLS(R, SFX)                                                   \
    /* y:(N,K,P,Q) x:(N,C,H,W) w:(K,C/G,R,S) b:(K) or NULL -- strides, pads, dilations,    \
     * groups G as in sh */                                                                   \
    void rmn_ref_conv2d_forward##SFX(R *y, const R *x, const R *w, const R *b,               \
                                     const rmn_conv2d_shape *sh);
RMN_REF_CONV_FORWARD_DECLS(float, )
RMN_REF_CONV_FORWARD_DECLS(double, _f64)
/* dx:(N,C,H,W) or NULL dw:(K,C/G,R,S) or NULL db:(K) or NULL dy:(N,K,P,Q) x:(N,C,H,W)
 * w:(K,C/G,R,S) */
void rmn_ref_conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                             const float *w, const rmn_conv2d_shape *sh);

/* Floats of scratch the im2col kernels need for this shape with nthreads threads. */
size_t rmn_gemm_conv2d_workspace(const rmn_conv2d_shape *sh, int nthreads);
/* y:(N,K,P,Q) x:(N,C,H,W) w:(K,C,R,S) b:(K) or NULL ws:(rmn_gemm_conv2d_workspace floats).
 * With nthreads > 1, images are split over OpenMP threads and BLAS runs single-threaded
 * inside them; the result does not depend on the thread count. */
void rmn_gemm_conv2d_forward(float *y, const float *x, const float *w, const float *b,
                             const rmn_conv2d_shape *sh, float *ws, int nthreads);
/* dx:(N,C,H,W) or NULL dw:(K,C/G,R,S) or NULL db:(K) or NULL dy:(N,K,P,Q) x w as forward.
 * dw and db are reduced from per-thread partial sums in thread order: same bits for the same
 * thread count. Groups run one sgemm each on their slices of x, w and y. */
void rmn_gemm_conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                              const float *w, const rmn_conv2d_shape *sh, float *ws,
                              int nthreads);
/* As rmn_gemm_conv2d_forward without bias, adding into y instead of overwriting it.
 * y:(N,K,P,Q) x:(N,C,H,W) w:(K,C/G,R,S) */
void rmn_gemm_conv2d_forward_acc(float *y, const float *x, const float *w,
                                 const rmn_conv2d_shape *sh, float *ws, int nthreads);

// --- convT: ref_convt.c (naive), cpu_convt.c (the conv kernels with the roles swapped) ---

#define RMN_REF_CONVT_FORWARD_DECLS(R, SFX)                                                  \
    /* y:(N,K,P,Q) x:(N,C,H,W) w:(C,K/G,R,S) b:(K) or NULL */                                \
    void rmn_ref_convt2d_forward##SFX(R *y, const R *x, const R *w, const R *b,              \
                                      const rmn_convt2d_shape *sh);
RMN_REF_CONVT_FORWARD_DECLS(float, )
RMN_REF_CONVT_FORWARD_DECLS(double, _f64)
/* dx:(N,C,H,W) or NULL dw:(C,K/G,R,S) or NULL db:(K) or NULL dy:(N,K,P,Q) x:(N,C,H,W)
 * w:(C,K/G,R,S) */
void rmn_ref_convt2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                              const float *w, const rmn_convt2d_shape *sh);

size_t rmn_gemm_convt2d_workspace(const rmn_convt2d_shape *sh, int nthreads);
/* y:(N,K,P,Q) x:(N,C,H,W) w:(C,K/G,R,S) b:(K) or NULL */
void rmn_gemm_convt2d_forward(float *y, const float *x, const float *w, const float *b,
                              const rmn_convt2d_shape *sh, float *ws, int nthreads);
/* dx:(N,C,H,W) or NULL dw:(C,K/G,R,S) or NULL db:(K) or NULL dy:(N,K,P,Q) */
void rmn_gemm_convt2d_backward(float *dx, float *dw, float *db, const float *dy,
                               const float *x, const float *w, const rmn_convt2d_shape *sh,
                               float *ws, int nthreads);

// --- norm: ref_norm.c (batch norm, channel softmax) ----------------------------------------

#define RMN_REF_NORM_FORWARD_DECLS(R, SFX)                                                   \
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
    /* softmax over the channels of each pixel: y,x:(N,C,HW) */                               \
    void rmn_ref_softmax_ch_forward##SFX(R *y, const R *x, int n, int c, int hw);
RMN_REF_NORM_FORWARD_DECLS(float, )
RMN_REF_NORM_FORWARD_DECLS(double, _f64)
/* dx,dy,x:(N,C,HW) dgamma,dbeta,gamma,save_mean,save_invstd:(C) -- batch-statistics mode */
void rmn_ref_bn2d_backward_train(float *dx, float *dgamma, float *dbeta, const float *dy,
                                 const float *x, const float *gamma, const float *save_mean,
                                 const float *save_invstd, int n, int c, int hw);
/* dx,dy,x:(N,C,HW) dgamma,dbeta,gamma,running_mean,running_var:(C) -- running-stats mode */
void rmn_ref_bn2d_backward_eval(float *dx, float *dgamma, float *dbeta, const float *dy,
                                const float *x, const float *gamma, const float *running_mean,
                                const float *running_var, int n, int c, int hw, double eps);
/* dx,dy,y:(N,C,HW): dx += y (dy - sum_c dy y) */
void rmn_ref_softmax_ch_backward(float *dx, const float *dy, const float *y, int n, int c,
                                 int hw);

// --- pool: ref_pool.c (naive), cpu_pool.c (max pool, clipped windows) ---------------------

#define RMN_REF_POOL_FORWARD_DECLS(R, SFX)                                                   \
    /* y:(N,C,P,Q) idx:(N,C,P,Q) argmax within the input plane, or NULL; x:(N,C,H,W) */      \
    void rmn_ref_maxpool2d_forward##SFX(R *y, int32_t *idx, const R *x,                      \
                                        const rmn_pool2d_shape *sh);                         \
    /* y:(N,C,P,Q) x:(N,C,H,W) */                                                            \
    void rmn_ref_avgpool2d_forward##SFX(R *y, const R *x, const rmn_pool2d_shape *sh);       \
    /* y:(N,C,OH,OW) x:(N,C,H,W) */                                                          \
    void rmn_ref_adaptive_avgpool2d_forward##SFX(R *y, const R *x, int n, int c, int h,      \
                                                 int w, int oh, int ow);                     \
    /* y:(N,C) x:(N,C,HW) */                                                                  \
    void rmn_ref_gap_forward##SFX(R *y, const R *x, int n, int c, int hw);                   \
    /* mean over channels: y:(N,1,HW) x:(N,C,HW) */                                           \
    void rmn_ref_chan_mean_forward##SFX(R *y, const R *x, int n, int c, int hw);             \
    /* max over channels: y:(N,1,HW) idx:(N,1,HW) argmax channel or NULL x:(N,C,HW) */        \
    void rmn_ref_chan_max_forward##SFX(R *y, int32_t *idx, const R *x, int n, int c, int hw);
RMN_REF_POOL_FORWARD_DECLS(float, )
RMN_REF_POOL_FORWARD_DECLS(double, _f64)
/* dx:(N,C,H,W) dy,idx:(N,C,P,Q) */
void rmn_ref_maxpool2d_backward(float *dx, const float *dy, const int32_t *idx,
                                const rmn_pool2d_shape *sh);
/* dx:(N,C,H,W) dy:(N,C,P,Q) */
void rmn_ref_avgpool2d_backward(float *dx, const float *dy, const rmn_pool2d_shape *sh);
/* dx:(N,C,H,W) dy:(N,C,OH,OW) */
void rmn_ref_adaptive_avgpool2d_backward(float *dx, const float *dy, int n, int c, int h,
                                         int w, int oh, int ow);
/* dx:(N,C,HW) dy:(N,C) */
void rmn_ref_gap_backward(float *dx, const float *dy, int n, int c, int hw);
/* dx:(N,C,HW) dy:(N,1,HW) */
void rmn_ref_chan_mean_backward(float *dx, const float *dy, int n, int c, int hw);
/* dx:(N,C,HW) dy,idx:(N,1,HW) */
void rmn_ref_chan_max_backward(float *dx, const float *dy, const int32_t *idx, int n, int c,
                               int hw);

/* y:(N,C,P,Q) idx:(N,C,P,Q) or NULL x:(N,C,H,W) -- as rmn_ref_maxpool2d_forward */
void rmn_cpu_maxpool2d_forward(float *y, int32_t *idx, const float *x, const rmn_pool2d_shape *sh,
                               int nthreads);
/* dx:(N,C,H,W) dy,idx:(N,C,P,Q) -- as rmn_ref_maxpool2d_backward, OpenMP over the samples;
 * with fresh, dx is written, not added to */
void rmn_cpu_maxpool2d_backward(float *dx, const float *dy, const int32_t *idx,
                                const rmn_pool2d_shape *sh, int fresh, int nthreads);

// --- eltwise: ref_eltwise.c (naive), cpu_eltwise.c (vectorised, OpenMP) ------------------

#define RMN_REF_ELTWISE_FORWARD_DECLS(R, SFX)                                                \
    /* y:(count) x:(count) */                                                                 \
    void rmn_ref_relu_forward##SFX(R *y, const R *x, size_t count);                          \
    /* y:(count) x:(count) */                                                                 \
    void rmn_ref_act_forward##SFX(R *y, const R *x, size_t count, rmn_act act);              \
    /* y:(count) x:(count) mask:(count) holding 0 or 1/(1-p) */                               \
    void rmn_ref_dropout_forward##SFX(R *y, const R *x, const float *mask, size_t count);
RMN_REF_ELTWISE_FORWARD_DECLS(float, )
RMN_REF_ELTWISE_FORWARD_DECLS(double, _f64)
/* dx,dy,x:(count) */
void rmn_ref_relu_backward(float *dx, const float *dy, const float *x, size_t count);
/* dx,dy,x,y:(count); sigmoid and tanh use y (as PyTorch does), the others x */
void rmn_ref_act_backward(float *dx, const float *dy, const float *x, const float *y,
                          size_t count, rmn_act act);
/* dx,dy,mask:(count) */
void rmn_ref_dropout_backward(float *dx, const float *dy, const float *mask, size_t count);
/* Inverted dropout mask: each of count entries is 0 with probability p, else 1/(1-p), drawn
 * in order from rng (one uniform per entry). p in [0,1). mask:(count) */
void rmn_dropout_mask(float *mask, size_t count, float p, rmn_rng *rng);

/* y:(count) x:(count) -- as rmn_ref_relu_forward, vectorised, OpenMP for large counts */
void rmn_cpu_relu_forward(float *y, const float *x, size_t count, int nthreads);
/* dx,dy,x:(count) -- as rmn_ref_relu_backward; with fresh, dx is written, not added to */
void rmn_cpu_relu_backward(float *dx, const float *dy, const float *x, size_t count, int fresh,
                           int nthreads);
/* y,x:(count) -- as rmn_ref_act_forward, OpenMP for large counts */
void rmn_cpu_act_forward(float *y, const float *x, size_t count, rmn_act act, int nthreads);
/* dx,dy,x,y:(count) -- as rmn_ref_act_backward */
void rmn_cpu_act_backward(float *dx, const float *dy, const float *x, const float *y,
                          size_t count, rmn_act act, int nthreads);

// --- binary: ref_binary.c (naive), cpu_binary.c (vectorised, OpenMP; add + ReLU) ---------

#define RMN_REF_BINARY_FORWARD_DECLS(R, SFX)                                                 \
    /* y,a:(N,C,H,W) b:(N,BC,BH,BW) */                                                        \
    void rmn_ref_binary_forward##SFX(R *y, const R *a, const R *b, const rmn_bcast_shape *sh, \
                                     rmn_binary op);
RMN_REF_BINARY_FORWARD_DECLS(float, )
RMN_REF_BINARY_FORWARD_DECLS(double, _f64)
/* da:(N,C,H,W) or NULL db:(N,BC,BH,BW) or NULL dy,a:(N,C,H,W) b:(N,BC,BH,BW); da may equal
 * db (a value read twice) when the shapes are equal */
void rmn_ref_binary_backward(float *da, float *db, const float *dy, const float *a,
                             const float *b, const rmn_bcast_shape *sh, rmn_binary op);

/* y,a:(N,C,H,W) b:(N,BC,BH,BW) -- as rmn_ref_binary_forward, OpenMP over the planes */
void rmn_cpu_binary_forward(float *y, const float *a, const float *b, const rmn_bcast_shape *sh,
                            rmn_binary op, int nthreads);
/* da,db,dy,a,b:(count), no broadcasting -- as rmn_ref_binary_backward (da or db may be NULL);
 * fresh_a / fresh_b: write da / db instead of adding */
/* da,dy,a:(N,C,H,W) db,b:(N,BC,BH,BW) += the broadcast backward (either may be NULL), the
 * ref kernel's bits */
void rmn_cpu_binary_backward_bcast(float *da, float *db, const float *dy, const float *a,
                                   const float *b, const rmn_bcast_shape *sh, rmn_binary op,
                                   int nthreads);
void rmn_cpu_binary_backward_same(float *da, float *db, const float *dy, const float *a,
                                  const float *b, size_t count, rmn_binary op, int fresh_a,
                                  int fresh_b, int nthreads);
/* y,a,b:(count) -- y = max(0, a + b) */
void rmn_cpu_add_relu_forward(float *y, const float *a, const float *b, size_t count, int nthreads);
/* da,db,dy,y:(count) -- da, db (either may be NULL) (+)= y > 0 ? dy : 0 (fresh_a, fresh_b:
 * written instead of added) */
void rmn_cpu_add_relu_backward(float *da, float *db, const float *dy, const float *y, size_t count,
                               int fresh_a, int fresh_b, int nthreads);

// --- reshape: ref_reshape.c (bilinear resize, channel concat), cpu_reshape.c (concat) -------

#define RMN_REF_RESHAPE_FORWARD_DECLS(R, SFX)                                                \
    /* y:(N,C,OH,OW) x:(N,C,H,W) -- bilinear, align_corners=False */                         \
    void rmn_ref_resize_bilinear_forward##SFX(R *y, const R *x, int n, int c, int h, int w, \
                                              int oh, int ow);                               \
    /* y:(N,CY,HW) gets x:(N,CX,HW) in its channels [c0, c0+CX) */                           \
    void rmn_ref_concat_forward##SFX(R *y, const R *x, int n, int cy, int c0, int cx,        \
                                     int hw);
RMN_REF_RESHAPE_FORWARD_DECLS(float, )
RMN_REF_RESHAPE_FORWARD_DECLS(double, _f64)
/* dx:(N,C,H,W) dy:(N,C,OH,OW) */
void rmn_ref_resize_bilinear_backward(float *dx, const float *dy, int n, int c, int h, int w,
                                      int oh, int ow);
/* dx:(N,CX,HW) += dy:(N,CY,HW) channels [c0, c0+CX) */
void rmn_ref_concat_backward(float *dx, const float *dy, int n, int cy, int c0, int cx, int hw);
/* cpu_reshape.c: the same two on nthreads threads, vectorised (the same bits) */
void rmn_cpu_concat_forward(float *y, const float *x, int n, int cy, int c0, int cx, int hw,
                            int nthreads);
void rmn_cpu_concat_backward(float *dx, const float *dy, int n, int cy, int c0, int cx, int hw,
                             int nthreads);

// --- linear: ref_linear.c (naive), cpu_linear.c (sgemm) -----------------------------------

#define RMN_REF_LINEAR_FORWARD_DECLS(R, SFX)                                                 \
    /* y:(N,OUT) x:(N,IN) w:(OUT,IN) b:(OUT) or NULL */                                      \
    void rmn_ref_linear_forward##SFX(R *y, const R *x, const R *w, const R *b, int n,        \
                                     int in, int out);
RMN_REF_LINEAR_FORWARD_DECLS(float, )
RMN_REF_LINEAR_FORWARD_DECLS(double, _f64)
/* dx:(N,IN) or NULL dw:(OUT,IN) db:(OUT) or NULL dy:(N,OUT) x:(N,IN) w:(OUT,IN) */
void rmn_ref_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                             const float *w, int n, int in, int out);

/* y:(N,OUT) x:(N,IN) w:(OUT,IN) b:(OUT) or NULL */
void rmn_gemm_linear_forward(float *y, const float *x, const float *w, const float *b, int n,
                             int in, int out);
/* dx:(N,IN) or NULL dw:(OUT,IN) db:(OUT) or NULL dy:(N,OUT) x:(N,IN) w:(OUT,IN) */
void rmn_gemm_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                              const float *w, int n, int in, int out);

// --- loss: ref_loss.c (softmax cross-entropy, its checked forms, row softmax) --------------

#define RMN_REF_LOSS_DECLS(R, SFX)                                                           \
    /* Softmax cross-entropy from logits. Returns the loss: the mean over the batch, or with \
     * class_weights (K) PyTorch's weighted mean sum_i w[y_i] l_i / sum_i w[y_i]. Writes      \
     * (not accumulates) dloss/dlogits into dlogits when non-NULL and the number of rows      \
     * whose argmax equals the label into *n_correct when non-NULL. Labels must be valid.    \
     * dlogits,logits:(N,K) labels:(N) class_weights:(K) or NULL */                           \
    double rmn_ref_softmax_xent##SFX(R *dlogits, int *n_correct, const R *logits,            \
                                     const int32_t *labels, const float *class_weights,       \
                                     int n, int k);                                           \
    /* Cross-entropy against target distributions (PyTorch's CrossEntropyLoss with class      \
     * probabilities as targets): the mean over the N rows of -sum_j w_j t_ij log softmax_ij, \
     * w the class weights (1 when NULL; the mean is over rows, not weights, as PyTorch's).   \
     * Writes dloss/dlogits into dlogits when non-NULL; *n_correct counts rows whose argmax   \
     * equals the label (labels NULL: the target's argmax).                                   \
     * dlogits,logits,targets:(N,K) labels:(N) or NULL class_weights:(K) or NULL */           \
    double rmn_ref_softmax_xent_soft##SFX(R *dlogits, int *n_correct, const R *logits,       \
                                          const float *targets, const int32_t *labels,        \
                                          const float *class_weights, int n, int k);
RMN_REF_LOSS_DECLS(float, )
RMN_REF_LOSS_DECLS(double, _f64)
/* Checked softmax cross-entropy (see rmn_ref_softmax_xent): RMN_EINVAL for a label outside
 * [0,k), a negative class weight or a zero total weight. */
int rmn_softmax_xent(double *loss, float *dlogits, int *n_correct, const float *logits,
                     const int32_t *labels, const float *class_weights, int n, int k);
/* Checked soft-target cross-entropy (see rmn_ref_softmax_xent_soft): RMN_EINVAL for a target
 * that is negative or not finite, a row of targets summing to 0, or a label outside [0,k). */
int rmn_softmax_xent_soft(double *loss, float *dlogits, int *n_correct, const float *logits,
                          const float *targets, const int32_t *labels, const float *class_weights,
                          int n, int k);
/* Row-wise softmax for predictions. p,logits:(N,K); p may equal logits. */
void rmn_softmax_rows(float *p, const float *logits, int n, int k);

#endif

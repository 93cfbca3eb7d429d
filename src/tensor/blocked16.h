/* blocked16.h -- kernels on oneDNN's nChw16c activation layout (aBcd16b): x:(N, C/16, H, W, 16)
 * with C a multiple of 16; the element (n, c, h, w) lives at
 * (((n * C/16 + c/16) * H + h) * W + w) * 16 + c % 16. They give the bits of the plain ref
 * kernels on the same data (max pool: the same maxima and first-max argmax; GAP: the same
 * double sums), so the graph may keep a value blocked between layers without changing results.
 * The shapes are those of the ref kernels (rmn_pool2d_shape, n/c/hw). */
#ifndef RMN_TENSOR_BLOCKED16_H
#define RMN_TENSOR_BLOCKED16_H

#include <stddef.h>
#include <stdint.h>

#include "tensor/ops.h"

/* y:(N,C/16,P,Q,16) idx:(N,C/16,P,Q,16) plane-relative argmax (h * W + w, as the plain
 * kernel's), or NULL; x:(N,C/16,H,W,16) */
void rmn_b16_maxpool2d_forward(float *y, int32_t *idx, const float *x, const rmn_pool2d_shape *sh,
                               int nthreads);
/* dx:(N,C/16,H,W,16) += scatter of dy:(N,C/16,P,Q,16) at idx (fresh: dx zeroed first) */
void rmn_b16_maxpool2d_backward(float *dx, const float *dy, const int32_t *idx,
                                const rmn_pool2d_shape *sh, int fresh, int nthreads);
/* y:(N,C/16,P,Q,16) x:(N,C/16,H,W,16): average pool, PyTorch's divisor rule
 * (rmn_avgpool_window), the plain kernel's double sums in its order: the same bits */
void rmn_b16_avgpool2d_forward(float *y, const float *x, const rmn_pool2d_shape *sh,
                               int nthreads);
/* dx:(N,C/16,H,W,16) += each dy:(N,C/16,P,Q,16) / divisor over its window */
void rmn_b16_avgpool2d_backward(float *dx, const float *dy, const rmn_pool2d_shape *sh,
                                int nthreads);
/* A binary op whose second operand is broadcast over space, b:(N,C) -- a 1x1 value, the same
 * memory in either layout -- on y, a:(N,C/16,HW,16): y = a + b, a b or a (1 + b) (channel
 * attention). The backward: da (+)= dy times b's factor, db (+)= the plane's sum of dy (times
 * a) in double; fresh_*: written instead of added to. */
void rmn_b16_binary_cbcast_forward(float *y, const float *a, const float *b, int n, int c,
                                   int hw, rmn_binary op, int nthreads);
void rmn_b16_binary_cbcast_backward(float *da, float *db, const float *dy, const float *a,
                                    const float *b, int n, int c, int hw, rmn_binary op,
                                    int fresh_a, int fresh_b, int nthreads);
/* CBAM's spatial gate (blocked16_gate.c). The mean and the max over channels:
 * y:(N,HW) plain, idx:(N,HW) the first maximum's channel or NULL, x:(N,C/16,HW,16); the
 * backwards add into dx:(N,C/16,HW,16) dy / C, or dy at the argmax. */
void rmn_b16_chan_mean_forward(float *y, const float *x, int n, int c, int hw, int nthreads);
void rmn_b16_chan_mean_backward(float *dx, const float *dy, int n, int c, int hw, int nthreads);
void rmn_b16_chan_max_forward(float *y, int32_t *idx, const float *x, int n, int c, int hw,
                              int nthreads);
void rmn_b16_chan_max_backward(float *dx, const float *dy, const int32_t *idx, int n, int c,
                               int hw, int nthreads);
/* A binary op whose second operand is one channel broadcast over C, b:(N,HW) plain, on y,
 * a:(N,C/16,HW,16): y = a + b, a b or a (1 + b). The backward: da (+)= dy times b's factor,
 * db (+)= the sum over channels of dy (times a), in float in the ref's order; fresh_*: written
 * instead of added to. */
void rmn_b16_binary_sbcast_forward(float *y, const float *a, const float *b, int n, int c,
                                   int hw, rmn_binary op, int nthreads);
void rmn_b16_binary_sbcast_backward(float *da, float *db, const float *dy, const float *a,
                                    const float *b, int n, int c, int hw, rmn_binary op,
                                    int fresh_a, int fresh_b, int nthreads);
/* BAM's channel factors spread over the map (blocked16_gate.c): the bilinear resize of x:(N,C)
 * (a 1x1 map, the same memory in both layouts) to y:(N,C/16,OH*OW,16), the ref's arithmetic
 * lane by lane; the backward adds into dx:(N,C) what the ref's adds, in its order. */
void rmn_b16_resize1_forward(float *y, const float *x, int n, int c, int oh, int ow,
                             int nthreads);
void rmn_b16_resize1_backward(float *dx, const float *dy, int n, int c, int oh, int ow,
                              int nthreads);
/* y:(N,C) mean over H*W of x:(N,C/16,HW,16) */
void rmn_b16_gap_forward(float *y, const float *x, int n, int c, int hw, int nthreads);
/* dx:(N,C/16,HW,16) += dy:(N,C) / hw (fresh: = instead of +=) */
void rmn_b16_gap_backward(float *dx, const float *dy, int n, int c, int hw, int fresh,
                          int nthreads);

/* The backward of a depthwise conv (groups = C = K, sh's shape) on nChw16c (blocked16_dwconv.c):
 * dx:(N,C/16,H,W,16), dw:(C,1,R,S), db:(C), each NULL or written (fresh) or added to, from
 * dy:(N,C/16,P,Q,16), x, w. -1 (nothing written) when its scratch cannot be allocated. */
int rmn_b16_dwconv_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                            const float *w, const rmn_conv2d_shape *sh, int fresh_dx,
                            int fresh_dw, int nthreads);

/* Offset of channel ch at spatial position pos in one sample of npos positions: nChw16c when
 * blocked, else plain (ch, pos). */
static inline size_t rmn_b16_at(int blocked, int ch, size_t pos, size_t npos) {
    return blocked ? ((size_t)(ch >> 4) * npos + pos) * 16 + (size_t)(ch & 15)
                   : (size_t)ch * npos + pos;
}

/* db:(K) (+)= the sum of dy:(N,K,PQ) over N and PQ per channel (in double), dy plain or (with
 * blocked) nChw16c; fresh: db written instead of added to. (A conv's bias gradient.) */
void rmn_b16_channel_sums(float *db, const float *dy, int n, int k, size_t pq, int blocked,
                          int fresh);

/* Layout conversion (tests, fallbacks): dst:(N,C/16,HW,16) from src:(N,C,HW), and back. */
void rmn_b16_from_plain(float *dst, const float *src, int n, int c, int hw);
void rmn_b16_to_plain(float *dst, const float *src, int n, int c, int hw);

#endif

/* bn_train.h -- rmn's batch norm in training (bn_train.c), the dnnl backend's: x, y, dy,
 * dx:(N,C,HW) plain or, with blocked, nChw16c (C a multiple of 16); per-channel vectors (C).
 * The fused ReLU's mask: blocked, (N,C/16,HW) 16-bit words (bit l: the block's lane l); plain,
 * (N,C,HW) bytes; or NULL. scratch: rmn_bn_train_scratch_doubles(n, c) doubles. The results
 * are the same bits on any thread count. */
#ifndef RMN_TENSOR_BN_TRAIN_H
#define RMN_TENSOR_BN_TRAIN_H

#include <stddef.h>
#include <stdint.h>

size_t rmn_bn_train_scratch_doubles(int n, int c);
/* y = gamma (x - mean) / sqrt(var + eps) + beta with the batch's mean and biased variance
 * (written to mean, var); with mask, y = relu(...) and mask = (y > 0). */
void rmn_bn_train_forward(float *y, void *mask, float *mean, float *var, const float *x,
                          const float *g, const float *b, int n, int c, int hw, int blocked,
                          double eps, double *scratch, int nthreads);
/* Backward from the saved mean and 1/sqrt(var + eps); dy passes the mask first when given.
 * dx (or NULL) written when fresh_dx, else added to; dg, db (or NULL) likewise by fresh_dw. */
void rmn_bn_train_backward(float *dx, float *dg, float *db, const float *dy, const void *mask,
                           const float *x, const float *g, const float *mean,
                           const float *invstd, int n, int c, int hw, int blocked, int fresh_dx,
                           int fresh_dw, double *scratch, int nthreads);
/* y = silu(bn(x)) (x sigmoid(x), fused): as rmn_bn_train_forward, and coef:(2C) receives what
 * the backward needs to recompute bn(x) to the bit (the mean's float remainder, the scale). */
void rmn_bn_train_forward_silu(float *y, float *coef, float *mean, float *var, const float *x,
                               const float *g, const float *b, int n, int c, int hw,
                               int blocked, double eps, double *scratch, int nthreads);
/* Backward through the fused SiLU (dy: the gradient of silu(bn(x))) and the batch norm, from
 * the forward's coef, beta b and the saved mean and 1/sqrt(var + eps). dz:(N,C,HW) receives
 * the gradient of bn(x) before pass 2 reads it: dx itself where dx is written fresh, else a
 * buffer. The same bits as the SiLU's and the batch norm's backward run apart. */
void rmn_bn_train_backward_silu(float *dx, float *dg, float *db, const float *dy, float *dz,
                                const float *x, const float *g, const float *b,
                                const float *mean, const float *invstd, const float *coef,
                                int n, int c, int hw, int blocked, int fresh_dx, int fresh_dw,
                                double *scratch, int nthreads);

#endif

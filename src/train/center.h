/* center.h -- center loss (Wen, Zhang, Li, Qiao, ECCV 2016) on the classifier's features.
 *
 * For features x:(n,d) (what the classifier reads, nn/net.h rmn_net_value_classifier_input),
 * labels y:(n) and centers c:(k,d):
 *   L_C = 1/(2n) sum_i ||x_i - c_{y_i}||^2           (the paper's 1/2; a mean over the batch,
 *                                                      so lambda does not depend on batch_size)
 *   dL_C/dx_i = (x_i - c_{y_i}) / n,   dL_C/dc_j = -(1/n) sum_{i: y_i = j} (x_i - c_j).
 * The trainer minimises CE + lambda L_C through the network, while the centers follow the
 * paper's own update (its eq. 4 and Algorithm 1), not their gradient:
 *   c_j <- c_j - alpha * sum_{i: y_i = j} (c_j - x_i) / (1 + n_j)
 * with alpha = center_lr, using the features of the step's forward. (The original repository's
 * trainer instead steps the centers with a second RAdam on their gradient divided by lambda.)
 * The centers start at zero (no random stream is used, so the other streams stay as they are).
 * Nothing here allocates. */
#ifndef RMN_TRAIN_CENTER_H
#define RMN_TRAIN_CENTER_H

#include <stdint.h>

/* x:(n,d) y:(n) in [0,k) c:(k,d) -> L_C */
double rmn_center_loss_forward(const float *x, const int32_t *y, const float *c, int n, int d);
/* Accumulates scale * dL_C/dx into dx:(n,d) and scale * dL_C/dc into dc:(k,d); either may be
 * NULL. x:(n,d) y:(n) c:(k,d) */
void rmn_center_loss_backward(float *dx, float *dc, const float *x, const int32_t *y,
                              const float *c, int n, int d, double scale);
/* The paper's center update, in place. c:(k,d) x:(n,d) y:(n) */
void rmn_center_update(float *c, const float *x, const int32_t *y, int n, int d, int k,
                       double alpha);

#endif

/* sgd.h -- stochastic gradient descent with PyTorch's torch.optim.SGD semantics.
 *
 * Per step, for each scalar: g = grad + weight_decay * p; with momentum mu != 0 the buffer
 * is b = g at the first step and b = mu * b + (1 - dampening) * g after; the update is
 * g + mu * b (Nesterov) or b; then p -= lr * update. Without momentum the update is g.
 * The fields are public so that schedules change lr and checkpoints save buf and step. The
 * step is one vectorised loop, split over threads for large n.
 * Ownership: rmn_sgd_init allocates buf (64-byte aligned), rmn_sgd_free releases it. */
#ifndef RMN_OPTIM_SGD_H
#define RMN_OPTIM_SGD_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    float lr, momentum, dampening, weight_decay;
    int nesterov;
    size_t n;
    float *buf;     /* momentum buffer (n), NULL without momentum */
    int64_t step;   /* steps taken */
    int nthreads;   /* OpenMP threads of a step (0: OpenMP's default); the result does not
                       depend on it (element-wise) */
} rmn_sgd;

/* dampening starts at 0 (set the field to change it). RMN_EINVAL for negative rates or
 * Nesterov without momentum. */
int  rmn_sgd_init(rmn_sgd *opt, size_t n, float lr, float momentum, float weight_decay,
                  int nesterov);
/* params,grads:(n) */
void rmn_sgd_step(rmn_sgd *opt, float *params, const float *grads);
void rmn_sgd_free(rmn_sgd *opt);

#endif

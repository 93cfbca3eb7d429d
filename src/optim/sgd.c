/* sgd.c -- SGD with momentum, dampening, Nesterov and weight decay as torch.optim.SGD. */
#include "optim/sgd.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

int rmn_sgd_init(rmn_sgd *opt, size_t n, float lr, float momentum, float weight_decay,
                 int nesterov) {
    memset(opt, 0, sizeof *opt);
    if (!(lr >= 0.0f) || !(momentum >= 0.0f) || !(weight_decay >= 0.0f))
        return RMN_ERROR(RMN_EINVAL, "sgd: lr %g, momentum %g and weight decay %g must be >= 0",
                         (double)lr, (double)momentum, (double)weight_decay);
    if (nesterov && momentum <= 0.0f)
        return RMN_ERROR(RMN_EINVAL, "sgd: Nesterov momentum requires momentum > 0");
    *opt = (rmn_sgd){.lr = lr, .momentum = momentum, .weight_decay = weight_decay,
                     .nesterov = nesterov != 0, .n = n};
    if (momentum != 0.0f && n > 0) {
        size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
        opt->buf = aligned_alloc(64, bytes);
        if (!opt->buf)
            return RMN_ERROR(RMN_ENOMEM, "sgd: cannot allocate %zu momentum values", n);
        memset(opt->buf, 0, bytes);
    }
    return RMN_OK;
}

/* params,grads:(n) */
void rmn_sgd_step(rmn_sgd *opt, float *params, const float *grads) {
    const float lr = opt->lr, mu = opt->momentum, wd = opt->weight_decay;
    const float damp = 1.0f - opt->dampening;
    const int first = opt->step == 0;
    for (size_t i = 0; i < opt->n; ++i) {
        float g = grads[i];
        if (wd != 0.0f)
            g += wd * params[i];
        if (opt->buf) {
            float b = first ? g : mu * opt->buf[i] + damp * g;
            opt->buf[i] = b;
            g = opt->nesterov ? g + mu * b : b;
        }
        params[i] -= lr * g;
    }
    opt->step++;
}

void rmn_sgd_free(rmn_sgd *opt) {
    free(opt->buf);
    opt->buf = NULL;
    opt->n = 0;
}

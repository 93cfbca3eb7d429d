/* sgd.c -- SGD with momentum, dampening, Nesterov and weight decay as torch.optim.SGD. */
#include "optim/sgd.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#ifdef _OPENMP
#include <omp.h>
#define STEP_THREADS_DEFAULT omp_get_max_threads()
#else
#define STEP_THREADS_DEFAULT 1
#endif

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

/* params,grads:(n); the conditions are loop-invariant selects, so that the loops vectorise */
void rmn_sgd_step(rmn_sgd *opt, float *params, const float *grads) {
    const float lr = opt->lr, mu = opt->momentum, wd = opt->weight_decay;
    const float damp = 1.0f - opt->dampening;
    const int first = opt->step == 0, decay = wd != 0.0f, nesterov = opt->nesterov;
    const size_t n = opt->n;
    float *buf = opt->buf;
    const int nthreads = opt->nthreads > 0 ? opt->nthreads : STEP_THREADS_DEFAULT;
    (void)nthreads;
    if (buf) {
#pragma omp parallel for simd schedule(static) if (n >= 65536) num_threads(nthreads)
        for (size_t i = 0; i < n; ++i) {
            const float g = decay ? grads[i] + wd * params[i] : grads[i];
            const float b = first ? g : mu * buf[i] + damp * g;
            buf[i] = b;
            params[i] -= lr * (nesterov ? g + mu * b : b);
        }
    } else {
#pragma omp parallel for simd schedule(static) if (n >= 65536) num_threads(nthreads)
        for (size_t i = 0; i < n; ++i)
            params[i] -= lr * (decay ? grads[i] + wd * params[i] : grads[i]);
    }
    opt->step++;
}

void rmn_sgd_free(rmn_sgd *opt) {
    free(opt->buf);
    opt->buf = NULL;
    opt->n = 0;
}

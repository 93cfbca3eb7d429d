/* optimizer.c -- dispatch over SGD and the Adam family; see optimizer.h. */
#include "optim/optimizer.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

static const char *const NAMES[] = {"sgd", "adam", "adamw", "radam"};

int rmn_optimizer_kind_parse(const char *name, int *kind) {
    for (int k = 0; k < 4; ++k)
        if (strcmp(name, NAMES[k]) == 0) {
            *kind = k;
            return RMN_OK;
        }
    return RMN_ERROR(RMN_EINVAL, "unknown optimizer \"%s\" (known: sgd, adam, adamw, radam)", name);
}

const char *rmn_optimizer_kind_name(int kind) { return kind >= 0 && kind < 4 ? NAMES[kind] : "?"; }

static float *zeros(size_t n) {
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    float *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p)
        memset(p, 0, bytes);
    return p;
}

int rmn_optimizer_init(rmn_optimizer *opt, int kind, size_t n, const rmn_optimizer_hparams *h) {
    memset(opt, 0, sizeof *opt);
    if (!(h->lr > 0) || h->weight_decay < 0)
        return RMN_ERROR(RMN_EINVAL, "optimizer: lr must be > 0 and weight_decay >= 0");
    opt->kind = kind;
    opt->lr = h->lr;
    opt->n = n;
    if (kind == RMN_OPTIM_SGD) {
        const int rc = rmn_sgd_init(&opt->sgd, n, (float)h->lr, (float)h->momentum,
                                    (float)h->weight_decay, h->nesterov);
        opt->sgd.nthreads = h->nthreads;
        return rc;
    }
    if (kind < 0 || kind > RMN_OPTIM_RADAM)
        return RMN_ERROR(RMN_EINVAL, "optimizer: unknown kind %d", kind);
    opt->adam = (rmn_adam_hparams){.lr = h->lr, .beta1 = h->beta1 > 0 ? h->beta1 : 0.9,
                                   .beta2 = h->beta2 > 0 ? h->beta2 : 0.999, .eps = h->eps > 0 ? h->eps : 1e-8,
                                   .weight_decay = h->weight_decay, .nthreads = h->nthreads};
    if (!(opt->adam.beta1 < 1 && opt->adam.beta2 < 1))
        return RMN_ERROR(RMN_EINVAL, "optimizer: betas must lie in [0, 1)");
    opt->m = zeros(n);
    opt->v = zeros(n);
    if (!opt->m || !opt->v) {
        rmn_optimizer_free(opt);
        return RMN_ERROR(RMN_ENOMEM, "optimizer: cannot allocate moments for %zu parameters", n);
    }
    return RMN_OK;
}

void rmn_optimizer_step(rmn_optimizer *opt, float *params, const float *grads) {
    opt->step++;
    switch (opt->kind) {
    case RMN_OPTIM_SGD:
        opt->sgd.lr = (float)opt->lr;
        opt->sgd.step = opt->step - 1; /* steps taken before this one (restored checkpoints) */
        rmn_sgd_step(&opt->sgd, params, grads);
        break;
    case RMN_OPTIM_ADAM:
    case RMN_OPTIM_ADAMW:
        opt->adam.lr = opt->lr;
        rmn_adam_step(params, grads, opt->m, opt->v, opt->n, opt->step, &opt->adam, opt->kind == RMN_OPTIM_ADAMW);
        break;
    case RMN_OPTIM_RADAM:
        opt->adam.lr = opt->lr;
        rmn_radam_thesis_step(params, grads, opt->m, opt->v, opt->n, opt->step, &opt->adam);
        break;
    }
}

int rmn_optimizer_state(rmn_optimizer *opt, float **buf0, float **buf1, int64_t **step) {
    *step = &opt->step;
    *buf0 = opt->kind == RMN_OPTIM_SGD ? opt->sgd.buf : opt->m;
    *buf1 = opt->kind == RMN_OPTIM_SGD ? NULL : opt->v;
    return RMN_OK;
}

void rmn_optimizer_free(rmn_optimizer *opt) {
    if (opt->kind == RMN_OPTIM_SGD)
        rmn_sgd_free(&opt->sgd);
    free(opt->m);
    free(opt->v);
    opt->m = opt->v = NULL;
}

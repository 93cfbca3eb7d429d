/* optimizer.h -- one interface over rmn's optimizers, chosen by name in a configuration:
 * "sgd" (momentum, Nesterov, L2 weight decay; optim/sgd.h), "adam", "adamw" and "radam" (the
 * thesis's RAdam; optim/adam.h). The learning rate is a field that schedules change between
 * steps; the state (moments and step count) is public so that checkpoints save and restore it.
 * Ownership: rmn_optimizer_init allocates the moment buffers, rmn_optimizer_free releases them. */
#ifndef RMN_OPTIM_OPTIMIZER_H
#define RMN_OPTIM_OPTIMIZER_H

#include "optim/adam.h"
#include "optim/sgd.h"

#include <stddef.h>
#include <stdint.h>

enum rmn_optim_kind { RMN_OPTIM_SGD, RMN_OPTIM_ADAM, RMN_OPTIM_ADAMW, RMN_OPTIM_RADAM };

typedef struct {
    double lr, weight_decay;
    double momentum; int nesterov;   /* sgd */
    double beta1, beta2, eps;        /* adam family (defaults 0.9, 0.999, 1e-8 when 0) */
    int nthreads;                    /* OpenMP threads of a step (0: OpenMP's default) */
} rmn_optimizer_hparams;

typedef struct {
    int     kind;
    double  lr;
    size_t  n;
    rmn_sgd sgd;              /* kind sgd */
    rmn_adam_hparams adam;    /* kind adam, adamw, radam (adam.lr follows lr at each step) */
    float  *m, *v;            /* first and second moments (n), adam family */
    int64_t step;             /* steps taken */
} rmn_optimizer;

int  rmn_optimizer_kind_parse(const char *name, int *kind); /* RMN_EINVAL naming the known ones */
const char *rmn_optimizer_kind_name(int kind);
int  rmn_optimizer_init(rmn_optimizer *opt, int kind, size_t n, const rmn_optimizer_hparams *h);
/* params,grads:(n) */
void rmn_optimizer_step(rmn_optimizer *opt, float *params, const float *grads);
void rmn_optimizer_free(rmn_optimizer *opt);

/* The state tensors to checkpoint: up to two float buffers of n values and the step count. */
int  rmn_optimizer_state(rmn_optimizer *opt, float **buf0, float **buf1, int64_t **step);

#endif

/* adam.h -- the Adam family over raw parameter arrays: Adam and AdamW with torch.optim's
 * semantics (1.13, no amsgrad), and RAdam exactly as the thesis trained with it (the 2019
 * reference implementation; /work/shared/reference/thesis.md §4.2):
 *
 *   Adam:   g += wd*p (L2);             AdamW: p *= 1 - lr*wd (decoupled);
 *           m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;
 *           p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
 *   RAdam:  p -= wd*lr*p (decoupled, before the update); m, v as above;
 *           rho_inf = 2/(1-b2) - 1;  rho_t = rho_inf - 2 t b2^t/(1-b2^t);
 *           rho_t >= 5: p -= lr*sqrt((1-b2^t)(rho_t-4)(rho_t-2)rho_inf/((rho_inf-4)(rho_inf-2)rho_t))
 *                               /(1-b1^t) * m/(sqrt(v)+eps)
 *           otherwise (steps 1-5): p -= lr/(1-b1^t) * m      (un-adapted momentum)
 * (torch.optim.RAdam differs: L2 weight decay and rectification only when rho_t > 5.)
 * t is the 1-based step number. Element arithmetic in float, step scalars in double. */
#ifndef RMN_OPTIM_ADAM_H
#define RMN_OPTIM_ADAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    double lr, beta1, beta2, eps, weight_decay;
    int    nthreads; /* OpenMP threads of a step (0: OpenMP's default); the result is the same */
} rmn_adam_hparams;

/* p,g,m,v:(n); decoupled=0: Adam (L2), 1: AdamW */
void rmn_adam_step(float *p, const float *g, float *m, float *v, size_t n, int64_t t,
                   const rmn_adam_hparams *h, int decoupled);
/* p,g,m,v:(n) */
void rmn_radam_thesis_step(float *p, const float *g, float *m, float *v, size_t n, int64_t t,
                           const rmn_adam_hparams *h);
/* rho_t of step t (>= 1), exposed for tests. */
double rmn_radam_rho(int64_t t, double beta2);

#endif

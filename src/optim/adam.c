/* adam.c -- Adam, AdamW and the thesis's RAdam; see adam.h. */
#include "optim/adam.h"

#include <math.h>

#ifdef _OPENMP
#include <omp.h>
#define STEP_THREADS(h) ((h)->nthreads > 0 ? (h)->nthreads : omp_get_max_threads())
#endif

void rmn_adam_step(float *p, const float *g, float *m, float *v, size_t n, int64_t t,
                   const rmn_adam_hparams *h, int decoupled) {
    const float b1 = (float)h->beta1, b2 = (float)h->beta2, wd = (float)h->weight_decay;
    const double bc1 = 1.0 - pow(h->beta1, (double)t), bc2 = 1.0 - pow(h->beta2, (double)t);
    const float step_size = (float)(h->lr / bc1), bc2_sqrt = (float)sqrt(bc2), eps = (float)h->eps;
    const float shrink = (float)(1.0 - h->lr * h->weight_decay);
#pragma omp parallel for simd schedule(static) if (n >= 65536) num_threads(STEP_THREADS(h))
    for (size_t i = 0; i < n; ++i) {
        float gi = g[i];
        if (decoupled)
            p[i] *= shrink;
        else
            gi += wd * p[i];
        m[i] = m[i] * b1 + (1.0f - b1) * gi;
        v[i] = v[i] * b2 + (1.0f - b2) * gi * gi;
        float denom = sqrtf(v[i]) / bc2_sqrt + eps;
        p[i] -= step_size * (m[i] / denom);
    }
}

double rmn_radam_rho(int64_t t, double beta2) {
    const double rho_inf = 2.0 / (1.0 - beta2) - 1.0, b2t = pow(beta2, (double)t);
    return rho_inf - 2.0 * (double)t * b2t / (1.0 - b2t);
}

void rmn_radam_thesis_step(float *p, const float *g, float *m, float *v, size_t n, int64_t t,
                           const rmn_adam_hparams *h) {
    const float b1 = (float)h->beta1, b2 = (float)h->beta2, eps = (float)h->eps;
    const double rho_inf = 2.0 / (1.0 - h->beta2) - 1.0, rho_t = rmn_radam_rho(t, h->beta2);
    const double bc1 = 1.0 - pow(h->beta1, (double)t), b2t = pow(h->beta2, (double)t);
    const int rectified = rho_t >= 5.0;
    const double step = rectified ? h->lr *
                                        sqrt((1.0 - b2t) * (rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                                             ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)) /
                                        bc1
                                  : h->lr / bc1;
    const float stepf = (float)step, decay = (float)(h->weight_decay * h->lr);
#pragma omp parallel for simd schedule(static) if (n >= 65536) num_threads(STEP_THREADS(h))
    for (size_t i = 0; i < n; ++i) {
        const float gi = g[i];
        m[i] = m[i] * b1 + (1.0f - b1) * gi;
        v[i] = v[i] * b2 + (1.0f - b2) * gi * gi;
        if (decay != 0.0f)
            p[i] -= decay * p[i];
        p[i] -= rectified ? stepf * (m[i] / (sqrtf(v[i]) + eps)) : stepf * m[i];
    }
}

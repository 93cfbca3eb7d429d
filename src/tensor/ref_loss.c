/* ref_loss.c -- softmax cross-entropy from logits (hard labels and soft targets): the naive
 * kernels, which give the loss and its gradient together (written once for a real type R,
 * ref_real.h: float here, double in ref_f64.c), their checked forms that the trainer calls,
 * and the row softmax of predictions. Shape contracts are in ops.h. */
#include "tensor/ops.h"

#include <math.h>
#include "core/error.h"

#include "tensor/ref_real.h"

// --- softmax cross-entropy, loss and gradient --------------------------------------------

/* dlogits,logits:(N,K) labels:(N) class_weights:(K) or NULL */
double NAME(rmn_ref_softmax_xent)(R *dlogits, int *n_correct, const R *logits,
                                  const int32_t *labels, const float *class_weights, int n,
                                  int k) {
    double total = 0.0, wsum = 0.0;
    int correct = 0;
    for (int i = 0; i < n; ++i) {
        const R *l = logits + (size_t)i * k;
        int arg = 0;
        for (int j = 1; j < k; ++j)
            if (l[j] > l[arg])
                arg = j;
        correct += arg == labels[i];
        double lse = 0.0;
        for (int j = 0; j < k; ++j)
            lse += exp((double)l[j] - (double)l[arg]);
        lse = log(lse) + (double)l[arg];
        double wi = class_weights ? (double)class_weights[labels[i]] : 1.0;
        total += wi * (lse - (double)l[labels[i]]);
        wsum += wi;
    }
    if (dlogits) {
        for (int i = 0; i < n; ++i) {
            const R *l = logits + (size_t)i * k;
            R *d = dlogits + (size_t)i * k;
            double mx = (double)l[0];
            for (int j = 1; j < k; ++j)
                mx = (double)l[j] > mx ? (double)l[j] : mx;
            double z = 0.0;
            for (int j = 0; j < k; ++j)
                z += exp((double)l[j] - mx);
            double wi = class_weights ? (double)class_weights[labels[i]] : 1.0;
            for (int j = 0; j < k; ++j) {
                double pj = exp((double)l[j] - mx) / z;
                d[j] = (R)(wi * (pj - (j == labels[i] ? 1.0 : 0.0)) / wsum);
            }
        }
    }
    if (n_correct)
        *n_correct = correct;
    return total / wsum;
}

/* dlogits,logits,targets:(N,K) labels:(N) or NULL class_weights:(K) or NULL */
double NAME(rmn_ref_softmax_xent_soft)(R *dlogits, int *n_correct, const R *logits,
                                       const float *targets, const int32_t *labels,
                                       const float *class_weights, int n, int k) {
    double total = 0.0;
    int correct = 0;
    for (int i = 0; i < n; ++i) {
        const R *l = logits + (size_t)i * k;
        const float *t = targets + (size_t)i * k;
        int arg = 0, targ = 0;
        for (int j = 1; j < k; ++j) {
            arg = l[j] > l[arg] ? j : arg;
            targ = t[j] > t[targ] ? j : targ;
        }
        correct += arg == (labels ? labels[i] : targ);
        double lse = 0.0, wt = 0.0;
        for (int j = 0; j < k; ++j)
            lse += exp((double)l[j] - (double)l[arg]);
        lse = log(lse) + (double)l[arg];
        for (int j = 0; j < k; ++j) {
            const double w = (class_weights ? (double)class_weights[j] : 1.0) * (double)t[j];
            total += w * (lse - (double)l[j]);
            wt += w;
        }
        if (dlogits) { /* d/dl_j = (sum_m w_m t_m) p_j - w_j t_j, over N */
            R *d = dlogits + (size_t)i * k;
            for (int j = 0; j < k; ++j) {
                const double pj = exp((double)l[j] - lse);
                const double w = (class_weights ? (double)class_weights[j] : 1.0) * (double)t[j];
                d[j] = (R)((wt * pj - w) / n);
            }
        }
    }
    if (n_correct)
        *n_correct = correct;
    return total / n;
}

// --- checked losses and predictions ------------------------------------------------------

#ifndef RMN_REF_F64

/* dlogits,logits:(N,K) labels:(N) class_weights:(K) or NULL */
int rmn_softmax_xent(double *loss, float *dlogits, int *n_correct, const float *logits,
                     const int32_t *labels, const float *class_weights, int n, int k) {
    if (n < 1 || k < 1)
        return RMN_ERROR(RMN_EINVAL, "softmax_xent: bad sizes n=%d k=%d", n, k);
    double wsum = 0.0;
    for (int i = 0; i < n; ++i) {
        if (labels[i] < 0 || labels[i] >= k)
            return RMN_ERROR(RMN_EINVAL, "softmax_xent: label %d of row %d outside [0,%d)",
                             (int)labels[i], i, k);
        wsum += class_weights ? class_weights[labels[i]] : 1.0f;
    }
    if (class_weights)
        for (int j = 0; j < k; ++j)
            if (!(class_weights[j] >= 0.0f) || !isfinite(class_weights[j]))
                return RMN_ERROR(RMN_EINVAL, "softmax_xent: class weight %d is %g", j,
                                 (double)class_weights[j]);
    if (!(wsum > 0.0))
        return RMN_ERROR(RMN_EINVAL, "softmax_xent: the labels of the batch have zero weight");
    *loss = rmn_ref_softmax_xent(dlogits, n_correct, logits, labels, class_weights, n, k);
    return RMN_OK;
}

/* dlogits,logits,targets:(N,K) labels:(N) or NULL class_weights:(K) or NULL */
int rmn_softmax_xent_soft(double *loss, float *dlogits, int *n_correct, const float *logits,
                          const float *targets, const int32_t *labels, const float *class_weights,
                          int n, int k) {
    if (n < 1 || k < 1)
        return RMN_ERROR(RMN_EINVAL, "softmax_xent_soft: bad sizes n=%d k=%d", n, k);
    for (int i = 0; i < n; ++i) {
        double sum = 0.0;
        for (int j = 0; j < k; ++j) {
            const float t = targets[(size_t)i * k + j];
            if (!(t >= 0.0f) || !isfinite(t))
                return RMN_ERROR(RMN_EINVAL, "softmax_xent_soft: target %d of row %d is %g", j, i, (double)t);
            sum += t;
        }
        if (!(sum > 0.0))
            return RMN_ERROR(RMN_EINVAL, "softmax_xent_soft: the targets of row %d sum to 0", i);
        if (labels && (labels[i] < 0 || labels[i] >= k))
            return RMN_ERROR(RMN_EINVAL, "softmax_xent_soft: label %d of row %d outside [0,%d)", (int)labels[i],
                             i, k);
    }
    for (int j = 0; class_weights && j < k; ++j)
        if (!(class_weights[j] >= 0.0f) || !isfinite(class_weights[j]))
            return RMN_ERROR(RMN_EINVAL, "softmax_xent_soft: class weight %d is %g", j, (double)class_weights[j]);
    *loss = rmn_ref_softmax_xent_soft(dlogits, n_correct, logits, targets, labels, class_weights, n, k);
    return RMN_OK;
}

/* p,logits:(N,K) */
void rmn_softmax_rows(float *p, const float *logits, int n, int k) {
    for (int i = 0; i < n; ++i) {
        const float *l = logits + (size_t)i * k;
        float *o = p + (size_t)i * k;
        float mx = l[0];
        for (int j = 1; j < k; ++j)
            mx = l[j] > mx ? l[j] : mx;
        double z = 0.0;
        for (int j = 0; j < k; ++j) {
            double e = exp((double)l[j] - mx);
            o[j] = (float)e;
            z += e;
        }
        for (int j = 0; j < k; ++j)
            o[j] = (float)(o[j] / z);
    }
}

#endif

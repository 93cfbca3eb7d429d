/* loss.c -- checked softmax cross-entropy (hard labels and soft targets), row softmax for predictions, and dropout masks.
 * The arithmetic of the loss itself is the reference kernel in ref_forward.inc. */
#include "tensor/ops.h"

#include <math.h>

#include "core/error.h"

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

/* mask:(count) */
void rmn_dropout_mask(float *mask, size_t count, float p, rmn_rng *rng) {
    const float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < count; ++i)
        mask[i] = rmn_rng_uniformf(rng) >= p ? keep : 0.0f;
}

/* cam.c -- Grad-CAM, Grad-CAM++ and the mask maps (see cam.h): one eval-mode forward, one
 * backward from the one-hot gradient of the chosen logit, the layer's activation and gradient
 * read in plain NCHW through the engine's API. */
#include "explain/cam.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tensor/ops.h"

void rmn_cam_combine(float *cam, double *wk, const float *act, const float *grad, int k, int h,
                     int w, rmn_cam_method method, int relu) {
    const size_t hw = (size_t)h * w;
    for (int c = 0; c < k; ++c) {
        const float *a = act + (size_t)c * hw, *g = grad + (size_t)c * hw;
        double sum = 0;
        if (method == RMN_CAM_GRADCAM) {
            for (size_t p = 0; p < hw; ++p)
                sum += g[p];
            sum /= (double)hw;
        } else {
            double sa = 0;
            for (size_t p = 0; p < hw; ++p)
                sa += a[p];
            for (size_t p = 0; p < hw; ++p) {
                const double g1 = g[p], g2 = g1 * g1, den = 2 * g2 + sa * g2 * g1;
                if (g1 > 0 && den != 0)
                    sum += g2 / den * g1;
            }
        }
        wk[c] = sum;
    }
    for (size_t p = 0; p < hw; ++p) {
        double acc = 0;
        for (int c = 0; c < k; ++c)
            acc += wk[c] * act[(size_t)c * hw + p];
        cam[p] = (float)(relu && acc < 0 ? 0 : acc);
    }
}

void rmn_mask_gain(float *map, const float *t, const float *m, int c, int hw) {
    for (int p = 0; p < hw; ++p) {
        double num = 0, den = 0;
        for (int ch = 0; ch < c; ++ch) {
            const double tv = t[(size_t)ch * hw + p];
            num += tv * m[(size_t)ch * hw + p];
            den += tv;
        }
        map[p] = (float)(den != 0 ? num / den : 1.0 / c);
    }
}

void rmn_map_upsample(float *y, const float *x, int h, int w, int s) {
    rmn_ref_resize_bilinear_forward(y, x, 1, 1, h, w, s, s);
}

/* values "layerK" and "maskK" of stage k (1-based) */
static int mask_values(const rmn_net *net, int k, int *t, int *m) {
    char a[32], b[32];
    snprintf(a, sizeof a, "layer%d", k);
    snprintf(b, sizeof b, "mask%d", k);
    int ok = 0;
    for (int v = 0; v < rmn_net_value_count(net); ++v) {
        if (strcmp(rmn_net_value_name(net, v), a) == 0)
            *t = v, ok |= 1;
        if (strcmp(rmn_net_value_name(net, v), b) == 0)
            *m = v, ok |= 2;
    }
    return ok == 3;
}

int rmn_explain_mask_count(const rmn_net *net) {
    int t, m;
    for (int k = 1; k <= RMN_EXPLAIN_MAX_MASKS; ++k)
        if (!mask_values(net, k, &t, &m))
            return 0;
    return RMN_EXPLAIN_MAX_MASKS;
}

void rmn_explanation_free(rmn_explanation *e) {
    free(e->cam);
    free(e->cam_up);
    for (int k = 0; k < RMN_EXPLAIN_MAX_MASKS; ++k) {
        free(e->mask[k]);
        free(e->mask_up[k]);
    }
    memset(e, 0, sizeof *e);
}

static int masks_of(rmn_net *net, rmn_explanation *e) {
    e->n_masks = rmn_explain_mask_count(net);
    for (int k = 0; k < e->n_masks; ++k) {
        int tv = 0, mv = 0, c, h, w, mc, mh, mw;
        mask_values(net, k + 1, &tv, &mv);
        rmn_net_value_shape(net, tv, &c, &h, &w);
        rmn_net_value_shape(net, mv, &mc, &mh, &mw);
        if (c != mc || h != mh || w != mw)
            return RMN_ERROR(RMN_EINVAL, "%s: mask%d (%dx%dx%d) does not match layer%d "
                             "(%dx%dx%d)", rmn_net_arch(net), k + 1, mc, mh, mw, k + 1, c, h, w);
        const size_t n = (size_t)c * h * w;
        float *t = malloc(n * sizeof *t), *m = malloc(n * sizeof *m);
        e->mh[k] = h;
        e->mw[k] = w;
        e->mask[k] = malloc((size_t)h * w * sizeof(float));
        e->mask_up[k] = malloc((size_t)e->size * e->size * sizeof(float));
        int rc = t && m && e->mask[k] && e->mask_up[k]
                     ? RMN_OK
                     : RMN_ERROR(RMN_ENOMEM, "%s: out of memory", rmn_net_arch(net));
        if (rc == RMN_OK)
            rc = rmn_net_value_read(net, tv, 0, t, NULL);
        if (rc == RMN_OK)
            rc = rmn_net_value_read(net, mv, 0, m, NULL);
        if (rc == RMN_OK) {
            rmn_mask_gain(e->mask[k], t, m, c, h * w);
            rmn_map_upsample(e->mask_up[k], e->mask[k], h, w, e->size);
        }
        free(t);
        free(m);
        RMN_TRY(rc);
    }
    return RMN_OK;
}

int rmn_explain(rmn_net *net, const float *x, int layer, int cls, rmn_cam_method method,
                int masks, rmn_explanation *out) {
    memset(out, 0, sizeof *out);
    const char *arch = rmn_net_arch(net);
    int ic, ih, iw;
    rmn_net_input_shape(net, &ic, &ih, &iw);
    const int K = rmn_net_num_classes(net);
    if (K < 1 || K > RMN_EXPLAIN_MAX_CLASSES)
        return RMN_ERROR(RMN_EINVAL, "%s: %d classes (at most %d)", arch, K,
                         RMN_EXPLAIN_MAX_CLASSES);
    if (ih != iw)
        return RMN_ERROR(RMN_EINVAL, "%s: input %dx%d is not square", arch, ih, iw);
    if (layer < 0 && (layer = rmn_net_value_last_spatial(net)) < 0)
        return RMN_ERROR(RMN_EINVAL, "%s: no convolutional layer to explain", arch);
    if (layer == 0 || layer >= rmn_net_value_count(net))
        return RMN_ERROR(RMN_EINVAL, "%s: cannot explain value %d ('%s'): the input has no "
                         "gradient", arch, layer, rmn_net_value_name(net, layer));
    if (cls >= K)
        return RMN_ERROR(RMN_EINVAL, "%s: class %d out of range (the model has %d classes, "
                         "0..%d)", arch, cls, K, K - 1);
    RMN_TRY(rmn_net_forward(net, x, 1, 0, NULL));
    const float *lg = rmn_net_logits(net);
    out->classes = K;
    out->size = ih;
    out->layer = layer;
    double mx = lg[0], total = 0;
    for (int k = 0; k < K; ++k) {
        out->logits[k] = lg[k];
        if (lg[k] > mx)
            mx = lg[k], out->pred = k;
    }
    for (int k = 0; k < K; ++k)
        total += exp(lg[k] - mx);
    for (int k = 0; k < K; ++k)
        out->probs[k] = (float)(exp(lg[k] - mx) / total);
    out->cls = cls < 0 ? out->pred : cls;
    float onehot[RMN_EXPLAIN_MAX_CLASSES] = {0};
    onehot[out->cls] = 1.0f;
    int rc = masks ? masks_of(net, out) : RMN_OK; /* before the backward (same activations) */
    if (rc == RMN_OK)
        rc = rmn_net_backward_from(net, onehot);
    int c, h, w;
    rmn_net_value_shape(net, layer, &c, &h, &w);
    const size_t n = (size_t)c * h * w;
    float *a = malloc(n * sizeof *a), *g = malloc(n * sizeof *g);
    double *wk = malloc((size_t)c * sizeof *wk);
    out->h = h;
    out->w = w;
    out->cam = malloc((size_t)h * w * sizeof(float));
    out->cam_up = malloc((size_t)ih * ih * sizeof(float));
    if (rc == RMN_OK && !(a && g && wk && out->cam && out->cam_up))
        rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", arch);
    if (rc == RMN_OK)
        rc = rmn_net_value_read(net, layer, 0, a, g);
    if (rc == RMN_OK) {
        rmn_cam_combine(out->cam, wk, a, g, c, h, w, method, 1);
        rmn_map_upsample(out->cam_up, out->cam, h, w, ih);
    }
    free(a);
    free(g);
    free(wk);
    if (rc != RMN_OK)
        rmn_explanation_free(out);
    return rc;
}

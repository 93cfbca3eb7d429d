/* cam.h -- what a network looks at: Grad-CAM (Selvaraju et al. 2017), Grad-CAM++
 * (Chattopadhyay et al. 2018) and the Residual Masking Network's mask maps, computed through
 * the engine's own forward and backward (nn/net.h: rmn_net_forward with training=0,
 * rmn_net_backward_from a one-hot logits gradient, rmn_net_value_read). docs/EXPLAIN.md has
 * the definitions.
 *
 * For one input x:(C,S,S), a layer A (a value of the net, (K,H,W)) and a class c with score
 * y_c (the logit, before the softmax), g = dy_c/dA:
 *   Grad-CAM:   w_k = mean_ij g_kij;                        L = ReLU(sum_k w_k A_k)
 *   Grad-CAM++: a_kij = g^2 / (2 g^2 + (sum_ab A_kab) g^3)   (0 where g or the denominator is 0)
 *               w_k = sum_ij a_kij ReLU(g_kij);              L = ReLU(sum_k w_k A_k)
 * Mask maps (Residual Masking Network, stage k, T = layerk's output >= 0, M = maskk's softmax
 * over channels, so mean_c M = 1/C everywhere): the T-weighted mean of M,
 *   G_k(i,j) = sum_c T_cij M_cij / sum_c T_cij   (1/C where T is 0 at the pixel),
 * the fraction by which T*(1+M) amplifies the feature vector at (i,j) (its L1 norm grows by
 * the factor 1 + G_k). Every map is upsampled to S x S bilinearly (align_corners=False).
 *
 * Ownership: rmn_explain fills a caller-owned struct released by rmn_explanation_free. */
#ifndef RMN_EXPLAIN_CAM_H
#define RMN_EXPLAIN_CAM_H

#include "nn/net.h"

#define RMN_EXPLAIN_MAX_CLASSES 64
#define RMN_EXPLAIN_MAX_MASKS 4

typedef enum { RMN_CAM_GRADCAM = 0, RMN_CAM_GRADCAM_PP = 1 } rmn_cam_method;

typedef struct {
    int layer;                        /* the value explained */
    int cls, pred;                    /* the class explained, the argmax */
    int classes;
    float logits[RMN_EXPLAIN_MAX_CLASSES], probs[RMN_EXPLAIN_MAX_CLASSES];
    int size;                         /* S: the input's side */
    int h, w;                         /* the layer's map */
    float *cam;                       /* (h, w) */
    float *cam_up;                    /* (S, S) */
    int n_masks;                      /* 0, or 4 for a Residual Masking Network (with masks) */
    int mh[RMN_EXPLAIN_MAX_MASKS], mw[RMN_EXPLAIN_MAX_MASKS];
    float *mask[RMN_EXPLAIN_MAX_MASKS];    /* (mh, mw) */
    float *mask_up[RMN_EXPLAIN_MAX_MASKS]; /* (S, S) */
} rmn_explanation;

/* cam:(H,W) from act:(K,H,W) and grad:(K,H,W), the channel weights in wk:(K) (before the
 * final ReLU when relu is 0: signed maps; rmn_explain uses relu = 1). */
void rmn_cam_combine(float *cam, double *wk, const float *act, const float *grad, int k, int h,
                     int w, rmn_cam_method method, int relu);
/* map:(HW) = sum_c t m / sum_c t (1/C where sum_c t == 0) for t, m:(C,HW) */
void rmn_mask_gain(float *map, const float *t, const float *m, int c, int hw);
/* y:(S,S) = bilinear resize (align_corners=False) of x:(H,W) */
void rmn_map_upsample(float *y, const float *x, int h, int w, int s);

/* The number of mask stages net has ("layer1".."layer4" with "mask1".."mask4"): 4 or 0. */
int rmn_explain_mask_count(const rmn_net *net);

/* Explains x:(C,S,S) (the net's input shape, one sample): layer -1 is the last convolutional
 * stage (rmn_net_value_last_spatial), cls -1 the predicted class; with masks and a Residual
 * Masking Network also the four mask maps. Runs one eval-mode forward and one backward
 * (parameter gradients are overwritten). RMN_EINVAL for a class out of range or a layer
 * without a spatial gradient. */
int rmn_explain(rmn_net *net, const float *x, int layer, int cls, rmn_cam_method method,
                int masks, rmn_explanation *out);
void rmn_explanation_free(rmn_explanation *e);

#endif

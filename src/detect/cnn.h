/* cnn.h -- the few inference kernels the face-api networks need, over NHWC float maps (the
 * layout of their TensorFlow.js weights: filters (R,S,C,K), depthwise (R,S,C,1), 1x1 (C,K)),
 * computed as TensorFlow.js's cpu backend does (same padding rules, same operation order in
 * leaky ReLU and bilinear resize), so outputs can be checked against it. The networks run
 * their convolutions and pools through cnn_layer.h (oneDNN); the plain loops here are its
 * reference (tests/test-cnn). The input resizing and NMS are the networks' own.
 *
 * Shape contracts are in each comment; callers own every buffer. */
#ifndef RMN_DETECT_CNN_H
#define RMN_DETECT_CNN_H

#include "image/image.h"

#include <stddef.h>

/* TensorFlow's 'same' padding for one axis: out = ceil(in/stride), *before = floor(total/2). */
void rmn_cnn_same(int in, int k, int stride, int *out, int *before);

/* y:(P,Q,K) = conv(x:(H,W,C), w:(R,S,C,K)) + b:(K), stride st, zero padding pt (top), pl
 * (left); P, Q given by the caller (padding after is implied). */
void rmn_cnn_conv(float *y, const float *x, const float *w, const float *b, int H, int W, int C,
                  int K, int R, int S, int st, int pt, int pl, int P, int Q);
/* y:(P,Q,C) = depthwise conv of x:(H,W,C) with w:(R,S,C,1), no bias; padding as above. */
void rmn_cnn_depthwise(float *y, const float *x, const float *w, int H, int W, int C, int R, int S,
                       int st, int pt, int pl, int P, int Q);
/* y:(n,K) = x:(n,C) w:(C,K) + b:(K) (b may be NULL). */
void rmn_cnn_pointwise(float *y, const float *x, const float *w, const float *b, int n, int C, int K);
/* In place over n values: leaky ReLU relu(x - a x) + a x with a = 0.1 (face-api's). */
void rmn_cnn_leaky(float *x, size_t n);
/* In place: relu6 (min(max(x,0),6)). */
void rmn_cnn_relu6(float *x, size_t n);
/* y:(P,Q,C) = max pool k x k, stride st, 'same' (padded cells ignored) over x:(H,W,C). */
void rmn_cnn_maxpool_same(float *y, const float *x, int H, int W, int C, int k, int st, int *P, int *Q);
/* y:(oh,ow,C) = tf.image.resizeBilinear(x:(H,W,C), [oh, ow], alignCorners false,
 * halfPixelCenters false). */
void rmn_cnn_resize_bilinear(float *y, const float *x, int H, int W, int C, int oh, int ow);

/* y:(oh,ow,3) = rmn_cnn_resize_bilinear of the side x side RGB canvas (zeros) with img (gray:
 * its value in the three channels) pasted at (ox, oy), without making the canvas: face-api's
 * padToSquare + resizeBilinear of a face or a frame. RMN_ENOMEM only. */
int rmn_cnn_resize_image(float *y, const rmn_image *img, int side, int ox, int oy, int oh, int ow);

/* In place over x:(n,3): (x - mean[c]) / div, face-api's input normalisation. */
void rmn_cnn_normalize(float *x, size_t n, const float *mean, float div);

/* A detection in image pixels (x1, y1 exclusive edges as face-api's Box) with its score. */
typedef struct {
    float x0, y0, x1, y1, score;
} rmn_cnn_box;

/* face-api's nonMaxSuppression: repeatedly keeps the best remaining box and drops those whose
 * IoU with it exceeds iou (areas without +1); keeps the kept boxes in b[0..*n), best first. */
void rmn_cnn_nms(rmn_cnn_box *b, int *n, float iou);

#endif

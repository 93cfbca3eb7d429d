/* tinyface.h -- face-api's Tiny Face Detector (a Tiny-YOLOv2 on depthwise-separable convs) on
 * its TensorFlow.js weights (tiny_face_detector_model), as face-api computes it:
 *   the RGB image padded with zeros at the bottom or right to a square, resized bilinearly
 *   (tf.image.resizeBilinear) to input_size (default 416, a multiple of 32), (x - mean) / 255
 *   with mean (117.001, 114.697, 97.404);
 *   conv0 3x3 valid 3->16 + leaky, then five times [maxpool 2/2 same, pad 1 + depthwise 3x3 +
 *   pointwise + bias + leaky] (16->32->64->128->256->512), maxpool 2/1 same, conv8 1x1 ->25;
 *   the (S,S,5 anchors,5) head: score sigmoid(t4) > threshold, centre ((col|row) +
 *   sigmoid(t0|t1)) / S, size exp(t2|t3) * anchor / S, corrected for the padding; NMS IoU 0.4.
 * Boxes come back in image pixels (unclipped, as face-api's FaceDetection.box).
 *
 * The convolutions and pools run on oneDNN (cnn_layer.h), made for an input size at its first
 * use (again when it changes); a net keeps its layers and maps, so it runs on one thread at a
 * time.
 *
 * Ownership: rmn_tinyface_load returns an owned net (rmn_tinyface_free); *boxes is malloc'ed. */
#ifndef RMN_DETECT_TINYFACE_H
#define RMN_DETECT_TINYFACE_H

#include "detect/cnn.h"
#include "image/image.h"

typedef struct rmn_tinyface rmn_tinyface;

/* Reads DIR/tiny_face_detector_model-weights_manifest.json and its shard. */
int  rmn_tinyface_load(const char *dir, rmn_tinyface **net);
void rmn_tinyface_free(rmn_tinyface *net);
/* Faces of img (gray or RGB), best first. */
int  rmn_tinyface_detect(rmn_tinyface *net, const rmn_image *img, int input_size, float threshold,
                         rmn_cnn_box **boxes, int *n);

#endif

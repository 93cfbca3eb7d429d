/* ssd.h -- face-api's SSD MobileNet v1 face detector on its TensorFlow.js weights
 * (ssd_mobilenetv1_model), as face-api computes it:
 *   the RGB image padded with zeros at the bottom or right to a square, resized bilinearly to
 *   512x512, x / 127.5 - 1;
 *   MobileNet v1: conv 3x3/2 3->32 + offset + relu6, then 13 x [depthwise 3x3 'same' (stride 2
 *   at layers 2, 4, 6, 12) + batch norm (eps 1e-3) + relu6, pointwise + offset + relu6]
 *   (32,64,128,128,256,256,512 x6,1024,1024); layer 11's output (32x32x512) and the last
 *   (16x16x1024) feed the head; 8 more convs (1x1, then 3x3/2, each + offset + relu6) make
 *   8x8, 4x4, 2x2, 1x1 maps;
 *   six box predictors (1x1 convs: 4 box and 3 class numbers per anchor; 3 anchors on the
 *   first map, 6 on the others: 5118 boxes), decoded against the prior boxes stored in the
 *   weights (Output/extra_dim) with variances 10, 10, 5, 5; score sigmoid(class 1);
 *   NMS at IoU 0.5 over scores above min_confidence (face-api's own greedy variant), at
 *   most 100; boxes clipped to [0, 1], corrected for the padding.
 * Boxes come back in image pixels, best first.
 *
 * The convolutions run on oneDNN (cnn_layer.h), made at load, the depthwise batch norms folded
 * into their weights and a bias; a net keeps its layers and maps, so it runs on one thread at
 * a time.
 *
 * Ownership: rmn_ssd_load returns an owned net (rmn_ssd_free); *boxes is malloc'ed. */
#ifndef RMN_DETECT_SSD_H
#define RMN_DETECT_SSD_H

#include "detect/cnn.h"
#include "image/image.h"

typedef struct rmn_ssd rmn_ssd;

/* Reads DIR/ssd_mobilenetv1_model-weights_manifest.json and its shard. */
int  rmn_ssd_load(const char *dir, rmn_ssd **net);
void rmn_ssd_free(rmn_ssd *net);
int  rmn_ssd_detect(rmn_ssd *net, const rmn_image *img, float min_confidence, rmn_cnn_box **boxes, int *n);

#endif

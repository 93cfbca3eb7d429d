/* facenet.h -- face-api's face processors on its TensorFlow.js weights: the 68-point landmark
 * net (face_landmark_68_model) and the face-expression net (face_expression_model). Both are
 * face-api's FaceFeatureExtractor + one fully connected layer:
 *   the RGB face image padded to a square on both sides (centred), resized bilinearly to
 *   112x112, (x - (122.782, 117.001, 104.298)) / 255;
 *   four dense blocks (32, 64, 128, 256 channels; each: a stride-2 conv -- 3x3 in the first,
 *   depthwise-separable after -- then three depthwise-separable 3x3 convs, with relu over the
 *   running sums of the block's outputs), avgpool 7/2 valid -> 256; fc 256 -> 136 or 7.
 * Landmarks: the fc's outputs times 112, less the padding, over the face's size: (x, y)
 * pairs relative to the face image, as FaceLandmark68Net.postProcess; expressions: softmax in
 * face-api's order neutral, happy, sad, angry, fearful, disgusted, surprised.
 *
 * The convolutions run on oneDNN (cnn_layer.h); a net keeps its layers and maps, so it runs on
 * one thread at a time.
 *
 * Ownership: rmn_facenet_load returns an owned net (rmn_facenet_free). */
#ifndef RMN_DETECT_FACENET_H
#define RMN_DETECT_FACENET_H

#include "image/image.h"

typedef struct rmn_facenet rmn_facenet;

enum { RMN_FACENET_LANDMARKS = 0, RMN_FACENET_EXPRESSION = 1 };

/* face-api's expression index -> FER2013's (angry 0, disgust 1, fear 2, happy 3, sad 4,
 * surprise 5, neutral 6). */
extern const int RMN_FACENET_TO_FER[7];

/* kind RMN_FACENET_LANDMARKS or _EXPRESSION, from DIR's manifest. */
int  rmn_facenet_load(const char *dir, int kind, rmn_facenet **net);
void rmn_facenet_free(rmn_facenet *net);
/* out: 136 relative landmark coordinates (x0 y0 x1 y1 ...) or 7 probabilities, for the face
 * image img (gray or RGB, any size). */
int  rmn_facenet_run(rmn_facenet *net, const rmn_image *img, float *out);

#endif

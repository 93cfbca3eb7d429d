/* figure.h -- from a photo or a FER2013 image to the net's input, and from an explanation to
 * its picture (what rmn-explain and rmn-detect --explain write).
 *
 * Faces: a photo is a face as it is (its centred square, the thesis's crop resize) or, with a
 * cascade, its largest detected face (the square crop rmn-detect makes, detect/face.h). The
 * input is the gray crop resized to the model's side S, /255, copied into its channels (as
 * detect/model.h classifies). */
#ifndef RMN_EXPLAIN_FIGURE_H
#define RMN_EXPLAIN_FIGURE_H

#include <stdint.h>

#include "detect/cascade.h"
#include "detect/detect.h"
#include "detect/face.h"
#include "detect/faces.h"
#include "explain/cam.h"
#include "image/image.h"

/* face:(s, s) from img (gray or RGB): with cascade (non-NULL) its largest face found with
 * params p, else the centred square of the whole image. RMN_ENOTFOUND when no face is found. */
int rmn_explain_face(const rmn_image *img, const rmn_cascade *cascade,
                     const rmn_detect_params *p, int s, uint8_t *face);
/* x:(channels, s, s) = face:(s, s) / 255 in each channel */
void rmn_explain_input(const uint8_t *face, int s, int channels, float *x);

/* img (allocated) = the face, the Grad-CAM map and (when e has them) the four mask maps, with
 * titles, colour bar and a caption naming the model, prediction, class and layer. labels:
 * the class names (e->classes of them). */
int rmn_explain_draw(rmn_image *img, const uint8_t *face, const rmn_explanation *e,
                     const char *const *labels, const char *arch, const char *layer,
                     rmn_cam_method method, const char *face_title);

/* Blends map:(s, s) (scaled from 0 to its maximum, jet, alpha 0.5) over box b of rgb (RGB),
 * sampling the map bilinearly at each box pixel's centre. */
void rmn_explain_overlay(rmn_image *rgb, rmn_box b, const float *map, int s);
/* rmn-detect --explain: the Grad-CAM (method; the default layer, the predicted class) of each
 * face (as rmn-detect crops and classifies it) blended over its box in rgb, a copy of img. */
int rmn_explain_faces(rmn_detect_model *m, const rmn_image *img, const rmn_face *faces, int n,
                      rmn_cam_method method, rmn_image *rgb);

#endif

/* faces.h -- the whole rmn-detect step for one image: detect faces with a cascade, make the
 * thesis's square crops, classify each with the emotion model (optional), draw the result,
 * and describe it as JSON with the rmn package's field names (reference/thesis.md section 7):
 * per face xmin, ymin, xmax, ymax, emo_label, emo_proba and proba_list, a list of 7 one-key
 * objects [{"angry": p0}, ..., {"neutral": p6}].
 *
 * Ownership: rmn_detect_faces returns a malloc'ed array (free() it); rmn_detect_json returns
 * a new jansson reference (json_decref it). */
#ifndef RMN_DETECT_FACES_H
#define RMN_DETECT_FACES_H

#include "detect/cascade.h"
#include "detect/detect.h"
#include "detect/face.h"
#include "detect/model.h"
#include "image/image.h"

#include <jansson.h>

typedef struct {
    rmn_rect detection; /* the cascade's grouped rectangle */
    rmn_box  box;       /* square, 1.1x, clamped to the image */
    int      label;     /* argmax of proba; -1 without a model */
    float    proba[RMN_DETECT_MAX_CLASSES];
} rmn_face;

/* Faces of img (gray or RGB), sorted by (xmin, ymin); model may be NULL (faces only). Faces
 * whose clamped box is under 10 px on a side are dropped. */
int rmn_detect_faces(const rmn_cascade *c, const rmn_detect_params *p, rmn_detect_model *model,
                     const rmn_image *img, rmn_face **faces, int *n);

/* The same from given detections rects[0..nr) (any detector's, in img's pixels) and img's gray
 * version gray (rmn_image_to_gray). */
int rmn_detect_faces_in(const rmn_rect *rects, int nr, const rmn_image *gray, rmn_detect_model *model,
                        const rmn_image *img, rmn_face **faces, int *n);

/* Draws each box (RGB 179,255,179, 2 px) and, with a model, the label "LABEL NN" (NN the
 * percentage, truncated) on a (255,128,223) background at the box's top-right corner, as the
 * thesis's RMN.draw; the label is moved inside the image when it would leave it. img must be
 * RGB (convert with rmn_image_to_rgb). */
void rmn_detect_draw(rmn_image *img, const rmn_face *faces, int n, const rmn_detect_model *model);

/* {"image": path, "width", "height", "faces": [...]}; model NULL leaves out the emotion
 * fields. NULL on allocation failure. */
json_t *rmn_detect_json(const char *path, const rmn_image *img, const rmn_face *faces, int n,
                        const rmn_detect_model *model);

#endif

/* face.h -- from a detection to the emotion model's input, as the thesis's rmn package does it
 * (reference/thesis.md section 7):
 *   convert_to_square: centre = floor midpoints, half = floor(floor((w + h) / 2) / 2) * 1.1,
 *   box = trunc(centre -/+ half), a square of side ~1.1 x the mean side;
 *   then clamped to the image (the package clamps xmin, ymin at 0 and numpy slicing clamps
 *   xmax, ymax), and faces whose crop is under 10 px on a side are skipped;
 *   the crop gray[ymin:ymax, xmin:xmax] (gray = 0.299 R + 0.587 G + 0.114 B) is resized
 *   bilinearly (OpenCV pixel-centre mapping) to the model's input side. */
#ifndef RMN_DETECT_FACE_H
#define RMN_DETECT_FACE_H

#include "detect/detect.h"
#include "image/image.h"

#define RMN_FACE_MIN_SIDE 10

typedef struct {
    int xmin, ymin, xmax, ymax; /* max exclusive */
} rmn_box;

/* The thesis's convert_to_square of (xmin, ymin, xmax, ymax), not clamped. */
rmn_box rmn_face_square(int xmin, int ymin, int xmax, int ymax);
/* Clamps to [0, w] x [0, h]; returns 1 when both sides are >= RMN_FACE_MIN_SIDE, else 0. */
int rmn_face_clamp(rmn_box *b, int w, int h);
/* out:(size, size) = bilinear resize of gray's crop b (b inside the image, non-empty). */
void rmn_face_crop(const rmn_image *gray, rmn_box b, int size, uint8_t *out);

#endif

/* align.h -- eyes made level with face-api's 68 landmarks (iBUG order: points 36-41 one eye,
 * 42-47 the other): the angle of the line through the two eye centres, and a bilinear rotation
 * of a gray plane by it about a centre (borders replicated), so that the thesis's square crop
 * then sees an upright face. */
#ifndef RMN_DETECT_ALIGN_H
#define RMN_DETECT_ALIGN_H

#include <stdint.h>

/* lm: 136 landmark coordinates relative to a w x h face image (x0 y0 x1 y1 ...), as
 * rmn_facenet_run gives. Returns the eye line's angle in radians (positive: the right-hand eye
 * is lower); *ex, *ey (may be NULL) get the eyes' midpoint in the face image's pixels. */
double rmn_align_eye_angle(const float *lm, int w, int h, double *ex, double *ey);

/* dst:(h,w) = src:(h,w) rotated by -angle about (cx, cy): dst(p) = src(c + R(angle)(p - c)),
 * bilinear, coordinates clamped to the plane; only the pixels of dst in the rectangle
 * [x0, x1) x [y0, y1) are written (the face crop that reads them; 0, 0, w, h: all). */
void rmn_align_rotate(const uint8_t *src, int w, int h, double angle, double cx, double cy, uint8_t *dst, int x0,
                      int y0, int x1, int y1);

#endif

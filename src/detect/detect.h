/* detect.h -- multi-scale object detection with a cascade, as OpenCV's
 * CascadeClassifier::detectMultiScale does it, and OpenCV's groupRectangles.
 *
 * Scanning: scales 1, f, f^2, ... while the window (round(win*scale)) fits in the image and in
 * max size (scales whose window is below min size are skipped); at each scale the gray image is
 * resized bilinearly to round(size/scale), integral images (plus squared and tilted for HAAR)
 * are computed, and windows are tried every 2 pixels (every pixel once scale >= 2), skipping one
 * more step after a window rejected by the first stage. An accepted window at (x, y) becomes
 * the rectangle (round(x*scale), round(y*scale), round(win_w*scale), round(win_h*scale)).
 * Grouping (groupRectangles, eps 0.2): rectangles are joined into classes by the similarity
 * |dx0|,|dy0|,|dx1|,|dy1| <= eps*(min(w1,w2)+min(h1,h2))/2 (transitively), each class is
 * averaged, classes with <= min_neighbors members are dropped, and so are classes lying within
 * eps of a bigger class that has more than max(3, n) members (or when n < 3). min_neighbors 0
 * returns the raw rectangles. */
#ifndef RMN_DETECT_DETECT_H
#define RMN_DETECT_DETECT_H

#include "detect/cascade.h"
#include "image/image.h"

typedef struct {
    int x, y, w, h;
} rmn_rect;

typedef struct {
    double scale_factor;  /* > 1; default 1.1 */
    int    min_neighbors; /* default 3 */
    int    min_w, min_h;  /* smallest object; 0: the cascade window */
    int    max_w, max_h;  /* largest object; 0: the image */
} rmn_detect_params;

void rmn_detect_params_default(rmn_detect_params *p);
/* Sets p from the command-line option `name` ("scale-factor": (1, 4]; "min-neighbors":
 * 0..1000; "min-size": a non-negative integer, both sides) and its text: NULL, or the usage
 * message naming the bound (thread-local storage, valid until the next call); p is unchanged
 * on failure. */
const char *rmn_detect_params_option(rmn_detect_params *p, const char *name, const char *text);

/* All accepted windows (before grouping) on a gray plane gray:(h, w). *rects is malloc'ed
 * (free() it), NULL when *n is 0. */
int rmn_cascade_scan(const rmn_cascade *c, const uint8_t *gray, int w, int h,
                     const rmn_detect_params *p, rmn_rect **rects, int *n);

/* groupRectangles(rects, min_neighbors, eps) in place: *n becomes the number of groups;
 * neighbors (capacity *n, may be NULL) receives each group's member count. */
int rmn_group_rects(rmn_rect *rects, int *n, int min_neighbors, double eps, int *neighbors);

/* scan + group (eps 0.2) on any image (converted to gray first). */
int rmn_cascade_detect(const rmn_cascade *c, const rmn_image *img, const rmn_detect_params *p,
                       rmn_rect **rects, int *n);

/* Evaluates the cascade on the window at (x, y) of one integral-image set (for tests):
 * *result is 1 if accepted, else -(index of the rejecting stage), or -1 for a window rejected
 * by the variance test. sum/sqsum/tilted:(h+1, stride) as in integral.h (sqsum for HAAR,
 * tilted when the cascade has tilted features). */
int rmn_cascade_eval_window(const rmn_cascade *c, const uint32_t *sum, const uint32_t *sqsum,
                            const uint32_t *tilted, int stride, int x, int y, int *result);

#endif

/* integral.h -- integral images for the Viola-Jones evaluators, with OpenCV's conventions.
 *
 * For an 8-bit plane I:(h, w), each output is (h+1, w+1) with row stride `stride` (>= w+1):
 *   sum(X, Y)    = sum of I(x, y) over x < X, y < Y
 *   sqsum(X, Y)  = the same over I(x, y)^2
 *   tilted(X, Y) = sum of I(x, y) over y < Y, |x - X + 1| <= Y - y - 1 (the 45-degree triangle
 *                  above pixel (X-1, Y-1)), used for tilted Haar features.
 * Values are uint32 and wrap modulo 2^32 on huge images; differences of four corners (what
 * the evaluators use) are exact while the true window sum fits in 32 bits.
 * An upright rectangle (x, y, w, h) sums to s(x,y) - s(x+w,y) - s(x,y+h) + s(x+w,y+h); a
 * tilted one to t(x,y) - t(x-h,y+h) - t(x+w,y+w) + t(x+w-h,y+w+h) (2wh pixels). */
#ifndef RMN_DETECT_INTEGRAL_H
#define RMN_DETECT_INTEGRAL_H

#include <stdint.h>

/* img:(h, istride) sum, sqsum, tilted:(h+1, stride); sqsum and tilted may be NULL. w >= 1. */
void rmn_integral(const uint8_t *img, int w, int h, int istride, uint32_t *sum, uint32_t *sqsum,
                  uint32_t *tilted, int stride);

#endif

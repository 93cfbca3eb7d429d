/* integral.c -- integral, squared and tilted integral images (see integral.h). */
#include "detect/integral.h"

#include <string.h>

void rmn_integral(const uint8_t *img, int w, int h, int istride, uint32_t *sum, uint32_t *sqsum,
                  uint32_t *tilted, int stride) {
    memset(sum, 0, sizeof *sum * (size_t)(w + 1));
    if (sqsum)
        memset(sqsum, 0, sizeof *sqsum * (size_t)(w + 1));
    for (int y = 0; y < h; ++y) {
        const uint8_t *row = img + (size_t)y * istride;
        uint32_t *s = sum + (size_t)(y + 1) * stride, *sp = s - stride;
        uint32_t acc = 0;
        s[0] = 0;
        for (int x = 0; x < w; ++x) {
            acc += row[x];
            s[x + 1] = sp[x + 1] + acc;
        }
        if (sqsum) {
            uint32_t *q = sqsum + (size_t)(y + 1) * stride, *qp = q - stride;
            uint32_t qacc = 0;
            q[0] = 0;
            for (int x = 0; x < w; ++x) {
                qacc += (uint32_t)row[x] * row[x];
                q[x + 1] = qp[x + 1] + qacc;
            }
        }
    }
    if (!tilted)
        return;
    /* T(X,Y) = T(X-1,Y-1) + T(X+1,Y-1) - T(X,Y-2) + I(X-1,Y-1) + I(X-1,Y-2), with the triangles
     * that hang over the left/right border folded back: T(0,Y) = T(1,Y-1) and
     * T(W+1,Y-1) = T(W,Y-2). */
    memset(tilted, 0, sizeof *tilted * (size_t)(w + 1));
    for (int Y = 1; Y <= h; ++Y) {
        uint32_t *t = tilted + (size_t)Y * stride;
        const uint32_t *t1 = t - stride;                      /* row Y-1 */
        const uint32_t *t2 = Y >= 2 ? t - 2 * stride : NULL;  /* row Y-2 */
        const uint8_t *i1 = img + (size_t)(Y - 1) * istride;  /* pixel row Y-1 */
        const uint8_t *i2 = Y >= 2 ? i1 - istride : NULL;     /* pixel row Y-2 */
        t[0] = w >= 1 ? t1[1] : 0;
        for (int X = 1; X <= w; ++X) {
            uint32_t right = X < w ? t1[X + 1] : (t2 ? t2[w] : 0);
            uint32_t v = t1[X - 1] + right + i1[X - 1];
            if (t2)
                v += i2[X - 1] - t2[X];
            t[X] = v;
        }
    }
}

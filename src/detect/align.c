/* align.c -- eye-level alignment from 68 landmarks (see align.h). */
#include "detect/align.h"

#include <math.h>

double rmn_align_eye_angle(const float *lm, int w, int h, double *ex, double *ey) {
    double lx = 0, ly = 0, rx = 0, ry = 0;
    for (int i = 36; i < 42; ++i) {
        lx += lm[2 * i] * w / 6.0;
        ly += lm[2 * i + 1] * h / 6.0;
        rx += lm[2 * (i + 6)] * w / 6.0;
        ry += lm[2 * (i + 6) + 1] * h / 6.0;
    }
    if (ex)
        *ex = (lx + rx) / 2;
    if (ey)
        *ey = (ly + ry) / 2;
    return atan2(ry - ly, rx - lx);
}

void rmn_align_rotate(const uint8_t *src, int w, int h, double angle, double cx, double cy, uint8_t *dst, int rx0,
                      int ry0, int rx1, int ry1) {
    double c = cos(angle), s = sin(angle);
    for (int y = ry0; y < ry1; ++y)
        for (int x = rx0; x < rx1; ++x) {
            double dx = x - cx, dy = y - cy;
            double sx = cx + c * dx - s * dy, sy = cy + s * dx + c * dy;
            sx = sx < 0 ? 0 : sx > w - 1 ? w - 1 : sx;
            sy = sy < 0 ? 0 : sy > h - 1 ? h - 1 : sy;
            int x0 = (int)sx, y0 = (int)sy, x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
            double fx = sx - x0, fy = sy - y0;
            double v = (1 - fy) * ((1 - fx) * src[y0 * w + x0] + fx * src[y0 * w + x1]) +
                       fy * ((1 - fx) * src[y1 * w + x0] + fx * src[y1 * w + x1]);
            dst[y * w + x] = (uint8_t)(v + 0.5);
        }
}

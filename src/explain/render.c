/* render.c -- the explanation figures (see render.h): tiles drawn with image/draw's 5x7 font. */
#include "explain/render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

static double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

rmn_rgb rmn_colormap_jet(double v) {
    v = clamp01(v);
    const double r = clamp01(1.5 - fabs(4 * v - 3)), g = clamp01(1.5 - fabs(4 * v - 2)),
                 b = clamp01(1.5 - fabs(4 * v - 1));
    return (rmn_rgb){(uint8_t)lround(255 * r), (uint8_t)lround(255 * g), (uint8_t)lround(255 * b)};
}

enum { PAD = 8, TITLE_H = 2 * 8 + 6, CAPTION_H = 8 + 8, BAR_W = 16, BAR_LABEL_W = 6 * 4 + 4 };

static void put(rmn_image *img, int x, int y, rmn_rgb c) {
    uint8_t *p = img->data + ((size_t)y * img->w + x) * 3;
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
}

/* Tile at (x0, y0) of side t: the face, blended with map m (if any) scaled from lo..hi. */
static void tile(rmn_image *img, int x0, int y0, int t, const uint8_t *face, int s,
                 const float *m, double lo, double hi) {
    const int scale = t / s;
    for (int y = 0; y < t; ++y)
        for (int x = 0; x < t; ++x) {
            const size_t i = (size_t)(y / scale) * s + (size_t)(x / scale);
            const double gray = face[i];
            rmn_rgb c = {face[i], face[i], face[i]};
            if (m) {
                const rmn_rgb k = rmn_colormap_jet(hi > lo ? (m[i] - lo) / (hi - lo) : 0);
                c = (rmn_rgb){(uint8_t)lround(0.5 * gray + 0.5 * k.r),
                              (uint8_t)lround(0.5 * gray + 0.5 * k.g),
                              (uint8_t)lround(0.5 * gray + 0.5 * k.b)};
            }
            put(img, x0 + x, y0 + y, c);
        }
}

int rmn_explain_figure(rmn_image *img, const uint8_t *face, int s, const rmn_figure_map *maps,
                       int n, const char *face_title, const char *caption) {
    const int scale = s < 192 ? 192 / s : 1, t = s * scale;
    const int w = PAD + (n + 1) * (t + PAD) + BAR_W + BAR_LABEL_W + PAD,
              h = PAD + TITLE_H + t + PAD + CAPTION_H;
    RMN_TRY(rmn_image_init(img, w, h, 3));
    const rmn_rgb white = {255, 255, 255}, black = {0, 0, 0};
    rmn_draw_fill(img, 0, 0, w - 1, h - 1, white);
    const int y0 = PAD + TITLE_H;
    tile(img, PAD, y0, t, face, s, NULL, 0, 0);
    rmn_draw_text(img, PAD, PAD, face_title ? face_title : "input", 1, black);
    char line[96];
    for (int k = 0; k < n; ++k) {
        const size_t cnt = (size_t)s * s;
        double lo = 0, hi = 0, mn = maps[k].map[0];
        for (size_t i = 0; i < cnt; ++i) {
            hi = fmax(hi, maps[k].map[i]);
            mn = fmin(mn, maps[k].map[i]);
        }
        if (maps[k].minmax)
            lo = mn;
        if (maps[k].minmax && hi == lo) /* a flat map: one colour */
            hi = lo + 1;
        const int x0 = PAD + (k + 1) * (t + PAD);
        tile(img, x0, y0, t, face, s, maps[k].map, lo, hi);
        snprintf(line, sizeof line, "%s", maps[k].title);
        rmn_draw_text(img, x0, PAD, line, 1, black);
        snprintf(line, sizeof line, "%.4g .. %.4g", lo, hi);
        rmn_draw_text(img, x0, PAD + 10, line, 1, black);
    }
    /* colour bar: high at the top */
    const int bx = PAD + (n + 1) * (t + PAD);
    for (int y = 0; y < t; ++y) {
        const rmn_rgb c = rmn_colormap_jet(1.0 - (double)y / (t - 1 > 0 ? t - 1 : 1));
        for (int x = 0; x < BAR_W; ++x)
            put(img, bx + x, y0 + y, c);
    }
    rmn_draw_text(img, bx + BAR_W + 3, y0, "high", 1, black);
    rmn_draw_text(img, bx + BAR_W + 3, y0 + t - 7, "low", 1, black);
    if (caption)
        rmn_draw_text(img, PAD, y0 + t + PAD, caption, 1, black);
    return RMN_OK;
}

/* draw.c -- rectangles and bitmap text on an rmn_image (see draw.h). */
#include "image/draw.h"

static void put(rmn_image *img, int x, int y, rmn_rgb c) {
    if (x < 0 || y < 0 || x >= img->w || y >= img->h)
        return;
    uint8_t *p = img->data + ((size_t)y * img->w + x) * img->c;
    if (img->c == 1) {
        p[0] = (uint8_t)((4899u * c.r + 9617u * c.g + 1868u * c.b + 8192u) >> 14);
    } else {
        p[0] = c.r;
        p[1] = c.g;
        p[2] = c.b;
    }
}

void rmn_draw_fill(rmn_image *img, int x0, int y0, int x1, int y1, rmn_rgb color) {
    if (x0 > x1) {
        int t = x0;
        x0 = x1;
        x1 = t;
    }
    if (y0 > y1) {
        int t = y0;
        y0 = y1;
        y1 = t;
    }
    if (x0 < 0)
        x0 = 0;
    if (y0 < 0)
        y0 = 0;
    if (x1 >= img->w)
        x1 = img->w - 1;
    if (y1 >= img->h)
        y1 = img->h - 1;
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x)
            put(img, x, y, color);
}

void rmn_draw_rect(rmn_image *img, int x0, int y0, int x1, int y1, rmn_rgb color, int thickness) {
    if (thickness < 1)
        thickness = 1;
    /* centred on the box edge like cv2.rectangle: thickness 2 covers edge-1 .. edge */
    int lo = thickness / 2, hi = (thickness - 1) / 2;
    rmn_draw_fill(img, x0 - lo, y0 - lo, x1 + hi, y0 + hi, color); /* top */
    rmn_draw_fill(img, x0 - lo, y1 - lo, x1 + hi, y1 + hi, color); /* bottom */
    rmn_draw_fill(img, x0 - lo, y0 - lo, x0 + hi, y1 + hi, color); /* left */
    rmn_draw_fill(img, x1 - lo, y0 - lo, x1 + hi, y1 + hi, color); /* right */
}

int rmn_draw_text_width(const char *text, int scale) {
    int n = 0;
    for (const char *p = text; *p; ++p)
        ++n;
    return n > 0 ? (n * (RMN_FONT_W + 1) - 1) * scale : 0;
}

int rmn_draw_text_height(int scale) {
    return RMN_FONT_H * scale;
}

void rmn_draw_text(rmn_image *img, int x, int y, const char *text, int scale, rmn_rgb color) {
    if (scale < 1)
        scale = 1;
    for (const char *p = text; *p; ++p, x += (RMN_FONT_W + 1) * scale) {
        const uint8_t *g = rmn_font5x7_glyph((unsigned char)*p);
        for (int col = 0; col < RMN_FONT_W; ++col)
            for (int row = 0; row < RMN_FONT_H; ++row)
                if (g[col] >> row & 1)
                    rmn_draw_fill(img, x + col * scale, y + row * scale, x + col * scale + scale - 1,
                                  y + row * scale + scale - 1, color);
    }
}

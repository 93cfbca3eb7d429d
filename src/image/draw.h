/* draw.h -- drawing on an rmn_image: rectangle outlines, filled rectangles and text in a 5x7
 * bitmap font (printable ASCII, scaled by an integer factor). Everything is clipped to the
 * image; on a gray image a colour is drawn as its gray value. */
#ifndef RMN_IMAGE_DRAW_H
#define RMN_IMAGE_DRAW_H

#include "image/image.h"

typedef struct {
    uint8_t r, g, b;
} rmn_rgb;

/* Outline of the box with corners (x0,y0) and (x1,y1) (inclusive), thickness pixels wide,
 * drawn inwards from the outer edge as cv2.rectangle does for even thickness around the line. */
void rmn_draw_rect(rmn_image *img, int x0, int y0, int x1, int y1, rmn_rgb color, int thickness);
/* Filled box, corners inclusive. */
void rmn_draw_fill(rmn_image *img, int x0, int y0, int x1, int y1, rmn_rgb color);

/* The 5x7 font: glyph cells are 6x8 (one column and one row of spacing) times scale. */
#define RMN_FONT_W 5
#define RMN_FONT_H 7
int rmn_draw_text_width(const char *text, int scale);
int rmn_draw_text_height(int scale);
/* Text with its top-left corner at (x, y); characters outside ' '..'~' are drawn as '?'. */
void rmn_draw_text(rmn_image *img, int x, int y, const char *text, int scale, rmn_rgb color);

/* Column bitmaps of the glyph for c (bit 0 = top row); '?' for unprintable c. */
const uint8_t *rmn_font5x7_glyph(int c);

#endif

/* face.c -- the thesis's square face box and crop (see face.h). */
#include "detect/face.h"

#include "core/error.h"

static int floor_div(int a, int b) {
    int q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

rmn_box rmn_face_square(int xmin, int ymin, int xmax, int ymax) {
    int cx = floor_div(xmin + xmax, 2), cy = floor_div(ymin + ymax, 2);
    int half_i = floor_div(floor_div((xmax - xmin) + (ymax - ymin), 2), 2);
    double half = half_i * 1.1;
    rmn_box b = {(int)(cx - half), (int)(cy - half), (int)(cx + half), (int)(cy + half)};
    return b; /* (int) truncates toward zero, as Python's int() */
}

int rmn_face_clamp(rmn_box *b, int w, int h) {
    if (b->xmin < 0)
        b->xmin = 0;
    if (b->ymin < 0)
        b->ymin = 0;
    if (b->xmax > w)
        b->xmax = w;
    if (b->ymax > h)
        b->ymax = h;
    return b->xmax - b->xmin >= RMN_FACE_MIN_SIDE && b->ymax - b->ymin >= RMN_FACE_MIN_SIDE;
}

void rmn_face_crop(const rmn_image *gray, rmn_box b, int size, uint8_t *out) {
    RMN_ASSERT(gray->c == 1 && b.xmin >= 0 && b.ymin >= 0 && b.xmax <= gray->w &&
               b.ymax <= gray->h && b.xmax > b.xmin && b.ymax > b.ymin && size > 0);
    const uint8_t *src = gray->data + (size_t)b.ymin * gray->w + b.xmin;
    rmn_image_resize_u8(src, b.xmax - b.xmin, b.ymax - b.ymin, gray->w, out, size, size);
}

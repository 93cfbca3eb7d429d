/* make-image-seeds.c -- writes the PNG and JPEG seeds of tests/fuzz/corpus/ with the library's
 * own writers (gray and RGB, odd sizes). Built and run by hand from the build tree:
 *   gcc -std=c11 -Isrc -I. tests/fuzz/make-image-seeds.c src/librmn.a -lpng16 -ljpeg -lm \
 *       -o /tmp/mkseeds && /tmp/mkseeds tests/fuzz/corpus */
#include <stdio.h>

#include "image/image.h"

static int write_one(const char *dir, const char *name, int w, int h, int c) {
    rmn_image img;
    if (rmn_image_init(&img, w, h, c) != 0)
        return 1;
    for (int i = 0; i < w * h * c; ++i)
        img.data[i] = (unsigned char)(i * 37 + 11);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = rmn_image_save(path, &img);
    rmn_image_free(&img);
    return rc != 0;
}

int main(int argc, char **argv) {
    if (argc != 2)
        return 2;
    char png[512], jpg[512];
    snprintf(png, sizeof png, "%s/png", argv[1]);
    snprintf(jpg, sizeof jpg, "%s/jpeg", argv[1]);
    return write_one(png, "gray-5x3.png", 5, 3, 1) | write_one(png, "rgb-4x4.png", 4, 4, 3) |
           write_one(jpg, "gray-8x8.jpg", 8, 8, 1) | write_one(jpg, "rgb-17x9.jpg", 17, 9, 3);
}

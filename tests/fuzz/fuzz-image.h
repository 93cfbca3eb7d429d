/* fuzz-image.h -- the body shared by the PNG and JPEG fuzz targets: the input as a file of
 * `suffix` decoded by `load` (or, for odd sizes, by the sniffing rmn_image_load). A decoded
 * image must be gray or RGB within RMN_IMAGE_MAX_PIXELS, and every pixel is read; it is then
 * converted to gray as rmn-detect does. A failure must leave nothing allocated and a message. */
#ifndef RMN_FUZZ_IMAGE_H
#define RMN_FUZZ_IMAGE_H

#include "fuzz-util.h"

#include "core/error.h"
#include "image/image.h"

static inline int fuzz_image(const uint8_t *data, size_t size, const char *suffix,
                             int (*load)(const char *, rmn_image *)) {
    const char *path = fuzz_file(data, size, suffix);
    rmn_image img, gray;
    memset(&img, 0, sizeof img);
    memset(&gray, 0, sizeof gray);
    rmn_error_clear();
    int rc = size % 2 ? rmn_image_load(path, &img) : load(path, &img);
    if (rc != RMN_OK) {
        if (img.data || !rmn_error_message()[0])
            abort();
        return 0;
    }
    if (img.w <= 0 || img.h <= 0 || (img.c != 1 && img.c != 3) ||
        (uint64_t)img.w * (uint64_t)img.h > RMN_IMAGE_MAX_PIXELS)
        abort();
    unsigned sum = 0;
    for (size_t i = 0; i < (size_t)img.w * (size_t)img.h * (size_t)img.c; ++i)
        sum += img.data[i];
    fuzz_keep(sum);
    if (rmn_image_to_gray(&img, &gray) == RMN_OK)
        rmn_image_free(&gray);
    rmn_image_free(&img);
    return 0;
}

#endif

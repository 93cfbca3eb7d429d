/* image.c -- rmn_image allocation, format sniffing, load/save dispatch, gray/RGB conversion and
 * bilinear resizing (see image.h). The codecs live in png_io.c and jpeg_io.c. */
#include "image/image.h"

#include "core/error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int rmn_image_init(rmn_image *img, int w, int h, int c) {
    memset(img, 0, sizeof *img);
    if (w <= 0 || h <= 0 || (c != 1 && c != 3))
        return RMN_ERROR(RMN_EINVAL, "bad image shape %dx%dx%d", w, h, c);
    if ((uint64_t)w * (uint64_t)h > RMN_IMAGE_MAX_PIXELS)
        return RMN_ERROR(RMN_EINVAL, "image of %dx%d pixels is too large", w, h);
    img->data = calloc((size_t)w * (size_t)h, (size_t)c);
    if (!img->data)
        return RMN_ERROR(RMN_ENOMEM, "cannot allocate a %dx%d image", w, h);
    img->w = w;
    img->h = h;
    img->c = c;
    return RMN_OK;
}

void rmn_image_free(rmn_image *img) {
    if (!img)
        return;
    free(img->data);
    memset(img, 0, sizeof *img);
}

int rmn_image_sniff(const uint8_t *head, size_t n) {
    static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n >= 8 && memcmp(head, png_magic, 8) == 0)
        return RMN_IMAGE_PNG;
    if (n >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
        return RMN_IMAGE_JPEG;
    return RMN_IMAGE_UNKNOWN;
}

int rmn_image_format_for_path(const char *path) {
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return RMN_IMAGE_UNKNOWN;
    if (strcasecmp(dot, ".png") == 0)
        return RMN_IMAGE_PNG;
    if (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0)
        return RMN_IMAGE_JPEG;
    return RMN_IMAGE_UNKNOWN;
}

int rmn_image_load(const char *path, rmn_image *img) {
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    if (!f)
        return RMN_ERROR(RMN_EIO, "%s: cannot open: %s", path, strerror(errno));
    uint8_t head[8];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    switch (rmn_image_sniff(head, n)) {
    case RMN_IMAGE_PNG:
        return rmn_image_load_png(path, img);
    case RMN_IMAGE_JPEG:
        return rmn_image_load_jpeg(path, img);
    default:
        if (n == 0)
            return RMN_ERROR(RMN_EFORMAT, "%s: empty file, not an image", path);
        return RMN_ERROR(RMN_EFORMAT, "%s: not a PNG or JPEG image (unknown signature)", path);
    }
}

int rmn_image_save(const char *path, const rmn_image *img) {
    switch (rmn_image_format_for_path(path)) {
    case RMN_IMAGE_PNG:
        return rmn_image_save_png(path, img);
    case RMN_IMAGE_JPEG:
        return rmn_image_save_jpeg(path, img, 90);
    default:
        return RMN_ERROR(RMN_EINVAL, "%s: unknown image extension (use .png, .jpg or .jpeg)", path);
    }
}

// --- conversions -----------------------------------------------------------------------------

int rmn_image_to_gray(const rmn_image *src, rmn_image *dst) {
    RMN_TRY(rmn_image_init(dst, src->w, src->h, 1));
    size_t n = (size_t)src->w * (size_t)src->h;
    if (src->c == 1) {
        memcpy(dst->data, src->data, n);
        return RMN_OK;
    }
    const uint8_t *s = src->data;
    for (size_t i = 0; i < n; ++i, s += 3)
        dst->data[i] = (uint8_t)((4899u * s[0] + 9617u * s[1] + 1868u * s[2] + 8192u) >> 14);
    return RMN_OK;
}

int rmn_image_to_rgb(const rmn_image *src, rmn_image *dst) {
    RMN_TRY(rmn_image_init(dst, src->w, src->h, 3));
    size_t n = (size_t)src->w * (size_t)src->h;
    if (src->c == 3) {
        memcpy(dst->data, src->data, n * 3);
        return RMN_OK;
    }
    for (size_t i = 0; i < n; ++i)
        dst->data[3 * i] = dst->data[3 * i + 1] = dst->data[3 * i + 2] = src->data[i];
    return RMN_OK;
}

/* Source index and weight of destination coordinate d (OpenCV INTER_LINEAR mapping). */
static void linear_coord(int d, double scale, int ssize, int *s0, int *s1, float *frac) {
    double f = (d + 0.5) * scale - 0.5;
    int s = (int)floor(f);
    float t = (float)(f - s);
    if (s < 0) {
        s = 0;
        t = 0.f;
    }
    if (s >= ssize - 1) {
        s = ssize - 1;
        t = 0.f;
    }
    *s0 = s;
    *s1 = s + 1 < ssize ? s + 1 : s;
    *frac = t;
}

void rmn_image_resize_u8(const uint8_t *src, int sw, int sh, int sstride, uint8_t *dst, int dw,
                         int dh) {
    double sx = (double)sw / dw, sy = (double)sh / dh;
    for (int y = 0; y < dh; ++y) {
        int y0, y1;
        float fy;
        linear_coord(y, sy, sh, &y0, &y1, &fy);
        const uint8_t *r0 = src + (size_t)y0 * sstride, *r1 = src + (size_t)y1 * sstride;
        for (int x = 0; x < dw; ++x) {
            int x0, x1;
            float fx;
            linear_coord(x, sx, sw, &x0, &x1, &fx);
            float top = r0[x0] + fx * (r0[x1] - r0[x0]);
            float bot = r1[x0] + fx * (r1[x1] - r1[x0]);
            float v = top + fy * (bot - top);
            dst[(size_t)y * dw + x] = (uint8_t)(v + 0.5f);
        }
    }
}

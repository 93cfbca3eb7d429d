/* image.h -- 8-bit images in memory, PNG and JPEG files, and the pixel operations rmn-detect
 * needs (gray conversion, bilinear resizing, cropping).
 *
 * An rmn_image is row-major, interleaved, 8 bits per sample: c = 1 (gray) or c = 3 (RGB),
 * stride w*c. Loading converts every PNG/JPEG flavour (palette, 16-bit, alpha, gray+alpha,
 * CMYK) to gray or RGB. Library errors of libpng and libjpeg never exit: both are driven
 * through setjmp/longjmp error managers, and a truncated or corrupt file is RMN_EFORMAT with
 * a message naming the file; a file that cannot be opened is RMN_EIO.
 *
 * Ownership: rmn_image_init and the loaders fill an image that owns its pixels, released by
 * rmn_image_free (safe on a zeroed image); every other function borrows its arguments. */
#ifndef RMN_IMAGE_IMAGE_H
#define RMN_IMAGE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define RMN_IMAGE_MAX_PIXELS (1u << 28) /* larger images are refused (RMN_EFORMAT) */

typedef struct {
    int      w, h, c;
    uint8_t *data; /* (h, w, c) */
} rmn_image;

enum rmn_image_format { RMN_IMAGE_UNKNOWN = 0, RMN_IMAGE_PNG, RMN_IMAGE_JPEG };

/* Allocates a zeroed w x h image with c (1 or 3) channels. */
int  rmn_image_init(rmn_image *img, int w, int h, int c);
void rmn_image_free(rmn_image *img);

/* Format from the first bytes of a file (magic numbers), or RMN_IMAGE_UNKNOWN. */
int rmn_image_sniff(const uint8_t *head, size_t n);
/* Format from a file name's extension (.png, .jpg, .jpeg, any case), or RMN_IMAGE_UNKNOWN. */
int rmn_image_format_for_path(const char *path);

/* Reads a PNG or JPEG file (chosen by content, not by name) into gray or RGB. */
int rmn_image_load(const char *path, rmn_image *img);
int rmn_image_load_png(const char *path, rmn_image *img);
int rmn_image_load_jpeg(const char *path, rmn_image *img);

/* Writes by extension (.png, or .jpg/.jpeg at quality 90); RMN_EINVAL for another one. */
int rmn_image_save(const char *path, const rmn_image *img);
int rmn_image_save_png(const char *path, const rmn_image *img);
int rmn_image_save_jpeg(const char *path, const rmn_image *img, int quality);

// --- pixel operations ------------------------------------------------------------------------

/* dst (allocated here) = gray of src: copy for c=1, else (4899 R + 9617 G + 1868 B + 8192) >> 14,
 * OpenCV's fixed-point form of 0.299 R + 0.587 G + 0.114 B. */
int rmn_image_to_gray(const rmn_image *src, rmn_image *dst);
/* dst (allocated here) = RGB copy of src (gray replicated). */
int rmn_image_to_rgb(const rmn_image *src, rmn_image *dst);

/* Bilinear resize of one 8-bit plane with OpenCV's pixel-centre mapping
 * (sx = (dx + 0.5) * sw / dw - 0.5, clamped to the border), rounded to nearest.
 * src:(sh, sstride) dst:(dh, dw) */
void rmn_image_resize_u8(const uint8_t *src, int sw, int sh, int sstride, uint8_t *dst, int dw,
                         int dh);

#endif

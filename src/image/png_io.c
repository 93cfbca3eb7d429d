/* png_io.c -- PNG reading and writing with libpng's classic API. libpng reports errors by
 * longjmp to the setjmp point of each function (png_jmpbuf); the error callback records the
 * message first, so every failure returns a status and a message naming the file. */
#include "image/image.h"

#include "core/error.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char msg[256];
} png_err_ctx;

static void on_png_error(png_structp png, png_const_charp msg) {
    png_err_ctx *ctx = png_get_error_ptr(png);
    snprintf(ctx->msg, sizeof ctx->msg, "%s", msg ? msg : "unknown libpng error");
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg; /* benign (e.g. an unknown chunk): ignored */
}

int rmn_image_load_png(const char *path, rmn_image *img) {
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    if (!f)
        return RMN_ERROR(RMN_EIO, "%s: cannot open: %s", path, strerror(errno));
    png_err_ctx ctx = {{0}};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_png_error,
                                             on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        fclose(f);
        return RMN_ERROR(RMN_ENOMEM, "%s: cannot create the PNG decoder", path);
    }
    png_bytep *volatile rows = NULL;
    uint8_t *volatile pixels = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(f);
        free(rows);
        free(pixels);
        return RMN_ERROR(RMN_EFORMAT, "%s: corrupt or truncated PNG: %s", path, ctx.msg);
    }
    png_init_io(png, f);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if ((uint64_t)w * h > RMN_IMAGE_MAX_PIXELS) {
        snprintf(ctx.msg, sizeof ctx.msg, "image of %lux%lu pixels is too large", (unsigned long)w,
                 (unsigned long)h);
        png_longjmp(png, 1);
    }
    /* everything to 8-bit gray or RGB */
    if (depth == 16)
        png_set_strip_16(png);
    if (color == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    if (color & PNG_COLOR_MASK_ALPHA || png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    if (channels != 1 && channels != 3) {
        snprintf(ctx.msg, sizeof ctx.msg, "unsupported channel count %d", channels);
        png_longjmp(png, 1);
    }
    pixels = malloc((size_t)w * h * (size_t)channels);
    rows = malloc(sizeof(png_bytep) * h);
    if (!pixels || !rows) {
        snprintf(ctx.msg, sizeof ctx.msg, "out of memory");
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < h; ++y)
        rows[y] = pixels + (size_t)y * w * (size_t)channels;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    free(rows);
    img->w = (int)w;
    img->h = (int)h;
    img->c = channels;
    img->data = pixels;
    return RMN_OK;
}

int rmn_image_save_png(const char *path, const rmn_image *img) {
    FILE *f = fopen(path, "wb");
    if (!f)
        return RMN_ERROR(RMN_EIO, "%s: cannot create: %s", path, strerror(errno));
    png_err_ctx ctx = {{0}};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_png_error,
                                              on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(png ? &png : NULL, NULL);
        fclose(f);
        return RMN_ERROR(RMN_ENOMEM, "%s: cannot create the PNG encoder", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        remove(path);
        return RMN_ERROR(RMN_EIO, "%s: cannot write PNG: %s", path, ctx.msg);
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)img->w, (png_uint_32)img->h, 8,
                 img->c == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < img->h; ++y)
        png_write_row(png, img->data + (size_t)y * img->w * img->c);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(f) != 0) {
        remove(path);
        return RMN_ERROR(RMN_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    return RMN_OK;
}

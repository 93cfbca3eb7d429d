/* jpeg_io.c -- JPEG reading and writing with libjpeg(-turbo). Its default error manager calls
 * exit(); ours records the message and longjmps back to the calling function. Of libjpeg's
 * warnings about corrupt data, a truncated file ("Premature end of JPEG file") is an error, so a
 * damaged photo is reported rather than decoded into gray filler; the others (extraneous bytes
 * before a marker, a bad Huffman code, ...) are what OpenCV and PIL decode through: the image
 * is decoded and the file's first warning reported once, with the count, via rmn_warning. */
#include "image/image.h"

#include "core/error.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf               jump;
    char                  msg[JMSG_LENGTH_MAX];
    char                  first_warning[JMSG_LENGTH_MAX];
    long                  n_warnings;
} jpeg_err_ctx;

static void on_jpeg_error(j_common_ptr cinfo) {
    jpeg_err_ctx *ctx = (jpeg_err_ctx *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, ctx->msg);
    longjmp(ctx->jump, 1);
}

static void on_jpeg_message(j_common_ptr cinfo, int level) {
    if (level >= 0) /* trace messages are ignored */
        return;
    jpeg_err_ctx *ctx = (jpeg_err_ctx *)cinfo->err;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) /* truncated: an error */
        on_jpeg_error(cinfo);
    if (ctx->n_warnings++ == 0)
        (*cinfo->err->format_message)(cinfo, ctx->first_warning);
}

int rmn_image_load_jpeg(const char *path, rmn_image *img) {
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    if (!f)
        return RMN_ERROR(RMN_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct jpeg_decompress_struct cinfo;
    jpeg_err_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = on_jpeg_error;
    ctx.pub.emit_message = on_jpeg_message;
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile row_v = NULL;
    if (setjmp(ctx.jump)) {
        jpeg_destroy_decompress(&cinfo);
        fclose(f);
        free(pixels);
        free(row_v);
        return RMN_ERROR(RMN_EFORMAT, "%s: corrupt or truncated JPEG: %s", path, ctx.msg);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, f);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK)
        cinfo.out_color_space = JCS_CMYK;
    jpeg_start_decompress(&cinfo);
    unsigned w = cinfo.output_width, h = cinfo.output_height;
    int nc = cinfo.output_components;
    if ((uint64_t)w * h > RMN_IMAGE_MAX_PIXELS) {
        snprintf(ctx.msg, sizeof ctx.msg, "image of %ux%u pixels is too large", w, h);
        longjmp(ctx.jump, 1);
    }
    int c = nc == 1 ? 1 : 3;
    pixels = malloc((size_t)w * h * (size_t)c);
    row_v = malloc((size_t)w * (size_t)nc);
    if (!pixels || !row_v) {
        snprintf(ctx.msg, sizeof ctx.msg, "out of memory");
        longjmp(ctx.jump, 1);
    }
    while (cinfo.output_scanline < h) {
        unsigned y = cinfo.output_scanline;
        JSAMPROW rp = row_v;
        jpeg_read_scanlines(&cinfo, &rp, 1);
        uint8_t *dst = pixels + (size_t)y * w * (size_t)c;
        if (nc == 4) { /* Adobe CMYK is stored inverted */
            for (unsigned x = 0; x < w; ++x) {
                unsigned k = row_v[4 * x + 3];
                for (int ch = 0; ch < 3; ++ch)
                    dst[3 * x + ch] = (uint8_t)((row_v[4 * x + ch] * k + 127) / 255);
            }
        } else {
            memcpy(dst, row_v, (size_t)w * (size_t)c);
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    fclose(f);
    free(row_v);
    if (ctx.n_warnings > 0)
        rmn_warning("%s: decoded in spite of %ld libjpeg warning%s (first: %s)", path,
                    ctx.n_warnings, ctx.n_warnings == 1 ? "" : "s", ctx.first_warning);
    img->w = (int)w;
    img->h = (int)h;
    img->c = c;
    img->data = pixels;
    return RMN_OK;
}

int rmn_image_save_jpeg(const char *path, const rmn_image *img, int quality) {
    FILE *f = fopen(path, "wb");
    if (!f)
        return RMN_ERROR(RMN_EIO, "%s: cannot create: %s", path, strerror(errno));
    struct jpeg_compress_struct cinfo;
    jpeg_err_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = on_jpeg_error;
    if (setjmp(ctx.jump)) {
        jpeg_destroy_compress(&cinfo);
        fclose(f);
        remove(path);
        return RMN_ERROR(RMN_EIO, "%s: cannot write JPEG: %s", path, ctx.msg);
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, f);
    cinfo.image_width = (JDIMENSION)img->w;
    cinfo.image_height = (JDIMENSION)img->h;
    cinfo.input_components = img->c;
    cinfo.in_color_space = img->c == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rp = img->data + (size_t)cinfo.next_scanline * img->w * img->c;
        jpeg_write_scanlines(&cinfo, &rp, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    if (fclose(f) != 0) {
        remove(path);
        return RMN_ERROR(RMN_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    return RMN_OK;
}

/* test-image.c -- image I/O and pixel operations: PNG/JPEG colour and gray test photos,
 * round trips, clear errors for truncated, non-image and missing files, gray conversion,
 * bilinear resizing (OpenCV pixel-centre mapping), drawing and the bitmap font. */
#include "core/error.h"
#include "image/draw.h"
#include "image/image.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];
static const char *srcdir;

static const char *photo(const char *name) {
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/tests/data/photos/%s", srcdir, name);
    return buf;
}

static const char *tmp(const char *name) {
    static char buf[2][512];
    static int k;
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* Copies the first `keep` bytes of src (or all when keep < 0) to dst. */
static long copy_prefix(const char *src, const char *dst, long keep) {
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    long n = 0;
    int ch;
    while (in && out && (keep < 0 || n < keep) && (ch = fgetc(in)) != EOF) {
        fputc(ch, out);
        ++n;
    }
    if (in)
        fclose(in);
    if (out)
        fclose(out);
    return n;
}

static void test_load(void) {
    rmn_image img;
    int rc = rmn_image_load(photo("astronaut.png"), &img);
    TAP_OK(rc == RMN_OK && img.w == 256 && img.h == 256 && img.c == 3,
           "astronaut.png loads as 256x256 RGB (%s)", rmn_error_message());
    /* the orange suit at (60, 200) is red-dominant */
    if (rc == RMN_OK) {
        const uint8_t *p = img.data + (200 * 256 + 60) * 3;
        TAP_OK(p[0] > 150 && p[0] > p[2] + 60, "the suit pixel is orange (%d,%d,%d)", p[0], p[1],
               p[2]);
    }
    rmn_image jpg;
    rc = rmn_image_load(photo("astronaut.jpg"), &jpg);
    TAP_OK(rc == RMN_OK && jpg.w == 256 && jpg.h == 256 && jpg.c == 3, "astronaut.jpg loads as RGB");
    if (rc == RMN_OK && img.data) {
        double err = 0;
        for (size_t i = 0; i < (size_t)256 * 256 * 3; ++i)
            err += abs(img.data[i] - jpg.data[i]);
        err /= 256.0 * 256 * 3;
        TAP_OK(err < 6.0, "JPEG and PNG copies agree (mean abs diff %.2f)", err);
    }
    rmn_image_free(&jpg);
    rmn_image_free(&img);
    rc = rmn_image_load(photo("astronaut-gray.jpg"), &img);
    TAP_OK(rc == RMN_OK && img.w == 200 && img.h == 200 && img.c == 1,
           "astronaut-gray.jpg loads as 200x200 gray");
    rmn_image_free(&img);
    rc = rmn_image_load(photo("gradient.png"), &img);
    TAP_OK(rc == RMN_OK && img.w == 320 && img.h == 240 && img.c == 3, "gradient.png loads");
    rmn_image_free(&img);
}

static void test_roundtrip(void) {
    rmn_image a, b;
    rmn_image_init(&a, 37, 23, 3);
    for (size_t i = 0; i < (size_t)37 * 23 * 3; ++i)
        a.data[i] = (uint8_t)(i * 7 + 3);
    int rc = rmn_image_save(tmp("rt.png"), &a);
    TAP_OK(rc == RMN_OK, "save an odd-sized RGB PNG");
    rc = rmn_image_load(tmp("rt.png"), &b);
    TAP_OK(rc == RMN_OK && b.w == 37 && b.h == 23 && b.c == 3 &&
               memcmp(a.data, b.data, (size_t)37 * 23 * 3) == 0,
           "PNG round trip is exact");
    rmn_image_free(&b);
    rmn_image g;
    rmn_image_to_gray(&a, &g);
    rc = rmn_image_save(tmp("rt-gray.png"), &g);
    rc = rc ? rc : rmn_image_load(tmp("rt-gray.png"), &b);
    TAP_OK(rc == RMN_OK && b.c == 1 && memcmp(g.data, b.data, (size_t)37 * 23) == 0,
           "gray PNG round trip is exact");
    rmn_image_free(&b);
    /* a smooth image survives JPEG closely */
    for (int y = 0; y < 23; ++y)
        for (int x = 0; x < 37; ++x)
            for (int c = 0; c < 3; ++c)
                a.data[(y * 37 + x) * 3 + c] = (uint8_t)(40 + 3 * x + 2 * y + 30 * c);
    rc = rmn_image_save(tmp("rt.jpeg"), &a);
    rc = rc ? rc : rmn_image_load(tmp("rt.jpeg"), &b);
    int maxd = 0;
    for (size_t i = 0; rc == RMN_OK && i < (size_t)37 * 23 * 3; ++i)
        if (abs(a.data[i] - b.data[i]) > maxd)
            maxd = abs(a.data[i] - b.data[i]);
    TAP_OK(rc == RMN_OK && b.c == 3 && maxd <= 12, "JPEG round trip within 12 levels (max %d)",
           maxd);
    rmn_image_free(&b);
    rc = rmn_image_save(tmp("rt.bmp"), &a);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "rt.bmp"),
           "saving to an unknown extension is RMN_EINVAL naming the file");
    rc = rmn_image_save("/nonexistent-dir/x.png", &a);
    TAP_OK(rc == RMN_EIO && strstr(rmn_error_message(), "/nonexistent-dir/x.png"),
           "saving into a missing directory is RMN_EIO (%s)", rmn_error_message());
    rmn_image_free(&a);
    rmn_image_free(&g);
}

static void test_bad_files(void) {
    rmn_image img;
    long n = copy_prefix(photo("astronaut.png"), tmp("trunc.png"), 20000);
    int rc = rmn_image_load(tmp("trunc.png"), &img);
    TAP_OK(n == 20000 && rc == RMN_EFORMAT && strstr(rmn_error_message(), "trunc.png") &&
               strstr(rmn_error_message(), "PNG"),
           "truncated PNG: RMN_EFORMAT naming the file (%s)", rmn_error_message());
    TAP_OK(img.data == NULL, "nothing is left allocated");
    copy_prefix(photo("astronaut.jpg"), tmp("trunc.jpg"), 6000);
    rc = rmn_image_load(tmp("trunc.jpg"), &img);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "trunc.jpg") &&
               strstr(rmn_error_message(), "JPEG"),
           "truncated JPEG: RMN_EFORMAT naming the file (%s)", rmn_error_message());
    copy_prefix(photo("astronaut.jpg"), tmp("head.jpg"), 300);
    rc = rmn_image_load(tmp("head.jpg"), &img);
    TAP_OK(rc == RMN_EFORMAT, "JPEG cut inside its header: RMN_EFORMAT (%s)", rmn_error_message());
    FILE *f = fopen(tmp("text.jpg"), "w");
    fputs("this is not an image\n", f);
    fclose(f);
    rc = rmn_image_load(tmp("text.jpg"), &img);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "text.jpg") &&
               strstr(rmn_error_message(), "not a PNG or JPEG"),
           "a text file named .jpg: RMN_EFORMAT (%s)", rmn_error_message());
    f = fopen(tmp("empty.png"), "w");
    fclose(f);
    rc = rmn_image_load(tmp("empty.png"), &img);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "empty"), "an empty file: %s",
           rmn_error_message());
    rc = rmn_image_load(tmp("missing.png"), &img);
    TAP_OK(rc == RMN_EIO && strstr(rmn_error_message(), "missing.png") &&
               strstr(rmn_error_message(), "No such file"),
           "a missing file: RMN_EIO (%s)", rmn_error_message());
    /* a PNG signature followed by garbage */
    f = fopen(tmp("garbage.png"), "wb");
    fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
    fputs("garbage garbage garbage garbage", f);
    fclose(f);
    rc = rmn_image_load(tmp("garbage.png"), &img);
    TAP_OK(rc == RMN_EFORMAT, "PNG signature then garbage: RMN_EFORMAT (%s)", rmn_error_message());
    TAP_OK(rmn_image_format_for_path("a/b.JPeG") == RMN_IMAGE_JPEG &&
               rmn_image_format_for_path("x.png") == RMN_IMAGE_PNG &&
               rmn_image_format_for_path("d.png/x") == RMN_IMAGE_UNKNOWN,
           "formats from extensions");
}

typedef struct {
    int  count;
    char last[512];
} warnings_seen;

static void count_warning(const char *message, void *user) {
    warnings_seen *w = user;
    w->count++;
    snprintf(w->last, sizeof w->last, "%s", message);
}

/* A JPEG with bytes libjpeg skips ("Corrupt JPEG data: N extraneous bytes before marker"), as
 * fuzzed files and some cameras' have: decoded as OpenCV and PIL do, one warning naming the file. */
static void test_jpeg_warnings(void) {
    FILE *in = fopen(photo("astronaut.jpg"), "rb");
    static unsigned char buf[1 << 20];
    size_t n = in ? fread(buf, 1, sizeof buf - 64, in) : 0;
    if (in)
        fclose(in);
    /* the file ends in the EOI marker FF D9: put junk bytes before it, and before the SOS */
    size_t sos = 0;
    for (size_t i = 2; i + 1 < n; ++i)
        if (buf[i] == 0xFF && buf[i + 1] == 0xDA) {
            sos = i;
            break;
        }
    int ok_layout = n > 4 && buf[n - 2] == 0xFF && buf[n - 1] == 0xD9 && sos > 0;
    FILE *out = fopen(tmp("extraneous.jpg"), "wb");
    fwrite(buf, 1, sos, out);
    fputs("junk", out);
    fwrite(buf + sos, 1, n - 2 - sos, out);
    fputs("more junk", out);
    fwrite(buf + n - 2, 1, 2, out);
    fclose(out);
    warnings_seen seen = {0};
    rmn_warning_set_handler(count_warning, &seen);
    rmn_image a, b;
    int rc_a = rmn_image_load(photo("astronaut.jpg"), &a);
    int warnings_clean = seen.count;
    int rc_b = rmn_image_load(tmp("extraneous.jpg"), &b);
    rmn_warning_set_handler(NULL, NULL);
    TAP_OK(ok_layout && rc_a == RMN_OK && rc_b == RMN_OK && warnings_clean == 0,
           "a JPEG with extraneous bytes before two markers decodes (%s)",
           rc_b ? rmn_error_message() : "ok");
    TAP_OK(rc_b == RMN_OK && a.w == b.w && a.h == b.h && a.c == b.c &&
               memcmp(a.data, b.data, (size_t)a.w * a.h * a.c) == 0,
           "its pixels equal the clean file's");
    TAP_OK(seen.count == 1 && strstr(seen.last, "extraneous.jpg") &&
               strstr(seen.last, "2 libjpeg warnings") && strstr(seen.last, "extraneous bytes"),
           "one warning for the file, naming it and counting both (%s)", seen.last);
    if (rc_a == RMN_OK)
        rmn_image_free(&a);
    if (rc_b == RMN_OK)
        rmn_image_free(&b);
}

static void test_pixels(void) {
    rmn_image a, g, r;
    rmn_image_init(&a, 2, 1, 3);
    uint8_t px[6] = {255, 0, 0, 10, 200, 90};
    memcpy(a.data, px, 6);
    rmn_image_to_gray(&a, &g);
    TAP_OK(g.data[0] == 76 && g.data[1] == 131, "gray = 0.299R+0.587G+0.114B rounded (%d %d)",
           g.data[0], g.data[1]);
    rmn_image_to_rgb(&g, &r);
    TAP_OK(r.c == 3 && r.data[3] == 131 && r.data[4] == 131 && r.data[5] == 131,
           "gray to RGB replicates");
    rmn_image_free(&a), rmn_image_free(&g), rmn_image_free(&r);

    uint8_t src[4 * 4], dst[8 * 8], same[4 * 4];
    for (int i = 0; i < 16; ++i)
        src[i] = (uint8_t)(i * 13 + 7);
    rmn_image_resize_u8(src, 4, 4, 4, same, 4, 4);
    TAP_OK(memcmp(src, same, 16) == 0, "resize to the same size is the identity");
    uint8_t half[2 * 2];
    rmn_image_resize_u8(src, 4, 4, 4, half, 2, 2);
    /* dst (0,0) samples src (0.5, 0.5): mean of src[0], src[1], src[4], src[5] */
    int want = (int)((src[0] + src[1] + src[4] + src[5]) / 4.0 + 0.5);
    TAP_OK(half[0] == want, "2x down-scale averages the 2x2 block (pixel-centre mapping): %d vs %d",
           half[0], want);
    rmn_image_resize_u8(src, 4, 4, 4, dst, 8, 8);
    /* dst (0,0) maps to -0.25: clamped to src (0,0); dst (1,0) maps to 0.25 */
    int want1 = (int)(src[0] + 0.25 * (src[1] - src[0]) + 0.5);
    TAP_OK(dst[0] == src[0] && dst[1] == want1, "2x up-scale: border clamped, then 1/4 steps");
    uint8_t flat[5 * 3], flat_out[7 * 11];
    memset(flat, 93, sizeof flat);
    rmn_image_resize_u8(flat, 5, 3, 5, flat_out, 7, 11);
    int all = 1;
    for (int i = 0; i < 77; ++i)
        all &= flat_out[i] == 93;
    TAP_OK(all, "a constant image stays constant under any resize");
}

static void test_draw(void) {
    rmn_image img;
    rmn_image_init(&img, 40, 30, 3);
    rmn_rgb green = {179, 255, 179};
    rmn_draw_rect(&img, 5, 5, 20, 15, green, 2);
    const uint8_t *p = img.data + (5 * 40 + 10) * 3, *q = img.data + (10 * 40 + 12) * 3;
    TAP_OK(p[0] == 179 && p[1] == 255 && q[0] == 0, "rectangle: edge drawn, inside untouched");
    rmn_draw_rect(&img, -10, -10, 100, 100, green, 3); /* clipped, must not crash */
    TAP_OK(rmn_draw_text_width("happy 87", 2) == (8 * 6 - 1) * 2 && rmn_draw_text_height(2) == 14,
           "text metrics: 6 px per character, 7 px high, times the scale");
    rmn_image_free(&img);
    rmn_image_init(&img, 12, 9, 1);
    rmn_rgb white = {255, 255, 255};
    rmn_draw_text(&img, 0, 0, "1", 1, white);
    /* '1' column 2 is 0x7f: the full 7-pixel stroke */
    int stroke = 1;
    for (int y = 0; y < 7; ++y)
        stroke &= img.data[y * 12 + 2] == 255;
    TAP_OK(stroke && img.data[7 * 12 + 2] == 0, "the '1' glyph has its vertical stroke");
    TAP_OK(rmn_font5x7_glyph(0x7f) == rmn_font5x7_glyph('?'), "unprintable characters draw '?'");
    rmn_image_free(&img);
}

int main(void) {
    srcdir = getenv("RMN_SRCDIR") ? getenv("RMN_SRCDIR") : ".";
    snprintf(tmpdir, sizeof tmpdir, "%s/rmn-test-image.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        return 99;
    test_load();
    test_roundtrip();
    test_bad_files();
    test_jpeg_warnings();
    test_pixels();
    test_draw();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", tmpdir);
    return tap_done();
}

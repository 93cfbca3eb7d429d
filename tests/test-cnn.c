/* test-cnn.c -- the face-api networks' layers on oneDNN (detect/cnn_layer.h) against the plain
 * NHWC kernels of detect/cnn.h on random maps: full convs ('valid' and 'same', strides 1 and
 * 2, odd sizes), depthwise and pointwise convs, bias, the three activations, the running sum,
 * max pools; and the resizing of an image on its padded canvas (rmn_cnn_resize_image) against
 * rmn_cnn_resize_bilinear of the canvas made whole, bit for bit. Needs no weights. */
#include "core/error.h"
#include "detect/cnn.h"
#include "detect/cnn_layer.h"
#include "tap.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t seed = 88172645463325252ull;
static float urand(void) { /* xorshift64, uniform in [-1, 1) */
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    return (float)((seed >> 40) / (double)(1 << 24) * 2 - 1);
}
static float *rnd(size_t n) {
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; p && i < n; ++i)
        p[i] = urand();
    return p;
}

static double maxdiff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; ++i)
        m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

static void act_ref(float *y, size_t n, rmn_cnn_act act) {
    if (act == RMN_CNN_ACT_LEAKY)
        rmn_cnn_leaky(y, n);
    else if (act == RMN_CNN_ACT_RELU6)
        rmn_cnn_relu6(y, n);
    else if (act == RMN_CNN_ACT_RELU)
        for (size_t i = 0; i < n; ++i)
            y[i] = y[i] > 0 ? y[i] : 0;
}

/* One conv layer (with a random bias when bias is set) against the reference; accumulate
 * starts from a random y. */
static void check_conv(rmn_cnn_ctx *ctx, rmn_cnn_conv_desc d, int bias, const char *what) {
    int K = d.depthwise ? d.C : d.K, P, Q, pt, pl;
    if (d.valid) {
        P = (d.H - d.R) / d.stride + 1, Q = (d.W - d.R) / d.stride + 1, pt = pl = 0;
    } else {
        rmn_cnn_same(d.H, d.R, d.stride, &P, &pt);
        rmn_cnn_same(d.W, d.R, d.stride, &Q, &pl);
    }
    size_t ny = (size_t)P * Q * K;
    float *x = rnd((size_t)d.H * d.W * d.C), *w = rnd((size_t)d.R * d.R * d.C * (d.depthwise ? 1 : K));
    float *b = rnd((size_t)K), *y0 = rnd(ny), *ref = malloc(ny * sizeof *ref), *got = malloc(ny * sizeof *got);
    if (!bias)
        free(b), b = NULL;
    d.w = w, d.b = b;
    if (d.depthwise) {
        rmn_cnn_depthwise(ref, x, w, d.H, d.W, d.C, d.R, d.R, d.stride, pt, pl, P, Q);
        for (size_t i = 0; b && i < ny; ++i)
            ref[i] += b[i % K];
    } else {
        rmn_cnn_conv(ref, x, w, b, d.H, d.W, d.C, K, d.R, d.R, d.stride, pt, pl, P, Q);
    }
    for (size_t i = 0; d.accumulate && i < ny; ++i)
        ref[i] += y0[i];
    act_ref(ref, ny, d.act);
    memcpy(got, y0, ny * sizeof *got);
    rmn_cnn_layer *l = NULL;
    int gp = 0, gq = 0, rc = rmn_cnn_layer_conv(ctx, &d, &l, &gp, &gq);
    if (rc == RMN_OK)
        rc = rmn_cnn_layer_run(l, got, x);
    double m = rc == RMN_OK ? maxdiff(ref, got, ny) : -1;
    TAP_OK(rc == RMN_OK && gp == P && gq == Q && m <= 1e-5, "%s: %dx%d out, max |diff| %.2g%s%s", what, gp, gq, m,
           rc ? ": " : "", rc ? rmn_error_message() : "");
    free(x), free(w), free(b), free(y0), free(ref), free(got);
}

static void check_pool(rmn_cnn_ctx *ctx, int H, int W, int C, int k, int st) {
    float *x = rnd((size_t)H * W * C), *ref = malloc((size_t)H * W * C * sizeof *ref);
    float *got = malloc((size_t)H * W * C * sizeof *got);
    int P, Q, gp = 0, gq = 0;
    rmn_cnn_maxpool_same(ref, x, H, W, C, k, st, &P, &Q);
    rmn_cnn_layer *l = NULL;
    int rc = rmn_cnn_layer_maxpool(ctx, H, W, C, k, st, &l, &gp, &gq);
    if (rc == RMN_OK)
        rc = rmn_cnn_layer_run(l, got, x);
    TAP_OK(rc == RMN_OK && gp == P && gq == Q && memcmp(ref, got, (size_t)P * Q * C * sizeof *got) == 0,
           "max pool %dx%d/%d 'same' over %dx%dx%d: %dx%d, equal", k, k, st, H, W, C, gp, gq);
    free(x), free(ref), free(got);
}

/* rmn_cnn_resize_image against the whole canvas resized by rmn_cnn_resize_bilinear */
static void check_resize(int w, int h, int c, int side, int ox, int oy, int out) {
    rmn_image img;
    if (rmn_image_init(&img, w, h, c) != RMN_OK)
        return;
    for (size_t i = 0; i < (size_t)w * h * c; ++i)
        img.data[i] = (uint8_t)(urand() * 127.5f + 127.5f);
    float *canvas = calloc((size_t)side * side * 3, sizeof *canvas);
    float *ref = malloc((size_t)out * out * 3 * sizeof *ref), *got = malloc((size_t)out * out * 3 * sizeof *got);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < 3; ++k)
                canvas[((size_t)(y + oy) * side + x + ox) * 3 + k] = img.data[((size_t)y * w + x) * c + (c == 3 ? k : 0)];
    rmn_cnn_resize_bilinear(ref, canvas, side, side, 3, out, out);
    int rc = rmn_cnn_resize_image(got, &img, side, ox, oy, out, out);
    TAP_OK(rc == RMN_OK && memcmp(ref, got, (size_t)out * out * 3 * sizeof *got) == 0,
           "%dx%d %s image at (%d,%d) on a %d canvas resized to %d: bit for bit", w, h, c == 3 ? "RGB" : "gray", ox, oy,
           side, out);
    rmn_image_free(&img);
    free(canvas), free(ref), free(got);
}

int main(void) {
    rmn_cnn_ctx *ctx = NULL;
    int rc = rmn_cnn_ctx_create(&ctx);
    TAP_OK(rc == RMN_OK, "a oneDNN context");
    if (rc != RMN_OK)
        return tap_done();
    check_conv(ctx, (rmn_cnn_conv_desc){.H = 11, .W = 9, .C = 3, .K = 16, .R = 3, .stride = 1, .valid = 1,
                                        .act = RMN_CNN_ACT_LEAKY}, 1, "full 3x3 valid 3->16 + bias + leaky ReLU");
    check_conv(ctx, (rmn_cnn_conv_desc){.H = 13, .W = 10, .C = 3, .K = 8, .R = 3, .stride = 2,
                                        .act = RMN_CNN_ACT_RELU6}, 1, "full 3x3 'same' /2 3->8 + bias + relu6 (odd size)");
    check_conv(ctx, (rmn_cnn_conv_desc){.H = 9, .W = 9, .C = 16, .R = 3, .stride = 1, .depthwise = 1}, 0,
               "depthwise 3x3 'same' 16 channels, no bias");
    check_conv(ctx, (rmn_cnn_conv_desc){.H = 15, .W = 8, .C = 24, .R = 3, .stride = 2, .depthwise = 1,
                                        .act = RMN_CNN_ACT_RELU6}, 1, "depthwise 3x3 'same' /2 + bias + relu6");
    check_conv(ctx, (rmn_cnn_conv_desc){.H = 7, .W = 6, .C = 32, .K = 64, .R = 1, .stride = 1,
                                        .act = RMN_CNN_ACT_LEAKY}, 1, "pointwise 32->64 + bias + leaky ReLU");
    check_conv(ctx, (rmn_cnn_conv_desc){.H = 5, .W = 5, .C = 16, .K = 16, .R = 1, .stride = 1,
                                        .accumulate = 1}, 1, "pointwise + bias added to the running sum");
    check_conv(ctx, (rmn_cnn_conv_desc){.H = 6, .W = 6, .C = 8, .K = 8, .R = 1, .stride = 1,
                                        .accumulate = 1, .act = RMN_CNN_ACT_RELU}, 1, "pointwise, sum, then ReLU");
    check_conv(ctx, (rmn_cnn_conv_desc){.H = 5, .W = 7, .C = 12, .K = 6, .R = 3, .stride = 2}, 1,
               "full 3x3 'same' /2 12->6, no activation");
    check_pool(ctx, 7, 9, 5, 2, 2);
    check_pool(ctx, 13, 13, 16, 2, 1);
    check_pool(ctx, 8, 8, 3, 2, 2);
    check_resize(30, 20, 3, 30, 0, 0, 16);
    check_resize(20, 30, 1, 30, 5, 0, 45);
    check_resize(17, 17, 3, 17, 0, 0, 17);
    check_resize(25, 11, 3, 25, 0, 7, 32);
    rmn_cnn_ctx_free(ctx);
    return tap_done();
}

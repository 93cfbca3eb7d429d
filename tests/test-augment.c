/* test-augment.c -- resize, flip, rotation and the seeded augmentation/batch builder. */
#include "core/error.h"
#include "core/rng.h"
#include "data/augment.h"
#include "data/batch.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static float maxdiff(const float *a, const float *b, size_t n) {
    float m = 0.0f;
    for (size_t i = 0; i < n; ++i)
        m = fmaxf(m, fabsf(a[i] - b[i]));
    return m;
}

static void fill_pattern(float *a, int n, uint64_t seed) {
    rmn_rng r;
    rmn_rng_init(&r, seed, RMN_STREAM_AUGMENT);
    for (int i = 0; i < n; ++i)
        a[i] = 0.137f + 2.385f * rmn_rng_uniformf(&r);
}

static void test_flip(void) {
    enum { H = 5, W = 7 };
    float a[H * W], b[H * W], c[H * W];
    fill_pattern(a, H * W, 11);
    rmn_image_hflip(b, a, H, W);
    TAP_OK(b[0] == a[W - 1] && b[2 * W + 1] == a[2 * W + W - 2] && b[3] == a[3],
           "flip mirrors each row (odd width keeps the middle column)");
    rmn_image_hflip(c, b, H, W);
    TAP_OK(memcmp(a, c, sizeof a) == 0, "flip twice is the identity");
    memcpy(c, a, sizeof a);
    rmn_image_hflip(c, c, H, W);
    TAP_OK(memcmp(b, c, sizeof b) == 0, "flip in place equals flip out of place");
}

static void test_rotate(void) {
    enum { N = 6, H = 5, W = 8 };
    float a[H * W], b[H * W];
    fill_pattern(a, H * W, 12);
    rmn_image_rotate(b, a, H, W, 0.0);
    TAP_OK(maxdiff(a, b, H * W) == 0.0f, "rotation by 0 is the identity");

    float s[N * N], r[N * N], e[N * N];
    fill_pattern(s, N * N, 13);
    for (int y = 0; y < N; ++y)
        for (int x = 0; x < N; ++x)
            e[y * N + x] = s[(N - 1 - x) * N + y]; /* clockwise: dst[r][c] = src[n-1-c][r] */
    rmn_image_rotate(r, s, N, N, 90.0);
    TAP_OK(maxdiff(r, e, N * N) < 1e-5f, "rotation by +90 of a 6x6 image is the clockwise permutation (maxdiff %g)",
           (double)maxdiff(r, e, N * N));
    enum { M = 5 };
    float s5[M * M], r5[M * M], e5[M * M], back[M * M];
    fill_pattern(s5, M * M, 14);
    for (int y = 0; y < M; ++y)
        for (int x = 0; x < M; ++x)
            e5[y * M + x] = s5[x * M + (M - 1 - y)]; /* counter-clockwise */
    rmn_image_rotate(r5, s5, M, M, -90.0);
    TAP_OK(maxdiff(r5, e5, M * M) < 1e-5f, "rotation by -90 of a 5x5 image is the counter-clockwise permutation");
    rmn_image_rotate(back, r5, M, M, 90.0);
    TAP_OK(maxdiff(back, s5, M * M) < 1e-5f, "-90 then +90 is the identity");
    rmn_image_rotate(r5, s5, M, M, 180.0);
    TAP_OK(fabsf(r5[0] - s5[M * M - 1]) < 1e-5f && fabsf(r5[M * M / 2] - s5[M * M / 2]) < 1e-6f,
           "rotation by 180 swaps corners and keeps the centre pixel");

    /* 45 degrees: the corners of the output come from outside the image -> black */
    float ones[9 * 9], r9[9 * 9];
    for (int i = 0; i < 81; ++i)
        ones[i] = 1.0f;
    rmn_image_rotate(r9, ones, 9, 9, 45.0);
    TAP_OK(r9[0] == 0.0f && r9[8] == 0.0f && r9[80] == 0.0f && fabsf(r9[40] - 1.0f) < 1e-6f,
           "rotation by 45 fills the corners with 0 and keeps the centre");
}

static void test_resize(void) {
    float c[3 * 5], big[11 * 7];
    for (int i = 0; i < 15; ++i)
        c[i] = 0.6180f;
    rmn_image_resize(big, 11, 7, c, 3, 5);
    int same = 1;
    for (int i = 0; i < 77; ++i)
        same &= fabsf(big[i] - 0.6180f) < 1e-6f;
    TAP_OK(same, "resize of a constant image is constant");

    const float a = 0.25f, b = 0.75f, cc = 1.5f, d = 3.0f;
    float s[4] = {a, b, cc, d}, r[16];
    rmn_image_resize(r, 4, 4, s, 2, 2);
    /* align_corners=False, scale 0.5: dst 0,1,2,3 -> src -0.25(clamped 0), 0.25, 0.75, 1.25(-> 1) */
    const float wts[4] = {0.0f, 0.25f, 0.75f, 1.0f};
    float e[16];
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) {
            float top = a + wts[x] * (b - a), bot = cc + wts[x] * (d - cc);
            e[y * 4 + x] = top + wts[y] * (bot - top);
        }
    TAP_OK(maxdiff(r, e, 16) < 1e-6f, "resize 2x2 -> 4x4 matches the hand-computed values");
    TAP_NEAR(r[1 * 4 + 1], 0.75 * 0.75 * a + 0.75 * 0.25 * b + 0.25 * 0.75 * cc + 0.25 * 0.25 * d, 1e-6,
             "resize 2x2 -> 4x4: pixel (1,1)");
    float id[15];
    float q[15];
    fill_pattern(q, 15, 15);
    rmn_image_resize(id, 3, 5, q, 3, 5);
    TAP_OK(maxdiff(id, q, 15) == 0.0f, "resize to the same size is the identity");
    float down[4];
    rmn_image_resize(down, 2, 2, r, 4, 4);
    TAP_OK(fabsf(down[0] - 0.5f * (e[0] + e[1]) * 0.5f - 0.5f * (e[4] + e[5]) * 0.5f) < 1e-6f,
           "resize 4x4 -> 2x2 averages each 2x2 block");
}

static void test_batch(void) {
    enum { NIMG = 5, B = 4 };
    uint8_t *px = malloc(NIMG * 2304);
    int32_t lab[NIMG] = {3, 0, 6, 2, 5};
    int32_t rows[NIMG] = {0, 1, 2, 3, 4};
    rmn_rng r;
    rmn_rng_init(&r, 99, RMN_STREAM_AUGMENT);
    for (int i = 0; i < NIMG * 2304; ++i)
        px[i] = (uint8_t)rmn_rng_below(&r, 256);
    rmn_split_data sp = {.n = NIMG, .channels = 1, .side = 48, .max_h = 48, .max_w = 48, .pixels = px,
                         .labels = lab, .source_row = rows};
    int32_t idx[B] = {4, 0, 2, 0};
    int32_t labels[B];

    rmn_batch_spec plain = {.size = 48, .channels = 1, .augment = NULL};
    float *scratch = malloc(rmn_batch_scratch_floats(&(rmn_batch_spec){.size = 224}, &sp) * sizeof(float));
    float *x = malloc(sizeof(float) * B * 3 * 224 * 224), *y = malloc(sizeof(float) * B * 3 * 224 * 224);
    TAP_OK(rmn_batch_fill(x, labels, scratch, &sp, idx, B, &plain, NULL) == RMN_OK, "plain batch fills");
    TAP_OK(labels[0] == 5 && labels[1] == 3 && labels[2] == 6 && labels[3] == 3, "labels follow the indices");
    TAP_NEAR(x[2304 + 17], px[17] / 255.0, 1e-7, "x = pixel / 255 (image 1 is split image 0)");
    TAP_OK(memcmp(x + 2304, x + 3 * 2304, 2304 * sizeof(float)) == 0, "same index gives the same image");

    rmn_batch_spec big = {.size = 224, .channels = 3, .augment = NULL};
    TAP_OK(rmn_batch_fill(x, labels, scratch, &sp, idx, B, &big, NULL) == RMN_OK, "224x3 batch fills");
    const size_t plane = 224 * 224;
    TAP_OK(memcmp(x + 3 * plane, x + 4 * plane, plane * sizeof(float)) == 0 &&
               memcmp(x + 3 * plane, x + 5 * plane, plane * sizeof(float)) == 0,
           "gray is copied into the 3 channels");
    TAP_NEAR(x[3 * plane], px[0] / 255.0, 1e-6, "224 resize keeps the corner pixel (clamped)");

    rmn_batch_spec aug = {.size = 48, .channels = 1, .augment = &RMN_AUGMENT_THESIS};
    rmn_rng r1, r2, r3;
    rmn_rng_init(&r1, 7, RMN_STREAM_AUGMENT);
    rmn_rng_init(&r2, 7, RMN_STREAM_AUGMENT);
    rmn_rng_init(&r3, 8, RMN_STREAM_AUGMENT);
    rmn_batch_fill(x, labels, scratch, &sp, idx, B, &aug, &r1);
    rmn_batch_fill(y, labels, scratch, &sp, idx, B, &aug, &r2);
    TAP_OK(memcmp(x, y, sizeof(float) * B * 2304) == 0, "same seed gives identical augmented batches");
    TAP_OK(memcmp(x + 2304, x + 3 * 2304, 2304 * sizeof(float)) != 0,
           "augmentation differs between two copies of one image");
    rmn_batch_fill(y, labels, scratch, &sp, idx, B, &aug, &r3);
    TAP_OK(memcmp(x, y, sizeof(float) * B * 2304) != 0, "another seed gives another batch");
    TAP_OK(memcmp(&r1, &r2, sizeof r1) == 0, "both streams advanced alike");

    /* the augmentation is flip-then-rotate in one pass */
    rmn_augment_draw d = {.flip = 1, .angle_deg = 12.5};
    float g[2304], f1[2304], f2[2304], f3[2304];
    for (int i = 0; i < 2304; ++i)
        g[i] = px[i] / 255.0f;
    rmn_augment_apply(f1, g, 48, 48, &d, RMN_INTERP_BILINEAR);
    rmn_image_hflip(f2, g, 48, 48);
    rmn_image_rotate(f3, f2, 48, 48, 12.5);
    TAP_OK(maxdiff(f1, f3, 2304) < 1e-5f, "augment = flip then rotate");
    /* draws: flip rate and angle range */
    rmn_rng dr;
    rmn_rng_init(&dr, 5, RMN_STREAM_AUGMENT);
    int flips = 0, in_range = 1;
    double amin = 0, amax = 0;
    for (int i = 0; i < 4000; ++i) {
        rmn_augment_draw q = rmn_augment_sample(&RMN_AUGMENT_THESIS, &dr);
        flips += q.flip;
        in_range &= q.angle_deg >= -30.0 && q.angle_deg <= 30.0;
        amin = fmin(amin, q.angle_deg);
        amax = fmax(amax, q.angle_deg);
    }
    TAP_OK(flips > 1800 && flips < 2200, "flip rate about 0.5 (%d of 4000)", flips);
    TAP_OK(in_range && amin < -29.0 && amax > 29.0, "angles cover [-30, 30] (%.2f .. %.2f)", amin, amax);

    int32_t bad[1] = {NIMG};
    TAP_OK(rmn_batch_fill(x, labels, scratch, &sp, bad, 1, &plain, NULL) == RMN_EINVAL,
           "out-of-range index is EINVAL: %s", rmn_error_message());
    TAP_OK(rmn_batch_fill(x, labels, scratch, &sp, idx, 1, &aug, NULL) == RMN_EINVAL,
           "augmentation without an rng is EINVAL");
    free(px);
    free(scratch);
    free(x);
    free(y);
}

/* The optional translation: integer shifts move pixels exactly, fill with zeros, and draws
 * without it leave the thesis's stream untouched. */
static void test_shift(void) {
    float src[7 * 9], dst[7 * 9];
    for (int i = 0; i < 7 * 9; ++i)
        src[i] = 1.0f + (float)i;
    rmn_augment_draw d = {.flip = 0, .angle_deg = 0.0, .shift_x = 2.0, .shift_y = -1.0};
    rmn_augment_apply(dst, src, 7, 9, &d, RMN_INTERP_BILINEAR);
    int exact = 1;
    for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 9; ++x) {
            int sy = y + 1, sx = x - 2;
            float want = (sy >= 0 && sy < 7 && sx >= 0 && sx < 9) ? src[sy * 9 + sx] : 0.0f;
            exact &= fabsf(dst[y * 9 + x] - want) < 1e-5f;
        }
    TAP_OK(exact, "shift (+2, -1) moves content right 2 and up 1, zeros enter");
    d.shift_x = 0.5, d.shift_y = 0.0;
    rmn_augment_apply(dst, src, 7, 9, &d, RMN_INTERP_BILINEAR);
    TAP_NEAR(dst[3 * 9 + 4], 0.5 * (src[3 * 9 + 4] + src[3 * 9 + 3]), 1e-5, "half-pixel shift is bilinear");

    rmn_augment_params with = RMN_AUGMENT_THESIS;
    with.max_shift_px = 4.0;
    rmn_rng a, b;
    rmn_rng_init(&a, 3, RMN_STREAM_AUGMENT);
    rmn_rng_init(&b, 3, RMN_STREAM_AUGMENT);
    rmn_augment_draw p = rmn_augment_sample(&RMN_AUGMENT_THESIS, &a);
    rmn_augment_draw q = rmn_augment_sample(&with, &b);
    TAP_OK(p.flip == q.flip && p.angle_deg == q.angle_deg && p.shift_x == 0 && p.shift_y == 0,
           "flip and angle are drawn first; no shift without the option");
    int in_range = 1;
    double lo = 0, hi = 0;
    for (int i = 0; i < 2000; ++i) {
        q = rmn_augment_sample(&with, &b);
        in_range &= fabs(q.shift_x) <= 4.0 && fabs(q.shift_y) <= 4.0;
        lo = fmin(lo, fmin(q.shift_x, q.shift_y));
        hi = fmax(hi, fmax(q.shift_x, q.shift_y));
    }
    TAP_OK(in_range && lo < -3.9 && hi > 3.9, "shifts cover [-4, 4] (%.2f .. %.2f)", lo, hi);
}

/* Nearest-neighbour rotation (the controlled comparison of docs/PARITY.md): it never blends,
 * agrees with bilinear where the source positions are integral (90 degrees, flips), and
 * differs from it elsewhere -- the difference the parity study measured. */
static void test_nearest(void) {
    enum { H = 11, W = 11 };
    float src[H * W], a[H * W], b[H * W];
    for (int i = 0; i < H * W; ++i)
        src[i] = 1.0f + (float)((i * 37) % 101); /* distinct values, none 0 */
    rmn_augment_draw d = {.flip = 1, .angle_deg = 90.0};
    rmn_augment_apply(a, src, H, W, &d, RMN_INTERP_NEAREST);
    rmn_augment_apply(b, src, H, W, &d, RMN_INTERP_BILINEAR);
    float diff = 0;
    for (int i = 0; i < H * W; ++i)
        diff = fmaxf(diff, fabsf(a[i] - b[i]));
    TAP_OK(diff < 1e-4f, "flip + 90 degrees: nearest equals bilinear (max diff %g)", (double)diff);
    d = (rmn_augment_draw){.flip = 0, .angle_deg = 23.0};
    rmn_augment_apply(a, src, H, W, &d, RMN_INTERP_NEAREST);
    rmn_augment_apply(b, src, H, W, &d, RMN_INTERP_BILINEAR);
    int only_source = 1, blended = 0;
    for (int i = 0; i < H * W; ++i) {
        int found = a[i] == 0.0f, found_b = b[i] == 0.0f;
        for (int j = 0; j < H * W; ++j) {
            found |= a[i] == src[j];
            found_b |= b[i] == src[j];
        }
        only_source &= found;
        blended += !found_b;
    }
    TAP_OK(only_source, "23 degrees, nearest: every pixel is a source pixel or the black fill");
    TAP_OK(blended > H * W / 2, "23 degrees, bilinear: most pixels are blends (%d of %d)", blended, H * W);
    TAP_OK(a[5 * W + 5] == src[5 * W + 5], "nearest keeps the centre pixel");
    /* the draw goes through rmn_augment with the params' interp */
    rmn_augment_params p = RMN_AUGMENT_THESIS;
    p.interp = RMN_INTERP_NEAREST;
    rmn_rng r1, r2;
    rmn_rng_init(&r1, 5, RMN_STREAM_AUGMENT);
    rmn_rng_init(&r2, 5, RMN_STREAM_AUGMENT);
    rmn_augment(a, src, H, W, &p, &r1);
    rmn_augment_draw q = rmn_augment_sample(&p, &r2);
    rmn_augment_apply(b, src, H, W, &q, RMN_INTERP_NEAREST);
    TAP_OK(memcmp(a, b, sizeof a) == 0, "rmn_augment samples with the params' interpolation");
}

/* rmn_augment_parse: --tta-augment's specs. */
static void test_parse(void) {
    rmn_augment_params p;
    int rc = rmn_augment_parse("rotation=2.5,flip=1,interp=nearest,shift=0.5", &p);
    TAP_OK(rc == RMN_OK && p.flip_p == 1.0 && p.max_rotation_deg == 2.5 && p.max_shift_px == 0.5 &&
               p.interp == RMN_INTERP_NEAREST,
           "a full spec in any order");
    rc = rmn_augment_parse("", &p);
    TAP_OK(rc == RMN_OK && p.flip_p == 0 && p.max_rotation_deg == 0 && p.max_shift_px == 0 && p.interp == 0,
           "the empty spec is no augmentation");
    const char *bad[] = {"flip=2", "rotation=-1", "flip", "flip=", "flip=0.5,flip=0.5", "zoom=2", "flip=0.5,",
                         "interp=cubic", "rotation=3x", "flip=0.5,,rotation=1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
        p.flip_p = 0.25;
        rc = rmn_augment_parse(bad[i], &p);
        TAP_OK(rc == RMN_EINVAL && p.flip_p == 0.25, "\"%s\" refused, output untouched: %s", bad[i],
               rmn_error_message());
    }
}

int main(void) {
    test_parse();
    test_nearest();
    test_flip();
    test_shift();
    test_rotate();
    test_resize();
    test_batch();
    return tap_done();
}

/* test-cascade.c -- the cascade reader on opencv-data's XML files (stage, weak-classifier and
 * feature counts as in the files), its errors (malformed XML with file and line, bad content,
 * the old format, a missing file), integral images against brute force (upright, squared,
 * tilted), the variance test of the HAAR evaluator, and OpenCV's groupRectangles. */
#include "core/error.h"
#include "detect/cascade.h"
#include "detect/detect.h"
#include "detect/integral.h"
#include "core/rng.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HAAR_DIR "/usr/share/opencv4/haarcascades/"
#define LBP_DIR "/usr/share/opencv4/lbpcascades/"

static char tmpdir[256];

static const char *write_tmp(const char *name, const char *text) {
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
    FILE *f = fopen(buf, "w");
    fputs(text, f);
    fclose(f);
    return buf;
}

static void test_shipped(void) {
    static const struct {
        const char *file;
        int type, w, h, stages, trees, features, tilted;
    } cases[] = {
        /* counts from the files: <stageNum>, number of <internalNodes>, of <rects>/<rect> */
        {HAAR_DIR "haarcascade_frontalface_default.xml", RMN_CASCADE_HAAR, 24, 24, 25, 2913, 2913, 0},
        {HAAR_DIR "haarcascade_eye_tree_eyeglasses.xml", RMN_CASCADE_HAAR, 20, 20, 30, 851, 2553, 1},
        {HAAR_DIR "haarcascade_frontalcatface_extended.xml", RMN_CASCADE_HAAR, 24, 24, 20, 1184, 997, 1},
        {LBP_DIR "lbpcascade_frontalface_improved.xml", RMN_CASCADE_LBP, 45, 45, 19, 149, 142, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i) {
        if (access(cases[i].file, R_OK) != 0) {
            TAP_SKIP("opencv-data is not installed");
            continue;
        }
        rmn_cascade *c;
        int rc = rmn_cascade_load(cases[i].file, &c);
        const char *name = strrchr(cases[i].file, '/') + 1;
        if (!TAP_OK(rc == RMN_OK, "%s loads (%s)", name, rmn_error_message()))
            continue;
        TAP_OK(c->type == cases[i].type && c->win_w == cases[i].w && c->win_h == cases[i].h,
               "%s: type and %dx%d window", name, c->win_w, c->win_h);
        TAP_OK(c->nstages == cases[i].stages && c->ntrees == cases[i].trees &&
                   c->nfeatures == cases[i].features,
               "%s: %d stages, %d weak classifiers, %d features", name, c->nstages, c->ntrees,
               c->nfeatures);
        TAP_OK(c->has_tilted == cases[i].tilted, "%s: tilted features %s", name,
               c->has_tilted ? "present" : "absent");
        TAP_OK(c->nleaves == c->nnodes + c->ntrees, "%s: leaves = nodes + trees", name);
        rmn_cascade_free(c);
    }
    /* every new-format cascade opencv-data ships loads */
    static const char *all[] = {
        HAAR_DIR "haarcascade_eye.xml", HAAR_DIR "haarcascade_frontalface_alt.xml",
        HAAR_DIR "haarcascade_frontalface_alt2.xml", HAAR_DIR "haarcascade_frontalface_alt_tree.xml",
        HAAR_DIR "haarcascade_profileface.xml", HAAR_DIR "haarcascade_smile.xml",
        HAAR_DIR "haarcascade_fullbody.xml", HAAR_DIR "haarcascade_upperbody.xml",
        LBP_DIR "lbpcascade_frontalface.xml", LBP_DIR "lbpcascade_profileface.xml",
        LBP_DIR "lbpcascade_frontalcatface.xml"};
    int loaded = 0, present = 0;
    for (size_t i = 0; i < sizeof all / sizeof *all; ++i) {
        if (access(all[i], R_OK) != 0)
            continue;
        ++present;
        rmn_cascade *c;
        if (rmn_cascade_load(all[i], &c) == RMN_OK)
            ++loaded;
        else
            tap_diag("%s", rmn_error_message());
        rmn_cascade_free(c);
    }
    TAP_OK(loaded == present, "%d of %d other shipped cascades load", loaded, present);
    const char *old = HAAR_DIR "haarcascade_licence_plate_rus_16stages.xml";
    if (access(old, R_OK) == 0) {
        rmn_cascade *c;
        int rc = rmn_cascade_load(old, &c);
        TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "old-format"),
               "an old-format cascade is refused clearly (%s)", rmn_error_message());
    } else {
        TAP_SKIP("opencv-data is not installed");
    }
}

#define HEAD                                                                               \
    "<?xml version=\"1.0\"?>\n<opencv_storage>\n<cascade>\n<stageType>BOOST</stageType>\n" \
    "<featureType>HAAR</featureType>\n<height>4</height>\n<width>4</width>\n"               \
    "<featureParams><maxCatCount>0</maxCatCount></featureParams>\n<stageNum>1</stageNum>\n"

static void test_errors(void) {
    rmn_cascade *c;
    const char *good = HEAD "<stages><_><maxWeakCount>1</maxWeakCount>\n"
                            "<stageThreshold>-1.5</stageThreshold><weakClassifiers><_>\n"
                            "<internalNodes>0 -1 0 0.25</internalNodes>\n"
                            "<leafValues>-1 1</leafValues></_></weakClassifiers></_></stages>\n"
                            "<features><_><rects><_>0 0 2 2 -1.</_><_>1 1 1 1 4.</_></rects>"
                            "</_></features>\n</cascade>\n</opencv_storage>\n";
    int rc = rmn_cascade_load(write_tmp("good.xml", good), &c);
    TAP_OK(rc == RMN_OK && c->nstages == 1 && c->nfeatures == 1 && c->haar[0].nrects == 2 &&
               c->haar[0].r[1].weight == 4.f && c->nodes[0].threshold == 0.25f &&
               c->stages[0].threshold == -1.5f - 1e-5f,
           "a minimal hand-written cascade loads with its values (%s)", rmn_error_message());
    rmn_cascade_free(c);

    const char *broken = HEAD "<stages><_>\n<stageThreshold>-1.5</stageThreshold>\n"
                              "</weakClassifiers>\n</cascade></opencv_storage>\n";
    rc = rmn_cascade_load(write_tmp("broken.xml", broken), &c);
    TAP_OK(rc == RMN_EFORMAT && c == NULL && strstr(rmn_error_message(), "broken.xml:12:") &&
               strstr(rmn_error_message(), "malformed XML"),
           "malformed XML: file and line (%s)", rmn_error_message());

    char bad_feature[2048];
    snprintf(bad_feature, sizeof bad_feature, "%s", good);
    char *p = strstr(bad_feature, "0 -1 0 0.25");
    p[5] = '7'; /* feature index 7 of 1 */
    rc = rmn_cascade_load(write_tmp("badfeat.xml", bad_feature), &c);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "badfeat.xml:") &&
               strstr(rmn_error_message(), "feature 7"),
           "a feature index out of range is named (%s)", rmn_error_message());

    snprintf(bad_feature, sizeof bad_feature, "%s", good);
    p = strstr(bad_feature, "1 1 1 1 4.");
    p[4] = '9'; /* width 9 > window 4 */
    rc = rmn_cascade_load(write_tmp("outside.xml", bad_feature), &c);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "outside.xml:14:") &&
               strstr(rmn_error_message(), "outside the 4x4 window"),
           "a rectangle outside the window: file and line (%s)", rmn_error_message());

    snprintf(bad_feature, sizeof bad_feature, "%s", good);
    p = strstr(bad_feature, "-1 1</leaf");
    p[3] = 'x';
    rc = rmn_cascade_load(write_tmp("nan.xml", bad_feature), &c);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "nan.xml:13:") &&
               strstr(rmn_error_message(), "not a number"),
           "a bad number: file and line (%s)", rmn_error_message());

    snprintf(bad_feature, sizeof bad_feature, "%s", good);
    p = strstr(bad_feature, "<stageNum>1");
    p[10] = '3';
    rc = rmn_cascade_load(write_tmp("count.xml", bad_feature), &c);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "stageNum"),
           "a stage count that disagrees with <stages> (%s)", rmn_error_message());

    rc = rmn_cascade_load(write_tmp("notcascade.xml", "<?xml version=\"1.0\"?><html/>"), &c);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "opencv_storage"),
           "an XML file that is not a cascade (%s)", rmn_error_message());
    rc = rmn_cascade_load(write_tmp("empty.xml", ""), &c);
    TAP_OK(rc == RMN_EFORMAT, "an empty file (%s)", rmn_error_message());
    rc = rmn_cascade_load("/nonexistent/cascade.xml", &c);
    TAP_OK(rc == RMN_EIO && strstr(rmn_error_message(), "/nonexistent/cascade.xml"),
           "a missing file: RMN_EIO (%s)", rmn_error_message());
}

/* The shipped file `name` with its first `from` replaced by `to`, loaded: the fuzzers' overflow
 * reproducers (a coordinate near INT_MAX once wrapped the bounds checks and segfaulted). */
static int load_edited(const char *name, const char *from, const char *to, rmn_cascade **c) {
    FILE *f = fopen(name, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *text = malloc((size_t)n + strlen(to) + 1);
    size_t got = fread(text, 1, (size_t)n, f);
    fclose(f);
    text[got] = 0;
    char *p = strstr(text, from);
    if (!p) {
        free(text);
        return -1;
    }
    memmove(p + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
    memcpy(p, to, strlen(to));
    int rc = rmn_cascade_load(write_tmp("edited.xml", text), c);
    free(text);
    return rc;
}

static void test_overflow(void) {
    rmn_cascade *c = NULL;
    int rc = load_edited(HAAR_DIR "haarcascade_frontalface_default.xml", "0 6 24 13 -1.",
                         "0 2147483647 24 13 -1.", &c);
    TAP_OK(rc == RMN_EFORMAT && c == NULL && strstr(rmn_error_message(), "edited.xml:") &&
               strstr(rmn_error_message(), "2147483647"),
           "HAAR rectangle y = INT_MAX: refused without overflow (%s)", rmn_error_message());
    rc = load_edited(HAAR_DIR "haarcascade_frontalface_default.xml", "0 6 24 13 -1.",
                     "2147483647 6 2147483647 13 -1.", &c);
    TAP_OK(rc == RMN_EFORMAT && c == NULL, "HAAR rectangle x = w = INT_MAX: refused (%s)",
           rmn_error_message());
    rc = load_edited(HAAR_DIR "haarcascade_frontalface_default.xml", "0 6 24 13 -1.",
                     "-2147483647 6 24 13 -1.", &c);
    TAP_OK(rc == RMN_EFORMAT && c == NULL, "HAAR rectangle x = -INT_MAX: refused (%s)",
           rmn_error_message());
    rc = load_edited(LBP_DIR "lbpcascade_frontalface_improved.xml", "19 24 7 4",
                     "19 24 2147483647 4", &c);
    TAP_OK(rc == RMN_EFORMAT && c == NULL && strstr(rmn_error_message(), "3x3 grid"),
           "LBP block w = INT_MAX: refused without overflow (%s)", rmn_error_message());
    rc = load_edited(LBP_DIR "lbpcascade_frontalface_improved.xml", "19 24 7 4",
                     "19 2147483647 7 2147483647", &c);
    TAP_OK(rc == RMN_EFORMAT && c == NULL, "LBP block y = h = INT_MAX: refused (%s)",
           rmn_error_message());
}

static void test_integral(void) {
    enum { W = 13, H = 9, S = 16 };
    uint8_t img[H * W];
    rmn_rng rng;
    rmn_rng_init(&rng, 2385, 0);
    for (int i = 0; i < W * H; ++i)
        img[i] = (uint8_t)(rmn_rng_uniform(&rng) * 256);
    uint32_t sum[(H + 1) * S], sq[(H + 1) * S], tl[(H + 1) * S];
    rmn_integral(img, W, H, W, sum, sq, tl, S);
    int bad_s = 0, bad_q = 0, bad_t = 0;
    for (int Y = 0; Y <= H; ++Y)
        for (int X = 0; X <= W; ++X) {
            uint64_t s = 0, q = 0, t = 0;
            for (int y = 0; y < H; ++y)
                for (int x = 0; x < W; ++x) {
                    uint32_t v = img[y * W + x];
                    if (x < X && y < Y) {
                        s += v;
                        q += v * v;
                    }
                    if (y < Y && abs(x - X + 1) <= Y - y - 1)
                        t += v;
                }
            bad_s += sum[Y * S + X] != s;
            bad_q += sq[Y * S + X] != q;
            bad_t += tl[Y * S + X] != t;
        }
    TAP_OK(bad_s == 0, "integral image equals brute-force sums (%d mismatches)", bad_s);
    TAP_OK(bad_q == 0, "squared integral equals brute force (%d mismatches)", bad_q);
    TAP_OK(bad_t == 0, "tilted integral equals the 45-degree triangle sums (%d mismatches)", bad_t);
    /* a tilted rectangle (x, y, w, h) on a constant image covers 2wh pixels */
    memset(img, 1, sizeof img);
    rmn_integral(img, W, H, W, sum, NULL, tl, S);
    int x = 5, y = 1, w = 3, h = 2;
    uint32_t ts = tl[y * S + x] - tl[(y + h) * S + x - h] - tl[(y + w) * S + x + w] +
                  tl[(y + w + h) * S + x + w - h];
    TAP_OK(ts == 2u * w * h, "tilted rectangle 5,1,3,2 on ones sums to 2wh = %u", ts);
    uint32_t us = sum[2 * S + 3] - sum[2 * S + 10] - sum[7 * S + 3] + sum[7 * S + 10];
    TAP_OK(us == 35, "upright rectangle 3,2,7,5 on ones sums to 35");
}

static void test_variance_gate(void) {
    if (access(HAAR_DIR "haarcascade_frontalface_default.xml", R_OK) != 0) {
        TAP_SKIP("opencv-data is not installed");
        return;
    }
    rmn_cascade *c;
    if (rmn_cascade_load(HAAR_DIR "haarcascade_frontalface_default.xml", &c) != RMN_OK)
        return;
    enum { W = 30, H = 30, S = 31 };
    uint8_t img[W * H];
    static uint32_t sum[(H + 1) * S], sq[(H + 1) * S];
    for (int i = 0; i < W * H; ++i)
        img[i] = 128 + (i % 2) * 9; /* standard deviation 4.5 <= 10 */
    rmn_integral(img, W, H, W, sum, sq, NULL, S);
    int r = 99;
    int rc = rmn_cascade_eval_window(c, sum, sq, NULL, S, 2, 3, &r);
    TAP_OK(rc == RMN_OK && r == -1, "a flat window is rejected by the variance test (%d)", r);
    for (int i = 0; i < W * H; ++i)
        img[i] = (uint8_t)((i * 37) % 251);
    rmn_integral(img, W, H, W, sum, sq, NULL, S);
    rc = rmn_cascade_eval_window(c, sum, sq, NULL, S, 2, 3, &r);
    TAP_OK(rc == RMN_OK && r <= 0, "a noise window is rejected by a stage (%d)", r);
    rmn_cascade_free(c);
}

static void test_group(void) {
    rmn_rect r[] = {{100, 100, 50, 50}, {102, 98, 52, 52}, {98, 101, 49, 50}, {101, 103, 50, 48},
                    {300, 40, 30, 30},  {302, 41, 30, 30}, {10, 10, 20, 20},  {110, 110, 20, 20}};
    int n = 8, nb[8];
    int rc = rmn_group_rects(r, &n, 1, 0.2, nb);
    TAP_OK(rc == RMN_OK && n == 2, "two groups with more than 1 member survive (%d)", n);
    TAP_OK(n >= 1 && r[0].x == 100 && r[0].y == 100 && r[0].w == 50 && r[0].h == 50 && nb[0] == 4,
           "the first group is the rounded mean (%d,%d,%d,%d) of its 4 members", r[0].x, r[0].y,
           r[0].w, r[0].h);
    TAP_OK(n == 2 && r[1].x == 301 && r[1].w == 30 && nb[1] == 2,
           "the second group: x %d (mean 301), 2 members", r[1].x);
    rmn_rect q[] = {{0, 0, 10, 10}, {50, 50, 10, 10}};
    n = 2;
    rmn_group_rects(q, &n, 0, 0.2, NULL);
    TAP_OK(n == 2, "min_neighbors 0 returns the rectangles unchanged");
    /* a small well-supported box inside a bigger better-supported one is dropped */
    rmn_rect in[12];
    for (int i = 0; i < 8; ++i)
        in[i] = (rmn_rect){200, 200, 100, 100};
    for (int i = 8; i < 12; ++i)
        in[i] = (rmn_rect){230, 230, 40, 40};
    n = 12;
    rmn_group_rects(in, &n, 2, 0.2, nb);
    TAP_OK(n == 1 && in[0].w == 100 && nb[0] == 8, "an inner box with fewer members is dropped");
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "%s/rmn-test-cascade.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        return 99;
    test_shipped();
    test_errors();
    test_overflow();
    test_integral();
    test_variance_gate();
    test_group();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", tmpdir);
    return tap_done();
}

/* test-imagenet.c -- image folders and the ImageNet transform (issue #16, point 4): antialiased
 * resampling against PyTorch (tests/data/imagenet/resample.safetensors); RandomResizedCrop's
 * boxes; the evaluation's Resize + CenterCrop and the normalisation; a generated tree of class
 * folders listed, decoded, cached (used again, rebuilt when a file changes) and loaded with its
 * digest; the pooled layout's stable split; bad trees (an unreadable image, an empty class
 * folder, a class folder train/ lacks, no val/) refused naming the file or folder; top-5. */
#include "core/error.h"
#include "core/rng.h"
#include "core/safetensors.h"
#include "core/sha256.h"
#include "data/batch.h"
#include "data/dataset.h"
#include "data/folder.h"
#include "data/folder_cache.h"
#include "data/resample.h"
#include "image/image.h"
#include "train/evaluate.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

static char tmp[256];

static const char *tmp_path(const char *rel) {
    static char p[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmp, rel);
    return p[k];
}

static void mkdirs(const char *path) {
    char b[1024];
    snprintf(b, sizeof b, "%s", path);
    for (char *p = b + 1; *p; ++p)
        if (*p == '/') {
            *p = '\0';
            mkdir(b, 0777);
            *p = '/';
        }
    mkdir(b, 0777);
}

// --- resampling and the transform -------------------------------------------------------------

static double worst_diff(const float *a, const float *b, size_t n) {
    double w = 0;
    for (size_t i = 0; i < n; ++i)
        w = fmax(w, fabs((double)a[i] - b[i]));
    return w;
}

static void test_resample(void) {
    char p[1024];
    snprintf(p, sizeof p, "%s/tests/data/imagenet/resample.safetensors", getenv("RMN_SRCDIR") ? getenv("RMN_SRCDIR") : ".");
    rmn_st_file *f;
    if (!TAP_OK(rmn_st_open(p, &f) == RMN_OK, "golden resample opens"))
        return;
    static float src[23 * 37], want[41 * 60], got[41 * 60], scratch[4096];
    rmn_st_copy_f32(rmn_st_find(f, "src"), src, 23 * 37);
    rmn_st_copy_f32(rmn_st_find(f, "down"), want, 9 * 14);
    rmn_resample_aa(got, 9, 14, src, 37, 0, 0, 23, 37, 9, 14, 0, 0, scratch);
    TAP_OK(worst_diff(got, want, 9 * 14) < 2e-3, "shrinking (antialiased) as PyTorch: worst %.1e of 255",
           worst_diff(got, want, 9 * 14));
    rmn_st_copy_f32(rmn_st_find(f, "up"), want, 41 * 60);
    rmn_resample_aa(got, 41, 60, src, 37, 0, 0, 23, 37, 41, 60, 0, 0, scratch);
    TAP_OK(worst_diff(got, want, 41 * 60) < 2e-3, "enlarging as PyTorch: worst %.1e", worst_diff(got, want, 41 * 60));
    rmn_st_copy_f32(rmn_st_find(f, "crop"), want, 64);
    rmn_resample_aa(got, 8, 8, src + 3 * 37 + 5, 37, 0, 0, 15, 20, 8, 8, 0, 0, scratch);
    TAP_OK(worst_diff(got, want, 64) < 2e-3, "a crop resized alone as PyTorch: worst %.1e", worst_diff(got, want, 64));
    rmn_st_copy_f32(rmn_st_find(f, "center"), want, 256);
    rmn_resample_aa(got, 16, 16, src, 37, 0, 0, 23, 37, 26, 41, 5, 12, scratch);
    TAP_OK(worst_diff(got, want, 256) < 2e-3, "a window of a resize, computed alone, as PyTorch: worst %.1e",
           worst_diff(got, want, 256));
    rmn_resample_aa(got, 23, 37, src, 37, 0, 0, 23, 37, 23, 37, 0, 0, scratch);
    TAP_OK(worst_diff(got, src, 23 * 37) == 0, "the same size is the identity");
    rmn_st_close(f);
    int h, w;
    rmn_resize_shorter(375, 500, 256, &h, &w);
    TAP_OK(h == 256 && w == 341, "Resize(256) of 500 x 375 gives 341 x 256 (truncated, as torchvision)");
    rmn_resize_shorter(500, 333, 256, &h, &w);
    TAP_OK(h == 384 && w == 256, "and of 333 x 500 gives 256 x 384");
}

static void test_crop(void) {
    rmn_rng r;
    rmn_rng_init(&r, 11, RMN_STREAM_AUGMENT);
    int inside = 1, ratio_ok = 1, area_ok = 1, small = 0, large = 0;
    for (int i = 0; i < 2000; ++i) {
        int t, l, ch, cw;
        rmn_random_resized_crop(&r, 150, 160, &t, &l, &ch, &cw);
        inside &= t >= 0 && l >= 0 && t + ch <= 150 && l + cw <= 160 && ch > 0 && cw > 0;
        const double ratio = (double)cw / ch, area = (double)ch * cw / (150.0 * 160.0);
        ratio_ok &= ratio > 0.70 && ratio < 1.40;
        area_ok &= area > 0.06 && area <= 1.0;
        small += area < 0.2;
        large += area > 0.8;
    }
    TAP_OK(inside && ratio_ok && area_ok, "RandomResizedCrop boxes lie inside, ratio in [3/4, 4/3], area in [0.08, 1]");
    TAP_OK(small > 100 && large > 10, "areas spread over the range (%d small, %d large of 2000)", small, large);
    int t, l, ch, cw;
    rmn_random_resized_crop(&r, 10, 1000, &t, &l, &ch, &cw); /* nothing fits: the centred fallback */
    TAP_OK(ch == 10 && cw == 13 && t == 0 && l == 493, "a very wide image falls back to a centred 4:3 crop (%d x %d at %d)",
           cw, ch, l);
}

static void test_transform(void) {
    enum { H = 30, W = 44 };
    static uint8_t px[H * W * 3];
    for (int i = 0; i < H * W * 3; ++i)
        px[i] = (uint8_t)((i * 7 + i / 3) % 256);
    uint64_t off = 0;
    uint16_t hh = H, ww = W;
    int32_t label = 2, row = 0;
    rmn_split_data sp = {.n = 1, .channels = 3, .pixels = px, .offsets = &off, .heights = &hh, .widths = &ww,
                         .labels = &label, .source_row = &row, .max_h = H, .max_w = W};
    rmn_batch_spec ev = {.size = 16, .channels = 3, .transform = RMN_TRANSFORM_IMAGENET};
    float *scratch = malloc(rmn_batch_scratch_floats(&ev, &sp) * sizeof *scratch);
    static float out[3 * 16 * 16], plane[H * W], want[256], ws[4096];
    rmn_batch_image(out, scratch, &sp, 0, &ev, NULL);
    /* by hand: Resize(18) (16 * 256 / 224 = 18.3 -> 18) of 44 x 30 is 26 x 18; CenterCrop(16) from
     * row round(1.0) = 1, column round(5.0) = 5; channel 1, normalised */
    for (int i = 0; i < H * W; ++i)
        plane[i] = px[3 * i + 1] / 255.0f;
    rmn_resample_aa(want, 16, 16, plane, W, 0, 0, H, W, 18, 26, 1, 5, ws);
    double worst = 0;
    for (int i = 0; i < 256; ++i)
        worst = fmax(worst, fabs(out[256 + i] - (want[i] - 0.456f) / 0.224f));
    TAP_OK(rmn_batch_resize_side(224) == 256 && worst < 1e-5,
           "evaluation: Resize(S*256/224), CenterCrop(S), ImageNet's mean and std (worst %.1e)", worst);
    rmn_augment_params aug = {.flip_p = 0.5};
    rmn_batch_spec tr = ev;
    tr.augment = &aug;
    static float a[3 * 256], b[3 * 256];
    rmn_rng r1, r2;
    rmn_rng_init(&r1, 5, RMN_STREAM_AUGMENT);
    rmn_rng_init(&r2, 5, RMN_STREAM_AUGMENT);
    rmn_batch_image(a, scratch, &sp, 0, &tr, &r1);
    rmn_batch_image(b, scratch, &sp, 0, &tr, &r2);
    TAP_OK(memcmp(a, b, sizeof a) == 0 && memcmp(&r1, &r2, sizeof r1) == 0, "training draws: the same stream, the same crop");
    int differ = 0;
    for (int i = 0; i < 8; ++i) {
        rmn_batch_image(b, scratch, &sp, 0, &tr, &r1);
        differ += memcmp(a, b, sizeof a) != 0;
    }
    TAP_OK(differ >= 7, "and the next draws other crops (%d of 8 differ)", differ);
    int32_t idx = 0;
    rmn_batch_spec one = {.size = 16, .channels = 1, .transform = RMN_TRANSFORM_IMAGENET};
    TAP_OK(rmn_batch_fill(out, NULL, scratch, &sp, &idx, 1, &one, NULL) == RMN_EINVAL, "one channel is refused");
    free(scratch);
}

static void test_top5(void) {
    const double p[7] = {0.1, 0.3, 0.05, 0.2, 0.15, 0.12, 0.08};
    TAP_OK(rmn_in_top5(p, 7, 1) && rmn_in_top5(p, 7, 5) && !rmn_in_top5(p, 7, 6) && !rmn_in_top5(p, 7, 2),
           "top-5: the fifth most probable is in, the sixth is not");
    const double tie[6] = {0.2, 0.2, 0.2, 0.2, 0.2, 0.2};
    TAP_OK(!rmn_in_top5(tie, 6, 0), "ties count against the label");
}

// --- image folders ----------------------------------------------------------------------------

static void write_image(const char *rel, int w, int h, int c, int seed) {
    rmn_image img;
    RMN_ASSERT(rmn_image_init(&img, w, h, c) == RMN_OK);
    for (int i = 0; i < w * h * c; ++i)
        img.data[i] = (uint8_t)((i * 13 + seed * 71 + (i / (w * c)) * 3) % 256);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", tmp_path(rel));
    *strrchr(dir, '/') = '\0';
    mkdirs(dir);
    RMN_ASSERT((strstr(rel, ".png") ? rmn_image_save_png(tmp_path(rel), &img)
                                    : rmn_image_save_jpeg(tmp_path(rel), &img, 92)) == RMN_OK);
    rmn_image_free(&img);
}

/* tree/{train,val}/{ant,bee,cat}: 4 train and 2 val images each, sizes and formats mixed, gray
 * and RGB, one in a sub-folder, one file that is not an image */
static void make_tree(const char *root) {
    static const char *const cls[3] = {"ant", "bee", "cat"};
    char rel[256];
    for (int c = 0; c < 3; ++c)
        for (int i = 0; i < 6; ++i) {
            snprintf(rel, sizeof rel, "%s/%s/%s/%s%d.%s", root, i < 4 ? "train" : "val", cls[c], i == 3 ? "sub/" : "",
                     i, i % 2 ? "png" : "JPG");
            write_image(rel, 20 + 7 * i + c, 18 + 5 * c + i, i == 2 ? 1 : 3, 10 * c + i);
        }
    snprintf(rel, sizeof rel, "%s/train/ant/readme.txt", root);
    FILE *f = fopen(tmp_path(rel), "w");
    fputs("not an image\n", f);
    fclose(f);
}

static int count_decodes(const char *dir, int side, rmn_dataset *ds) {
    rmn_dataset_options o = {.side = side, .quiet = 1};
    return rmn_folder_load(dir, &o, ds);
}

static void test_folder(void) {
    make_tree("tree");
    const char *dir = tmp_path("tree");
    rmn_folder_list l;
    if (!TAP_OK(rmn_folder_list_files(dir, &l) == RMN_OK, "the tree lists (%s)", rmn_error_message()))
        return;
    TAP_OK(l.n_classes == 3 && strcmp(l.classes[0], "ant") == 0 && strcmp(l.classes[2], "cat") == 0 && l.n == 18,
           "3 classes sorted, 18 images");
    TAP_OK(l.ignored == 1 && l.test_is_val && !l.pooled, "the text file is left out; no test/: val stands in");
    TAP_OK(strcmp(l.path[0], "train/ant/0.JPG") == 0 && strcmp(l.path[3], "train/ant/sub/3.png") == 0,
           "files in order, a folder's own before its sub-folders' (%s, %s)", l.path[0], l.path[3]);
    rmn_folder_list_free(&l);

    rmn_dataset ds;
    if (!TAP_OK(count_decodes(dir, 24, &ds) == RMN_OK, "the tree loads at side 24 (%s)", rmn_error_message()))
        return;
    TAP_OK(ds.n_classes == 3 && ds.split[0].n == 12 && ds.split[1].n == 6 && ds.split[2].n == 6 && ds.test_is_val,
           "12 train, 6 val, the val images as test");
    TAP_OK(strcmp(ds.kind, "folder") == 0 && strcmp(ds.name, "tree") == 0 && ds.split[0].channels == 3,
           "kind folder, named after the folder, RGB");
    int shorter = 1;
    for (int k = 0; k < 3; ++k)
        for (int32_t i = 0; i < ds.split[k].n; ++i) {
            const int h = ds.split[k].heights[i], w = ds.split[k].widths[i];
            shorter &= (h < w ? h : w) == 24;
        }
    TAP_OK(shorter, "every cached image's shorter side is 24");
    /* the digest: "PATH SHA256\n" per file in order */
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    for (int32_t i = 0; i < ds.n_files; ++i) {
        char hex[RMN_SHA256_HEX], p[1200];
        snprintf(p, sizeof p, "%s/%s", dir, ds.files[i]);
        rmn_sha256_file(p, hex);
        fprintf(m, "%s %s\n", ds.files[i], hex);
    }
    fclose(m);
    char want[RMN_SHA256_HEX];
    rmn_sha256_hex(text, len, want);
    free(text);
    TAP_OK(strcmp(ds.sha256, want) == 0, "the digest covers every file's path and bytes");
    char sha1[RMN_SHA256_HEX];
    snprintf(sha1, sizeof sha1, "%s", ds.sha256);
    /* a gray image is cached as three equal channels; image 2 of ant is gray */
    int h, w;
    const uint8_t *g = rmn_split_image(&ds.split[0], 2, &h, &w);
    TAP_OK(g[0] == g[1] && g[1] == g[2] && g[3 * 5] == g[3 * 5 + 2], "gray files become RGB");
    rmn_dataset_free(&ds);

    char cache[4400];
    rmn_folder_cache_file(dir, 24, cache, sizeof cache);
    struct stat st1, st2;
    stat(cache, &st1);
    sleep(1); /* a rebuilt cache would have another modification time */
    TAP_OK(count_decodes(dir, 24, &ds) == RMN_OK && strcmp(ds.sha256, sha1) == 0, "a second load gives the same data");
    stat(cache, &st2);
    TAP_OK(st1.st_mtime == st2.st_mtime && st1.st_ino == st2.st_ino, "from the cache, untouched");
    rmn_dataset_free(&ds);
    write_image("tree/train/bee/1.png", 33, 21, 3, 99); /* changed content, size and time */
    TAP_OK(count_decodes(dir, 24, &ds) == RMN_OK && strcmp(ds.sha256, sha1) != 0, "a changed file: another digest");
    stat(cache, &st2);
    TAP_OK(st2.st_ino != st1.st_ino, "and the cache was rebuilt");
    rmn_dataset_free(&ds);
    /* a corrupt cache is never trusted */
    FILE *cf = fopen(cache, "r+b");
    fseek(cf, -3, SEEK_END);
    fputc('x', cf);
    fclose(cf);
    TAP_OK(count_decodes(dir, 24, &ds) == RMN_OK && ds.split[0].n == 12, "a corrupt cache is rebuilt");
    rmn_dataset_free(&ds);
    /* the thesis's transform on a folder: gray at 32, one channel */
    if (count_decodes(dir, 32, &ds) == RMN_OK) {
        rmn_batch_spec th = {.size = 32, .channels = 1};
        float *sc = malloc(rmn_batch_scratch_floats(&th, &ds.split[0]) * sizeof *sc), x[2 * 32 * 32];
        int32_t idx[2] = {0, 5}, lab[2];
        TAP_OK(rmn_batch_fill(x, lab, sc, &ds.split[0], idx, 2, &th, NULL) == RMN_OK && lab[0] == 0 && lab[1] == 1,
               "a folder's images make thesis batches (resized whole, gray)");
        free(sc);
        rmn_dataset_free(&ds);
    }
}

static void test_pooled(void) {
    char rel[256];
    for (int i = 0; i < 30; ++i) {
        snprintf(rel, sizeof rel, "pool/%s/img%02d.png", i % 2 ? "happy" : "sad", i);
        write_image(rel, 16, 16, 1, i);
    }
    rmn_folder_list l;
    if (!TAP_OK(rmn_folder_list_files(tmp_path("pool"), &l) == RMN_OK, "a pooled tree lists"))
        return;
    int n[3] = {0}, stable = 1;
    for (int32_t i = 0; i < l.n; ++i) {
        ++n[l.split[i]];
        char hex[RMN_SHA256_HEX];
        rmn_sha256_hex(l.path[i], strlen(l.path[i]), hex);
        hex[8] = '\0';
        const unsigned long v = strtoul(hex, NULL, 16) % 10;
        stable &= l.split[i] == (v < 8 ? 0 : v == 8 ? 1 : 2);
    }
    TAP_OK(l.pooled && l.n == 30 && stable, "split by each path's digest (%d train, %d val, %d test)", n[0], n[1], n[2]);
    rmn_folder_list_free(&l);
}

static void expect_refused(const char *dir, const char *want, const char *what) {
    rmn_dataset ds;
    memset(&ds, 0x5a, sizeof ds);
    int rc = count_decodes(tmp_path(dir), 24, &ds);
    const char *m = rmn_error_message();
    rmn_dataset zero;
    memset(&zero, 0, sizeof zero);
    TAP_OK(rc != RMN_OK && strstr(m, want) && memcmp(&ds, &zero, sizeof ds) == 0, "%s: %s [%s]", what, want, m);
}

static void test_bad(void) {
    make_tree("bad1");
    FILE *f = fopen(tmp_path("bad1/val/bee/5.png"), "wb"); /* truncated: a PNG header only */
    fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
    fclose(f);
    f = fopen(tmp_path("bad1/train/cat/0.JPG"), "wb");
    fputs("plain text", f);
    fclose(f);
    expect_refused("bad1", "2 unreadable image files", "two unreadable files");
    const char *m = rmn_error_message();
    TAP_OK(strstr(m, "train/cat/0.JPG: not a PNG or JPEG") && strstr(m, "val/bee/5.png"), "both are named");
    char *rep = NULL;
    size_t rl = 0;
    FILE *r = open_memstream(&rep, &rl);
    rmn_dataset ds;
    rmn_dataset_options o = {.side = 24, .quiet = 1};
    rmn_folder_load_report(tmp_path("bad1"), &o, r, &ds);
    fclose(r);
    int lines = 0;
    for (char *p = rep; p && *p; ++p)
        lines += *p == '\n';
    TAP_OK(lines == 2, "the report has a line per unreadable file (%d)", lines);
    free(rep);
    char cache[4400];
    rmn_folder_cache_file(tmp_path("bad1"), 24, cache, sizeof cache);
    TAP_OK(access(cache, F_OK) != 0, "no cache is left behind");

    make_tree("bad2");
    mkdirs(tmp_path("bad2/train/dog"));
    expect_refused("bad2", "bad2/train/dog: empty class folder", "an empty class folder");
    make_tree("bad3");
    write_image("bad3/val/eel/0.png", 20, 20, 3, 1);
    expect_refused("bad3", "bad3/val/eel: a class folder that train/ has not", "a val class train/ lacks");
    write_image("bad4/train/a/0.png", 20, 20, 3, 1);
    expect_refused("bad4", "has train/ but no val/", "train/ without val/");
    mkdirs(tmp_path("bad5"));
    expect_refused("bad5", "no class folder", "a folder without classes");
}

int main(void) {
    snprintf(tmp, sizeof tmp, "/tmp/rmn-imagenet-XXXXXX");
    if (!mkdtemp(tmp))
        return 1;
    setenv("RMN_CACHE_DIR", tmp_path("cache"), 1);
    test_resample();
    test_crop();
    test_transform();
    test_top5();
    test_folder();
    test_pooled();
    test_bad();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        TAP_OK(0, "scratch removed");
    return tap_done();
}

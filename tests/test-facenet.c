/* test-facenet.c -- the face-api networks: TensorFlow.js manifest parsing (well-formed and
 * malformed), missing weights, and the tiny face detector against face-api's own outputs
 * (tests/data/face-api/golden.txt, made by tools/face-api/golden.mjs): same number of faces,
 * boxes within 1 px, scores within 1e-4. Tests needing the npm weights skip without them.
 *
 *   test-facenet                      TAP
 *   test-facenet --dump-ppm IMG OUT   our decoder's RGB pixels as binary PPM (for golden.mjs)
 *   test-facenet --print IMG...       our detections in golden.txt's format
 *   test-facenet --peer DATA [N]      FER2013 PrivateTest of DATA (first N images): accuracy of the
 *                                     shipped model without and with eye alignment, and of
 *                                     face-api's expression net (its own input convention) */
#include "core/error.h"
#include "detect/tfjs.h"
#include "data/fer2013.h"
#include "detect/align.h"
#include "detect/facenet.h"
#include "detect/model.h"
#include "detect/paths.h"
#include "detect/ssd.h"
#include "detect/tinyface.h"
#include "image/image.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *srcdir;

static int parse_str(const char *json, const uint8_t *bin, size_t nbin, rmn_tfjs *m) {
    return rmn_tfjs_parse(json, strlen(json), bin, nbin, "test.json", m);
}

static void test_manifest(void) {
    rmn_tfjs m;
    uint8_t bin[16] = {0, 1, 2, 255, 0, 0, 128, 63, 7, 0, 0, 0, 255, 255, 255, 255};
    const char *good =
        "[{\"paths\":[\"a.bin\"],\"weights\":["
        "{\"name\":\"q\",\"shape\":[2,2],\"dtype\":\"float32\",\"quantization\":{\"dtype\":\"uint8\",\"scale\":0.5,\"min\":-1}},"
        "{\"name\":\"f\",\"shape\":[],\"dtype\":\"float32\"},"
        "{\"name\":\"i\",\"shape\":[2],\"dtype\":\"int32\"}]}]";
    int rc = parse_str(good, bin, sizeof bin, &m);
    TAP_OK(rc == RMN_OK && m.n == 3, "a well-formed manifest parses (%s)", rmn_error_message());
    if (rc == RMN_OK) {
        const float *q, *f, *i;
        TAP_OK(rmn_tfjs_get(&m, "q", 2, (const int[]){2, 2}, &q) == RMN_OK && q[0] == -1.f && q[1] == -0.5f &&
                   q[3] == 126.5f, "uint8 quantized values decode as q*scale+min");
        TAP_OK(rmn_tfjs_get(&m, "f", 0, NULL, &f) == RMN_OK && f[0] == 1.f, "float32 scalar");
        TAP_OK(rmn_tfjs_get(&m, "i", 1, (const int[]){2}, &i) == RMN_OK && i[0] == 7.f && i[1] == -1.f, "int32 values");
        TAP_OK(rmn_tfjs_get(&m, "q", 2, (const int[]){2, 3}, &q) == RMN_EFORMAT &&
                   strstr(rmn_error_message(), "test.json"), "a wrong shape is refused naming the manifest");
        TAP_OK(rmn_tfjs_get(&m, "nope", 0, NULL, &q) == RMN_ENOTFOUND && strstr(rmn_error_message(), "'nope'"),
               "a missing weight is named");
        rmn_tfjs_free(&m);
    }
    static const struct {
        const char *json, *what;
    } bad[] = {
        {"{", "not JSON"},
        {"{}", "not a non-empty array"},
        {"[]", "not a non-empty array"},
        {"[{\"paths\":[\"a\"]}]", "'paths' and 'weights'"},
        {"[{\"paths\":[\"../x\"],\"weights\":[]}]", "plain file name"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[4],\"dtype\":\"float16\"}]}]", "dtype"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[-1],\"dtype\":\"float32\"}]}]", "dimension"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[1,1,1,1,1],\"dtype\":\"float32\"}]}]", "4 dimensions"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[5],\"dtype\":\"float32\"}]}]", "past the end"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[3],\"dtype\":\"float32\"}]}]", "hold 16 bytes"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[2],\"dtype\":\"float32\"},"
         "{\"name\":\"x\",\"shape\":[2],\"dtype\":\"float32\"}]}]", "twice"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[16],\"dtype\":\"float32\","
         "\"quantization\":{\"dtype\":\"int4\",\"scale\":1,\"min\":0}}]}]", "quantization dtype"},
        {"[{\"paths\":[\"a\"],\"weights\":[{\"name\":\"x\",\"shape\":[16],\"dtype\":\"float32\","
         "\"quantization\":{\"dtype\":\"uint8\"}}]}]", "scale and min"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; ++k) {
        rc = parse_str(bad[k].json, bin, sizeof bin, &m);
        TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), bad[k].what) && strstr(rmn_error_message(), "test.json"),
               "malformed manifest %zu refused: %s", k, rmn_error_message());
        if (rc == RMN_OK)
            rmn_tfjs_free(&m);
    }
}

static void test_missing(void) {
    rmn_tinyface *net;
    int rc = rmn_tinyface_load("/nonexistent-face-api", &net);
    TAP_OK(rc == RMN_EIO && strstr(rmn_error_message(), "/nonexistent-face-api/tiny_face_detector_model-weights_manifest.json"),
           "missing weights: the error names the manifest (%s)", rmn_error_message());
}

static const char *PHOTOS[] = {"astronaut.png", "astronaut.jpg", "astronaut-gray.jpg", "chelsea.jpg", "coffee.jpg",
                               "gradient.png"};

static void test_golden(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/face-api/golden.txt", srcdir);
    FILE *g = fopen(path, "r");
    TAP_OK(g != NULL, "golden file %s", path);
    if (!g)
        return;
    rmn_tinyface *net = NULL;
    rmn_ssd *ssd = NULL;
    int rc = rmn_tinyface_load(dir, &net);
    TAP_OK(rc == RMN_OK, "tiny face detector loads%s%s", rc ? ": " : "", rc ? rmn_error_message() : "");
    if (rc == RMN_OK) {
        rc = rmn_ssd_load(dir, &ssd);
        TAP_OK(rc == RMN_OK, "SSD face detector loads%s%s", rc ? ": " : "", rc ? rmn_error_message() : "");
    }
    if (rc != RMN_OK) {
        rmn_tinyface_free(net);
        fclose(g);
        return;
    }
    static const char *KINDS[] = {"tiny", "ssd"};
    char line[512];
    for (int kind = 0; kind < 2; ++kind)
    for (size_t p = 0; p < sizeof PHOTOS / sizeof *PHOTOS; ++p) {
        rmn_image img;
        snprintf(path, sizeof path, "%s/tests/data/photos/%s", srcdir, PHOTOS[p]);
        if (rmn_image_load(path, &img) != RMN_OK) {
            TAP_OK(0, "%s loads", path);
            continue;
        }
        rmn_cnn_box *b = NULL;
        int n = 0;
        rc = kind ? rmn_ssd_detect(ssd, &img, 0.5f, &b, &n) : rmn_tinyface_detect(net, &img, 416, 0.5f, &b, &n);
        int want = 0, ok = rc == RMN_OK;
        rewind(g);
        while (fgets(line, sizeof line, g)) {
            char kname[32], name[128];
            float x0, y0, x1, y1, s;
            if (sscanf(line, "%31s %127s %f %f %f %f %f", kname, name, &x0, &y0, &x1, &y1, &s) != 7 ||
                strcmp(kname, KINDS[kind]) || strcmp(name, PHOTOS[p]))
                continue;
            if (want < n) {
                const rmn_cnn_box *q = &b[want];
                if (fabsf(q->x0 - x0) > 1 || fabsf(q->y0 - y0) > 1 || fabsf(q->x1 - x1) > 1 ||
                    fabsf(q->y1 - y1) > 1 || fabsf(q->score - s) > 1e-4f) {
                    ok = 0;
                    tap_diag("%s: %s face %d: got %.3f %.3f %.3f %.3f %.6f, face-api %.3f %.3f %.3f %.3f %.6f", KINDS[kind], PHOTOS[p],
                             want, q->x0, q->y0, q->x1, q->y1, q->score, x0, y0, x1, y1, s);
                }
            }
            ++want;
        }
        TAP_OK(ok && n == want, "%s: %s: %d faces as face-api (%d), boxes within 1 px, scores within 1e-4",
               KINDS[kind], PHOTOS[p], n, want);
        free(b);
        rmn_image_free(&img);
    }
    rmn_tinyface_free(net);
    rmn_ssd_free(ssd);
    fclose(g);
}

/* The crop [x0, x1) x [y0, y1) of img (RGB or gray). */
static int crop_of(const rmn_image *img, int x0, int y0, int x1, int y1, rmn_image *out) {
    RMN_TRY(rmn_image_init(out, x1 - x0, y1 - y0, img->c));
    for (int y = y0; y < y1; ++y)
        memcpy(out->data + (size_t)(y - y0) * out->w * img->c, img->data + ((size_t)y * img->w + x0) * img->c,
               (size_t)out->w * img->c);
    return RMN_OK;
}

/* landmarks and expression lines of the golden file against ours on the same crops */
static void test_facenets(const char *dir) {
    char path[4096], line[8192];
    snprintf(path, sizeof path, "%s/tests/data/face-api/golden.txt", srcdir);
    FILE *g = fopen(path, "r");
    if (!g)
        return;
    rmn_facenet *nets[2] = {NULL, NULL};
    int rc = rmn_facenet_load(dir, RMN_FACENET_LANDMARKS, &nets[0]);
    if (rc == RMN_OK)
        rc = rmn_facenet_load(dir, RMN_FACENET_EXPRESSION, &nets[1]);
    TAP_OK(rc == RMN_OK, "landmark and expression nets load%s%s", rc ? ": " : "", rc ? rmn_error_message() : "");
    int seen = 0;
    while (rc == RMN_OK && fgets(line, sizeof line, g)) {
        char kind[32], name[128];
        int x0, y0, x1, y1, used;
        if (sscanf(line, "%31s %127s %d %d %d %d%n", kind, name, &x0, &y0, &x1, &y1, &used) != 6)
            continue;
        int k = strcmp(kind, "landmarks") == 0 ? 0 : strcmp(kind, "expression") == 0 ? 1 : -1;
        if (k < 0)
            continue;
        int nv = k ? 7 : 136;
        float want[136], got[136];
        const char *p = line + used;
        int okp = 1;
        for (int i = 0; i < nv && okp; ++i) {
            char *end;
            want[i] = strtof(p, &end);
            okp = end != p;
            p = end;
        }
        rmn_image img, crop;
        snprintf(path, sizeof path, "%s/tests/data/photos/%s", srcdir, name);
        if (!okp || rmn_image_load(path, &img) != RMN_OK) {
            TAP_OK(0, "%s %s: golden line and photo read", kind, name);
            continue;
        }
        int r2 = crop_of(&img, x0, y0, x1, y1, &crop);
        if (r2 == RMN_OK)
            r2 = rmn_facenet_run(nets[k], &crop, got);
        double worst = 0;
        for (int i = 0; r2 == RMN_OK && i < nv; ++i) {
            /* landmarks: relative -> crop pixels */
            double v = k ? got[i] : got[i] * (i % 2 ? crop.h : crop.w);
            worst = fmax(worst, fabs(v - want[i]));
        }
        TAP_OK(r2 == RMN_OK && worst <= (k ? 1e-4 : 1.0), "%s on %s's face: within %s of face-api (worst %.3g)", kind,
               name, k ? "1e-4" : "1 px", worst);
        ++seen;
        rmn_image_free(&crop);
        rmn_image_free(&img);
    }
    TAP_OK(rc != RMN_OK || seen >= 2, "golden landmark and expression lines checked (%d)", seen);
    rmn_facenet_free(nets[0]);
    rmn_facenet_free(nets[1]);
    fclose(g);
}

/* Accuracies (%) on the test split of data (at most limit images; 0: all): the shipped model
 * plain and aligned, face-api's expression net; *n images used. */
static int peer_eval(const char *dir, const char *data, int limit, double acc[3], int *nused) {
    rmn_dataset ds;
    RMN_TRY(rmn_dataset_load(data, &ds));
    char mb[4096], looked[8300];
    const char *mp = rmn_detect_model_path(NULL, mb, sizeof mb, looked, sizeof looked);
    rmn_detect_model *model = NULL;
    rmn_facenet *lm = NULL, *ex = NULL;
    int rc = mp ? rmn_detect_model_load(mp, &model) : RMN_ERROR(RMN_ENOTFOUND, "no shipped model (%s)", looked);
    if (rc == RMN_OK)
        rc = rmn_facenet_load(dir, RMN_FACENET_LANDMARKS, &lm);
    if (rc == RMN_OK)
        rc = rmn_facenet_load(dir, RMN_FACENET_EXPRESSION, &ex);
    const rmn_split_data *t = &ds.split[RMN_SPLIT_TEST];
    int n = limit > 0 && limit < t->n ? limit : t->n, hit[3] = {0, 0, 0};
    if (rc == RMN_OK && rmn_detect_model_input_size(model) != RMN_FER_SIDE)
        rc = RMN_ERROR(RMN_EINVAL, "the shipped model's input is not 48 px");
    for (int i = 0; rc == RMN_OK && i < n; ++i) {
        const uint8_t *px = t->pixels + (size_t)i * RMN_FER_PIXELS;
        rmn_image img = {RMN_FER_SIDE, RMN_FER_SIDE, 1, (uint8_t *)px};
        float p[RMN_DETECT_MAX_CLASSES], l[136], e[7];
        uint8_t rot[RMN_FER_PIXELS];
        int best;
        rc = rmn_detect_model_classify(model, px, p);
        best = 0;
        for (int k = 1; rc == RMN_OK && k < 7; ++k)
            best = p[k] > p[best] ? k : best;
        hit[0] += rc == RMN_OK && best == t->labels[i];
        if (rc == RMN_OK)
            rc = rmn_facenet_run(lm, &img, l);
        if (rc == RMN_OK) {
            double cx, cy, a = rmn_align_eye_angle(l, RMN_FER_SIDE, RMN_FER_SIDE, &cx, &cy);
            rmn_align_rotate(px, RMN_FER_SIDE, RMN_FER_SIDE, a, RMN_FER_SIDE / 2.0, RMN_FER_SIDE / 2.0, rot, 0, 0,
                             RMN_FER_SIDE, RMN_FER_SIDE);
            rc = rmn_detect_model_classify(model, rot, p);
        }
        best = 0;
        for (int k = 1; rc == RMN_OK && k < 7; ++k)
            best = p[k] > p[best] ? k : best;
        hit[1] += rc == RMN_OK && best == t->labels[i];
        if (rc == RMN_OK)
            rc = rmn_facenet_run(ex, &img, e);
        best = 0;
        for (int k = 1; rc == RMN_OK && k < 7; ++k)
            best = e[k] > e[best] ? k : best;
        hit[2] += rc == RMN_OK && RMN_FACENET_TO_FER[best] == t->labels[i];
    }
    for (int k = 0; k < 3; ++k)
        acc[k] = n ? 100.0 * hit[k] / n : 0;
    *nused = n;
    rmn_facenet_free(lm);
    rmn_facenet_free(ex);
    rmn_detect_model_free(model);
    rmn_dataset_free(&ds);
    return rc;
}

static int dump_ppm(const char *in, const char *out) {
    rmn_image img, rgb;
    if (rmn_image_load(in, &img) != RMN_OK || rmn_image_to_rgb(&img, &rgb) != RMN_OK) {
        fprintf(stderr, "test-facenet: %s\n", rmn_error_message());
        return 1;
    }
    FILE *f = fopen(out, "wb");
    int ok = f && fprintf(f, "P6\n%d %d\n255\n", rgb.w, rgb.h) > 0 &&
             fwrite(rgb.data, 3, (size_t)rgb.w * rgb.h, f) == (size_t)rgb.w * rgb.h;
    ok = f && fclose(f) == 0 && ok;
    rmn_image_free(&img);
    rmn_image_free(&rgb);
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    srcdir = getenv("RMN_SRCDIR") ? getenv("RMN_SRCDIR") : ".";
    if (argc == 4 && strcmp(argv[1], "--dump-ppm") == 0)
        return dump_ppm(argv[2], argv[3]);
    char buf[4096], looked[8192];
    const char *dir = rmn_face_models_dir(buf, sizeof buf, looked, sizeof looked);
    if (argc >= 3 && strcmp(argv[1], "--peer") == 0) {
        double acc[3];
        int n;
        if (!dir || peer_eval(dir, argv[2], argc > 3 ? atoi(argv[3]) : 0, acc, &n) != RMN_OK)
            return fprintf(stderr, "test-facenet: %s %s\n", dir ? "" : looked, rmn_error_message()), 1;
        printf("%s PrivateTest, %d images: shipped model %.2f%%, shipped model with eye alignment %.2f%%, "
               "face-api expression net %.2f%%\n", argv[2], n, acc[0], acc[1], acc[2]);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--print") == 0) {
        rmn_tinyface *net;
        if (!dir || rmn_tinyface_load(dir, &net) != RMN_OK)
            return fprintf(stderr, "test-facenet: no weights (%s) %s\n", looked, rmn_error_message()), 1;
        rmn_ssd *ssd;
        if (rmn_ssd_load(dir, &ssd) != RMN_OK)
            return fprintf(stderr, "test-facenet: %s\n", rmn_error_message()), 1;
        for (int i = 2; i < argc; ++i) {
            rmn_image img;
            rmn_cnn_box *b;
            int n;
            const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
            if (rmn_image_load(argv[i], &img) != RMN_OK || rmn_tinyface_detect(net, &img, 416, 0.5f, &b, &n) != RMN_OK)
                return fprintf(stderr, "test-facenet: %s\n", rmn_error_message()), 1;
            for (int k = 0; k < n; ++k)
                printf("tiny %s %.6f %.6f %.6f %.6f %.7f\n", base, b[k].x0, b[k].y0, b[k].x1, b[k].y1, b[k].score);
            free(b);
            if (rmn_ssd_detect(ssd, &img, 0.5f, &b, &n) != RMN_OK)
                return fprintf(stderr, "test-facenet: %s\n", rmn_error_message()), 1;
            for (int k = 0; k < n; ++k)
                printf("ssd %s %.6f %.6f %.6f %.6f %.7f\n", base, b[k].x0, b[k].y0, b[k].x1, b[k].y1, b[k].score);
            free(b);
            rmn_image_free(&img);
        }
        rmn_tinyface_free(net);
        rmn_ssd_free(ssd);
        return 0;
    }
    test_manifest();
    test_missing();
    if (dir) {
        test_golden(dir);
        test_facenets(dir);
    }
    else {
        char why[9000];
        snprintf(why, sizeof why, "face-api weights not installed (looked in %s; .ci/install-deps installs them)", looked);
        TAP_SKIP(why);
    }
    return tap_done();
}

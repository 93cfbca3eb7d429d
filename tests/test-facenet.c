/* test-facenet.c -- the face-api networks: TensorFlow.js manifest parsing (well-formed and
 * malformed), missing weights, and the tiny face detector against face-api's own outputs
 * (tests/data/face-api/golden.txt, made by tools/face-api/golden.mjs): same number of faces,
 * boxes within 1 px, scores within 1e-4. Tests needing the npm weights skip without them.
 *
 *   test-facenet                      TAP
 *   test-facenet --dump-ppm IMG OUT   our decoder's RGB pixels as binary PPM (for golden.mjs)
 *   test-facenet --print IMG...       our detections in golden.txt's format */
#include "core/error.h"
#include "detect/tfjs.h"
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
    if (dir)
        test_golden(dir);
    else {
        char why[9000];
        snprintf(why, sizeof why, "face-api weights not installed (looked in %s; .ci/install-deps installs them)", looked);
        TAP_SKIP(why);
    }
    return tap_done();
}

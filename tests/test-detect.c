/* test-detect.c -- faces where they are on the test photos (boxes read off the images by eye),
 * none on the face-free ones, the thesis's square crop (1.1x, clamped at borders), the
 * emotion-model checkpoint round trip (a freshly initialised democnn, nothing trained), the
 * JSON fields of the rmn package, and model-loading errors. */
#include "core/error.h"
#include "core/safetensors.h"
#include "detect/faces.h"
#include "image/draw.h"
#include "models/model.h"
#include "nn/net.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CASCADE "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"

static char tmpdir[256];
static const char *srcdir;

static const char *photo(const char *name) {
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/tests/data/photos/%s", srcdir, name);
    return buf;
}

static double iou(rmn_box a, rmn_box b) {
    int x0 = a.xmin > b.xmin ? a.xmin : b.xmin, y0 = a.ymin > b.ymin ? a.ymin : b.ymin;
    int x1 = a.xmax < b.xmax ? a.xmax : b.xmax, y1 = a.ymax < b.ymax ? a.ymax : b.ymax;
    double inter = x1 > x0 && y1 > y0 ? (double)(x1 - x0) * (y1 - y0) : 0;
    double ua = (double)(a.xmax - a.xmin) * (a.ymax - a.ymin) +
                (double)(b.xmax - b.xmin) * (b.ymax - b.ymin) - inter;
    return inter / ua;
}

static void test_photos(const rmn_cascade *c) {
    static const struct {
        const char *file;
        int faces;
        rmn_box ref; /* the face by eye: forehead to chin, ear to ear */
    } cases[] = {
        {"astronaut.png", 1, {85, 28, 140, 85}},
        {"astronaut.jpg", 1, {85, 28, 140, 85}},
        {"astronaut-gray.jpg", 1, {66, 22, 109, 66}},
        {"coffee.jpg", 0, {0, 0, 0, 0}},
        {"chelsea.jpg", 0, {0, 0, 0, 0}},
        {"gradient.png", 0, {0, 0, 0, 0}},
    };
    rmn_detect_params p;
    rmn_detect_params_default(&p);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i) {
        rmn_image img;
        if (!TAP_OK(rmn_image_load(photo(cases[i].file), &img) == RMN_OK, "%s loads",
                    cases[i].file))
            continue;
        rmn_face *faces;
        int n;
        int rc = rmn_detect_faces(c, &p, NULL, &img, &faces, &n);
        TAP_OK(rc == RMN_OK && n == cases[i].faces, "%s: %d face(s) found, %d expected",
               cases[i].file, n, cases[i].faces);
        if (rc == RMN_OK && n == 1 && cases[i].faces == 1) {
            double v = iou(faces[0].box, cases[i].ref);
            TAP_OK(v > 0.6, "%s: the box %d,%d,%d,%d overlaps the face (IoU %.2f)", cases[i].file,
                   faces[0].box.xmin, faces[0].box.ymin, faces[0].box.xmax, faces[0].box.ymax, v);
            TAP_OK(faces[0].label == -1, "%s: no label without a model", cases[i].file);
        }
        free(faces);
        rmn_image_free(&img);
    }
    /* a larger scale step and a min size above the face both still behave */
    rmn_image img;
    rmn_image_load(photo("astronaut.png"), &img);
    rmn_rect *r;
    int n;
    p.min_w = p.min_h = 120;
    rmn_cascade_detect(c, &img, &p, &r, &n);
    TAP_OK(n == 0, "min size 120 px: the 52 px face is not reported (%d)", n);
    free(r);
    rmn_detect_params_default(&p);
    p.scale_factor = 1.3;
    rmn_cascade_detect(c, &img, &p, &r, &n);
    TAP_OK(n == 1, "scale factor 1.3 finds the face too (%d)", n);
    free(r);
    p.scale_factor = 1.0;
    TAP_OK(rmn_cascade_detect(c, &img, &p, &r, &n) == RMN_EINVAL, "scale factor 1 is refused");
    rmn_detect_params_default(&p);
    p.min_neighbors = 0;
    rmn_cascade_detect(c, &img, &p, &r, &n);
    TAP_OK(n > 3, "min neighbours 0 returns the raw windows (%d)", n);
    free(r);
    rmn_image_free(&img);
}

static void test_square(void) {
    rmn_box b = rmn_face_square(10, 20, 50, 60);
    /* centre (30, 40), half floor(floor(80/2)/2) * 1.1 = 22 */
    TAP_OK(b.xmin == 8 && b.ymin == 18 && b.xmax == 52 && b.ymax == 62,
           "square of 40x40 at (10,20): %d %d %d %d", b.xmin, b.ymin, b.xmax, b.ymax);
    b = rmn_face_square(0, 0, 30, 50);
    /* centre (15, 25), half floor(floor(80/2)/2)*1.1 = 22: int(15-22) = -7 */
    TAP_OK(b.xmin == -7 && b.ymin == 3 && b.xmax == 37 && b.ymax == 47 &&
               b.xmax - b.xmin == b.ymax - b.ymin,
           "a 30x50 box becomes a 44x44 square about its centre: %d %d %d %d", b.xmin, b.ymin,
           b.xmax, b.ymax);
    b = rmn_face_square(3, 4, 14, 13);
    /* centre (8, 8), half floor(floor(20/2)/2) = 5 * 1.1 = 5.5: int(2.5) = 2, int(13.5) = 13 */
    TAP_OK(b.xmin == 2 && b.ymin == 2 && b.xmax == 13 && b.ymax == 13,
           "odd sizes truncate like Python's int(): %d %d %d %d", b.xmin, b.ymin, b.xmax, b.ymax);
    rmn_box c = rmn_face_square(0, 0, 30, 50);
    int ok = rmn_face_clamp(&c, 100, 100);
    TAP_OK(ok && c.xmin == 0 && c.ymin == 3 && c.xmax == 37, "clamped at the left border");
    c = rmn_face_square(80, 80, 100, 100);
    ok = rmn_face_clamp(&c, 95, 97);
    TAP_OK(ok && c.xmax == 95 && c.ymax == 97, "clamped at the right and bottom borders");
    c = (rmn_box){90, 10, 120, 40};
    TAP_OK(!rmn_face_clamp(&c, 95, 100), "a crop under 10 px after clamping is skipped");

    rmn_image g;
    rmn_image_init(&g, 20, 20, 1);
    for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 20; ++x)
            g.data[y * 20 + x] = x < 10 ? 50 : 200;
    uint8_t out[10 * 10];
    rmn_face_crop(&g, (rmn_box){0, 0, 10, 10}, 8, out);
    int flat = 1;
    for (int i = 0; i < 64; ++i)
        flat &= out[i] == 50;
    TAP_OK(flat, "the crop reads only its box (left half, value 50)");
    rmn_face_crop(&g, (rmn_box){5, 5, 15, 15}, 10, out);
    TAP_OK(out[0] == 50 && out[9] == 200 && out[4] == 50 && out[5] == 200,
           "a same-size crop is the box's pixels");
    rmn_image_free(&g);
}

static int write_model(const char *path, rmn_net **net_out) {
    rmn_model_config cfg = {.in_channels = 1, .image_size = 48, .num_classes = 7, .seed = 2385,
                            .width = 8};
    rmn_net *net;
    RMN_TRY(rmn_model_create("democnn", &cfg, &net));
    int rc = rmn_detect_model_save(path, net, "democnn", &cfg);
    if (rc != RMN_OK || !net_out)
        rmn_net_free(net);
    else
        *net_out = net;
    return rc;
}

static void test_model(const rmn_cascade *c) {
    char path[512];
    snprintf(path, sizeof path, "%s/model.safetensors", tmpdir);
    rmn_net *ref = NULL;
    int rc = write_model(path, &ref);
    TAP_OK(rc == RMN_OK, "a fresh democnn is saved as a checkpoint (%s)", rmn_error_message());
    rmn_detect_model *m;
    rc = rmn_detect_model_load(path, &m);
    if (!TAP_OK(rc == RMN_OK, "the checkpoint loads (%s)", rmn_error_message())) {
        rmn_net_free(ref);
        return;
    }
    TAP_OK(rmn_detect_model_input_size(m) == 48 && rmn_detect_model_num_classes(m) == 7 &&
               strcmp(rmn_detect_model_arch(m), "democnn") == 0 &&
               strcmp(rmn_detect_model_label(m, 3), "happy") == 0 &&
               strcmp(rmn_detect_model_label(m, 6), "neutral") == 0,
           "metadata: democnn, 48 px, 7 FER classes in label order");
    uint8_t face[48 * 48];
    float x[48 * 48], probs[7];
    for (int i = 0; i < 48 * 48; ++i) {
        face[i] = (uint8_t)((i * 31 + i / 48 * 7) % 256);
        x[i] = face[i] / 255.0f;
    }
    rc = rmn_detect_model_classify(m, face, probs);
    double total = 0;
    for (int k = 0; k < 7; ++k)
        total += probs[k];
    TAP_NEAR(total, 1.0, 1e-5, "probabilities sum to 1");
    rmn_net_forward(ref, x, 1, 0, NULL);
    const float *lg = rmn_net_logits(ref);
    double mx = lg[0], z = 0, maxdiff = 0;
    for (int k = 1; k < 7; ++k)
        mx = lg[k] > mx ? lg[k] : mx;
    for (int k = 0; k < 7; ++k)
        z += exp(lg[k] - mx);
    for (int k = 0; k < 7; ++k)
        maxdiff = fmax(maxdiff, fabs(exp(lg[k] - mx) / z - probs[k]));
    TAP_OK(rc == RMN_OK && maxdiff < 1e-6,
           "the loaded model gives the original net's softmax (max diff %.2g)", maxdiff);
    rmn_net_free(ref);

    /* the whole step on the astronaut: one face, a label, JSON with the package's fields */
    rmn_image img;
    rmn_image_load(photo("astronaut.png"), &img);
    rmn_detect_params p;
    rmn_detect_params_default(&p);
    rmn_face *faces;
    int n;
    rc = rmn_detect_faces(c, &p, m, &img, &faces, &n);
    TAP_OK(rc == RMN_OK && n == 1 && faces[0].label >= 0 && faces[0].label < 7,
           "with a model the face gets a label");
    json_t *j = rmn_detect_json("astronaut.png", &img, faces, n, m);
    json_t *f0 = json_array_get(json_object_get(j, "faces"), 0);
    int fields = f0 && json_is_integer(json_object_get(f0, "xmin")) &&
                 json_is_integer(json_object_get(f0, "ymin")) &&
                 json_is_integer(json_object_get(f0, "xmax")) &&
                 json_is_integer(json_object_get(f0, "ymax")) &&
                 json_is_string(json_object_get(f0, "emo_label")) &&
                 json_is_real(json_object_get(f0, "emo_proba"));
    TAP_OK(fields && json_integer_value(json_object_get(j, "width")) == 256 &&
               json_integer_value(json_object_get(f0, "xmin")) == faces[0].box.xmin,
           "JSON face: xmin ymin xmax ymax (ints), emo_label, emo_proba");
    json_t *pl = json_object_get(f0, "proba_list");
    static const char *labels[7] = {"angry", "disgust", "fear", "happy", "sad", "surprise",
                                    "neutral"};
    int list_ok = json_is_array(pl) && json_array_size(pl) == 7;
    double best = -1, sum = 0;
    for (int k = 0; list_ok && k < 7; ++k) {
        json_t *one = json_array_get(pl, (size_t)k);
        json_t *v = json_object_get(one, labels[k]);
        list_ok &= json_object_size(one) == 1 && json_is_real(v);
        if (v) {
            sum += json_real_value(v);
            best = fmax(best, json_real_value(v));
        }
    }
    TAP_OK(list_ok, "proba_list: 7 one-key objects in FER label order");
    TAP_NEAR(sum, 1.0, 1e-5, "proba_list sums to 1");
    TAP_NEAR(json_real_value(json_object_get(f0, "emo_proba")), best, 1e-7,
             "emo_proba is the largest probability");
    TAP_OK(strcmp(json_string_value(json_object_get(f0, "emo_label")),
                  rmn_detect_model_label(m, faces[0].label)) == 0,
           "emo_label names the argmax");
    json_decref(j);
    j = rmn_detect_json("astronaut.png", &img, faces, n, NULL);
    f0 = json_array_get(json_object_get(j, "faces"), 0);
    TAP_OK(f0 && !json_object_get(f0, "emo_label") && json_object_get(f0, "xmax"),
           "faces-only JSON has the box and no emotion fields");
    json_decref(j);
    /* drawing: the box colour lands on the box's top edge, the label on a pink background */
    rmn_image rgb;
    rmn_image_to_rgb(&img, &rgb);
    rmn_detect_draw(&rgb, faces, n, m);
    const uint8_t *px = rgb.data + ((size_t)faces[0].box.ymin * 256 + faces[0].box.xmin + 5) * 3;
    TAP_OK(px[0] == 179 && px[1] == 255 && px[2] == 179, "the box is drawn in (179,255,179)");
    const uint8_t *lab = rgb.data + (size_t)(faces[0].box.xmax + 1) * 3;
    int pink = 0;
    for (int y = 0; y < faces[0].box.ymin + 1; ++y)
        pink += lab[(size_t)y * 256 * 3] == 255 && lab[(size_t)y * 256 * 3 + 1] == 128;
    TAP_OK(pink > 0, "the label background (255,128,223) is right of the box top");
    rmn_image_free(&rgb);
    free(faces);
    rmn_image_free(&img);
    rmn_detect_model_free(m);
}

static void test_model_errors(void) {
    char path[512];
    rmn_detect_model *m;
    snprintf(path, sizeof path, "%s/nometa.safetensors", tmpdir);
    rmn_st_writer *w;
    rmn_st_writer_create(&w);
    float v[2] = {1.5f, 2.5f};
    int64_t shape[1] = {2};
    rmn_st_writer_add(w, "x", RMN_ST_F32, 1, shape, v);
    rmn_st_writer_save(w, path);
    int rc = rmn_detect_model_load(path, &m);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "nometa.safetensors") &&
               strstr(rmn_error_message(), "arch"),
           "no metadata: RMN_EFORMAT naming the file (%s)", rmn_error_message());
    rmn_st_writer_meta(w, "arch", "democnn");
    rmn_st_writer_meta(w, "image_size", "48");
    rmn_st_writer_meta(w, "in_channels", "1");
    rmn_st_writer_meta(w, "num_classes", "7");
    rmn_st_writer_save(w, path);
    rc = rmn_detect_model_load(path, &m);
    TAP_OK(rc != RMN_OK && strstr(rmn_error_message(), "nometa.safetensors"),
           "missing tensors are named (%s)", rmn_error_message());
    rmn_st_writer_meta(w, "arch", "nosuchnet");
    rmn_st_writer_save(w, path);
    rc = rmn_detect_model_load(path, &m);
    TAP_OK(rc == RMN_ENOTFOUND && strstr(rmn_error_message(), "nosuchnet"),
           "an unknown architecture (%s)", rmn_error_message());
    rmn_st_writer_meta(w, "arch", "democnn");
    rmn_st_writer_meta(w, "num_classes", "seven");
    rmn_st_writer_save(w, path);
    rc = rmn_detect_model_load(path, &m);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "num_classes"),
           "a bad metadata number (%s)", rmn_error_message());
    rmn_st_writer_free(w);
    rc = rmn_detect_model_load("/nonexistent/model.safetensors", &m);
    TAP_OK(rc == RMN_EIO, "a missing model file: RMN_EIO (%s)", rmn_error_message());
}

int main(void) {
    srcdir = getenv("RMN_SRCDIR") ? getenv("RMN_SRCDIR") : ".";
    snprintf(tmpdir, sizeof tmpdir, "%s/rmn-test-detect.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        return 99;
    test_square();
    test_model_errors();
    rmn_cascade *c = NULL;
    if (access(CASCADE, R_OK) == 0 && rmn_cascade_load(CASCADE, &c) == RMN_OK) {
        test_photos(c);
        test_model(c);
    } else {
        TAP_SKIP("opencv-data's haarcascade_frontalface_default.xml is not installed");
    }
    rmn_cascade_free(c);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", tmpdir);
    return tap_done();
}

/* rmn-detect.c -- faces and their emotions in photos: face detection (face-api's CNNs or
 * OpenCV's cascades, detect/detector.h), the thesis's square crop, an rmn emotion model from a
 * checkpoint; prints the faces (text, JSON, CSV) and writes annotated images. Videos and
 * cameras go to rmn-detect-video.c; the options of both are read by rmn-detect-args.c.
 * Thin: the work is in src/detect and src/image. */
#include "bench/bench.h"
#include "cli/rmn-detect-args.h"
#include "cli/rmn-detect-video.h"
#include "core/error.h"
#include "core/threads.h"
#include "core/progress.h"
#include "detect/detector.h"
#include "detect/faces.h"
#include "detect/inputs.h"
#include "explain/figure.h"
#include "image/image.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const rmn_detect_args *a;
    const rmn_detector    *det; /* NULL with --no-detect */
    FILE                  *csvf;
} photo_run;

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void print_text(const char *path, const rmn_face *faces, int n,
                       const rmn_detect_model *model) {
    printf("%s: %d face%s\n", path, n, n == 1 ? "" : "s");
    for (int i = 0; i < n; ++i) {
        const rmn_face *f = &faces[i];
        printf("  %d %d %d %d", f->box.xmin, f->box.ymin, f->box.xmax, f->box.ymax);
        if (model)
            printf("  %s %.3f", rmn_detect_model_label(model, f->label), f->proba[f->label]);
        printf("\n");
    }
}

static const char *out_path_for(const rmn_detect_args *a, int dir_mode, const char *in, char *buf, size_t cap) {
    if (!dir_mode)
        return a->out;
    const char *base = strrchr(in, '/');
    snprintf(buf, cap, "%s/%s", a->out, base ? base + 1 : in);
    return buf;
}

static int process(const photo_run *pr, rmn_detect_model *model, const char *path, int dir_mode, json_t *json_all) {
    const rmn_detect_args *a = pr->a;
    rmn_image img;
    RMN_TRY(rmn_image_load(path, &img));
    rmn_face *faces = NULL;
    int n = 0, rc = pr->det ? rmn_detector_faces(pr->det, model, &img, &faces, &n)
                            : rmn_detect_faces_whole(model, &img, &faces, &n);
    if (rc == RMN_OK && pr->csvf)
        rc = rmn_detect_csv_rows(pr->csvf, path, faces, n, model);
    if (rc == RMN_OK && a->out) {
        char buf[PATH_MAX];
        const char *op = out_path_for(a, dir_mode, path, buf, sizeof buf);
        rmn_image rgb;
        rc = rmn_image_to_rgb(&img, &rgb);
        if (rc == RMN_OK && a->explain)
            rc = rmn_explain_faces(model, &img, faces, n, RMN_CAM_GRADCAM, &rgb);
        if (rc == RMN_OK) {
            rmn_detect_draw(&rgb, faces, n, model);
            rc = rmn_image_save(op, &rgb);
            rmn_image_free(&rgb);
        }
    }
    if (rc == RMN_OK) {
        if (json_all) {
            json_t *j = rmn_detect_json(path, &img, faces, n, model);
            if (!j || json_array_append_new(json_all, j))
                rc = RMN_ERROR(RMN_ENOMEM, "out of memory building JSON");
        } else {
            print_text(path, faces, n, model);
        }
    }
    free(faces);
    rmn_image_free(&img);
    return rc;
}

static int bench(const rmn_detect_args *a, const rmn_detector *det, rmn_detect_model *model, char **paths,
                 int npaths) {
    rmn_bench_detect_result r;
    RMN_TRY(rmn_bench_detector(det, model, (const char *const *)paths, npaths, a->bench, &r));
    printf("bench: %ld runs over %d image%s\n", r.runs, npaths, npaths == 1 ? "" : "s");
    printf("detect: %.1f images/s (%.2f ms/image)\n", r.runs / r.detect_s, 1e3 * r.detect_s / r.runs);
    if (model)
        printf("detect+classify (%s, %d px): %.1f images/s (%.2f ms/image, %.1f faces/image)\n",
               rmn_detect_model_arch(model), rmn_detect_model_input_size(model), r.runs / r.all_s,
               1e3 * r.all_s / r.runs, (double)r.faces / r.runs);
    return RMN_OK;
}

/* Everything after the inputs are known: usage checks, the emotion model, the detector, then
 * each image. Returns the exit status. */
static int detect_inputs(rmn_detect_args *a, char **paths, int nimg) {
    if (a->explain && (a->faces_only || !a->out))
        return rmn_detect_usage_error("%s", "--explain needs an emotion model and -o OUT (it draws on the "
                                            "annotated images)");
    if (a->bench && a->no_detect)
        return rmn_detect_usage_error("%s", "--bench times the detector: not with --no-detect");
    int dir_mode = 0;
    if (a->out) {
        dir_mode = nimg > 1 || is_dir(a->out);
        if (dir_mode && !is_dir(a->out) && mkdir(a->out, 0777) != 0) {
            fprintf(stderr, "rmn-detect: error: %s: cannot create directory: %s\n", a->out, strerror(errno));
            return 1;
        }
        if (!dir_mode && rmn_image_format_for_path(a->out) == RMN_IMAGE_UNKNOWN)
            return rmn_detect_usage_error("-o %s: use a .png, .jpg or .jpeg name (or a directory)", a->out);
    }
    rmn_detect_model *model = NULL;
    rmn_detector det = {0};
    int status = rmn_detect_setup(a, &model, &det);
    if (status >= 0)
        return status;
    photo_run pr = {a, a->no_detect ? NULL : &det, NULL};
    status = 0;
    if (a->bench) {
        if (bench(a, &det, model, paths, nimg) != RMN_OK) {
            rmn_detect_fail();
            status = 1;
        }
        rmn_detector_close(&det);
        rmn_detect_model_free(model);
        return status;
    }
    if (a->csv && (!(pr.csvf = fopen(a->csv, "w")) || rmn_detect_csv_header(pr.csvf, model) != RMN_OK)) {
        fprintf(stderr, "rmn-detect: error: %s: cannot write: %s\n", a->csv, strerror(errno));
        if (pr.csvf)
            fclose(pr.csvf);
        rmn_detector_close(&det);
        rmn_detect_model_free(model);
        return 1;
    }
    json_t *json_all = a->json ? json_array() : NULL;
    rmn_progress prog;
    int show = nimg > 1 && !a->quiet;
    if (show)
        rmn_progress_begin(&prog, stderr, "detect", nimg);
    int failed = 0;
    for (int i = 0; i < nimg; ++i) {
        if (process(&pr, model, paths[i], dir_mode, json_all) != RMN_OK) {
            rmn_detect_fail();
            ++failed;
            if (json_all) {
                json_t *e = json_pack("{s:s, s:s}", "image", paths[i], "error", rmn_error_message());
                if (e)
                    json_array_append_new(json_all, e);
            }
        }
        if (show) {
            char st[64];
            snprintf(st, sizeof st, "%d failed", failed);
            rmn_progress_update(&prog, i + 1, failed ? st : NULL);
        }
    }
    if (show)
        rmn_progress_end(&prog, NULL);
    if (json_all) {
        json_dumpf(json_all, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
        fputc('\n', stdout);
        json_decref(json_all);
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "rmn-detect: error: cannot write the output: %s\n", strerror(errno));
        failed = 1;
    }
    if (pr.csvf && fclose(pr.csvf) != 0) {
        fprintf(stderr, "rmn-detect: error: %s: cannot write: %s\n", a->csv, strerror(errno));
        failed = 1;
    }
    rmn_detector_close(&det);
    rmn_detect_model_free(model);
    return failed ? 1 : 0;
}

int main(int argc, char **argv) {
    rmn_threads_passive_wait(argv);
    rmn_detect_args a;
    int status = rmn_detect_args_parse(argc, argv, &a);
    if (status >= 0)
        return status;
    if (a.video) /* videos and cameras: rmn-detect-video.c */
        return rmn_detect_video_run(&a);
    /* directories become their images (detect/inputs.h) */
    char **inputs = NULL;
    int nimg = 0;
    if (rmn_detect_inputs(a.inputs, a.ninputs, a.recursive, &inputs, &nimg) != RMN_OK) {
        rmn_detect_fail();
        return 1;
    }
    if (nimg < 1) {
        fprintf(stderr, "rmn-detect: error: no .png, .jpg or .jpeg image in the directories given\n");
        rmn_detect_inputs_free(inputs, nimg);
        return 1;
    }
    status = detect_inputs(&a, inputs, nimg);
    rmn_detect_inputs_free(inputs, nimg);
    return status;
}

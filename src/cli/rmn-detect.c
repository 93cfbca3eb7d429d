/* rmn-detect.c -- faces and their emotions in photos: Viola-Jones face detection (OpenCV
 * cascades from opencv-data), the thesis's square crop, an rmn emotion model from a
 * safetensors checkpoint; prints the faces (text or JSON) and writes annotated images.
 * Thin: the work is in src/detect and src/image. */
#include "bench/bench.h"
#include "cli/rmn-detect-video.h"
#include "core/args.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/threads.h"
#include "core/progress.h"
#include "detect/detector.h"
#include "detect/faces.h"
#include "detect/inputs.h"
#include "detect/paths.h"
#include "explain/figure.h"
#include "image/image.h"
#include "train/import.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RMN_DATADIR
#define RMN_DATADIR "/usr/local/share/rmn"
#endif

static const char USAGE[] =
    "Usage: rmn-detect [OPTION]... IMAGE|FOLDER...\n"
    "  or:  rmn-detect [OPTION]... VIDEO\n"
    "  or:  rmn-detect [OPTION]... --camera [N]\n"
    "Find faces in photos and videos and classify their emotions.\n"
    "Photos are PNG or JPEG files, or the .png/.jpg/.jpeg files of folders; videos and cameras\n"
    "have their own options (rmn-detect --camera --help).\n"
    "\n"
    "Options:\n"
    "  --model FILE        emotion model checkpoint (.safetensors); default $RMN_MODEL, then\n"
    "                      " RMN_DATADIR "/models/default.safetensors (the model rmn ships;\n"
    "                      $RMN_MODELS_DIR replaces its directory); or a PyTorch\n"
    "                      checkpoint (.pth) with --arch NAME [--in-channels 1|3] (224 input)\n"
    "  --faces-only        detect faces only, no emotion model needed\n"
    "  --cascade FILE      OpenCV cascade XML (HAAR or LBP); a bare name is looked up in\n"
    "                      /usr/share/opencv4/{haarcascades,lbpcascades};\n"
    "                      default haarcascade_frontalface_default.xml ($RMN_CASCADE overrides)\n"
    "  --scale-factor F    pyramid step, > 1 (default 1.1)\n"
    "  --min-neighbors N   detections a face needs (default 3)\n"
    "  --min-size N        smallest face side in pixels (default: the cascade window)\n"
    "  --json              print JSON (per image: faces with xmin, ymin, xmax, ymax, emo_label,\n"
    "                      emo_proba, proba_list) instead of text\n"
    "  -o OUT              write annotated images: a file (.png/.jpg) for one IMAGE, else a\n"
    "                      directory (created if needed) receiving each IMAGE's file name\n"
    "  --explain           in the annotated images, each face's Grad-CAM of its predicted\n"
    "                      emotion (rmn-explain's default layer; docs/EXPLAIN.md)\n"
    "  --bench N           time N runs per image; print images/s for detection and for\n"
    "                      detection + classification\n"
    "  -q, --quiet         no progress display\n"
    "  --detector NAME     ssd | tiny (face-api's CNNs) | haar | lbp (cascades); default ssd when\n"
    "                      face-api's weights are installed, else haar ($RMN_DETECTOR overrides;\n"
    "                      $RMN_FACE_MODELS names the weights' folder)\n"
    "  --align, --no-align with ssd or tiny: rotate each face so its eyes are level (face-api's\n"
    "                      68-point landmarks) before the square crop (default on)\n"
    "  --no-detect         each image is one face (already cropped)\n"
    "  -r, --recursive     walk directory arguments' subdirectories too (a directory argument is\n"
    "                      read for its .png/.jpg/.jpeg files, sorted by name)\n"
    "  --csv FILE          also write file,face_id,xmin,ymin,xmax,ymax,<class probabilities>,emo_label\n"
    "  -h, --help          display this help and exit\n"
    "  --version           display the version, commit and build options and exit\n"
    "\n"
    "Videos and cameras: rmn-detect VIDEO.mp4, rmn-detect --camera [N] (rmn-detect --camera\n"
    "--help; --every, --smooth, --csv, --jsonl, --show). Probabilities are fractions in\n"
    "[0, 1]. Exit status: 0 success, 1 error, 2 usage.\n";

typedef struct {
    const char *model_path, *cascade, *out;
    int faces_only, json, quiet, bench, explain;
    rmn_detect_params params;
    const char *detector;   /* --detector (detect/detector.h) */
    int cascade_given;
    const rmn_detector *det; /* a CNN detector, else NULL (the cascade) */
    int no_detect, recursive; /* detect/inputs.h */
    int align;                /* with a CNN detector: eyes levelled (default on) */
    const char *csv;
    FILE *csvf;
} options;

static rmn_cli cli;

#define usage_error(...) rmn_cli_usage_error(&cli, __VA_ARGS__)

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 0 on success, -1 otherwise (the callers' convention) */
static int parse_int(const char *s, int lo, int hi, int *out) { return rmn_parse_int(s, lo, hi, out) ? 0 : -1; }

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

static const char *out_path_for(const options *o, int dir_mode, const char *in, char *buf,
                                size_t cap) {
    if (!dir_mode)
        return o->out;
    const char *base = strrchr(in, '/');
    snprintf(buf, cap, "%s/%s", o->out, base ? base + 1 : in);
    return buf;
}

static int process(const options *o, const rmn_cascade *cascade, rmn_detect_model *model,
                   const char *path, int dir_mode, json_t *json_all) {
    rmn_image img;
    RMN_TRY(rmn_image_load(path, &img));
    rmn_face *faces = NULL;
    int n = 0, rc = o->no_detect ? rmn_detect_faces_whole(model, &img, &faces, &n)
                    : o->det     ? rmn_detector_faces(o->det, &o->params, model, &img, &faces, &n)
                                 : rmn_detect_faces(cascade, &o->params, model, &img, &faces, &n);
    if (rc == RMN_OK && o->csvf)
        rc = rmn_detect_csv_rows(o->csvf, path, faces, n, model);
    if (rc == RMN_OK && o->out) {
        char buf[PATH_MAX];
        const char *op = out_path_for(o, dir_mode, path, buf, sizeof buf);
        rmn_image rgb;
        rc = rmn_image_to_rgb(&img, &rgb);
        if (rc == RMN_OK && o->explain)
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

static int bench(const options *o, const rmn_cascade *cascade, rmn_detect_model *model,
                 char **paths, int npaths) {
    rmn_bench_detect_result r;
    if (o->det)
        RMN_TRY(rmn_bench_detector(o->det, &o->params, model, (const char *const *)paths, npaths, o->bench, &r));
    else
        RMN_TRY(rmn_bench_detect(cascade, &o->params, model, (const char *const *)paths, npaths, o->bench, &r));
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
static int detect_inputs(options *o, char **paths, int nimg, const char *pth_arch,
                         int pth_channels) {
    if (o->explain && (o->faces_only || !o->out))
        return usage_error("%s", "--explain needs an emotion model and -o OUT (it draws on the "
                                 "annotated images)");
    int dir_mode = 0;
    if (o->out) {
        dir_mode = nimg > 1 || is_dir(o->out);
        if (dir_mode && !is_dir(o->out) && mkdir(o->out, 0777) != 0) {
            fprintf(stderr, "rmn-detect: error: %s: cannot create directory: %s\n", o->out,
                    strerror(errno));
            return 1;
        }
        if (!dir_mode && rmn_image_format_for_path(o->out) == RMN_IMAGE_UNKNOWN)
            return usage_error("-o %s: use a .png, .jpg or .jpeg name (or a directory)", o->out);
    }

    /* the emotion model, unless faces only */
    rmn_detect_model *model = NULL;
    if (!o->faces_only) {
        char buf[PATH_MAX], looked[PATH_MAX + 64];
        const char *mp = rmn_detect_model_path(o->model_path, buf, sizeof buf, looked, sizeof looked);
        if (!mp) {
            fprintf(stderr,
                    "rmn-detect: error: no emotion model is installed (looked at %s); pass "
                    "--model FILE, set RMN_MODEL, or use --faces-only to detect faces only\n",
                    looked);
            return 1;
        }
        int lrc;
        if (rmn_import_is_pth(mp)) { /* published weights: the thesis's 224 input by default */
            rmn_train_config tc;
            rmn_train_config_defaults(&tc);
            tc.image_size = 224;
            tc.in_channels = pth_channels;
            rmn_net *pnet = NULL;
            rmn_import_stats ist;
            if (!pth_arch)
                return usage_error("%s", "a PyTorch checkpoint (--model FILE.pth) needs --arch NAME");
            snprintf(tc.arch, sizeof tc.arch, "%s", pth_arch);
            lrc = rmn_import_open_model(mp, &tc, 0, &pnet, NULL, &ist);
            if (lrc == RMN_OK)
                lrc = rmn_detect_model_from_net(pnet, tc.image_size, tc.in_channels, &model);
        } else {
            lrc = rmn_detect_model_load(mp, &model);
        }
        if (lrc != RMN_OK) {
            rmn_cli_fail(&cli);
            return 1;
        }
    }
    /* the face detector: a CNN (o->det) or the cascade */
    rmn_detector det;
    int is_cnn = 0;
    char note[9000];
    if (o->no_detect)
        o->detector = "haar"; /* no detector is used; nothing to say */
    if (rmn_detector_choose(o->detector, o->cascade_given, o->align, &det, &is_cnn, &o->cascade, note, sizeof note) != RMN_OK) {
        rmn_cli_fail(&cli);
        rmn_detect_model_free(model);
        return rmn_error_code() == RMN_EINVAL ? 2 : 1;
    }
    if (note[0])
        fprintf(stderr, "rmn-detect: %s\n", note);
    o->det = is_cnn ? &det : NULL;
    char cbuf[PATH_MAX];
    rmn_cascade *cascade;
    if (rmn_cascade_load(rmn_detect_cascade_path(o->cascade, cbuf, sizeof cbuf), &cascade) != RMN_OK) {
        rmn_cli_fail(&cli);
        rmn_detector_close(&det);
        rmn_detect_model_free(model);
        return 1;
    }

    int status = 0;
    if (o->bench) {
        if (bench(o, cascade, model, paths, nimg) != RMN_OK) {
            rmn_cli_fail(&cli);
            status = 1;
        }
        rmn_cascade_free(cascade);
        rmn_detector_close(&det);
        rmn_detect_model_free(model);
        return status;
    }
    if (o->csv && (!(o->csvf = fopen(o->csv, "w")) || rmn_detect_csv_header(o->csvf, model) != RMN_OK)) {
        fprintf(stderr, "rmn-detect: error: %s: cannot write: %s\n", o->csv, strerror(errno));
        if (o->csvf)
            fclose(o->csvf);
        rmn_cascade_free(cascade);
        rmn_detector_close(&det);
        rmn_detect_model_free(model);
        return 1;
    }
    json_t *json_all = o->json ? json_array() : NULL;
    rmn_progress prog;
    int show = nimg > 1 && !o->quiet;
    if (show)
        rmn_progress_begin(&prog, stderr, "detect", nimg);
    int failed = 0;
    for (int i = 0; i < nimg; ++i) {
        if (process(o, cascade, model, paths[i], dir_mode, json_all) != RMN_OK) {
            rmn_cli_fail(&cli);
            ++failed;
            if (json_all) {
                json_t *e = json_pack("{s:s, s:s}", "image", paths[i], "error",
                                      rmn_error_message());
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
    if (o->csvf && fclose(o->csvf) != 0) {
        fprintf(stderr, "rmn-detect: error: %s: cannot write: %s\n", o->csv, strerror(errno));
        failed = 1;
    }
    rmn_cascade_free(cascade);
    rmn_detector_close(&det);
    rmn_detect_model_free(model);
    return failed ? 1 : 0;
}

int main(int argc, char **argv) {
    rmn_threads_passive_wait(argv);
    rmn_cli_init(&cli, "rmn-detect", USAGE);
    if (rmn_detect_video_wanted(argc, argv)) /* videos and cameras: rmn-detect-video.c */
        return rmn_detect_video_main(argc, argv);
    const char *pth_arch = NULL;
    int pth_channels = 3;
    enum { OPT_MODEL = 256, OPT_CASCADE, OPT_FACES, OPT_SCALE, OPT_NEIGH, OPT_MINSIZE, OPT_JSON,
           OPT_BENCH, OPT_EXPLAIN, OPT_ARCH, OPT_INCH, OPT_DETECTOR, OPT_NODETECT, OPT_CSV,
           OPT_ALIGN, OPT_NOALIGN };
    static const struct option opts[] = {{"model", required_argument, NULL, OPT_MODEL},
                                         {"cascade", required_argument, NULL, OPT_CASCADE},
                                         {"faces-only", no_argument, NULL, OPT_FACES},
                                         {"scale-factor", required_argument, NULL, OPT_SCALE},
                                         {"min-neighbors", required_argument, NULL, OPT_NEIGH},
                                         {"min-size", required_argument, NULL, OPT_MINSIZE},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"bench", required_argument, NULL, OPT_BENCH},
                                         {"explain", no_argument, NULL, OPT_EXPLAIN},
                                         {"arch", required_argument, NULL, OPT_ARCH},
                                         {"in-channels", required_argument, NULL, OPT_INCH},
                                         {"detector", required_argument, NULL, OPT_DETECTOR},
                                         {"no-detect", no_argument, NULL, OPT_NODETECT},
                                         {"align", no_argument, NULL, OPT_ALIGN},
                                         {"no-align", no_argument, NULL, OPT_NOALIGN},
                                         {"recursive", no_argument, NULL, 'r'},
                                         {"csv", required_argument, NULL, OPT_CSV},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    options o = {0};
    rmn_detect_params_default(&o.params);
    o.cascade = rmn_detect_cascade_default();
    o.align = 1;
    int c;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "o:qr", opts)) != -1) {
        switch (c) {
        case OPT_MODEL: o.model_path = optarg; break;
        case OPT_ARCH: pth_arch = optarg; break;
        case OPT_INCH:
            if (strcmp(optarg, "1") && strcmp(optarg, "3"))
                return usage_error("%s", "--in-channels must be 1 or 3");
            pth_channels = optarg[0] - '0';
            break;
        case OPT_CASCADE: o.cascade = optarg, o.cascade_given = 1; break;
        case OPT_DETECTOR: o.detector = optarg; break;
        case OPT_NODETECT: o.no_detect = 1; break;
        case OPT_ALIGN: o.align = 1; break;
        case OPT_NOALIGN: o.align = 0; break;
        case 'r': o.recursive = 1; break;
        case OPT_CSV: o.csv = optarg; break;
        case OPT_FACES: o.faces_only = 1; break;
        case OPT_JSON: o.json = 1; break;
        case OPT_EXPLAIN: o.explain = 1; break;
        case 'o': o.out = optarg; break;
        case 'q': o.quiet = 1; break;
        case OPT_SCALE:
        case OPT_NEIGH:
        case OPT_MINSIZE: {
            const char *bad = rmn_detect_params_option(
                &o.params, c == OPT_SCALE ? "scale-factor" : c == OPT_NEIGH ? "min-neighbors" : "min-size",
                optarg);
            if (bad)
                return usage_error("%s", bad);
            break;
        }
        case OPT_BENCH:
            if (parse_int(optarg, 1, 1000000, &o.bench))
                return usage_error("--bench must be a positive integer, not '%s'", optarg);
            break;
        default: return cli.status; /* help, version or a usage error, said */
        }
    }
    int nimg = argc - optind;
    char **paths = argv + optind;
    if (nimg < 1)
        return usage_error("%s", "no IMAGE given");
    /* directories become their images (detect/inputs.h) */
    char **inputs = NULL;
    if (rmn_detect_inputs(paths, nimg, o.recursive, &inputs, &nimg) != RMN_OK) {
        rmn_cli_fail(&cli);
        return 1;
    }
    paths = inputs;
    if (nimg < 1) {
        fprintf(stderr, "rmn-detect: error: no .png, .jpg or .jpeg image in the directories given\n");
        rmn_detect_inputs_free(inputs, nimg);
        return 1;
    }
    int status = detect_inputs(&o, paths, nimg, pth_arch, pth_channels);
    rmn_detect_inputs_free(inputs, nimg);
    return status;
}

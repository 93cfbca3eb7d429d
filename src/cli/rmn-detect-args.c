/* rmn-detect-args.c -- rmn-detect's options for photos and videos, read in one place, and the
 * model and detector setup both modes share (see rmn-detect-args.h). */
#include "cli/rmn-detect-args.h"

#include "core/args.h"
#include "cli/convention.h"
#include "core/error.h"
#include "detect/paths.h"
#include "train/import.h"
#include "video/run.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef RMN_DATADIR
#define RMN_DATADIR "/usr/local/share/rmn"
#endif

static const char USAGE[] =
    "Usage: rmn-detect [OPTION]... IMAGE|FOLDER...\n"
    "  or:  rmn-detect [OPTION]... VIDEO\n"
    "  or:  rmn-detect [OPTION]... --camera [N|/dev/videoN]\n"
    "Find faces in photos, videos or a camera and classify their emotions.\n"
    "Photos are PNG or JPEG files, or the .png/.jpg/.jpeg files of folders; a video is one\n"
    "input named like one (.mp4 .mkv .avi .mov .webm ...) or any video option (docs/DETECT.md).\n"
    "\n"
    "Photos and videos:\n"
    "  --model FILE        emotion model checkpoint (.safetensors); default $RMN_MODEL, then\n"
    "                      " RMN_DATADIR "/models/default.safetensors (the model rmn ships;\n"
    "                      $RMN_MODELS_DIR replaces its directory); or a PyTorch\n"
    "                      checkpoint (.pth) with --arch NAME [--in-channels 1|3] (224 input)\n"
    "  --precision P       the emotion model's arithmetic: fp32 (default) or bf16 (docs/\n"
    "                      PRECISION.md; AVX512_BF16 or AMX, elsewhere a warning and fp32)\n"
    "  --faces-only        detect faces only, no emotion model needed\n"
    "  --detector NAME     ssd | tiny (face-api's CNNs) | haar | lbp (cascades); default ssd when\n"
    "                      face-api's weights are installed, else haar ($RMN_DETECTOR overrides;\n"
    "                      $RMN_FACE_MODELS names the weights' folder)\n"
    "  --input-size N      the tiny detector's input size, a multiple of 32 (default 416;\n"
    "                      smaller is faster and misses small faces)\n"
    "  --align, --no-align with ssd or tiny: rotate each face so its eyes are level (face-api's\n"
    "                      68-point landmarks) before the square crop (default on)\n"
    "  --cascade FILE      OpenCV cascade XML (HAAR or LBP); a bare name is looked up in\n"
    "                      /usr/share/opencv4/{haarcascades,lbpcascades};\n"
    "                      default haarcascade_frontalface_default.xml ($RMN_CASCADE overrides)\n"
    "  --scale-factor F    cascades: pyramid step, > 1 (default 1.1)\n"
    "  --min-neighbors N   cascades: detections a face needs (default 3)\n"
    "  --min-size N        cascades: smallest face side in pixels (default: the cascade window)\n"
    "  --csv FILE          photos: file,face_id,xmin,ymin,xmax,ymax,<class probabilities>,emo_label;\n"
    "                      videos: one row per face per processed frame ('-' = stdout)\n"
    "  -o OUT              photos: annotated images, a file (.png/.jpg) for one IMAGE, else a\n"
    "                      directory (created if needed) receiving each IMAGE's file name;\n"
    "                      videos: the annotated video (H.264, the input's frame rate, no audio)\n"
    "  -q, --quiet         no progress display (videos: and no summary)\n"
    "  -h, --help          display this help and exit\n"
    "  --version           display the version, commit and build options and exit\n"
    "Photos:\n"
    "  --json              print JSON (per image: faces with xmin, ymin, xmax, ymax, emo_label,\n"
    "                      emo_proba, proba_list) instead of text\n"
    "  --explain           in the annotated images, each face's Grad-CAM of its predicted\n"
    "                      emotion (rmn-explain's default layer; docs/EXPLAIN.md)\n"
    "  --bench N           time N runs per image; print images/s for detection and for\n"
    "                      detection + classification\n"
    "  --no-detect         each image is one face (already cropped)\n"
    "  -r, --recursive     walk directory arguments' subdirectories too (a directory argument is\n"
    "                      read for its .png/.jpg/.jpeg files, sorted by name)\n"
    "Videos and cameras (an input named .mp4 .mkv .avi .mov .webm ... or any of these options):\n"
    "  --camera [DEV]      read a camera: N means /dev/videoN (default /dev/video0)\n"
    "  --camera-format F   libavdevice's input format for --camera (default v4l2; e.g. lavfi)\n"
    "  --every K           detect in every K-th frame (default 1); the others keep the boxes\n"
    "  --smooth A          per-track exponential smoothing of the probabilities,\n"
    "                      s = A s + (1 - A) p, A in [0, 1) (default 0.6; 0 = off)\n"
    "  --jsonl FILE        one JSON object per processed frame ('-' = stdout)\n"
    "  --show              a live window (SDL2): boxes, labels, probability bars, frames/s;\n"
    "                      q or Esc quits\n"
    "  --max-frames N      stop after N frames\n"
    "  --threads T         detect in T frames at once (default 1; output unchanged)\n"
    "\n"
    "Probabilities are fractions in [0, 1]. Exit status: 0 success, 1 error, 2 usage.\n";

rmn_cli rmn_detect_cli = {.name = "rmn-detect", .usage = USAGE};

int rmn_detect_usage_error(const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rmn_cli_usage_error(&rmn_detect_cli, "%s", msg);
}

int rmn_detect_fail(void) { return rmn_cli_fail(&rmn_detect_cli); }

/* The long name of option value c in opts. */
static const char *long_name(const struct option *opts, int c) {
    for (; opts->name; ++opts)
        if (opts->val == c)
            return opts->name;
    return "?";
}

static int has_video_ext(const char *p) {
    static const char *ext[] = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg",
                                ".mpeg", ".ts", ".flv", ".ogv", ".wmv", ".y4m", ".3gp"};
    const char *dot = strrchr(p, '.');
    for (size_t i = 0; dot && i < sizeof ext / sizeof *ext; ++i)
        if (strcasecmp(dot, ext[i]) == 0)
            return 1;
    return 0;
}

enum { O_MODEL = 256, O_ARCH, O_INCH, O_FACES, O_DETECTOR, O_INPUT_SIZE, O_ALIGN, O_NOALIGN, O_CASCADE,
       O_SCALE, O_NEIGH, O_MINSIZE, O_CSV, O_PRECISION,
       /* photos */
       O_JSON, O_EXPLAIN, O_BENCH, O_NODETECT,
       /* videos: these select the video mode */
       O_CAMERA, O_EVERY, O_SMOOTH, O_JSONL, O_SHOW, O_MAX,
       /* videos: these need it */
       O_CAMERA_FORMAT, O_THREADS };

int rmn_detect_args_parse(int argc, char **argv, rmn_detect_args *a) {
    static const struct option opts[] = {
        {"model", required_argument, NULL, O_MODEL},        {"arch", required_argument, NULL, O_ARCH},
        {"in-channels", required_argument, NULL, O_INCH},   {"faces-only", no_argument, NULL, O_FACES},
        {"detector", required_argument, NULL, O_DETECTOR},  {"input-size", required_argument, NULL, O_INPUT_SIZE},
        {"align", no_argument, NULL, O_ALIGN},              {"no-align", no_argument, NULL, O_NOALIGN},
        {"cascade", required_argument, NULL, O_CASCADE},    {"scale-factor", required_argument, NULL, O_SCALE},
        {"min-neighbors", required_argument, NULL, O_NEIGH}, {"min-size", required_argument, NULL, O_MINSIZE},
        {"csv", required_argument, NULL, O_CSV},            {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},
        {"explain", no_argument, NULL, O_EXPLAIN},          {"bench", required_argument, NULL, O_BENCH},
        {"no-detect", no_argument, NULL, O_NODETECT},       {"recursive", no_argument, NULL, 'r'},
        {"camera", optional_argument, NULL, O_CAMERA},      {"camera-format", required_argument, NULL, O_CAMERA_FORMAT},
        {"every", required_argument, NULL, O_EVERY},        {"smooth", required_argument, NULL, O_SMOOTH},
        {"jsonl", required_argument, NULL, O_JSONL},        {"show", no_argument, NULL, O_SHOW},
        {"max-frames", required_argument, NULL, O_MAX},     {"threads", required_argument, NULL, O_THREADS},
        {"precision", required_argument, NULL, O_PRECISION},
        {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    rmn_detector_spec_default(&a->det);
    a->model.pth_channels = 3;
    a->every = 1, a->threads = 1, a->smooth = 0.6f;
    const char *photo_only = NULL, *video_only = NULL; /* the first photo / video option given */
    int camera = 0, video_opt = 0, c, v;
    char *end;
    rmn_cli_init(&rmn_detect_cli, "rmn-detect", USAGE);
    optind = 1;
    while ((c = rmn_cli_getopt(&rmn_detect_cli, argc, argv, "o:qr", opts)) != -1) {
        if (c == RMN_CLI_EXIT) /* help, version or a usage error, said */
            return rmn_detect_cli.status;
        if (c >= O_JSON && c <= O_NODETECT && !photo_only)
            photo_only = long_name(opts, c);
        if (c == 'r' && !photo_only)
            photo_only = "recursive";
        if (c >= O_CAMERA && !video_only)
            video_only = long_name(opts, c);
        if (c >= O_CAMERA && c < O_CAMERA_FORMAT)
            video_opt = 1;
        switch (c) {
        case O_MODEL: a->model.path = optarg; break;
        case O_ARCH: a->model.pth_arch = optarg; break;
        case O_INCH:
            if (strcmp(optarg, "1") && strcmp(optarg, "3"))
                return rmn_detect_usage_error("%s", "--in-channels must be 1 or 3");
            a->model.pth_channels = optarg[0] - '0';
            break;
        case O_FACES: a->faces_only = 1; break;
        case O_DETECTOR: a->det.name = optarg; break;
        case O_INPUT_SIZE:
            if (!rmn_parse_int(optarg, 32, 4096, &a->det.input_size) || a->det.input_size % 32)
                return rmn_detect_usage_error("--input-size must be a multiple of 32 in 32..4096, not '%s'", optarg);
            break;
        case O_ALIGN: a->det.align = 1; break;
        case O_NOALIGN: a->det.align = 0; break;
        case O_CASCADE: a->det.cascade = optarg; break;
        case O_SCALE:
        case O_NEIGH:
        case O_MINSIZE: {
            const char *bad = rmn_detect_params_option(
                &a->det.params, c == O_SCALE ? "scale-factor" : c == O_NEIGH ? "min-neighbors" : "min-size", optarg);
            if (bad)
                return rmn_detect_usage_error("%s", bad);
            break;
        }
        case O_CSV: a->csv = optarg; break;
        case 'o': a->out = optarg; break;
        case 'q': a->quiet = 1; break;
        case O_JSON: a->json = 1; break;
        case O_EXPLAIN: a->explain = 1; break;
        case O_BENCH:
            if (!rmn_parse_int(optarg, 1, 1000000, &a->bench))
                return rmn_detect_usage_error("--bench must be a positive integer, not '%s'", optarg);
            break;
        case O_NODETECT: a->no_detect = 1; break;
        case 'r': a->recursive = 1; break;
        case O_CAMERA: camera = 1, a->camera = optarg; break;
        case O_CAMERA_FORMAT: a->camera_format = optarg; break;
        case O_EVERY:
            if (!rmn_parse_int(optarg, 1, 1000000, &a->every))
                return rmn_detect_usage_error("--every must be a positive integer, not '%s'", optarg);
            break;
        case O_SMOOTH:
            a->smooth = strtof(optarg, &end);
            if (*end || !(a->smooth >= 0.0f && a->smooth < 1.0f))
                return rmn_detect_usage_error("--smooth must be a number in [0, 1), not '%s'", optarg);
            break;
        case O_JSONL: a->jsonl = optarg; break;
        case O_SHOW: a->show = 1; break;
        case O_MAX:
            if (!rmn_parse_int(optarg, 1, INT_MAX, &v))
                return rmn_detect_usage_error("--max-frames must be a positive integer, not '%s'", optarg);
            a->max_frames = v;
            break;
        case O_THREADS:
            if (!rmn_parse_int(optarg, 1, RMN_VIDEO_MAX_THREADS, &a->threads))
                return rmn_detect_usage_error("--threads must be an integer 1..%d, not '%s'", RMN_VIDEO_MAX_THREADS,
                                              optarg);
            break;
        case O_PRECISION:
            if (rmn_precision_parse(optarg, "--precision", &a->model.precision) != RMN_OK)
                return rmn_detect_usage_error("%s", rmn_error_message());
            a->model.precision = rmn_cli_precision(&rmn_detect_cli, a->model.precision, NULL);
            break;
        default: return rmn_detect_usage_error("unknown option (%d)", c);
        }
    }
    a->inputs = argv + optind;
    a->ninputs = argc - optind;
    a->video = video_opt || (a->ninputs == 1 && has_video_ext(a->inputs[0]));
    if (!a->video) {
        if (a->ninputs < 1)
            return rmn_detect_usage_error("%s", "no IMAGE given");
        for (int i = 0; i < a->ninputs; ++i)
            if (has_video_ext(a->inputs[i]))
                return rmn_detect_usage_error("%s: give one VIDEO at a time, without photos", a->inputs[i]);
        if (video_only)
            return rmn_detect_usage_error("--%s is for videos and cameras", video_only);
        return -1;
    }
    if (photo_only)
        return rmn_detect_usage_error("--%s is for photos, not videos", photo_only);
    if (camera) {
        if (!a->camera && a->ninputs == 1) /* --camera DEV (a separate argument) */
            a->camera = a->inputs[0], a->ninputs = 0;
        if (a->ninputs > 0)
            return rmn_detect_usage_error("%s", "--camera reads one camera; give no VIDEO with it");
        if (!a->camera)
            a->camera = "0";
        if (isdigit((unsigned char)a->camera[0]) && rmn_parse_int(a->camera, 0, 999, &v)) {
            snprintf(a->camera_buf, sizeof a->camera_buf, "/dev/video%d", v);
            a->camera = a->camera_buf;
        }
        if (!a->camera_format)
            a->camera_format = "v4l2";
    } else if (a->camera_format) {
        return rmn_detect_usage_error("%s", "--camera-format goes with --camera");
    } else if (a->ninputs != 1) {
        return rmn_detect_usage_error("%s", a->ninputs ? "give one VIDEO at a time" : "no VIDEO given");
    }
    if (a->csv && a->jsonl && strcmp(a->csv, "-") == 0 && strcmp(a->jsonl, "-") == 0)
        return rmn_detect_usage_error("%s", "--csv - and --jsonl - cannot both write to stdout");
    return -1;
}

int rmn_detect_setup(rmn_detect_args *a, rmn_detect_model **model, rmn_detector *det) {
    *model = NULL;
    if (!a->faces_only) {
        char looked[sizeof a->model_buf + 64];
        rmn_detect_model_src *src = &a->model;
        src->path = rmn_detect_model_path(src->path, a->model_buf, sizeof a->model_buf, looked, sizeof looked);
        if (!src->path) {
            fprintf(stderr,
                    "rmn-detect: error: no emotion model is installed (looked at %s); pass "
                    "--model FILE, set RMN_MODEL, or use --faces-only to detect faces only\n",
                    looked);
            return 1;
        }
        if (rmn_import_is_pth(src->path) && !src->pth_arch)
            return rmn_detect_usage_error("%s", "a PyTorch checkpoint (--model FILE.pth) needs --arch NAME");
        if (rmn_detect_model_open(src, model) != RMN_OK)
            return rmn_detect_fail();
    }
    if (a->no_detect) /* no detector is used */
        return -1;
    char note[9000];
    if (rmn_detector_make(&a->det, det, note, sizeof note) != RMN_OK) {
        rmn_detect_fail();
        rmn_detect_model_free(*model);
        *model = NULL;
        return rmn_error_code() == RMN_EINVAL ? 2 : 1;
    }
    if (note[0])
        fprintf(stderr, "rmn-detect: %s\n", note);
    return -1;
}

/* rmn-detect-video.c -- rmn-detect on video files and cameras (src/video/run.h): parses the
 * options, loads the cascade and the model as the photo mode does, runs the video loop and
 * prints the per-track summary. */
#include "cli/rmn-detect-video.h"
#include "core/args.h"
#include "core/cli.h"
#include "core/error.h"
#include "detect/paths.h"
#include "video/run.h"
#include "video/video.h"

#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static volatile sig_atomic_t stop_requested;
static void on_stop(int sig) {
    (void)sig;
    stop_requested = 1;
}

static const char USAGE[] =
    "Usage: rmn-detect [OPTION]... VIDEO\n"
    "  or:  rmn-detect [OPTION]... --camera [N|/dev/videoN]\n"
    "Find, track and classify faces in a video file or from a camera (docs/DETECT.md).\n"
    "\n"
    "Options:\n"
    "  --camera [DEV]      read a v4l2 camera: N means /dev/videoN (default /dev/video0)\n"
    "  --every K           detect in every K-th frame (default 1); the others keep the boxes\n"
    "  --smooth A          per-track exponential smoothing of the probabilities,\n"
    "                      s = A s + (1 - A) p, A in [0, 1) (default 0.6; 0 = off)\n"
    "  --csv FILE          one row per face per processed frame ('-' = stdout)\n"
    "  --jsonl FILE        one JSON object per processed frame ('-' = stdout)\n"
    "  -o OUT.mp4          the annotated video (H.264, the input's frame rate, no audio)\n"
    "  --show              a live window (SDL2): boxes, labels, probability bars, frames/s;\n"
    "                      q or Esc quits\n"
    "  --max-frames N      stop after N frames\n"
    "  --threads T         detect in T frames at once (default 1; output unchanged)\n"
    "  --model FILE, --faces-only, --cascade FILE, --scale-factor F, --min-neighbors N,\n"
    "  --min-size N        as for photos (rmn-detect --help)\n"
    "  -q, --quiet         no progress display and no summary\n"
    "  -h, --help          display this help and exit\n"
    "  --version           display the version, commit and build options and exit\n";

static rmn_cli cli;

#define usage_error(...) rmn_cli_usage_error(&cli, __VA_ARGS__)

static int has_video_ext(const char *p) {
    static const char *ext[] = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg",
                                ".mpeg", ".ts", ".flv", ".ogv", ".wmv", ".y4m", ".3gp"};
    const char *dot = strrchr(p, '.');
    if (!dot)
        return 0;
    for (size_t i = 0; i < sizeof ext / sizeof *ext; ++i)
        if (strcasecmp(dot, ext[i]) == 0)
            return 1;
    return 0;
}

int rmn_detect_video_wanted(int argc, char **argv) {
    /* options only videos have; --csv serves photos too, so a video is then told by its name */
    static const char *opts[] = {"--camera", "--every", "--smooth", "--jsonl", "--show",
                                 "--max-frames"};
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--") == 0)
            break;
        for (size_t k = 0; k < sizeof opts / sizeof *opts; ++k) {
            size_t n = strlen(opts[k]);
            if (strncmp(argv[i], opts[k], n) == 0 && (argv[i][n] == 0 || argv[i][n] == '='))
                return 1;
        }
        if (argv[i][0] != '-' && has_video_ext(argv[i]))
            return 1;
    }
    return 0;
}

int rmn_detect_video_main(int argc, char **argv) {
    enum { OPT_MODEL = 256, OPT_CASCADE, OPT_FACES, OPT_SCALE, OPT_NEIGH, OPT_MINSIZE,
           OPT_CAMERA, OPT_EVERY, OPT_SMOOTH, OPT_CSV, OPT_JSONL, OPT_SHOW, OPT_MAX, OPT_THREADS };
    static const struct option opts[] = {{"model", required_argument, NULL, OPT_MODEL},
                                         {"cascade", required_argument, NULL, OPT_CASCADE},
                                         {"faces-only", no_argument, NULL, OPT_FACES},
                                         {"scale-factor", required_argument, NULL, OPT_SCALE},
                                         {"min-neighbors", required_argument, NULL, OPT_NEIGH},
                                         {"min-size", required_argument, NULL, OPT_MINSIZE},
                                         {"camera", optional_argument, NULL, OPT_CAMERA},
                                         {"every", required_argument, NULL, OPT_EVERY},
                                         {"smooth", required_argument, NULL, OPT_SMOOTH},
                                         {"csv", required_argument, NULL, OPT_CSV},
                                         {"jsonl", required_argument, NULL, OPT_JSONL},
                                         {"show", no_argument, NULL, OPT_SHOW},
                                         {"max-frames", required_argument, NULL, OPT_MAX},
                                         {"threads", required_argument, NULL, OPT_THREADS},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    rmn_cli_init(&cli, "rmn-detect", USAGE);
    rmn_video_options o = {.every = 1, .smooth = 0.6f, .threads = 1};
    rmn_detect_params params;
    rmn_detect_params_default(&params);
    const char *model_path = NULL, *cascade_name = rmn_detect_cascade_default(), *camera = NULL;
    int faces_only = 0, c, v;
    optind = 1;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "o:q", opts)) != -1) {
        char *end;
        switch (c) {
        case OPT_MODEL: model_path = optarg; break;
        case OPT_CASCADE: cascade_name = optarg; break;
        case OPT_FACES: faces_only = 1; break;
        case OPT_CAMERA: o.camera = 1, camera = optarg; break;
        case OPT_CSV: o.csv = optarg; break;
        case OPT_JSONL: o.jsonl = optarg; break;
        case OPT_SHOW: o.show = 1; break;
        case 'o': o.out = optarg; break;
        case 'q': o.quiet = 1; break;
        case OPT_SCALE:
        case OPT_NEIGH:
        case OPT_MINSIZE: {
            const char *bad = rmn_detect_params_option(
                &params, c == OPT_SCALE ? "scale-factor" : c == OPT_NEIGH ? "min-neighbors" : "min-size",
                optarg);
            if (bad)
                return usage_error("%s", bad);
            break;
        }
        case OPT_EVERY:
            if (!rmn_parse_int(optarg, 1, 1000000, &o.every))
                return usage_error("--every must be a positive integer, not '%s'", optarg);
            break;
        case OPT_MAX:
            if (!rmn_parse_int(optarg, 1, INT_MAX, &v))
                return usage_error("--max-frames must be a positive integer, not '%s'", optarg);
            o.max_frames = v;
            break;
        case OPT_THREADS:
            if (!rmn_parse_int(optarg, 1, RMN_VIDEO_MAX_THREADS, &o.threads))
                return usage_error("--threads must be an integer 1..%d, not '%s'",
                                   RMN_VIDEO_MAX_THREADS, optarg);
            break;
        case OPT_SMOOTH:
            o.smooth = strtof(optarg, &end);
            if (*end || !(o.smooth >= 0.0f && o.smooth < 1.0f))
                return usage_error("--smooth must be a number in [0, 1), not '%s'", optarg);
            break;
        default: return cli.status; /* help, version or a usage error, said */
        }
    }
    int nin = argc - optind;
    char dev[64];
    if (o.camera) {
        if (!camera && nin == 1)
            camera = argv[optind++], nin = 0;
        if (nin > 0)
            return usage_error("%s", "--camera reads one camera; give no VIDEO with it");
        if (!camera)
            camera = "0";
        if (isdigit((unsigned char)camera[0]) && rmn_parse_int(camera, 0, 999, &v)) {
            snprintf(dev, sizeof dev, "/dev/video%d", v);
            camera = dev;
        }
        o.input = camera;
    } else {
        if (nin != 1)
            return usage_error("%s", nin ? "give one VIDEO at a time" : "no VIDEO given");
        o.input = argv[optind];
    }
    if (o.csv && o.jsonl && strcmp(o.csv, "-") == 0 && strcmp(o.jsonl, "-") == 0)
        return usage_error("%s", "--csv - and --jsonl - cannot both write to stdout");
    if (!rmn_video_available()) {
        rmn_video_reader *r;
        rmn_video_open(o.input, NULL, &r);
        rmn_cli_fail(&cli);
        return 1;
    }

    rmn_detect_model *model = NULL;
    char buf[PATH_MAX];
    if (!faces_only) {
        char looked[PATH_MAX + 64];
        const char *mp = rmn_detect_model_path(model_path, buf, sizeof buf, looked, sizeof looked);
        if (!mp) {
            fprintf(stderr,
                    "rmn-detect: error: no emotion model is installed (looked at %s); pass "
                    "--model FILE, set RMN_MODEL, or use --faces-only to detect faces only\n",
                    looked);
            return 1;
        }
        o.model_path = mp;
        if (rmn_detect_model_load(mp, &model) != RMN_OK) {
            rmn_cli_fail(&cli);
            return 1;
        }
    }
    char cbuf[PATH_MAX];
    rmn_cascade *cascade;
    if (rmn_cascade_load(rmn_detect_cascade_path(cascade_name, cbuf, sizeof cbuf), &cascade) !=
        RMN_OK) {
        rmn_cli_fail(&cli);
        rmn_detect_model_free(model);
        return 1;
    }
    /* the summary goes to stdout unless stdout carries the CSV or the JSON lines */
    int stdout_busy = (o.csv && !strcmp(o.csv, "-")) || (o.jsonl && !strcmp(o.jsonl, "-"));
    FILE *summary = o.quiet ? NULL : stdout_busy ? stderr : stdout;
    /* Ctrl-C or SIGTERM (a camera never ends) stops after the current frames, and the CSV,
     * JSON lines and the annotated video are finished properly */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    o.stop = &stop_requested;
    rmn_video_stats st;
    int rc = rmn_video_process(&o, cascade, &params, model, summary, &st);
    if (rc != RMN_OK)
        rmn_cli_fail(&cli);
    else if (stop_requested)
        fprintf(stderr, "rmn-detect: stopped on request after %lld frames; the outputs are "
                        "complete up to there\n", (long long)st.frames);
    rmn_cascade_free(cascade);
    rmn_detect_model_free(model);
    return rc == RMN_OK ? 0 : 1;
}

/* rmn-bench-video.c -- rmn-bench --video FILE: frames/s of the whole video path of rmn-detect
 * (decode + detect + classify + track + encode to a scratch H.264 file), per cascade (default
 * both of the frontal-face cascades, HAAR and LBP), with --threads detection threads (default
 * 2). Kept apart from rmn-bench.c, which calls it when --video is on the command line. */
#include "cli/rmn-bench-video.h"
#include "core/args.h"
#include "core/cli.h"
#include "core/error.h"
#include "detect/paths.h"
#include "video/run.h"
#include "video/video.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char USAGE[] =
    "Usage: rmn-bench --video [--cascade NAME]... [--checkpoint FILE | --faces-only] [--threads T]\n"
    "                 [--frames N] [--json] FILE\n"
    "Measure rmn-detect on a video: frames/s of decode + detect + classify + encode.\n"
    "The encoding is H.264 to a scratch file; over the first N frames of FILE.\n"
    "\n"
    "Options:\n"
    "  --cascade NAME     a face cascade (repeatable; default haarcascade_frontalface_default.xml\n"
    "                     and lbpcascade_frontalface_improved.xml)\n"
    "  --checkpoint FILE  the emotion model (default: the shipped one)\n"
    "  --faces-only       detect faces only\n"
    "  --threads T        detection threads (default 2)\n"
    "  --frames N         frames measured (default 150)\n"
    "  --json             JSON lines\n"
    "  -h, --help         display this help and exit\n"
    "  --version          display the version, commit and build options and exit\n";

int rmn_bench_video_wanted(int argc, char **argv) {
    for (int i = 1; i < argc; ++i)
        if (strcmp(argv[i], "--video") == 0)
            return 1;
    return 0;
}

int rmn_bench_video_main(int argc, char **argv) {
    enum { O_VIDEO = 256, O_CASCADE, O_CKPT, O_FACES, O_THREADS, O_FRAMES, O_JSON };
    static const struct option opts[] = {{"video", no_argument, NULL, O_VIDEO},
                                         {"cascade", required_argument, NULL, O_CASCADE},
                                         {"checkpoint", required_argument, NULL, O_CKPT},
                                         {"faces-only", no_argument, NULL, O_FACES},
                                         {"threads", required_argument, NULL, O_THREADS},
                                         {"frames", required_argument, NULL, O_FRAMES},
                                         {"json", no_argument, NULL, O_JSON},
                                         {NULL, 0, NULL, 0}};
    rmn_cli cli;
    rmn_cli_init(&cli, "rmn-bench", USAGE);
    const char *cascades[8];
    int         ncascade = 0, faces_only = 0, threads = 2, frames = 150, json = 0, c;
    const char *checkpoint = NULL;
    optind = 1;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "", opts)) != -1) {
        switch (c) {
        case O_VIDEO: break;
        case O_CASCADE:
            if (ncascade == 8)
                return rmn_cli_usage_error(&cli, "at most 8 --cascade");
            cascades[ncascade++] = optarg;
            break;
        case O_CKPT: checkpoint = optarg; break;
        case O_FACES: faces_only = 1; break;
        case O_JSON: json = 1; break;
        case O_THREADS:
            if (!rmn_parse_int(optarg, 1, RMN_VIDEO_MAX_THREADS, &threads))
                return rmn_cli_usage_error(&cli, "--threads must be 1..%d, not '%s'",
                                           RMN_VIDEO_MAX_THREADS, optarg);
            break;
        case O_FRAMES:
            if (!rmn_parse_int(optarg, 1, INT_MAX, &frames))
                return rmn_cli_usage_error(&cli, "--frames must be a positive integer, not '%s'", optarg);
            break;
        default: return cli.status; /* help, version or a usage error, said */
        }
    }
    if (argc - optind != 1)
        return rmn_cli_usage_error(&cli, "--video needs one FILE");
    if (ncascade == 0) {
        cascades[ncascade++] = "haarcascade_frontalface_default.xml";
        cascades[ncascade++] = "lbpcascade_frontalface_improved.xml";
    }
    rmn_detect_model *model = NULL;
    char              mbuf[PATH_MAX];
    const char       *mp = NULL;
    if (!faces_only) {
        char looked[PATH_MAX + 64];
        mp = rmn_detect_model_path(checkpoint, mbuf, sizeof mbuf, looked, sizeof looked);
        if (!mp) {
            fprintf(stderr, "rmn-bench: error: no emotion model (looked at %s); pass --checkpoint "
                            "FILE or --faces-only\n", looked);
            return 1;
        }
        if (rmn_detect_model_load(mp, &model) != RMN_OK)
            return rmn_cli_fail(&cli);
    }
    char scratch[] = "/tmp/rmn-bench-video-XXXXXX";
    if (!mkdtemp(scratch)) {
        perror("rmn-bench: mkdtemp");
        rmn_detect_model_free(model);
        return 1;
    }
    char out[sizeof scratch + 16];
    snprintf(out, sizeof out, "%s/out.mp4", scratch);
    int status = 0;
    for (int k = 0; k < ncascade && !status; ++k) {
        char         cbuf[PATH_MAX];
        rmn_cascade *cascade;
        if (rmn_cascade_load(rmn_detect_cascade_path(cascades[k], cbuf, sizeof cbuf), &cascade) !=
            RMN_OK) {
            status = rmn_cli_fail(&cli);
            break;
        }
        rmn_detect_params params;
        rmn_detect_params_default(&params);
        rmn_video_options o = {.input = argv[optind], .every = 1, .smooth = 0.6f, .out = out,
                               .quiet = 1, .max_frames = frames, .threads = threads,
                               .model_path = mp};
        rmn_video_stats st;
        /* size of the input, for the record */
        rmn_video_reader *rd;
        int w = 0, h = 0;
        if (rmn_video_open(o.input, NULL, &rd) == RMN_OK) {
            w = rmn_video_width(rd), h = rmn_video_height(rd);
            rmn_video_close(rd);
        }
        if (rmn_video_process(&o, cascade, &params, model, NULL, &st) != RMN_OK) {
            status = rmn_cli_fail(&cli);
        } else {
            double fps = st.seconds > 0 ? st.frames / st.seconds : 0;
            if (json) {
                json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:i, s:s, s:s?, s:f}",
                                      "kind", "video", "file", o.input, "cascade", cascades[k],
                                      "width", w, "height", h, "frames", (json_int_t)st.frames,
                                      "faces", (json_int_t)st.faces, "threads", threads,
                                      "encoder", st.codec ? st.codec : "", "model",
                                      model ? rmn_detect_model_arch(model) : NULL,
                                      "frames_per_s", fps);
                if (j) {
                    json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(4));
                    fputc('\n', stdout);
                    json_decref(j);
                }
            } else {
                printf("%s %dx%d, %s: %.1f frames/s (decode + detect%s + encode %s, %d thread%s; "
                       "%lld frames, %lld faces)\n",
                       o.input, w, h, cascades[k], fps, model ? " + classify" : "",
                       st.codec ? st.codec : "", threads, threads == 1 ? "" : "s",
                       (long long)st.frames, (long long)st.faces);
            }
        }
        rmn_cascade_free(cascade);
    }
    unlink(out);
    rmdir(scratch);
    rmn_detect_model_free(model);
    return status;
}

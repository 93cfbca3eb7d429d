/* rmn-bench-video.c -- rmn-bench --video FILE: frames/s of the whole video path of rmn-detect
 * (decode + detect + classify + track + encode to a scratch H.264 file), per cascade (default
 * both of the frontal-face cascades, HAAR and LBP), with --threads detection threads (default
 * 2). Kept apart from rmn-bench.c, which calls it when --video is on the command line. */
#include "cli/rmn-bench-video.h"
#include "core/args.h"
#include "core/error.h"
#include "detect/paths.h"
#include "video/run.h"
#include "video/video.h"

#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char USAGE[] =
    "usage: rmn-bench --video [--cascade NAME]... [--checkpoint FILE | --faces-only]\n"
    "                 [--threads T] [--frames N] [--json] FILE\n"
    "  frames/s of decode + detect + classify + encode (H.264 to a scratch file) over the first\n"
    "  N frames (default 150) of FILE, with T detection threads (default 2); cascades default to\n"
    "  haarcascade_frontalface_default.xml and lbpcascade_frontalface_improved.xml\n";

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
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *cascades[8];
    int         ncascade = 0, faces_only = 0, threads = 2, frames = 150, json = 0, c;
    const char *checkpoint = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_VIDEO: break;
        case O_CASCADE:
            if (ncascade == 8) {
                fputs("rmn-bench: at most 8 --cascade\n", stderr);
                return 2;
            }
            cascades[ncascade++] = optarg;
            break;
        case O_CKPT: checkpoint = optarg; break;
        case O_FACES: faces_only = 1; break;
        case O_JSON: json = 1; break;
        case O_THREADS:
            if (!rmn_parse_int(optarg, 1, RMN_VIDEO_MAX_THREADS, &threads)) {
                fprintf(stderr, "rmn-bench: --threads must be 1..%d\n%s", RMN_VIDEO_MAX_THREADS, USAGE);
                return 2;
            }
            break;
        case O_FRAMES:
            if (!rmn_parse_int(optarg, 1, INT_MAX, &frames)) {
                fprintf(stderr, "rmn-bench: --frames must be a positive integer\n%s", USAGE);
                return 2;
            }
            break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: fputs(USAGE, stderr); return 2;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "rmn-bench: --video needs one FILE\n%s", USAGE);
        return 2;
    }
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
        if (rmn_detect_model_load(mp, &model) != RMN_OK) {
            fprintf(stderr, "rmn-bench: error: %s\n", rmn_error_message());
            return 1;
        }
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
            fprintf(stderr, "rmn-bench: error: %s\n", rmn_error_message());
            status = 1;
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
            fprintf(stderr, "rmn-bench: error: %s\n", rmn_error_message());
            status = 1;
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

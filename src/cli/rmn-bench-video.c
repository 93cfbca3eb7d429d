/* rmn-bench-video.c -- rmn-bench --video FILE: frames/s of the whole video path of rmn-detect
 * (decode + detect + classify + track + encode to a scratch H.264 file) per detector (default
 * every one: haar, lbp, ssd, tiny; the CNNs skipped without face-api's weights), with
 * --threads detection threads (default 2), the detectors interleaved over --rounds rounds and
 * each one's median and range printed. Kept apart from rmn-bench.c, which calls it when
 * --video is on the command line. */
#include "cli/rmn-bench-video.h"
#include "core/args.h"
#include "cli/convention.h"
#include "core/error.h"
#include "detect/detector.h"
#include "detect/paths.h"
#include "video/run.h"
#include "video/video.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DET 8
#define MAX_ROUNDS 99

static const char USAGE[] =
    "Usage: rmn-bench --video [--detector ssd|tiny|haar|lbp]... [--input-size N] [--no-align]\n"
    "                 [--checkpoint FILE | --faces-only] [--threads T] [--frames N] [--rounds R]\n"
    "                 [--json] FILE\n"
    "Measure rmn-detect on a video: frames/s of decode + detect + classify + encode.\n"
    "The encoding is H.264 to a scratch file, over the first N frames of FILE, for each detector\n"
    "taken in turn in each of R rounds; prints each one's median frames/s and its range over\n"
    "the rounds.\n"
    "\n"
    "Options:\n"
    "  --detector NAME    ssd, tiny, haar or lbp (repeatable; default all four, ssd and tiny\n"
    "                     skipped without face-api's weights)\n"
    "  --input-size N     the tiny detector's input size, a multiple of 32 (default 416)\n"
    "  --no-align         with ssd or tiny: no eye alignment (rmn-detect's default aligns)\n"
    "  --checkpoint FILE  the emotion model (default: the shipped one)\n"
    "  --faces-only       detect faces only\n"
    "  --threads T        detection threads (default 2)\n"
    "  --frames N         frames measured (default 150)\n"
    "  --rounds R         rounds over the detectors (default 1)\n"
    "  --json             JSON lines\n"
    "  -h, --help         display this help and exit\n"
    "  --version          display the version, commit and build options and exit\n";

int rmn_bench_video_wanted(int argc, char **argv) {
    for (int i = 1; i < argc; ++i)
        if (strcmp(argv[i], "--video") == 0)
            return 1;
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n), its least and greatest values in *lo, *hi. */
static double median(const double *v, int n, double *lo, double *hi) {
    double s[MAX_ROUNDS];
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    *lo = s[0], *hi = s[n - 1];
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int rmn_bench_video_main(int argc, char **argv) {
    enum { O_VIDEO = 256, O_DETECTOR, O_INPUT_SIZE, O_NOALIGN, O_CKPT, O_FACES, O_THREADS, O_FRAMES, O_ROUNDS,
           O_JSON };
    static const struct option opts[] = {{"video", no_argument, NULL, O_VIDEO},
                                         {"detector", required_argument, NULL, O_DETECTOR},
                                         {"input-size", required_argument, NULL, O_INPUT_SIZE},
                                         {"no-align", no_argument, NULL, O_NOALIGN},
                                         {"checkpoint", required_argument, NULL, O_CKPT},
                                         {"faces-only", no_argument, NULL, O_FACES},
                                         {"threads", required_argument, NULL, O_THREADS},
                                         {"frames", required_argument, NULL, O_FRAMES},
                                         {"rounds", required_argument, NULL, O_ROUNDS},
                                         {"json", no_argument, NULL, O_JSON},
                                         {NULL, 0, NULL, 0}};
    rmn_cli cli;
    rmn_cli_init(&cli, "rmn-bench", USAGE);
    const char *names[MAX_DET];
    int ndet = 0, faces_only = 0, threads = 2, frames = 150, rounds = 1, json = 0, align = 1, input_size = 0, c;
    const char *checkpoint = NULL;
    optind = 1;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "", opts)) != -1) {
        switch (c) {
        case O_VIDEO: break;
        case O_DETECTOR:
            if (ndet == MAX_DET)
                return rmn_cli_usage_error(&cli, "at most %d --detector", MAX_DET);
            names[ndet++] = optarg;
            break;
        case O_INPUT_SIZE:
            if (!rmn_parse_int(optarg, 32, 4096, &input_size) || input_size % 32)
                return rmn_cli_usage_error(&cli, "--input-size must be a multiple of 32 in 32..4096, not '%s'",
                                           optarg);
            break;
        case O_NOALIGN: align = 0; break;
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
        case O_ROUNDS:
            if (!rmn_parse_int(optarg, 1, MAX_ROUNDS, &rounds))
                return rmn_cli_usage_error(&cli, "--rounds must be 1..%d, not '%s'", MAX_ROUNDS, optarg);
            break;
        default: return cli.status; /* help, version or a usage error, said */
        }
    }
    if (argc - optind != 1)
        return rmn_cli_usage_error(&cli, "%s", "--video needs one FILE");
    int all = ndet == 0;
    if (all) {
        static const char *ALL[] = {"haar", "lbp", "ssd", "tiny"};
        for (int i = 0; i < 4; ++i)
            names[ndet++] = ALL[i];
    }
    /* the model, the detectors (each made once, before any timing) */
    rmn_detect_model    *model = NULL;
    rmn_detect_model_src src = {0};
    char                 mbuf[PATH_MAX];
    if (!faces_only) {
        char looked[PATH_MAX + 64];
        src.path = rmn_detect_model_path(checkpoint, mbuf, sizeof mbuf, looked, sizeof looked);
        if (!src.path) {
            fprintf(stderr, "rmn-bench: error: no emotion model (looked at %s); pass --checkpoint "
                            "FILE or --faces-only\n", looked);
            return 1;
        }
        if (rmn_detect_model_open(&src, &model) != RMN_OK)
            return rmn_cli_fail(&cli);
    }
    rmn_detector dets[MAX_DET];
    int          have[MAX_DET] = {0}, status = 0;
    for (int k = 0; k < ndet && !status; ++k) {
        rmn_detector_spec spec;
        char              note[16];
        rmn_detector_spec_default(&spec);
        spec.name = names[k];
        spec.align = align;
        rmn_detector_kind kind;
        const char *cn;
        if (rmn_detector_parse(names[k], &kind, &cn) == RMN_OK && kind == RMN_DETECTOR_TINY)
            spec.input_size = input_size;
        int rc = rmn_detector_make(&spec, &dets[k], note, sizeof note);
        if (rc == RMN_ENOTFOUND && all) {
            fprintf(stderr, "rmn-bench: %s skipped: %s\n", names[k], rmn_error_message());
        } else if (rc != RMN_OK) {
            rmn_cli_fail(&cli);
            status = rc == RMN_EINVAL ? 2 : 1;
        } else {
            have[k] = 1;
        }
    }
    char scratch[] = "/tmp/rmn-bench-video-XXXXXX";
    if (!status && !mkdtemp(scratch)) {
        perror("rmn-bench: mkdtemp");
        status = 1;
    }
    char out[sizeof scratch + 16];
    snprintf(out, sizeof out, "%s/out.mp4", scratch);
    /* size of the input, for the record */
    int w = 0, h = 0;
    rmn_video_reader *rd;
    if (!status && rmn_video_open(argv[optind], NULL, &rd) == RMN_OK) {
        w = rmn_video_width(rd), h = rmn_video_height(rd);
        rmn_video_close(rd);
    }
    static double fps[MAX_DET][MAX_ROUNDS], cpu_ms[MAX_DET][MAX_ROUNDS];
    rmn_video_stats st[MAX_DET];
    for (int r = 0; r < rounds && !status; ++r)
        for (int k = 0; k < ndet && !status; ++k) {
            if (!have[k])
                continue;
            rmn_video_options o = {.input = argv[optind], .every = 1, .smooth = 0.6f, .out = out,
                                   .max_frames = frames, .threads = threads, .model = src};
            if (rmn_video_process(&o, &dets[k], model, NULL, &st[k]) != RMN_OK) {
                status = rmn_cli_fail(&cli);
            }
            fps[k][r] = st[k].seconds > 0 ? st[k].frames / st[k].seconds : 0;
            cpu_ms[k][r] = st[k].frames > 0 ? 1e3 * st[k].cpu_seconds / st[k].frames : 0;
        }
    for (int k = 0; k < ndet && !status; ++k) {
        if (!have[k])
            continue;
        double lo, hi, clo, chi, cpu = median(cpu_ms[k], rounds, &clo, &chi), med = median(fps[k], rounds, &lo, &hi);
        const rmn_detector *d = &dets[k];
        int size = d->kind == RMN_DETECTOR_TINY ? d->input_size : 0;
        if (json) {
            json_t *all_r = json_array();
            for (int r = 0; r < rounds; ++r)
                json_array_append_new(all_r, json_real(fps[k][r]));
            json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:b, s:I, s:I, s:i, s:s, s:s?, s:f, s:f, s:f, s:f, s:o}",
                                  "kind", "video", "file", argv[optind], "detector", names[k], "width", w, "height",
                                  h, "align", d->landmarks && model, "frames", (json_int_t)st[k].frames, "faces",
                                  (json_int_t)st[k].faces, "threads", threads, "encoder",
                                  st[k].codec ? st[k].codec : "", "model", model ? rmn_detect_model_arch(model) : NULL,
                                  "frames_per_s", med, "frames_per_s_min", lo, "frames_per_s_max", hi,
                                  "cpu_ms_per_frame", cpu, "rounds", all_r);
            if (j && size)
                json_object_set_new(j, "input_size", json_integer(size));
            if (j) {
                json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(4));
                fputc('\n', stdout);
                json_decref(j);
            }
        } else {
            char sz[32] = "", range[64] = "";
            if (size)
                snprintf(sz, sizeof sz, " %d", size);
            if (rounds > 1)
                snprintf(range, sizeof range, " (median of %d rounds; %.1f-%.1f)", rounds, lo, hi);
            printf("%s %dx%d, %s%s%s: %.1f frames/s%s, %.1f CPU ms/frame (decode + detect%s + encode %s, %d "
                   "thread%s; %lld frames, %lld faces)\n",
                   argv[optind], w, h, names[k], sz, d->landmarks && model ? " aligned" : "", med, range, cpu,
                   model ? " + classify" : "", st[k].codec ? st[k].codec : "", threads, threads == 1 ? "" : "s",
                   (long long)st[k].frames, (long long)st[k].faces);
        }
    }
    unlink(out);
    rmdir(scratch);
    for (int k = 0; k < ndet; ++k)
        if (have[k])
            rmn_detector_close(&dets[k]);
    rmn_detect_model_free(model);
    return status;
}

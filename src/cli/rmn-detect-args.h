/* rmn-detect-args.h -- rmn-detect's command line, read once for both of its modes: photos
 * (rmn-detect.c) and videos and cameras (rmn-detect-video.c). The options they share (model,
 * detector, alignment, scan parameters, --csv, -o, -q) mean the same in both; a video-only
 * option or an input named like a video selects the video mode, where the photo-only options
 * are usage errors. Also the setup both modes do next: the emotion model and the detector. */
#ifndef RMN_CLI_RMN_DETECT_ARGS_H
#define RMN_CLI_RMN_DETECT_ARGS_H

#include "cli/convention.h"
#include "detect/detector.h"
#include "detect/model.h"

#include <stdint.h>

typedef struct {
    /* both modes */
    rmn_detect_model_src model; /* --model (path NULL: the default), --arch, --in-channels */
    char                 model_buf[4096]; /* rmn_detect_setup: the default model's path */
    rmn_detector_spec    det;   /* --detector, --cascade, --align/--no-align, --input-size, scan */
    int                  faces_only, quiet;
    const char          *csv, *out;
    char               **inputs; /* the arguments left: images, directories or one video */
    int                  ninputs;
    int                  video;  /* the video mode */
    /* photos */
    int json, bench, explain, no_detect, recursive;
    /* videos */
    const char *camera; /* --camera's device (/dev/videoN), or NULL */
    char        camera_buf[32];
    const char *camera_format; /* --camera-format: libavdevice input format (default v4l2) */
    int         every, threads, show;
    float       smooth;
    const char *jsonl;
    int64_t     max_frames;
} rmn_detect_args;

/* Reads argv into a. Returns -1 to go on, else the exit status to end with (0 after --help or
 * --version, 2 after a usage error, which it prints). */
int rmn_detect_args_parse(int argc, char **argv, rmn_detect_args *a);
/* rmn-detect's command-line convention (core/cli.h), set up by rmn_detect_args_parse. */
extern rmn_cli rmn_detect_cli;
/* A usage error: "rmn-detect: MESSAGE" and the pointer to --help on stderr; returns 2. */
int rmn_detect_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "rmn-detect: error: " and rmn_error_message() on stderr; returns 1. */
int rmn_detect_fail(void);

/* The emotion model (NULL with --faces-only; a->model.path becomes the path it was loaded
 * from) and the detector (untouched with --no-detect), with the detector's default choice said
 * once on stderr. Returns -1 to go on, else the exit status (1, or 2 for a bad --detector or
 * --input-size), the error printed and nothing left open. */
int rmn_detect_setup(rmn_detect_args *a, rmn_detect_model **model, rmn_detector *det);

#endif

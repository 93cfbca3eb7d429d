/* rmn-detect-video.c -- rmn-detect on video files and cameras (src/video/run.h): the model and
 * the detector set up as for photos (rmn-detect-args.c), then the video loop and the per-track
 * summary. */
#include "cli/rmn-detect-video.h"
#include "core/error.h"
#include "video/run.h"
#include "video/video.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t stop_requested;
static void on_stop(int sig) {
    (void)sig;
    stop_requested = 1;
}

int rmn_detect_video_run(rmn_detect_args *a) {
    rmn_video_options o = {.input = a->camera ? a->camera : a->inputs[0], .format = a->camera_format,
                           .camera = a->camera != NULL, .every = a->every, .smooth = a->smooth, .csv = a->csv,
                           .jsonl = a->jsonl, .out = a->out, .show = a->show,
                           .progress = a->quiet ? NULL : stderr,
                           .max_frames = a->max_frames, .threads = a->threads};
    if (!rmn_video_available()) {
        rmn_video_reader *r;
        rmn_video_open(o.input, NULL, &r);
        rmn_detect_fail();
        return 1;
    }
    rmn_detect_model *model = NULL;
    rmn_detector det;
    int status = rmn_detect_setup(a, &model, &det);
    if (status >= 0)
        return status;
    o.model = a->model; /* for the further threads' copies */
    /* the summary goes to stdout unless stdout carries the CSV or the JSON lines */
    int stdout_busy = (o.csv && !strcmp(o.csv, "-")) || (o.jsonl && !strcmp(o.jsonl, "-"));
    FILE *summary = a->quiet ? NULL : stdout_busy ? stderr : stdout;
    /* Ctrl-C or SIGTERM (a camera never ends) stops after the current frames, and the CSV,
     * JSON lines and the annotated video are finished properly */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    o.stop = &stop_requested;
    rmn_video_stats st;
    int rc = rmn_video_process(&o, &det, model, summary, &st);
    if (rc != RMN_OK)
        rmn_detect_fail();
    else if (stop_requested)
        fprintf(stderr, "rmn-detect: stopped on request after %lld frames; the outputs are "
                        "complete up to there\n", (long long)st.frames);
    rmn_detector_close(&det);
    rmn_detect_model_free(model);
    return rc == RMN_OK ? 0 : 1;
}

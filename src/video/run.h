/* run.h -- rmn-detect on a video or a camera: read frames (every k-th), detect and classify
 * faces, track them (track.h), write CSV rows, JSON lines, an annotated video and a live
 * window, and print a summary per track at the end.
 *
 * CSV (one row per face per processed frame; header first):
 *   frame,time_s,face_id,xmin,ymin,xmax,ymax,angry,disgust,fear,happy,sad,surprise,neutral,emo_label
 *   probabilities are the smoothed ones (6 decimals), emo_label their argmax; faces only: the
 *   class columns and emo_label are empty.
 * JSON lines (one object per processed frame, faces or not):
 *   {"frame": i, "time_s": t, "faces": [{"face_id", "xmin", "ymin", "xmax", "ymax",
 *    "emo_label", "emo_proba", "proba_list": [{"angry": p}, ...]}]}
 * Threads: frames are read in batches of threads x every; the processed frames of a batch are
 * detected and classified in parallel (one thread and one model copy each), then tracked,
 * written, drawn, encoded and shown in order, so the output does not depend on the threads.
 * The annotated video has every frame of the input (skipped frames carry the last boxes) at
 * the input's frame rate. */
#ifndef RMN_VIDEO_RUN_H
#define RMN_VIDEO_RUN_H

#include "detect/detector.h"
#include "detect/faces.h"

#include <signal.h>
#include <stdio.h>

#define RMN_VIDEO_MAX_THREADS 16

typedef struct {
    const char *input;   /* file, or the camera device */
    int         camera;  /* input is a device (libavdevice) */
    const char *format;  /* the camera's input format (NULL: v4l2) */
    int         every;   /* process every k-th frame (>= 1) */
    float       smooth;  /* EMA weight of the past, 0 = off */
    const char *csv, *jsonl, *out; /* "-" = stdout for csv and jsonl */
    int         show;
    FILE       *progress; /* the progress bar (rmn-detect: stderr); NULL: none */
    int64_t     max_frames; /* 0: all */
    int         threads;    /* detection threads (frames in parallel), 1..RMN_VIDEO_MAX_THREADS */
    rmn_detect_model_src model; /* with threads > 1: each further thread loads its own model */
    volatile sig_atomic_t *stop; /* may be NULL; set (by a signal handler) to end the loop
                                    cleanly: the outputs so far are complete */
} rmn_video_options;

typedef struct {
    int64_t frames, processed, faces;
    double  seconds;     /* wall time of the loop */
    double  cpu_seconds; /* CPU time of the process (all threads) during the loop */
    int     tracks;
    const char *codec; /* the encoder of -o, or NULL */
} rmn_video_stats;

/* Faces found by det (each further thread gets a copy, rmn_detector_dup), classified by model
 * (NULL: faces only); summary: where the per-track summary goes (NULL: nowhere). Errors name
 * the input or the output file. */
int rmn_video_process(const rmn_video_options *o, const rmn_detector *det, rmn_detect_model *model, FILE *summary,
                      rmn_video_stats *stats);

/* The overlay of a frame (overlay.c): boxes and labels as rmn_detect_draw with "#id" added,
 * and with bars != 0 a probability bar per class under each box; fps >= 0 is written at the
 * top-left corner. */
void rmn_video_overlay(rmn_image *rgb, const rmn_face *faces, const int *ids, int n,
                       const rmn_detect_model *model, int bars, double fps);

#endif

/* run.c -- the video loop of rmn-detect (run.h): read, detect every k-th frame, track, smooth,
 * write CSV / JSON lines / annotated video, show, and summarise the tracks. */
#include "core/error.h"
#include "core/progress.h"
#include "video/pipe.h"
#include "video/run.h"
#include "video/track.h"
#include "video/video.h"
#include "video/window.h"

#include <errno.h>
#include <pthread.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct {
    FILE *csv, *jsonl;
    int   own_csv, own_jsonl;
} sinks;

static int open_sink(const char *path, FILE **f, int *own) {
    if (!path)
        return RMN_OK;
    if (strcmp(path, "-") == 0) {
        *f = stdout;
        return RMN_OK;
    }
    *f = fopen(path, "w");
    if (!*f)
        return RMN_ERROR(RMN_EIO, "%s: cannot create: %s", path, strerror(errno));
    *own = 1;
    return RMN_OK;
}

static int close_sink(const char *path, FILE *f, int own, int rc) {
    if (!f)
        return rc;
    int bad = fflush(f) != 0 || ferror(f);
    if (own)
        bad |= fclose(f) != 0;
    if (bad && rc == RMN_OK)
        rc = RMN_ERROR(RMN_EIO, "%s: write error: %s", strcmp(path, "-") ? path : "stdout",
                       strerror(errno));
    return rc;
}

static void csv_header(FILE *f, const rmn_detect_model *model) {
    fputs("frame,time_s,face_id,xmin,ymin,xmax,ymax", f);
    int nc = model ? rmn_detect_model_num_classes(model) : 7;
    static const char *names[7] = {"angry", "disgust", "fear", "happy", "sad", "surprise",
                                   "neutral"};
    for (int k = 0; k < nc; ++k)
        fprintf(f, ",%s", model ? rmn_detect_model_label(model, k) : names[k]);
    fputs(",emo_label\n", f);
}

static void csv_rows(FILE *f, int64_t frame, double t, const rmn_face *faces, const int *ids,
                     int n, const rmn_detect_model *model) {
    for (int i = 0; i < n; ++i) {
        const rmn_face *x = &faces[i];
        fprintf(f, "%lld,%.6f,%d,%d,%d,%d,%d", (long long)frame, t, ids[i], x->box.xmin,
                x->box.ymin, x->box.xmax, x->box.ymax);
        if (model) {
            for (int k = 0; k < rmn_detect_model_num_classes(model); ++k)
                fprintf(f, ",%.6f", x->proba[k]);
            fprintf(f, ",%s\n", rmn_detect_model_label(model, x->label));
        } else {
            fputs(",,,,,,,,\n", f);
        }
    }
}

static int jsonl_line(FILE *f, int64_t frame, double t, const rmn_face *faces, const int *ids,
                      int n, const rmn_detect_model *model) {
    json_t *root = json_pack("{s:I, s:f, s:[]}", "frame", (json_int_t)frame, "time_s", t,
                             "faces");
    if (!root)
        return RMN_ERROR(RMN_ENOMEM, "out of memory building JSON");
    json_t *arr = json_object_get(root, "faces");
    for (int i = 0; i < n; ++i) {
        const rmn_face *x = &faces[i];
        json_t *o = json_pack("{s:i, s:i, s:i, s:i, s:i}", "face_id", ids[i], "xmin",
                              x->box.xmin, "ymin", x->box.ymin, "xmax", x->box.xmax, "ymax",
                              x->box.ymax);
        if (o && model) {
            json_t *pl = json_array();
            for (int k = 0; pl && k < rmn_detect_model_num_classes(model); ++k)
                json_array_append_new(pl, json_pack("{s:f}", rmn_detect_model_label(model, k),
                                                    (double)x->proba[k]));
            json_object_set_new(o, "emo_label",
                                json_string(rmn_detect_model_label(model, x->label)));
            json_object_set_new(o, "emo_proba", json_real(x->proba[x->label]));
            json_object_set_new(o, "proba_list", pl ? pl : json_null());
        }
        if (!o || json_array_append_new(arr, o)) {
            json_decref(root);
            return RMN_ERROR(RMN_ENOMEM, "out of memory building JSON");
        }
    }
    json_dumpf(root, f, JSON_COMPACT | JSON_REAL_PRECISION(6));
    fputc('\n', f);
    json_decref(root);
    return RMN_OK;
}

static void summary_print(FILE *f, const rmn_tracker *t, const rmn_detect_model *model,
                          const rmn_video_stats *s) {
    fprintf(f, "%lld frames, %lld processed, %lld faces, %d track%s, %.1f frames/s\n",
            (long long)s->frames, (long long)s->processed, (long long)s->faces, t->n,
            t->n == 1 ? "" : "s", s->seconds > 0 ? s->frames / s->seconds : 0.0);
    for (int j = 0; j < t->n; ++j) {
        const rmn_track *tr = &t->tracks[j];
        fprintf(f, "track %d: frames %lld-%lld, seen in %lld", tr->id, (long long)tr->first_frame,
                (long long)tr->last_frame, (long long)tr->frames);
        int dom = rmn_track_dominant(t, tr);
        if (model && dom >= 0) {
            fprintf(f, ", dominant %s;", rmn_detect_model_label(model, dom));
            for (int k = 0; k < t->nclass; ++k)
                if (tr->label_frames[k])
                    fprintf(f, " %s %.1f%%", rmn_detect_model_label(model, k),
                            100.0 * tr->label_frames[k] / tr->frames);
        }
        fputc('\n', f);
    }
}

static double cpu_now(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

// --- detection of a batch of frames, one worker thread per model ----------------------------

typedef struct {
    rmn_image image;
    int64_t   index;
    double    time_s;
    rmn_face *faces; /* processed frames: the detections (malloc'ed) */
    int       n, processed, rc;
    char      err[512];
} slot;

typedef struct {
    slot               *slots;
    int                 nslot, first, step;
    const rmn_detector *det;
    rmn_detect_model   *model;
} worker;

static void *work(void *arg) {
    worker *wk = arg;
#ifdef _OPENMP
    if (wk->step > 1)
        omp_set_num_threads(1); /* the workers are the parallelism; no nested OpenMP teams */
#endif
    int k = 0;
    for (int i = 0; i < wk->nslot; ++i) {
        slot *s = &wk->slots[i];
        if (!s->processed || k++ % wk->step != wk->first)
            continue;
        free(s->faces);
        s->faces = NULL;
        s->n = 0;
        s->rc = rmn_detector_faces(wk->det, wk->model, &s->image, &s->faces, &s->n);
        if (s->rc != RMN_OK)
            snprintf(s->err, sizeof s->err, "%s", rmn_error_message());
    }
    return NULL;
}

static int detect_batch(slot *slots, int nslot, int nthreads, const rmn_detector *dets,
                        rmn_detect_model **models) {
    worker    wk[RMN_VIDEO_MAX_THREADS];
    pthread_t th[RMN_VIDEO_MAX_THREADS];
    int       started[RMN_VIDEO_MAX_THREADS] = {0};
    for (int t = 0; t < nthreads; ++t) {
        wk[t] = (worker){slots, nslot, t, nthreads, &dets[t], models[t]};
        if (t > 0)
            started[t] = pthread_create(&th[t], NULL, work, &wk[t]) == 0;
    }
    work(&wk[0]);
    for (int t = 1; t < nthreads; ++t) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            work(&wk[t]); /* no thread: do its share here */
    }
    for (int i = 0; i < nslot; ++i)
        if (slots[i].processed && slots[i].rc != RMN_OK) {
            rmn_error_restore(slots[i].rc, slots[i].err);
            return slots[i].rc;
        }
    return RMN_OK;
}

int rmn_video_process(const rmn_video_options *o, const rmn_detector *det, rmn_detect_model *model, FILE *summary,
                      rmn_video_stats *stats) {
    memset(stats, 0, sizeof *stats);
    rmn_video_reader *rd = NULL;
    rmn_video_writer *wr = NULL;
    rmn_video_pipe   *pipe = NULL; /* encodes a batch while the next one is read and detected */
    rmn_window       *win = NULL;
    rmn_tracker       tracker;
    sinks             sk = {0};
    rmn_face         *shown = NULL;
    int              *ids = NULL, *track_of = NULL, nshown = 0, cap = 0;
    rmn_progress      prog;
    int               progress = 0;
    int nthreads = o->threads < 1 ? 1 : o->threads > RMN_VIDEO_MAX_THREADS ? RMN_VIDEO_MAX_THREADS : o->threads;
    /* a batch holds nthreads processed frames and the skipped frames between them; two sets of
     * slots: one is read and detected while the other's frames are encoded */
    int nslot = nthreads * o->every > RMN_VIDEO_PIPE_MAX ? RMN_VIDEO_PIPE_MAX : nthreads * o->every;
    slot *all = calloc(2 * (size_t)nslot, sizeof *all), *slots = all;
    const rmn_image *encode[RMN_VIDEO_PIPE_MAX];
    rmn_detect_model *models[RMN_VIDEO_MAX_THREADS] = {model};
    rmn_detector      dets[RMN_VIDEO_MAX_THREADS] = {*det}; /* [0] is det itself, the others copies */
    if (!all)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    int rc = rmn_tracker_init(&tracker, model ? rmn_detect_model_num_classes(model) : 0, o->smooth);
    if (rc != RMN_OK) {
        free(all);
        return rc;
    }
    for (int t = 1; t < nthreads; ++t) { /* each worker detects and classifies with its own nets */
        if ((rc = rmn_detector_dup(det, &dets[t])) != RMN_OK)
            goto done;
        if (model && (rc = rmn_detect_model_open(&o->model, &models[t])) != RMN_OK)
            goto done;
    }
    if ((rc = rmn_video_open(o->input, o->camera ? (o->format ? o->format : "v4l2") : NULL, &rd)) != RMN_OK)
        goto done;
    int w = rmn_video_width(rd), h = rmn_video_height(rd);
    if ((rc = open_sink(o->csv, &sk.csv, &sk.own_csv)) != RMN_OK ||
        (rc = open_sink(o->jsonl, &sk.jsonl, &sk.own_jsonl)) != RMN_OK)
        goto done;
    if (sk.csv)
        csv_header(sk.csv, model);
    if (o->out && ((rc = rmn_video_writer_open(o->out, w, h, rmn_video_fps(rd), &wr, &stats->codec)) != RMN_OK ||
                   (rc = rmn_video_pipe_open(wr, &pipe)) != RMN_OK))
        goto done;
    if (o->show && (rc = rmn_window_open(o->input, w, h, &win)) != RMN_OK)
        goto done;
    int64_t total = o->camera ? 0 : rmn_video_frame_estimate(rd);
    if (o->max_frames && (total == 0 || total > o->max_frames))
        total = o->max_frames;
    if (o->progress && total > 0) {
        rmn_progress_begin(&prog, o->progress, "video", total);
        progress = 1;
    }
    double t0 = rmn_monotonic_s(), fps_shown = -1, last_t = t0, cpu0 = cpu_now();
    int64_t last_n = 0;
    int     eof = 0, quit = 0;
    while (!eof && !quit && !(o->stop && *o->stop)) {
        /* read a batch into the slots the encoder is not using (it has the other set) */
        int nenc = 0;
        /* a read error (a truncated file) ends the loop after the frames read before it */
        int nb = 0, rrc = RMN_OK;
        while (nb < nslot && !(o->max_frames && stats->frames + nb >= o->max_frames)) {
            slot *s = &slots[nb];
            if ((rrc = rmn_video_read(rd, &s->image, &s->index, &s->time_s, &eof)) != RMN_OK || eof)
                break;
            s->processed = s->index % o->every == 0;
            ++nb;
        }
        char rmsg[1024] = "";
        if (rrc != RMN_OK)
            snprintf(rmsg, sizeof rmsg, "%s", rmn_error_message());
        if (nb < nslot)
            eof = 1;
        if ((rc = detect_batch(slots, nb, nthreads, dets, models)) != RMN_OK)
            break;
        /* then in order: track, write, draw, encode, show */
        for (int b = 0; b < nb && !quit; ++b) {
            slot *s = &slots[b];
            stats->frames++;
            if (s->processed) {
                int n = s->n;
                if (n > cap) {
                    cap = n;
                    int *a = realloc(ids, cap * sizeof *ids), *c2 = a ? realloc(track_of, cap * sizeof *c2) : NULL;
                    rmn_face *c = c2 ? realloc(shown, cap * sizeof *c) : NULL;
                    if (a) ids = a;
                    if (c2) track_of = c2;
                    if (c) shown = c;
                    if (!a || !c2 || !c) {
                        rc = RMN_ERROR(RMN_ENOMEM, "out of memory");
                        break;
                    }
                }
                if ((rc = rmn_tracker_update(&tracker, s->index, s->faces, n, track_of)) != RMN_OK)
                    break;
                for (int i = 0; i < n; ++i) {
                    const rmn_track *tr = &tracker.tracks[track_of[i]];
                    shown[i] = s->faces[i];
                    ids[i] = tr->id;
                    if (model) {
                        memcpy(shown[i].proba, tr->smooth, sizeof tr->smooth);
                        shown[i].label = tr->label;
                    }
                }
                nshown = n;
                stats->processed++;
                stats->faces += n;
                if (sk.csv)
                    csv_rows(sk.csv, s->index, s->time_s, shown, ids, n, model);
                if (sk.jsonl &&
                    (rc = jsonl_line(sk.jsonl, s->index, s->time_s, shown, ids, n, model)) != RMN_OK)
                    break;
            }
            if (wr || win) {
                double now = rmn_monotonic_s();
                if (now - last_t >= 0.5) {
                    fps_shown = (stats->frames - last_n) / (now - last_t);
                    last_t = now, last_n = stats->frames;
                }
                rmn_video_overlay(&s->image, shown, ids, nshown, model, win != NULL,
                                  win ? (fps_shown >= 0 ? fps_shown : 0) : -1);
                if (wr)
                    encode[nenc++] = &s->image;
                if (win && (rc = rmn_window_show(win, &s->image, &quit)) != RMN_OK)
                    break;
            }
            if (progress && stats->frames % 10 == 0) {
                char st[48];
                snprintf(st, sizeof st, "%.1f frames/s", stats->frames / (rmn_monotonic_s() - t0));
                rmn_progress_update(&prog, stats->frames < total ? stats->frames : total, st);
            }
        }
        if (rc == RMN_OK && pipe)
            rc = rmn_video_pipe_put(pipe, encode, nenc);
        slots = slots == all ? all + nslot : all;
        if (rc == RMN_OK && rrc != RMN_OK) {
            rmn_error_restore(rrc, rmsg);
            rc = rrc;
        }
        if (rc != RMN_OK)
            break;
    }
    if (rc == RMN_OK && pipe)
        rc = rmn_video_pipe_wait(pipe);
    stats->seconds = rmn_monotonic_s() - t0;
    stats->cpu_seconds = cpu_now() - cpu0;
    if (progress) {
        char st[48];
        rmn_progress_update(&prog, stats->frames < total ? stats->frames : total, NULL);
        snprintf(st, sizeof st, "%lld frames, %.1f frames/s", (long long)stats->frames,
                 stats->seconds > 0 ? stats->frames / stats->seconds : 0.0);
        rmn_progress_end(&prog, st);
    }
    if (rc == RMN_OK && win)
        rmn_window_last(win);
    stats->tracks = tracker.n;
    if (rc == RMN_OK && summary)
        summary_print(summary, &tracker, model, stats);
done:;
    int rc2 = rmn_video_pipe_close(pipe); /* before the writer it writes to */
    if (rc == RMN_OK)
        rc = rc2;
    rc2 = rmn_video_writer_close(wr);
    if (rc == RMN_OK)
        rc = rc2;
    rmn_window_close(win);
    rc = close_sink(o->csv, sk.csv, sk.own_csv, rc);
    rc = close_sink(o->jsonl, sk.jsonl, sk.own_jsonl, rc);
    rmn_video_close(rd);
    for (int i = 0; i < 2 * nslot; ++i) {
        rmn_image_free(&all[i].image);
        free(all[i].faces);
    }
    free(all);
    for (int t = 1; t < nthreads; ++t) {
        rmn_detect_model_free(models[t]);
        rmn_detector_close(&dets[t]);
    }
    free(shown);
    free(ids);
    free(track_of);
    rmn_tracker_free(&tracker);
    return rc;
}

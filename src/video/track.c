/* track.c -- IoU tracking and per-track exponential smoothing (track.h). */
#include "core/error.h"
#include "video/track.h"

#include <stdlib.h>
#include <string.h>

double rmn_box_iou(rmn_box a, rmn_box b) {
    int x0 = a.xmin > b.xmin ? a.xmin : b.xmin, y0 = a.ymin > b.ymin ? a.ymin : b.ymin;
    int x1 = a.xmax < b.xmax ? a.xmax : b.xmax, y1 = a.ymax < b.ymax ? a.ymax : b.ymax;
    double inter = x1 > x0 && y1 > y0 ? (double)(x1 - x0) * (y1 - y0) : 0.0;
    double ua = (double)(a.xmax - a.xmin) * (a.ymax - a.ymin) +
                (double)(b.xmax - b.xmin) * (b.ymax - b.ymin) - inter;
    return ua > 0 ? inter / ua : 0.0;
}

int rmn_tracker_init(rmn_tracker *t, int nclass, float alpha) {
    memset(t, 0, sizeof *t);
    if (nclass < 0 || nclass > RMN_DETECT_MAX_CLASSES || !(alpha >= 0.0f && alpha < 1.0f))
        return RMN_ERROR(RMN_EINVAL, "tracker: %d classes, smoothing %g", nclass, (double)alpha);
    t->nclass = nclass;
    t->alpha = alpha;
    t->iou_min = 0.3;
    t->max_missed = 10;
    t->next_id = 1;
    return RMN_OK;
}

void rmn_tracker_free(rmn_tracker *t) {
    free(t->tracks);
    memset(t, 0, sizeof *t);
}

typedef struct {
    double iou;
    int    track, face;
} pair;

static int pair_cmp(const void *a, const void *b) {
    const pair *p = a, *q = b;
    if (p->iou != q->iou)
        return p->iou < q->iou ? 1 : -1;
    if (p->track != q->track)
        return p->track < q->track ? -1 : 1;
    return p->face - q->face;
}

static void observe(rmn_tracker *t, rmn_track *tr, int64_t frame, const rmn_face *f, int fresh) {
    tr->box = f->box;
    tr->missed = 0;
    tr->last_frame = frame;
    tr->frames++;
    if (t->nclass == 0 || f->label < 0) {
        tr->label = -1;
        return;
    }
    int best = 0;
    for (int k = 0; k < t->nclass; ++k) {
        tr->smooth[k] = fresh ? f->proba[k] : t->alpha * tr->smooth[k] + (1.0f - t->alpha) * f->proba[k];
        if (tr->smooth[k] > tr->smooth[best])
            best = k;
    }
    tr->label = best;
    tr->label_frames[best]++;
}

int rmn_tracker_update(rmn_tracker *t, int64_t frame, const rmn_face *faces, int n,
                       int *track_of) {
    int npair = 0, live = 0;
    for (int j = 0; j < t->n; ++j)
        live += !t->tracks[j].ended;
    pair *pairs = live && n ? malloc((size_t)live * n * sizeof *pairs) : NULL;
    if (live && n && !pairs)
        return RMN_ERROR(RMN_ENOMEM, "out of memory tracking faces");
    for (int j = 0; j < t->n; ++j) {
        if (t->tracks[j].ended)
            continue;
        for (int i = 0; i < n; ++i) {
            double iou = rmn_box_iou(t->tracks[j].box, faces[i].box);
            if (iou >= t->iou_min)
                pairs[npair++] = (pair){iou, j, i};
        }
    }
    if (npair) /* qsort wants a non-null array even when empty (UBSan) */
        qsort(pairs, npair, sizeof *pairs, pair_cmp);
    for (int i = 0; i < n; ++i)
        track_of[i] = -1;
    unsigned char *taken = t->n ? calloc(t->n, 1) : NULL;
    if (t->n && !taken) {
        free(pairs);
        return RMN_ERROR(RMN_ENOMEM, "out of memory tracking faces");
    }
    for (int p = 0; p < npair; ++p) {
        if (taken[pairs[p].track] || track_of[pairs[p].face] >= 0)
            continue;
        taken[pairs[p].track] = 1;
        track_of[pairs[p].face] = pairs[p].track;
        observe(t, &t->tracks[pairs[p].track], frame, &faces[pairs[p].face], 0);
    }
    for (int j = 0; j < t->n; ++j)
        if (!t->tracks[j].ended && !(taken && taken[j]) && ++t->tracks[j].missed > t->max_missed)
            t->tracks[j].ended = 1;
    free(taken);
    free(pairs);
    for (int i = 0; i < n; ++i) {
        if (track_of[i] >= 0)
            continue;
        if (t->n == t->cap) {
            int        cap = t->cap ? 2 * t->cap : 8;
            rmn_track *nt = realloc(t->tracks, (size_t)cap * sizeof *nt);
            if (!nt)
                return RMN_ERROR(RMN_ENOMEM, "out of memory tracking faces");
            t->tracks = nt;
            t->cap = cap;
        }
        rmn_track *tr = &t->tracks[t->n];
        memset(tr, 0, sizeof *tr);
        tr->id = t->next_id++;
        tr->first_frame = frame;
        observe(t, tr, frame, &faces[i], 1);
        track_of[i] = t->n++;
    }
    return RMN_OK;
}

int rmn_track_dominant(const rmn_tracker *t, const rmn_track *tr) {
    if (t->nclass == 0)
        return -1;
    int best = 0;
    for (int k = 1; k < t->nclass; ++k)
        if (tr->label_frames[k] > tr->label_frames[best])
            best = k;
    return best;
}

/* track.h -- faces followed across video frames, with smoothed emotion probabilities.
 *
 * Matching (each processed frame): every (track, face) pair whose boxes overlap with
 * IoU = area(A and B) / area(A or B) >= iou_min (0.3) is a candidate; candidates are taken
 * greedily by decreasing IoU (ties: older track first), each track and face at most once. A
 * matched face keeps the track's id; an unmatched face starts a track with the next id
 * (1, 2, ...; ids are never reused); a track unmatched for more than max_missed processed
 * frames (10) is ended.
 * Smoothing: an exponential moving average per track, s = alpha * s + (1 - alpha) * p, started
 * at the first frame's p; alpha = 0 turns it off (s = p). The track's label for a frame is the
 * argmax of s. Summary: per track, the frames in which it was seen and how many of them had
 * each label; the dominant emotion is the most frequent label (ties: the lower class index).
 *
 * Ownership: rmn_tracker_init allocates, rmn_tracker_free releases (the ended tracks too). */
#ifndef RMN_VIDEO_TRACK_H
#define RMN_VIDEO_TRACK_H

#include "detect/faces.h"

#include <stdint.h>

typedef struct {
    int     id;
    rmn_box box;       /* the last matched box */
    int     missed;    /* processed frames since the last match */
    int     ended;
    int64_t first_frame, last_frame, frames;
    float   smooth[RMN_DETECT_MAX_CLASSES];
    int     label;     /* argmax of smooth; -1 without classes */
    int64_t label_frames[RMN_DETECT_MAX_CLASSES];
} rmn_track;

typedef struct {
    rmn_track *tracks; /* every track ever started, in id order (ended ones too) */
    int        n, cap, next_id;
    int        nclass;     /* 0: faces only */
    float      alpha;      /* EMA weight of the past, [0, 1) */
    double     iou_min;
    int        max_missed;
} rmn_tracker;

double rmn_box_iou(rmn_box a, rmn_box b);

int  rmn_tracker_init(rmn_tracker *t, int nclass, float alpha);
void rmn_tracker_free(rmn_tracker *t);
/* Matches the n faces of frame `frame`; track_of[i] receives the index into t->tracks of face
 * i's track (its smoothed probabilities and label are updated). */
int rmn_tracker_update(rmn_tracker *t, int64_t frame, const rmn_face *faces, int n,
                       int *track_of);
/* The most frequent label of a track (ties: lower index); -1 without classes. */
int rmn_track_dominant(const rmn_tracker *t, const rmn_track *tr);

#endif

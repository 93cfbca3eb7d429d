/* test-track.c -- the face tracker (src/video/track.h): IoU, stable ids on a moving face,
 * a second face gets its own id, a lost track ends after max_missed frames and its id is not
 * reused, the exponential smoothing (and alpha 0 turning it off), the dominant emotion. */
#include "tap.h"
#include "video/track.h"

#include <string.h>

static rmn_face face_at(int x, int y, int side, int label) {
    rmn_face f;
    memset(&f, 0, sizeof f);
    f.box = (rmn_box){x, y, x + side, y + side};
    f.label = label;
    for (int k = 0; k < 7; ++k)
        f.proba[k] = k == label ? 0.82f : 0.03f;
    return f;
}

int main(void) {
    TAP_NEAR(rmn_box_iou((rmn_box){0, 0, 10, 10}, (rmn_box){5, 0, 15, 10}), 50.0 / 150.0, 1e-12,
             "IoU of two 10x10 boxes half overlapping is 1/3");
    TAP_OK(rmn_box_iou((rmn_box){0, 0, 10, 10}, (rmn_box){10, 0, 20, 10}) == 0.0,
           "touching boxes have IoU 0");

    rmn_tracker t;
    TAP_OK(rmn_tracker_init(&t, 7, 0.6f) == 0, "tracker init");
    int of[2], ids_stable = 1;
    for (int i = 0; i < 20; ++i) {
        rmn_face f = face_at(20 + 7 * i, 30, 60, 3);
        rmn_tracker_update(&t, i, &f, 1, of);
        ids_stable &= t.tracks[of[0]].id == 1;
    }
    TAP_OK(ids_stable && t.n == 1, "a face moving 7 px/frame (60 px box) keeps id 1 over 20 frames");
    rmn_face two[2] = {face_at(20 + 7 * 20, 30, 60, 3), face_at(400, 200, 50, 0)};
    rmn_tracker_update(&t, 20, two, 2, of);
    TAP_OK(t.tracks[of[0]].id == 1 && t.tracks[of[1]].id == 2, "a second face gets id 2");
    for (int i = 21; i < 33; ++i)
        rmn_tracker_update(&t, i, two + 1, 1, of);
    TAP_OK(t.tracks[0].ended && !t.tracks[1].ended, "track 1 ends after 11 frames unseen");
    rmn_face back = face_at(20 + 7 * 20, 30, 60, 3);
    rmn_tracker_update(&t, 33, &back, 1, of);
    TAP_OK(t.tracks[of[0]].id == 3, "a face returning after its track ended gets a new id (3)");
    rmn_tracker_free(&t);

    /* smoothing: p jumps from class 3 to class 0; with alpha 0.6 the label switches when the
     * EMA of class 0 passes class 3: s0 = 0.03 + 0.79 (1 - 0.6^n) > s3 = 0.03 + 0.79 0.6^n,
     * i.e. at n = 2 */
    TAP_OK(rmn_tracker_init(&t, 7, 0.6f) == 0, "tracker init (alpha 0.6)");
    rmn_face f = face_at(10, 10, 50, 3);
    rmn_tracker_update(&t, 0, &f, 1, of);
    f = face_at(10, 10, 50, 0);
    rmn_tracker_update(&t, 1, &f, 1, of);
    TAP_NEAR(t.tracks[0].smooth[0], 0.6 * 0.03 + 0.4 * 0.82, 1e-6, "EMA after one step");
    TAP_OK(t.tracks[0].label == 3, "one frame of anger does not change the smoothed label");
    rmn_tracker_update(&t, 2, &f, 1, of);
    TAP_OK(t.tracks[0].label == 0, "two frames do");
    rmn_tracker_update(&t, 3, &f, 1, of);
    TAP_OK(rmn_track_dominant(&t, &t.tracks[0]) == 0 && t.tracks[0].label_frames[3] == 2 &&
               t.tracks[0].label_frames[0] == 2,
           "dominant of 2 happy + 2 angry frames is the lower class (angry)");
    rmn_tracker_free(&t);
    TAP_OK(rmn_tracker_init(&t, 7, 0.0f) == 0, "tracker init (alpha 0)");
    rmn_tracker_update(&t, 0, &f, 1, of);
    f = face_at(10, 10, 50, 5);
    rmn_tracker_update(&t, 1, &f, 1, of);
    TAP_OK(t.tracks[0].label == 5 && t.tracks[0].smooth[5] == 0.82f, "--smooth 0: no smoothing");
    rmn_tracker_free(&t);
    TAP_OK(rmn_tracker_init(&t, 7, 1.0f) != 0, "alpha 1 is refused");
    return tap_done();
}

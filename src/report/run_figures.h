/* run_figures.h -- the figures of one training run that need its data file (and its best
 * checkpoint): galleries of its test predictions and, for center-loss runs, its features.
 *
 *   gallery-RUN-CLASS   the test images labelled CLASS that the run's best weights classified
 *                       most confidently right (top row: P(CLASS) descending) and most
 *                       confidently wrong (bottom row: P(predicted) descending), up to
 *                       RMN_GALLERY_N each, from the stored per-sample predictions (the test
 *                       eval without TTA); each with its Grad-CAM (default layer, the
 *                       predicted class, src/explain) blended over it when the run's best
 *                       checkpoint is there, the face alone otherwise (the title says so).
 *                       Datablock $picks: "row rank sample_idx label pred prob" per image.
 *   features-RUN        center-loss runs (center_loss_weight > 0): what the classifier reads,
 *                       recomputed from the best checkpoint on the recorded data's val and
 *                       test splits, one point per image coloured by its true class, the
 *                       centers (from the checkpoint) as black-ringed crosses; 2-D features as
 *                       they are, wider ones projected on their first two principal axes
 *                       (GSL, over val and test together; the centers projected the same way).
 *                       Datablocks $val, $test: "x y label"; $centers: "x y class".
 * The data file is the one the run recorded (param "data"); it must have the recorded
 * sha256. A missing or different file, or a missing checkpoint for the features, is not an
 * error: the figure is skipped with a line on the log. */
#ifndef RMN_REPORT_RUN_FIGURES_H
#define RMN_REPORT_RUN_FIGURES_H

#include "report/set.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>

#define RMN_GALLERY_N 4

typedef struct {
    int32_t sample_idx;
    int     label, pred;
    double  prob; /* of pred */
} rmn_gallery_pick;

/* From ev (as rmn_store_eval_load gives it) for class k: up to n images labelled k and
 * predicted k by P(k) descending, and up to n labelled k but predicted otherwise by
 * P(pred) descending; ties by sample_idx ascending. */
void rmn_gallery_select(const rmn_eval_data *ev, int k, int n, rmn_gallery_pick *right,
                        int *n_right, rmn_gallery_pick *wrong, int *n_wrong);

/* tiles: (n_right + n_wrong, 48, 48, 3) RGB of the picks in order; class_names: the names of
 * the predictions' classes (NULL: FER2013's 7). */
int rmn_fig_gallery_script(const rmn_gallery_pick *right, int n_right,
                           const rmn_gallery_pick *wrong, int n_wrong, const uint8_t *tiles,
                           const char *const *class_names, const char *title, const char *stem,
                           int terms, char **script);

/* val:(n_val, 2) test:(n_test, 2) centers:(k, 2) with labels of the points; class_names: k names
 * (NULL: FER2013's 7); k at most 10. */
int rmn_fig_features_script(const float *val, const int32_t *val_labels, int n_val,
                            const float *test, const int32_t *test_labels, int n_test,
                            const float *centers, int k, const char *const *class_names,
                            const char *axes, const char *title, const char *stem, int terms,
                            char **script);

/* Projects x:(n, d) and c:(k, d) onto the first two principal axes of x, in place into
 * x2:(n, 2) and c2:(k, 2) (d == 2: copied). Each axis's sign makes its largest-magnitude
 * component positive. */
int rmn_features_pca2(const float *x, int n, int d, const float *c, int k, float *x2, float *c2);

/* The run's gallery and feature figures into dir (figures.h's draw); run i of set. */
typedef int (*rmn_fig_draw_fn)(const char *dir, const char *stem, const char *script, FILE *log);
int rmn_report_run_figures(rmn_store *s, const rmn_report_set *set, int i, const char *stem_run,
                           const char *dir, int terms, FILE *log, rmn_fig_draw_fn draw);

#endif

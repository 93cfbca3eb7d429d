/* evaluate.h -- runs a network over a whole split and keeps every per-sample prediction. */
#ifndef RMN_TRAIN_EVALUATE_H
#define RMN_TRAIN_EVALUATE_H

#include "data/augment.h"
#include "data/batch.h"
#include "data/fer2013.h"
#include "nn/net.h"

#include <stdint.h>
#include <stdio.h>

typedef struct {
    int      n, n_classes;
    int32_t *sample_idx; /* (n) row within the split */
    int32_t *labels;     /* (n) */
    int32_t *preds;      /* (n) argmax of probs */
    double  *probs;      /* (n, n_classes) softmax */
    double   loss;       /* mean cross-entropy */
    int      n_correct;
    int      n_correct5; /* the label among the 5 largest probabilities (all of them when
                            n_classes <= 5) */
} rmn_eval_result;

/* Eval-mode forward over the split in batches of `batch` (the net must be planned for it), the
 * images made by spec (its augment is ignored: none); progress lines go to `log` when it is not
 * NULL. */
int  rmn_evaluate_split(rmn_net *net, const rmn_split_data *split, int batch, const rmn_batch_spec *spec,
                        int num_classes, const char *label, FILE *log_out, rmn_eval_result *out);
void rmn_eval_result_free(rmn_eval_result *r);

/* Test-time augmentation: for each image, tta_n independent draws of spec->augment (the training
 * one), softmax per draw, summed (probs rows sum to tta_n), argmax. Image i draws from its own
 * stream derived from (tta_seed, sample index), so predictions do not depend on the batch size,
 * the order or the thread count. batch is the net's planned batch (>= tta_n). */
int  rmn_evaluate_split_tta(rmn_net *net, const rmn_split_data *split, int batch, const rmn_batch_spec *spec,
                            int num_classes, int tta_n, uint64_t tta_seed, const char *label, FILE *log_out,
                            rmn_eval_result *out);

/* Whether label y is among the 5 largest of p[0..k) (ties counted against it). */
int  rmn_in_top5(const double *p, int k, int y);

/* Prints accuracy (and top-5 with more than 5 classes), loss, per-class recall and the confusion
 * counts (rows = true class; up to RMN_EVAL_PRINT_MAX_CLASSES classes) as text (percent), or as one
 * JSON object when json is set (fractions: accuracy_frac, top5_frac, recall_frac). class_names:
 * n_classes names, or NULL (FER2013's for 7 classes, else numbers). */
#define RMN_EVAL_PRINT_MAX_CLASSES 20
int  rmn_eval_result_print(const rmn_eval_result *r, const char *what, const char *const *class_names,
                           FILE *out, int json);

/* Row softmax of logits (n, k) into double probabilities. */
void rmn_softmax_rows_d(const float *logits, int n, int k, double *probs);

/* Whether top-5 accuracy is recorded and shown for k classes: from 10 classes on (ImageNet's
 * figure; with FER2013's 7 it says little). */
int rmn_top5_reported(int k);
/* ", top-5 XX.XX%" for a fraction (a static buffer: print it at once). */
const char *rmn_fmt_top5(double acc5);

#endif

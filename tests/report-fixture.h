/* report-fixture.h -- the store the report tests tabulate: eight runs of experiment "zoo"
 * (escaping, ties at printed precision, runs sharing a model, a failed run, an ensemble) and an
 * empty experiment. Shared by test-report.c and test-report-mkdb.c (header-only). */
#ifndef RMN_TESTS_REPORT_FIXTURE_H
#define RMN_TESTS_REPORT_FIXTURE_H

#include "core/error.h"
#include "store/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const MKEYS[] = {"train_loss", "train_acc", "val_loss", "val_acc", "lr"};

/* An eval of n samples of which k are correct (7 classes). */
__attribute__((unused)) static int64_t add_eval(rmn_store *s, int64_t run, const char *split, int tta_n, int n, int k) {
    int32_t *idx = malloc(n * sizeof *idx), *lab = malloc(n * sizeof *lab),
            *pred = malloc(n * sizeof *pred);
    double *probs = malloc((size_t)n * 7 * sizeof *probs);
    for (int i = 0; i < n; ++i) {
        idx[i] = i;
        lab[i] = (i * 3) % 7;
        pred[i] = i < k ? lab[i] : (lab[i] + 1 + i % 5) % 7;
        for (int c = 0; c < 7; ++c)
            probs[i * 7 + c] = c == pred[i] ? 0.625 : 0.0625;
    }
    rmn_eval_record rec = {.split = split, .tta_n = tta_n, .tta_seed = 1234, .n_samples = n,
                           .n_classes = 7, .sample_idx = idx, .labels = lab, .preds = pred,
                           .probs = probs, .loss = 0.875};
    int64_t id = 0;
    if (rmn_store_eval(s, run, &rec, &id) != RMN_OK)
        fprintf(stderr, "# eval: %s\n", rmn_error_message());
    free(idx);
    free(lab);
    free(pred);
    free(probs);
    return id;
}

typedef struct {
    const char *name, *model, *kind, *status;
    int64_t n_params;
    int n_epochs;
    double best_val;  /* NaN: no metrics */
    int test_k, tta_k; /* correct of 400; -1 none */
} run_spec;

static int64_t add_run(rmn_store *s, const char *exp, const run_spec *r) {
    rmn_run_info info = {.experiment = exp, .name = r->name, .kind = r->kind, .model = r->model,
                         .n_params = r->n_params, .seed = 1, .config_text = "arch=x\n"};
    int64_t run = 0;
    if (rmn_store_run_begin(s, &info, &run) != RMN_OK)
        fprintf(stderr, "# run_begin: %s\n", rmn_error_message());
    for (int e = 1; e <= r->n_epochs; ++e) {
        double v[] = {2.0 / e, 0.1 * e, 2.5 / e, r->best_val * e / r->n_epochs, 0.001};
        rmn_store_epoch(s, run, e, 5, MKEYS, v);
    }
    if (r->test_k >= 0)
        add_eval(s, run, "test", 0, 400, r->test_k);
    if (r->tta_k >= 0)
        add_eval(s, run, "test", 8, 400, r->tta_k);
    rmn_store_run_finish(s, run, r->status, NULL);
    return run;
}

/* Fills s; ids[i] = run id of the i-th run (8 runs). */
static void report_fixture_build(rmn_store *s, int64_t ids[8]) {
    /* correct-of-400 counts chosen for ties at printed precision: 297/400 = 74.25 */
    const run_spec spec[] = {
        {"resnet18-s1", "resnet18", "train", "FINISHED", 11180103, 4, 0.7012, 284, 288},
        {"resmasking-s1", "resmasking", "train", "FINISHED", 142903047, 3, 0.7255, 297, 299},
        {"weird", "res_mask&net ~v2", "train", "FINISHED", 1234, 2, 0.5, -1, -1},
        {"vgg19-s1", "vgg19", "train", "FINISHED", 139581255, 2, 0.6875, 280, -1},
        {"vgg19-s2", "vgg19", "train", "FINISHED", 139581255, 2, 0.7255, 297, -1},
        {"failed", "densenet121", "train", "FAILED", 7000000, 1, 0.9, 390, 390},
        {"tiny", "democnn", "train", "FINISHED", 456789, 1, 0.3125, 130, 131},
        {"ensemble-7", "ensemble", "ensemble", "FINISHED", 0, 0, NAN, 305, 307},
    };
    for (int i = 0; i < 8; ++i)
        ids[i] = add_run(s, "zoo", &spec[i]);
    int64_t exp_id;
    rmn_store_experiment_ensure(s, "empty", "no runs", &exp_id);
}

#endif

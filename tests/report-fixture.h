/* report-fixture.h -- the stores the report tests tabulate (header-only; shared by the
 * test-report*.c programs and test-report-mkdb.c):
 *  - report_fixture_build: eight runs of experiment "zoo" (escaping, ties at printed precision,
 *    runs sharing a model, a failed run, an ensemble) and an empty experiment;
 *  - report_fixture_paper: experiment "paper", the paper's protocol in small: four models, one
 *    to three seeds, val and test evals with and without TTA-8 (one TTA eval stored in a child
 *    run of kind 'eval'), per-epoch metrics with learning-rate drops, 140 test images with
 *    uneven classes (Disgust rare), and three ensembles (selection fixed, val, test) whose fused
 *    predictions are the argmax of their members' summed probabilities. */
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

__attribute__((unused)) static int64_t add_run(rmn_store *s, const char *exp, const run_spec *r) {
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
__attribute__((unused)) static void report_fixture_build(rmn_store *s, int64_t ids[8]) {
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

// --- the "paper" fixture ---------------------------------------------------------------------

#include "core/rng.h"

#include <string.h>

#define PF_N_TEST 140
#define PF_N_VAL 70
/* images per class in the test split (Angry .. Neutral); val has half of each */
static const int PF_CLASS_N[7] = {25, 5, 20, 35, 22, 15, 18};

__attribute__((unused)) static void pf_labels(int n, int32_t *lab) {
    int k = 0, scale = n == PF_N_TEST ? 1 : 2;
    for (int c = 0; c < 7; ++c)
        for (int i = 0; i < PF_CLASS_N[c] / scale; ++i)
            if (k < n)
                lab[k++] = c;
    while (k < n) /* rounding: fill with Happy */
        lab[k++] = 3;
}

/* predictions of a model with accuracy about p: probs peaked on pred (seeded, deterministic) */
__attribute__((unused)) static void pf_predict(uint64_t seed, double p, int n, const int32_t *lab, int32_t *pred,
                       double *probs) {
    rmn_rng r;
    rmn_rng_init(&r, seed, RMN_STREAM_TTA);
    for (int i = 0; i < n; ++i) {
        int ok = rmn_rng_uniform(&r) < p;
        pred[i] = ok ? lab[i] : (lab[i] + 1 + (int)rmn_rng_below(&r, 6)) % 7;
        double rest = 0;
        for (int c = 0; c < 7; ++c) {
            probs[i * 7 + c] = c == pred[i] ? 0 : 0.02 + 0.1 * rmn_rng_uniform(&r);
            rest += probs[i * 7 + c];
        }
        probs[i * 7 + pred[i]] = 0.35 + 0.5 * rmn_rng_uniform(&r);
        rest += probs[i * 7 + pred[i]];
        for (int c = 0; c < 7; ++c)
            probs[i * 7 + c] /= rest;
    }
}

__attribute__((unused)) static int64_t pf_store_eval(rmn_store *s, int64_t run, const char *split, int tta_n, int n,
                             const int32_t *lab, const int32_t *pred, const double *probs) {
    int32_t idx[PF_N_TEST];
    for (int i = 0; i < n; ++i)
        idx[i] = i;
    rmn_eval_record rec = {.split = split, .tta_n = tta_n, .tta_seed = tta_n ? 1234 : 0,
                           .n_samples = n, .n_classes = 7, .sample_idx = idx, .labels = lab,
                           .preds = pred, .probs = probs, .loss = 0.75};
    int64_t id = 0;
    if (rmn_store_eval(s, run, &rec, &id) != RMN_OK)
        fprintf(stderr, "# eval: %s\n", rmn_error_message());
    return id;
}

typedef struct {
    const char *name, *model;
    int64_t n_params;
    uint64_t seed;
    double p_val, p_test, p_tta; /* accuracies the predictions are drawn with */
    int tta_in_child;            /* TTA evals stored in a child run of kind 'eval' */
} pf_spec;

/* ids of the test TTA evals and val TTA evals of each single-model run, for the ensembles */
typedef struct {
    int64_t run[7], test_tta[7], val_tta[7];
    int64_t ens[3];
} pf_ids;

__attribute__((unused)) static void pf_fuse(rmn_store *s, int64_t ens_run, const char *split, int n, const int32_t *lab,
                    double *const *member_probs, int n_members) {
    int32_t pred[PF_N_TEST];
    double probs[PF_N_TEST * 7];
    for (int i = 0; i < n; ++i) {
        int best = 0;
        for (int c = 0; c < 7; ++c) {
            probs[i * 7 + c] = 0;
            for (int m = 0; m < n_members; ++m)
                probs[i * 7 + c] += member_probs[m][i * 7 + c];
            if (probs[i * 7 + c] > probs[i * 7 + best])
                best = c;
        }
        pred[i] = best;
    }
    pf_store_eval(s, ens_run, split, 8, n, lab, pred, probs);
}

__attribute__((unused)) static void report_fixture_paper(rmn_store *s, pf_ids *ids) {
    static const pf_spec spec[7] = {
        {"resmasking-s1", "resmasking", 142903047, 11, 0.70, 0.72, 0.74, 0},
        {"resmasking-s2", "resmasking", 142903047, 12, 0.69, 0.70, 0.73, 0},
        {"resnet18-s1", "resnet18", 11180103, 21, 0.66, 0.68, 0.70, 1},
        {"vgg19-s1", "vgg19", 139581255, 31, 0.64, 0.66, 0.69, 0},
        {"vgg19-s2", "vgg19", 139581255, 32, 0.65, 0.67, 0.68, 0},
        {"vgg19-s3", "vgg19", 139581255, 33, 0.66, 0.65, 0.67, 0},
        {"cbam_resnet50-s1", "cbam_resnet50", 28089624, 41, 0.67, 0.69, 0.71, 0},
    };
    static const char *const keys[] = {"train_loss", "train_acc", "val_loss", "val_acc", "lr"};
    int32_t lab_t[PF_N_TEST], lab_v[PF_N_VAL], pred[PF_N_TEST];
    static double probs_t[7][PF_N_TEST * 7], probs_v[7][PF_N_VAL * 7];
    double tmp[PF_N_TEST * 7];
    pf_labels(PF_N_TEST, lab_t);
    pf_labels(PF_N_VAL, lab_v);
    memset(ids, 0, sizeof *ids);
    for (int i = 0; i < 7; ++i) {
        const pf_spec *r = &spec[i];
        rmn_run_info info = {.experiment = "paper", .name = r->name, .kind = "train",
                             .model = r->model, .n_params = r->n_params, .seed = (int64_t)r->seed,
                             .config_text = "arch=x\n"};
        rmn_store_run_begin(s, &info, &ids->run[i]);
        for (int e = 1; e <= 6; ++e) { /* plateau-like schedule: drops after epochs 3 and 5 */
            double lr = e <= 3 ? 0.01 : e <= 5 ? 0.001 : 0.0001;
            double v[] = {1.9 / e + 0.1 * r->p_val, 0.3 + 0.08 * e, 2.0 / e + 0.3,
                          r->p_val * (0.7 + 0.05 * e), lr};
            rmn_store_epoch(s, ids->run[i], e, 5, keys, v);
        }
        pf_predict(r->seed * 10 + 1, r->p_val, PF_N_VAL, lab_v, pred, tmp);
        pf_store_eval(s, ids->run[i], "val", 0, PF_N_VAL, lab_v, pred, tmp);
        pf_predict(r->seed * 10 + 2, r->p_test, PF_N_TEST, lab_t, pred, tmp);
        pf_store_eval(s, ids->run[i], "test", 0, PF_N_TEST, lab_t, pred, tmp);
        int64_t tta_run = ids->run[i];
        if (r->tta_in_child) {
            rmn_run_info ei = info;
            ei.kind = "eval";
            ei.name = "resnet18-s1-tta";
            ei.parent_run_id = ids->run[i];
            rmn_store_run_begin(s, &ei, &tta_run);
        }
        pf_predict(r->seed * 10 + 3, r->p_val + 0.02, PF_N_VAL, lab_v, pred, probs_v[i]);
        ids->val_tta[i] = pf_store_eval(s, tta_run, "val", 8, PF_N_VAL, lab_v, pred, probs_v[i]);
        pf_predict(r->seed * 10 + 4, r->p_tta, PF_N_TEST, lab_t, pred, probs_t[i]);
        ids->test_tta[i] = pf_store_eval(s, tta_run, "test", 8, PF_N_TEST, lab_t, pred, probs_t[i]);
        if (tta_run != ids->run[i])
            rmn_store_run_finish(s, tta_run, "FINISHED", NULL);
        rmn_store_run_finish(s, ids->run[i], "FINISHED", NULL);
    }
    /* ensembles: fixed = all but vgg19-s3; val = {resmasking-s1, cbam, resnet18};
     * test = {resmasking-s1, resmasking-s2, vgg19-s1} */
    static const int members[3][7] = {{0, 1, 2, 3, 4, 6, -1}, {0, 6, 2, -1}, {0, 1, 3, -1}};
    static const char *const sel[3] = {"fixed", "val", "test"};
    static const char *const names[3] = {"ensemble-fixed", "ensemble-val", "ensemble-test"};
    for (int k = 0; k < 3; ++k) {
        rmn_run_info info = {.experiment = "paper", .name = names[k], .kind = "ensemble",
                             .model = "ensemble", .seed = 1234, .config_text = "ensemble\n"};
        rmn_store_run_begin(s, &info, &ids->ens[k]);
        rmn_store_run_tag(s, ids->ens[k], "selection", sel[k]);
        double *mt[7], *mv[7];
        int n = 0;
        for (; members[k][n] >= 0 && n < 7; ++n) {
            int m = members[k][n];
            rmn_store_ensemble_member(s, ids->ens[k], ids->test_tta[m], 1.0);
            mt[n] = probs_t[m];
            mv[n] = probs_v[m];
        }
        pf_fuse(s, ids->ens[k], "val", PF_N_VAL, lab_v, mv, n);
        pf_fuse(s, ids->ens[k], "test", PF_N_TEST, lab_t, mt, n);
        rmn_store_run_finish(s, ids->ens[k], "FINISHED", NULL);
    }
}


/* Compiles DIR/STEM.tex with $PDFLATEX as one TAP check (what names it), showing the end of the
 * log on failure; a SKIP line when pdflatex is not installed. */
#include "tap.h"

#include <sys/stat.h>
#include <unistd.h>
__attribute__((unused)) static void report_compile_check(const char *dir, const char *stem, const char *what) {
    const char *pdflatex = getenv("PDFLATEX");
    if (!(pdflatex && *pdflatex && access(pdflatex, X_OK) == 0)) {
        char why[256];
        snprintf(why, sizeof why, "pdflatex not installed: %s not compiled", what);
        TAP_SKIP(why);
        return;
    }
    char cmd[3000], pdf[1100];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' -interaction=nonstopmode -halt-on-error %s.tex >%s.out 2>&1", dir,
             pdflatex, stem, stem);
    int rc = system(cmd);
    snprintf(pdf, sizeof pdf, "%s/%s.pdf", dir, stem);
    struct stat sb;
    TAP_OK(rc == 0 && stat(pdf, &sb) == 0 && sb.st_size > 0, "%s compiles with %s", what, pdflatex);
    if (rc != 0) {
        snprintf(cmd, sizeof cmd, "tail -n 30 '%s/%s.out' | sed 's/^/# /'", dir, stem);
        if (system(cmd) != 0)
            tap_diag("no pdflatex log");
    }
}

#endif

/* ensemble.h -- the thesis's unweighted ensemble, fused from stored evaluations only.
 *
 * Each member contributes its per-sample probabilities of one evaluation (its TTA-summed
 * softmax when tta_n > 0); the ensemble sums them over members (weights all 1) and takes the
 * argmax (the lowest class index wins a tie, as numpy's argmax). Three figures, labelled by how
 * the members were chosen:
 *   fixed  the members as given (the thesis's 7),
 *   val    the subset with the best validation (PublicTest) accuracy, then scored once on test,
 *   test   the subset with the best test accuracy: an optimistic upper bound, because that is
 *          how the thesis picked its 76.82%.
 * Each is recorded as a run of kind "ensemble" (tag "selection" = fixed|val|test, tag
 * "members" = the member run names), its members in ensemble_members (their test evals), and
 * two evals (val, test) holding the fused predictions. */
#ifndef RMN_TRAIN_ENSEMBLE_H
#define RMN_TRAIN_ENSEMBLE_H

#include "store/store.h"

#include <stdint.h>
#include <stdio.h>

#define RMN_ENSEMBLE_MAX_MEMBERS 24

typedef struct {
    int      n;                                  /* candidate members */
    int64_t  run_id[RMN_ENSEMBLE_MAX_MEMBERS];
    char    *name[RMN_ENSEMBLE_MAX_MEMBERS];
    int64_t  val_eval[RMN_ENSEMBLE_MAX_MEMBERS], test_eval[RMN_ENSEMBLE_MAX_MEMBERS];
    rmn_eval_data val[RMN_ENSEMBLE_MAX_MEMBERS], test[RMN_ENSEMBLE_MAX_MEMBERS];
    int      tta_n;                              /* of the member evals used */
} rmn_ensemble_pool;

/* Loads, for each run, its newest val and test evals with exactly tta_n draws (tta_n < 0: the
 * largest tta_n the run has on both splits). All members must share the samples and labels. */
int  rmn_ensemble_pool_load(rmn_store *s, const int64_t *run_ids, int n, int tta_n, rmn_ensemble_pool *pool);
void rmn_ensemble_pool_free(rmn_ensemble_pool *pool);

/* Fused accuracy of the members in `mask` (bit i = candidate i) on split 0 (val) or 1 (test);
 * preds/probs (n_samples, n_classes) may be NULL. */
double rmn_ensemble_accuracy(const rmn_ensemble_pool *pool, uint32_t mask, int split, int32_t *preds,
                             double *probs);
/* The non-empty subset with the best accuracy on split (ties: fewer members, then lower mask). */
uint32_t rmn_ensemble_best_subset(const rmn_ensemble_pool *pool, int split, double *acc);

/* Records one ensemble (selection "fixed" | "val" | "test") in the store; *run_id is its run.
 * The fusion is claimed as a run is (train/runs.h): the same fusion already FINISHED records
 * nothing; one left unfinished (its process killed or failed) is taken over and completed,
 * keeping what it holds, instead of beginning a second run; one a live process is fusing is
 * waited for. */
int rmn_ensemble_record(rmn_store *s, const char *experiment, const rmn_ensemble_pool *pool, uint32_t mask,
                        const char *selection, int64_t *run_id);

/* Records the three ensembles of the pool (all members "fixed", best on val, best on test) in
 * experiment and prints one line each to out (may be NULL). */
int rmn_ensemble_fuse_all(rmn_store *s, const char *experiment, const rmn_ensemble_pool *pool, FILE *out);

/* The FINISHED training runs of an experiment whose names are "<model_name>-s<seed>" for the
 * given model names (the newest of each), for an experiment's "ensemble" members. */
int rmn_ensemble_find_members(rmn_store *s, const char *experiment, char *const *model_names, int n,
                              int64_t *run_ids);

#endif

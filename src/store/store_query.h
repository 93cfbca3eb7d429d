/* store_query.h -- typed queries for reports (report/set.c, report/tab_stats.c), so that no
 * file outside src/store/ writes SQL: a run's evals on one split (its own and those of its
 * FINISHED child runs of kind 'eval'), an ensemble's member evals, an eval's per-sample
 * outcomes. The conventions (which evals count, plain and TTA) are report/set.h's.
 *
 * Ownership: arrays are caller-owned (free). Errors as store.h's: SQLite failures name the
 * store file and what was being read. */
#ifndef RMN_STORE_QUERY_H
#define RMN_STORE_QUERY_H

#include "store/store.h"

#include <stdint.h>

/* One eval's counts (accuracy = n_correct / n_samples). */
typedef struct {
    int64_t eval_id; /* 0 = none */
    int     tta_n, n_samples, n_correct, n_classes;
} rmn_eval_count;

/* A run's evals on split: its own and those of its FINISHED child runs of kind 'eval'
 * (runs.parent_run_id = run_id). *plain: the newest with tta_n = 0; *tta: the newest with the
 * largest tta_n > 0 (newest: created_ms, then eval_id); zeroed (eval_id 0) when none. */
int rmn_store_split_evals(rmn_store *s, int64_t run_id, const char *split, rmn_eval_count *plain,
                          rmn_eval_count *tta);
/* Of the same evals, the newest with this tta_n; zeroed (eval_id 0) when none. */
int rmn_store_split_eval_tta(rmn_store *s, int64_t run_id, const char *split, int tta_n,
                             rmn_eval_count *e);

/* An ensemble member: the eval recorded in ensemble_members and the run that eval belongs to. */
typedef struct {
    int64_t run_id, eval_id;
    int     tta_n;
} rmn_member_eval;
/* The members of an ensemble run, ordered by their run id, then eval id; free(*out). */
int rmn_store_ensemble_members(rmn_store *s, int64_t ensemble_run_id, rmn_member_eval **out,
                               int *n);

/* Per-sample outcome of an eval: idx[i] sample index (ascending), correct[i] 1 when the
 * prediction is the label; *n samples. Caller frees idx and correct (both NULL on failure).
 * RMN_ENOTFOUND for no such eval, RMN_EFORMAT for more predictions than its n_samples. */
int rmn_store_eval_outcomes(rmn_store *s, int64_t eval_id, int32_t **idx, uint8_t **correct,
                            int *n);

#endif

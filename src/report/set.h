/* set.h -- what one report is about: the runs picked from the store (an experiment, a list of
 * runs, a split) with, for each, its evaluations on that split and, for an ensemble, its
 * members. Every table and figure of rmn-report is built from one rmn_report_set.
 *
 * Which evals count (documented here once):
 *  - a run's evals are its own and those of its FINISHED child runs of kind 'eval'
 *    (runs.parent_run_id = the run), so TTA re-evaluations may be stored either way;
 *  - "plain" = the newest eval on the split with tta_n = 0; "tta" = the newest with the largest
 *    tta_n > 0; the headline eval of a run is its tta eval when it has one, else its plain one.
 *
 * Ensembles (the convention shared with the ensemble code, src/train/):
 *  - an ensemble is a run of kind 'ensemble'; its member evals are rows of ensemble_members
 *    (ensemble_run_id, member_eval_id, weight); its own eval(s) hold the fused per-sample
 *    predictions, on the split(s) it was scored on, with tta_n = the members' tta_n;
 *  - how the members were chosen is the run tag `selection`:
 *      fixed  the thesis's fixed 7 members
 *      val    the best subset chosen on validation (PublicTest), then scored once on test
 *      test   the best subset chosen on test: an optimistic upper bound
 *    (another value is shown as it is; no tag shows as "not recorded");
 *  - members may be recorded on any split: for a report on split S each member is mapped to its
 *    run's eval on S with the same tta_n (the same eval when it already is on S).
 *
 * Ownership: rmn_report_set_load fills a caller's set, released with rmn_report_set_free. */
#ifndef RMN_REPORT_SET_H
#define RMN_REPORT_SET_H

#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t eval_id; /* 0 = none */
    int     tta_n, n_samples, n_correct, n_classes;
    double  acc;     /* n_correct / n_samples, NaN when none */
    double  acc5;    /* top-5 accuracy from the stored predictions when top-5 is reported for
                        n_classes (rmn_top5_reported: 10 classes or more), else NaN */
} rmn_report_eval;

typedef struct {
    int64_t run_id;
    char   *name, *model;
    int64_t n_params;
    rmn_report_eval eval; /* the member's eval on the set's split (eval_id 0: none there) */
} rmn_report_member;

typedef struct {
    int64_t run_id;
    char   *name, *model, *experiment;
    int64_t n_params, seed;
    int     ensemble;             /* kind 'ensemble' */
    char   *selection;            /* ensembles: tag `selection`, NULL when absent */
    char   *ended_early;          /* tag `ended_early` (rmn-exp finish), NULL when absent */
    rmn_report_eval plain, tta;   /* on the set's split */
    int     n_members;
    rmn_report_member *members;   /* ordered by model, run name, run id */
    char   *dataset;              /* param `dataset` (FER2013, FERPlus, a folder's name); an
                                     ensemble: its first member's; NULL when not recorded */
    int     n_class_names;        /* param `classes` (a JSON array of names); 0 when absent */
    char  **class_names;
} rmn_report_run;

typedef struct {
    const char        *experiment; /* NULL = all experiments */
    const char *const *runs;       /* run references (rmn_store_run_resolve); NULL = all */
    int                n_runs;
    const char        *split;      /* "test" (default when NULL) or "val" */
} rmn_report_query;

typedef struct {
    char            split[8];
    int             n_runs, n_single; /* runs[0..n_single) single models, then ensembles */
    rmn_report_run *runs;
} rmn_report_set;

/* Single models (kind 'train') ordered by model, parameter count, run name, run id; then ensembles ordered by
 * selection (fixed, val, test, others), name, run id. Only FINISHED runs: a run named in
 * q->runs that is not FINISHED, or of kind 'eval', is RMN_EINVAL. RMN_ENOTFOUND for an unknown
 * experiment or run, or when nothing is left to report. */
int  rmn_report_set_load(rmn_store *s, const rmn_report_query *q, rmn_report_set *set);
void rmn_report_set_free(rmn_report_set *set);

/* Class k's name for a run's evals of nc classes: the names the run recorded, else FER2013's
 * for 7 classes (runs from before the record), else "Class K" written into buf. */
const char *rmn_report_class_name(const rmn_report_run *r, int nc, int k, char *buf, size_t cap);
/* The data set the set's single-model runs name ("FER2013" when none records one, "the data"
 * when they differ), for captions. */
const char *rmn_report_dataset(const rmn_report_set *set);
/* The set's split in words: "validation split (PublicTest)" / "test split (PrivateTest)" for
 * FER2013 and FERPlus, else "validation split" / "test split". */
const char *rmn_report_split_words(const rmn_report_set *set);
/* Tables and figures per class stop at this many classes (a confusion matrix of ImageNet's
 * 1000 is not a figure). */
#define RMN_REPORT_MAX_CLASSES 20

/* The headline eval (tta when present, else plain); NULL when the run has neither. */
const rmn_report_eval *rmn_report_headline(const rmn_report_run *r);
/* "fixed" -> "Fixed members (the thesis's 7)", ... (selection NULL -> "Selection not recorded") */
const char *rmn_report_selection_label(const char *selection);
/* Model name for tables: the model, or the run name when it has none. */
const char *rmn_report_run_label(const rmn_report_run *r);
/* Single-model runs of one model (same model name and parameter count: the seeds of one model)
 * are adjacent; the group starting at runs[i] ends before the returned index (an ensemble is a
 * group of its own). */
int rmn_report_group_end(const rmn_report_set *set, int i);
/* The group's label: the model name, or, when groups of different sizes share that name, the
 * first run's name without its "-sN" seed suffix. Returns buf. */
const char *rmn_report_group_label(const rmn_report_set *set, int i, char *buf, size_t cap);

#endif

/* store.h -- the run store: one SQLite file (WAL, foreign keys, busy timeout) holding
 * experiments, runs with their provenance, params, tags, per-epoch metrics, evaluations with
 * every per-sample prediction, ensemble members and artifacts.
 *
 * Schema version lives in PRAGMA user_version; migrations are ordered steps applied inside
 * BEGIN EXCLUSIVE (store_schema.c). A database newer than this code is refused. Runs are
 * claimed by one process at a time (rmn_store_run_claim; docs/ARCHITECTURE.md, "Claiming
 * runs"): at most one RUNNING or FINISHED row per (experiment, kind, name, seed, config).
 * Errors: "database is locked" beyond the busy timeout is RMN_EBUSY naming the file; any other
 * SQLite failure is RMN_ESQL (RMN_EIO for a full disk or an I/O error) with sqlite3_errmsg and
 * the file. Every write is one transaction:
 * a failure leaves nothing half-written.
 *
 * Units: accuracies are fractions in [0, 1] (train_acc and val_acc metrics, evals; every key
 * ending in "_acc": rmn_metric_is_accuracy); times are ms since the
 * Unix epoch (UTC); NaN metric values are stored as NULL and read back as NaN.
 * Ownership: rmn_store_open returns an owned store (rmn_store_close); the read functions fill
 * caller-owned arrays released with the matching *_free; every other pointer is borrowed.
 * A store is one connection: use it from one thread at a time (one per process is the rule).
 * SQLite stays inside src/store/: callers see only these typed functions. */
#ifndef RMN_STORE_STORE_H
#define RMN_STORE_STORE_H

#include <stdint.h>

#define RMN_STORE_SCHEMA_VERSION 3
#define RMN_STORE_BUSY_TIMEOUT_MS 10000
#define RMN_STORE_MAX_CLASSES 1000 /* evals.n_classes lies in 1..this (schema CHECK) */

typedef struct rmn_store rmn_store;

// --- opening ----------------------------------------------------------------------------------

/* What a command does with its store. Only the commands that record runs create one; a
 * missing store is otherwise an error that names the stores beside it ("did you mean"). */
typedef enum {
    RMN_STORE_CREATE = 0, /* read and write; created when missing, migrated when older */
    RMN_STORE_WRITE,      /* read and write an existing store; migrated when older */
    RMN_STORE_READ        /* read an existing, current store and never write it: SQLite's
                             mode=ro, and immutable=1 where the file or its folder cannot be
                             written (a shared results folder, a read-only mount), so no -shm
                             or -wal file is needed; never migrates */
} rmn_store_mode;

typedef struct {
    int            busy_timeout_ms; /* 0 = RMN_STORE_BUSY_TIMEOUT_MS */
    rmn_store_mode mode;
    int            migrate_to; /* tests only: migrate no further than this schema version (0: current) */
} rmn_store_options;

int  rmn_store_open(const char *path, rmn_store **out); /* RMN_STORE_CREATE */
int  rmn_store_open_opts(const char *path, const rmn_store_options *opt, rmn_store **out);
void rmn_store_close(rmn_store *s);
const char *rmn_store_path(const rmn_store *s);
/* RMN_OK when this process may write the store at path (or create it there): the file and its
 * folder (SQLite's -wal and -shm files lie beside it). Opening for writing checks it; a command
 * checks it before long work (loading data). */
int rmn_store_check_writable(const char *path);
/* 1 when the store was opened immutable (RMN_STORE_READ of a file that cannot be written). */
int rmn_store_is_immutable(const rmn_store *s);
/* Default path: $RMN_DB if set (and non-empty), else "rmn.db". */
const char *rmn_store_default_path(void);
int  rmn_store_set_busy_timeout(rmn_store *s, int ms);
int  rmn_store_schema_version(rmn_store *s, int *version);
/* A consistent copy of the store, as it is at one moment, to out_path (SQLite's VACUUM INTO,
 * so a copy taken while runs write is whole: the write-ahead log's content included, unlike a
 * copy of the file alone). Written beside out_path, synced, then renamed: out_path never holds
 * half a copy. out_path must not exist. */
int  rmn_store_backup(rmn_store *s, const char *out_path);

// --- writing ----------------------------------------------------------------------------------

int rmn_store_experiment_ensure(rmn_store *s, const char *name, const char *description,
                                int64_t *id);

typedef struct {
    const char *experiment;     /* created if missing */
    const char *name;           /* e.g. "democnn-s1" */
    const char *kind;           /* "train" | "eval" | "ensemble" | "imported" (published weights) */
    const char *model;          /* architecture name */
    int64_t     n_params;
    int64_t     seed;
    const char *config_text;    /* canonical config (sha256 computed by the store) */
    const char *dataset_sha256; /* may be NULL */
    int         n_threads;
    int64_t     parent_run_id;  /* 0 = none */
} rmn_run_info;

/* Inserts a RUNNING run with full provenance (core/provenance.h), a fresh run_uuid and, in the
 * same transaction, the tags host (gethostname) and pid of the calling process. */
int rmn_store_run_begin(rmn_store *s, const rmn_run_info *info, int64_t *run_id);
/* Params are immutable: logging the same key again with the same value is a no-op, with a
 * different value RMN_EINVAL. All n in one transaction. */
int rmn_store_run_params(rmn_store *s, int64_t run_id, int n, const char *const *keys,
                         const char *const *values);
int rmn_store_run_tag(rmn_store *s, int64_t run_id, const char *key, const char *value);
/* status: "FINISHED" | "FAILED" | "KILLED"; error_text may be NULL */
int rmn_store_run_finish(rmn_store *s, int64_t run_id, const char *status, const char *error_text);
/* Bumps the run's updated_ms (liveness for rmn_store_mark_stale). */
int rmn_store_run_heartbeat(rmn_store *s, int64_t run_id);
/* All of one epoch's metrics in one BEGIN IMMEDIATE..COMMIT; NaN stored as NULL; rewriting an
 * epoch (after a resume) replaces its values. Also bumps updated_ms. */
int rmn_store_epoch(rmn_store *s, int64_t run_id, int64_t epoch, int n, const char *const *keys,
                    const double *values);

/* One evaluation and its per-sample predictions in one transaction.
 * split: "train"|"val"|"test"; probs: (n_samples, n_classes) softmax (TTA-summed when tta_n>0);
 * sample_idx[i] = row index within the split; labels/preds in [0, n_classes). */
typedef struct {
    const char *split;
    int tta_n;
    int64_t tta_seed;
    int n_samples;
    int n_classes;
    const int32_t *sample_idx;
    const int32_t *labels;
    const int32_t *preds;
    const double *probs;
    double loss; /* NaN if unknown */
} rmn_eval_record;
int rmn_store_eval(rmn_store *s, int64_t run_id, const rmn_eval_record *rec, int64_t *eval_id);
int rmn_store_ensemble_member(rmn_store *s, int64_t ensemble_run_id, int64_t member_eval_id,
                              double weight);
/* Records (or, for the same run and path, updates) an artifact. */
int rmn_store_artifact(rmn_store *s, int64_t run_id, const char *kind, const char *path,
                       const char *sha256, int64_t bytes);

/* Sets a stopped run back to RUNNING (clearing end_ms and error_text) to resume it. */
int rmn_store_run_reopen(rmn_store *s, int64_t run_id);
/* The newest run of this kind ("train", "ensemble") of experiment/name with this configuration
 * digest, and its status; RMN_ENOTFOUND when there is none. */
int rmn_store_find_run(rmn_store *s, const char *experiment, const char *kind, const char *name,
                       const char *config_sha256, int64_t *run_id, char status[16]);

/* Resolve "RUN" given by the user: integer run_id, full run_uuid or a unique uuid prefix (>= 6),
 * or a run name (the newest run of that name). RMN_ENOTFOUND otherwise, RMN_EINVAL when a
 * uuid prefix is ambiguous. */
int rmn_store_run_resolve(rmn_store *s, const char *ref, int64_t *run_id);
/* Recovery: runs left RUNNING whose updated_ms is older than stale_ms become KILLED. */
int rmn_store_mark_stale(rmn_store *s, int64_t stale_ms, int *n_marked);

// --- claiming runs (store_claim.c; the protocol: docs/ARCHITECTURE.md, "Claiming runs") ------

/* A process incarnation: host name, pid and a token that tells this process from a later one
 * with the same pid (boot id and start time; "" when unknown). */
typedef struct rmn_process_id {
    char    host[256];
    int64_t pid;
    char    token[128];
} rmn_process_id;

/* A run as the claim sees it: status and the process holding it (owner.host "" when none is
 * recorded). */
typedef struct {
    int64_t        run_id;
    char           status[16];
    rmn_process_id owner;
    int64_t        claimed_ms, updated_ms; /* claimed_ms 0 when unknown */
} rmn_run_claim;

/* Liveness oracle: 1 when c's owner is still working on it (src/train/runs.c decides). It is
 * called inside the claim's transaction: it must be quick and must not use the store. */
typedef int (*rmn_owner_live_fn)(const rmn_run_claim *c, void *ctx);

enum rmn_claim_outcome {
    RMN_CLAIM_NEW = 1,     /* no such run: a RUNNING row owned by me was inserted */
    RMN_CLAIM_TAKEN_OVER,  /* a stopped run (FAILED, KILLED, or RUNNING with a dead owner, or
                              mine) is RUNNING again, owned by me: resume it */
    RMN_CLAIM_FINISHED,    /* finished already: nothing to do */
    RMN_CLAIM_LIVE         /* another live process holds it: row->owner says which */
};

/* Claims the run (info->experiment, kind, name, seed, sha256(config_text)) for `me`, in one
 * BEGIN IMMEDIATE transaction: of two processes claiming at once exactly one gets NEW or
 * TAKEN_OVER. The unique index runs_claim backs it: at most one RUNNING or FINISHED row per
 * key. *row describes the run afterwards (for LIVE: the holder). */
int rmn_store_run_claim(rmn_store *s, const rmn_run_info *info, const rmn_process_id *me,
                        rmn_owner_live_fn live, void *ctx, int *outcome, rmn_run_claim *row);
/* The same for an existing run by id (rmn-exp resume): never NEW; RMN_ENOTFOUND when there is
 * no such run. */
int rmn_store_run_claim_id(rmn_store *s, int64_t run_id, const rmn_process_id *me,
                           rmn_owner_live_fn live, void *ctx, int *outcome, rmn_run_claim *row);
/* The claim state of a run, without changing it. */
int rmn_store_run_claim_get(rmn_store *s, int64_t run_id, rmn_run_claim *row);

/* Waiting for runs held by other processes, shown by `rmn-exp status`: one row per (waiter,
 * run) from wait_begin to wait_end (which drops all of the waiter's rows). */
int rmn_store_wait_begin(rmn_store *s, const rmn_process_id *me, int64_t run_id);
int rmn_store_wait_end(rmn_store *s, const rmn_process_id *me);
typedef struct {
    rmn_process_id waiter;
    int64_t        run_id, since_ms;
} rmn_wait;
/* Every wait row, oldest first; free(*out). */
int rmn_store_waits(rmn_store *s, rmn_wait **out, int *n);

// --- merging stores (store_merge.c; docs/CLUSTER.md) --------------------------------------------

typedef struct {
    int n_sources;    /* sources merged */
    int runs_added;   /* runs copied into the target */
    int runs_updated; /* runs the target held in an earlier state, brought up to date */
    int runs_present; /* runs the target held already, identical or in a later state */
} rmn_merge_result;

/* Folds the stores at sources[0..n) into `into`, in one transaction: every run absent from it
 * (by run_uuid) is copied with all it recorded; a run it holds already with the same content is
 * skipped (merging is idempotent); of two states of one run (one copy not FINISHED and updated
 * before the other) the later is kept. Refused, with nothing merged: a source that cannot be
 * opened read-only, is not an rmn store, has another schema version or is the target itself; a
 * run whose uuid the target holds with other content that is not such a state; a run the target
 * holds under another uuid (the same experiment, kind, name, seed and configuration, RUNNING or
 * FINISHED in both). */
int rmn_store_merge(rmn_store *into, int n, const char *const *sources, rmn_merge_result *res);

// --- reading ----------------------------------------------------------------------------------
/* (The reports' own queries -- a run's evals on a split, ensemble members, per-sample
 * outcomes -- are in store/store_query.h.) */

/* Names for people and shell completion: what = "runs" (distinct run names) or "experiments";
 * sorted; free with rmn_store_names_free. */
int  rmn_store_names(rmn_store *s, const char *what, char ***out, int *n);
void rmn_store_names_free(char **names, int n);

typedef struct {
    int64_t run_id;
    char    uuid[33];
    char   *experiment, *name, *kind, *model, *status;
    int64_t n_params, seed;
    int64_t start_ms, end_ms; /* end_ms 0 while running */
    int64_t updated_ms;
    int64_t n_epochs;         /* distinct epochs with metrics */
    double  best_val_acc;     /* MAX(val_acc) over epochs, NaN when none */
    double  test_acc;         /* newest test eval with tta_n = 0, NaN when none */
    double  test_acc_tta;     /* newest test eval with the largest tta_n > 0, NaN when none */
    int     tta_n;            /* that tta_n, 0 when none */
} rmn_run_summary;

/* Runs of one experiment (NULL = all), newest first (start_ms, then run_id, descending).
 * RMN_ENOTFOUND for an unknown experiment name. */
int  rmn_store_runs(rmn_store *s, const char *experiment, rmn_run_summary **out, int *n);
int  rmn_store_run_summary(rmn_store *s, int64_t run_id, rmn_run_summary *out);
void rmn_run_summary_clear(rmn_run_summary *r);
void rmn_store_runs_free(rmn_run_summary *r, int n);

typedef struct {
    rmn_run_summary sum;
    int64_t parent_run_id; /* 0 = none */
    char   *config_text, *config_sha256, *dataset_sha256;
    char   *git_commit;
    int     git_dirty;     /* -1 unknown */
    char   *tool_version, *build_config, *host, *cpu_model, *blas_config, *error_text;
    int     n_threads;
} rmn_run_detail;
int  rmn_store_run_detail(rmn_store *s, int64_t run_id, rmn_run_detail *out);
void rmn_run_detail_free(rmn_run_detail *d);

/* Experiments by name, each with its runs (as rmn_store_runs lists them) counted by status. */
typedef struct {
    int64_t experiment_id, created_ms;
    char   *name, *description; /* description NULL when none */
    int     n_runs, n_running, n_finished, n_failed, n_killed;
} rmn_experiment_summary;
int  rmn_store_experiments(rmn_store *s, rmn_experiment_summary **out, int *n);
void rmn_store_experiments_free(rmn_experiment_summary *e, int n);

/* Artifacts of a run (checkpoints, figures ...), ordered by kind, path. */
typedef struct {
    char   *kind, *path, *sha256;
    int64_t bytes;
} rmn_artifact;
int  rmn_store_run_artifacts(rmn_store *s, int64_t run_id, rmn_artifact **out, int *n);
void rmn_store_artifacts_free(rmn_artifact *a, int n);

typedef struct {
    char *key, *value;
} rmn_kv;
/* table: "params" or "tags"; sorted by key */
int  rmn_store_run_kv(rmn_store *s, int64_t run_id, const char *table, rmn_kv **out, int *n);
void rmn_kv_free(rmn_kv *kv, int n);

/* Per-epoch metrics as a wide table: keys in a fixed order (train_loss, train_acc, val_loss,
 * val_acc, lr, epoch_s, images_per_s, then the others by name). */
typedef struct {
    int      n_keys;
    char   **keys;
    int      n_epochs;
    int64_t *epochs;
    double  *values; /* (n_epochs, n_keys), NaN when absent or NULL */
} rmn_metric_table;
int  rmn_store_run_metrics(rmn_store *s, int64_t run_id, rmn_metric_table *t);
void rmn_metric_table_free(rmn_metric_table *t);
/* 1 for a metric holding an accuracy (a fraction in the store; shown in percent to people). */
int  rmn_metric_is_accuracy(const char *key);

typedef struct {
    int64_t eval_id, run_id;
    char    split[8];
    int     tta_n;
    int64_t tta_seed;     /* valid when has_tta_seed */
    int     has_tta_seed;
    int     n_samples, n_classes, n_correct;
    double  accuracy;     /* n_correct / n_samples */
    double  loss;         /* NaN when unknown */
    int64_t created_ms;
} rmn_eval_summary;
/* Evals of a run in insertion order. */
int  rmn_store_run_evals(rmn_store *s, int64_t run_id, rmn_eval_summary **out, int *n);
void rmn_store_evals_free(rmn_eval_summary *e);
/* *found = 1 when run_id already holds an eval of split with tta_n draws (each eval is one
 * transaction: it is there whole or not at all), else 0. */
int  rmn_store_run_has_eval(rmn_store *s, int64_t run_id, const char *split, int tta_n, int *found);

/* counts: (n_classes, n_classes), rows = true class, columns = predicted; filled from the
 * predictions table. RMN_EFORMAT when a stored label/pred lies outside [0, n_classes). */
int rmn_store_confusion(rmn_store *s, int64_t eval_id, int n_classes, int64_t *counts);

/* Top-k accuracy's count from the stored probabilities: the predictions whose label is among the
 * k most probable classes (a class as probable as the label counts against it, as rmn_in_top5).
 * RMN_EFORMAT for a prediction that does not hold together. */
int rmn_store_eval_topk(rmn_store *s, int64_t eval_id, int k, int64_t *n_correct);

/* All predictions of an eval, ordered by sample_idx (for ensembles and figures). */
typedef struct {
    int      n_samples, n_classes;
    int32_t *sample_idx, *labels, *preds;
    double  *probs; /* (n_samples, n_classes) */
} rmn_eval_data;
/* RMN_EFORMAT (nothing allocated) when the stored eval does not hold together: sizes outside
 * the schema's ranges, a row count other than n_samples, a probs blob other than n_classes
 * doubles, a label or prediction outside [0, n_classes). */
int  rmn_store_eval_load(rmn_store *s, int64_t eval_id, rmn_eval_data *out);
void rmn_eval_data_free(rmn_eval_data *d);

#endif

/* experiment.h -- running an experiment end to end, and resuming one run: the logic behind
 * `rmn-exp run`, `rmn-exp resume` and `rmn-train`.
 *
 * An experiment's data is loaded and validated before the store is opened (bad input never
 * writes anything); each selected run is claimed in the store (train/runs.h): skipped when
 * finished, left to another live process holding it, taken over and resumed when stopped or
 * held by a dead process, else started. After all runs succeed, the ensemble's members held by
 * other processes are waited for (taken over if their holder dies) and the experiment's
 * ensemble (if any) is fused, each of its runs claimed once. A failing run is recorded FAILED
 * and the others still run; a stop request ends the current run as KILLED (or a wait) and
 * stops. */
#ifndef RMN_TRAIN_EXPERIMENT_H
#define RMN_TRAIN_EXPERIMENT_H

#include "store/store.h"
#include "train/train_config.h"

#include <signal.h>
#include <stdio.h>

typedef struct {
    const char            *db_path;         /* NULL: $RMN_DB or rmn.db */
    int                    busy_timeout_ms; /* 0: the store's default */
    const char            *data_path;       /* NULL: the experiment's ("sample" = the bundled one) */
    const char            *ferplus_path;    /* NULL: the experiment's "ferplus" (FERPlus votes) */
    const char            *only;            /* run only the runs of this model_name or arch */
    long                   index;           /* >= 0: run only the experiment's run of this index (its
                                               runs in file order, seeds expanded; a cluster task) */
    long                   seed;            /* >= 0: replaces every run's seed */
    long                   epochs;          /* > 0: at most this many epochs */
    int                    threads;         /* 0: OpenMP's default */
    const char            *checkpoint_root; /* NULL: $RMN_CHECKPOINTS, else checkpoints/ beside the store */
    FILE                  *log;             /* progress (stderr) */
    FILE                  *out;             /* one result line per run, the ensemble table (stdout) */
    volatile sig_atomic_t *stop;
    int                    finish;          /* resume: train no further; evaluate and finish the run */
    const char            *precision;       /* "fp32"/"bf16" or NULL. run: replaces every run's
                                               "precision" key (another run when it changes it,
                                               as --epochs); resume: the arithmetic of the rest of
                                               the run, its config unchanged, recorded in the
                                               run's tag "precision" (docs/PRECISION.md) */
    int                    precision_fallback; /* 1: a precision the backend or CPU refuses is
                                               warned of and the run trains in fp32 (tagged so);
                                               0: the run fails with the refusal */
} rmn_experiment_options;

/* Runs exp (adjusted by the options). RMN_OK when every selected run finished. */
int rmn_experiment_execute(rmn_experiment *exp, const rmn_experiment_options *o);
/* Fuses exp's ensemble (if it has one) from the finished runs of its members in the store,
 * training nothing: after runs trained elsewhere were merged in (rmn-exp merge). RMN_ENOTFOUND
 * naming a member without a finished run. */
int rmn_experiment_fuse(rmn_experiment *exp, const rmn_experiment_options *o);
/* Continues the stopped training run `ref` (id, uuid prefix or name) from its last completed
 * epoch, on the data file it recorded (or o->data_path, which must have the same sha256). */
int rmn_experiment_resume(const char *ref, const rmn_experiment_options *o);
/* With o->finish set, resuming trains no further epoch: the best checkpoint so far is evaluated
 * (val and test, with and without TTA) and the run is FINISHED, tagged "ended_early" with the
 * epoch it stopped at: for ending a long run on a budget, honestly recorded. */
/* Opens the store named by the options (o->db_path, else $RMN_DB, else rmn.db) in this mode:
 * only running an experiment creates one. */
int rmn_experiment_open_store(const rmn_experiment_options *o, rmn_store_mode mode, rmn_store **out);

#endif

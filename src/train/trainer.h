/* trainer.h -- one training run, start to finish, recorded in the store.
 *
 * Builds the model, trains max_epoch_num + 1 epochs at most (stopping early after
 * max_plateau_count + 1 epochs without a new best validation accuracy), validates each epoch,
 * writes each epoch's metrics in one transaction, then checkpoints: best.safetensors (the
 * best-validation weights) and last.safetensors (everything needed to resume) in
 * CHECKPOINT_DIR/RUN_UUID/, both written atomically. At the end it reloads the best weights and
 * evaluates val and test without and with TTA (tta_n draws), every per-sample prediction stored.
 * A failure marks the run FAILED with its message; a stop request (signal) marks it KILLED.
 * Resuming (job.resume_run_id) continues a stopped run from its last completed epoch and ends
 * with the same bits as an uninterrupted run of the same seed, thread count and rank count.
 * The run's tag "precision" records the arithmetic its latest attempt computed in
 * (docs/PRECISION.md). */
#ifndef RMN_TRAIN_TRAINER_H
#define RMN_TRAIN_TRAINER_H

#include "data/dataset.h"
#include "nn/net.h"
#include "store/store.h"
#include "train/train_config.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    rmn_store              *store;
    const char             *experiment;
    const rmn_dataset      *data;
    const rmn_train_config *cfg;
    int                     threads;
    FILE                   *log;  /* progress and summaries (stderr); NULL = quiet */
    volatile sig_atomic_t  *stop; /* set asynchronously to stop after the current batch; may be NULL */
    const char             *checkpoint_dir; /* root of the runs' checkpoint directories */
    int64_t                 resume_run_id;  /* 0: a new run; else the stopped run to continue */
    int64_t                 claimed_run_id; /* with resume_run_id 0: the new run's row, already
                                               claimed for this process (train/runs.h); 0: the
                                               trainer inserts one */
    int                     finish_now;     /* with resume_run_id: train no further epoch; evaluate
                                               the best checkpoint and finish the run (tagged
                                               "ended_early") */
    const char             *ferplus;        /* the FERPlus votes that relabelled data (recorded
                                               for resume), or NULL */
    const char             *precision;      /* "fp32"/"bf16": the arithmetic this attempt trains
                                               and evaluates in (a resumed run's --precision);
                                               NULL: the config's "precision" */
    int                     precision_fallback; /* 1: a precision the backend or CPU refuses is
                                               warned of and fp32 used (the programs); 0: the
                                               run fails with the refusal */
} rmn_train_job;

typedef struct {
    int64_t run_id;
    int     epochs, best_epoch;
    double  best_val_acc, val_acc, test_acc; /* fractions in [0, 1] */
    double  seconds, train_images_per_s;
    double  test_acc_tta;                    /* with tta_n draws (NaN without TTA) */
    double  test_acc5;                       /* top-5 test accuracy (without TTA) */
    int64_t n_params;
    int     n_classes;
    char    weights_sha256[65];              /* digest of the final (best) parameters and buffers */
} rmn_train_result;

int rmn_train_run(const rmn_train_job *job, rmn_train_result *res);

/* Data-parallel training (docs/DISTRIBUTED.md): launched as several MPI ranks, rank 0 runs the
 * experiment (store, claims, checkpoints, evaluations) and each rmn_train_run first names the
 * run to the others, which train it in step with it inside rmn_train_follow: same permutation
 * of the training set, each rank its share of every batch and its own augmentation and dropout
 * streams, gradients summed over ranks as backward produces them. Every rank checks that the
 * others agree on the run's configuration and the data's SHA-256 before training.
 * rmn_train_ranks_end (rank 0, once, when it has no more runs) ends the others' loops. */
typedef struct {
    const rmn_dataset *data; /* this rank's data (rmn-exp run), or NULL: load rank 0's file */
    /* this rank's own configuration of the named run (rmn-exp run), or NULL: rank 0's */
    int (*lookup)(void *ctx, const char *run_name, rmn_train_config *cfg);
    void *ctx;
    int threads;
    const char *precision;  /* as rmn_train_job's (a resume's --precision) */
    int precision_fallback; /* as rmn_train_job's */
    volatile sig_atomic_t *stop;
} rmn_train_follower;
int  rmn_train_follow(const rmn_train_follower *f);
void rmn_train_ranks_end(void);

#endif

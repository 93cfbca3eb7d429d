/* trainer.h -- one training run, start to finish, recorded in the store.
 *
 * Builds the model, trains max_epoch_num + 1 epochs at most (stopping early after
 * max_plateau_count + 1 epochs without a new best validation accuracy), validates each epoch,
 * writes each epoch's metrics in one transaction, keeps the best-validation weights, and at the
 * end evaluates them on val and test with every per-sample prediction stored. A failure marks
 * the run FAILED with its message; a stop request (signal) marks it KILLED. */
#ifndef RMN_TRAIN_TRAINER_H
#define RMN_TRAIN_TRAINER_H

#include "data/fer2013.h"
#include "store/store.h"
#include "train/config.h"

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
} rmn_train_job;

typedef struct {
    int64_t run_id;
    int     epochs, best_epoch;
    double  best_val_acc, val_acc, test_acc; /* fractions in [0, 1] */
    double  seconds, train_images_per_s;
    int64_t n_params;
} rmn_train_result;

int rmn_train_run(const rmn_train_job *job, rmn_train_result *res);

/* The run name of a configuration: "<model_name>-s<seed>". */
void rmn_train_run_name(const rmn_train_config *cfg, char *buf, size_t cap);

#endif

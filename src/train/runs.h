/* runs.h -- what to do with an experiment's runs that already exist in the store: skip the
 * finished ones, leave the live ones alone, resume the stopped ones; and `rmn-exp status`.
 * A run is live when its process (tags "host" and "pid") still exists on this host, or, for
 * another host, when its heartbeat is younger than RMN_STALE_MS. */
#ifndef RMN_TRAIN_RUNS_H
#define RMN_TRAIN_RUNS_H

#include "store/store.h"
#include "train/config.h"

#include <stdint.h>
#include <stdio.h>

#define RMN_STALE_MS (15 * 60 * 1000)

enum rmn_run_action { RMN_RUN_NEW, RMN_RUN_SKIP_FINISHED, RMN_RUN_SKIP_LIVE, RMN_RUN_RESUME };

/* Decides for one configuration of an experiment; *run_id is the existing run (0 for NEW). */
int rmn_train_plan(rmn_store *s, const char *experiment, const rmn_train_config *cfg, int *action,
                   int64_t *run_id);
/* Whether run_id is being trained right now by a live process. */
int rmn_train_run_is_live(rmn_store *s, int64_t run_id, int *live);
/* The runs that are RUNNING in the store: where (host, pid, checkpoints), live or stale, and
 * their last epoch's metrics. */
int rmn_train_print_status(rmn_store *s, FILE *out);

#endif

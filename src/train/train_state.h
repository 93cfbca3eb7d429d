/* train_state.h -- inside train/ only: the state of one run while it trains, shared by the files of
 * the trainer: trainer.c (the run start to finish, the store's rows), train_state.c (the model,
 * optimizer, buffers and random streams), train_epoch.c (epochs and the final evaluations) and
 * train_ranks.c (several data-parallel ranks). */
#ifndef RMN_TRAIN_TRAIN_STATE_H
#define RMN_TRAIN_TRAIN_STATE_H

#include "dist/dist.h"
#include "nn/net.h"
#include "optim/optimizer.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

#include <stdint.h>

typedef struct {
    rmn_net        *net;
    rmn_optimizer   opt;
    rmn_train_state ts;       /* epoch, best, plateau, random streams, schedule */
    int32_t        *order;
    float          *x, *scratch;
    int32_t        *labels;
    float          *targets;       /* (batch, k) soft targets of the batch; NULL unless target soft */
    float          *class_weights; /* NULL unless weighted_loss */
    float          *centers, *center_dx; /* center loss (train/center.h): (k, d), (batch, d);
                                            NULL when off */
    int             feat_v, feat_d;      /* the features it acts on: value, floats per sample */
    int64_t         run_id;
    int             lost;          /* another process took the run over: write nothing more */
    int             rank, world;   /* data-parallel ranks (dist/dist.h); world 1: alone */
    rmn_dist_grads *grads_sum;     /* world > 1: the gradient buckets summed over ranks */
    char            run_dir[4096], best_path[4200], last_path[4200], uuid[33];
} train_state;

/* The model (and its pretrained trunk), optimizer, schedule, random streams and buffers of
 * job's run, on this rank; rmn_trainer_state_free releases them (also after a failure). */
int  rmn_trainer_state_init(const rmn_train_job *job, train_state *st);
void rmn_trainer_state_free(train_state *st);
/* After the forward and the cross-entropy of b samples: the center loss of the batch, its
 * features' gradient handed to the next backward, then the paper's center update. */
int  rmn_trainer_center_step(train_state *st, const rmn_train_config *cfg, int b, double *closs);

/* The epochs from st->ts.epoch on, until the last or an early stop (every rank). */
int rmn_trainer_epochs(const rmn_train_job *job, train_state *st, rmn_train_result *res);
/* Rank 0: the epochs (or none: job->finish_now), then the best weights' final evaluations. */
int rmn_trainer_body(const rmn_train_job *job, train_state *st, rmn_train_result *res);

/* Several ranks: what rank 0 tells the others before each run it trains (CMD_TRAIN) or when it
 * has no more (CMD_QUIT). */
enum { CMD_QUIT, CMD_TRAIN };
void rmn_trainer_ranks_command(int cmd, const char *name, const char *data, const char *canonical);
/* Every rank compares its configuration and its data's digest with rank 0's. */
int  rmn_trainer_ranks_agree(const char *name, const char *canonical, const char *data_sha256);
/* After every rank set the run up (ok: this one could): rank 0's weights, buffers, optimizer
 * and training state (a resumed run's) to all. */
int  rmn_trainer_ranks_start(train_state *st, int ok);

#endif

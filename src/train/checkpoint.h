/* checkpoint.h -- training checkpoints as safetensors files (readable by the Python ecosystem).
 *
 * A checkpoint holds every named tensor of the net (parameters and buffers, PyTorch-style names
 * "conv1.weight", "bn1.running_mean") as F32, and metadata strings: format "rmn-checkpoint-1",
 * arch, arch_revision (when above 1: rmn_model_revision; older ones load with a warning, newer
 * ones are refused), image_size, in_channels, num_classes, width, config (the canonical
 * configuration text), run_uuid, epoch (epochs completed), best_val_acc, best_epoch. A resumable ("last") checkpoint
 * also holds the optimizer state (tensors "optim.m", "optim.v" (F32, n), "optim.step" (I64)),
 * the random streams ("rng.shuffle", "rng.augment", "rng.dropout": U64 (4)) and the schedule and
 * early-stopping state (metadata "state.*") and, with center loss, the centers
 * ("center.centers": F32 (k, d), also in the best checkpoint), so that a run killed at any moment resumes from its
 * last completed epoch to the same bits as an uninterrupted run. Writes are atomic. */
#ifndef RMN_TRAIN_CHECKPOINT_H
#define RMN_TRAIN_CHECKPOINT_H

#include "core/rng.h"
#include "nn/net.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "train/train_config.h"

#include <stdint.h>

/* Where a run stands after a completed epoch. */
typedef struct {
    int          epoch;        /* epochs completed */
    double       best_val_acc; /* -1 before the first epoch */
    int          best_epoch;
    int          plateau;      /* epochs since the best */
    rmn_rng      shuffle, augment, dropout;
    rmn_schedule schedule;
    float       *centers;      /* center loss (train/center.h): (center_k, center_d), borrowed;
                                  NULL when off */
    int          center_k, center_d;
} rmn_train_state;

/* Saves net (and, when opt and state are not NULL, everything needed to resume). When state
 * is not NULL and has centers, they are saved as the tensor "center.centers" (k, d), also
 * without opt (the best checkpoint). */
int rmn_checkpoint_save(const char *path, rmn_net *net, const rmn_train_config *cfg,
                        const char *run_uuid, rmn_optimizer *opt, const rmn_train_state *state,
                        double best_val_acc, int best_epoch, int epoch);

/* A model-only checkpoint (no optimizer or training state) with extra metadata pairs
 * meta[2i] -> meta[2i+1] (rmn-import's provenance: "import.*" keys). */
int rmn_checkpoint_save_meta(const char *path, rmn_net *net, const rmn_train_config *cfg, const char *run_uuid,
                             double best_val_acc, const char *const *meta, int nmeta);

/* Loads the net tensors of `path` into net (names, shapes and arch must match); when opt and
 * state are not NULL, also the optimizer and training state (RMN_EFORMAT if the file is not a
 * resumable checkpoint). */
int rmn_checkpoint_load(const char *path, rmn_net *net, rmn_optimizer *opt, rmn_train_state *state);

/* Builds the net a checkpoint describes (arch and input from its metadata, the configuration
 * from its "config" text) and loads its weights. cfg may be NULL. */
/* The centers a checkpoint holds: *centers (k, d) owned by the caller (free); RMN_ENOTFOUND when
 * it has none (a run without center loss). */
int rmn_checkpoint_read_centers(const char *path, float **centers, int *k, int *d);

int rmn_checkpoint_open_model(const char *path, rmn_net **net, rmn_train_config *cfg);

#endif

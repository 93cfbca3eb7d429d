/* train_config.h -- training configurations and experiment definitions (JSON, via jansson).
 *
 * A configuration accepts the thesis's fer2013_config.json keys as they are (arch, lr,
 * weight_decay, momentum, batch_size, max_epoch_num, max_plateau_count, plateau_patience,
 * image_size, in_channels, num_classes, weighted_loss, model_name, and the ones rmn records but
 * does not use: data_path, distributed, num_workers, device, log_dir, checkpoint_dir, cwd)
 * plus rmn's own (optimizer, nesterov, lr_schedule, min_lr, width, flip_p, max_rotation_deg, tta_n, tta_seed,
 * seed, rotation_interp, sync_bn: see docs/DISTRIBUTED.md, center_loss_weight, center_lr: see train/center.h; pretrained: a trunk file, see
 * train/pretrained.h and docs/EXPORT.md; transform: "thesis" or "imagenet", data/batch.h; target:
 * "hard" labels or "soft", the data set's target distributions, FERPlus's votes; precision: "fp32"
 * or "bf16", docs/PRECISION.md). Unknown keys are
 * errors, so a typo never silently changes an experiment.
 *
 * An experiment file is {"name", "description", "data", "ferplus", "defaults": {config}, "runs":
 * [{config overrides, "seeds": [..]}], "ensemble": {"members": [model_name, ...], "tta_n": 8}};
 * each (run, seed) becomes one run in the store; the optional ensemble is fused after them;
 * "ferplus" names FERPlus's fer2013new.csv, relabelling the FER2013 "data" (data/ferplus.h). */
#ifndef RMN_TRAIN_TRAIN_CONFIG_H
#define RMN_TRAIN_TRAIN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "data/augment.h"
#include "data/batch.h"

typedef struct {
    char     arch[64];        /* model registry name */
    char     model_name[64];  /* run-name prefix */
    char     optimizer[16];   /* "radam" (the thesis's), "sgd", "adam", "adamw" */
    char     lr_schedule[16]; /* "plateau" (the thesis: on 100 - val_acc), "cosine", "step", "none" */
    double   min_lr;          /* floor of plateau and cosine schedules */
    int      steplr;          /* step schedule: epochs between x0.1 cuts (thesis key, unused there) */
    double   lr, momentum, weight_decay;
    int      nesterov;
    int      batch_size;
    int      max_epoch_num;   /* training stops after max_epoch_num + 1 epochs (thesis loop) */
    int      max_plateau_count; /* ... or after this many + 1 epochs without a new best val acc */
    int      plateau_patience;
    int      image_size, in_channels, num_classes;
    int      weighted_loss;
    int      sync_bn;       /* data-parallel ranks: batch statistics over all ranks (docs/DISTRIBUTED.md) */
    int      width;           /* channel width of small models (0 = the model's default) */
    char     pretrained[512]; /* "pretrained": a trunk file loaded before training ("" none;
                                 train/pretrained.h); in the canonical text only when set */
    double   flip_p, max_rotation_deg; /* training augmentation (also the TTA draws) */
    double   max_shift_px;    /* random translation in pixels (0: none, as the thesis) */
    char     rotation_interp[16]; /* "bilinear" (the thesis's imgaug order 1) or "nearest"
                                     (torchvision's default; docs/PARITY.md); in the canonical
                                     text only when not bilinear */
    int      tta_n;           /* TTA draws per image in the final evaluation (0 = none) */
    uint64_t tta_seed;        /* seed of the TTA draws (the thesis's global seed, 1234) */
    uint64_t seed;
    double   center_loss_weight; /* lambda of the center loss (train/center.h); 0 = off */
    double   center_lr;       /* alpha: the centers' update rate (Wen et al. 2016, default 0.5) */
    char     transform[16];   /* "thesis" (FER2013's: resize, flip, rotation, /255) or "imagenet"
                                 (RandomResizedCrop, flip, mean/std; data/batch.h); in the canonical
                                 text only when not thesis */
    char     target[8];       /* "hard" (labels) or "soft" (the data's target distributions:
                                 FERPlus's votes); in the canonical text only when soft */
    char     precision[8];    /* "fp32" or "bf16": the arithmetic of the convolutions and linear
                                 layers (core/precision.h, docs/PRECISION.md); in the canonical
                                 text only when bf16 */
} rmn_train_config;

typedef struct {
    char             *name;
    char             *description;
    char             *data;    /* "sample" (the bundled sample) or a path */
    char             *file;    /* the experiment file read (NULL for rmn_experiment_from_config) */
    char             *ferplus; /* FERPlus votes relabelling data, or NULL */
    int               n_runs;
    rmn_train_config *runs;    /* one per (run entry, seed) */
    int               n_members;        /* "ensemble": {"members": [model_name...], "tta_n": N} */
    char            **members;          /* fused after the runs, by run name prefix (model_name) */
    int               ensemble_tta_n;
} rmn_experiment;

void rmn_train_config_defaults(rmn_train_config *cfg);
/* The model a run of cfg records (runs.model, what report tables group and label by): the arch,
 * with "+center" when the center loss is on, so that a model with and without it are two rows.
 * Returns buf. */
const char *rmn_train_config_model(const rmn_train_config *cfg, char *buf, size_t cap);
/* The augmentation the config trains with (and draws TTA from). */
rmn_augment_params rmn_train_config_augment(const rmn_train_config *cfg);
/* Whether the run can train on `ranks` data-parallel ranks (train/trainer.h): batch_size must
 * divide among them and center loss (whose centers each rank would update alone) needs one. */
int rmn_train_config_check_ranks(const rmn_train_config *cfg, int ranks);
/* The batches of cfg: its image size, channels and transform, with augmentation aug (NULL: the
 * evaluation's). */
rmn_batch_spec rmn_train_config_batch_spec(const rmn_train_config *cfg, const rmn_augment_params *aug);
/* The shorter side an image folder's cache needs for cfg (data/folder.h): the imagenet
 * transform's resize before its centre crop, else the image size. */
int rmn_train_config_data_side(const rmn_train_config *cfg);
/* The run name of a configuration: "<model_name>-s<seed>". */
void rmn_train_run_name(const rmn_train_config *cfg, char *buf, size_t cap);
/* Applies the keys of a JSON object (text) onto cfg; `where` names the source in errors. */
int  rmn_train_config_apply_json(rmn_train_config *cfg, const char *json_text, const char *where);
/* Canonical text: sorted "key=value\n" lines with normalised numbers (hashed into the store). */
int  rmn_train_config_canonical(const rmn_train_config *cfg, char *buf, size_t cap);

/* Reads canonical text back (as stored in runs.config_text and checkpoints); `where` names the
 * source in errors. Unknown keys are errors. */
int  rmn_train_config_from_canonical(rmn_train_config *cfg, const char *text, const char *where);

/* Finds an experiment by name (the RMN_EXPERIMENTS folder, then experiments/ of the data
 * folders in core/datadir.h's order) or loads it from a path ending in .json. An unknown name
 * is RMN_ENOTFOUND with the names there are and the closest one. */
int  rmn_experiment_load(const char *name_or_path, rmn_experiment *out);
/* The experiment names those folders hold (each once, sorted); free with
 * rmn_experiment_names_free. */
int  rmn_experiment_names(char ***names, int *n);
void rmn_experiment_names_free(char **names, int n);
void rmn_experiment_free(rmn_experiment *e);
/* An experiment of one run: the defaults, then the keys of a configuration file (the thesis's
 * fer2013_config.json as it is, or rmn's keys). */
int  rmn_experiment_from_config(const char *config_path, const char *experiment_name, rmn_experiment *out);
/* Applies the keys of a configuration file on top of every run of e (rmn-exp --config). */
int  rmn_experiment_apply_config(rmn_experiment *e, const char *config_path);

#endif

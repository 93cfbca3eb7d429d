/* model.h -- registered architectures by name (models/registry.c): building a finalized net of
 * one, their names and revisions. The one header a trainer or a tool needs beside nn/net.h to
 * make a model.
 *
 * Ownership: rmn_model_create returns an owned net released by rmn_net_free. */
#ifndef RMN_MODELS_MODEL_H
#define RMN_MODELS_MODEL_H

#include <stdint.h>

#include "nn/net.h"

/* width 0 means the family's default. */
typedef struct {
    int in_channels, image_size, num_classes;
    uint64_t seed;
    int width;
} rmn_model_config;

/* Builds a registered architecture ("democnn", ...); parameters initialised as PyTorch does,
 * from the RMN_STREAM_INIT stream of cfg->seed. RMN_ENOTFOUND for an unknown name. */
int  rmn_model_create(const char *arch, const rmn_model_config *cfg, rmn_net **out);
int  rmn_model_names(const char *const **names, int *n);       /* registry listing */
/* The revision of arch's definition: 1, higher once the same weights compute something else
 * (efficientnet_b2b 2: TF-"same" padding as pytorchcv's, was symmetric); *change (may be
 * NULL) says what the last revision changed. Checkpoints record it (train/checkpoint.h). */
int  rmn_model_revision(const char *arch, const char **change);

#endif

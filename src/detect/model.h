/* model.h -- the emotion classifier of rmn-detect: an rmn net loaded from a safetensors
 * checkpoint, run on face crops.
 *
 * A checkpoint holds every tensor of rmn_net_tensors (PyTorch-style names, F32) and the
 * metadata arch, image_size, in_channels, num_classes (and optionally width), as
 * src/train/checkpoint.h writes them; other tensors (optimizer state, RNG streams) are
 * ignored. Input: the gray crop resized to image_size, /255, copied into in_channels planes
 * (the thesis's preprocessing, no mean/std normalisation); output: softmax probabilities in
 * FER2013 label order (angry, disgust, fear, happy, sad, surprise, neutral).
 *
 * Ownership: rmn_detect_model_load returns an owned model released by rmn_detect_model_free. */
#ifndef RMN_DETECT_MODEL_H
#define RMN_DETECT_MODEL_H

#include "models/model.h"
#include "nn/net.h"

#include <stdint.h>

#define RMN_DETECT_MAX_CLASSES 16

typedef struct rmn_detect_model rmn_detect_model;

/* RMN_EIO/RMN_EFORMAT (from the safetensors reader), RMN_EFORMAT for missing or bad metadata,
 * a missing tensor or a shape that does not match the architecture (all naming the file),
 * RMN_ENOTFOUND for an unknown architecture. */
int  rmn_detect_model_load(const char *path, rmn_detect_model **out);
/* Where a model comes from: an rmn safetensors checkpoint, or a PyTorch checkpoint (.pth;
 * rmn_import_is_pth) of architecture pth_arch with pth_channels (1 or 3; 0: 3) input channels
 * at the thesis's 224 px. */
typedef struct {
    const char *path, *pth_arch;
    int         pth_channels;
    rmn_precision precision; /* the net's arithmetic (rmn_net_set_precision; 0: fp32) */
} rmn_detect_model_src;
/* Either kind (model_open.c), its net set to src->precision (refused: the error, no model); a
 * .pth without pth_arch is RMN_EINVAL. */
int  rmn_detect_model_open(const rmn_detect_model_src *src, rmn_detect_model **out);
/* A model around a built, loaded net (taken over, freed on failure too): an imported .pth. */
int  rmn_detect_model_from_net(rmn_net *net, int image_size, int in_channels, rmn_detect_model **out);
void rmn_detect_model_free(rmn_detect_model *m);

int         rmn_detect_model_input_size(const rmn_detect_model *m);
int         rmn_detect_model_num_classes(const rmn_detect_model *m);
const char *rmn_detect_model_arch(const rmn_detect_model *m);
/* The loaded net (borrowed; for explanations, src/explain/). */
rmn_net    *rmn_detect_model_net(rmn_detect_model *m);
/* "angry" ... "neutral" for a 7-class model, else "class<k>". */
const char *rmn_detect_model_label(const rmn_detect_model *m, int k);

/* face:(S, S) gray with S = input size -> probs:(num_classes), softmax of the logits. */
int rmn_detect_model_classify(rmn_detect_model *m, const uint8_t *face, float *probs);

/* Writes net as a checkpoint rmn_detect_model_load reads (metadata from arch and cfg);
 * for tests and tools. */
int rmn_detect_model_save(const char *path, rmn_net *net, const char *arch,
                          const rmn_model_config *cfg);

#endif

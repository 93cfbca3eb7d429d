/* import.h -- load a PyTorch state_dict (core/pth.h) into an rmn net: the key mapping.
 *
 * The names the original code's modules produce are mapped to rmn's: a "module." prefix
 * (DataParallel) on every key is dropped; "*.num_batches_tracked" is ignored, and so are the
 * training-only auxiliary heads (inception_v3's AuxLogits.*, googlenet's aux1.*, aux2.*); for the
 * Residual Masking Networks the original masking blocks' names become rmn's
 * (maskK.conv{i+1} -> maskK.enc{i}, maskK.conv{2D-i} -> maskK.dec{i}, maskK.up_pool{2D-i} ->
 * maskK.up{i}, maskK.conv{2D} -> maskK.final, D = 5-K the block's depth), and the duplicated
 * shortcut keys maskK.downsampleJ.* must equal maskK.convJ.downsample.* (then dropped). Every
 * other name (torchvision ResNet/VGG/DenseNet/GoogLeNet/Inception, pytorchcv) is taken as it
 * is: rmn's zoo names follow them, but the thesis's efficientnet_b2b head output.1, which is
 * rmn's (and pytorchcv's) output.fc.
 *
 * Everything is checked before any weight is copied: tensors the net needs and the file lacks
 * (missing), names the net does not have (unexpected) and shape mismatches are all listed in
 * one RMN_EFORMAT message naming the file. With allow_head, the classifier (the net's last
 * layer) may be missing or mis-shaped: it keeps its initialisation (fine-tuning). */
#ifndef RMN_TRAIN_IMPORT_H
#define RMN_TRAIN_IMPORT_H

#include "core/pth.h"
#include "nn/net.h"
#include "train/train_config.h"
#include "train/evaluate.h"

#include <stdint.h>

typedef struct {
    int loaded;     /* net tensors copied from the file */
    int head_kept;  /* head tensors left at their initialisation (allow_head) */
    int ignored;    /* num_batches_tracked and verified duplicate keys */
} rmn_import_stats;

/* The rmn name of a state_dict key for arch (after the "module." strip), into buf; returns 0
 * when the key is to be ignored (num_batches_tracked), 2 for a duplicate maskK.downsampleJ key
 * (whose twin name is written to buf), 1 otherwise. */
int rmn_import_map_name(const char *arch, const char *key, char *buf, size_t cap);

int rmn_import_load(const rmn_pth_file *f, rmn_net *net, int allow_head, rmn_import_stats *stats);

/* Builds cfg's net (arch, image_size, in_channels, num_classes, width) and loads the .pth
 * at path into it; *pth stays open for its metadata when pth is not NULL (rmn_pth_close).
 * efficientnet_b2b weights draw an rmn_warning: its padding differs from pytorchcv's. */
int rmn_import_open_model(const char *path, const rmn_train_config *cfg, int allow_head, rmn_net **net,
                          rmn_pth_file **pth, rmn_import_stats *stats);

/* Whether path names a PyTorch checkpoint (.pth/.pt/.pth.tar/.ckpt or a torch-saved file
 * without the safetensors header): rmn-eval and rmn-detect switch on it. */
int rmn_import_is_pth(const char *path);

/* Records an evaluation of the weights at pth_path in the store: a run of kind 'imported'
 * (experiment/name, its config the arch, input and the file's SHA-256; created FINISHED on the
 * first call, later calls add their evals, e.g. the TTA one), tags import.source and
 * import.sha256 (import_store.c). */
int rmn_import_record(const char *store_path, const char *experiment, const char *name, const rmn_train_config *cfg,
                      rmn_net *net, const char *pth_path, const rmn_eval_result *r, const char *split, int tta_n,
                      uint64_t tta_seed);

#endif

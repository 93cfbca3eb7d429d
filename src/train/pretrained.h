/* pretrained.h -- the `pretrained: PATH` configuration key: a trunk loaded into a new model
 * before training (docs/EXPORT.md "Pretrained trunks"; the config keys in train_config.h).
 *
 * The file is read by a reader chosen by its extension: ".safetensors" (an rmn checkpoint, or
 * any safetensors file of F32 tensors under PyTorch-style names) and ".pth" (a PyTorch
 * checkpoint: torchvision, pytorchcv, the original's; train/pretrained_pth.c) are built in;
 * other formats plug in through rmn_pretrained_set_reader. Matching, by name: the model's head (the tensors of its last
 * layer with parameters) is always new; every other tensor must be in the file with the same
 * shape, except the Residual Masking Networks' masks ("mask*"), new when absent (an ImageNet
 * ResNet34 trunk has none). A tensor of the file the model lacks is ignored. A missing or
 * mis-shaped trunk tensor is an error naming the file, the tensor, both shapes and the file's
 * arch. */
#ifndef RMN_TRAIN_PRETRAINED_H
#define RMN_TRAIN_PRETRAINED_H

#include <stddef.h>
#include <stdint.h>

#include "nn/net.h"
#include "train/pretrained_set.h"
#include "train/train_config.h"

/* Registers the reader for files ending in ext (".pth"); NULL removes it. Up to 8 readers. */
int  rmn_pretrained_set_reader(const char *ext, rmn_pretrained_reader fn);
/* Reads path with the reader of its extension: RMN_EIO naming it when it cannot be read,
 * RMN_EINVAL when no reader handles its extension. */
int  rmn_pretrained_read(const char *path, rmn_pretrained_set *out);

/* Checks cfg->pretrained (when set) against the model cfg describes, without allocating the
 * model (its graph only): errors are prefixed by where. RMN_OK when the key is empty. */
int rmn_pretrained_check(const rmn_train_config *cfg, const char *where);
/* Loads the trunk of path into the finalized net (the head keeps its fresh initialisation);
 * *loaded (may be NULL) the number of tensors copied. */
int rmn_pretrained_load(rmn_net *net, const char *path, int *loaded);

#endif

/* pretrained_pth.h -- the built-in `.pth` reader of the `pretrained:` key (train/pretrained.h):
 * PyTorch checkpoints into a train/pretrained_set.h set. */
#ifndef RMN_TRAIN_PRETRAINED_PTH_H
#define RMN_TRAIN_PRETRAINED_PTH_H

#include "train/pretrained_set.h"

/* Every tensor of the PyTorch checkpoint at path, float32, under rmn's names. */
int rmn_pretrained_read_pth(const char *path, rmn_pretrained_set *out);

#endif

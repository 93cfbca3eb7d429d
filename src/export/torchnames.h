/* torchnames.h -- the names a tensor has in the PyTorch definition a .pth export targets, where
 * they differ from rmn's: the original repository's Residual Masking Networks (masks and heads)
 * and efficientnet_b2b head. Everything else keeps its name (rmn's names are its references'). */
#ifndef RMN_EXPORT_TORCHNAMES_H
#define RMN_EXPORT_TORCHNAMES_H

#include <stddef.h>

/* out: the name of rmn tensor `name` of `arch` in the reference (cap bytes). When the reference
 * registers the same tensor under a second name (a mask block's projection shortcut, both
 * `maskK.convJ.downsample.*` and `maskK.downsampleJ.*`), *dup receives it and 1 is returned;
 * else 0 (dup set to ""). */
int rmn_torch_name(const char *arch, const char *name, char *out, size_t cap, char *dup,
                   size_t dcap);

#endif

/* pth.h -- writes a finalized rmn net's state_dict as a PyTorch zip checkpoint (the format of
 * torch.save since 1.6): ARCHIVE/data.pkl (a protocol-2 pickle of an OrderedDict of tensors
 * rebuilt by torch._utils._rebuild_tensor_v2 from persistent storages), ARCHIVE/data/<key>
 * (the storages, little-endian), ARCHIVE/version ("3"), stored (no compression), each data
 * record 64-byte aligned as torch writes them. Every parameter and batch-norm statistic under
 * its PyTorch name (the original's for the Residual Masking Networks: export/torchnames.h),
 * plus each batch norm's num_batches_tracked (int64, 0), so that
 * load_state_dict(strict=True) on the PyTorch definition accepts it. No zip64: files over
 * 4 GiB are refused. The pickle and zip writers are our own (pickle.c, zip.c). */
#ifndef RMN_EXPORT_PTH_H
#define RMN_EXPORT_PTH_H

#include "nn/net.h"

int rmn_export_pth(const rmn_net *net, const char *path);

#endif

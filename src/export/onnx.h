/* onnx.h -- writes a finalized rmn net as an ONNX model (opset 13, IR version 7): input
 * "input" (N,C,H,W) with a symbolic batch N, output "logits" (N,classes), every parameter and
 * batch-norm statistic an initializer under its PyTorch-style name, batch norm as
 * BatchNormalization (inference), dropout as Identity, the net's input affine as Mul and Add.
 * The protobuf is written by export/pb.c (no protobuf library). docs/EXPORT.md lists the op
 * mapping. */
#ifndef RMN_EXPORT_ONNX_H
#define RMN_EXPORT_ONNX_H

#include "nn/net.h"

/* Writes net to path (atomically: path.tmp then rename). With external != 0, or when the
 * tensors exceed 1 GiB (one protobuf holds under 2 GiB), the tensors go to path.data beside it
 * (ONNX external data: location, offset, length); both files are written whole under
 * temporary names, then renamed into place. RMN_EINVAL naming
 * the node for an op or a parameter combination ONNX export does not handle; RMN_EIO for write
 * errors. */
int rmn_export_onnx(const rmn_net *net, const char *path, int external);

#endif

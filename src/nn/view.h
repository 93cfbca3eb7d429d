/* view.h -- a read-only view of a built net's graph, for code outside nn/ that writes or
 * matches a whole net (export/onnx.c, export/pth.c, train/pretrained.c): its named tensors,
 * its nodes with their scalar parameters, the logits value. Every call fills a copy (strings and
 * the input lists stay owned by the net, const); the graph's own structs are nn/'s (graph.h),
 * and nothing here hands out an array of the net for writing. The one write is
 * rmn_net_tensor_write, which copies a whole tensor in.
 *
 * Tensors are numbered 0 .. rmn_net_tensor_count() - 1 in rmn_net_tensors' order, nodes
 * 0 .. rmn_net_node_count() - 1 in execution order, values as in net.h (value shapes:
 * rmn_net_value_shape). */
#ifndef RMN_NN_VIEW_H
#define RMN_NN_VIEW_H

#include "nn/builder.h"

#define RMN_NET_NO_TENSOR (-1) /* a node's tensor index where it has none */

/* One named tensor (a parameter or a buffer such as BN's running mean). */
typedef struct {
    const char *name;      /* "layer1.0.conv1.weight" (owned by the net) */
    int ndim;
    int64_t shape[4];
    size_t count;          /* elements */
    int trainable;         /* 1: a parameter, 0: a buffer */
    int node;              /* the node that registered it */
    rmn_op op;             /* that node's op */
    const float *data;     /* count floats; NULL before finalize */
} rmn_tensor_view;

/* One node: its op, inputs, output and the scalar parameters of its op (each field means
 * something only for the ops named beside it). */
typedef struct {
    rmn_op op;
    const char *label;          /* the op's name in automatic value names ("conv", "bn";
                                   binary: "add", "mul", "mask_mul") */
    int n_in;                   /* inputs (concat: one or more) */
    const int *in;              /* n_in input value ids (owned by the net) */
    int out;                    /* output value id */
    int out_c, out_h, out_w;    /* the asked output size: channels (conv2d, conv_transpose2d,
                                   linear), height and width (adaptive pool, resize) */
    rmn_conv_params conv;       /* conv2d, conv_transpose2d (defaults filled in) */
    int out_pad_h, out_pad_w;   /* conv_transpose2d */
    rmn_pool_params pool;       /* maxpool2d, avgpool2d (strides filled in) */
    rmn_act act;                /* act */
    rmn_binary binary;          /* binary: add, mul, mul1p (b is in[1]) */
    float p;                    /* dropout probability */
    double momentum, eps;       /* bn2d */
    /* the tensors it reads, as tensor indices, or RMN_NET_NO_TENSOR: weight and bias
     * (possibly another node's: rmn_net_add_linear_shared), BN's running statistics */
    int weight, bias, running_mean, running_var;
    int params_shared;          /* its weight and bias are shared with another node (one
                                   of them registered them) */
} rmn_node_view;

/* 1 once rmn_net_finalize succeeded (arenas allocated, logits set), else 0. */
int rmn_net_is_finalized(const rmn_net *net);
/* The value declared the output by rmn_net_finalize (shape (K,1,1)); -1 before. */
int rmn_net_logits_value(const rmn_net *net);

/* Tensor i (0 <= i < rmn_net_tensor_count) in *out; RMN_EINVAL for another i. */
int rmn_net_tensor_view(const rmn_net *net, int i, rmn_tensor_view *out);
/* Copies count floats from src into tensor i (a finalized net; count must be the tensor's):
 * loading weights from a file (train/pretrained.c). RMN_EINVAL otherwise. */
int rmn_net_tensor_write(rmn_net *net, int i, const float *src, size_t count);

int rmn_net_node_count(const rmn_net *net);
/* Node i (0 <= i < rmn_net_node_count) in *out; RMN_EINVAL for another i. */
int rmn_net_node_view(const rmn_net *net, int i, rmn_node_view *out);

#endif

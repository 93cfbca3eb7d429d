/* builder.h -- building a network's static graph: the public builder for model families
 * (models/) and tools. The graph's inner layout (values, nodes, arenas) is private to nn/
 * (nn/graph.h); a builder only appends ops through these calls and reads shapes back through
 * net.h's rmn_net_value_shape (a built graph's nodes and tensors, read-only: nn/view.h).
 *
 * A graph is a list of values (activation tensors, per-sample shape C x H x W; value 0 is the
 * input) and of nodes (op + its scalar parameters + one or more input values + one output
 * value), appended in execution order. Forward runs the nodes in order, backward in reverse; a
 * value read by several nodes accumulates their gradients.
 *
 * Family builders call rmn_net_alloc, then rmn_net_add_* (each returns the new output value
 * id in *y), then rmn_net_finalize, which allocates the arenas and initialises parameters as
 * PyTorch does. On any error the builder frees the net with rmn_net_free. */
#ifndef RMN_NN_BUILDER_H
#define RMN_NN_BUILDER_H

#include "nn/net.h"
#include "tensor/ops.h"

/* The ops of the graph (one descriptor each in nn/op.h's table); builders name them only to
 * set the init of every tensor of one op (rmn_net_set_init_op). */
typedef enum {
    RMN_OP_CONV2D,
    RMN_OP_BN2D,
    RMN_OP_RELU,
    RMN_OP_MAXPOOL2D,
    RMN_OP_GAP,
    RMN_OP_DROPOUT,
    RMN_OP_LINEAR,
    RMN_OP_CONVT2D,
    RMN_OP_ACT,
    RMN_OP_SOFTMAX_CH,
    RMN_OP_AVGPOOL2D,
    RMN_OP_ADAPTIVE_AVGPOOL2D,
    RMN_OP_RESIZE_BILINEAR,
    RMN_OP_BINARY,
    RMN_OP_CONCAT,
    RMN_OP_FLATTEN,
    RMN_OP_CHAN_MEAN,
    RMN_OP_CHAN_MAX,
    RMN_OP_HARDSWISH,
    RMN_OP_COUNT       /* the number of ops (nn/op.h's table has one descriptor per op) */
} rmn_op;

int rmn_net_alloc(rmn_net **out, const char *arch, int in_channels, int height, int width);
/* conv k x k (groups 1); parameters name.weight (K,C,k,k) and name.bias (K) when bias */
int rmn_net_add_conv2d(rmn_net *net, const char *name, int x, int out_channels, int kernel,
                       int stride, int pad, int bias, int *y);
/* general conv: kernel kh x kw, strides, pads, dilations, groups (zero fields: defaults);
 * name.weight (K,C/groups,kh,kw), name.bias (K) when bias */
int rmn_net_add_conv2d_ex(rmn_net *net, const char *name, int x, int out_channels,
                          const rmn_conv_params *p, int bias, int *y);
/* PyTorch's ConvTranspose2d: name.weight (C,K/groups,kh,kw), name.bias (K) when bias;
 * output padding out_pad_h, out_pad_w (usually 0) */
int rmn_net_add_conv_transpose2d(rmn_net *net, const char *name, int x, int out_channels,
                                 const rmn_conv_params *p, int out_pad_h, int out_pad_w,
                                 int bias, int *y);
/* batch norm over channels, momentum 0.1, eps 1e-5; name.weight/bias/running_mean/var */
int rmn_net_add_bn2d(rmn_net *net, const char *name, int x, int *y);
/* batch norm with this layer's momentum (weight of the new batch statistic) and eps */
int rmn_net_add_bn2d_ex(rmn_net *net, const char *name, int x, double momentum, double eps,
                        int *y);
int rmn_net_add_relu(rmn_net *net, int x, int *y);
/* element-wise activation (RMN_ACT_RELU gives the same node as rmn_net_add_relu) */
int rmn_net_add_act(rmn_net *net, int x, rmn_act act, int *y);
/* softmax over the channels of each pixel: (C,H,W) -> (C,H,W) */
int rmn_net_add_softmax_channels(rmn_net *net, int x, int *y);
int rmn_net_add_maxpool2d(rmn_net *net, int x, int kernel, int stride, int pad, int *y);
/* max pool with kernel kh x kw, strides (0: the kernel), pads, ceil_mode */
int rmn_net_add_maxpool2d_ex(rmn_net *net, int x, const rmn_pool_params *p, int *y);
/* average pool with kernel, strides (0: the kernel), pads, ceil_mode, count_include_pad */
int rmn_net_add_avgpool2d(rmn_net *net, int x, const rmn_pool_params *p, int *y);
/* adaptive average pool to (C,oh,ow) (PyTorch's window formula) */
int rmn_net_add_adaptive_avgpool2d(rmn_net *net, int x, int oh, int ow, int *y);
/* global average pool: (C,H,W) -> (C,1,1) */
int rmn_net_add_gap(rmn_net *net, int x, int *y);
/* bilinear resize to (C,oh,ow), align_corners=False (F.interpolate with a size) */
int rmn_net_add_resize_bilinear(rmn_net *net, int x, int oh, int ow, int *y);
/* y = a + b, y = a * b with broadcasting: one operand has the full (C,H,W) shape, the other
 * the same shape or 1 in some of C, H, W ((C,1,1): channel attention, (1,H,W): spatial
 * attention); the output has the full shape. Either order. */
int rmn_net_add_add(rmn_net *net, int a, int b, int *y);
int rmn_net_add_mul(rmn_net *net, int a, int b, int *y);
/* The residual masking combination y = t * (1 + m), fused (no 1 + m tensor); m may broadcast
 * against t as above, t must have the full shape. */
int rmn_net_add_mask_mul(rmn_net *net, int t, int m, int *y);
/* concatenation along channels of n >= 1 values of equal H and W (DenseNet, Inception) */
int rmn_net_add_concat(rmn_net *net, const int *xs, int n, int *y);
/* (C,H,W) -> (C*H*W,1,1) */
int rmn_net_add_flatten(rmn_net *net, int x, int *y);
/* mean / max over channels: (C,H,W) -> (1,H,W) (CBAM's spatial pooling) */
int rmn_net_add_channel_mean(rmn_net *net, int x, int *y);
int rmn_net_add_channel_max(rmn_net *net, int x, int *y);
int rmn_net_add_dropout(rmn_net *net, int x, float p, int *y);
/* flattens x (C*H*W features) -> (out_features,1,1); name.weight (OUT,IN), name.bias (OUT) */
int rmn_net_add_linear(rmn_net *net, const char *name, int x, int out_features, int bias,
                       int *y);

/* A fixed per-channel affine of the input, x'[c] = scale[c] * x[c] + shift[c] (c < the input's
 * channels, at most 4), applied by every forward before the first node: torchvision's
 * transform_input of GoogLeNet and Inception v3. Not a parameter (no tensor, no gradient).
 * RMN_EINVAL after finalize or for more than 4 channels. */
int rmn_net_set_input_affine(rmn_net *net, const float *scale, const float *shift);

/* Parameter initialisation. By default every parameter gets PyTorch's default for its layer:
 * conv2d, conv_transpose2d and linear weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in))
 * (kaiming_uniform with a = sqrt(5); fan_in = weight.size(1) * kh * kw, which for a
 * transposed conv is (C_out/groups) kh kw -- PyTorch's quirk), batch-norm weight 1, bias 0
 * (running mean 0, var 1). Families that initialise otherwise say so per tensor, between the
 * rmn_net_add_* calls and rmn_net_finalize; finalize then draws every tensor in arena order
 * from one RMN_STREAM_INIT stream (a tensor that draws nothing consumes nothing).
 * fan_in / fan_out are PyTorch's (_calculate_fan_in_and_fan_out of the layer's weight). */
typedef enum {
    RMN_INIT_DEFAULT,               /* as above */
    RMN_INIT_ZEROS,                 /* e.g. the mask units' second BN weight */
    RMN_INIT_ONES,
    RMN_INIT_CONSTANT,              /* arg */
    RMN_INIT_UNIFORM,               /* U(-arg, arg) */
    RMN_INIT_NORMAL,                /* N(0, arg^2) */
    RMN_INIT_TRUNC_NORMAL,          /* N(0, arg^2) redrawn outside [-2, 2] (trunc_normal_) */
    RMN_INIT_KAIMING_NORMAL_FAN_OUT, /* N(0, 2/fan_out): ResNet convs (relu gain) */
    RMN_INIT_KAIMING_NORMAL_FAN_IN,  /* N(0, 2/fan_in) */
    RMN_INIT_XAVIER_UNIFORM         /* U(-b, b), b = sqrt(6 / (fan_in + fan_out)) */
} rmn_init;

/* Sets how the parameter `tensor` ("layer1.0.bn2.weight") is initialised. RMN_ENOTFOUND for
 * an unknown name, RMN_EINVAL for a buffer, after finalize, or a fan-based kind on a tensor
 * of a layer without a weight fan (batch norm). */
int rmn_net_set_init(rmn_net *net, const char *tensor, rmn_init kind, double arg);
/* The same for every tensor "<layer>.<what>" ("weight", "bias") of every node of op added so
 * far (e.g. all conv2d weights: RMN_OP_CONV2D, "weight"); the count set in *n (may be NULL). */
int rmn_net_set_init_op(rmn_net *net, int op, const char *what, rmn_init kind, double arg,
                        int *n);

/* Names value v (a stage's output "layer4", a mask "mask1"), replacing an earlier name; values
 * left unnamed get one at finalize (nn/values.c: the layer of the node that writes them, or
 * their first input's name and the op). Names must be unique: RMN_EINVAL otherwise. */
int rmn_net_name_value(rmn_net *net, int v, const char *name);

/* Declares value `logits` (shape (K,1,1)) the output, allocates the arenas, initialises the
 * parameters from the RMN_STREAM_INIT stream of seed. */
int rmn_net_finalize(rmn_net *net, int logits, uint64_t seed);

/* A linear layer that uses the parameters of the linear layer that wrote value `shared` (CBAM's
 * second pass through its channel MLP): x flattened -> (out_features,1,1) of that layer's
 * weight; no tensors of its own (its gradients add into the shared ones). RMN_EINVAL when
 * `shared` is not the output of a linear layer with the same input size. */
int rmn_net_add_linear_shared(rmn_net *net, int x, int shared, int *y);
/* hardswish, x * min(max(x + 3, 0), 6) / 6 (PyTorch's nn.Hardswish): (C,H,W) -> (C,H,W) */
int rmn_net_add_hardswish(rmn_net *net, int x, int *y);

/* --- reading the graph while it is built (before or after finalize) ---------------------- */

/* Multiply-accumulates per image: the sum of the ops' counts (nn/op.h; conv2d, transposed
 * conv, linear: one MAC per weight use; other ops count none). */
double rmn_net_macs(const rmn_net *net);
/* Number of named tensors registered so far (parameters and buffers); tensor i's name, element
 * count and whether it is a parameter (trainable) -- any of the outputs may be NULL. */
int  rmn_net_tensor_count(const rmn_net *net);
void rmn_net_tensor_info(const rmn_net *net, int i, const char **name, size_t *count,
                         int *trainable);

#endif

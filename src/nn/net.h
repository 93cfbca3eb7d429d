/* net.h -- a network: a static graph of ops with its parameters, run forward and backward.
 *
 * A model family's builder (models/) creates the graph once (nn/graph.h); the trainer then
 * plans activation memory for a batch size once and calls forward / loss / backward per
 * step without allocating. Parameters live in one contiguous 64-byte-aligned arena and
 * their gradients in a second one with the same layout, so an optimizer is one loop over
 * rmn_net_param_count() scalars. Ops run through a backend (tensor/backend.h): "cpu"
 * (im2col + OpenBLAS, the default) or "ref" (naive oracles).
 *
 * Nets are made by models/model.h's rmn_model_create (registered architectures) or built op by
 * op through nn/builder.h; the net's digest is rmn_net_digest.
 *
 * Ownership: every function borrows its pointer arguments; returned pointers stay owned by the
 * net. */
#ifndef RMN_NN_NET_H
#define RMN_NN_NET_H

#include <stddef.h>
#include <stdint.h>

#include "core/precision.h"
#include "core/rng.h"

typedef struct rmn_net rmn_net;

void rmn_net_free(rmn_net *net);

/* Plans activation memory once for batches of up to max_batch (replacing an earlier plan).
 * A forward without a plan plans for its own batch size. */
int  rmn_net_plan(rmn_net *net, int max_batch);
/* x:(n, C, S, S) with n <= max_batch. training=1 uses batch statistics and dropout (rng must
 * be non-NULL when the net has dropout), training=0 uses running statistics, no dropout. */
int  rmn_net_forward(rmn_net *net, const float *x, int n, int training, rmn_rng *dropout_rng);
/* Inference: the same logits as rmn_net_forward(net, x, n, 0, NULL) (to rounding), faster:
 * each eval-mode batch norm and each residual add whose only reader is a ReLU runs fused with
 * it in one pass (where the backend has the fusion). Only the logits are valid afterwards (fused intermediates are
 * not written); rmn_net_backward refuses to run. */
int  rmn_net_infer(rmn_net *net, const float *x, int n);
const float *rmn_net_logits(const rmn_net *net);  /* (n, num_classes) after forward */
int  rmn_net_num_classes(const rmn_net *net);
/* Softmax cross-entropy of the last forward: mean loss, number correct (argmax == label), and
 * the logits gradient kept for backward. class_weights (num_classes) or NULL (PyTorch's
 * weighted mean). n_correct may be NULL. */
int  rmn_net_loss(rmn_net *net, const int32_t *labels, const float *class_weights, double *loss,
                  int *n_correct);
/* The same against target distributions, targets:(n, num_classes) (soft targets: FERPlus's
 * votes; tensor/ops.h rmn_softmax_xent_soft); n_correct counts argmax == labels (labels NULL:
 * the targets' argmax). */
int  rmn_net_loss_soft(rmn_net *net, const float *targets, const int32_t *labels, const float *class_weights,
                       double *loss, int *n_correct);
/* Zeroes parameter gradients, then backpropagates the gradient of the last rmn_net_loss
 * through the last forward (in its mode: batch or running statistics). */
int  rmn_net_backward(rmn_net *net);
size_t rmn_net_param_count(const rmn_net *net);  /* trainable scalars */
/* For data-parallel training (src/dist/): during each backward, after every node that wrote
 * parameter gradients, ready(ctx, from) says the gradients [from, param_count) are final
 * (backward runs the nodes in reverse, and each node's parameters follow the earlier nodes'
 * in the arena). ready NULL: none (the default). */
void rmn_net_set_grads_ready(rmn_net *net, void (*ready)(void *ctx, size_t from), void *ctx);
/* Synchronised batch norm: in training, every batch norm normalises with the statistics of all
 * ranks' batches, sum(ctx, x, n) summing n doubles over the ranks in place (nn/bn_sync.c; no
 * fusion with the following ReLU in training). sum NULL: each batch alone (the default). Drops
 * the plan. */
void rmn_net_set_bn_sync(rmn_net *net, void (*sum)(void *ctx, double *x, int n), void *ctx);
/* Multiplies the logits gradient the last rmn_net_loss kept by s (a rank's share of a global
 * batch's mean). */
int  rmn_net_loss_scale(rmn_net *net, float s);
float *rmn_net_params(rmn_net *net);  /* one contiguous 64-byte-aligned arena of all parameters */
float *rmn_net_grads(rmn_net *net);   /* same layout */

/* Every named tensor (parameters and buffers such as BN running stats) for checkpoints, with
 * PyTorch-style names ("conv1.weight", "bn1.running_mean"), in a fixed order: parameters in
 * arena order interleaved with buffers, layer by layer. BN's num_batches_tracked is not kept. */
typedef struct {
    const char *name;
    int ndim;
    int64_t shape[4];
    float *data;
    int trainable;
} rmn_tensor_ref;
int  rmn_net_tensors(rmn_net *net, const rmn_tensor_ref **list, int *n);
const char *rmn_net_arch(const rmn_net *net);
/* Input shape (C, H, W). */
void rmn_net_input_shape(const rmn_net *net, int *c, int *h, int *w);
/* 1 with the net's fixed input affine (per input channel, nn/graph.h: x' = scale x + shift,
 * applied by every forward), 0 when it has none. */
int rmn_net_input_affine(const rmn_net *net, const float **scale, const float **shift);
/* SHA-256 of every named tensor (name with its NUL, the shape's four int64, the floats), in
 * rmn_net_tensors' order, as 64 lowercase hex digits: the "weights_sha256" of a run
 * (nn/digest.c). */
int  rmn_net_digest(rmn_net *net, char hex[65]);

/* Backpropagates a given gradient of the logits, dlogits:(n, num_classes) for the n samples
 * of the last rmn_net_forward, instead of a loss's (e.g. a one-hot row: the gradient of one
 * class score); parameter gradients and every value's gradient as rmn_net_backward. */
int  rmn_net_backward_from(rmn_net *net, const float *dlogits);

/* --- looking inside (nn/values.c), for explanations (src/explain/) ------------------------
 * Values are the activations of the graph, numbered in execution order (0 is the input, the
 * last is not necessarily the logits). Each has a unique name: the builder's ("layer1".."layer4"
 * for ResNet stages, "mask1".."mask4" for the masks of the Residual Masking Network) or the
 * layer that writes it ("layer4.1.conv2", "fc") or its first input's name and the op
 * ("layer4.1.bn1.relu"). */
int  rmn_net_value_count(const rmn_net *net);
const char *rmn_net_value_name(const rmn_net *net, int v);
/* Per-sample shape (C, H, W) of value v. */
void rmn_net_value_shape(const rmn_net *net, int v, int *c, int *h, int *w);
/* The value named name in *v; RMN_ENOTFOUND (naming it and the net) otherwise. */
int  rmn_net_value_find(const rmn_net *net, const char *name, int *v);
/* The last value with more than one spatial position and more than one channel that the
 * logits depend on (the output of the last convolutional stage: what a global pool or flatten
 * reads), or -1 (also when out of memory). */
int  rmn_net_value_last_spatial(const rmn_net *net);
/* Copies sample i of value v in plain (C, H, W) order, whatever its planned layout: act, the
 * activation of the last rmn_net_forward (training=0, or a training forward for values not
 * fused away), and grad, its gradient after the backward that followed (either may be NULL).
 * RMN_EINVAL when there is no such forward or backward, or the value was not written. */
int  rmn_net_value_read(const rmn_net *net, int v, int i, float *act, float *grad);

/* --- features for losses on them (center loss, src/train/center.h) -----------------------
 * The value the classifier (the linear op that writes the logits) reads: the features, of
 * C*H*W floats per sample; -1 when the logits are not written by a linear op. */
int  rmn_net_value_classifier_input(const rmn_net *net);
/* The activation of value v in the last forward as plain rows (n, C*H*W), or NULL when v is
 * stored blocked (nChw16c) or was not written (fused away). */
const float *rmn_net_value_rows(const rmn_net *net, int v);
/* g:(n, C*H*W), the n of the last forward, is added to value v's gradient by the next backward
 * once every reader of v has written its part (just before v's producer runs backward); for
 * that backward only. g is borrowed until then. RMN_EINVAL for the input, a blocked value or a
 * value the training forward fuses away. */
int  rmn_net_value_grad_add(rmn_net *net, int v, const float *g);

/* Selects the backend ("cpu" default, "ref"); drops the plan (replan before the next step). */
int  rmn_net_set_backend(rmn_net *net, const char *name);
/* Switches the net to the backend table b itself (tensor/backend.h; a wrapped table such as
 * bench's profiler), creating its state; drops the plan (nn/plan.c). b is borrowed for the
 * net's life. */
struct rmn_backend;
int  rmn_net_use_backend(rmn_net *net, const struct rmn_backend *b);
/* Threads the kernels may use; 0 = omp_get_max_threads() (the default). Drops the plan. */
int  rmn_net_set_threads(rmn_net *net, int nthreads);
/* The precision of its convolutions, transposed convolutions and linear layers
 * (core/precision.h, docs/PRECISION.md): RMN_PRECISION_BF16 computes them from bf16 copies of
 * their inputs and weights with fp32 accumulation and fp32 results (everything else, the
 * parameters and the gradients stay fp32), on the dnnl backend of a CPU with AVX512_BF16 or
 * AMX. An error value with its message when the backend cannot (ref and cpu compute in fp32
 * only; a CPU without those instructions, named), the precision unchanged. It stays with the
 * net: a later rmn_net_set_backend / rmn_net_use_backend to a backend that cannot is refused.
 * The default is fp32. */
int  rmn_net_set_precision(rmn_net *net, rmn_precision p);
rmn_precision rmn_net_precision(const rmn_net *net);

#endif

/* op.h -- the engine's op table, private to nn/: one descriptor per op (rmn_op), read by the
 * builder (graph.c: shape inference, parameter shapes), planning (plan.c: caches, workspace,
 * ReLU fusion), running (run.c: forward, backward, training checks), layouts (layout.c), fresh
 * gradients (fresh.c), value names (values.c) and counting (rmn_net_macs). Nothing outside the
 * descriptors switches on the op.
 *
 * Adding an op (docs/ARCHITECTURE.md, "Adding an op"): its enum value in nn/builder.h (before
 * RMN_OP_COUNT) and a builder call; one descriptor in an nn/op_*.c file and its row in
 * op_table.c; its kernels (tensor/ref_*.c at least) and backend entries (tensor/backend.h,
 * backend.c: the ref and cpu tables and rmn_backend_resolve); a row in tests/test-grad.c's
 * finite-difference table. */
#ifndef RMN_NN_OP_H
#define RMN_NN_OP_H

#include "nn/graph.h"

#define RMN_OP_VARIADIC (-1) /* arity of an op with one or more inputs (concat) */

/* layout rule bits */
#define RMN_OPL_BLOCKED 1u /* reads (and writes, but see READER) nChw16c values */
#define RMN_OPL_COUPLED 2u /* every input and the output share one layout */
#define RMN_OPL_READER 4u  /* reads blocked values but writes plain ones (GAP) */
#define RMN_OPL_ONECH 8u   /* a one-channel operand, broadcast over the output's channels, is
                            * read plain beside blocked ones (CBAM's spatial gate product) */

/* Hands out 64-byte aligned pieces of one arena; with base NULL it only counts. */
typedef struct {
    char *base;
    size_t used;
} rmn_carver;

static inline void *rmn_carve(rmn_carver *cv, size_t bytes) {
    void *p = cv->base ? cv->base + cv->used : NULL;
    cv->used += (bytes + 63) & ~(size_t)63;
    return p;
}

typedef struct rmn_op_desc {
    const char *name;   /* in automatic value names ("layer1.0.bn1.relu") */
    /* the name of one node when it depends on its parameters (binary: add, mul, mask_mul);
     * NULL: name */
    const char *(*label)(const rmn_node *nd);
    int arity;          /* inputs, or RMN_OP_VARIADIC */

    /* shape inference: node nd's per-sample output shape from its inputs' shapes and its
     * scalar parameters (an error recorded when they do not fit) */
    int (*infer)(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w);
    /* parameter shapes: registers the tensors of nd, the last node, under layer `name` (bias:
     * with a bias); NULL for ops without parameters */
    int (*params)(rmn_net *net, rmn_node *nd, const char *name, int bias);

    /* planning for batches of up to max_batch: carves node i's caches (NULL: none) */
    void (*plan)(rmn_net *net, int i, rmn_carver *cv, int max_batch);
    /* its scratch in floats (NULL: none) */
    size_t (*workspace)(const rmn_net *net, const rmn_node *nd, int max_batch);
    /* a training forward's precondition on a batch of n (NULL: none) */
    int (*check)(const rmn_net *net, const rmn_node *nd, int n, const rmn_rng *rng);

    /* forward on a batch of n (ex.layout set for nd); training: batch statistics, dropout */
    int (*forward)(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                   rmn_rng *rng);
    /* backward (ex.layout and ex.fresh set); fused: nd runs with the ReLU after it, whose
     * output gradient it reads */
    int (*backward)(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused);

    /* layout rule: RMN_OPL_* bits, and a condition on the node (NULL: always) */
    unsigned layout;
    int (*layout_ok)(const rmn_net *net, const rmn_node *nd);

    /* fresh-gradient rule: the RMN_FRESH_OP_* bit of the backward entry (0: it always
     * accumulates), and a condition on the node (NULL: always) */
    unsigned fresh_op;
    int (*fresh_ok)(const rmn_net *net, const rmn_node *nd);

    /* fusion with a following activation (NULL: never): whether nd (its shape) may fuse with
     * activation act, whether the backend has the fusion for nd->fuse_act (train: training
     * passes; else rmn_net_infer), and the fused forward writing the activation's output
     * (node i and i + 1) */
    int (*fuse_ok)(const rmn_net *net, const rmn_node *nd, rmn_act act);
    int (*fuse_ready)(const rmn_net *net, const rmn_node *nd, int train);
    void (*fuse_forward)(rmn_net *net, const rmn_exec *ex, int i, int n, int train);

    /* multiply-accumulates per image (NULL: none) */
    double (*macs)(const rmn_net *net, const rmn_node *nd);
} rmn_op_desc;

/* The table, indexed by rmn_op (nn/op_table.c). */
extern const rmn_op_desc *const rmn_op_table[RMN_OP_COUNT];

static inline const rmn_op_desc *rmn_op_of(const rmn_node *nd) { return rmn_op_table[nd->op]; }

/* The descriptors (nn/op_*.c) */
extern const rmn_op_desc rmn_op_conv2d, rmn_op_convt2d, rmn_op_linear;        /* op_conv.c */
extern const rmn_op_desc rmn_op_bn2d, rmn_op_dropout;                         /* op_norm.c */
extern const rmn_op_desc rmn_op_relu, rmn_op_act, rmn_op_softmax_ch, rmn_op_binary; /* op_eltwise.c */
extern const rmn_op_desc rmn_op_maxpool2d, rmn_op_avgpool2d, rmn_op_adaptive_avgpool2d,
    rmn_op_gap, rmn_op_resize_bilinear, rmn_op_chan_mean, rmn_op_chan_max;    /* op_pool.c */
extern const rmn_op_desc rmn_op_concat, rmn_op_flatten;                       /* op_shape.c */
extern const rmn_op_desc rmn_op_hardswish;                                    /* op_hardswish.c */

/* Shapes of a node's kernel call on a batch of n (checked when the node was added). */
rmn_conv2d_shape rmn_op_conv_shape(const rmn_net *net, const rmn_node *nd, int n);
rmn_pool2d_shape rmn_op_pool_shape(const rmn_net *net, const rmn_node *nd, int n);

#endif

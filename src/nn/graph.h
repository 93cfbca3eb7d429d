/* graph.h -- the graph's inner layout, private to nn/ (the builder API is nn/builder.h, the
 * runtime API nn/net.h): values, nodes, tensor specs and the net struct, shared by the builder
 * (graph.c), the op table (op.h, op_*.c), planning (plan.c), running (run.c), layouts, fresh
 * gradients and value reading. No file outside nn/ includes it (tests/structure.sh checks):
 * export/ and train/pretrained.c read the graph through nn/view.h. */
#ifndef RMN_NN_GRAPH_H
#define RMN_NN_GRAPH_H

#include "nn/builder.h"
#include "tensor/backend.h"

// --- inner layout -------------------------------------------------------------------------

#define RMN_NET_NONE ((size_t)-1)

typedef struct {
    int c, h, w;       /* per-sample shape */
    float *data;       /* (max_batch, c, h, w), planned */
    float *grad;       /* same, or NULL for the input */
    int blocked;       /* data and grad in nChw16c (planned by rmn_net_plan_layouts) */
    int grad_live;     /* during a backward: grad holds a sum already (nn/fresh.c) */
    char *name;        /* "layer4", "layer4.1.bn2" (owned; set by the builder or by finalize,
                          see rmn_net_name_value and nn/values.c) */
} rmn_value;

/* A node: its op's scalar parameters are stored in it (the field of its op). */
typedef struct {
    rmn_op op;
    int *in, n_in, out;         /* in: n_in input value ids (owned; concat has many) */
    size_t w_off, b_off;        /* parameter arena offsets, or RMN_NET_NONE */
    int params_shared;          /* w_off/b_off are another node's too (rmn_net_add_linear_shared):
                                   their gradient is a sum over nodes, never written fresh */
    size_t rm_off, rv_off;      /* buffer arena offsets (BN running stats), or RMN_NET_NONE */
    int out_c, out_h, out_w;    /* the asked output size: channels (conv2d, conv_transpose2d,
                                   linear), height and width (adaptive pool, resize) */
    rmn_conv_params conv;       /* conv2d, conv_transpose2d (defaults filled in) */
    int out_pad_h, out_pad_w;   /* conv_transpose2d */
    rmn_pool_params pool;       /* maxpool2d, avgpool2d (strides filled in) */
    rmn_act act;                /* act */
    rmn_binary binary;          /* binary: add, mul, mul1p (b is in[1], may broadcast) */
    float p;                    /* dropout probability */
    double momentum, eps;       /* bn2d */
    float *save_mean, *save_invstd, *mask; /* planned caches (bn2d, dropout) */
    int fuse_next;              /* planned: a bn2d or same-shape add whose output only the next
                                   node, an activation, reads (the two may run as one call) */
    rmn_act fuse_act;           /* that activation: RMN_ACT_RELU (a relu node; bn2d, add) or
                                   RMN_ACT_SILU (an act node; bn2d) */
    uint8_t *relu_mask;         /* planned for such a bn2d and ReLU when the backend has the
                                   training fusion: where its fused ReLU's output is positive */
    float *act_coef;            /* planned for such a bn2d and SiLU likewise: (2C) the fused
                                   forward's per-channel terms its backward recomputes with */
    int32_t *idx;               /* planned argmax (max pool, channel max) */
} rmn_node;

typedef struct {
    char *name;
    int ndim;
    int64_t shape[4];
    int trainable;              /* 1: parameter arena, 0: buffer arena */
    size_t off, count;
    int node;                   /* the node that owns it */
    int fan_in, fan_out;        /* of the layer's weight (0 for batch norm) */
    rmn_init init, def_init;    /* as set, and the layer's default resolved (uniform or constant) */
    double init_arg, def_arg;
} rmn_tensor_spec;

struct rmn_net {
    char *arch;
    const rmn_backend *backend;         /* as chosen; */
    rmn_backend ops;                    /* ... resolved: every entry set (rmn_backend_resolve) */
    void *backend_state;                /* backend->state_create's, freed by state_free */
    int nthreads_req;                   /* 0 = OpenMP default */
    rmn_precision precision;            /* rmn_net_set_precision's, applied to every backend state */

    rmn_value *values;
    int n_values, cap_values;
    rmn_node *nodes;
    int n_nodes, cap_nodes;
    rmn_tensor_spec *specs;
    rmn_tensor_ref *refs;
    int n_specs, cap_specs;

    size_t n_params, n_buffers;
    float *params, *grads, *buffers;    /* 64-byte aligned arenas */
    int logits, finalized;
    int in_affine;                      /* rmn_net_set_input_affine: x' = in_scale x + in_shift */
    float in_scale[4], in_shift[4];

    /* plan */
    int max_batch, nthreads;
    void *act_arena;                    /* values, caches and workspace */
    float *ws;

    /* state of the last step */
    int batch, training, loss_ready;
    int inferred;                       /* the last forward was rmn_net_infer */
    int backward_done;                  /* a backward ran after the last forward */
    int extra_v;                        /* rmn_net_value_grad_add: value whose gradient gets */
    const float *extra_grad;            /* extra_grad:(n, size) added in the next backward */
    void (*grads_ready)(void *, size_t); /* rmn_net_set_grads_ready's callback and context */
    void *grads_ready_ctx;
    void (*bn_sync)(void *, double *, int); /* rmn_net_set_bn_sync's sum and context */
    void *bn_sync_ctx;
};

/* 64-byte aligned, zeroed allocation of bytes (rounded up); NULL on failure (nn/tensors.c). */
void *rmn_net_aligned_zalloc(size_t bytes);
/* floats per sample */
static inline size_t rmn_value_size(const rmn_value *v) { return (size_t)v->c * v->h * v->w; }

/* Registers a named tensor "layer.what" of the parameter (trainable) or buffer arena for the
 * last node; sets *off to its offset. The init defaults: uniform(1/sqrt(fan_in)) when
 * fan_in > 0, else the constant dflt (nn/tensors.c). */
int rmn_net_add_tensor(rmn_net *net, const char *layer, const char *what, int trainable,
                       int ndim, const int64_t *shape, size_t *off, int fan_in, int fan_out,
                       float dflt);

/* PyTorch's default init for conv and linear (kaiming_uniform, a = sqrt(5)):
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)). w:(count) */
void rmn_init_uniform_fan_in(float *w, size_t count, int fan_in, rmn_rng *rng);
/* Fills the tensor of spec s (its data at w) by its init kind (RMN_INIT_DEFAULT: the resolved
 * def_init, def_arg). w:(s->count) */
void rmn_init_tensor(float *w, const rmn_tensor_spec *s, rmn_rng *rng);

// --- planning (nn/plan.c) ----------------------------------------------------------------

/* Whether the last forward wrote value v (not an intermediate fused away). */
int rmn_net_value_written(const rmn_net *net, int v);
/* Whether node nd runs as one call with the activation after it (nd->fuse_act): in training
 * passes (forward and backward) when train, in rmn_net_infer otherwise -- wherever the backend
 * has the fusion. */
int rmn_net_fused_with_next(const rmn_net *net, const rmn_node *nd, int train);
/* Drops the activation plan (the next forward plans again). */
void rmn_net_drop_plan(rmn_net *net);

/* Gives every unnamed value its automatic name (nn/values.c); called by finalize. */
int rmn_net_name_values(rmn_net *net);

// --- layouts (nn/layout.c) ---------------------------------------------------------------

/* Decides each value's layout for the net's backend (nn/layout.c): nChw16c where the backend
 * has blocked16, C is a multiple of 16, H * W > 1, and the op that writes the value and every
 * op that reads it accept blocked values (conv, transposed conv, batch norm, activations, max
 * pool, binary ops without broadcasting, concatenation of multiples of 16 channels, GAP as a
 * reader), with the ops whose operands must agree (all but the convs and GAP) agreeing; plain
 * NCHW elsewhere (the input, the logits, everything else).
 * RMN_DNNL_BLOCKED=0 in the environment keeps every value plain. */
void rmn_net_plan_layouts(rmn_net *net);
/* The RMN_LAYOUT_* bits of node nd's call: X16 when its first input is blocked, Y16 when its
 * output is. */
unsigned rmn_net_node_layout(const rmn_net *net, const rmn_node *nd);

// --- fresh gradients (nn/fresh.c) ---------------------------------------------------------

/* Starts a backward pass: no activation gradient holds anything yet but the logits'; the
 * parameter gradients of nodes whose backward entry cannot write them fresh are zeroed. */
void rmn_net_grads_begin(rmn_net *net);
/* Before node i's backward on a batch of n: zeroes the gradient it reads (that of value
 * dy_value) if no reader wrote it, claims the gradients it writes, and returns the
 * RMN_FRESH_* bits for its call (the ones it writes first and its entry can write fresh);
 * the others it zeroes first. */
unsigned rmn_net_grads_claim(rmn_net *net, int i, int n, int dy_value);

#endif

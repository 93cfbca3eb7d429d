/* graph.h -- building a network's static graph (for model families) and its inner layout.
 *
 * A graph is a list of values (activation tensors, per-sample shape C x H x W; value 0 is the
 * input) and of nodes (op + its scalar parameters + one or more input values + one output
 * value + slices of the parameter and buffer arenas), appended in execution order. Forward runs the nodes in
 * order, backward in reverse; a value read by several nodes accumulates their gradients.
 *
 * Family builders call rmn_net_alloc, then rmn_net_add_* (each returns the new output value
 * id in *y), then rmn_net_finalize, which allocates the arenas and initialises parameters as
 * PyTorch does. On any error the builder frees the net with rmn_net_free.
 *
 * The structs below are shared by graph.c (building) and run.c (planning, running); code
 * outside nn/ uses only net.h and the builder functions. */
#ifndef RMN_NN_GRAPH_H
#define RMN_NN_GRAPH_H

#include "nn/net.h"
#include "tensor/backend.h"

// --- builder ------------------------------------------------------------------------------

/* Switches the net to backend b (creating its state, dropping the plan). */
int rmn_net_use_backend(rmn_net *net, const rmn_backend *b);

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

// --- inner layout -------------------------------------------------------------------------

#define RMN_NET_NONE ((size_t)-1)

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
    RMN_OP_CHAN_MAX
} rmn_op;

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
    size_t rm_off, rv_off;      /* buffer arena offsets (BN running stats), or RMN_NET_NONE */
    rmn_conv_params conv;       /* conv2d, conv_transpose2d (defaults filled in) */
    int out_pad_h, out_pad_w;   /* conv_transpose2d */
    rmn_pool_params pool;       /* maxpool2d, avgpool2d */
    rmn_act act;                /* act */
    rmn_binary binary;          /* binary: add, mul, mul1p (b is in[1], may broadcast) */
    float p;                    /* dropout probability */
    double momentum, eps;       /* bn2d */
    float *save_mean, *save_invstd, *mask; /* planned caches (bn2d, dropout) */
    int relu_next;              /* planned: a bn2d or same-shape add whose output only the next
                                   node, a ReLU, reads (the two may run as one call) */
    uint8_t *relu_mask;         /* planned for such a bn2d when the backend has the training
                                   fusion: where its fused ReLU's output is positive */
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

/* 64-byte aligned, zeroed allocation of bytes (rounded up); NULL on failure. */
void *rmn_net_aligned_zalloc(size_t bytes);
size_t rmn_value_size(const rmn_value *v);   /* floats per sample */

/* PyTorch's default init for conv and linear (kaiming_uniform, a = sqrt(5)):
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)). w:(count) */
void rmn_init_uniform_fan_in(float *w, size_t count, int fan_in, rmn_rng *rng);
/* Fills the tensor of spec s (its data at w) by its init kind (RMN_INIT_DEFAULT: the resolved
 * def_init, def_arg). w:(s->count) */
void rmn_init_tensor(float *w, const rmn_tensor_spec *s, rmn_rng *rng);

/* Whether the last forward wrote value v (not an intermediate fused away; nn/run.c). */
int rmn_net_value_written(const rmn_net *net, int v);

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

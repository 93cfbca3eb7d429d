/* graph.h -- building a network's static graph (for model families) and its inner layout.
 *
 * A graph is a list of values (activation tensors, per-sample shape C x H x W; value 0 is the
 * input) and of nodes (op + up to two input values + one output value + slices of the
 * parameter and buffer arenas), appended in execution order. Forward runs the nodes in
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
/* batch norm over channels, momentum 0.1, eps 1e-5; name.weight/bias/running_mean/var */
int rmn_net_add_bn2d(rmn_net *net, const char *name, int x, int *y);
int rmn_net_add_relu(rmn_net *net, int x, int *y);
int rmn_net_add_maxpool2d(rmn_net *net, int x, int kernel, int stride, int pad, int *y);
/* global average pool: (C,H,W) -> (C,1,1) */
int rmn_net_add_gap(rmn_net *net, int x, int *y);
int rmn_net_add_dropout(rmn_net *net, int x, float p, int *y);
/* flattens x (C*H*W features) -> (out_features,1,1); name.weight (OUT,IN), name.bias (OUT) */
int rmn_net_add_linear(rmn_net *net, const char *name, int x, int out_features, int bias,
                       int *y);
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
    RMN_OP_LINEAR
} rmn_op;

typedef struct {
    int c, h, w;       /* per-sample shape */
    float *data;       /* (max_batch, c, h, w), planned */
    float *grad;       /* same, or NULL for the input */
} rmn_value;

typedef struct {
    rmn_op op;
    int in[2], n_in, out;
    size_t w_off, b_off;        /* parameter arena offsets, or RMN_NET_NONE */
    size_t rm_off, rv_off;      /* buffer arena offsets (BN running stats), or RMN_NET_NONE */
    int kernel, stride, pad;    /* conv2d, maxpool2d */
    float p;                    /* dropout probability */
    double momentum, eps;       /* bn2d */
    float *save_mean, *save_invstd, *mask; /* planned caches (bn2d, dropout) */
    int32_t *idx;               /* planned max-pool argmax */
} rmn_node;

typedef struct {
    char *name;
    int ndim;
    int64_t shape[4];
    int trainable;              /* 1: parameter arena, 0: buffer arena */
    size_t off, count;
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

    /* plan */
    int max_batch, nthreads;
    void *act_arena;                    /* values, caches and workspace */
    float *ws;

    /* state of the last step */
    int batch, training, loss_ready;
};

/* 64-byte aligned, zeroed allocation of bytes (rounded up); NULL on failure. */
void *rmn_net_aligned_zalloc(size_t bytes);
size_t rmn_value_size(const rmn_value *v);   /* floats per sample */

/* PyTorch's default init for conv and linear (kaiming_uniform, a = sqrt(5)):
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)). w:(count) */
void rmn_init_uniform_fan_in(float *w, size_t count, int fan_in, rmn_rng *rng);

#endif

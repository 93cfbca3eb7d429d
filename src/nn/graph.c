/* graph.c -- building a network's graph (nn/builder.h): nodes appended through the op table's
 * shape inference and parameter shapes (nn/op.h), finalizing (arenas, initialisation, tensor
 * list), and the accessors of net.h that do not run anything. */
#include "nn/op.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

// --- building -----------------------------------------------------------------------------

int rmn_net_alloc(rmn_net **out, const char *arch, int in_channels, int height, int width) {
    *out = NULL;
    if (in_channels < 1 || height < 1 || width < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: bad input shape %dx%dx%d", arch, in_channels,
                         height, width);
    rmn_net *net = calloc(1, sizeof *net);
    if (!net || !(net->arch = strdup(arch))) {
        free(net);
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", arch);
    }
    net->logits = -1;
    net->values = calloc(16, sizeof *net->values);
    if (!net->values) {
        rmn_net_free(net);
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", arch);
    }
    int rc = rmn_net_use_backend(net, rmn_backend_default()); /* creates the backend's state */
    if (rc != RMN_OK) {
        rmn_net_free(net);
        return rc;
    }
    net->cap_values = 16;
    net->values[0] = (rmn_value){.c = in_channels, .h = height, .w = width};
    net->n_values = 1;
    *out = net;
    return RMN_OK;
}

static int check_open(rmn_net *net, int x) {
    if (net->finalized)
        return RMN_ERROR(RMN_EINVAL, "%s: graph already finalized", net->arch);
    if (x < 0 || x >= net->n_values)
        return RMN_ERROR(RMN_EINVAL, "%s: no value %d", net->arch, x);
    return RMN_OK;
}

/* Appends value (c,h,w) and a node of op reading the n_in values xs; returns the node. */
static int append_n(rmn_net *net, rmn_op op, const int *xs, int n_in, int c, int h, int w,
                    rmn_node **nd, int *y) {
    if (c < 1 || h < 1 || w < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: layer %d would output an empty %dx%dx%d tensor",
                         net->arch, net->n_nodes, c, h, w);
    if (net->n_values == net->cap_values) {
        rmn_value *v = realloc(net->values, 2 * net->cap_values * sizeof *v);
        if (!v)
            return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", net->arch);
        net->values = v;
        net->cap_values *= 2;
    }
    if (net->n_nodes == net->cap_nodes) {
        int cap = net->cap_nodes ? 2 * net->cap_nodes : 16;
        rmn_node *n = realloc(net->nodes, cap * sizeof *n);
        if (!n)
            return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", net->arch);
        net->nodes = n;
        net->cap_nodes = cap;
    }
    int *in = malloc((size_t)n_in * sizeof *in);
    if (!in)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", net->arch);
    memcpy(in, xs, (size_t)n_in * sizeof *in);
    net->values[net->n_values] = (rmn_value){.c = c, .h = h, .w = w};
    rmn_node *node = &net->nodes[net->n_nodes++];
    *node = (rmn_node){.op = op, .in = in, .n_in = n_in, .out = net->n_values,
                       .w_off = RMN_NET_NONE, .b_off = RMN_NET_NONE,
                       .rm_off = RMN_NET_NONE, .rv_off = RMN_NET_NONE};
    *y = net->n_values++;
    *nd = node;
    return RMN_OK;
}

/* Appends a node of op reading the n_in values xs, with the scalar parameters of proto: its
 * output shape from the op's shape inference, its tensors (layer `name`, bias) from the op's
 * parameter shapes unless own is 0 (a layer sharing another's tensors). */
static int add_node_ex(rmn_net *net, rmn_op op, const int *xs, int n_in, const rmn_node *proto,
                       const char *name, int bias, int own, int *y) {
    const rmn_op_desc *d = rmn_op_table[op];
    rmn_node tmp = *proto;
    tmp.op = op;
    tmp.in = (int *)xs;
    tmp.n_in = n_in;
    int c, h, w;
    RMN_TRY(d->infer(net, &tmp, &c, &h, &w));
    rmn_node *nd = NULL;
    RMN_TRY(append_n(net, op, xs, n_in, c, h, w, &nd, y));
    nd->out_c = proto->out_c, nd->out_h = proto->out_h, nd->out_w = proto->out_w;
    nd->conv = proto->conv;
    nd->out_pad_h = proto->out_pad_h, nd->out_pad_w = proto->out_pad_w;
    nd->pool = proto->pool;
    nd->act = proto->act;
    nd->binary = proto->binary;
    nd->p = proto->p;
    nd->momentum = proto->momentum, nd->eps = proto->eps;
    return d->params && own ? d->params(net, nd, name, bias) : RMN_OK;
}

static int add_node(rmn_net *net, rmn_op op, const int *xs, int n_in, const rmn_node *proto,
                    const char *name, int bias, int *y) {
    return add_node_ex(net, op, xs, n_in, proto, name, bias, 1, y);
}

static int add1(rmn_net *net, rmn_op op, int x, const rmn_node *proto, int *y) {
    RMN_TRY(check_open(net, x));
    return add_node(net, op, &x, 1, proto, NULL, 0, y);
}

/* --- convolutions -------------------------------------------------------------------------- */

static rmn_conv_params conv_defaults(const rmn_conv_params *p) {
    rmn_conv_params d = *p;
    d.stride_h = d.stride_h ? d.stride_h : 1;
    d.stride_w = d.stride_w ? d.stride_w : 1;
    d.dil_h = d.dil_h ? d.dil_h : 1;
    d.dil_w = d.dil_w ? d.dil_w : 1;
    d.groups = d.groups ? d.groups : 1;
    return d;
}

int rmn_net_add_conv2d_ex(rmn_net *net, const char *name, int x, int out_channels,
                          const rmn_conv_params *p, int bias, int *y) {
    RMN_TRY(check_open(net, x));
    const rmn_node proto = {.out_c = out_channels, .conv = conv_defaults(p)};
    return add_node(net, RMN_OP_CONV2D, &x, 1, &proto, name, bias, y);
}

int rmn_net_add_conv2d(rmn_net *net, const char *name, int x, int out_channels, int kernel,
                       int stride, int pad, int bias, int *y) {
    if (stride < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: conv2d %s: bad stride %d", net->arch,
                         name ? name : "?", stride);
    const rmn_conv_params p = {.kh = kernel, .kw = kernel, .stride_h = stride,
                               .stride_w = stride, .pad_h = pad, .pad_w = pad};
    return rmn_net_add_conv2d_ex(net, name, x, out_channels, &p, bias, y);
}

int rmn_net_add_conv_transpose2d(rmn_net *net, const char *name, int x, int out_channels,
                                 const rmn_conv_params *p, int out_pad_h, int out_pad_w,
                                 int bias, int *y) {
    RMN_TRY(check_open(net, x));
    const rmn_node proto = {.out_c = out_channels, .conv = conv_defaults(p),
                            .out_pad_h = out_pad_h, .out_pad_w = out_pad_w};
    return add_node(net, RMN_OP_CONVT2D, &x, 1, &proto, name, bias, y);
}

int rmn_net_add_linear(rmn_net *net, const char *name, int x, int out_features, int bias,
                       int *y) {
    RMN_TRY(check_open(net, x));
    const rmn_node proto = {.out_c = out_features};
    return add_node(net, RMN_OP_LINEAR, &x, 1, &proto, name, bias, y);
}

int rmn_net_add_linear_shared(rmn_net *net, int x, int shared, int *y) {
    RMN_TRY(check_open(net, x));
    RMN_TRY(check_open(net, shared));
    const rmn_node *s = NULL;
    int s_index = -1;
    for (int i = 0; i < net->n_nodes; ++i)
        if (net->nodes[i].out == shared) {
            s = &net->nodes[i];
            s_index = i;
        }
    if (!s || s->op != RMN_OP_LINEAR ||
        rmn_value_size(&net->values[s->in[0]]) != rmn_value_size(&net->values[x]))
        return RMN_ERROR(RMN_EINVAL, "%s: value %d is not the output of a linear layer of %zu "
                         "inputs", net->arch, shared, rmn_value_size(&net->values[x]));
    const size_t w_off = s->w_off, b_off = s->b_off; /* s moves when the nodes grow */
    const rmn_node proto = {.out_c = net->values[shared].c};
    RMN_TRY(add_node_ex(net, RMN_OP_LINEAR, &x, 1, &proto, NULL, 0, 0, y));
    rmn_node *nd = &net->nodes[net->n_nodes - 1];
    nd->w_off = w_off;
    nd->b_off = b_off;
    nd->params_shared = 1; /* both write the one gradient: each adds its part (nn/fresh.c) */
    net->nodes[s_index].params_shared = 1;
    return RMN_OK;
}

/* --- normalisation, activations --------------------------------------------------------- */

int rmn_net_add_bn2d_ex(rmn_net *net, const char *name, int x, double momentum, double eps,
                        int *y) {
    RMN_TRY(check_open(net, x));
    if (!(momentum >= 0.0 && momentum <= 1.0) || !(eps > 0.0))
        return RMN_ERROR(RMN_EINVAL, "%s: batch norm %s: momentum %g outside [0,1] or eps %g "
                         "not positive", net->arch, name ? name : "?", momentum, eps);
    const rmn_node proto = {.momentum = momentum, .eps = eps};
    return add_node(net, RMN_OP_BN2D, &x, 1, &proto, name, 0, y);
}

int rmn_net_add_bn2d(rmn_net *net, const char *name, int x, int *y) {
    return rmn_net_add_bn2d_ex(net, name, x, 0.1, 1e-5, y);
}

int rmn_net_add_relu(rmn_net *net, int x, int *y) {
    const rmn_node proto = {0};
    return add1(net, RMN_OP_RELU, x, &proto, y);
}

int rmn_net_add_act(rmn_net *net, int x, rmn_act act, int *y) {
    if (act == RMN_ACT_RELU)
        return rmn_net_add_relu(net, x, y);
    if (act < RMN_ACT_RELU || act > RMN_ACT_TANH)
        return RMN_ERROR(RMN_EINVAL, "%s: unknown activation %d", net->arch, (int)act);
    const rmn_node proto = {.act = act};
    return add1(net, RMN_OP_ACT, x, &proto, y);
}

int rmn_net_add_hardswish(rmn_net *net, int x, int *y) {
    const rmn_node proto = {0};
    return add1(net, RMN_OP_HARDSWISH, x, &proto, y);
}

int rmn_net_add_softmax_channels(rmn_net *net, int x, int *y) {
    const rmn_node proto = {0};
    return add1(net, RMN_OP_SOFTMAX_CH, x, &proto, y);
}

int rmn_net_add_dropout(rmn_net *net, int x, float p, int *y) {
    RMN_TRY(check_open(net, x));
    if (!(p >= 0.0f && p < 1.0f))
        return RMN_ERROR(RMN_EINVAL, "%s: dropout probability %g outside [0,1)", net->arch,
                         (double)p);
    const rmn_node proto = {.p = p};
    return add1(net, RMN_OP_DROPOUT, x, &proto, y);
}

/* --- pooling, resizing ------------------------------------------------------------------- */

static int add_pool(rmn_net *net, rmn_op op, int x, const rmn_pool_params *p, int *y) {
    rmn_node proto = {.pool = *p};
    proto.pool.stride_h = p->stride_h ? p->stride_h : p->kh; /* rmn_pool2d_shape_full's */
    proto.pool.stride_w = p->stride_w ? p->stride_w : p->kw;
    return add1(net, op, x, &proto, y);
}

int rmn_net_add_maxpool2d_ex(rmn_net *net, int x, const rmn_pool_params *p, int *y) {
    return add_pool(net, RMN_OP_MAXPOOL2D, x, p, y);
}

int rmn_net_add_maxpool2d(rmn_net *net, int x, int kernel, int stride, int pad, int *y) {
    if (stride < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: maxpool2d: bad stride %d", net->arch, stride);
    const rmn_pool_params p = {.kh = kernel, .kw = kernel, .stride_h = stride,
                               .stride_w = stride, .pad_h = pad, .pad_w = pad};
    return add_pool(net, RMN_OP_MAXPOOL2D, x, &p, y);
}

int rmn_net_add_avgpool2d(rmn_net *net, int x, const rmn_pool_params *p, int *y) {
    return add_pool(net, RMN_OP_AVGPOOL2D, x, p, y);
}

int rmn_net_add_adaptive_avgpool2d(rmn_net *net, int x, int oh, int ow, int *y) {
    RMN_TRY(check_open(net, x));
    if (oh < 1 || ow < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: adaptive avg pool to %dx%d", net->arch, oh, ow);
    const rmn_node proto = {.out_h = oh, .out_w = ow};
    return add1(net, RMN_OP_ADAPTIVE_AVGPOOL2D, x, &proto, y);
}

int rmn_net_add_gap(rmn_net *net, int x, int *y) {
    const rmn_node proto = {0};
    return add1(net, RMN_OP_GAP, x, &proto, y);
}

int rmn_net_add_resize_bilinear(rmn_net *net, int x, int oh, int ow, int *y) {
    RMN_TRY(check_open(net, x));
    if (oh < 1 || ow < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: bilinear resize to %dx%d", net->arch, oh, ow);
    const rmn_node proto = {.out_h = oh, .out_w = ow};
    return add1(net, RMN_OP_RESIZE_BILINEAR, x, &proto, y);
}

/* --- binary ops, concat, flatten, channel reductions -------------------------------------- */

static int covers(const rmn_value *full, const rmn_value *b) {
    return (b->c == full->c || b->c == 1) && (b->h == full->h || b->h == 1) &&
           (b->w == full->w || b->w == 1);
}

static int add_binary(rmn_net *net, rmn_binary op, int a, int b, int *y) {
    RMN_TRY(check_open(net, a));
    RMN_TRY(check_open(net, b));
    const rmn_value *va = &net->values[a], *vb = &net->values[b];
    if (!covers(va, vb)) {
        if (op == RMN_BINARY_MUL1P || !covers(vb, va))
            return RMN_ERROR(RMN_EINVAL, "%s: shapes %dx%dx%d and %dx%dx%d do not broadcast%s",
                             net->arch, va->c, va->h, va->w, vb->c, vb->h, vb->w,
                             op == RMN_BINARY_MUL1P ? " (the mask must broadcast to t)" : "");
        int t = a;
        a = b, b = t;
    }
    const int xs[2] = {a, b};
    const rmn_node proto = {.binary = op};
    return add_node(net, RMN_OP_BINARY, xs, 2, &proto, NULL, 0, y);
}

int rmn_net_add_add(rmn_net *net, int a, int b, int *y) {
    return add_binary(net, RMN_BINARY_ADD, a, b, y);
}
int rmn_net_add_mul(rmn_net *net, int a, int b, int *y) {
    return add_binary(net, RMN_BINARY_MUL, a, b, y);
}
int rmn_net_add_mask_mul(rmn_net *net, int t, int m, int *y) {
    return add_binary(net, RMN_BINARY_MUL1P, t, m, y);
}

int rmn_net_add_concat(rmn_net *net, const int *xs, int n, int *y) {
    if (n < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: concat of %d values", net->arch, n);
    for (int i = 0; i < n; ++i) {
        RMN_TRY(check_open(net, xs[i]));
        const rmn_value *v = &net->values[xs[i]], *v0 = &net->values[xs[0]];
        if (v->h != v0->h || v->w != v0->w)
            return RMN_ERROR(RMN_EINVAL, "%s: concat of %dx%d and %dx%d maps", net->arch,
                             v0->h, v0->w, v->h, v->w);
    }
    const rmn_node proto = {0};
    return add_node(net, RMN_OP_CONCAT, xs, n, &proto, NULL, 0, y);
}

int rmn_net_add_flatten(rmn_net *net, int x, int *y) {
    const rmn_node proto = {0};
    return add1(net, RMN_OP_FLATTEN, x, &proto, y);
}

int rmn_net_add_channel_mean(rmn_net *net, int x, int *y) {
    const rmn_node proto = {0};
    return add1(net, RMN_OP_CHAN_MEAN, x, &proto, y);
}

int rmn_net_add_channel_max(rmn_net *net, int x, int *y) {
    const rmn_node proto = {0};
    return add1(net, RMN_OP_CHAN_MAX, x, &proto, y);
}

double rmn_net_macs(const rmn_net *net) {
    double macs = 0.0;
    for (int i = 0; i < net->n_nodes; ++i) {
        const rmn_op_desc *d = rmn_op_of(&net->nodes[i]);
        if (d->macs)
            macs += d->macs(net, &net->nodes[i]);
    }
    return macs;
}

/* --- initialisation choices --------------------------------------------------------------- */

static int set_init(rmn_net *net, rmn_tensor_spec *s, rmn_init kind, double arg) {
    if (!s->trainable)
        return RMN_ERROR(RMN_EINVAL, "%s: %s is a buffer, not a parameter", net->arch, s->name);
    if (kind < RMN_INIT_DEFAULT || kind > RMN_INIT_XAVIER_UNIFORM)
        return RMN_ERROR(RMN_EINVAL, "%s: %s: unknown init kind %d", net->arch, s->name,
                         (int)kind);
    if (kind >= RMN_INIT_KAIMING_NORMAL_FAN_OUT && (s->fan_in < 1 || s->fan_out < 1))
        return RMN_ERROR(RMN_EINVAL, "%s: %s has no weight fan for a kaiming/xavier init",
                         net->arch, s->name);
    s->init = kind;
    s->init_arg = arg;
    return RMN_OK;
}

int rmn_net_set_init(rmn_net *net, const char *tensor, rmn_init kind, double arg) {
    if (net->finalized)
        return RMN_ERROR(RMN_EINVAL, "%s: set the init of %s before finalizing", net->arch,
                         tensor);
    for (int i = 0; i < net->n_specs; ++i)
        if (strcmp(net->specs[i].name, tensor) == 0)
            return set_init(net, &net->specs[i], kind, arg);
    return RMN_ERROR(RMN_ENOTFOUND, "%s: no parameter called %s", net->arch, tensor);
}

int rmn_net_set_init_op(rmn_net *net, int op, const char *what, rmn_init kind, double arg,
                        int *n) {
    if (net->finalized)
        return RMN_ERROR(RMN_EINVAL, "%s: set inits before finalizing", net->arch);
    int count = 0;
    const size_t wl = strlen(what);
    for (int i = 0; i < net->n_specs; ++i) {
        rmn_tensor_spec *s = &net->specs[i];
        const size_t nl = strlen(s->name);
        if ((int)net->nodes[s->node].op != op || nl <= wl + 1 || s->name[nl - wl - 1] != '.' ||
            strcmp(s->name + nl - wl, what) != 0)
            continue;
        RMN_TRY(set_init(net, s, kind, arg));
        ++count;
    }
    if (n)
        *n = count;
    return RMN_OK;
}

// --- finalizing: arenas, initialisation, tensor list -------------------------------------

int rmn_net_finalize(rmn_net *net, int logits, uint64_t seed) {
    RMN_TRY(check_open(net, logits));
    if (logits == 0 || net->values[logits].h != 1 || net->values[logits].w != 1)
        return RMN_ERROR(RMN_EINVAL, "%s: the output must be a (K,1,1) value", net->arch);
    net->params = rmn_net_aligned_zalloc(net->n_params * sizeof(float));
    net->grads = rmn_net_aligned_zalloc(net->n_params * sizeof(float));
    net->buffers = rmn_net_aligned_zalloc(net->n_buffers * sizeof(float));
    net->refs = calloc(net->n_specs ? net->n_specs : 1, sizeof *net->refs);
    if (!net->params || !net->grads || !net->buffers || !net->refs)
        return RMN_ERROR(RMN_ENOMEM, "%s: cannot allocate %zu parameters", net->arch,
                         net->n_params);
    rmn_rng rng;
    rmn_rng_init(&rng, seed, RMN_STREAM_INIT);
    for (int i = 0; i < net->n_specs; ++i) {
        const rmn_tensor_spec *s = &net->specs[i];
        rmn_init_tensor((s->trainable ? net->params : net->buffers) + s->off, s, &rng);
    }
    for (int i = 0; i < net->n_specs; ++i) {
        const rmn_tensor_spec *s = &net->specs[i];
        rmn_tensor_ref *r = &net->refs[i];
        r->name = s->name;
        r->ndim = s->ndim;
        memcpy(r->shape, s->shape, sizeof r->shape);
        r->data = (s->trainable ? net->params : net->buffers) + s->off;
        r->trainable = s->trainable;
    }
    net->logits = logits;
    RMN_TRY(rmn_net_name_values(net));
    net->finalized = 1;
    return RMN_OK;
}

// --- accessors and freeing ----------------------------------------------------------------

void rmn_net_free(rmn_net *net) {
    if (!net)
        return;
    if (net->backend && net->backend->state_free && net->backend_state)
        net->backend->state_free(net->backend_state);
    for (int i = 0; i < net->n_specs; ++i)
        free(net->specs[i].name);
    free(net->specs);
    free(net->refs);
    for (int i = 0; i < net->n_values; ++i)
        free(net->values[i].name);
    free(net->values);
    for (int i = 0; i < net->n_nodes; ++i)
        free(net->nodes[i].in);
    free(net->nodes);
    free(net->params);
    free(net->grads);
    free(net->buffers);
    free(net->act_arena);
    free(net->arch);
    free(net);
}

const char *rmn_net_arch(const rmn_net *net) { return net->arch; }
void rmn_net_input_shape(const rmn_net *net, int *c, int *h, int *w) {
    *c = net->values[0].c;
    *h = net->values[0].h;
    *w = net->values[0].w;
}
size_t rmn_net_param_count(const rmn_net *net) { return net->n_params; }
float *rmn_net_params(rmn_net *net) { return net->params; }
float *rmn_net_grads(rmn_net *net) { return net->grads; }
int rmn_net_input_affine(const rmn_net *net, const float **scale, const float **shift) {
    *scale = net->in_scale;
    *shift = net->in_shift;
    return net->in_affine;
}

int rmn_net_set_input_affine(rmn_net *net, const float *scale, const float *shift) {
    const int c = net->values[0].c;
    if (net->finalized || c > 4)
        return RMN_ERROR(RMN_EINVAL, "%s: an input affine is set before finalize, on at most 4 channels",
                         net->arch);
    memcpy(net->in_scale, scale, (size_t)c * sizeof *scale);
    memcpy(net->in_shift, shift, (size_t)c * sizeof *shift);
    net->in_affine = 1;
    return RMN_OK;
}

int rmn_net_num_classes(const rmn_net *net) {
    return net->logits > 0 ? net->values[net->logits].c : 0;
}

int rmn_net_tensors(rmn_net *net, const rmn_tensor_ref **list, int *n) {
    if (!net->finalized)
        return RMN_ERROR(RMN_EINVAL, "%s: graph not finalized", net->arch);
    *list = net->refs;
    *n = net->n_specs;
    return RMN_OK;
}

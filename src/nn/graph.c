/* graph.c -- building a network's graph, its arenas and named tensors (see graph.h), and the
 * accessors of net.h that do not run anything. */
#include "nn/graph.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

void *rmn_net_aligned_zalloc(size_t bytes) {
    size_t n = (bytes + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, n ? n : 64);
    if (p)
        memset(p, 0, n ? n : 64);
    return p;
}

size_t rmn_value_size(const rmn_value *v) { return (size_t)v->c * v->h * v->w; }

static char *fmt_name(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_name(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

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

static int append(rmn_net *net, rmn_op op, int x, int c, int h, int w, rmn_node **nd, int *y) {
    return append_n(net, op, &x, 1, c, h, w, nd, y);
}

/* Registers a named tensor of the parameter (trainable) or buffer arena for the last node;
 * returns its offset. The init defaults: uniform(1/sqrt(fan_in)) when fan_in > 0, else the
 * constant dflt. */
static int add_tensor(rmn_net *net, const char *layer, const char *what, int trainable,
                      int ndim, const int64_t *shape, size_t *off, int fan_in, int fan_out,
                      float dflt) {
    if (!layer || !*layer)
        return RMN_ERROR(RMN_EINVAL, "%s: a layer with parameters needs a name", net->arch);
    for (int i = 0; i < net->n_specs; ++i)
        if (strncmp(net->specs[i].name, layer, strlen(layer)) == 0 &&
            net->specs[i].name[strlen(layer)] == '.' &&
            strcmp(net->specs[i].name + strlen(layer) + 1, what) == 0)
            return RMN_ERROR(RMN_EINVAL, "%s: duplicate tensor %s.%s", net->arch, layer, what);
    if (net->n_specs == net->cap_specs) {
        int cap = net->cap_specs ? 2 * net->cap_specs : 32;
        rmn_tensor_spec *s = realloc(net->specs, cap * sizeof *s);
        if (!s)
            return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", net->arch);
        net->specs = s;
        net->cap_specs = cap;
    }
    rmn_tensor_spec *s = &net->specs[net->n_specs];
    *s = (rmn_tensor_spec){.ndim = ndim, .trainable = trainable, .count = 1,
                           .node = net->n_nodes - 1, .fan_in = fan_in, .fan_out = fan_out,
                           .init = RMN_INIT_DEFAULT};
    if (fan_in > 0) {
        s->def_init = RMN_INIT_UNIFORM;
        s->def_arg = 1.0 / sqrt((double)fan_in);
    } else {
        s->def_init = RMN_INIT_CONSTANT;
        s->def_arg = dflt;
    }
    if (!(s->name = fmt_name("%s.%s", layer, what)))
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", net->arch);
    for (int i = 0; i < ndim; ++i) {
        s->shape[i] = shape[i];
        s->count *= (size_t)shape[i];
    }
    size_t *total = trainable ? &net->n_params : &net->n_buffers;
    s->off = *off = *total;
    *total += s->count;
    net->n_specs++;
    return RMN_OK;
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
    const rmn_value in = net->values[x];
    rmn_conv2d_shape sh;
    RMN_TRY(rmn_conv2d_shape_full(&sh, 1, in.c, in.h, in.w, out_channels, p));
    rmn_node *nd;
    RMN_TRY(append(net, RMN_OP_CONV2D, x, out_channels, sh.p, sh.q, &nd, y));
    nd->conv = conv_defaults(p);
    const int g = nd->conv.groups, rs = p->kh * p->kw;
    const int64_t ws[4] = {out_channels, in.c / g, p->kh, p->kw}, bs[1] = {out_channels};
    const int fan_in = in.c / g * rs, fan_out = out_channels * rs;
    RMN_TRY(add_tensor(net, name, "weight", 1, 4, ws, &nd->w_off, fan_in, fan_out, 0.0f));
    if (bias)
        RMN_TRY(add_tensor(net, name, "bias", 1, 1, bs, &nd->b_off, fan_in, fan_out, 0.0f));
    return RMN_OK;
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
    const rmn_value in = net->values[x];
    rmn_convt2d_shape sh;
    RMN_TRY(rmn_convt2d_shape_full(&sh, 1, in.c, in.h, in.w, out_channels, p, out_pad_h,
                                   out_pad_w));
    rmn_node *nd;
    RMN_TRY(append(net, RMN_OP_CONVT2D, x, out_channels, sh.p, sh.q, &nd, y));
    nd->conv = conv_defaults(p);
    nd->out_pad_h = out_pad_h;
    nd->out_pad_w = out_pad_w;
    const int g = nd->conv.groups, rs = p->kh * p->kw;
    const int64_t ws[4] = {in.c, out_channels / g, p->kh, p->kw}, bs[1] = {out_channels};
    /* PyTorch's fans of a (C_in, C_out/g, kh, kw) weight: fan_in from dim 1, fan_out dim 0 */
    const int fan_in = out_channels / g * rs, fan_out = in.c * rs;
    RMN_TRY(add_tensor(net, name, "weight", 1, 4, ws, &nd->w_off, fan_in, fan_out, 0.0f));
    if (bias)
        RMN_TRY(add_tensor(net, name, "bias", 1, 1, bs, &nd->b_off, fan_in, fan_out, 0.0f));
    return RMN_OK;
}

/* --- normalisation, activations --------------------------------------------------------- */

int rmn_net_add_bn2d_ex(rmn_net *net, const char *name, int x, double momentum, double eps,
                        int *y) {
    RMN_TRY(check_open(net, x));
    if (!(momentum >= 0.0 && momentum <= 1.0) || !(eps > 0.0))
        return RMN_ERROR(RMN_EINVAL, "%s: batch norm %s: momentum %g outside [0,1] or eps %g "
                         "not positive", net->arch, name ? name : "?", momentum, eps);
    const rmn_value in = net->values[x];
    rmn_node *nd;
    RMN_TRY(append(net, RMN_OP_BN2D, x, in.c, in.h, in.w, &nd, y));
    nd->momentum = momentum;
    nd->eps = eps;
    const int64_t cs[1] = {in.c};
    RMN_TRY(add_tensor(net, name, "weight", 1, 1, cs, &nd->w_off, 0, 0, 1.0f));
    RMN_TRY(add_tensor(net, name, "bias", 1, 1, cs, &nd->b_off, 0, 0, 0.0f));
    RMN_TRY(add_tensor(net, name, "running_mean", 0, 1, cs, &nd->rm_off, 0, 0, 0.0f));
    RMN_TRY(add_tensor(net, name, "running_var", 0, 1, cs, &nd->rv_off, 0, 0, 1.0f));
    return RMN_OK;
}

int rmn_net_add_bn2d(rmn_net *net, const char *name, int x, int *y) {
    return rmn_net_add_bn2d_ex(net, name, x, 0.1, 1e-5, y);
}

/* A node whose output has the shape of its input. */
static int add_same(rmn_net *net, rmn_op op, int x, rmn_node **nd, int *y) {
    RMN_TRY(check_open(net, x));
    const rmn_value in = net->values[x];
    return append(net, op, x, in.c, in.h, in.w, nd, y);
}

int rmn_net_add_relu(rmn_net *net, int x, int *y) {
    rmn_node *nd;
    return add_same(net, RMN_OP_RELU, x, &nd, y);
}

int rmn_net_add_act(rmn_net *net, int x, rmn_act act, int *y) {
    if (act == RMN_ACT_RELU)
        return rmn_net_add_relu(net, x, y);
    if (act < RMN_ACT_RELU || act > RMN_ACT_TANH)
        return RMN_ERROR(RMN_EINVAL, "%s: unknown activation %d", net->arch, (int)act);
    rmn_node *nd;
    RMN_TRY(add_same(net, RMN_OP_ACT, x, &nd, y));
    nd->act = act;
    return RMN_OK;
}

int rmn_net_add_softmax_channels(rmn_net *net, int x, int *y) {
    rmn_node *nd;
    return add_same(net, RMN_OP_SOFTMAX_CH, x, &nd, y);
}

int rmn_net_add_dropout(rmn_net *net, int x, float p, int *y) {
    RMN_TRY(check_open(net, x));
    if (!(p >= 0.0f && p < 1.0f))
        return RMN_ERROR(RMN_EINVAL, "%s: dropout probability %g outside [0,1)", net->arch,
                         (double)p);
    rmn_node *nd;
    RMN_TRY(add_same(net, RMN_OP_DROPOUT, x, &nd, y));
    nd->p = p;
    return RMN_OK;
}

/* --- pooling, resizing ------------------------------------------------------------------- */

static int add_pool(rmn_net *net, rmn_op op, int x, const rmn_pool_params *p, int *y) {
    RMN_TRY(check_open(net, x));
    const rmn_value in = net->values[x];
    rmn_pool2d_shape sh;
    RMN_TRY(rmn_pool2d_shape_full(&sh, 1, in.c, in.h, in.w, p));
    rmn_node *nd;
    RMN_TRY(append(net, op, x, in.c, sh.p, sh.q, &nd, y));
    nd->pool = *p;
    nd->pool.stride_h = sh.stride_h;
    nd->pool.stride_w = sh.stride_w;
    return RMN_OK;
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
    rmn_node *nd;
    return append(net, RMN_OP_ADAPTIVE_AVGPOOL2D, x, net->values[x].c, oh, ow, &nd, y);
}

int rmn_net_add_gap(rmn_net *net, int x, int *y) {
    RMN_TRY(check_open(net, x));
    rmn_node *nd;
    return append(net, RMN_OP_GAP, x, net->values[x].c, 1, 1, &nd, y);
}

int rmn_net_add_resize_bilinear(rmn_net *net, int x, int oh, int ow, int *y) {
    RMN_TRY(check_open(net, x));
    if (oh < 1 || ow < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: bilinear resize to %dx%d", net->arch, oh, ow);
    rmn_node *nd;
    return append(net, RMN_OP_RESIZE_BILINEAR, x, net->values[x].c, oh, ow, &nd, y);
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
        va = &net->values[a];
    }
    const int xs[2] = {a, b};
    rmn_node *nd;
    RMN_TRY(append_n(net, RMN_OP_BINARY, xs, 2, va->c, va->h, va->w, &nd, y));
    nd->binary = op;
    return RMN_OK;
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
    int c = 0;
    for (int i = 0; i < n; ++i) {
        RMN_TRY(check_open(net, xs[i]));
        const rmn_value *v = &net->values[xs[i]], *v0 = &net->values[xs[0]];
        if (v->h != v0->h || v->w != v0->w)
            return RMN_ERROR(RMN_EINVAL, "%s: concat of %dx%d and %dx%d maps", net->arch,
                             v0->h, v0->w, v->h, v->w);
        c += v->c;
    }
    rmn_node *nd;
    return append_n(net, RMN_OP_CONCAT, xs, n, c, net->values[xs[0]].h, net->values[xs[0]].w,
                    &nd, y);
}

int rmn_net_add_flatten(rmn_net *net, int x, int *y) {
    RMN_TRY(check_open(net, x));
    rmn_node *nd;
    return append(net, RMN_OP_FLATTEN, x, (int)rmn_value_size(&net->values[x]), 1, 1, &nd, y);
}

int rmn_net_add_channel_mean(rmn_net *net, int x, int *y) {
    RMN_TRY(check_open(net, x));
    rmn_node *nd;
    return append(net, RMN_OP_CHAN_MEAN, x, 1, net->values[x].h, net->values[x].w, &nd, y);
}

int rmn_net_add_channel_max(rmn_net *net, int x, int *y) {
    RMN_TRY(check_open(net, x));
    rmn_node *nd;
    return append(net, RMN_OP_CHAN_MAX, x, 1, net->values[x].h, net->values[x].w, &nd, y);
}

int rmn_net_add_linear(rmn_net *net, const char *name, int x, int out_features, int bias,
                       int *y) {
    RMN_TRY(check_open(net, x));
    const int in = (int)rmn_value_size(&net->values[x]);
    rmn_node *nd;
    RMN_TRY(append(net, RMN_OP_LINEAR, x, out_features, 1, 1, &nd, y));
    const int64_t ws[2] = {out_features, in}, bs[1] = {out_features};
    RMN_TRY(add_tensor(net, name, "weight", 1, 2, ws, &nd->w_off, in, out_features, 0.0f));
    if (bias)
        RMN_TRY(add_tensor(net, name, "bias", 1, 1, bs, &nd->b_off, in, out_features, 0.0f));
    return RMN_OK;
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

/* graph.c -- building a network's graph, its arenas and named tensors (see graph.h), and the
 * accessors of net.h that do not run anything. */
#include "nn/graph.h"

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
    net->backend = rmn_backend_default();
    rmn_backend_resolve(net->backend, &net->ops);
    net->logits = -1;
    net->values = calloc(16, sizeof *net->values);
    if (!net->values) {
        rmn_net_free(net);
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", arch);
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

/* Appends value (c,h,w) and a node of op reading x; returns the node through *nd. */
static int append(rmn_net *net, rmn_op op, int x, int c, int h, int w, rmn_node **nd, int *y) {
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
    net->values[net->n_values] = (rmn_value){.c = c, .h = h, .w = w};
    rmn_node *node = &net->nodes[net->n_nodes++];
    *node = (rmn_node){.op = op, .in = {x, -1}, .n_in = 1, .out = net->n_values,
                       .w_off = RMN_NET_NONE, .b_off = RMN_NET_NONE,
                       .rm_off = RMN_NET_NONE, .rv_off = RMN_NET_NONE};
    *y = net->n_values++;
    *nd = node;
    return RMN_OK;
}

/* Registers a named tensor of the parameter (trainable) or buffer arena; returns its offset. */
static int add_tensor(rmn_net *net, const char *layer, const char *what, int trainable,
                      int ndim, const int64_t *shape, size_t *off) {
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
    *s = (rmn_tensor_spec){.ndim = ndim, .trainable = trainable, .count = 1};
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

int rmn_net_add_conv2d(rmn_net *net, const char *name, int x, int out_channels, int kernel,
                       int stride, int pad, int bias, int *y) {
    RMN_TRY(check_open(net, x));
    const rmn_value in = net->values[x];
    rmn_conv2d_shape sh;
    RMN_TRY(rmn_conv2d_shape_init(&sh, 1, in.c, in.h, in.w, out_channels, kernel, stride, pad));
    rmn_node *nd;
    RMN_TRY(append(net, RMN_OP_CONV2D, x, out_channels, sh.p, sh.q, &nd, y));
    nd->kernel = kernel;
    nd->stride = stride;
    nd->pad = pad;
    const int64_t ws[4] = {out_channels, in.c, kernel, kernel}, bs[1] = {out_channels};
    RMN_TRY(add_tensor(net, name, "weight", 1, 4, ws, &nd->w_off));
    if (bias)
        RMN_TRY(add_tensor(net, name, "bias", 1, 1, bs, &nd->b_off));
    return RMN_OK;
}

int rmn_net_add_bn2d(rmn_net *net, const char *name, int x, int *y) {
    RMN_TRY(check_open(net, x));
    const rmn_value in = net->values[x];
    rmn_node *nd;
    RMN_TRY(append(net, RMN_OP_BN2D, x, in.c, in.h, in.w, &nd, y));
    nd->momentum = 0.1;
    nd->eps = 1e-5;
    const int64_t cs[1] = {in.c};
    RMN_TRY(add_tensor(net, name, "weight", 1, 1, cs, &nd->w_off));
    RMN_TRY(add_tensor(net, name, "bias", 1, 1, cs, &nd->b_off));
    RMN_TRY(add_tensor(net, name, "running_mean", 0, 1, cs, &nd->rm_off));
    RMN_TRY(add_tensor(net, name, "running_var", 0, 1, cs, &nd->rv_off));
    return RMN_OK;
}

int rmn_net_add_relu(rmn_net *net, int x, int *y) {
    RMN_TRY(check_open(net, x));
    const rmn_value in = net->values[x];
    rmn_node *nd;
    return append(net, RMN_OP_RELU, x, in.c, in.h, in.w, &nd, y);
}

int rmn_net_add_maxpool2d(rmn_net *net, int x, int kernel, int stride, int pad, int *y) {
    RMN_TRY(check_open(net, x));
    const rmn_value in = net->values[x];
    rmn_pool2d_shape sh;
    RMN_TRY(rmn_pool2d_shape_init(&sh, 1, in.c, in.h, in.w, kernel, stride, pad));
    rmn_node *nd;
    RMN_TRY(append(net, RMN_OP_MAXPOOL2D, x, in.c, sh.p, sh.q, &nd, y));
    nd->kernel = kernel;
    nd->stride = stride;
    nd->pad = pad;
    return RMN_OK;
}

int rmn_net_add_gap(rmn_net *net, int x, int *y) {
    RMN_TRY(check_open(net, x));
    rmn_node *nd;
    return append(net, RMN_OP_GAP, x, net->values[x].c, 1, 1, &nd, y);
}

int rmn_net_add_dropout(rmn_net *net, int x, float p, int *y) {
    RMN_TRY(check_open(net, x));
    if (!(p >= 0.0f && p < 1.0f))
        return RMN_ERROR(RMN_EINVAL, "%s: dropout probability %g outside [0,1)", net->arch,
                         (double)p);
    const rmn_value in = net->values[x];
    rmn_node *nd;
    RMN_TRY(append(net, RMN_OP_DROPOUT, x, in.c, in.h, in.w, &nd, y));
    nd->p = p;
    return RMN_OK;
}

int rmn_net_add_linear(rmn_net *net, const char *name, int x, int out_features, int bias,
                       int *y) {
    RMN_TRY(check_open(net, x));
    const int in = (int)rmn_value_size(&net->values[x]);
    rmn_node *nd;
    RMN_TRY(append(net, RMN_OP_LINEAR, x, out_features, 1, 1, &nd, y));
    const int64_t ws[2] = {out_features, in}, bs[1] = {out_features};
    RMN_TRY(add_tensor(net, name, "weight", 1, 2, ws, &nd->w_off));
    if (bias)
        RMN_TRY(add_tensor(net, name, "bias", 1, 1, bs, &nd->b_off));
    return RMN_OK;
}

// --- finalizing: arenas, initialisation, tensor list -------------------------------------

static int fan_in_of(const rmn_net *net, const rmn_node *nd) {
    const rmn_value *in = &net->values[nd->in[0]];
    if (nd->op == RMN_OP_CONV2D)
        return in->c * nd->kernel * nd->kernel;
    return (int)rmn_value_size(in);
}

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
    for (int i = 0; i < net->n_nodes; ++i) {
        const rmn_node *nd = &net->nodes[i];
        const rmn_value *out = &net->values[nd->out];
        switch (nd->op) {
        case RMN_OP_CONV2D:
        case RMN_OP_LINEAR: {
            const int fan_in = fan_in_of(net, nd);
            rmn_init_uniform_fan_in(net->params + nd->w_off, (size_t)out->c * fan_in, fan_in,
                                    &rng);
            if (nd->b_off != RMN_NET_NONE)
                rmn_init_uniform_fan_in(net->params + nd->b_off, (size_t)out->c, fan_in, &rng);
            break;
        }
        case RMN_OP_BN2D:
            for (int c = 0; c < out->c; ++c) {
                net->params[nd->w_off + c] = 1.0f;
                net->params[nd->b_off + c] = 0.0f;
                net->buffers[nd->rm_off + c] = 0.0f;
                net->buffers[nd->rv_off + c] = 1.0f;
            }
            break;
        default:
            break;
        }
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
    free(net->values);
    free(net->nodes);
    free(net->params);
    free(net->grads);
    free(net->buffers);
    free(net->act_arena);
    free(net->arch);
    free(net);
}

const char *rmn_net_arch(const rmn_net *net) { return net->arch; }
size_t rmn_net_param_count(const rmn_net *net) { return net->n_params; }
float *rmn_net_params(rmn_net *net) { return net->params; }
float *rmn_net_grads(rmn_net *net) { return net->grads; }
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

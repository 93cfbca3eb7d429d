/* values.c -- the net's values by name, and reading their activations and gradients in plain
 * NCHW (see "looking inside" in net.h). Read-only with respect to training: nothing here runs
 * during a forward or backward, and the planned layouts and fusions are only consulted. */
#include "nn/op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tensor/blocked16.h"

static const char *op_name(const rmn_node *nd) {
    const rmn_op_desc *d = rmn_op_of(nd);
    return d->label ? d->label(nd) : d->name;
}

static int name_taken(const rmn_net *net, const char *name, int except) {
    for (int v = 0; v < net->n_values; ++v)
        if (v != except && net->values[v].name && strcmp(net->values[v].name, name) == 0)
            return 1;
    return 0;
}

int rmn_net_name_value(rmn_net *net, int v, const char *name) {
    if (v < 0 || v >= net->n_values || !name || !*name)
        return RMN_ERROR(RMN_EINVAL, "%s: cannot name value %d", net->arch, v);
    if (name_taken(net, name, v))
        return RMN_ERROR(RMN_EINVAL, "%s: two values named '%s'", net->arch, name);
    char *s = strdup(name);
    if (!s)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", net->arch);
    free(net->values[v].name);
    net->values[v].name = s;
    return RMN_OK;
}

/* The layer name of node i's first tensor ("layer1.0.conv1" of "layer1.0.conv1.weight"), or
 * NULL when the node has no tensors. */
static int layer_name(const rmn_net *net, int i, char *buf, size_t size) {
    for (int t = 0; t < net->n_specs; ++t) {
        const rmn_tensor_spec *s = &net->specs[t];
        if (s->node != i)
            continue;
        const char *dot = strrchr(s->name, '.');
        const size_t n = dot ? (size_t)(dot - s->name) : strlen(s->name);
        snprintf(buf, size, "%.*s", (int)n, s->name);
        return 1;
    }
    return 0;
}

int rmn_net_name_values(rmn_net *net) {
    if (!net->values[0].name)
        RMN_TRY(rmn_net_name_value(net, 0, "input"));
    for (int i = 0; i < net->n_nodes; ++i) {
        const rmn_node *nd = &net->nodes[i];
        if (net->values[nd->out].name)
            continue;
        char base[512], name[600];
        if (!layer_name(net, i, base, sizeof base))
            snprintf(base, sizeof base, "%s.%s", net->values[nd->in[0]].name, op_name(nd));
        snprintf(name, sizeof name, "%s", base);
        for (int k = 2; name_taken(net, name, nd->out); ++k)
            snprintf(name, sizeof name, "%s#%d", base, k);
        RMN_TRY(rmn_net_name_value(net, nd->out, name));
    }
    return RMN_OK;
}

int rmn_net_value_count(const rmn_net *net) { return net->n_values; }

const char *rmn_net_value_name(const rmn_net *net, int v) {
    return v >= 0 && v < net->n_values && net->values[v].name ? net->values[v].name : "?";
}

void rmn_net_value_shape(const rmn_net *net, int v, int *c, int *h, int *w) {
    const rmn_value *val = &net->values[v];
    *c = val->c;
    *h = val->h;
    *w = val->w;
}

int rmn_net_value_find(const rmn_net *net, const char *name, int *v) {
    for (int i = 0; i < net->n_values; ++i)
        if (net->values[i].name && strcmp(net->values[i].name, name) == 0) {
            *v = i;
            return RMN_OK;
        }
    return RMN_ERROR(RMN_ENOTFOUND, "%s: no layer named '%s' (see --list-layers)", net->arch,
                     name);
}

int rmn_net_value_last_spatial(const rmn_net *net) {
    /* the values the logits depend on (a mask that is built but never applied is not one) */
    unsigned char *live = calloc((size_t)net->n_values, 1);
    if (!live || net->logits < 0) {
        free(live);
        return -1;
    }
    live[net->logits] = 1;
    for (int i = net->n_nodes - 1; i >= 0; --i)
        if (live[net->nodes[i].out])
            for (int j = 0; j < net->nodes[i].n_in; ++j)
                live[net->nodes[i].in[j]] = 1;
    int best = -1;
    for (int i = 0; i < net->n_nodes; ++i) {
        const int o = net->nodes[i].out;
        const rmn_value *v = &net->values[o];
        if (live[o] && v->c > 1 && v->h * v->w > 1)
            best = o;
    }
    free(live);
    return best;
}

/* dst:(C, H*W) plain from one sample src of value val (blocked or plain) */
static void to_plain(float *dst, const float *src, const rmn_value *val) {
    const size_t hw = (size_t)val->h * val->w;
    for (int c = 0; c < val->c; ++c)
        for (size_t p = 0; p < hw; ++p)
            dst[(size_t)c * hw + p] = src[rmn_b16_at(val->blocked, c, p, hw)];
}

int rmn_net_value_read(const rmn_net *net, int v, int i, float *act, float *grad) {
    if (v < 0 || v >= net->n_values)
        return RMN_ERROR(RMN_EINVAL, "%s: no value %d", net->arch, v);
    const rmn_value *val = &net->values[v];
    if (i < 0 || i >= net->batch)
        return RMN_ERROR(RMN_EINVAL, "%s: sample %d outside the last forward's batch of %d",
                         net->arch, i, net->batch);
    if (!rmn_net_value_written(net, v))
        return RMN_ERROR(RMN_EINVAL, "%s: value '%s' was not written by the last forward "
                         "(fused away: use rmn_net_forward with training=0)", net->arch,
                         val->name);
    const size_t size = rmn_value_size(val);
    if (act)
        to_plain(act, val->data + (size_t)i * size, val);
    if (grad) {
        if (!net->backward_done || !val->grad)
            return RMN_ERROR(RMN_EINVAL, "%s: no gradient of '%s' (%s)", net->arch, val->name,
                             val->grad ? "no backward after the last forward" : "the input");
        to_plain(grad, val->grad + (size_t)i * size, val);
    }
    return RMN_OK;
}

// --- features for losses on them -----------------------------------------------------------

int rmn_net_value_classifier_input(const rmn_net *net) {
    for (int i = net->n_nodes - 1; i >= 0; --i)
        if (net->nodes[i].out == net->logits)
            return net->nodes[i].op == RMN_OP_LINEAR ? net->nodes[i].in[0] : -1;
    return -1;
}

const float *rmn_net_value_rows(const rmn_net *net, int v) {
    if (v < 0 || v >= net->n_values || net->batch < 1 || net->values[v].blocked ||
        !rmn_net_value_written(net, v))
        return NULL;
    return net->values[v].data;
}

int rmn_net_value_grad_add(rmn_net *net, int v, const float *g) {
    if (v <= 0 || v >= net->n_values)
        return RMN_ERROR(RMN_EINVAL, "%s: no gradient can be added to value %d", net->arch, v);
    const rmn_value *val = &net->values[v];
    if (val->blocked || !val->grad || !rmn_net_value_written(net, v))
        return RMN_ERROR(RMN_EINVAL, "%s: value '%s' is blocked or fused away: no gradient can "
                         "be added to it", net->arch, val->name);
    net->extra_v = v;
    net->extra_grad = g;
    return RMN_OK;
}

/* view.c -- the read-only view of a net's graph (nn/view.h): copies of its tensor specs and
 * nodes for the writers and readers outside nn/, which never see graph.h. */
#include "nn/view.h"

#include <string.h>

#include "core/error.h"
#include "nn/op.h"

int rmn_net_is_finalized(const rmn_net *net) { return net->finalized != 0; }

int rmn_net_logits_value(const rmn_net *net) { return net->finalized ? net->logits : -1; }

int rmn_net_tensor_view(const rmn_net *net, int i, rmn_tensor_view *out) {
    if (i < 0 || i >= net->n_specs)
        return RMN_ERROR(RMN_EINVAL, "%s: no tensor %d (%d tensors)", net->arch, i,
                         net->n_specs);
    const rmn_tensor_spec *s = &net->specs[i];
    memset(out, 0, sizeof *out);
    out->name = s->name;
    out->ndim = s->ndim;
    memcpy(out->shape, s->shape, sizeof out->shape);
    out->count = s->count;
    out->trainable = s->trainable;
    out->node = s->node;
    out->op = net->nodes[s->node].op;
    if (net->finalized)
        out->data = (s->trainable ? net->params : net->buffers) + s->off;
    return RMN_OK;
}

int rmn_net_tensor_write(rmn_net *net, int i, const float *src, size_t count) {
    if (i < 0 || i >= net->n_specs || !net->finalized || count != net->specs[i].count)
        return RMN_ERROR(RMN_EINVAL, "%s: cannot write %zu floats into tensor %d", net->arch,
                         count, i);
    const rmn_tensor_spec *s = &net->specs[i];
    memcpy((s->trainable ? net->params : net->buffers) + s->off, src, count * sizeof *src);
    return RMN_OK;
}

int rmn_net_node_count(const rmn_net *net) { return net->n_nodes; }

/* The tensor at arena offset off of the parameter (trainable) or buffer arena, by index (a
 * node may read another node's tensors: a shared linear layer), or RMN_NET_NO_TENSOR. */
static int tensor_at(const rmn_net *net, size_t off, int trainable) {
    if (off == RMN_NET_NONE)
        return RMN_NET_NO_TENSOR;
    for (int s = 0; s < net->n_specs; ++s)
        if (net->specs[s].off == off && net->specs[s].trainable == trainable)
            return s;
    return RMN_NET_NO_TENSOR;
}

int rmn_net_node_view(const rmn_net *net, int i, rmn_node_view *out) {
    if (i < 0 || i >= net->n_nodes)
        return RMN_ERROR(RMN_EINVAL, "%s: no node %d (%d nodes)", net->arch, i, net->n_nodes);
    const rmn_node *nd = &net->nodes[i];
    const rmn_op_desc *d = rmn_op_of(nd);
    memset(out, 0, sizeof *out);
    out->op = nd->op;
    out->label = d->label ? d->label(nd) : d->name;
    out->n_in = nd->n_in;
    out->in = nd->in;
    out->out = nd->out;
    out->out_c = nd->out_c;
    out->out_h = nd->out_h;
    out->out_w = nd->out_w;
    out->conv = nd->conv;
    out->out_pad_h = nd->out_pad_h;
    out->out_pad_w = nd->out_pad_w;
    out->pool = nd->pool;
    out->act = nd->act;
    out->binary = nd->binary;
    out->p = nd->p;
    out->momentum = nd->momentum;
    out->eps = nd->eps;
    out->weight = tensor_at(net, nd->w_off, 1);
    out->bias = tensor_at(net, nd->b_off, 1);
    out->running_mean = tensor_at(net, nd->rm_off, 0);
    out->running_var = tensor_at(net, nd->rv_off, 0);
    out->params_shared = nd->params_shared;
    return RMN_OK;
}

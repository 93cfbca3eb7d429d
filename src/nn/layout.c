/* layout.c -- which activations the graph keeps in oneDNN's blocked nChw16c layout (see
 * rmn_net_plan_layouts in graph.h). Between blocked layers no reorder runs: conv and batch
 * norm primitives read and write nChw16c directly, the element-wise ops do not care, max pool
 * and GAP have blocked kernels; concatenation of whole channel blocks is the same copy. Which
 * op accepts what is its descriptor's layout rule (nn/op.h). */
#include "core/env.h"
#include "nn/op.h"

#include <stdlib.h>
#include <string.h>

/* The op reads and writes values of one layout (every input and the output alike). */
static int coupled(const rmn_node *nd) {
    return (rmn_op_of(nd)->layout & RMN_OPL_COUPLED) != 0;
}

/* Operand v of nd (an input or the output) need not share the others' layout: a 1x1 value
 * beside a larger one (a broadcast input, a global pool's output), whose (N,C) memory reads
 * the same in either layout; or, where the op allows it, a one-channel input broadcast over
 * the channels, which its kernels read plain. */
static int neutral(const rmn_net *net, const rmn_node *nd, const rmn_value *v) {
    const rmn_value *a = &net->values[nd->in[0]], *out = &net->values[nd->out];
    if (v->h * v->w == 1 && (a->h * a->w > 1 || out->h * out->w > 1))
        return 1;
    return (rmn_op_of(nd)->layout & RMN_OPL_ONECH) && v != a && v != out && v->c == 1 &&
           out->c > 1;
}

/* Whether node nd accepts blocked values (as reader and, but for a reader-only op, writer). */
static int accepts(const rmn_net *net, const rmn_node *nd) {
    const rmn_op_desc *d = rmn_op_of(nd);
    return (d->layout & RMN_OPL_BLOCKED) && (!d->layout_ok || d->layout_ok(net, nd));
}

void rmn_net_plan_layouts(rmn_net *net) {
    const char *env = rmn_env_get("RMN_DNNL_BLOCKED");
    const int on = net->ops.blocked16 && !(env && strcmp(env, "0") == 0);
    for (int v = 0; v < net->n_values; ++v) {
        const rmn_value *val = &net->values[v];
        net->values[v].blocked = on && v != 0 && v != net->logits && val->c % 16 == 0 &&
                                 val->h * val->w > 1;
    }
    /* a value stays blocked only if its writer and all its readers accept it */
    for (int i = 0; i < net->n_nodes; ++i) {
        const rmn_node *nd = &net->nodes[i];
        if (accepts(net, nd) && !(rmn_op_of(nd)->layout & RMN_OPL_READER))
            continue;
        net->values[nd->out].blocked = 0;
        if (!accepts(net, nd))
            for (int j = 0; j < nd->n_in; ++j)
                net->values[nd->in[j]].blocked = 0;
    }
    /* operands of coupled ops agree: any plain one makes them all plain (to a fixed point);
     * neutral ones do not count */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < net->n_nodes; ++i) {
            const rmn_node *nd = &net->nodes[i];
            if (!coupled(nd))
                continue;
            const rmn_value *out = &net->values[nd->out];
            int all = out->blocked || neutral(net, nd, out);
            for (int j = 0; j < nd->n_in; ++j) {
                const rmn_value *v = &net->values[nd->in[j]];
                all = all && (v->blocked || neutral(net, nd, v));
            }
            if (all)
                continue;
            for (int j = 0; j <= nd->n_in; ++j) {
                rmn_value *v = &net->values[j < nd->n_in ? nd->in[j] : nd->out];
                changed |= v->blocked;
                v->blocked = 0;
            }
        }
    }
}

unsigned rmn_net_node_layout(const rmn_net *net, const rmn_node *nd) {
    return (net->values[nd->in[0]].blocked ? RMN_LAYOUT_X16 : 0u) |
           (net->values[nd->out].blocked ? RMN_LAYOUT_Y16 : 0u);
}

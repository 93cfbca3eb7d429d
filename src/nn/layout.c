/* layout.c -- which activations the graph keeps in oneDNN's blocked nChw16c layout (see
 * rmn_net_plan_layouts in graph.h). Between blocked layers no reorder runs: conv and batch
 * norm primitives read and write nChw16c directly, the element-wise ops do not care, max pool
 * and GAP have blocked kernels; concatenation of whole channel blocks is the same copy. */
#include "core/env.h"
#include "nn/graph.h"

#include <stdlib.h>
#include <string.h>

/* The op reads and writes values of one layout (every input and the output alike). */
static int coupled(rmn_op op) {
    return op == RMN_OP_BN2D || op == RMN_OP_RELU || op == RMN_OP_ACT || op == RMN_OP_BINARY ||
           op == RMN_OP_MAXPOOL2D || op == RMN_OP_CONCAT;
}

/* Whether node nd accepts blocked values (as reader and, but for GAP, writer). */
static int accepts(const rmn_net *net, const rmn_node *nd) {
    if (nd->op == RMN_OP_BINARY) { /* no broadcasting: both operands have the output's shape */
        const rmn_value *a = &net->values[nd->in[0]], *b = &net->values[nd->in[1]];
        return a->c == b->c && a->h == b->h && a->w == b->w;
    }
    if (nd->op == RMN_OP_CONCAT) { /* a sample's channel blocks are contiguous: with every part
                                      a whole number of blocks, concat copies as in NCHW */
        for (int j = 0; j < nd->n_in; ++j)
            if (net->values[nd->in[j]].c % 16 != 0)
                return 0;
        return 1;
    }
    return nd->op == RMN_OP_CONV2D || nd->op == RMN_OP_CONVT2D || nd->op == RMN_OP_GAP ||
           coupled(nd->op);
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
        if (accepts(net, nd) && nd->op != RMN_OP_GAP)
            continue;
        net->values[nd->out].blocked = 0;
        if (!accepts(net, nd))
            for (int j = 0; j < nd->n_in; ++j)
                net->values[nd->in[j]].blocked = 0;
    }
    /* operands of coupled ops agree: any plain one makes them all plain (to a fixed point) */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < net->n_nodes; ++i) {
            const rmn_node *nd = &net->nodes[i];
            if (!coupled(nd->op))
                continue;
            int all = net->values[nd->out].blocked;
            for (int j = 0; j < nd->n_in; ++j)
                all = all && net->values[nd->in[j]].blocked;
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

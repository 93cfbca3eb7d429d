/* fresh.c -- which gradients a backward call may write instead of add to (see rmn_exec.fresh).
 *
 * A value's gradient is the sum of what its readers send back. Instead of zeroing every
 * gradient before the backward pass and adding into it, the first reader in backward order
 * writes it ("fresh") when the backend's entry for that op can, and only gradients whose first
 * writer cannot are zeroed, right before it runs (hot in cache, one at a time). Parameter
 * gradients likewise: a parameter of one node is written fresh by it when it can; a parameter
 * that several nodes share (rmn_net_add_linear_shared) is zeroed first and every node adds. */
#include "nn/op.h"

#include <string.h>

/* The RMN_FRESH_OP_* bit of node nd's backward entry, or 0 when it has none (the op's
 * fresh-gradient rule, nn/op.h). */
static unsigned op_bit(const rmn_net *net, const rmn_node *nd) {
    const rmn_op_desc *d = rmn_op_of(nd);
    return d->fresh_op && (!d->fresh_ok || d->fresh_ok(net, nd)) ? d->fresh_op : 0u;
}

static int can_fresh(const rmn_net *net, const rmn_node *nd) {
    const unsigned bit = op_bit(net, nd);
    return bit && (net->ops.fresh_ops & bit);
}

static void zero(float *p, size_t count, int nthreads) {
    (void)nthreads;
    const long chunks = (long)((count + 65535) / 65536);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && chunks > 1)
    for (long k = 0; k < chunks; ++k) {
        const size_t lo = (size_t)k * 65536, hi = lo + 65536 < count ? lo + 65536 : count;
        memset(p + lo, 0, (hi - lo) * sizeof(float));
    }
}

void rmn_net_grads_begin(rmn_net *net) {
    for (int v = 0; v < net->n_values; ++v)
        net->values[v].grad_live = v == net->logits; /* the loss wrote the logits' gradient */
    for (int t = 0; t < net->n_specs; ++t) {
        const rmn_tensor_spec *s = &net->specs[t];
        if (s->trainable && (!can_fresh(net, &net->nodes[s->node]) || net->nodes[s->node].params_shared))
            zero(net->grads + s->off, s->count, net->nthreads);
    }
}

unsigned rmn_net_grads_claim(rmn_net *net, int i, int n, int dy_value) {
    const rmn_node *nd = &net->nodes[i];
    rmn_value *out = &net->values[dy_value];
    if (!out->grad_live) { /* nobody read this value: its gradient is zero */
        zero(out->grad, (size_t)n * rmn_value_size(out), net->nthreads);
        out->grad_live = 1;
    }
    const int fresh_ok = can_fresh(net, nd);
    unsigned fresh = fresh_ok && !nd->params_shared && (nd->w_off != RMN_NET_NONE || nd->b_off != RMN_NET_NONE)
                         ? RMN_FRESH_DW
                         : 0u;
    for (int j = 0; j < nd->n_in; ++j) {
        rmn_value *v = &net->values[nd->in[j]];
        if (!v->grad || v->grad_live)
            continue;
        v->grad_live = 1;
        if (fresh_ok && j < 2)
            fresh |= j == 0 ? RMN_FRESH_DX : RMN_FRESH_DX2;
        else
            zero(v->grad, (size_t)n * rmn_value_size(v), net->nthreads);
    }
    return fresh;
}

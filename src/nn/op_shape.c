/* op_shape.c -- the op descriptors of concatenation along channels and flatten (see
 * nn/op.h). */
#include "nn/op.h"

#include <string.h>

#include "core/error.h"

// --- concat: n >= 1 values (C_j,H,W) -> (sum C_j,H,W) ----------------------------------------

static int concat_infer(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w) {
    int sum = 0;
    for (int j = 0; j < nd->n_in; ++j)
        sum += net->values[nd->in[j]].c;
    *c = sum, *h = net->values[nd->in[0]].h, *w = net->values[nd->in[0]].w;
    return RMN_OK;
}

static int concat_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                      rmn_rng *rng) {
    (void)training, (void)rng;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    const int hw = in->h * in->w;
    for (int j = 0, c0 = 0; j < nd->n_in; ++j) {
        const rmn_value *v = &net->values[nd->in[j]];
        net->ops.concat_forward(ex, out->data, v->data, n, out->c, c0, v->c, hw);
        c0 += v->c;
    }
    return RMN_OK;
}

static int concat_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    const int hw = in->h * in->w;
    for (int j = 0, c0 = 0; j < nd->n_in; ++j) {
        const rmn_value *v = &net->values[nd->in[j]];
        if (v->grad)
            net->ops.concat_backward(ex, v->grad, out->grad, n, out->c, c0, v->c, hw);
        c0 += v->c;
    }
    return RMN_OK;
}

/* a sample's channel blocks are contiguous: with every part a whole number of blocks, concat
 * copies as in NCHW */
static int concat_layout_ok(const rmn_net *net, const rmn_node *nd) {
    for (int j = 0; j < nd->n_in; ++j)
        if (net->values[nd->in[j]].c % 16 != 0)
            return 0;
    return 1;
}

const rmn_op_desc rmn_op_concat = {
    .name = "cat", .arity = RMN_OP_VARIADIC, .infer = concat_infer, .forward = concat_fwd,
    .backward = concat_bwd, .layout = RMN_OPL_BLOCKED | RMN_OPL_COUPLED,
    .layout_ok = concat_layout_ok,
};

// --- flatten: (C,H,W) -> (C*H*W,1,1) ---------------------------------------------------------

static int flatten_infer(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w) {
    *c = (int)rmn_value_size(&net->values[nd->in[0]]), *h = 1, *w = 1;
    return RMN_OK;
}

static int flatten_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                       rmn_rng *rng) {
    (void)ex, (void)training, (void)rng;
    const rmn_value *out = &net->values[nd->out];
    memcpy(out->data, net->values[nd->in[0]].data,
           (size_t)n * rmn_value_size(out) * sizeof(float));
    return RMN_OK;
}

static int flatten_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)ex, (void)fused;
    const rmn_value *out = &net->values[nd->out];
    const size_t count = (size_t)n * rmn_value_size(out);
    float *dx = net->values[nd->in[0]].grad;
    const float *dy = out->grad;
    for (size_t j = 0; dx && j < count; ++j)
        dx[j] += dy[j];
    return RMN_OK;
}

const rmn_op_desc rmn_op_flatten = {
    .name = "flatten", .arity = 1, .infer = flatten_infer, .forward = flatten_fwd,
    .backward = flatten_bwd,
};

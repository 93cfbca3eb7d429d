/* op_eltwise.c -- the op descriptors of the element-wise ops (see nn/op.h): relu, act
 * (sigmoid, tanh, silu, relu6), softmax over channels, binary add / mul / mask_mul with
 * broadcasting (and the residual add's fusion with a following ReLU). */
#include "nn/op.h"

#include "core/error.h"

static int same_infer(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w) {
    const rmn_value *in = &net->values[nd->in[0]];
    *c = in->c, *h = in->h, *w = in->w;
    return RMN_OK;
}

// --- relu: (C,H,W) -> (C,H,W) -------------------------------------------------------------

static int relu_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                    rmn_rng *rng) {
    (void)training, (void)rng;
    const rmn_value *out = &net->values[nd->out];
    net->ops.relu_forward(ex, out->data, net->values[nd->in[0]].data,
                          (size_t)n * rmn_value_size(out));
    return RMN_OK;
}

static int relu_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    if (in->grad)
        net->ops.relu_backward(ex, in->grad, out->grad, in->data,
                               (size_t)n * rmn_value_size(out));
    return RMN_OK;
}

const rmn_op_desc rmn_op_relu = {
    .name = "relu", .arity = 1, .infer = same_infer, .forward = relu_fwd, .backward = relu_bwd,
    .layout = RMN_OPL_BLOCKED | RMN_OPL_COUPLED, .fresh_op = RMN_FRESH_OP_RELU,
};

// --- act: (C,H,W) -> (C,H,W), nd->act ---------------------------------------------------------

static int act_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                   rmn_rng *rng) {
    (void)training, (void)rng;
    const rmn_value *out = &net->values[nd->out];
    net->ops.act_forward(ex, out->data, net->values[nd->in[0]].data,
                         (size_t)n * rmn_value_size(out), nd->act);
    return RMN_OK;
}

static int act_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    if (in->grad)
        net->ops.act_backward(ex, in->grad, out->grad, in->data, out->data,
                              (size_t)n * rmn_value_size(out), nd->act);
    return RMN_OK;
}

const rmn_op_desc rmn_op_act = {
    .name = "act", .arity = 1, .infer = same_infer, .forward = act_fwd, .backward = act_bwd,
    .layout = RMN_OPL_BLOCKED | RMN_OPL_COUPLED,
};

// --- softmax over the channels of each pixel: (C,H,W) -> (C,H,W) ---------------------------

static int softmax_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                       rmn_rng *rng) {
    (void)training, (void)rng;
    const rmn_value *in = &net->values[nd->in[0]];
    net->ops.softmax_ch_forward(ex, net->values[nd->out].data, in->data, n, in->c,
                                in->h * in->w);
    return RMN_OK;
}

static int softmax_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    if (in->grad)
        net->ops.softmax_ch_backward(ex, in->grad, out->grad, out->data, n, in->c,
                                     in->h * in->w);
    return RMN_OK;
}

const rmn_op_desc rmn_op_softmax_ch = {
    .name = "softmax", .arity = 1, .infer = same_infer, .forward = softmax_fwd,
    .backward = softmax_bwd,
};

// --- binary: a (C,H,W) op b (C,H,W or broadcasting) -> (C,H,W) ------------------------------

static rmn_bcast_shape bcast_shape(const rmn_net *net, const rmn_node *nd, int n) {
    const rmn_value *a = &net->values[nd->in[0]], *b = &net->values[nd->in[1]];
    rmn_bcast_shape sh;
    int rc = rmn_bcast_shape_init(&sh, n, a->c, a->h, a->w, b->c, b->h, b->w);
    RMN_ASSERT(rc == RMN_OK);
    return sh;
}

static const char *binary_label(const rmn_node *nd) {
    return nd->binary == RMN_BINARY_ADD ? "add" : nd->binary == RMN_BINARY_MUL ? "mul"
                                                                                : "mask_mul";
}

static int same_shape(const rmn_net *net, const rmn_node *nd) {
    const rmn_value *a = &net->values[nd->in[0]], *b = &net->values[nd->in[1]];
    return a->c == b->c && a->h == b->h && a->w == b->w;
}

static int binary_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                      rmn_rng *rng) {
    (void)training, (void)rng;
    rmn_bcast_shape sh = bcast_shape(net, nd, n);
    net->ops.binary_forward(ex, net->values[nd->out].data, net->values[nd->in[0]].data,
                            net->values[nd->in[1]].data, &sh, nd->binary);
    return RMN_OK;
}

static int binary_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    rmn_bcast_shape sh = bcast_shape(net, nd, n);
    const rmn_value *va = &net->values[nd->in[0]], *vb = &net->values[nd->in[1]];
    const rmn_value *out = &net->values[nd->out];
    if (fused) { /* dy: the fused ReLU output's gradient, masked by that output */
        const int i = (int)(nd - net->nodes);
        const rmn_value *r = &net->values[net->nodes[i + 1].out];
        net->ops.add_relu_backward(ex, va->grad, vb->grad, r->grad, r->data,
                                   (size_t)n * rmn_value_size(out));
    } else if (va->grad || vb->grad) {
        net->ops.binary_backward(ex, va->grad, vb->grad, out->grad, va->data, vb->data, &sh,
                                 nd->binary);
    }
    return RMN_OK;
}

/* Blocked: both operands of the output's shape; or the second broadcast over space, (C,1,1) --
 * a 1x1 value is the same memory in both layouts; or the second one channel broadcast over
 * the channels, (1,H,W), read plain (the dnnl backend's blocked16 kernels). */
static int binary_layout_ok(const rmn_net *net, const rmn_node *nd) {
    const rmn_value *a = &net->values[nd->in[0]], *b = &net->values[nd->in[1]];
    return same_shape(net, nd) || (b->c == a->c && b->h == 1 && b->w == 1) ||
           (b->c == 1 && a->c > 1 && b->h == a->h && b->w == a->w);
}

/* fresh: without broadcasting, of two distinct values */
static int binary_fresh_ok(const rmn_net *net, const rmn_node *nd) {
    return same_shape(net, nd) && nd->in[0] != nd->in[1];
}

/* a same-shape add of two distinct values, and a ReLU */
static int binary_relu_shape_ok(const rmn_net *net, const rmn_node *nd, rmn_act act) {
    return act == RMN_ACT_RELU && nd->binary == RMN_BINARY_ADD && nd->in[0] != nd->in[1] &&
           same_shape(net, nd);
}

static int binary_relu_ready(const rmn_net *net, const rmn_node *nd, int train) {
    (void)nd, (void)train;
    return net->ops.add_relu_forward && net->ops.add_relu_backward;
}

static void binary_relu_fwd(rmn_net *net, const rmn_exec *ex, int i, int n, int train) {
    (void)train;
    const rmn_node *nd = &net->nodes[i];
    const rmn_value *out = &net->values[nd->out];
    net->ops.add_relu_forward(ex, net->values[net->nodes[i + 1].out].data,
                              net->values[nd->in[0]].data, net->values[nd->in[1]].data,
                              (size_t)n * rmn_value_size(out));
}

const rmn_op_desc rmn_op_binary = {
    .name = "binary", .label = binary_label, .arity = 2, .infer = same_infer,
    .forward = binary_fwd, .backward = binary_bwd,
    .layout = RMN_OPL_BLOCKED | RMN_OPL_COUPLED | RMN_OPL_ONECH, .layout_ok = binary_layout_ok,
    .fresh_op = RMN_FRESH_OP_BINARY, .fresh_ok = binary_fresh_ok,
    .fuse_ok = binary_relu_shape_ok, .fuse_ready = binary_relu_ready,
    .fuse_forward = binary_relu_fwd,
};

/* op_pool.c -- the op descriptors of pooling, resizing and channel reductions (see nn/op.h):
 * max pool, average pool, adaptive average pool, global average pool, bilinear resize, mean and
 * max over channels. */
#include "nn/op.h"

#include "core/error.h"

rmn_pool2d_shape rmn_op_pool_shape(const rmn_net *net, const rmn_node *nd, int n) {
    const rmn_value *in = &net->values[nd->in[0]];
    rmn_pool2d_shape sh;
    int rc = rmn_pool2d_shape_full(&sh, n, in->c, in->h, in->w, &nd->pool);
    RMN_ASSERT(rc == RMN_OK); /* checked when the node was added */
    return sh;
}

/* the planned argmax of a node: (max_batch, out) int32 */
static void idx_plan(rmn_net *net, int i, rmn_carver *cv, int max_batch) {
    rmn_node *nd = &net->nodes[i];
    nd->idx = rmn_carve(cv, (size_t)max_batch * rmn_value_size(&net->values[nd->out]) *
                                sizeof(int32_t));
}

// --- max pool, average pool: (C,H,W) -> (C,P,Q) of nd->pool (strides filled in) -------------

static int pool_infer(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w) {
    const rmn_value *in = &net->values[nd->in[0]];
    rmn_pool2d_shape sh;
    RMN_TRY(rmn_pool2d_shape_full(&sh, 1, in->c, in->h, in->w, &nd->pool));
    *c = in->c, *h = sh.p, *w = sh.q;
    return RMN_OK;
}

static int maxpool_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                       rmn_rng *rng) {
    (void)training, (void)rng;
    rmn_pool2d_shape sh = rmn_op_pool_shape(net, nd, n);
    net->ops.maxpool2d_forward(ex, net->values[nd->out].data, nd->idx,
                               net->values[nd->in[0]].data, &sh);
    return RMN_OK;
}

static int maxpool_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    rmn_pool2d_shape sh = rmn_op_pool_shape(net, nd, n);
    float *dx = net->values[nd->in[0]].grad;
    if (dx)
        net->ops.maxpool2d_backward(ex, dx, net->values[nd->out].grad, nd->idx, &sh);
    return RMN_OK;
}

const rmn_op_desc rmn_op_maxpool2d = {
    .name = "maxpool", .arity = 1, .infer = pool_infer, .plan = idx_plan,
    .forward = maxpool_fwd, .backward = maxpool_bwd,
    .layout = RMN_OPL_BLOCKED | RMN_OPL_COUPLED, .fresh_op = RMN_FRESH_OP_MAXPOOL,
};

static int avgpool_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                       rmn_rng *rng) {
    (void)training, (void)rng;
    rmn_pool2d_shape sh = rmn_op_pool_shape(net, nd, n);
    net->ops.avgpool2d_forward(ex, net->values[nd->out].data, net->values[nd->in[0]].data, &sh);
    return RMN_OK;
}

static int avgpool_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    rmn_pool2d_shape sh = rmn_op_pool_shape(net, nd, n);
    float *dx = net->values[nd->in[0]].grad;
    if (dx)
        net->ops.avgpool2d_backward(ex, dx, net->values[nd->out].grad, &sh);
    return RMN_OK;
}

const rmn_op_desc rmn_op_avgpool2d = {
    .name = "avgpool", .arity = 1, .infer = pool_infer, .forward = avgpool_fwd,
    .backward = avgpool_bwd, .layout = RMN_OPL_BLOCKED | RMN_OPL_COUPLED,
};

// --- adaptive average pool, bilinear resize: (C,H,W) -> (C,out_h,out_w) ---------------------

static int resize_infer(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w) {
    *c = net->values[nd->in[0]].c, *h = nd->out_h, *w = nd->out_w;
    return RMN_OK;
}

static int adaptive_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                        rmn_rng *rng) {
    (void)training, (void)rng;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    net->ops.adaptive_avgpool2d_forward(ex, out->data, in->data, n, in->c, in->h, in->w,
                                        out->h, out->w);
    return RMN_OK;
}

static int adaptive_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    if (in->grad)
        net->ops.adaptive_avgpool2d_backward(ex, in->grad, out->grad, n, in->c, in->h, in->w,
                                             out->h, out->w);
    return RMN_OK;
}

const rmn_op_desc rmn_op_adaptive_avgpool2d = {
    .name = "adaptive_avgpool", .arity = 1, .infer = resize_infer, .forward = adaptive_fwd,
    .backward = adaptive_bwd,
};

static int resize_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                      rmn_rng *rng) {
    (void)training, (void)rng;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    net->ops.resize_bilinear_forward(ex, out->data, in->data, n, in->c, in->h, in->w, out->h,
                                     out->w);
    return RMN_OK;
}

static int resize_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    if (in->grad)
        net->ops.resize_bilinear_backward(ex, in->grad, out->grad, n, in->c, in->h, in->w,
                                          out->h, out->w);
    return RMN_OK;
}

/* Blocked output only from a 1x1 input (BAM's channel factors spread over the map): the input
 * is the same (N,C) memory in both layouts */
static int resize_layout_ok(const rmn_net *net, const rmn_node *nd) {
    const rmn_value *in = &net->values[nd->in[0]];
    return in->h == 1 && in->w == 1;
}

const rmn_op_desc rmn_op_resize_bilinear = {
    .name = "resize", .arity = 1, .infer = resize_infer, .forward = resize_fwd,
    .backward = resize_bwd, .layout = RMN_OPL_BLOCKED, .layout_ok = resize_layout_ok,
};

// --- global average pool: (C,H,W) -> (C,1,1) -------------------------------------------------

static int gap_infer(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w) {
    *c = net->values[nd->in[0]].c, *h = 1, *w = 1;
    return RMN_OK;
}

static int gap_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                   rmn_rng *rng) {
    (void)training, (void)rng;
    const rmn_value *in = &net->values[nd->in[0]];
    net->ops.gap_forward(ex, net->values[nd->out].data, in->data, n, in->c, in->h * in->w);
    return RMN_OK;
}

static int gap_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    const rmn_value *in = &net->values[nd->in[0]];
    if (in->grad)
        net->ops.gap_backward(ex, in->grad, net->values[nd->out].grad, n, in->c, in->h * in->w);
    return RMN_OK;
}

const rmn_op_desc rmn_op_gap = {
    .name = "gap", .arity = 1, .infer = gap_infer, .forward = gap_fwd, .backward = gap_bwd,
    /* a blocked reader: its (N,C,1,1) output is the same memory in both layouts, kept plain */
    .layout = RMN_OPL_BLOCKED | RMN_OPL_READER, .fresh_op = RMN_FRESH_OP_GAP,
};

// --- mean / max over channels: (C,H,W) -> (1,H,W) ---------------------------------------------

static int chan_infer(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w) {
    *c = 1, *h = net->values[nd->in[0]].h, *w = net->values[nd->in[0]].w;
    return RMN_OK;
}

static int chan_mean_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                         rmn_rng *rng) {
    (void)training, (void)rng;
    const rmn_value *in = &net->values[nd->in[0]];
    net->ops.chan_mean_forward(ex, net->values[nd->out].data, in->data, n, in->c,
                               in->h * in->w);
    return RMN_OK;
}

static int chan_mean_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    const rmn_value *in = &net->values[nd->in[0]];
    if (in->grad)
        net->ops.chan_mean_backward(ex, in->grad, net->values[nd->out].grad, n, in->c,
                                    in->h * in->w);
    return RMN_OK;
}

const rmn_op_desc rmn_op_chan_mean = {
    .name = "chan_mean", .arity = 1, .infer = chan_infer, .forward = chan_mean_fwd,
    .backward = chan_mean_bwd,
    /* a blocked reader: its one-channel output is never blocked */
    .layout = RMN_OPL_BLOCKED | RMN_OPL_READER,
};

static int chan_max_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                        rmn_rng *rng) {
    (void)training, (void)rng;
    const rmn_value *in = &net->values[nd->in[0]];
    net->ops.chan_max_forward(ex, net->values[nd->out].data, nd->idx, in->data, n, in->c,
                              in->h * in->w);
    return RMN_OK;
}

static int chan_max_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    const rmn_value *in = &net->values[nd->in[0]];
    if (in->grad)
        net->ops.chan_max_backward(ex, in->grad, net->values[nd->out].grad, nd->idx, n, in->c,
                                   in->h * in->w);
    return RMN_OK;
}

const rmn_op_desc rmn_op_chan_max = {
    .name = "chan_max", .arity = 1, .infer = chan_infer, .plan = idx_plan,
    .forward = chan_max_fwd, .backward = chan_max_bwd,
    .layout = RMN_OPL_BLOCKED | RMN_OPL_READER,
};

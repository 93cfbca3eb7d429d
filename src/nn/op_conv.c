/* op_conv.c -- the op descriptors of the layers with weights (see nn/op.h): conv2d,
 * conv_transpose2d, linear. */
#include "nn/op.h"

#include "core/error.h"

rmn_conv2d_shape rmn_op_conv_shape(const rmn_net *net, const rmn_node *nd, int n) {
    const rmn_value *in = &net->values[nd->in[0]];
    rmn_conv2d_shape sh;
    int rc = rmn_conv2d_shape_full(&sh, n, in->c, in->h, in->w, nd->out_c, &nd->conv);
    RMN_ASSERT(rc == RMN_OK); /* checked when the node was added */
    return sh;
}

static rmn_convt2d_shape convt_shape(const rmn_net *net, const rmn_node *nd, int n) {
    const rmn_value *in = &net->values[nd->in[0]];
    rmn_convt2d_shape sh;
    int rc = rmn_convt2d_shape_full(&sh, n, in->c, in->h, in->w, nd->out_c, &nd->conv,
                                    nd->out_pad_h, nd->out_pad_w);
    RMN_ASSERT(rc == RMN_OK);
    return sh;
}

// --- conv2d: x:(C,H,W) -> (K,P,Q); weight (K,C/groups,kh,kw), bias (K) ----------------------

static int conv_infer(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w) {
    const rmn_value *in = &net->values[nd->in[0]];
    rmn_conv2d_shape sh;
    RMN_TRY(rmn_conv2d_shape_full(&sh, 1, in->c, in->h, in->w, nd->out_c, &nd->conv));
    *c = nd->out_c, *h = sh.p, *w = sh.q;
    return RMN_OK;
}

static int conv_params(rmn_net *net, rmn_node *nd, const char *name, int bias) {
    const rmn_value in = net->values[nd->in[0]];
    const int k = nd->out_c, g = nd->conv.groups, rs = nd->conv.kh * nd->conv.kw;
    const int64_t ws[4] = {k, in.c / g, nd->conv.kh, nd->conv.kw}, bs[1] = {k};
    const int fan_in = in.c / g * rs, fan_out = k * rs;
    RMN_TRY(rmn_net_add_tensor(net, name, "weight", 1, 4, ws, &nd->w_off, fan_in, fan_out, 0.0f));
    if (bias)
        RMN_TRY(rmn_net_add_tensor(net, name, "bias", 1, 1, bs, &nd->b_off, fan_in, fan_out,
                                   0.0f));
    return RMN_OK;
}

static size_t conv_ws(const rmn_net *net, const rmn_node *nd, int max_batch) {
    rmn_conv2d_shape sh = rmn_op_conv_shape(net, nd, max_batch);
    return net->ops.conv2d_workspace(&sh, net->nthreads);
}

static int conv_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                    rmn_rng *rng) {
    (void)training, (void)rng;
    const float *P = net->params, *bias = nd->b_off != RMN_NET_NONE ? P + nd->b_off : NULL;
    rmn_conv2d_shape sh = rmn_op_conv_shape(net, nd, n);
    net->ops.conv2d_forward(ex, net->values[nd->out].data, net->values[nd->in[0]].data,
                            P + nd->w_off, bias, &sh);
    return RMN_OK;
}

static int conv_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    float *G = net->grads, *dbias = nd->b_off != RMN_NET_NONE ? G + nd->b_off : NULL;
    const rmn_value *in = &net->values[nd->in[0]];
    rmn_conv2d_shape sh = rmn_op_conv_shape(net, nd, n);
    net->ops.conv2d_backward(ex, in->grad, G + nd->w_off, dbias, net->values[nd->out].grad,
                             in->data, net->params + nd->w_off, &sh);
    return RMN_OK;
}

static double conv_macs(const rmn_net *net, const rmn_node *nd) {
    /* each output element: (C/groups) kh kw */
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    const int g = nd->conv.groups > 0 ? nd->conv.groups : 1;
    return (double)out->c * out->h * out->w * (in->c / g) * nd->conv.kh * nd->conv.kw;
}

const rmn_op_desc rmn_op_conv2d = {
    .name = "conv", .arity = 1, .infer = conv_infer, .params = conv_params,
    .workspace = conv_ws, .forward = conv_fwd, .backward = conv_bwd,
    .layout = RMN_OPL_BLOCKED, .fresh_op = RMN_FRESH_OP_CONV2D, .macs = conv_macs,
};

// --- conv_transpose2d: weight (C,K/groups,kh,kw), bias (K) --------------------------------

static int convt_infer(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w) {
    const rmn_value *in = &net->values[nd->in[0]];
    rmn_convt2d_shape sh;
    RMN_TRY(rmn_convt2d_shape_full(&sh, 1, in->c, in->h, in->w, nd->out_c, &nd->conv,
                                   nd->out_pad_h, nd->out_pad_w));
    *c = nd->out_c, *h = sh.p, *w = sh.q;
    return RMN_OK;
}

static int convt_params(rmn_net *net, rmn_node *nd, const char *name, int bias) {
    const rmn_value in = net->values[nd->in[0]];
    const int k = nd->out_c, g = nd->conv.groups, rs = nd->conv.kh * nd->conv.kw;
    const int64_t ws[4] = {in.c, k / g, nd->conv.kh, nd->conv.kw}, bs[1] = {k};
    /* PyTorch's fans of a (C_in, C_out/g, kh, kw) weight: fan_in from dim 1, fan_out dim 0 */
    const int fan_in = k / g * rs, fan_out = in.c * rs;
    RMN_TRY(rmn_net_add_tensor(net, name, "weight", 1, 4, ws, &nd->w_off, fan_in, fan_out, 0.0f));
    if (bias)
        RMN_TRY(rmn_net_add_tensor(net, name, "bias", 1, 1, bs, &nd->b_off, fan_in, fan_out,
                                   0.0f));
    return RMN_OK;
}

static size_t convt_ws(const rmn_net *net, const rmn_node *nd, int max_batch) {
    rmn_convt2d_shape sh = convt_shape(net, nd, max_batch);
    return net->ops.convt2d_workspace(&sh, net->nthreads);
}

static int convt_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                     rmn_rng *rng) {
    (void)training, (void)rng;
    const float *P = net->params, *bias = nd->b_off != RMN_NET_NONE ? P + nd->b_off : NULL;
    rmn_convt2d_shape sh = convt_shape(net, nd, n);
    net->ops.convt2d_forward(ex, net->values[nd->out].data, net->values[nd->in[0]].data,
                             P + nd->w_off, bias, &sh);
    return RMN_OK;
}

static int convt_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    float *G = net->grads, *dbias = nd->b_off != RMN_NET_NONE ? G + nd->b_off : NULL;
    const rmn_value *in = &net->values[nd->in[0]];
    rmn_convt2d_shape sh = convt_shape(net, nd, n);
    net->ops.convt2d_backward(ex, in->grad, G + nd->w_off, dbias, net->values[nd->out].grad,
                              in->data, net->params + nd->w_off, &sh);
    return RMN_OK;
}

static double convt_macs(const rmn_net *net, const rmn_node *nd) {
    /* each input element scatters to (K/groups) kh kw */
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    const int g = nd->conv.groups > 0 ? nd->conv.groups : 1;
    return (double)in->c * in->h * in->w * (out->c / g) * nd->conv.kh * nd->conv.kw;
}

const rmn_op_desc rmn_op_convt2d = {
    .name = "convt", .arity = 1, .infer = convt_infer, .params = convt_params,
    .workspace = convt_ws, .forward = convt_fwd, .backward = convt_bwd,
    .layout = RMN_OPL_BLOCKED, .fresh_op = RMN_FRESH_OP_CONVT2D, .macs = convt_macs,
};

// --- linear: x flattened (C*H*W) -> (OUT,1,1); weight (OUT,IN), bias (OUT) ----------------

static int linear_infer(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w) {
    (void)net;
    *c = nd->out_c, *h = 1, *w = 1;
    return RMN_OK;
}

static int linear_params(rmn_net *net, rmn_node *nd, const char *name, int bias) {
    const int in = (int)rmn_value_size(&net->values[nd->in[0]]), out = nd->out_c;
    const int64_t ws[2] = {out, in}, bs[1] = {out};
    RMN_TRY(rmn_net_add_tensor(net, name, "weight", 1, 2, ws, &nd->w_off, in, out, 0.0f));
    if (bias)
        RMN_TRY(rmn_net_add_tensor(net, name, "bias", 1, 1, bs, &nd->b_off, in, out, 0.0f));
    return RMN_OK;
}

static int linear_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                      rmn_rng *rng) {
    (void)training, (void)rng;
    const float *P = net->params, *bias = nd->b_off != RMN_NET_NONE ? P + nd->b_off : NULL;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    net->ops.linear_forward(ex, out->data, in->data, P + nd->w_off, bias, n,
                            (int)rmn_value_size(in), out->c);
    return RMN_OK;
}

static int linear_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    float *G = net->grads, *dbias = nd->b_off != RMN_NET_NONE ? G + nd->b_off : NULL;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    net->ops.linear_backward(ex, in->grad, G + nd->w_off, dbias, out->grad, in->data,
                             net->params + nd->w_off, n, (int)rmn_value_size(in), out->c);
    return RMN_OK;
}

static double linear_macs(const rmn_net *net, const rmn_node *nd) {
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    return (double)in->c * in->h * in->w * out->c;
}

const rmn_op_desc rmn_op_linear = {
    .name = "linear", .arity = 1, .infer = linear_infer, .params = linear_params,
    .forward = linear_fwd, .backward = linear_bwd,
    .fresh_op = RMN_FRESH_OP_LINEAR, .macs = linear_macs,
};

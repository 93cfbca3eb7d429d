/* op_norm.c -- the op descriptors of batch norm (with its fusion with a following ReLU or SiLU
 * and the synchronised variant, nn/bn_sync.c) and dropout (see nn/op.h). */
#include "nn/op.h"

#include <string.h>

#include "core/error.h"
#include "nn/bn_sync.h"

static int same_infer(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w) {
    const rmn_value *in = &net->values[nd->in[0]];
    *c = in->c, *h = in->h, *w = in->w;
    return RMN_OK;
}

// --- bn2d: x:(C,H,W) -> (C,H,W); weight, bias, running_mean, running_var (C) ----------------

static int bn_params(rmn_net *net, rmn_node *nd, const char *name, int bias) {
    (void)bias;
    const int64_t cs[1] = {net->values[nd->in[0]].c};
    RMN_TRY(rmn_net_add_tensor(net, name, "weight", 1, 1, cs, &nd->w_off, 0, 0, 1.0f));
    RMN_TRY(rmn_net_add_tensor(net, name, "bias", 1, 1, cs, &nd->b_off, 0, 0, 0.0f));
    RMN_TRY(rmn_net_add_tensor(net, name, "running_mean", 0, 1, cs, &nd->rm_off, 0, 0, 0.0f));
    RMN_TRY(rmn_net_add_tensor(net, name, "running_var", 0, 1, cs, &nd->rv_off, 0, 0, 1.0f));
    return RMN_OK;
}

static void bn_plan(rmn_net *net, int i, rmn_carver *cv, int max_batch) {
    rmn_node *nd = &net->nodes[i];
    const rmn_value *out = &net->values[nd->out];
    nd->save_mean = rmn_carve(cv, out->c * sizeof(float));
    nd->save_invstd = rmn_carve(cv, out->c * sizeof(float));
    const int fuse = nd->fuse_next && !net->bn_sync;
    nd->relu_mask = fuse && nd->fuse_act == RMN_ACT_RELU && net->ops.bn2d_relu_forward_train &&
                            net->ops.bn2d_relu_backward_train
                        ? rmn_carve(cv, (size_t)max_batch * rmn_value_size(out))
                        : NULL;
    nd->act_coef = fuse && nd->fuse_act == RMN_ACT_SILU && net->ops.bn2d_silu_forward_train &&
                           net->ops.bn2d_silu_backward_train
                       ? rmn_carve(cv, 2 * (size_t)out->c * sizeof(float))
                       : NULL;
}

static int bn_check(const rmn_net *net, const rmn_node *nd, int n, const rmn_rng *rng) {
    (void)rng;
    const rmn_value *v = &net->values[nd->out];
    if ((size_t)n * v->h * v->w < 2)
        return RMN_ERROR(RMN_EINVAL, "%s: batch norm in training needs more than one value "
                         "per channel (batch %d, %dx%d)", net->arch, n, v->h, v->w);
    return RMN_OK;
}

static int bn_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                  rmn_rng *rng) {
    (void)rng;
    if (training && net->bn_sync) /* statistics over the ranks */
        return rmn_bn_sync_forward(net, nd, n);
    float *P = net->params, *B = net->buffers;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    if (training)
        net->ops.bn2d_forward_train(ex, out->data, nd->save_mean, nd->save_invstd,
                                    B + nd->rm_off, B + nd->rv_off, in->data, P + nd->w_off,
                                    P + nd->b_off, n, out->c, out->h * out->w, nd->momentum,
                                    nd->eps);
    else
        net->ops.bn2d_forward_eval(ex, out->data, in->data, P + nd->w_off, P + nd->b_off,
                                   B + nd->rm_off, B + nd->rv_off, n, out->c, out->h * out->w,
                                   nd->eps);
    return RMN_OK;
}

static int bn_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    float *P = net->params, *G = net->grads, *B = net->buffers;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    const int i = (int)(nd - net->nodes);
    if (fused && nd->fuse_act == RMN_ACT_SILU) /* dy: the gradient of the fused SiLU's output */
        net->ops.bn2d_silu_backward_train(ex, in->grad, G + nd->w_off, G + nd->b_off,
                                          net->values[net->nodes[i + 1].out].grad,
                                          nd->act_coef, in->data, P + nd->w_off,
                                          P + nd->b_off, nd->save_mean, nd->save_invstd, n,
                                          out->c, out->h * out->w);
    else if (fused) /* dy: the gradient of the fused ReLU's output */
        net->ops.bn2d_relu_backward_train(ex, in->grad, G + nd->w_off, G + nd->b_off,
                                          net->values[net->nodes[i + 1].out].grad,
                                          nd->relu_mask, in->data, P + nd->w_off,
                                          nd->save_mean, nd->save_invstd, n, out->c,
                                          out->h * out->w);
    else if (net->training && net->bn_sync)
        RMN_TRY(rmn_bn_sync_backward(net, nd, n, ex->fresh));
    else if (net->training)
        net->ops.bn2d_backward_train(ex, in->grad, G + nd->w_off, G + nd->b_off, out->grad,
                                     in->data, P + nd->w_off, nd->save_mean, nd->save_invstd,
                                     n, out->c, out->h * out->w);
    else
        net->ops.bn2d_backward_eval(ex, in->grad, G + nd->w_off, G + nd->b_off, out->grad,
                                    in->data, P + nd->w_off, B + nd->rm_off, B + nd->rv_off, n,
                                    out->c, out->h * out->w, nd->eps);
    return RMN_OK;
}

/* a ReLU (training and inference) or a SiLU (training: the backward saves the most) */
static int bn_fuse_ok(const rmn_net *net, const rmn_node *nd, rmn_act act) {
    (void)net, (void)nd;
    return act == RMN_ACT_RELU || act == RMN_ACT_SILU;
}

static int bn_fuse_ready(const rmn_net *net, const rmn_node *nd, int train) {
    if (nd->fuse_act == RMN_ACT_SILU)
        return train && nd->act_coef != NULL;
    return train ? nd->relu_mask != NULL : net->ops.bn2d_relu_forward_eval != NULL;
}

static void bn_fuse_fwd(rmn_net *net, const rmn_exec *ex, int i, int n, int train) {
    const rmn_node *nd = &net->nodes[i];
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    float *y = net->values[net->nodes[i + 1].out].data, *P = net->params, *B = net->buffers;
    if (nd->fuse_act == RMN_ACT_SILU) /* training only (bn_fuse_ready) */
        net->ops.bn2d_silu_forward_train(ex, y, nd->act_coef, nd->save_mean, nd->save_invstd,
                                         B + nd->rm_off, B + nd->rv_off, in->data,
                                         P + nd->w_off, P + nd->b_off, n, out->c,
                                         out->h * out->w, nd->momentum, nd->eps);
    else if (train)
        net->ops.bn2d_relu_forward_train(ex, y, nd->relu_mask, nd->save_mean, nd->save_invstd,
                                         B + nd->rm_off, B + nd->rv_off, in->data,
                                         P + nd->w_off, P + nd->b_off, n, out->c,
                                         out->h * out->w, nd->momentum, nd->eps);
    else
        net->ops.bn2d_relu_forward_eval(ex, y, in->data, P + nd->w_off, P + nd->b_off,
                                        B + nd->rm_off, B + nd->rv_off, n, out->c,
                                        out->h * out->w, nd->eps);
}

const rmn_op_desc rmn_op_bn2d = {
    .name = "bn", .arity = 1, .infer = same_infer, .params = bn_params, .plan = bn_plan,
    .check = bn_check, .forward = bn_fwd, .backward = bn_bwd,
    .layout = RMN_OPL_BLOCKED | RMN_OPL_COUPLED, .fresh_op = RMN_FRESH_OP_BN2D,
    .fuse_ok = bn_fuse_ok, .fuse_ready = bn_fuse_ready, .fuse_forward = bn_fuse_fwd,
};

// --- dropout: (C,H,W) -> (C,H,W), probability p; a mask per forward -----------------------

static void dropout_plan(rmn_net *net, int i, rmn_carver *cv, int max_batch) {
    rmn_node *nd = &net->nodes[i];
    nd->mask = rmn_carve(cv, (size_t)max_batch * rmn_value_size(&net->values[nd->out]) *
                                 sizeof(float));
}

static int dropout_check(const rmn_net *net, const rmn_node *nd, int n, const rmn_rng *rng) {
    (void)n;
    if (nd->p > 0.0f && !rng)
        return RMN_ERROR(RMN_EINVAL, "%s: a training forward needs a dropout stream",
                         net->arch);
    return RMN_OK;
}

static int dropout_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                       rmn_rng *rng) {
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    const size_t count = (size_t)n * rmn_value_size(out);
    if (training && nd->p > 0.0f) {
        rmn_dropout_mask(nd->mask, count, nd->p, rng);
        net->ops.dropout_forward(ex, out->data, in->data, nd->mask, count);
    } else {
        memcpy(out->data, in->data, count * sizeof(float));
    }
    return RMN_OK;
}

static int dropout_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    const size_t count = (size_t)n * rmn_value_size(out);
    float *dx = in->grad;
    const float *dy = out->grad;
    if (!dx)
        return RMN_OK;
    if (net->training && nd->p > 0.0f)
        net->ops.dropout_backward(ex, dx, dy, nd->mask, count);
    else
        for (size_t j = 0; j < count; ++j)
            dx[j] += dy[j];
    return RMN_OK;
}

const rmn_op_desc rmn_op_dropout = {
    .name = "dropout", .arity = 1, .infer = same_infer, .plan = dropout_plan,
    .check = dropout_check, .forward = dropout_fwd, .backward = dropout_bwd,
};

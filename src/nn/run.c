/* run.c -- running a planned graph (nn/plan.c) forward, through the loss and backward (see
 * net.h): each node's call is its op's descriptor's (nn/op.h); this file only orders them,
 * fuses a node with the ReLU after it where planned, and keeps the gradients' bookkeeping
 * (nn/fresh.c). Nothing here allocates. */
#include "nn/op.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

// --- forward ------------------------------------------------------------------------------

/* The backend's verdict on the calls since the last check (a blocked-layout call it could not
 * run leaves its output unwritten). */
static int backend_check(rmn_net *net) {
    if (net->ops.state_check && net->ops.state_check(net->backend_state) != RMN_OK) {
        net->batch = 0;
        net->loss_ready = 0;
        return rmn_error_code();
    }
    return RMN_OK;
}

static int check_forward(rmn_net *net, int n, int training, const rmn_rng *rng) {
    if (!net->finalized)
        return RMN_ERROR(RMN_EINVAL, "%s: graph not finalized", net->arch);
    if (n < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: forward of an empty batch", net->arch);
    if (!net->act_arena)
        RMN_TRY(rmn_net_plan(net, n));
    if (n > net->max_batch)
        return RMN_ERROR(RMN_EINVAL, "%s: batch %d exceeds the planned %d", net->arch, n,
                         net->max_batch);
    if (!training)
        return RMN_OK;
    for (int i = 0; i < net->n_nodes; ++i) {
        const rmn_node *nd = &net->nodes[i];
        const rmn_op_desc *d = rmn_op_of(nd);
        if (d->check)
            RMN_TRY(d->check(net, nd, n, rng));
    }
    return RMN_OK;
}

/* Runs node nd forward on a batch of n. */
static int run_node(rmn_net *net, const rmn_exec *exp, rmn_node *nd, int n, int training,
                    rmn_rng *dropout_rng) {
    rmn_exec ex = *exp;
    ex.layout = rmn_net_node_layout(net, nd);
    return rmn_op_of(nd)->forward(net, &ex, nd, n, training, dropout_rng);
}

/* Node i and the activation after it as one call writing the activation's output
 * (rmn_net_fused_with_next); node i's own output is not written. */
static void run_fused(rmn_net *net, const rmn_exec *ex0, int i, int n, int train) {
    rmn_node *nd = &net->nodes[i];
    rmn_exec ex = *ex0;
    ex.layout = rmn_net_node_layout(net, nd);
    rmn_op_of(nd)->fuse_forward(net, &ex, i, n, train);
}

/* x:(n,C,H,W) into the input value, through the input affine when the net has one */
static void load_input(rmn_net *net, const float *x, int n) {
    const rmn_value *v = &net->values[0];
    const size_t plane = (size_t)v->h * (size_t)v->w;
    memcpy(v->data, x, (size_t)n * rmn_value_size(v) * sizeof(float));
    for (int i = 0; net->in_affine && i < n * v->c; ++i) {
        float *p = v->data + (size_t)i * plane;
        const float a = net->in_scale[i % v->c], b = net->in_shift[i % v->c];
        for (size_t k = 0; k < plane; ++k)
            p[k] = a * p[k] + b;
    }
}

int rmn_net_forward(rmn_net *net, const float *x, int n, int training, rmn_rng *dropout_rng) {
    RMN_TRY(check_forward(net, n, training, dropout_rng));
    const rmn_exec ex = {.ws = net->ws, .nthreads = net->nthreads, .state = net->backend_state};
    load_input(net, x, n);
    for (int i = 0; i < net->n_nodes; ++i) {
        rmn_node *nd = &net->nodes[i];
        if (training && rmn_net_fused_with_next(net, nd, 1)) { /* eval forwards keep every value */
            run_fused(net, &ex, i, n, 1);
            ++i;
            continue;
        }
        RMN_TRY(run_node(net, &ex, nd, n, training, dropout_rng));
    }
    RMN_TRY(backend_check(net));
    net->batch = n;
    net->training = training;
    net->loss_ready = 0;
    net->inferred = 0;
    net->backward_done = 0;
    return RMN_OK;
}

int rmn_net_infer(rmn_net *net, const float *x, int n) {
    RMN_TRY(check_forward(net, n, 0, NULL));
    const rmn_exec ex = {.ws = net->ws, .nthreads = net->nthreads, .state = net->backend_state};
    load_input(net, x, n);
    for (int i = 0; i < net->n_nodes; ++i) {
        rmn_node *nd = &net->nodes[i];
        if (rmn_net_fused_with_next(net, nd, 0)) {
            run_fused(net, &ex, i, n, 0);
            ++i;
            continue;
        }
        RMN_TRY(run_node(net, &ex, nd, n, 0, NULL));
    }
    RMN_TRY(backend_check(net));
    net->batch = n;
    net->training = 0;
    net->loss_ready = 0;
    net->inferred = 1;
    net->backward_done = 0;
    return RMN_OK;
}

const float *rmn_net_logits(const rmn_net *net) {
    return net->act_arena && net->logits > 0 ? net->values[net->logits].data : NULL;
}

// --- loss and backward --------------------------------------------------------------------

int rmn_net_loss(rmn_net *net, const int32_t *labels, const float *class_weights, double *loss,
                 int *n_correct) {
    if (net->batch < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: loss before any forward", net->arch);
    const rmn_value *lg = &net->values[net->logits];
    RMN_TRY(rmn_softmax_xent(loss, lg->grad, n_correct, lg->data, labels, class_weights,
                             net->batch, lg->c));
    net->loss_ready = 1;
    return RMN_OK;
}

int rmn_net_loss_soft(rmn_net *net, const float *targets, const int32_t *labels, const float *class_weights,
                      double *loss, int *n_correct) {
    if (net->batch < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: loss before any forward", net->arch);
    const rmn_value *lg = &net->values[net->logits];
    RMN_TRY(rmn_softmax_xent_soft(loss, lg->grad, n_correct, lg->data, targets, labels, class_weights,
                                  net->batch, lg->c));
    net->loss_ready = 1;
    return RMN_OK;
}

int rmn_net_backward(rmn_net *net) {
    if (!net->loss_ready)
        return RMN_ERROR(RMN_EINVAL, "%s: backward needs a loss of the last forward", net->arch);
    if (net->inferred)
        return RMN_ERROR(RMN_EINVAL, "%s: no backward through rmn_net_infer (it fuses layers away); "
                         "use rmn_net_forward", net->arch);
    const int n = net->batch;
    const rmn_exec ex0 = {.ws = net->ws, .nthreads = net->nthreads, .state = net->backend_state};
    rmn_net_grads_begin(net);
    for (int i = net->n_nodes - 1; i >= 0; --i) {
        rmn_node *nd = &net->nodes[i];
        /* an activation fused into the node before it runs in that one's backward */
        if (net->training && i > 0 && rmn_net_fused_with_next(net, &net->nodes[i - 1], 1))
            continue;
        const int fused = net->training && rmn_net_fused_with_next(net, nd, 1);
        rmn_exec ex = ex0;
        ex.layout = rmn_net_node_layout(net, nd);
        const int dyv = fused ? net->nodes[i + 1].out : nd->out; /* the gradient node i reads */
        ex.fresh = rmn_net_grads_claim(net, i, n, dyv);
        if (net->extra_grad && dyv == net->extra_v) { /* every reader of it is done */
            float *g = net->values[dyv].grad;
            const size_t m = (size_t)n * rmn_value_size(&net->values[dyv]);
            for (size_t j = 0; j < m; ++j)
                g[j] += net->extra_grad[j];
        }
        RMN_TRY(rmn_op_of(nd)->backward(net, &ex, nd, n, fused));
        if (net->grads_ready && (nd->w_off != RMN_NET_NONE || nd->b_off != RMN_NET_NONE))
            net->grads_ready(net->grads_ready_ctx, nd->w_off < nd->b_off ? nd->w_off : nd->b_off);
    }
    net->extra_grad = NULL; /* for one backward only */
    RMN_TRY(backend_check(net));
    net->backward_done = 1;
    return RMN_OK;
}

int rmn_net_loss_scale(rmn_net *net, float s) {
    if (!net->loss_ready)
        return RMN_ERROR(RMN_EINVAL, "%s: no loss to scale", net->arch);
    rmn_value *lg = &net->values[net->logits];
    const size_t m = (size_t)net->batch * (size_t)lg->c;
    for (size_t j = 0; j < m; ++j)
        lg->grad[j] *= s;
    return RMN_OK;
}

int rmn_net_backward_from(rmn_net *net, const float *dlogits) {
    if (net->batch < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: backward before any forward", net->arch);
    if (net->inferred)
        return RMN_ERROR(RMN_EINVAL, "%s: no backward through rmn_net_infer (it fuses layers away); "
                         "use rmn_net_forward", net->arch);
    const rmn_value *lg = &net->values[net->logits];
    memcpy(lg->grad, dlogits, (size_t)net->batch * lg->c * sizeof(float));
    net->loss_ready = 1;
    return rmn_net_backward(net);
}

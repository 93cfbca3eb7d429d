/* plan.c -- planning a net for running (see net.h): the backend and threads it runs with,
 * activation memory laid out once per batch size (values, each op's caches and the largest
 * workspace, from the op table, nn/op.h), layouts (nn/layout.c) and which nodes run fused with
 * the activation after them. */
#include "nn/op.h"

#include <stdlib.h>

#include "core/error.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* Whether the activation after node i may join it (*act: which): it is the next node, a ReLU
 * or a SiLU, node i's op may fuse with it (its rule), and it is node i's output's only
 * reader (the backend's entries are checked by rmn_net_fused_with_next). */
static int act_follows(const rmn_net *net, int i, rmn_act *act) {
    const rmn_node *nd = &net->nodes[i];
    const rmn_op_desc *d = rmn_op_of(nd);
    if (!d->fuse_ok || i + 1 >= net->n_nodes || net->nodes[i + 1].in[0] != nd->out ||
        nd->out == net->logits)
        return 0;
    const rmn_node *next = &net->nodes[i + 1];
    if (next->op == RMN_OP_RELU)
        *act = RMN_ACT_RELU;
    else if (next->op == RMN_OP_ACT && next->act == RMN_ACT_SILU)
        *act = RMN_ACT_SILU;
    else
        return 0;
    if (!d->fuse_ok(net, nd, *act))
        return 0;
    for (int j = 0; j < net->n_nodes; ++j)
        for (int k = 0; k < net->nodes[j].n_in; ++k)
            if (j != i + 1 && net->nodes[j].in[k] == nd->out)
                return 0;
    return 1;
}

int rmn_net_fused_with_next(const rmn_net *net, const rmn_node *nd, int train) {
    if (!nd->fuse_next)
        return 0;
    return rmn_op_of(nd)->fuse_ready(net, nd, train);
}

int rmn_net_value_written(const rmn_net *net, int v) {
    if (net->batch < 1 || net->inferred)
        return v == net->logits && net->batch > 0;
    if (!net->training)
        return 1;
    for (int i = 0; i < net->n_nodes; ++i)
        if (net->nodes[i].out == v)
            return !rmn_net_fused_with_next(net, &net->nodes[i], 1);
    return 1;
}

static size_t lay_out(rmn_net *net, char *base, int max_batch) {
    rmn_carver cv = {base, 0};
    size_t ws = 0;
    for (int i = 0; i < net->n_values; ++i) {
        rmn_value *v = &net->values[i];
        const size_t bytes = (size_t)max_batch * rmn_value_size(v) * sizeof(float);
        v->data = rmn_carve(&cv, bytes);
        v->grad = i == 0 ? NULL : rmn_carve(&cv, bytes);
    }
    for (int i = 0; i < net->n_nodes; ++i) {
        rmn_node *nd = &net->nodes[i];
        const rmn_op_desc *d = rmn_op_of(nd);
        nd->fuse_act = RMN_ACT_RELU;
        nd->fuse_next = act_follows(net, i, &nd->fuse_act);
        if (d->plan)
            d->plan(net, i, &cv, max_batch);
        const size_t w = d->workspace ? d->workspace(net, nd, max_batch) : 0;
        ws = w > ws ? w : ws;
    }
    net->ws = rmn_carve(&cv, ws * sizeof(float));
    return cv.used;
}

int rmn_net_plan(rmn_net *net, int max_batch) {
    if (!net->finalized)
        return RMN_ERROR(RMN_EINVAL, "%s: graph not finalized", net->arch);
    if (max_batch < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: cannot plan for batch %d", net->arch, max_batch);
#ifdef _OPENMP
    net->nthreads = net->nthreads_req > 0 ? net->nthreads_req : omp_get_max_threads();
#else
    net->nthreads = 1;
#endif
    free(net->act_arena);
    net->act_arena = NULL;
    net->max_batch = 0;
    net->batch = 0;
    net->loss_ready = 0;
    rmn_net_plan_layouts(net);
    const size_t bytes = lay_out(net, NULL, max_batch);
    char *arena = rmn_net_aligned_zalloc(bytes);
    if (!arena)
        return RMN_ERROR(RMN_ENOMEM, "%s: cannot allocate %zu bytes of activations for batch %d",
                         net->arch, bytes, max_batch);
    lay_out(net, arena, max_batch);
    net->act_arena = arena;
    net->max_batch = max_batch;
    return RMN_OK;
}

void rmn_net_drop_plan(rmn_net *net) {
    free(net->act_arena);
    net->act_arena = NULL;
    net->max_batch = 0;
    net->batch = 0;
    net->loss_ready = 0;
}

/* Sets precision p on backend b's state: RMN_OK, or an error naming the net and why. */
static int apply_precision(const rmn_net *net, const rmn_backend *b, void *state, rmn_precision p) {
    if (rmn_backend_set_precision(b, state, p) != RMN_OK)
        return rmn_error_prefix("%s", net->arch);
    return RMN_OK;
}

int rmn_net_set_precision(rmn_net *net, rmn_precision p) {
    if (net->backend)
        RMN_TRY(apply_precision(net, net->backend, net->backend_state, p));
    net->precision = p;
    return RMN_OK;
}

rmn_precision rmn_net_precision(const rmn_net *net) { return net->precision; }

int rmn_net_use_backend(rmn_net *net, const rmn_backend *b) {
    void *state = NULL;
    if (b->state_create)
        RMN_TRY(b->state_create(&state));
    /* the new state computes in the net's precision, or the switch is refused */
    int rc = apply_precision(net, b, state, net->precision);
    if (rc != RMN_OK) {
        if (state && b->state_free)
            b->state_free(state);
        return rc;
    }
    if (net->backend && net->backend->state_free && net->backend_state)
        net->backend->state_free(net->backend_state);
    net->backend = b;
    net->backend_state = state;
    rmn_backend_resolve(b, &net->ops);
    rmn_net_drop_plan(net);
    return RMN_OK;
}

int rmn_net_set_backend(rmn_net *net, const char *name) {
    const rmn_backend *b = rmn_backend_find(name);
    if (!b)
        return rmn_error_code();
    return rmn_net_use_backend(net, b);
}

int rmn_net_set_threads(rmn_net *net, int nthreads) {
    if (nthreads < 0)
        return RMN_ERROR(RMN_EINVAL, "%s: bad thread count %d", net->arch, nthreads);
    net->nthreads_req = nthreads;
    rmn_net_drop_plan(net);
    return RMN_OK;
}

void rmn_net_set_bn_sync(rmn_net *net, void (*sum)(void *ctx, double *x, int n), void *ctx) {
    net->bn_sync = sum;
    net->bn_sync_ctx = ctx;
    rmn_net_drop_plan(net);
}

void rmn_net_set_grads_ready(rmn_net *net, void (*ready)(void *ctx, size_t from), void *ctx) {
    net->grads_ready = ready;
    net->grads_ready_ctx = ctx;
}

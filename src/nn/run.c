/* run.c -- planning activation memory and running a graph forward, through the loss and
 * backward (see net.h). Nothing here allocates except rmn_net_plan. */
#include "nn/graph.h"
#include "nn/bn_sync.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#ifdef _OPENMP
#include <omp.h>
#endif

// --- planning -----------------------------------------------------------------------------

/* Hands out 64-byte aligned pieces of one arena; with base NULL it only counts. */
typedef struct {
    char *base;
    size_t used;
} carver;

static void *carve(carver *cv, size_t bytes) {
    void *p = cv->base ? cv->base + cv->used : NULL;
    cv->used += (bytes + 63) & ~(size_t)63;
    return p;
}

static rmn_conv2d_shape conv_shape(const rmn_net *net, const rmn_node *nd, int n) {
    const rmn_value *in = &net->values[nd->in[0]];
    rmn_conv2d_shape sh;
    int rc = rmn_conv2d_shape_full(&sh, n, in->c, in->h, in->w, net->values[nd->out].c,
                                   &nd->conv);
    RMN_ASSERT(rc == RMN_OK); /* checked when the node was added */
    return sh;
}

static rmn_convt2d_shape convt_shape(const rmn_net *net, const rmn_node *nd, int n) {
    const rmn_value *in = &net->values[nd->in[0]];
    rmn_convt2d_shape sh;
    int rc = rmn_convt2d_shape_full(&sh, n, in->c, in->h, in->w, net->values[nd->out].c,
                                    &nd->conv, nd->out_pad_h, nd->out_pad_w);
    RMN_ASSERT(rc == RMN_OK);
    return sh;
}

static rmn_pool2d_shape pool_shape(const rmn_net *net, const rmn_node *nd, int n) {
    const rmn_value *in = &net->values[nd->in[0]];
    rmn_pool2d_shape sh;
    int rc = rmn_pool2d_shape_full(&sh, n, in->c, in->h, in->w, &nd->pool);
    RMN_ASSERT(rc == RMN_OK);
    return sh;
}

static rmn_bcast_shape bcast_shape(const rmn_net *net, const rmn_node *nd, int n) {
    const rmn_value *a = &net->values[nd->in[0]], *b = &net->values[nd->in[1]];
    rmn_bcast_shape sh;
    int rc = rmn_bcast_shape_init(&sh, n, a->c, a->h, a->w, b->c, b->h, b->w);
    RMN_ASSERT(rc == RMN_OK);
    return sh;
}

/* Whether node i (a batch norm, or a same-shape add of two distinct values) and the ReLU after
 * it may run as one call: the ReLU is the next node and node i's output's only reader (the
 * backend's entries are checked by the callers). */
static int relu_follows(const rmn_net *net, int i) {
    const rmn_node *nd = &net->nodes[i];
    if (nd->op == RMN_OP_BINARY) {
        const rmn_value *a = &net->values[nd->in[0]], *b = &net->values[nd->in[1]];
        if (nd->binary != RMN_BINARY_ADD || nd->in[0] == nd->in[1] || a->c != b->c ||
            a->h != b->h || a->w != b->w)
            return 0;
    } else if (nd->op != RMN_OP_BN2D) {
        return 0;
    }
    if (i + 1 >= net->n_nodes || net->nodes[i + 1].op != RMN_OP_RELU ||
        net->nodes[i + 1].in[0] != nd->out || nd->out == net->logits)
        return 0;
    for (int j = 0; j < net->n_nodes; ++j)
        for (int k = 0; k < net->nodes[j].n_in; ++k)
            if (j != i + 1 && net->nodes[j].in[k] == nd->out)
                return 0;
    return 1;
}

/* Whether node nd runs as one call with the ReLU after it: in training passes (forward and
 * backward) when train, in rmn_net_infer otherwise -- wherever the backend has the fusion. */
static int fused_with_relu(const rmn_net *net, const rmn_node *nd, int train) {
    if (!nd->relu_next)
        return 0;
    if (nd->op == RMN_OP_BINARY)
        return net->ops.add_relu_forward && net->ops.add_relu_backward;
    return train ? nd->relu_mask != NULL : net->ops.bn2d_relu_forward_eval != NULL;
}

/* Node i (see fused_with_relu) and its ReLU as one call writing the ReLU's output; node i's own
 * output is not written. */
static void run_with_relu(rmn_net *net, const rmn_exec *ex0, int i, int n, int train) {
    const rmn_node *nd = &net->nodes[i];
    rmn_exec ex = *ex0;
    ex.layout = rmn_net_node_layout(net, nd);
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    float *y = net->values[net->nodes[i + 1].out].data, *P = net->params, *B = net->buffers;
    if (nd->op == RMN_OP_BINARY)
        net->ops.add_relu_forward(&ex, y, in->data, net->values[nd->in[1]].data,
                                  (size_t)n * rmn_value_size(out));
    else if (train)
        net->ops.bn2d_relu_forward_train(&ex, y, nd->relu_mask, nd->save_mean, nd->save_invstd,
                                         B + nd->rm_off, B + nd->rv_off, in->data, P + nd->w_off,
                                         P + nd->b_off, n, out->c, out->h * out->w,
                                         nd->momentum, nd->eps);
    else
        net->ops.bn2d_relu_forward_eval(&ex, y, in->data, P + nd->w_off, P + nd->b_off,
                                        B + nd->rm_off, B + nd->rv_off, n, out->c,
                                        out->h * out->w, nd->eps);
}

int rmn_net_value_written(const rmn_net *net, int v) {
    if (net->batch < 1 || net->inferred)
        return v == net->logits && net->batch > 0;
    if (!net->training)
        return 1;
    for (int i = 0; i < net->n_nodes; ++i)
        if (net->nodes[i].out == v)
            return !fused_with_relu(net, &net->nodes[i], 1);
    return 1;
}

static size_t lay_out(rmn_net *net, char *base, int max_batch) {
    carver cv = {base, 0};
    size_t ws = 0;
    for (int i = 0; i < net->n_values; ++i) {
        rmn_value *v = &net->values[i];
        const size_t bytes = (size_t)max_batch * rmn_value_size(v) * sizeof(float);
        v->data = carve(&cv, bytes);
        v->grad = i == 0 ? NULL : carve(&cv, bytes);
    }
    for (int i = 0; i < net->n_nodes; ++i) {
        rmn_node *nd = &net->nodes[i];
        const rmn_value *out = &net->values[nd->out];
        const size_t count = (size_t)max_batch * rmn_value_size(out);
        size_t w = 0;
        switch (nd->op) {
        case RMN_OP_CONV2D: {
            rmn_conv2d_shape sh = conv_shape(net, nd, max_batch);
            w = net->ops.conv2d_workspace(&sh, net->nthreads);
            break;
        }
        case RMN_OP_CONVT2D: {
            rmn_convt2d_shape sh = convt_shape(net, nd, max_batch);
            w = net->ops.convt2d_workspace(&sh, net->nthreads);
            break;
        }
        case RMN_OP_BN2D:
            nd->save_mean = carve(&cv, out->c * sizeof(float));
            nd->save_invstd = carve(&cv, out->c * sizeof(float));
            nd->relu_next = relu_follows(net, i);
            nd->relu_mask = nd->relu_next && !net->bn_sync && net->ops.bn2d_relu_forward_train &&
                                    net->ops.bn2d_relu_backward_train
                                ? carve(&cv, count)
                                : NULL;
            break;
        case RMN_OP_MAXPOOL2D:
        case RMN_OP_CHAN_MAX:
            nd->idx = carve(&cv, count * sizeof(int32_t));
            break;
        case RMN_OP_DROPOUT:
            nd->mask = carve(&cv, count * sizeof(float));
            break;
        case RMN_OP_BINARY:
            nd->relu_next = relu_follows(net, i);
            break;
        default:
            break;
        }
        ws = w > ws ? w : ws;
    }
    net->ws = carve(&cv, ws * sizeof(float));
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

static void drop_plan(rmn_net *net) {
    free(net->act_arena);
    net->act_arena = NULL;
    net->max_batch = 0;
    net->batch = 0;
    net->loss_ready = 0;
}

int rmn_net_use_backend(rmn_net *net, const rmn_backend *b) {
    void *state = NULL;
    if (b->state_create)
        RMN_TRY(b->state_create(&state));
    if (net->backend && net->backend->state_free && net->backend_state)
        net->backend->state_free(net->backend_state);
    net->backend = b;
    net->backend_state = state;
    rmn_backend_resolve(b, &net->ops);
    drop_plan(net);
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
    drop_plan(net);
    return RMN_OK;
}

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
        const rmn_value *v = &net->values[nd->out];
        if (nd->op == RMN_OP_DROPOUT && nd->p > 0.0f && !rng)
            return RMN_ERROR(RMN_EINVAL, "%s: a training forward needs a dropout stream",
                             net->arch);
        if (nd->op == RMN_OP_BN2D && (size_t)n * v->h * v->w < 2)
            return RMN_ERROR(RMN_EINVAL, "%s: batch norm in training needs more than one value "
                             "per channel (batch %d, %dx%d)", net->arch, n, v->h, v->w);
    }
    return RMN_OK;
}

/* Runs node nd forward on a batch of n. */
static void run_node(rmn_net *net, const rmn_exec *exp, rmn_node *nd, int n, int training,
                     rmn_rng *dropout_rng) {
    rmn_exec ex = *exp;
    ex.layout = rmn_net_node_layout(net, nd);
    const rmn_backend *be = &net->ops;
    float *P = net->params, *B = net->buffers;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    const size_t count = (size_t)n * rmn_value_size(out);
    const int hw = in->h * in->w;
    float *y = out->data;
    const float *xin = in->data;
    const float *bias = nd->b_off != RMN_NET_NONE ? P + nd->b_off : NULL;
    switch (nd->op) {
    case RMN_OP_CONV2D: {
        rmn_conv2d_shape sh = conv_shape(net, nd, n);
        be->conv2d_forward(&ex, y, xin, P + nd->w_off, bias, &sh);
        break;
    }
    case RMN_OP_CONVT2D: {
        rmn_convt2d_shape sh = convt_shape(net, nd, n);
        be->convt2d_forward(&ex, y, xin, P + nd->w_off, bias, &sh);
        break;
    }
    case RMN_OP_BN2D:
        if (training)
            be->bn2d_forward_train(&ex, y, nd->save_mean, nd->save_invstd, B + nd->rm_off,
                                   B + nd->rv_off, xin, P + nd->w_off, P + nd->b_off, n,
                                   out->c, out->h * out->w, nd->momentum, nd->eps);
        else
            be->bn2d_forward_eval(&ex, y, xin, P + nd->w_off, P + nd->b_off,
                                  B + nd->rm_off, B + nd->rv_off, n, out->c,
                                  out->h * out->w, nd->eps);
        break;
    case RMN_OP_RELU:
        be->relu_forward(&ex, y, xin, count);
        break;
    case RMN_OP_ACT:
        be->act_forward(&ex, y, xin, count, nd->act);
        break;
    case RMN_OP_SOFTMAX_CH:
        be->softmax_ch_forward(&ex, y, xin, n, in->c, hw);
        break;
    case RMN_OP_MAXPOOL2D: {
        rmn_pool2d_shape sh = pool_shape(net, nd, n);
        be->maxpool2d_forward(&ex, y, nd->idx, xin, &sh);
        break;
    }
    case RMN_OP_AVGPOOL2D: {
        rmn_pool2d_shape sh = pool_shape(net, nd, n);
        be->avgpool2d_forward(&ex, y, xin, &sh);
        break;
    }
    case RMN_OP_ADAPTIVE_AVGPOOL2D:
        be->adaptive_avgpool2d_forward(&ex, y, xin, n, in->c, in->h, in->w, out->h, out->w);
        break;
    case RMN_OP_GAP:
        be->gap_forward(&ex, y, xin, n, in->c, hw);
        break;
    case RMN_OP_RESIZE_BILINEAR:
        be->resize_bilinear_forward(&ex, y, xin, n, in->c, in->h, in->w, out->h, out->w);
        break;
    case RMN_OP_BINARY: {
        rmn_bcast_shape sh = bcast_shape(net, nd, n);
        be->binary_forward(&ex, y, xin, net->values[nd->in[1]].data, &sh, nd->binary);
        break;
    }
    case RMN_OP_CONCAT:
        for (int j = 0, c0 = 0; j < nd->n_in; ++j) {
            const rmn_value *v = &net->values[nd->in[j]];
            be->concat_forward(&ex, y, v->data, n, out->c, c0, v->c, hw);
            c0 += v->c;
        }
        break;
    case RMN_OP_FLATTEN:
        memcpy(y, xin, count * sizeof(float));
        break;
    case RMN_OP_CHAN_MEAN:
        be->chan_mean_forward(&ex, y, xin, n, in->c, hw);
        break;
    case RMN_OP_CHAN_MAX:
        be->chan_max_forward(&ex, y, nd->idx, xin, n, in->c, hw);
        break;
    case RMN_OP_DROPOUT:
        if (training && nd->p > 0.0f) {
            rmn_dropout_mask(nd->mask, count, nd->p, dropout_rng);
            be->dropout_forward(&ex, y, xin, nd->mask, count);
        } else {
            memcpy(y, xin, count * sizeof(float));
        }
        break;
    case RMN_OP_LINEAR:
        be->linear_forward(&ex, y, xin, P + nd->w_off, bias, n, (int)rmn_value_size(in),
                           out->c);
        break;
    }
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
        if (training && fused_with_relu(net, nd, 1)) { /* eval forwards keep every value */
            run_with_relu(net, &ex, i, n, 1);
            ++i;
            continue;
        }
        if (training && net->bn_sync && nd->op == RMN_OP_BN2D) /* statistics over the ranks */
            RMN_TRY(rmn_bn_sync_forward(net, nd, n));
        else
            run_node(net, &ex, nd, n, training, dropout_rng);
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
        if (fused_with_relu(net, nd, 0)) {
            run_with_relu(net, &ex, i, n, 0);
            ++i;
            continue;
        }
        run_node(net, &ex, nd, n, 0, NULL);
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
    const rmn_backend *be = &net->ops;
    const rmn_exec ex0 = {.ws = net->ws, .nthreads = net->nthreads, .state = net->backend_state};
    float *P = net->params, *G = net->grads, *B = net->buffers;
    rmn_net_grads_begin(net);
    for (int i = net->n_nodes - 1; i >= 0; --i) {
        rmn_node *nd = &net->nodes[i];
        /* a ReLU fused into the batch norm or add before it runs in that one's backward */
        if (net->training && nd->op == RMN_OP_RELU && i > 0 &&
            fused_with_relu(net, &net->nodes[i - 1], 1))
            continue;
        const int fused = net->training && fused_with_relu(net, nd, 1);
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
        const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
        const size_t count = (size_t)n * rmn_value_size(out);
        const int hw = in->h * in->w;
        const float *dy = out->grad, *xin = in->data;
        float *dx = in->grad;
        float *dbias = nd->b_off != RMN_NET_NONE ? G + nd->b_off : NULL;
        switch (nd->op) {
        case RMN_OP_CONV2D: {
            rmn_conv2d_shape sh = conv_shape(net, nd, n);
            be->conv2d_backward(&ex, dx, G + nd->w_off, dbias, dy, xin, P + nd->w_off, &sh);
            break;
        }
        case RMN_OP_CONVT2D: {
            rmn_convt2d_shape sh = convt_shape(net, nd, n);
            be->convt2d_backward(&ex, dx, G + nd->w_off, dbias, dy, xin, P + nd->w_off, &sh);
            break;
        }
        case RMN_OP_BN2D:
            if (fused) /* dy: the gradient of the fused ReLU's output */
                be->bn2d_relu_backward_train(&ex, dx, G + nd->w_off, G + nd->b_off,
                                             net->values[net->nodes[i + 1].out].grad,
                                             nd->relu_mask, xin, P + nd->w_off, nd->save_mean,
                                             nd->save_invstd, n, out->c, out->h * out->w);
            else if (net->training && net->bn_sync)
                RMN_TRY(rmn_bn_sync_backward(net, nd, n, ex.fresh));
            else if (net->training)
                be->bn2d_backward_train(&ex, dx, G + nd->w_off, G + nd->b_off, dy, xin,
                                        P + nd->w_off, nd->save_mean, nd->save_invstd, n,
                                        out->c, out->h * out->w);
            else
                be->bn2d_backward_eval(&ex, dx, G + nd->w_off, G + nd->b_off, dy, xin,
                                       P + nd->w_off, B + nd->rm_off, B + nd->rv_off, n,
                                       out->c, out->h * out->w, nd->eps);
            break;
        case RMN_OP_RELU:
            if (dx)
                be->relu_backward(&ex, dx, dy, xin, count);
            break;
        case RMN_OP_ACT:
            if (dx)
                be->act_backward(&ex, dx, dy, xin, out->data, count, nd->act);
            break;
        case RMN_OP_SOFTMAX_CH:
            if (dx)
                be->softmax_ch_backward(&ex, dx, dy, out->data, n, in->c, hw);
            break;
        case RMN_OP_MAXPOOL2D: {
            rmn_pool2d_shape sh = pool_shape(net, nd, n);
            if (dx)
                be->maxpool2d_backward(&ex, dx, dy, nd->idx, &sh);
            break;
        }
        case RMN_OP_AVGPOOL2D: {
            rmn_pool2d_shape sh = pool_shape(net, nd, n);
            if (dx)
                be->avgpool2d_backward(&ex, dx, dy, &sh);
            break;
        }
        case RMN_OP_ADAPTIVE_AVGPOOL2D:
            if (dx)
                be->adaptive_avgpool2d_backward(&ex, dx, dy, n, in->c, in->h, in->w, out->h,
                                                out->w);
            break;
        case RMN_OP_GAP:
            if (dx)
                be->gap_backward(&ex, dx, dy, n, in->c, hw);
            break;
        case RMN_OP_RESIZE_BILINEAR:
            if (dx)
                be->resize_bilinear_backward(&ex, dx, dy, n, in->c, in->h, in->w, out->h,
                                             out->w);
            break;
        case RMN_OP_BINARY: {
            rmn_bcast_shape sh = bcast_shape(net, nd, n);
            const rmn_value *vb = &net->values[nd->in[1]];
            if (fused) { /* dy: the fused ReLU output's gradient, masked by that output */
                const rmn_value *r = &net->values[net->nodes[i + 1].out];
                be->add_relu_backward(&ex, dx, vb->grad, r->grad, r->data, count);
            } else if (dx || vb->grad)
                be->binary_backward(&ex, dx, vb->grad, dy, xin, vb->data, &sh, nd->binary);
            break;
        }
        case RMN_OP_CONCAT:
            for (int j = 0, c0 = 0; j < nd->n_in; ++j) {
                const rmn_value *v = &net->values[nd->in[j]];
                if (v->grad)
                    be->concat_backward(&ex, v->grad, dy, n, out->c, c0, v->c, hw);
                c0 += v->c;
            }
            break;
        case RMN_OP_FLATTEN:
            for (size_t j = 0; dx && j < count; ++j)
                dx[j] += dy[j];
            break;
        case RMN_OP_CHAN_MEAN:
            if (dx)
                be->chan_mean_backward(&ex, dx, dy, n, in->c, hw);
            break;
        case RMN_OP_CHAN_MAX:
            if (dx)
                be->chan_max_backward(&ex, dx, dy, nd->idx, n, in->c, hw);
            break;
        case RMN_OP_DROPOUT:
            if (!dx)
                break;
            if (net->training && nd->p > 0.0f)
                be->dropout_backward(&ex, dx, dy, nd->mask, count);
            else
                for (size_t j = 0; j < count; ++j)
                    dx[j] += dy[j];
            break;
        case RMN_OP_LINEAR:
            be->linear_backward(&ex, dx, G + nd->w_off, dbias, dy, xin, P + nd->w_off, n,
                                (int)rmn_value_size(in), out->c);
            break;
        }
        if (net->grads_ready && (nd->w_off != RMN_NET_NONE || nd->b_off != RMN_NET_NONE))
            net->grads_ready(net->grads_ready_ctx, nd->w_off < nd->b_off ? nd->w_off : nd->b_off);
    }
    net->extra_grad = NULL; /* for one backward only */
    RMN_TRY(backend_check(net));
    net->backward_done = 1;
    return RMN_OK;
}

void rmn_net_set_bn_sync(rmn_net *net, void (*sum)(void *ctx, double *x, int n), void *ctx) {
    net->bn_sync = sum;
    net->bn_sync_ctx = ctx;
    drop_plan(net);
}

void rmn_net_set_grads_ready(rmn_net *net, void (*ready)(void *ctx, size_t from), void *ctx) {
    net->grads_ready = ready;
    net->grads_ready_ctx = ctx;
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

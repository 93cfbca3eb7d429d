/* op_hardswish.c -- the op descriptor of hardswish, x * min(max(x + 3, 0), 6) / 6 (PyTorch's
 * nn.Hardswish; see nn/op.h). The op added by docs/ARCHITECTURE.md's recipe: this descriptor,
 * its row in op_table.c, its kernels (tensor/hardswish.h) and a finite-difference row. */
#include "nn/op.h"

#include "core/error.h"

/* x:(C,H,W) -> y:(C,H,W) */
static int hardswish_infer(const rmn_net *net, const rmn_node *nd, int *c, int *h, int *w) {
    const rmn_value *in = &net->values[nd->in[0]];
    *c = in->c, *h = in->h, *w = in->w;
    return RMN_OK;
}

static int hardswish_fwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int training,
                         rmn_rng *rng) {
    (void)training, (void)rng;
    const rmn_value *out = &net->values[nd->out];
    net->ops.hardswish_forward(ex, out->data, net->values[nd->in[0]].data,
                               (size_t)n * rmn_value_size(out));
    return RMN_OK;
}

static int hardswish_bwd(rmn_net *net, const rmn_exec *ex, rmn_node *nd, int n, int fused) {
    (void)fused;
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    if (in->grad)
        net->ops.hardswish_backward(ex, in->grad, out->grad, in->data,
                                    (size_t)n * rmn_value_size(out));
    return RMN_OK;
}

const rmn_op_desc rmn_op_hardswish = {
    .name = "hardswish", .arity = 1, .infer = hardswish_infer, .forward = hardswish_fwd,
    .backward = hardswish_bwd,
    /* element-wise: any layout, input and output alike */
    .layout = RMN_OPL_BLOCKED | RMN_OPL_COUPLED,
};

/* bn_sync.c -- synchronised batch norm in training (rmn_net_set_bn_sync): the batch statistics
 * of all ranks' shares, as PyTorch's SyncBatchNorm. Forward sums (sum x, sum x^2, count) per
 * channel over the ranks before normalising; backward sums (sum dy, sum dy xhat, count) before
 * the input gradient. The parameter gradients stay this rank's (summed with the others later,
 * as every gradient). Plain loops over plain NCHW or blocked nChw16c values: correct, not
 * fast; the statistics in double. */
#include "nn/bn_sync.h"

#include <math.h>
#include <stdlib.h>

/* x:(n,C,H,W) plain, or nChw16c when blocked (C a multiple of 16) */
static size_t at(int blocked, int c_all, int hw, int i, int c, int p) {
    if (!blocked)
        return ((size_t)i * (size_t)c_all + (size_t)c) * (size_t)hw + (size_t)p;
    return (((size_t)i * (size_t)(c_all / 16) + (size_t)(c / 16)) * (size_t)hw + (size_t)p) * 16 + (size_t)(c % 16);
}

int rmn_bn_sync_forward(rmn_net *net, rmn_node *nd, int n) {
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    const int c_all = out->c, hw = out->h * out->w, blk = out->blocked;
    const float *x = in->data, *g = net->params + nd->w_off, *b = net->params + nd->b_off;
    float *y = out->data, *rm = net->buffers + nd->rm_off, *rv = net->buffers + nd->rv_off;
    double *s = calloc(2 * (size_t)c_all + 1, sizeof *s);
    if (!s)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory in a synchronised batch norm", net->arch);
    for (int c = 0; c < c_all; ++c)
        for (int i = 0; i < n; ++i)
            for (int p = 0; p < hw; ++p) {
                const double v = x[at(blk, c_all, hw, i, c, p)];
                s[c] += v;
                s[c_all + c] += v * v;
            }
    s[2 * c_all] = (double)n * hw;
    net->bn_sync(net->bn_sync_ctx, s, 2 * c_all + 1);
    const double m = s[2 * c_all];
    for (int c = 0; c < c_all; ++c) {
        const double mean = s[c] / m, var = fmax(s[c_all + c] / m - mean * mean, 0.0);
        const double invstd = 1.0 / sqrt(var + nd->eps);
        nd->save_mean[c] = (float)mean;
        nd->save_invstd[c] = (float)invstd;
        for (int i = 0; i < n; ++i)
            for (int p = 0; p < hw; ++p) {
                const size_t k = at(blk, c_all, hw, i, c, p);
                y[k] = (float)(((double)x[k] - mean) * invstd * g[c] + b[c]);
            }
        rm[c] = (float)((1.0 - nd->momentum) * rm[c] + nd->momentum * mean);
        rv[c] = (float)((1.0 - nd->momentum) * rv[c] + nd->momentum * var * (m > 1 ? m / (m - 1) : 1.0));
    }
    free(s);
    return RMN_OK;
}

int rmn_bn_sync_backward(rmn_net *net, rmn_node *nd, int n, unsigned fresh) {
    const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
    const int c_all = out->c, hw = out->h * out->w, blk = out->blocked;
    const float *x = in->data, *dy = out->grad, *g = net->params + nd->w_off;
    float *dx = in->grad, *dg = net->grads + nd->w_off, *db = net->grads + nd->b_off;
    double *s = calloc(2 * (size_t)c_all + 1, sizeof *s);
    if (!s)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory in a synchronised batch norm", net->arch);
    for (int c = 0; c < c_all; ++c)
        for (int i = 0; i < n; ++i)
            for (int p = 0; p < hw; ++p) {
                const size_t k = at(blk, c_all, hw, i, c, p);
                s[c] += dy[k];
                s[c_all + c] += (double)dy[k] * ((double)x[k] - nd->save_mean[c]) * nd->save_invstd[c];
            }
    for (int c = 0; c < c_all; ++c) { /* this rank's parameter gradients; each is this node's alone */
        db[c] = (float)s[c];
        dg[c] = (float)s[c_all + c];
    }
    s[2 * c_all] = (double)n * hw;
    net->bn_sync(net->bn_sync_ctx, s, 2 * c_all + 1);
    const double m = s[2 * c_all];
    for (int c = 0; dx && c < c_all; ++c) {
        const double mean_dy = s[c] / m, mean_dyx = s[c_all + c] / m, gi = g[c] * nd->save_invstd[c];
        for (int i = 0; i < n; ++i)
            for (int p = 0; p < hw; ++p) {
                const size_t k = at(blk, c_all, hw, i, c, p);
                const double xhat = ((double)x[k] - nd->save_mean[c]) * nd->save_invstd[c];
                const float v = (float)(gi * (dy[k] - mean_dy - xhat * mean_dyx));
                dx[k] = (fresh & RMN_FRESH_DX) ? v : dx[k] + v;
            }
    }
    free(s);
    return RMN_OK;
}

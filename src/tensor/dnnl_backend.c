/* dnnl_backend.c -- the "dnnl" op table (see dnnl_backend.h): the state of dnnl_state.c and the
 * entries of each family's file (dnnl_conv.c, dnnl_convt.c, dnnl_norm.c, dnnl_pool.c,
 * dnnl_linear.c); the entries it leaves NULL come from "cpu" (rmn_backend_resolve). */
#include "tensor/dnnl_internal.h"

const rmn_backend rmn_backend_dnnl = {
    .name = "dnnl",
    .state_create = rmn_dnnl_state_create,
    .state_free = rmn_dnnl_state_free,
    .state_check = rmn_dnnl_state_check,
    .set_precision = rmn_dnnl_set_precision,
    .blocked16 = 1,
    /* relu and binary come from "cpu" (rmn_backend_resolve), which honours fresh there too */
    .fresh_ops = RMN_FRESH_OP_CONV2D | RMN_FRESH_OP_BN2D | RMN_FRESH_OP_RELU |
                 RMN_FRESH_OP_BINARY | RMN_FRESH_OP_MAXPOOL | RMN_FRESH_OP_GAP |
                 RMN_FRESH_OP_LINEAR | RMN_FRESH_OP_CONVT2D,
    /* conv (the "cpu" fallback, for a shape oneDNN refuses, needs the im2col scratch) */
    .conv2d_workspace = rmn_gemm_conv2d_workspace,
    .conv2d_forward = rmn_dnnl_conv_forward,
    .conv2d_backward = rmn_dnnl_conv_backward,
    /* convT */
    .convt2d_workspace = rmn_dnnl_convt_workspace,
    .convt2d_forward = rmn_dnnl_convt_forward,
    .convt2d_backward = rmn_dnnl_convt_backward,
    /* norm */
    .bn2d_forward_train = rmn_dnnl_bn_forward_train,
    .bn2d_forward_eval = rmn_dnnl_bn_forward_eval,
    .bn2d_backward_train = rmn_dnnl_bn_backward_train,
    .bn2d_backward_eval = rmn_dnnl_bn_backward_eval,
    .bn2d_relu_forward_train = rmn_dnnl_bn_relu_forward_train,
    .bn2d_relu_backward_train = rmn_dnnl_bn_relu_backward_train,
    .bn2d_relu_forward_eval = rmn_dnnl_bn_relu_forward_eval,
    .bn2d_silu_forward_train = rmn_dnnl_bn_silu_forward_train,
    .bn2d_silu_backward_train = rmn_dnnl_bn_silu_backward_train,
    /* pool */
    .maxpool2d_forward = rmn_dnnl_maxpool_forward,
    .maxpool2d_backward = rmn_dnnl_maxpool_backward,
    .avgpool2d_forward = rmn_dnnl_avgpool_forward,
    .avgpool2d_backward = rmn_dnnl_avgpool_backward,
    .gap_forward = rmn_dnnl_gap_forward,
    .gap_backward = rmn_dnnl_gap_backward,
    .chan_mean_forward = rmn_dnnl_chan_mean_forward,
    .chan_mean_backward = rmn_dnnl_chan_mean_backward,
    .chan_max_forward = rmn_dnnl_chan_max_forward,
    .chan_max_backward = rmn_dnnl_chan_max_backward,
    .resize_bilinear_forward = rmn_dnnl_resize_forward,
    .resize_bilinear_backward = rmn_dnnl_resize_backward,
    /* linear */
    .linear_forward = rmn_dnnl_linear_forward,
    .linear_backward = rmn_dnnl_linear_backward,
};

/* op_table.c -- the op table: one descriptor per rmn_op, in the enum's order (see nn/op.h). */
#include "nn/op.h"

const rmn_op_desc *const rmn_op_table[RMN_OP_COUNT] = {
    [RMN_OP_CONV2D] = &rmn_op_conv2d,
    [RMN_OP_BN2D] = &rmn_op_bn2d,
    [RMN_OP_RELU] = &rmn_op_relu,
    [RMN_OP_MAXPOOL2D] = &rmn_op_maxpool2d,
    [RMN_OP_GAP] = &rmn_op_gap,
    [RMN_OP_DROPOUT] = &rmn_op_dropout,
    [RMN_OP_LINEAR] = &rmn_op_linear,
    [RMN_OP_CONVT2D] = &rmn_op_convt2d,
    [RMN_OP_ACT] = &rmn_op_act,
    [RMN_OP_SOFTMAX_CH] = &rmn_op_softmax_ch,
    [RMN_OP_AVGPOOL2D] = &rmn_op_avgpool2d,
    [RMN_OP_ADAPTIVE_AVGPOOL2D] = &rmn_op_adaptive_avgpool2d,
    [RMN_OP_RESIZE_BILINEAR] = &rmn_op_resize_bilinear,
    [RMN_OP_BINARY] = &rmn_op_binary,
    [RMN_OP_CONCAT] = &rmn_op_concat,
    [RMN_OP_FLATTEN] = &rmn_op_flatten,
    [RMN_OP_CHAN_MEAN] = &rmn_op_chan_mean,
    [RMN_OP_CHAN_MAX] = &rmn_op_chan_max,
    [RMN_OP_HARDSWISH] = &rmn_op_hardswish,
};

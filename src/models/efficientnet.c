/* efficientnet.c -- pytorchcv's EfficientNet-B2b (width 1.1, depth 1.2, BN eps 1e-3, swish)
 * with the thesis's head: dropout 0.3 + Linear(1408, classes).
 * Stages (channels x units, kernel, stride of the first unit, expansion): stage1 16x2 k3 s1
 * (depthwise-separable units, SE reduction 4 of the input), stage2 24x3 k3 s2 e6, stage3 48x3
 * k5 s2 e6, stage4 88x4 k3 s2 + 120x4 k5 e6, stage5 208x5 k5 s2 + 352x2 k3 e6 (inverted
 * residual units, SE of the expanded channels with reduction 24); init block conv3x3/2 (32),
 * final block conv1x1 1408, global avgpool. SE: avgpool, conv1x1 (bias), swish, conv1x1
 * (bias), sigmoid, multiply. Residual when in == out and stride 1.
 * Padding as pytorchcv's "b" models (tf_mode): TF-"same", asymmetric at stride 2 on even
 * sizes (0 before, 1 after for k3; 1 and 2 for k5), k/2 elsewhere (checkpoints from before,
 * with symmetric pads: rmn_model_revision). Profile 48: init block stride 1 (stages at
 * 48/24/12/6/3), widths scaled by width/64.
 * Names pytorchcv's ("features.stage2.unit1.conv1.conv.weight"). Init pytorchcv's: conv weights
 * kaiming uniform (fan_in, relu gain), conv biases 0, BN 1/0, linear default. */
#include <math.h>

#include "core/error.h"
#include "models/zoo.h"

/* TF "same" padding of a size-n axis (pytorchcv's calc_tf_padding): the total pad makes
 * ceil(n / stride) outputs; the top/left get half (rounded down), the bottom/right the rest. */
static void tf_same(int n, int k, int stride, int *before, int *after) {
    const int total = ((n + stride - 1) / stride - 1) * stride + k - n;
    *before = total > 0 ? total / 2 : 0;
    *after = total > 0 ? total - total / 2 : 0;
}

/* conv (k x k, stride, groups, TF-same pads) + BN(1e-3) + optional swish; kaiming-uniform
 * init. */
static int cba(rmn_net *net, const char *pre, int x, int out, int k, int stride, int groups,
               int act, int *y) {
    char a[RMN_ZOO_NAME], b[RMN_ZOO_NAME];
    rmn_conv_params p = {.kh = k, .kw = k, .stride_h = stride, .stride_w = stride,
                         .groups = groups, .asym_pad = 1};
    tf_same(rmn_zoo_h(net, x), k, stride, &p.pad_h, &p.pad_b);
    tf_same(rmn_zoo_w(net, x), k, stride, &p.pad_w, &p.pad_r);
    const int cin = rmn_zoo_c(net, x);
    RMN_TRY(rmn_zoo_conv_bn_act_ex(net, rmn_zoo_name(a, "%s.conv", pre),
                                   rmn_zoo_name(b, "%s.bn", pre), x, out, &p, 1e-3,
                                   act ? RMN_ACT_SILU : -1, y));
    return rmn_zoo_init_kaiming_uniform(net, rmn_zoo_name(a, "%s.conv.weight", pre),
                                        cin / groups * k * k);
}

/* SE block: x * sigmoid(conv2(swish(conv1(gap(x))))) with mid = max(1, C / reduction). */
static int se(rmn_net *net, const char *pre, int x, int mid, int *y) {
    char a[RMN_ZOO_NAME];
    const int c = rmn_zoo_c(net, x);
    int t;
    RMN_TRY(rmn_net_add_gap(net, x, &t));
    RMN_TRY(rmn_net_add_conv2d(net, rmn_zoo_name(a, "%s.conv1", pre), t, mid, 1, 1, 0, 1, &t));
    RMN_TRY(rmn_zoo_init_kaiming_uniform(net, rmn_zoo_name(a, "%s.conv1.weight", pre), c));
    RMN_TRY(rmn_net_set_init(net, rmn_zoo_name(a, "%s.conv1.bias", pre), RMN_INIT_ZEROS, 0));
    RMN_TRY(rmn_net_add_act(net, t, RMN_ACT_SILU, &t));
    RMN_TRY(rmn_net_add_conv2d(net, rmn_zoo_name(a, "%s.conv2", pre), t, c, 1, 1, 0, 1, &t));
    RMN_TRY(rmn_zoo_init_kaiming_uniform(net, rmn_zoo_name(a, "%s.conv2.weight", pre), mid));
    RMN_TRY(rmn_net_set_init(net, rmn_zoo_name(a, "%s.conv2.bias", pre), RMN_INIT_ZEROS, 0));
    RMN_TRY(rmn_net_add_act(net, t, RMN_ACT_SIGMOID, &t));
    return rmn_net_add_mul(net, x, t, y);
}

int rmn_efficientnet_graph(const char *arch, const rmn_model_config *cfg, int profile,
                           rmn_net *net, int *logits) {
    (void)arch;
    static const struct {
        int ch, units, k, stride, stage;
    } rows[] = {
        {16, 2, 3, 1, 1}, {24, 3, 3, 2, 2}, {48, 3, 5, 2, 3}, {88, 4, 3, 2, 4},
        {120, 4, 5, 1, 4}, {208, 5, 5, 2, 5}, {352, 2, 3, 1, 5},
    };
    const int w = profile == RMN_PROFILE_48 ? cfg->width : 0;
    char pre[RMN_ZOO_NAME], sub[RMN_ZOO_NAME];
    int x;
    RMN_TRY(cba(net, "features.init_block.conv", 0, rmn_zoo_ch(32, w), 3,
                profile == RMN_PROFILE_48 ? 1 : 2, 1, 1, &x));
    int stage = 0, unit = 0;
    for (int r = 0; r < (int)(sizeof rows / sizeof rows[0]); ++r) {
        if (rows[r].stage != stage) {
            stage = rows[r].stage;
            unit = 0;
        }
        const int out = rmn_zoo_ch(rows[r].ch, w);
        for (int u = 0; u < rows[r].units; ++u) {
            const int in = rmn_zoo_c(net, x), stride = u == 0 ? rows[r].stride : 1;
            rmn_zoo_name(pre, "features.stage%d.unit%d", stage, ++unit);
            int t = x;
            if (stage == 1) {
                RMN_TRY(cba(net, rmn_zoo_name(sub, "%s.dw_conv", pre), t, in, 3, stride, in, 1,
                            &t));
                RMN_TRY(se(net, rmn_zoo_name(sub, "%s.se", pre), t, in / 4 > 0 ? in / 4 : 1, &t));
                RMN_TRY(cba(net, rmn_zoo_name(sub, "%s.pw_conv", pre), t, out, 1, 1, 1, 0, &t));
            } else {
                const int mid = 6 * in;
                RMN_TRY(cba(net, rmn_zoo_name(sub, "%s.conv1", pre), t, mid, 1, 1, 1, 1, &t));
                RMN_TRY(cba(net, rmn_zoo_name(sub, "%s.conv2", pre), t, mid, rows[r].k, stride,
                            mid, 1, &t));
                RMN_TRY(se(net, rmn_zoo_name(sub, "%s.se", pre), t, mid / 24 > 0 ? mid / 24 : 1,
                           &t));
                RMN_TRY(cba(net, rmn_zoo_name(sub, "%s.conv3", pre), t, out, 1, 1, 1, 0, &t));
            }
            if (in == out && stride == 1)
                RMN_TRY(rmn_net_add_add(net, t, x, &t));
            x = t;
        }
    }
    RMN_TRY(cba(net, "features.final_block", x, rmn_zoo_ch(1408, w), 1, 1, 1, 1, &x));
    return rmn_zoo_head(net, x, 0.3f, "output.fc", cfg->num_classes, logits);
}

/* attresnet.c -- pytorchcv's CBAM-ResNet50 and BAM-ResNet50 with Linear(2048, classes) heads,
 * and CBAM-ResNet34 (the original's ImageNet model, thesis.md section 8) with Linear(512, classes).
 * Trunk (pytorchcv ResNet50): init block conv7x7/2 + BN + ReLU, maxpool 3/2 pad 1; stages of
 * 3/4/6/3 bottleneck units (1x1, 3x3 with the stride, 1x1 to 256/512/1024/2048 channels; a 1x1
 * + BN identity_conv when the shape changes), global avgpool (pytorchcv's AvgPool 7 at 224).
 * CBAM-ResNet34: the same stages of basic units (3x3 with the stride + BN + ReLU, 3x3 + BN, to
 * 64/128/256/512 channels).
 * CBAM unit: body, then channel gate (shared MLP C -> C/16 -> C on the spatial average and max,
 * summed, sigmoid, multiply), spatial gate (cat[channel max, channel mean], conv7x7 pad 3 + BN,
 * sigmoid, multiply), + identity, ReLU.
 * BAM: before the first unit of stages 2-4 (stride 2), x * (1 + sigmoid(ch(x) * sp(x))) with
 * ch = avgpool, Linear(C, C/16) + BN1d + ReLU, Linear(C/16, C); sp = 1x1 conv (bias) + BN +
 * ReLU to C/16, two 3x3 dilation-4 convs (bias) + BN + ReLU, 1x1 conv (bias) to 1 channel.
 * Profile 48: conv3x3/1 stem + maxpool 2/2 (stages at 24/12/6/3), widths scaled by width/64.
 * Names pytorchcv's ("features.stage1.unit1.body.conv1.conv.weight"). Init pytorchcv's: conv
 * weights kaiming uniform (fan_in, relu gain), conv biases 0, BN 1/0, linear default.
 *
 * CBAM's second MLP pass shares the first pass's linear layers (rmn_net_add_linear_shared:
 * their gradients add into the same tensors). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/zoo.h"

static int cbr(rmn_net *net, const char *pre, int x, int out, int k, int stride, int pad,
               int dil, int bias, int relu, int *y) {
    char a[RMN_ZOO_NAME], b[RMN_ZOO_NAME];
    const int cin = rmn_zoo_c(net, x);
    const rmn_conv_params p = {.kh = k, .kw = k, .stride_h = stride, .stride_w = stride,
                               .pad_h = pad, .pad_w = pad, .dil_h = dil, .dil_w = dil};
    RMN_TRY(rmn_net_add_conv2d_ex(net, rmn_zoo_name(a, "%s.conv", pre), x, out, &p, bias, &x));
    RMN_TRY(rmn_zoo_init_kaiming_uniform(net, rmn_zoo_name(a, "%s.conv.weight", pre),
                                         cin * k * k));
    if (bias)
        RMN_TRY(rmn_net_set_init(net, rmn_zoo_name(a, "%s.conv.bias", pre), RMN_INIT_ZEROS, 0));
    RMN_TRY(rmn_net_add_bn2d(net, rmn_zoo_name(b, "%s.bn", pre), x, &x));
    if (relu)
        RMN_TRY(rmn_net_add_relu(net, x, &x));
    *y = x;
    return RMN_OK;
}

static int cbam(rmn_net *net, const char *pre, int x, int *y) {
    char a[RMN_ZOO_NAME];
    const int c = rmn_zoo_c(net, x), h = rmn_zoo_h(net, x), w = rmn_zoo_w(net, x);
    int avg, mx, t;
    RMN_TRY(rmn_net_add_gap(net, x, &avg));
    const rmn_pool_params gp = {.kh = h, .kw = w};
    RMN_TRY(rmn_net_add_maxpool2d_ex(net, x, &gp, &mx));
    RMN_TRY(rmn_net_add_linear(net, rmn_zoo_name(a, "%s.ch_gate.mlp.fc1", pre), avg, c / 16, 1,
                               &avg));
    const int fc1 = avg;
    RMN_TRY(rmn_net_add_relu(net, avg, &avg));
    RMN_TRY(rmn_net_add_linear(net, rmn_zoo_name(a, "%s.ch_gate.mlp.fc2", pre), avg, c, 1,
                               &avg));
    const int fc2 = avg;
    RMN_TRY(rmn_net_add_linear_shared(net, mx, fc1, &mx));
    RMN_TRY(rmn_net_add_relu(net, mx, &mx));
    RMN_TRY(rmn_net_add_linear_shared(net, mx, fc2, &mx));
    RMN_TRY(rmn_net_add_add(net, avg, mx, &t));
    RMN_TRY(rmn_net_add_act(net, t, RMN_ACT_SIGMOID, &t));
    RMN_TRY(rmn_net_add_mul(net, x, t, &x));
    int cat[2];
    RMN_TRY(rmn_net_add_channel_max(net, x, &cat[0]));
    RMN_TRY(rmn_net_add_channel_mean(net, x, &cat[1]));
    RMN_TRY(rmn_net_add_concat(net, cat, 2, &t));
    RMN_TRY(cbr(net, rmn_zoo_name(a, "%s.sp_gate.conv", pre), t, 1, 7, 1, 3, 1, 0, 0, &t));
    RMN_TRY(rmn_net_add_act(net, t, RMN_ACT_SIGMOID, &t));
    return rmn_net_add_mul(net, x, t, y);
}

static int bam(rmn_net *net, const char *pre, int x, int *y) {
    char a[RMN_ZOO_NAME];
    const int c = rmn_zoo_c(net, x), mid = c / 16 > 0 ? c / 16 : 1;
    int ch, sp;
    RMN_TRY(rmn_net_add_gap(net, x, &ch));
    RMN_TRY(rmn_net_add_linear(net, rmn_zoo_name(a, "%s.ch_att.init_fc.fc", pre), ch, mid, 1,
                               &ch));
    RMN_TRY(rmn_net_add_bn2d(net, rmn_zoo_name(a, "%s.ch_att.init_fc.bn", pre), ch, &ch));
    RMN_TRY(rmn_net_add_relu(net, ch, &ch));
    RMN_TRY(rmn_net_add_linear(net, rmn_zoo_name(a, "%s.ch_att.final_fc", pre), ch, c, 1, &ch));
    RMN_TRY(cbr(net, rmn_zoo_name(a, "%s.sp_att.init_conv", pre), x, mid, 1, 1, 0, 1, 1, 1, &sp));
    for (int i = 1; i <= 2; ++i)
        RMN_TRY(cbr(net, rmn_zoo_name(a, "%s.sp_att.dil_convs.conv%d", pre, i), sp, mid, 3, 1, 4,
                    4, 1, 1, &sp));
    RMN_TRY(rmn_net_add_conv2d(net, rmn_zoo_name(a, "%s.sp_att.final_conv", pre), sp, 1, 1, 1, 0,
                               1, &sp));
    RMN_TRY(rmn_zoo_init_kaiming_uniform(net, rmn_zoo_name(a, "%s.sp_att.final_conv.weight", pre),
                                         mid));
    RMN_TRY(rmn_net_set_init(net, rmn_zoo_name(a, "%s.sp_att.final_conv.bias", pre),
                             RMN_INIT_ZEROS, 0));
    /* ch (C,1,1) * sp (1,H,W): broadcast ch to (C,H,W) first (a bilinear resize of a 1x1 map
     * is an exact copy, its backward an exact sum) */
    RMN_TRY(rmn_net_add_resize_bilinear(net, ch, rmn_zoo_h(net, x), rmn_zoo_w(net, x), &ch));
    RMN_TRY(rmn_net_add_mul(net, ch, sp, &ch));
    RMN_TRY(rmn_net_add_act(net, ch, RMN_ACT_SIGMOID, &ch));
    return rmn_net_add_mask_mul(net, x, ch, y);
}

/* pytorchcv ResNet50-style net (basic: ResNet34's basic units); kind 0 CBAM, 1 BAM. */
static int build(const rmn_model_config *cfg, int profile, int kind, int basic, rmn_net *net,
                 int *logits) {
    static const int layers[4] = {3, 4, 6, 3};
    const int w = profile == RMN_PROFILE_48 ? cfg->width : 0;
    char pre[RMN_ZOO_NAME], sub[RMN_ZOO_NAME];
    int x;
    if (profile == RMN_PROFILE_224) {
        RMN_TRY(cbr(net, "features.init_block.conv", 0, 64, 7, 2, 3, 1, 0, 1, &x));
        RMN_TRY(rmn_net_add_maxpool2d(net, x, 3, 2, 1, &x));
    } else {
        RMN_TRY(cbr(net, "features.init_block.conv", 0, rmn_zoo_ch(64, w), 3, 1, 1, 1, 0, 1, &x));
        RMN_TRY(rmn_net_add_maxpool2d(net, x, 2, 2, 0, &x));
    }
    for (int s = 0; s < 4; ++s)
        for (int u = 0; u < layers[s]; ++u) {
            const int stride = (u == 0 && s > 0) ? 2 : 1, out = rmn_zoo_ch((basic ? 64 : 256) << s, w);
            rmn_zoo_name(pre, "features.stage%d.unit%d", s + 1, u + 1);
            if (kind == 1 && stride != 1)
                RMN_TRY(bam(net, rmn_zoo_name(sub, "%s.bam", pre), x, &x));
            char body[RMN_ZOO_NAME];
            snprintf(body, sizeof body, kind == 1 ? "%s.res_unit" : "%s", pre);
            const int in = rmn_zoo_c(net, x), mid = out / 4 > 0 ? out / 4 : 1;
            int t, id = x;
            if (basic) {
                RMN_TRY(cbr(net, rmn_zoo_name(sub, "%s.body.conv1", body), x, out, 3, stride, 1, 1, 0,
                            1, &t));
                RMN_TRY(cbr(net, rmn_zoo_name(sub, "%s.body.conv2", body), t, out, 3, 1, 1, 1, 0, 0,
                            &t));
            } else {
                RMN_TRY(cbr(net, rmn_zoo_name(sub, "%s.body.conv1", body), x, mid, 1, 1, 0, 1, 0, 1,
                            &t));
                RMN_TRY(cbr(net, rmn_zoo_name(sub, "%s.body.conv2", body), t, mid, 3, stride, 1, 1, 0,
                            1, &t));
                RMN_TRY(cbr(net, rmn_zoo_name(sub, "%s.body.conv3", body), t, out, 1, 1, 0, 1, 0, 0,
                            &t));
            }
            if (in != out || stride != 1)
                RMN_TRY(cbr(net, rmn_zoo_name(sub, "%s.identity_conv", body), x, out, 1, stride,
                            0, 1, 0, 0, &id));
            if (kind == 0)
                RMN_TRY(cbam(net, rmn_zoo_name(sub, "%s.cbam", pre), t, &t));
            RMN_TRY(rmn_net_add_add(net, t, id, &t));
            RMN_TRY(rmn_net_add_relu(net, t, &x));
        }
    return rmn_zoo_head(net, x, 0.0f, "output", cfg->num_classes, logits);
}

int rmn_cbam_graph(const char *arch, const rmn_model_config *cfg, int profile, rmn_net *net,
                   int *logits) {
    return build(cfg, profile, 0, strcmp(arch, "cbam_resnet34") == 0, net, logits);
}

int rmn_bam_graph(const char *arch, const rmn_model_config *cfg, int profile, rmn_net *net,
                  int *logits) {
    (void)arch;
    return build(cfg, profile, 1, 0, net, logits);
}

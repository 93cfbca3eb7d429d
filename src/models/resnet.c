/* resnet.c -- torchvision's ResNets (BasicBlock: resnet18/34, Bottleneck v1.5 with the stride
 * on the 3x3: resnet50/101/152) at both profiles, and resnet18-tv48.
 *
 * Profile 224: conv1 7x7/2 pad 3 (no bias), bn1, relu, maxpool 3/2 pad 1, layer1..4
 * (64,128,256,512 planes), adaptive avgpool 1, fc. Profile 48: conv1 3x3/1 pad 1, bn1, relu,
 * maxpool 2/2 (stages at 24/12/6/3), widths scaled by cfg->width/64. resnet18-tv48 keeps the
 * 224 stem (7x7/2, maxpool 3/2) on 48x48x1 (stages at 12/6/3/2).
 * Init as torchvision: conv weights kaiming normal (fan_out, relu), BN 1/0, fc default.
 * Tensor names are torchvision's ("layer1.0.conv1.weight", "layer2.0.downsample.0.weight"). */
#include <string.h>

#include "core/error.h"
#include "models/zoo.h"

static int block(rmn_net *net, const char *pre, int x, int bottleneck, int inplanes, int planes,
                 int stride, int *y) {
    char a[RMN_ZOO_NAME], b[RMN_ZOO_NAME];
    const int out = bottleneck ? 4 * planes : planes;
    int t = x, sc = x;
    if (bottleneck) {
        RMN_TRY(rmn_zoo_conv_bn_act(net, rmn_zoo_name(a, "%s.conv1", pre),
                                    rmn_zoo_name(b, "%s.bn1", pre), t, planes, 1, 1, 0, 1e-5,
                                    RMN_ACT_RELU, &t));
        RMN_TRY(rmn_zoo_conv_bn_act(net, rmn_zoo_name(a, "%s.conv2", pre),
                                    rmn_zoo_name(b, "%s.bn2", pre), t, planes, 3, stride, 1,
                                    1e-5, RMN_ACT_RELU, &t));
        RMN_TRY(rmn_zoo_conv_bn_act(net, rmn_zoo_name(a, "%s.conv3", pre),
                                    rmn_zoo_name(b, "%s.bn3", pre), t, out, 1, 1, 0, 1e-5, -1,
                                    &t));
    } else {
        RMN_TRY(rmn_zoo_conv_bn_act(net, rmn_zoo_name(a, "%s.conv1", pre),
                                    rmn_zoo_name(b, "%s.bn1", pre), t, planes, 3, stride, 1,
                                    1e-5, RMN_ACT_RELU, &t));
        RMN_TRY(rmn_zoo_conv_bn_act(net, rmn_zoo_name(a, "%s.conv2", pre),
                                    rmn_zoo_name(b, "%s.bn2", pre), t, planes, 3, 1, 1, 1e-5,
                                    -1, &t));
    }
    if (stride != 1 || inplanes != out)
        RMN_TRY(rmn_zoo_conv_bn_act(net, rmn_zoo_name(a, "%s.downsample.0", pre),
                                    rmn_zoo_name(b, "%s.downsample.1", pre), x, out, 1, stride,
                                    0, 1e-5, -1, &sc));
    RMN_TRY(rmn_net_add_add(net, t, sc, &t));
    return rmn_net_add_relu(net, t, y);
}

int rmn_resnet_stage(rmn_net *net, const char *name, int x, int bottleneck, int *inplanes,
                     int planes, int blocks, int stride, int *y) {
    char pre[RMN_ZOO_NAME];
    for (int i = 0; i < blocks; ++i) {
        RMN_TRY(block(net, rmn_zoo_name(pre, "%s.%d", name, i), x, bottleneck, *inplanes,
                      planes, i == 0 ? stride : 1, &x));
        *inplanes = bottleneck ? 4 * planes : planes;
    }
    *y = x;
    return rmn_net_name_value(net, x, name); /* the stage's output: "layer4" (explanations) */
}

int rmn_resnet_stem(rmn_net *net, int profile, int width, int x, int *y) {
    if (profile == RMN_PROFILE_224) {
        RMN_TRY(rmn_zoo_conv_bn_act(net, "conv1", "bn1", x, 64, 7, 2, 3, 1e-5, RMN_ACT_RELU,
                                    &x));
        return rmn_net_add_maxpool2d(net, x, 3, 2, 1, y);
    }
    RMN_TRY(rmn_zoo_conv_bn_act(net, "conv1", "bn1", x, rmn_zoo_ch(64, width), 3, 1, 1, 1e-5,
                                RMN_ACT_RELU, &x));
    return rmn_net_add_maxpool2d(net, x, 2, 2, 0, y);
}

int rmn_resnet_init(rmn_net *net) {
    return rmn_net_set_init_op(net, RMN_OP_CONV2D, "weight", RMN_INIT_KAIMING_NORMAL_FAN_OUT, 0,
                               NULL);
}

int rmn_resnet_graph(const char *arch, const rmn_model_config *cfg, int profile, rmn_net *net,
                     int *logits) {
    static const struct {
        const char *name;
        int bottleneck, layers[4];
    } defs[] = {
        {"resnet18", 0, {2, 2, 2, 2}},   {"resnet34", 0, {3, 4, 6, 3}},
        {"resnet50", 1, {3, 4, 6, 3}},   {"resnet101", 1, {3, 4, 23, 3}},
        {"resnet152", 1, {3, 8, 36, 3}}, {"resnet18-tv48", 0, {2, 2, 2, 2}},
        {"resnet18_centerloss", 0, {2, 2, 2, 2}},
    };
    int d = -1;
    for (int i = 0; i < (int)(sizeof defs / sizeof defs[0]); ++i)
        if (strcmp(arch, defs[i].name) == 0)
            d = i;
    if (d < 0)
        return RMN_ERROR(RMN_ENOTFOUND, "resnet: unknown architecture '%s'", arch);
    const int tv48 = strcmp(arch, "resnet18-tv48") == 0;
    if (tv48 && profile != RMN_PROFILE_48)
        return RMN_ERROR(RMN_EINVAL, "%s: only for 48x48x1 input (the 48 profile)", arch);
    const int w = profile == RMN_PROFILE_48 ? cfg->width : 0;
    int x = 0;
    if (tv48) {
        RMN_TRY(rmn_zoo_conv_bn_act(net, "conv1", "bn1", x, rmn_zoo_ch(64, w), 7, 2, 3, 1e-5,
                                    RMN_ACT_RELU, &x));
        RMN_TRY(rmn_net_add_maxpool2d(net, x, 3, 2, 1, &x));
    } else {
        RMN_TRY(rmn_resnet_stem(net, profile, w, x, &x));
    }
    int inplanes = rmn_zoo_ch(64, w);
    char name[RMN_ZOO_NAME];
    for (int s = 0; s < 4; ++s)
        RMN_TRY(rmn_resnet_stage(net, rmn_zoo_name(name, "layer%d", s + 1), x,
                                 defs[d].bottleneck, &inplanes, rmn_zoo_ch(64 << s, w),
                                 defs[d].layers[s], s == 0 ? 1 : 2, &x));
    RMN_TRY(rmn_resnet_init(net));
    if (strcmp(arch, "resnet18_centerloss") == 0) {
        /* the original's resnet18_centerloss as its centerloss trainer uses it: the pooled
         * features, a 2-D embedding "center_loss_fc" (no ReLU, so the plane stays whole), and
         * "fc" 2 -> K reading it; the center loss acts on the 2-D features */
        RMN_TRY(rmn_net_add_gap(net, x, &x));
        RMN_TRY(rmn_net_add_linear(net, "center_loss_fc", x, 2, 1, &x));
        return rmn_net_add_linear(net, "fc", x, cfg->num_classes, 1, logits);
    }
    return rmn_zoo_head(net, x, 0.0f, "fc", cfg->num_classes, logits);
}

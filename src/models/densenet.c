/* densenet.c -- torchvision's DenseNet-121 (growth 32, bn_size 4, blocks 6/12/24/16,
 * compression 0.5) with the thesis's classifier Linear(1024, classes).
 * Profile 224: conv0 7x7/2 pad 3, norm0, relu, pool0 max 3/2 pad 1, dense blocks with
 * transitions (BN, ReLU, 1x1 conv, avgpool 2/2), norm5, ReLU, global avgpool, classifier.
 * Profile 48: conv0 3x3/1 pad 1, pool0 max 2/2 (blocks at 24/12/6/3); growth and stem widths
 * scaled by width/64. Names torchvision's ("features.denseblock1.denselayer1.conv1.weight").
 * Init torchvision's: conv kaiming normal (fan_in), BN 1/0, classifier bias 0. */
#include "core/error.h"
#include "models/zoo.h"

int rmn_densenet_graph(const char *arch, const rmn_model_config *cfg, int profile, rmn_net *net,
                       int *logits) {
    (void)arch;
    static const int blocks[4] = {6, 12, 24, 16};
    const int w = profile == RMN_PROFILE_48 ? cfg->width : 0;
    const int growth = rmn_zoo_ch(32, w), bn_size = 4;
    char a[RMN_ZOO_NAME], b[RMN_ZOO_NAME];
    int x, c = rmn_zoo_ch(64, w);
    if (profile == RMN_PROFILE_224) {
        RMN_TRY(rmn_zoo_conv_bn_act(net, "features.conv0", "features.norm0", 0, c, 7, 2, 3,
                                    1e-5, RMN_ACT_RELU, &x));
        RMN_TRY(rmn_net_add_maxpool2d(net, x, 3, 2, 1, &x));
    } else {
        RMN_TRY(rmn_zoo_conv_bn_act(net, "features.conv0", "features.norm0", 0, c, 3, 1, 1,
                                    1e-5, RMN_ACT_RELU, &x));
        RMN_TRY(rmn_net_add_maxpool2d(net, x, 2, 2, 0, &x));
    }
    for (int s = 0; s < 4; ++s) {
        int feats[64], nf = 0;
        feats[nf++] = x;
        for (int l = 0; l < blocks[s]; ++l) {
            int in = x, t;
            if (nf > 1)
                RMN_TRY(rmn_net_add_concat(net, feats, nf, &in));
            const char *pre = rmn_zoo_name(b, "features.denseblock%d.denselayer%d", s + 1, l + 1);
            char pre2[RMN_ZOO_NAME];
            snprintf(pre2, sizeof pre2, "%s", pre);
            RMN_TRY(rmn_net_add_bn2d(net, rmn_zoo_name(a, "%s.norm1", pre2), in, &t));
            RMN_TRY(rmn_net_add_relu(net, t, &t));
            RMN_TRY(rmn_net_add_conv2d(net, rmn_zoo_name(a, "%s.conv1", pre2), t,
                                       bn_size * growth, 1, 1, 0, 0, &t));
            RMN_TRY(rmn_net_add_bn2d(net, rmn_zoo_name(a, "%s.norm2", pre2), t, &t));
            RMN_TRY(rmn_net_add_relu(net, t, &t));
            RMN_TRY(rmn_net_add_conv2d(net, rmn_zoo_name(a, "%s.conv2", pre2), t, growth, 3, 1,
                                       1, 0, &t));
            feats[nf++] = t;
        }
        RMN_TRY(rmn_net_add_concat(net, feats, nf, &x));
        c += blocks[s] * growth;
        if (s < 3) {
            RMN_TRY(rmn_net_add_bn2d(net, rmn_zoo_name(a, "features.transition%d.norm", s + 1), x,
                                     &x));
            RMN_TRY(rmn_net_add_relu(net, x, &x));
            RMN_TRY(rmn_net_add_conv2d(net, rmn_zoo_name(a, "features.transition%d.conv", s + 1),
                                       x, c / 2, 1, 1, 0, 0, &x));
            const rmn_pool_params p = {.kh = 2, .kw = 2, .stride_h = 2, .stride_w = 2,
                                       .count_include_pad = 1};
            RMN_TRY(rmn_net_add_avgpool2d(net, x, &p, &x));
            c /= 2;
        }
    }
    RMN_TRY(rmn_net_add_bn2d(net, "features.norm5", x, &x));
    RMN_TRY(rmn_net_add_relu(net, x, &x));
    RMN_TRY(rmn_net_set_init_op(net, RMN_OP_CONV2D, "weight", RMN_INIT_KAIMING_NORMAL_FAN_IN, 0,
                                NULL));
    RMN_TRY(rmn_zoo_head(net, x, 0.0f, "classifier", cfg->num_classes, logits));
    return rmn_net_set_init(net, "classifier.bias", RMN_INIT_ZEROS, 0);
}

/* vgg.c -- torchvision's VGG19 (configuration E, no batch norm) with the thesis's classifier
 * 25088-4096-4096-classes (ReLU, dropout 0.5).
 * Profile 224: features (16 conv3x3+ReLU with bias, 5 max pools), adaptive avgpool 7x7,
 * flatten, classifier. Profile 48: the same features (widths scaled by width/64) take
 * 48 -> 1 after the fifth pool, classifier 512w/64 -> 4096w/64 -> 4096w/64 -> classes.
 * Names torchvision's: features.{i}, classifier.{0,3,6}. Init torchvision's: conv kaiming normal
 * (fan_out, relu), bias 0; linear N(0, 0.01), bias 0. */
#include "core/error.h"
#include "models/zoo.h"

int rmn_vgg_graph(const char *arch, const rmn_model_config *cfg, int profile, rmn_net *net,
                  int *logits) {
    (void)arch;
    static const int E[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0,
                            512, 512, 512, 512, 0, 512, 512, 512, 512, 0};
    const int w = profile == RMN_PROFILE_48 ? cfg->width : 0;
    char name[RMN_ZOO_NAME];
    int x = 0, idx = 0;
    for (int i = 0; i < (int)(sizeof E / sizeof E[0]); ++i) {
        if (E[i] == 0) {
            RMN_TRY(rmn_net_add_maxpool2d(net, x, 2, 2, 0, &x));
            idx += 1;
        } else {
            RMN_TRY(rmn_net_add_conv2d(net, rmn_zoo_name(name, "features.%d", idx), x,
                                       rmn_zoo_ch(E[i], w), 3, 1, 1, 1, &x));
            RMN_TRY(rmn_net_add_relu(net, x, &x));
            idx += 2;
        }
    }
    if (profile == RMN_PROFILE_224)
        RMN_TRY(rmn_net_add_adaptive_avgpool2d(net, x, 7, 7, &x));
    const int hidden = rmn_zoo_ch(4096, w);
    RMN_TRY(rmn_net_add_linear(net, "classifier.0", x, hidden, 1, &x));
    RMN_TRY(rmn_net_add_relu(net, x, &x));
    RMN_TRY(rmn_net_add_dropout(net, x, 0.5f, &x));
    RMN_TRY(rmn_net_add_linear(net, "classifier.3", x, hidden, 1, &x));
    RMN_TRY(rmn_net_add_relu(net, x, &x));
    RMN_TRY(rmn_net_add_dropout(net, x, 0.5f, &x));
    RMN_TRY(rmn_net_add_linear(net, "classifier.6", x, cfg->num_classes, 1, logits));
    RMN_TRY(rmn_net_set_init_op(net, RMN_OP_CONV2D, "weight", RMN_INIT_KAIMING_NORMAL_FAN_OUT, 0,
                                NULL));
    RMN_TRY(rmn_net_set_init_op(net, RMN_OP_CONV2D, "bias", RMN_INIT_ZEROS, 0, NULL));
    RMN_TRY(rmn_net_set_init_op(net, RMN_OP_LINEAR, "weight", RMN_INIT_NORMAL, 0.01, NULL));
    return rmn_net_set_init_op(net, RMN_OP_LINEAR, "bias", RMN_INIT_ZEROS, 0, NULL);
}

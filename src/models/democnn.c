/* democnn.c -- a small CNN for 48x48 grey faces: the engine's first trainable model and the
 * demo pipeline's default. PyTorch equivalent (names match the checkpoint tensors):
 *   conv1 = Conv2d(C, w, 3, padding=1, bias=False), bn1 = BatchNorm2d(w), ReLU, MaxPool2d(2)
 *   conv2 = Conv2d(w, 2w, 3, padding=1, bias=False), bn2, ReLU, MaxPool2d(2)
 *   conv3 = Conv2d(2w, 4w, 3, padding=1, bias=False), bn3, ReLU, MaxPool2d(2)
 *   conv4 = Conv2d(4w, 4w, 3, padding=1, bias=False), bn4, ReLU
 *   AdaptiveAvgPool2d(1), Dropout(0.25), fc = Linear(4w, classes) */
#include "models/zoo.h"

#include "core/error.h"

size_t rmn_democnn_param_count(int in_channels, int num_classes, int width) {
    const size_t w = (size_t)width, c[5] = {(size_t)in_channels, w, 2 * w, 4 * w, 4 * w};
    size_t total = 0;
    for (int i = 0; i < 4; ++i)
        total += 9 * c[i] * c[i + 1] + 2 * c[i + 1]; /* conv weight + BN weight and bias */
    return total + 4 * w * (size_t)num_classes + (size_t)num_classes;
}

int rmn_democnn_graph(const char *arch, const rmn_model_config *cfg, int profile, rmn_net *net,
                      int *logits) {
    (void)profile;
    static const char *const conv[4] = {"conv1", "conv2", "conv3", "conv4"};
    static const char *const bn[4] = {"bn1", "bn2", "bn3", "bn4"};
    const int width = cfg->width ? cfg->width : 32;
    if (cfg->in_channels < 1 || cfg->num_classes < 2 || width < 1 || cfg->image_size < 8)
        return RMN_ERROR(RMN_EINVAL, "%s: needs in_channels >= 1, num_classes >= 2, width >= 1 "
                         "and image_size >= 8 (got %d, %d, %d, %d)", arch, cfg->in_channels,
                         cfg->num_classes, width, cfg->image_size);
    const int ch[4] = {width, 2 * width, 4 * width, 4 * width};
    int x = 0;
    for (int i = 0; i < 4; ++i) {
        RMN_TRY(rmn_net_add_conv2d(net, conv[i], x, ch[i], 3, 1, 1, 0, &x));
        RMN_TRY(rmn_net_add_bn2d(net, bn[i], x, &x));
        RMN_TRY(rmn_net_add_relu(net, x, &x));
        if (i < 3)
            RMN_TRY(rmn_net_add_maxpool2d(net, x, 2, 2, 0, &x));
    }
    RMN_TRY(rmn_net_add_gap(net, x, &x));
    RMN_TRY(rmn_net_add_dropout(net, x, 0.25f, &x));
    return rmn_net_add_linear(net, "fc", x, cfg->num_classes, 1, logits);
}

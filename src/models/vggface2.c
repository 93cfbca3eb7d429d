/* vggface2.c -- resnet50_pretrained_vgg: the original repository's Resnet50_pretrained_vgg,
 * the VGGFace2 ResNet-50 "resnet50_scratch_dims_2048" (converted from MatConvNet/Caffe) with
 * its 8631-way classifier replaced by a 1x1 conv 2048 -> classes (with bias).
 *
 * Differences from torchvision's resnet50 (same parameter count, fewer MACs):
 * - ResNet v1 (Caffe): the stride of a stage's first block sits on the 1x1 reduce conv and
 *   the 1x1 projection, not on the 3x3; every stage's first block has a projection (also
 *   conv2_1, 64 -> 256 at stride 1).
 * - pool1 is max 3x3/2 with no padding and ceil_mode (224: 112 -> 56).
 * - pool5 is avg 7x7/1 (224: the whole 7x7 map, i.e. a global average).
 * - the classifier is Conv2d(2048, classes, 1x1, bias) on the pooled (2048,1,1) map.
 * The model's meta mean (131.0912, 103.8827, 91.4953; std 1) is metadata only: the original
 * forward never subtracts it and its trainer feeds the /255 images every model gets, so
 * neither does this one (docs/MODELS.md).
 *
 * Tensor names are the original's: conv1_7x7_s2, conv1_7x7_s2_bn, convS_B_1x1_reduce(_bn),
 * convS_B_3x3(_bn), convS_B_1x1_increase(_bn), convS_1_1x1_proj(_bn), classifier.
 * Profile 48: conv1_7x7_s2 becomes 3x3/1 pad 1 and pool1 max 2/2 (stages at 24/12/6/3, as
 * the ResNets), pool5 a global average; widths scale with cfg->width/64.
 * Init: PyTorch's defaults (the original sets none): convs kaiming uniform a=sqrt(5), BN 1/0. */
#include <string.h>

#include "core/error.h"
#include "models/zoo.h"

static int unit(rmn_net *net, const char *pre, const char *what, int x, int out, int k,
                int stride, int act, int *y) {
    char a[RMN_ZOO_NAME], b[RMN_ZOO_NAME];
    return rmn_zoo_conv_bn_act(net, rmn_zoo_name(a, "%s_%s", pre, what),
                               rmn_zoo_name(b, "%s_%s_bn", pre, what), x, out, k, stride,
                               k / 2, 1e-5, act, y);
}

static int block(rmn_net *net, int stage, int b, int x, int planes, int stride, int *y) {
    char pre[RMN_ZOO_NAME];
    rmn_zoo_name(pre, "conv%d_%d", stage, b + 1);
    int t = x, sc = x;
    RMN_TRY(unit(net, pre, "1x1_reduce", t, planes, 1, stride, RMN_ACT_RELU, &t));
    RMN_TRY(unit(net, pre, "3x3", t, planes, 3, 1, RMN_ACT_RELU, &t));
    RMN_TRY(unit(net, pre, "1x1_increase", t, 4 * planes, 1, 1, -1, &t));
    if (b == 0)
        RMN_TRY(unit(net, pre, "1x1_proj", x, 4 * planes, 1, stride, -1, &sc));
    RMN_TRY(rmn_net_add_add(net, sc, t, &t));
    return rmn_net_add_relu(net, t, y);
}

int rmn_vggface2_graph(const char *arch, const rmn_model_config *cfg, int profile,
                       rmn_net *net, int *logits) {
    if (strcmp(arch, "resnet50_pretrained_vgg") != 0)
        return RMN_ERROR(RMN_ENOTFOUND, "vggface2: unknown architecture '%s'", arch);
    const int w = profile == RMN_PROFILE_48 ? cfg->width : 0;
    int x = 0;
    if (profile == RMN_PROFILE_224) {
        RMN_TRY(rmn_zoo_conv_bn_act(net, "conv1_7x7_s2", "conv1_7x7_s2_bn", x, 64, 7, 2, 3,
                                    1e-5, RMN_ACT_RELU, &x));
        const rmn_pool_params p = {.kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2,
                                   .ceil_mode = 1};
        RMN_TRY(rmn_net_add_maxpool2d_ex(net, x, &p, &x));
    } else {
        RMN_TRY(rmn_zoo_conv_bn_act(net, "conv1_7x7_s2", "conv1_7x7_s2_bn", x,
                                    rmn_zoo_ch(64, w), 3, 1, 1, 1e-5, RMN_ACT_RELU, &x));
        RMN_TRY(rmn_net_add_maxpool2d(net, x, 2, 2, 0, &x));
    }
    static const int blocks[4] = {3, 4, 6, 3};
    for (int s = 0; s < 4; ++s) {
        for (int b = 0; b < blocks[s]; ++b)
            RMN_TRY(block(net, s + 2, b, x, rmn_zoo_ch(64 << s, w), b == 0 && s > 0 ? 2 : 1,
                          &x));
        char name[RMN_ZOO_NAME];
        RMN_TRY(rmn_net_name_value(net, x, rmn_zoo_name(name, "layer%d", s + 1)));
    }
    RMN_TRY(rmn_net_add_gap(net, x, &x)); /* pool5_7x7_s1 */
    return rmn_net_add_conv2d(net, "classifier", x, cfg->num_classes, 1, 1, 0, 1, logits);
}

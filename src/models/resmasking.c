/* resmasking.c -- the Residual Masking Networks of the thesis (reference/thesis.md §2.2-2.4):
 * a ResNet34 trunk (ResNet50 for resmasking50_dropout1) whose stage outputs T become T*(1+M),
 * M = mask_k(T), a U-Net-like masking block of depth 4/3/2/1 after layer1..4 with a softmax
 * over channels. Heads: resmasking linear; _dropout1 dropout 0.4 + linear; _dropout2..4 the
 * thesis's MLP heads; resmasking_naive_dropout1 builds the masks but never applies them.
 *
 * Masking block (C channels, f_i = C 2^i), every unit a BasicBlock with a 1x1+BN projection:
 *   enc0 f0->f1; for i = 1..d-1: maxpool 2, enc_i f_i->f_{i+1}
 *   for i = d-1..1: up_i = ConvTranspose2d(f_{i+1}, f_i, 2, 2, bias) + BN + ReLU,
 *                   cat[up_i, enc_{i-1} out] (2 f_i), dec_i 2f_i->f_i
 *   final f1->f0, softmax over channels.
 * Names: maskK.enc{i}.{conv1,bn1,conv2,bn2,downsample.0,downsample.1}, maskK.up{i}.{0,1},
 * maskK.dec{i}.*, maskK.final.*. Init: every conv2d kaiming normal (fan_out, relu), BN 1/0
 * except each mask unit's bn2 weight 0, transposed convs and linears PyTorch's default. */
#include <string.h>

#include "core/error.h"
#include "models/zoo.h"

/* BasicBlock cin -> cout, stride 1, projection shortcut; bn2 weight zero. x:(cin,H,W) y:(cout,H,W) */
static int unit(rmn_net *net, const char *pre, int x, int cout, int *y) {
    char a[RMN_ZOO_NAME], b[RMN_ZOO_NAME];
    int t, sc;
    RMN_TRY(rmn_zoo_conv_bn_act(net, rmn_zoo_name(a, "%s.conv1", pre),
                                rmn_zoo_name(b, "%s.bn1", pre), x, cout, 3, 1, 1, 1e-5,
                                RMN_ACT_RELU, &t));
    RMN_TRY(rmn_zoo_conv_bn_act(net, rmn_zoo_name(a, "%s.conv2", pre),
                                rmn_zoo_name(b, "%s.bn2", pre), t, cout, 3, 1, 1, 1e-5, -1, &t));
    RMN_TRY(rmn_net_set_init(net, rmn_zoo_name(b, "%s.bn2.weight", pre), RMN_INIT_ZEROS, 0));
    RMN_TRY(rmn_zoo_conv_bn_act(net, rmn_zoo_name(a, "%s.downsample.0", pre),
                                rmn_zoo_name(b, "%s.downsample.1", pre), x, cout, 1, 1, 0, 1e-5,
                                -1, &sc));
    RMN_TRY(rmn_net_add_add(net, t, sc, &t));
    return rmn_net_add_relu(net, t, y);
}

int rmn_masking_block(rmn_net *net, const char *name, int x, int depth, int *m) {
    char pre[RMN_ZOO_NAME], bn[RMN_ZOO_NAME];
    const int c = rmn_zoo_c(net, x);
    if (depth < 1 || depth > 8 || rmn_zoo_h(net, x) % (1 << (depth - 1)) ||
        rmn_zoo_w(net, x) % (1 << (depth - 1)))
        return RMN_ERROR(RMN_EINVAL, "%s: a mask of depth %d needs sides divisible by %d "
                         "(got %dx%d)", name, depth, 1 << (depth - 1), rmn_zoo_h(net, x),
                         rmn_zoo_w(net, x));
    int enc[8];
    RMN_TRY(unit(net, rmn_zoo_name(pre, "%s.enc0", name), x, 2 * c, &enc[0]));
    for (int i = 1; i < depth; ++i) {
        int t;
        RMN_TRY(rmn_net_add_maxpool2d(net, enc[i - 1], 2, 2, 0, &t));
        RMN_TRY(unit(net, rmn_zoo_name(pre, "%s.enc%d", name, i), t, c << (i + 1), &enc[i]));
    }
    int t = enc[depth - 1];
    const rmn_conv_params up = {.kh = 2, .kw = 2, .stride_h = 2, .stride_w = 2};
    for (int i = depth - 1; i >= 1; --i) {
        RMN_TRY(rmn_net_add_conv_transpose2d(net, rmn_zoo_name(pre, "%s.up%d.0", name, i), t,
                                             c << i, &up, 0, 0, 1, &t));
        RMN_TRY(rmn_net_add_bn2d(net, rmn_zoo_name(bn, "%s.up%d.1", name, i), t, &t));
        RMN_TRY(rmn_net_add_relu(net, t, &t));
        const int cat[2] = {t, enc[i - 1]};
        RMN_TRY(rmn_net_add_concat(net, cat, 2, &t));
        RMN_TRY(unit(net, rmn_zoo_name(pre, "%s.dec%d", name, i), t, c << i, &t));
    }
    RMN_TRY(unit(net, rmn_zoo_name(pre, "%s.final", name), t, c, &t));
    RMN_TRY(rmn_net_add_softmax_channels(net, t, m));
    return rmn_net_name_value(net, *m, name); /* the mask M: "mask1" (explanations) */
}

/* Linear layers of the head after global pooling: hidden sizes, dropout 0.5 between. */
static int mlp_head(rmn_net *net, int x, const int *hidden, int nh, int classes, int *y) {
    char name[RMN_ZOO_NAME];
    int idx = 0;
    for (int i = 0; i < nh; ++i) {
        RMN_TRY(rmn_net_add_linear(net, rmn_zoo_name(name, "fc.%d", idx), x, hidden[i], 1, &x));
        RMN_TRY(rmn_net_add_relu(net, x, &x));
        RMN_TRY(rmn_net_add_dropout(net, x, 0.5f, &x));
        idx += 3;
    }
    return rmn_net_add_linear(net, rmn_zoo_name(name, "fc.%d", idx), x, classes, 1, y);
}

int rmn_resmasking_graph(const char *arch, const rmn_model_config *cfg, int profile,
                         rmn_net *net, int *logits) {
    static const char *const names[] = {
        "resmasking",          "resmasking_dropout1",   "resmasking_dropout2",
        "resmasking_dropout3", "resmasking_dropout4",   "resmasking50_dropout1",
        "resmasking_naive_dropout1",
    };
    int v = -1;
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); ++i)
        if (strcmp(arch, names[i]) == 0)
            v = i;
    if (v < 0)
        return RMN_ERROR(RMN_ENOTFOUND, "resmasking: unknown architecture '%s'", arch);
    const int bottleneck = v == 5, naive = v == 6;
    static const int layers[4] = {3, 4, 6, 3};
    const int w = profile == RMN_PROFILE_48 ? cfg->width : 0;
    int x;
    RMN_TRY(rmn_resnet_stem(net, profile, w, 0, &x));
    int inplanes = rmn_zoo_ch(64, w);
    char name[RMN_ZOO_NAME];
    for (int s = 0; s < 4; ++s) {
        RMN_TRY(rmn_resnet_stage(net, rmn_zoo_name(name, "layer%d", s + 1), x, bottleneck,
                                 &inplanes, rmn_zoo_ch(64 << s, w), layers[s], s == 0 ? 1 : 2,
                                 &x));
        int m;
        RMN_TRY(rmn_masking_block(net, rmn_zoo_name(name, "mask%d", s + 1), x, 4 - s, &m));
        if (!naive) {
            RMN_TRY(rmn_net_add_mask_mul(net, x, m, &x));
            RMN_TRY(rmn_net_name_value(net, x, rmn_zoo_name(name, "layer%d.masked", s + 1)));
        }
    }
    RMN_TRY(rmn_resnet_init(net));
    RMN_TRY(rmn_net_add_gap(net, x, &x));
    static const int h2[] = {128}, h3[] = {512, 128}, h4[] = {128, 128};
    switch (v) {
    case 0:
        return rmn_net_add_linear(net, "fc", x, cfg->num_classes, 1, logits);
    case 2:
        return mlp_head(net, x, h2, 1, cfg->num_classes, logits);
    case 3:
        return mlp_head(net, x, h3, 2, cfg->num_classes, logits);
    case 4:
        return mlp_head(net, x, h4, 2, cfg->num_classes, logits);
    default: /* dropout1, resmasking50_dropout1, naive */
        RMN_TRY(rmn_net_add_dropout(net, x, 0.4f, &x));
        return rmn_net_add_linear(net, "fc", x, cfg->num_classes, 1, logits);
    }
}

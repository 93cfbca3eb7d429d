/* inception.c -- torchvision's GoogLeNet (no aux heads; branch3 uses a 3x3 conv as torchvision
 * does) and Inception v3 (no aux head), with classes-way heads; at the 224 profile both with
 * torchvision's transform_input (a fixed per-channel affine of the input), as the thesis ran them.
 * Every conv is a BasicConv2d: conv (no bias), BN eps 0.001, ReLU.
 *
 * GoogLeNet profile 224: conv1 7x7/2, maxpool 3/2 ceil, conv2 1x1, conv3 3x3, maxpool 3/2 ceil,
 * 3a 3b, maxpool 3/2 ceil, 4a..4e, maxpool 2/2 ceil, 5a 5b, avgpool, dropout 0.2, fc.
 * Profile 48: conv1 3x3/1 pad 1, the rest unchanged (inception3 at 12, 4 at 6, 5 at 3).
 * Inception v3 profile 224 (299 input): torchvision's layout. Profile 48: Conv2d_1a_3x3 stride 1
 * pad 1, Conv2d_2a_3x3 and Conv2d_4a_3x3 pad 1, maxpool1 3/2 pad 1 (48 -> 24), no maxpool2:
 * Mixed_5 at 24, Mixed_6 at 11, Mixed_7 at 5. Widths scaled by width/64 at 48.
 * Init torchvision's: conv and linear weights truncated normal (std 0.01 GoogLeNet, 0.1
 * Inception v3, cut at +-2), BN 1/0, fc bias default. */
#include <string.h>

#include "core/error.h"
#include "models/zoo.h"

/* width of the net being built on this thread (0: as published); set by each graph function */
static _Thread_local int g_width;

/* BasicConv2d named pre (pre.conv, pre.bn), kernel kh x kw, stride, pads. */
static int bconv(rmn_net *net, const char *pre, int x, int out, int kh, int kw, int stride,
                 int ph, int pw, int *y) {
    char a[RMN_ZOO_NAME], b[RMN_ZOO_NAME];
    const rmn_conv_params p = {.kh = kh, .kw = kw, .stride_h = stride, .stride_w = stride,
                               .pad_h = ph, .pad_w = pw};
    return rmn_zoo_conv_bn_act_ex(net, rmn_zoo_name(a, "%s.conv", pre),
                                  rmn_zoo_name(b, "%s.bn", pre), x, rmn_zoo_ch(out, g_width), &p,
                                  1e-3, RMN_ACT_RELU, y);
}

static int pool(rmn_net *net, int x, int max, int k, int s, int pad, int ceil, int *y) {
    const rmn_pool_params p = {.kh = k, .kw = k, .stride_h = s, .stride_w = s, .pad_h = pad,
                               .pad_w = pad, .ceil_mode = ceil, .count_include_pad = 1};
    return max ? rmn_net_add_maxpool2d_ex(net, x, &p, y) : rmn_net_add_avgpool2d(net, x, &p, y);
}

/* torchvision's transform_input (its ImageNet weights were ported from nets fed [-1, 1]):
 * channel c becomes x * std_c / 0.5 + (mean_c - 0.5) / 0.5. torchvision turns it on when it
 * loads those weights, and the thesis's googlenet and inception_v3 (pretrained=True, their
 * default) ran with it; so does rmn at the 224 profile (docs/IMPORT.md). */
static int transform_input(rmn_net *net) {
    static const double mean[3] = {0.485, 0.456, 0.406}, std[3] = {0.229, 0.224, 0.225};
    float a[3], b[3];
    for (int c = 0; c < 3; ++c) {
        a[c] = (float)(std[c] / 0.5);
        b[c] = (float)((mean[c] - 0.5) / 0.5);
    }
    return rmn_net_set_input_affine(net, a, b);
}

static int trunc_init(rmn_net *net, double std) {
    RMN_TRY(rmn_net_set_init_op(net, RMN_OP_CONV2D, "weight", RMN_INIT_TRUNC_NORMAL, std, NULL));
    return rmn_net_set_init_op(net, RMN_OP_LINEAR, "weight", RMN_INIT_TRUNC_NORMAL, std, NULL);
}

// --- GoogLeNet ---------------------------------------------------------------------------

static int gl_block(rmn_net *net, const char *name, int x, int c1, int c3r, int c3, int c5r,
                    int c5, int pp, int *y) {
    char pre[RMN_ZOO_NAME];
    int br[4], t;
    RMN_TRY(bconv(net, rmn_zoo_name(pre, "%s.branch1", name), x, c1, 1, 1, 1, 0, 0, &br[0]));
    RMN_TRY(bconv(net, rmn_zoo_name(pre, "%s.branch2.0", name), x, c3r, 1, 1, 1, 0, 0, &t));
    RMN_TRY(bconv(net, rmn_zoo_name(pre, "%s.branch2.1", name), t, c3, 3, 3, 1, 1, 1, &br[1]));
    RMN_TRY(bconv(net, rmn_zoo_name(pre, "%s.branch3.0", name), x, c5r, 1, 1, 1, 0, 0, &t));
    RMN_TRY(bconv(net, rmn_zoo_name(pre, "%s.branch3.1", name), t, c5, 3, 3, 1, 1, 1, &br[2]));
    RMN_TRY(pool(net, x, 1, 3, 1, 1, 1, &t));
    RMN_TRY(bconv(net, rmn_zoo_name(pre, "%s.branch4.1", name), t, pp, 1, 1, 1, 0, 0, &br[3]));
    return rmn_net_add_concat(net, br, 4, y);
}

int rmn_googlenet_graph(const char *arch, const rmn_model_config *cfg, int profile,
                        rmn_net *net, int *logits) {
    (void)arch;
    g_width = profile == RMN_PROFILE_48 ? cfg->width : 0;
    int x = 0;
    if (profile == RMN_PROFILE_224) {
        RMN_TRY(transform_input(net));
        RMN_TRY(bconv(net, "conv1", x, 64, 7, 7, 2, 3, 3, &x));
    } else {
        RMN_TRY(bconv(net, "conv1", x, 64, 3, 3, 1, 1, 1, &x));
    }
    RMN_TRY(pool(net, x, 1, 3, 2, 0, 1, &x));
    RMN_TRY(bconv(net, "conv2", x, 64, 1, 1, 1, 0, 0, &x));
    RMN_TRY(bconv(net, "conv3", x, 192, 3, 3, 1, 1, 1, &x));
    RMN_TRY(pool(net, x, 1, 3, 2, 0, 1, &x));
    RMN_TRY(gl_block(net, "inception3a", x, 64, 96, 128, 16, 32, 32, &x));
    RMN_TRY(gl_block(net, "inception3b", x, 128, 128, 192, 32, 96, 64, &x));
    RMN_TRY(pool(net, x, 1, 3, 2, 0, 1, &x));
    RMN_TRY(gl_block(net, "inception4a", x, 192, 96, 208, 16, 48, 64, &x));
    RMN_TRY(gl_block(net, "inception4b", x, 160, 112, 224, 24, 64, 64, &x));
    RMN_TRY(gl_block(net, "inception4c", x, 128, 128, 256, 24, 64, 64, &x));
    RMN_TRY(gl_block(net, "inception4d", x, 112, 144, 288, 32, 64, 64, &x));
    RMN_TRY(gl_block(net, "inception4e", x, 256, 160, 320, 32, 128, 128, &x));
    RMN_TRY(pool(net, x, 1, 2, 2, 0, 1, &x));
    RMN_TRY(gl_block(net, "inception5a", x, 256, 160, 320, 32, 128, 128, &x));
    RMN_TRY(gl_block(net, "inception5b", x, 384, 192, 384, 48, 128, 128, &x));
    RMN_TRY(rmn_zoo_head(net, x, 0.2f, "fc", cfg->num_classes, logits));
    return trunc_init(net, 0.01);
}

// --- Inception v3 ------------------------------------------------------------------------

#define N(fmt) rmn_zoo_name(pre, "%s." fmt, name)

static int inc_a(rmn_net *net, const char *name, int x, int pool_features, int *y) {
    char pre[RMN_ZOO_NAME];
    int br[4], t;
    RMN_TRY(bconv(net, N("branch1x1"), x, 64, 1, 1, 1, 0, 0, &br[0]));
    RMN_TRY(bconv(net, N("branch5x5_1"), x, 48, 1, 1, 1, 0, 0, &t));
    RMN_TRY(bconv(net, N("branch5x5_2"), t, 64, 5, 5, 1, 2, 2, &br[1]));
    RMN_TRY(bconv(net, N("branch3x3dbl_1"), x, 64, 1, 1, 1, 0, 0, &t));
    RMN_TRY(bconv(net, N("branch3x3dbl_2"), t, 96, 3, 3, 1, 1, 1, &t));
    RMN_TRY(bconv(net, N("branch3x3dbl_3"), t, 96, 3, 3, 1, 1, 1, &br[2]));
    RMN_TRY(pool(net, x, 0, 3, 1, 1, 0, &t));
    RMN_TRY(bconv(net, N("branch_pool"), t, pool_features, 1, 1, 1, 0, 0, &br[3]));
    return rmn_net_add_concat(net, br, 4, y);
}

static int inc_b(rmn_net *net, const char *name, int x, int *y) {
    char pre[RMN_ZOO_NAME];
    int br[3], t;
    RMN_TRY(bconv(net, N("branch3x3"), x, 384, 3, 3, 2, 0, 0, &br[0]));
    RMN_TRY(bconv(net, N("branch3x3dbl_1"), x, 64, 1, 1, 1, 0, 0, &t));
    RMN_TRY(bconv(net, N("branch3x3dbl_2"), t, 96, 3, 3, 1, 1, 1, &t));
    RMN_TRY(bconv(net, N("branch3x3dbl_3"), t, 96, 3, 3, 2, 0, 0, &br[1]));
    RMN_TRY(pool(net, x, 1, 3, 2, 0, 0, &br[2]));
    return rmn_net_add_concat(net, br, 3, y);
}

static int inc_c(rmn_net *net, const char *name, int x, int c7, int *y) {
    char pre[RMN_ZOO_NAME];
    int br[4], t;
    RMN_TRY(bconv(net, N("branch1x1"), x, 192, 1, 1, 1, 0, 0, &br[0]));
    RMN_TRY(bconv(net, N("branch7x7_1"), x, c7, 1, 1, 1, 0, 0, &t));
    RMN_TRY(bconv(net, N("branch7x7_2"), t, c7, 1, 7, 1, 0, 3, &t));
    RMN_TRY(bconv(net, N("branch7x7_3"), t, 192, 7, 1, 1, 3, 0, &br[1]));
    RMN_TRY(bconv(net, N("branch7x7dbl_1"), x, c7, 1, 1, 1, 0, 0, &t));
    RMN_TRY(bconv(net, N("branch7x7dbl_2"), t, c7, 7, 1, 1, 3, 0, &t));
    RMN_TRY(bconv(net, N("branch7x7dbl_3"), t, c7, 1, 7, 1, 0, 3, &t));
    RMN_TRY(bconv(net, N("branch7x7dbl_4"), t, c7, 7, 1, 1, 3, 0, &t));
    RMN_TRY(bconv(net, N("branch7x7dbl_5"), t, 192, 1, 7, 1, 0, 3, &br[2]));
    RMN_TRY(pool(net, x, 0, 3, 1, 1, 0, &t));
    RMN_TRY(bconv(net, N("branch_pool"), t, 192, 1, 1, 1, 0, 0, &br[3]));
    return rmn_net_add_concat(net, br, 4, y);
}

static int inc_d(rmn_net *net, const char *name, int x, int *y) {
    char pre[RMN_ZOO_NAME];
    int br[3], t;
    RMN_TRY(bconv(net, N("branch3x3_1"), x, 192, 1, 1, 1, 0, 0, &t));
    RMN_TRY(bconv(net, N("branch3x3_2"), t, 320, 3, 3, 2, 0, 0, &br[0]));
    RMN_TRY(bconv(net, N("branch7x7x3_1"), x, 192, 1, 1, 1, 0, 0, &t));
    RMN_TRY(bconv(net, N("branch7x7x3_2"), t, 192, 1, 7, 1, 0, 3, &t));
    RMN_TRY(bconv(net, N("branch7x7x3_3"), t, 192, 7, 1, 1, 3, 0, &t));
    RMN_TRY(bconv(net, N("branch7x7x3_4"), t, 192, 3, 3, 2, 0, 0, &br[1]));
    RMN_TRY(pool(net, x, 1, 3, 2, 0, 0, &br[2]));
    return rmn_net_add_concat(net, br, 3, y);
}

static int inc_e(rmn_net *net, const char *name, int x, int *y) {
    char pre[RMN_ZOO_NAME];
    int br[6], t, u;
    RMN_TRY(bconv(net, N("branch1x1"), x, 320, 1, 1, 1, 0, 0, &br[0]));
    RMN_TRY(bconv(net, N("branch3x3_1"), x, 384, 1, 1, 1, 0, 0, &t));
    RMN_TRY(bconv(net, N("branch3x3_2a"), t, 384, 1, 3, 1, 0, 1, &br[1]));
    RMN_TRY(bconv(net, N("branch3x3_2b"), t, 384, 3, 1, 1, 1, 0, &br[2]));
    RMN_TRY(bconv(net, N("branch3x3dbl_1"), x, 448, 1, 1, 1, 0, 0, &t));
    RMN_TRY(bconv(net, N("branch3x3dbl_2"), t, 384, 3, 3, 1, 1, 1, &u));
    RMN_TRY(bconv(net, N("branch3x3dbl_3a"), u, 384, 1, 3, 1, 0, 1, &br[3]));
    RMN_TRY(bconv(net, N("branch3x3dbl_3b"), u, 384, 3, 1, 1, 1, 0, &br[4]));
    RMN_TRY(pool(net, x, 0, 3, 1, 1, 0, &t));
    RMN_TRY(bconv(net, N("branch_pool"), t, 192, 1, 1, 1, 0, 0, &br[5]));
    return rmn_net_add_concat(net, br, 6, y); /* = cat[1x1, cat[2a,2b], cat[3a,3b], pool] */
}

int rmn_inception3_graph(const char *arch, const rmn_model_config *cfg, int profile,
                         rmn_net *net, int *logits) {
    (void)arch;
    g_width = profile == RMN_PROFILE_48 ? cfg->width : 0;
    const int p48 = profile == RMN_PROFILE_48;
    int x = 0;
    if (!p48)
        RMN_TRY(transform_input(net));
    RMN_TRY(bconv(net, "Conv2d_1a_3x3", x, 32, 3, 3, p48 ? 1 : 2, p48, p48, &x));
    RMN_TRY(bconv(net, "Conv2d_2a_3x3", x, 32, 3, 3, 1, p48, p48, &x));
    RMN_TRY(bconv(net, "Conv2d_2b_3x3", x, 64, 3, 3, 1, 1, 1, &x));
    RMN_TRY(pool(net, x, 1, 3, 2, p48, 0, &x));
    RMN_TRY(bconv(net, "Conv2d_3b_1x1", x, 80, 1, 1, 1, 0, 0, &x));
    RMN_TRY(bconv(net, "Conv2d_4a_3x3", x, 192, 3, 3, 1, p48, p48, &x));
    if (!p48)
        RMN_TRY(pool(net, x, 1, 3, 2, 0, 0, &x));
    RMN_TRY(inc_a(net, "Mixed_5b", x, 32, &x));
    RMN_TRY(inc_a(net, "Mixed_5c", x, 64, &x));
    RMN_TRY(inc_a(net, "Mixed_5d", x, 64, &x));
    RMN_TRY(inc_b(net, "Mixed_6a", x, &x));
    RMN_TRY(inc_c(net, "Mixed_6b", x, 128, &x));
    RMN_TRY(inc_c(net, "Mixed_6c", x, 160, &x));
    RMN_TRY(inc_c(net, "Mixed_6d", x, 160, &x));
    RMN_TRY(inc_c(net, "Mixed_6e", x, 192, &x));
    RMN_TRY(inc_d(net, "Mixed_7a", x, &x));
    RMN_TRY(inc_e(net, "Mixed_7b", x, &x));
    RMN_TRY(inc_e(net, "Mixed_7c", x, &x));
    RMN_TRY(rmn_zoo_head(net, x, 0.5f, "fc", cfg->num_classes, logits));
    return trunc_init(net, 0.1);
}

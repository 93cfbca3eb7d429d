/* zoo.h -- the model families' graph builders, registered by name in registry.c, and the
 * helpers they share (input profiles, widths, names, conv+BN blocks).
 * rmn_model_create / rmn_model_names (models/model.h) look architectures up here.
 *
 * Profiles (docs/MODELS.md): RMN_PROFILE_224 is the thesis as published (input (3,S,S),
 * S >= 112, exact layers); RMN_PROFILE_48 is the native FER2013 input (1,48,48) with a stem
 * that fits it. A family's graph function appends its layers to an allocated, unfinalized
 * net and returns the logits value; the registry finalizes (or, for counting, does not). */
#ifndef RMN_MODELS_ZOO_H
#define RMN_MODELS_ZOO_H

#include <stdio.h>

#include "models/model.h"
#include "nn/builder.h"
#include "tensor/ops.h"

enum { RMN_PROFILE_ANY = 0, RMN_PROFILE_48 = 48, RMN_PROFILE_224 = 224 };

/* Appends the architecture's layers to net (input value 0) for this profile; *logits is the
 * (num_classes,1,1) output value. Does not finalize. */
typedef int (*rmn_zoo_graph_fn)(const char *arch, const rmn_model_config *cfg, int profile,
                                rmn_net *net, int *logits);

/* The profile of a config: image_size 48 and in_channels 1 -> 48; image_size >= 112 and
 * in_channels 3 -> 224; anything else RMN_EINVAL naming the architecture. */
int rmn_zoo_profile(const char *arch, const rmn_model_config *cfg, int *profile);

/* Builds the graph of a registered architecture without finalizing it (no parameter arena:
 * cheap even for 140M-parameter nets). *out is owned, released by rmn_net_free. Used for
 * parameter and MAC counts. */
int rmn_zoo_graph(const char *arch, const rmn_model_config *cfg, rmn_net **out);

/* 1 when architecture arch is registered for profile (RMN_PROFILE_ANY: any config). */
int rmn_zoo_has_profile(const char *arch, int profile);

/* Parameter count of a built graph (finalized or not), and its multiply-accumulates per image
 * (conv2d, transposed conv, linear: one MAC per weight use). */
size_t rmn_zoo_params(const rmn_net *net);
double rmn_zoo_macs(const rmn_net *net);
/* Parameters of tensors whose name starts with prefix and contains infix (NULL: any). */
size_t rmn_zoo_params_matching(const rmn_net *net, const char *prefix, const char *infix);
/* The thesis's count for the Residual Masking Networks: each mask projection shortcut
 * (maskK.*.downsample.*) counted twice, as PyTorch's state_dict does; the plain count for any
 * other net. */
size_t rmn_zoo_params_thesis(const rmn_net *net);

/* Lists every registered architecture with its profile(s), parameters and MACs per image:
 * a text table, or (json != 0) a JSON array of {"name","profile","params","macs"} (plus
 * "params_thesis" where it differs, and "width" when one is given). width > 0 lists the 48
 * profile at that channel width (the 224 profile is always exact). Builds graphs only. */
int rmn_models_print(FILE *out, int json, int width);

// --- helpers for family builders (common.c) ----------------------------------------------

/* Channels, height, width of value v (net.h's rmn_net_value_shape, one at a time). */
static inline int rmn_zoo_c(const rmn_net *net, int v) {
    int c, h, w;
    rmn_net_value_shape(net, v, &c, &h, &w);
    return c;
}
static inline int rmn_zoo_h(const rmn_net *net, int v) {
    int c, h, w;
    rmn_net_value_shape(net, v, &c, &h, &w);
    return h;
}
static inline int rmn_zoo_w(const rmn_net *net, int v) {
    int c, h, w;
    rmn_net_value_shape(net, v, &c, &h, &w);
    return w;
}

#define RMN_ZOO_NAME 192
/* printf into buf (RMN_ZOO_NAME bytes); returns buf. */
const char *rmn_zoo_name(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Channels c scaled by width/64 at profile 48 (width 0: c), at least 1. */
int rmn_zoo_ch(int c, int width);
/* conv (k x k, stride, pad, no bias) named `conv`, BN named `bn` (eps), then act (-1: none;
 * RMN_ACT_RELU, RMN_ACT_SILU...). */
int rmn_zoo_conv_bn_act(rmn_net *net, const char *conv, const char *bn, int x, int out_ch,
                        int k, int stride, int pad, double eps, int act, int *y);
/* As above with general conv parameters (kh x kw, groups...). */
int rmn_zoo_conv_bn_act_ex(rmn_net *net, const char *conv, const char *bn, int x, int out_ch,
                           const rmn_conv_params *p, double eps, int act, int *y);
/* Sets tensor's init to kaiming_uniform (a = 0, fan_in): U(-sqrt(6/fan_in), sqrt(6/fan_in)). */
int rmn_zoo_init_kaiming_uniform(rmn_net *net, const char *tensor, int fan_in);
/* Classifier head: gap, optional dropout (p > 0), linear `name` to num_classes. */
int rmn_zoo_head(rmn_net *net, int x, float p, const char *name, int num_classes, int *y);

// --- families ----------------------------------------------------------------------------

/* democnn: four conv3x3+BN+ReLU stages (w, 2w, 4w, 4w; max-pool 2 after the first three),
 * global average pool, dropout 0.25, linear(4w -> classes). No conv bias (BN follows).
 * Default width 32; image_size >= 8; any input profile. */
int rmn_democnn_graph(const char *arch, const rmn_model_config *cfg, int profile, rmn_net *net,
                      int *logits);
/* Trainable scalars of democnn for these sizes (the analytic count, for tests). */
size_t rmn_democnn_param_count(int in_channels, int num_classes, int width);

/* torchvision ResNets: resnet18/34 (BasicBlock), resnet50/101/152 (Bottleneck);
 * resnet18-tv48 (torchvision stem at 48x48x1). */
int rmn_resnet_graph(const char *arch, const rmn_model_config *cfg, int profile, rmn_net *net,
                     int *logits);
/* Pieces shared with the Residual Masking Networks. bottleneck 0/1; *inplanes is updated.
 * Stage `name` ("layer1") of `blocks` blocks with `planes` (x4 for bottleneck). */
int rmn_resnet_stem(rmn_net *net, int profile, int width, int x, int *y);
int rmn_resnet_stage(rmn_net *net, const char *name, int x, int bottleneck, int *inplanes,
                     int planes, int blocks, int stride, int *y);
/* The ResNet init: every conv2d weight added so far kaiming normal (fan_out, relu). */
int rmn_resnet_init(rmn_net *net);

/* Residual Masking Networks: resmasking, resmasking_dropout1..4, resmasking50_dropout1,
 * resmasking_naive_dropout1. */
int rmn_resmasking_graph(const char *arch, const rmn_model_config *cfg, int profile,
                         rmn_net *net, int *logits);
/* The masking block: depth >= 1 on x (C,H,W), H and W divisible by 2^(depth-1); *m is the
 * channel-softmax mask (C,H,W). Names "<name>.enc0.conv1.weight" ... (docs/MODELS.md). */
int rmn_masking_block(rmn_net *net, const char *name, int x, int depth, int *m);

int rmn_vgg_graph(const char *arch, const rmn_model_config *cfg, int profile, rmn_net *net,
                  int *logits);
int rmn_densenet_graph(const char *arch, const rmn_model_config *cfg, int profile, rmn_net *net,
                       int *logits);
int rmn_googlenet_graph(const char *arch, const rmn_model_config *cfg, int profile,
                        rmn_net *net, int *logits);
int rmn_inception3_graph(const char *arch, const rmn_model_config *cfg, int profile,
                         rmn_net *net, int *logits);
int rmn_efficientnet_graph(const char *arch, const rmn_model_config *cfg, int profile,
                           rmn_net *net, int *logits);
/* pytorchcv CBAM-ResNet50 and BAM-ResNet50 */
int rmn_cbam_graph(const char *arch, const rmn_model_config *cfg, int profile, rmn_net *net,
                   int *logits);
int rmn_bam_graph(const char *arch, const rmn_model_config *cfg, int profile, rmn_net *net,
                  int *logits);
/* resnet50_pretrained_vgg: the VGGFace2 ResNet-50 (v1, Caffe names), 1x1-conv classifier */
int rmn_vggface2_graph(const char *arch, const rmn_model_config *cfg, int profile,
                       rmn_net *net, int *logits);

#endif

/* common.c -- helpers shared by the model families: input profiles, width scaling, layer
 * names, conv+BN(+activation) blocks, the classifier head, initialisation shortcuts. */
#include <math.h>
#include <stdarg.h>

#include "core/error.h"
#include "models/zoo.h"

int rmn_zoo_profile(const char *arch, const rmn_model_config *cfg, int *profile) {
    if (cfg->image_size == 48 && cfg->in_channels == 1) {
        *profile = RMN_PROFILE_48;
        return RMN_OK;
    }
    if (cfg->image_size >= 112 && cfg->in_channels == 3) {
        *profile = RMN_PROFILE_224;
        return RMN_OK;
    }
    return RMN_ERROR(RMN_EINVAL, "%s: no input profile for image_size %d with in_channels %d "
                     "(use 48 with 1 channel, or >= 112 such as 224 or 299 with 3 channels)",
                     arch, cfg->image_size, cfg->in_channels);
}

const char *rmn_zoo_name(char *buf, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, RMN_ZOO_NAME, fmt, ap);
    va_end(ap);
    return buf;
}

int rmn_zoo_ch(int c, int width) {
    if (width <= 0)
        return c;
    long v = (long)c * width / 64;
    return v < 1 ? 1 : (int)v;
}

int rmn_zoo_conv_bn_act_ex(rmn_net *net, const char *conv, const char *bn, int x, int out_ch,
                           const rmn_conv_params *p, double eps, int act, int *y) {
    RMN_TRY(rmn_net_add_conv2d_ex(net, conv, x, out_ch, p, 0, &x));
    RMN_TRY(rmn_net_add_bn2d_ex(net, bn, x, 0.1, eps, &x));
    if (act >= 0)
        RMN_TRY(rmn_net_add_act(net, x, (rmn_act)act, &x));
    *y = x;
    return RMN_OK;
}

int rmn_zoo_conv_bn_act(rmn_net *net, const char *conv, const char *bn, int x, int out_ch,
                        int k, int stride, int pad, double eps, int act, int *y) {
    const rmn_conv_params p = {.kh = k, .kw = k, .stride_h = stride, .stride_w = stride,
                               .pad_h = pad, .pad_w = pad};
    return rmn_zoo_conv_bn_act_ex(net, conv, bn, x, out_ch, &p, eps, act, y);
}

int rmn_zoo_init_kaiming_uniform(rmn_net *net, const char *tensor, int fan_in) {
    return rmn_net_set_init(net, tensor, RMN_INIT_UNIFORM, sqrt(6.0 / (double)fan_in));
}

int rmn_zoo_head(rmn_net *net, int x, float p, const char *name, int num_classes, int *y) {
    RMN_TRY(rmn_net_add_gap(net, x, &x));
    if (p > 0.0f)
        RMN_TRY(rmn_net_add_dropout(net, x, p, &x));
    return rmn_net_add_linear(net, name, x, num_classes, 1, y);
}

/* model_open.c -- rmn-detect's emotion model from either kind of checkpoint: rmn's safetensors
 * (model.c) or a PyTorch .pth read through train/import.h (see model.h). */
#include "detect/model.h"

#include "core/error.h"
#include "train/import.h"

#include <stdio.h>

/* The model of either kind, before its precision is set. */
static int open_model(const rmn_detect_model_src *src, rmn_detect_model **out) {
    *out = NULL;
    if (!rmn_import_is_pth(src->path))
        return rmn_detect_model_load(src->path, out);
    if (!src->pth_arch)
        return RMN_ERROR(RMN_EINVAL, "a PyTorch checkpoint (--model FILE.pth) needs --arch NAME");
    /* published weights: the thesis's 224 input */
    rmn_train_config tc;
    rmn_train_config_defaults(&tc);
    tc.image_size = 224;
    tc.in_channels = src->pth_channels ? src->pth_channels : 3;
    snprintf(tc.arch, sizeof tc.arch, "%s", src->pth_arch);
    rmn_net *net = NULL;
    rmn_import_stats st;
    RMN_TRY(rmn_import_open_model(src->path, &tc, 0, &net, NULL, &st));
    return rmn_detect_model_from_net(net, tc.image_size, tc.in_channels, out);
}

int rmn_detect_model_open(const rmn_detect_model_src *src, rmn_detect_model **out) {
    RMN_TRY(open_model(src, out));
    const int rc = rmn_net_set_precision(rmn_detect_model_net(*out), src->precision);
    if (rc != RMN_OK) {
        rmn_detect_model_free(*out);
        *out = NULL;
    }
    return rc;
}

/* model.c -- loading an emotion classifier from a safetensors checkpoint and running it on
 * face crops (see model.h). */
#include "detect/model.h"

#include "core/error.h"
#include "models/model.h"
#include "core/safetensors.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const FER_LABELS[7] = {"angry", "disgust", "fear",   "happy",
                                          "sad",   "surprise", "neutral"};

struct rmn_detect_model {
    rmn_net *net;
    char     arch[64];
    int      size, channels, classes;
    float   *input; /* (channels, size, size) */
    char     labels[RMN_DETECT_MAX_CLASSES][16];
};

/* An integer metadata key in [lo, hi]; an optional one may be absent (out unchanged). */
static int meta_int(const rmn_st_file *f, const char *key, int required, int lo, int hi, int *out) {
    int rc = rmn_st_meta_int(f, key, lo, hi, out);
    if (rc == RMN_ENOTFOUND && !required)
        return RMN_OK;
    return rc == RMN_ENOTFOUND ? rmn_error_prefix("not an rmn model") : rc;
}

static int finish(rmn_detect_model *m);

static int load_into(rmn_detect_model *m, const rmn_st_file *f) {
    const char *arch = rmn_st_meta(f, "arch");
    if (!arch)
        return RMN_ERROR(RMN_EFORMAT, "%s: not an rmn model: metadata 'arch' is missing",
                         rmn_st_path(f));
    snprintf(m->arch, sizeof m->arch, "%s", arch);
    rmn_model_config cfg = {0};
    RMN_TRY(meta_int(f, "image_size", 1, 8, 1024, &cfg.image_size));
    RMN_TRY(meta_int(f, "in_channels", 1, 1, 3, &cfg.in_channels));
    RMN_TRY(meta_int(f, "num_classes", 1, 2, RMN_DETECT_MAX_CLASSES, &cfg.num_classes));
    RMN_TRY(meta_int(f, "width", 0, 0, 4096, &cfg.width));
    int rc = rmn_model_create(arch, &cfg, &m->net);
    if (rc != RMN_OK)
        return rmn_error_prefix("%s", rmn_st_path(f));
    const rmn_tensor_ref *list;
    int n;
    RMN_TRY(rmn_net_tensors(m->net, &list, &n));
    for (int i = 0; i < n; ++i) {
        const rmn_st_tensor *t;
        RMN_TRY(rmn_st_expect(f, list[i].name, RMN_ST_F32, list[i].ndim, list[i].shape, &t));
        size_t numel = 1;
        for (int d = 0; d < list[i].ndim; ++d)
            numel *= (size_t)list[i].shape[d];
        RMN_TRY(rmn_st_copy_f32(t, list[i].data, numel));
    }
    m->size = cfg.image_size;
    m->channels = cfg.in_channels;
    m->classes = cfg.num_classes;
    return finish(m);
}

/* Input buffer, labels and the plan of a model whose net, size, channels and classes are set. */
static int finish(rmn_detect_model *m) {
    m->input = malloc((size_t)m->channels * m->size * m->size * sizeof *m->input);
    if (!m->input)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for the model input");
    for (int k = 0; k < m->classes; ++k) {
        if (m->classes == 7)
            snprintf(m->labels[k], sizeof m->labels[k], "%s", FER_LABELS[k]);
        else
            snprintf(m->labels[k], sizeof m->labels[k], "class%d", k);
    }
    return rmn_net_plan(m->net, 1);
}

int rmn_detect_model_load(const char *path, rmn_detect_model **out) {
    *out = NULL;
    rmn_st_file *f;
    RMN_TRY(rmn_st_open(path, &f));
    rmn_detect_model *m = calloc(1, sizeof *m);
    if (!m) {
        rmn_st_close(f);
        return RMN_ERROR(RMN_ENOMEM, "out of memory loading %s", path);
    }
    int rc = rmn_error_naming(load_into(m, f), path);
    rmn_st_close(f);
    if (rc != RMN_OK) {
        rmn_detect_model_free(m);
        return rc;
    }
    *out = m;
    return RMN_OK;
}

int rmn_detect_model_from_net(rmn_net *net, int image_size, int in_channels, rmn_detect_model **out) {
    *out = NULL;
    rmn_detect_model *m = calloc(1, sizeof *m);
    if (!m) {
        rmn_net_free(net);
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a model");
    }
    m->net = net;
    snprintf(m->arch, sizeof m->arch, "%s", rmn_net_arch(net));
    m->size = image_size;
    m->channels = in_channels;
    m->classes = rmn_net_num_classes(net);
    int rc = m->classes >= 2 && m->classes <= RMN_DETECT_MAX_CLASSES
                 ? finish(m)
                 : RMN_ERROR(RMN_EINVAL, "a model of %d classes", m->classes);
    if (rc != RMN_OK) {
        rmn_detect_model_free(m);
        return rc;
    }
    *out = m;
    return RMN_OK;
}

void rmn_detect_model_free(rmn_detect_model *m) {
    if (!m)
        return;
    rmn_net_free(m->net);
    free(m->input);
    free(m);
}

int rmn_detect_model_input_size(const rmn_detect_model *m) {
    return m->size;
}
int rmn_detect_model_num_classes(const rmn_detect_model *m) {
    return m->classes;
}
const char *rmn_detect_model_arch(const rmn_detect_model *m) {
    return m->arch;
}
rmn_net *rmn_detect_model_net(rmn_detect_model *m) {
    return m->net;
}
const char *rmn_detect_model_label(const rmn_detect_model *m, int k) {
    return k >= 0 && k < m->classes ? m->labels[k] : "?";
}

int rmn_detect_model_classify(rmn_detect_model *m, const uint8_t *face, float *probs) {
    size_t plane = (size_t)m->size * m->size;
    for (size_t i = 0; i < plane; ++i)
        m->input[i] = (float)face[i] * (1.0f / 255.0f);
    for (int c = 1; c < m->channels; ++c)
        memcpy(m->input + c * plane, m->input, plane * sizeof *m->input);
    RMN_TRY(rmn_net_infer(m->net, m->input, 1));
    const float *logits = rmn_net_logits(m->net);
    double mx = logits[0], total = 0;
    for (int k = 1; k < m->classes; ++k)
        if (logits[k] > mx)
            mx = logits[k];
    double e[RMN_DETECT_MAX_CLASSES];
    for (int k = 0; k < m->classes; ++k)
        total += e[k] = exp(logits[k] - mx);
    for (int k = 0; k < m->classes; ++k)
        probs[k] = (float)(e[k] / total);
    return RMN_OK;
}

int rmn_detect_model_save(const char *path, rmn_net *net, const char *arch,
                          const rmn_model_config *cfg) {
    const rmn_tensor_ref *list;
    int n;
    RMN_TRY(rmn_net_tensors(net, &list, &n));
    rmn_st_writer *w;
    RMN_TRY(rmn_st_writer_create(&w));
    char buf[32];
    int rc = rmn_st_writer_meta(w, "arch", arch);
    snprintf(buf, sizeof buf, "%d", cfg->image_size);
    if (rc == RMN_OK)
        rc = rmn_st_writer_meta(w, "image_size", buf);
    snprintf(buf, sizeof buf, "%d", cfg->in_channels);
    if (rc == RMN_OK)
        rc = rmn_st_writer_meta(w, "in_channels", buf);
    snprintf(buf, sizeof buf, "%d", cfg->num_classes);
    if (rc == RMN_OK)
        rc = rmn_st_writer_meta(w, "num_classes", buf);
    snprintf(buf, sizeof buf, "%d", cfg->width);
    if (rc == RMN_OK)
        rc = rmn_st_writer_meta(w, "width", buf);
    for (int i = 0; rc == RMN_OK && i < n; ++i)
        rc = rmn_st_writer_add(w, list[i].name, RMN_ST_F32, list[i].ndim, list[i].shape,
                               list[i].data);
    if (rc == RMN_OK)
        rc = rmn_st_writer_save(w, path);
    rmn_st_writer_free(w);
    return rc;
}

/* registry.c -- architectures by name: rmn_model_create and rmn_model_names of models/model.h, and
 * rmn_zoo_graph (the unfinalized graph, for counting). Adding a family = rows here and one
 * builder file. */
#include <string.h>

#include "core/error.h"
#include "core/suggest.h"
#include "models/zoo.h"

/* profiles a row accepts */
enum { P48 = 1, P224 = 2, PANY = 4 };

static const struct {
    const char *name;
    rmn_zoo_graph_fn graph;
    int profiles;
} registry[] = {
    {"democnn", rmn_democnn_graph, PANY},
    {"resnet18", rmn_resnet_graph, P48 | P224},
    {"resnet34", rmn_resnet_graph, P48 | P224},
    {"resnet50", rmn_resnet_graph, P48 | P224},
    {"resnet101", rmn_resnet_graph, P48 | P224},
    {"resnet152", rmn_resnet_graph, P48 | P224},
    {"resnet50_pretrained_vgg", rmn_vggface2_graph, P48 | P224},
    {"resnet18-tv48", rmn_resnet_graph, P48},
    {"resnet18_centerloss", rmn_resnet_graph, P48 | P224},
    {"resmasking", rmn_resmasking_graph, P48 | P224},
    {"resmasking_dropout1", rmn_resmasking_graph, P48 | P224},
    {"resmasking_dropout2", rmn_resmasking_graph, P48 | P224},
    {"resmasking_dropout3", rmn_resmasking_graph, P48 | P224},
    {"resmasking_dropout4", rmn_resmasking_graph, P48 | P224},
    {"resmasking50_dropout1", rmn_resmasking_graph, P48 | P224},
    {"resmasking_naive_dropout1", rmn_resmasking_graph, P48 | P224},
    {"vgg19", rmn_vgg_graph, P48 | P224},
    {"densenet121", rmn_densenet_graph, P48 | P224},
    {"googlenet", rmn_googlenet_graph, P48 | P224},
    {"inception_v3", rmn_inception3_graph, P48 | P224},
    {"efficientnet_b2b", rmn_efficientnet_graph, P48 | P224},
    {"cbam_resnet50", rmn_cbam_graph, P48 | P224},
    {"cbam_resnet34", rmn_cbam_graph, P48 | P224},
    {"bam_resnet50", rmn_bam_graph, P48 | P224},
};

#define N_MODELS ((int)(sizeof registry / sizeof registry[0]))

/* The unfinalized graph of registry row i. */
static int graph(int i, const char *arch, const rmn_model_config *cfg, rmn_net **out,
                 int *logits) {
    int profile = RMN_PROFILE_ANY;
    if (!(registry[i].profiles & PANY)) {
        RMN_TRY(rmn_zoo_profile(arch, cfg, &profile));
        if (!(registry[i].profiles & (profile == RMN_PROFILE_48 ? P48 : P224)))
            return RMN_ERROR(RMN_EINVAL, "%s: not defined for the %d profile", arch, profile);
        if (cfg->num_classes < 2)
            return RMN_ERROR(RMN_EINVAL, "%s: needs num_classes >= 2 (got %d)", arch,
                             cfg->num_classes);
        if (cfg->width < 0 || (cfg->width > 0 && profile != RMN_PROFILE_48))
            return RMN_ERROR(RMN_EINVAL, "%s: width %d: a width applies only at the 48 profile",
                             arch, cfg->width);
    }
    rmn_net *net;
    RMN_TRY(rmn_net_alloc(&net, arch, cfg->in_channels, cfg->image_size, cfg->image_size));
    int rc = registry[i].graph(arch, cfg, profile, net, logits);
    if (rc != RMN_OK) {
        rmn_net_free(net);
        return rc;
    }
    *out = net;
    return RMN_OK;
}

static int find(const char *arch) {
    for (int i = 0; i < N_MODELS; ++i)
        if (strcmp(registry[i].name, arch) == 0)
            return i;
    return -1;
}

/* "unknown architecture 'X'; did you mean 'Y'? architectures: ..." */
static int unknown_arch(const char *arch) {
    const char *names[N_MODELS];
    for (int i = 0; i < N_MODELS; ++i)
        names[i] = registry[i].name;
    char hint[2000];
    rmn_suggest(arch, names, N_MODELS, "architectures", N_MODELS, hint, sizeof hint);
    return RMN_ERROR(RMN_ENOTFOUND, "unknown architecture '%s'%s", arch, hint);
}

int rmn_zoo_graph(const char *arch, const rmn_model_config *cfg, rmn_net **out) {
    *out = NULL;
    if (!arch || !cfg)
        return RMN_ERROR(RMN_EINVAL, "rmn_zoo_graph: missing architecture or config");
    const int i = find(arch);
    if (i < 0)
        return unknown_arch(arch);
    int logits;
    return graph(i, arch, cfg, out, &logits);
}

int rmn_model_create(const char *arch, const rmn_model_config *cfg, rmn_net **out) {
    *out = NULL;
    if (!arch || !cfg)
        return RMN_ERROR(RMN_EINVAL, "rmn_model_create: missing architecture or config");
    const int i = find(arch);
    if (i < 0)
        return unknown_arch(arch);
    rmn_net *net;
    int logits;
    RMN_TRY(graph(i, arch, cfg, &net, &logits));
    int rc = rmn_net_finalize(net, logits, cfg->seed);
    if (rc != RMN_OK) {
        rmn_net_free(net);
        return rc;
    }
    *out = net;
    return RMN_OK;
}

int rmn_model_names(const char *const **names, int *n) {
    static const char *list[N_MODELS + 1];
    for (int i = 0; i < N_MODELS; ++i)
        list[i] = registry[i].name;
    *names = list;
    *n = N_MODELS;
    return RMN_OK;
}

int rmn_model_revision(const char *arch, const char **change) {
    const int effnet = strcmp(arch, "efficientnet_b2b") == 0;
    if (change)
        *change = effnet ? "TF-\"same\" padding as pytorchcv's, was symmetric" : "";
    return effnet ? 2 : 1;
}

int rmn_zoo_has_profile(const char *arch, int profile) {
    const int i = find(arch);
    if (i < 0)
        return 0;
    if (registry[i].profiles & PANY)
        return profile == RMN_PROFILE_ANY;
    return (registry[i].profiles & (profile == RMN_PROFILE_48 ? P48 : P224)) != 0;
}

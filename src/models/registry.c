/* registry.c -- architectures by name: rmn_model_create and rmn_model_names of nn/net.h.
 * Adding a family = one row here and one builder file. */
#include <string.h>

#include "core/error.h"
#include "models/zoo.h"

static const struct {
    const char *name;
    rmn_model_builder build;
} registry[] = {
    {"democnn", rmn_democnn_build},
};

#define N_MODELS ((int)(sizeof registry / sizeof registry[0]))

int rmn_model_create(const char *arch, const rmn_model_config *cfg, rmn_net **out) {
    *out = NULL;
    if (!arch || !cfg)
        return RMN_ERROR(RMN_EINVAL, "rmn_model_create: missing architecture or config");
    for (int i = 0; i < N_MODELS; ++i)
        if (strcmp(registry[i].name, arch) == 0)
            return registry[i].build(arch, cfg, out);
    return RMN_ERROR(RMN_ENOTFOUND, "unknown architecture '%s'", arch);
}

int rmn_model_names(const char *const **names, int *n) {
    static const char *list[N_MODELS + 1];
    for (int i = 0; i < N_MODELS; ++i)
        list[i] = registry[i].name;
    *names = list;
    *n = N_MODELS;
    return RMN_OK;
}

/* validate.c -- an experiment checked whole before any work; see validate.h. */
#include "train/validate.h"

#include "core/error.h"
#include "models/zoo.h"
#include "nn/net.h"
#include "train/pretrained.h"

#include <string.h>

int rmn_train_config_validate_model(const rmn_train_config *cfg, const char *where) {
    rmn_model_config mc = {.in_channels = cfg->in_channels, .image_size = cfg->image_size,
                           .num_classes = cfg->num_classes, .seed = cfg->seed, .width = cfg->width};
    rmn_net *net = NULL;
    if (rmn_zoo_graph(cfg->arch, &mc, &net) != RMN_OK)
        return rmn_error_prefix("%s", where);
    rmn_net_free(net);
    return rmn_pretrained_check(cfg, where);
}

int rmn_experiment_validate(const rmn_experiment *exp) {
    char where[512];
    for (int i = 0; i < exp->n_runs; ++i) {
        const rmn_train_config *cfg = &exp->runs[i];
        int seen = 0; /* one check per distinct model (seeds repeat them) */
        for (int j = 0; j < i && !seen; ++j)
            seen = strcmp(exp->runs[j].model_name, cfg->model_name) == 0 &&
                   strcmp(exp->runs[j].arch, cfg->arch) == 0 &&
                   exp->runs[j].width == cfg->width &&
                   exp->runs[j].image_size == cfg->image_size &&
                   exp->runs[j].in_channels == cfg->in_channels &&
                   exp->runs[j].num_classes == cfg->num_classes;
        if (seen)
            continue;
        snprintf(where, sizeof where, "experiment %s: run %s (arch %s)", exp->name,
                 cfg->model_name, cfg->arch);
        RMN_TRY(rmn_train_config_validate_model(cfg, where));
    }
    for (int m = 0; m < exp->n_members; ++m) {
        int found = 0;
        for (int i = 0; i < exp->n_runs && !found; ++i)
            found = strcmp(exp->runs[i].model_name, exp->members[m]) == 0;
        if (!found)
            return RMN_ERROR(RMN_EINVAL,
                             "experiment %s: ensemble member \"%s\" is not the model_name of "
                             "any of its runs",
                             exp->name, exp->members[m]);
    }
    return RMN_OK;
}

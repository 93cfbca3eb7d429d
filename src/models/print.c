/* print.c -- rmn_models_print: the zoo's architectures with profile, parameters and MACs per
 * image, as a text table or JSON (for `rmn-exp models`). */
#include <inttypes.h>
#include <string.h>

#include "core/error.h"
#include "models/zoo.h"

/* The config a profile is listed with: 48x48x1 (at `width`, 0 = the family default) or
 * 3x224x224 (299 for inception_v3), 7 classes. */
static rmn_model_config listing_config(const char *arch, int profile, int width) {
    rmn_model_config c = {.in_channels = 1, .image_size = 48, .num_classes = 7, .width = width};
    if (profile == RMN_PROFILE_224) {
        c.in_channels = 3;
        c.image_size = strcmp(arch, "inception_v3") == 0 ? 299 : 224;
        c.width = 0;
    }
    return c;
}

int rmn_models_print(FILE *out, int json, int width) {
    const char *const *names;
    int n;
    RMN_TRY(rmn_model_names(&names, &n));
    static const int profiles[2] = {RMN_PROFILE_224, RMN_PROFILE_48};
    int first = 1;
    fputs(json ? "[" : "", out);
    if (!json)
        fprintf(out, "%-26s %-7s %14s %14s %10s\n", "name", "profile", "params",
                "params_thesis", "GMACs");
    for (int pi = 0; pi < 2; ++pi)
        for (int i = 0; i < n; ++i) {
            const int p = profiles[pi];
            if (!rmn_zoo_has_profile(names[i], p) &&
                !(p == RMN_PROFILE_48 && rmn_zoo_has_profile(names[i], RMN_PROFILE_ANY)))
                continue;
            const rmn_model_config cfg = listing_config(names[i], p, width);
            rmn_net *net;
            RMN_TRY(rmn_zoo_graph(names[i], &cfg, &net));
            const size_t params = rmn_zoo_params(net), thesis = rmn_zoo_params_thesis(net);
            const double macs = rmn_zoo_macs(net);
            rmn_net_free(net);
            if (json) {
                fprintf(out, "%s\n  {\"name\": \"%s\", \"profile\": \"%d\", \"params\": %zu, "
                        "\"macs\": %.0f", first ? "" : ",", names[i], p, params, macs);
                if (thesis != params)
                    fprintf(out, ", \"params_thesis\": %zu", thesis);
                if (cfg.width)
                    fprintf(out, ", \"width\": %d", cfg.width);
                fputs("}", out);
            } else {
                fprintf(out, "%-26s %-7d %14zu %14zu %10.3f\n", names[i], p, params, thesis,
                        macs / 1e9);
            }
            first = 0;
        }
    if (json)
        fputs("\n]\n", out);
    return ferror(out) ? RMN_ERROR(RMN_EIO, "models: write failed") : RMN_OK;
}

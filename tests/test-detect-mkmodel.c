/* test-detect-mkmodel.c -- test helper (not a test): writes an untrained emotion model
 * checkpoint (democnn, 7 classes, seed 2385) to argv[1] for the rmn-detect CLI test and for
 * timing; optional IMAGE_SIZE (48), WIDTH (8), IN_CHANNELS (1) and ARCH (democnn; e.g.
 * resmasking_dropout1 for rmn-explain's masks) follow. */
#include "core/error.h"
#include "models/model.h"
#include "detect/model.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 2 || argc > 6) {
        fprintf(stderr, "usage: test-detect-mkmodel OUT.safetensors [IMAGE_SIZE [WIDTH "
                        "[IN_CHANNELS [ARCH]]]]\n");
        return 2;
    }
    rmn_model_config cfg = {.in_channels = argc > 4 ? atoi(argv[4]) : 1,
                            .image_size = argc > 2 ? atoi(argv[2]) : 48, .num_classes = 7,
                            .seed = 2385, .width = argc > 3 ? atoi(argv[3]) : 8};
    const char *arch = argc > 5 ? argv[5] : "democnn";
    rmn_net *net;
    int rc = rmn_model_create(arch, &cfg, &net);
    if (rc == RMN_OK)
        rc = rmn_detect_model_save(argv[1], net, arch, &cfg);
    if (rc != RMN_OK) {
        fprintf(stderr, "test-detect-mkmodel: error: %s\n", rmn_error_message());
        return 1;
    }
    rmn_net_free(net);
    return 0;
}

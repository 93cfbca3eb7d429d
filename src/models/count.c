/* count.c -- parameter and multiply-accumulate counts of a network's graph, from the builder's
 * view of its tensors and the op table's counts (nn/builder.h; works before finalize, so
 * counting a 140M-parameter net allocates no arena). */
#include <string.h>

#include "models/zoo.h"

size_t rmn_zoo_params(const rmn_net *net) {
    return rmn_net_param_count(net);
}

size_t rmn_zoo_params_matching(const rmn_net *net, const char *prefix, const char *infix) {
    size_t total = 0;
    for (int i = 0; i < rmn_net_tensor_count(net); ++i) {
        const char *name;
        size_t count;
        int trainable;
        rmn_net_tensor_info(net, i, &name, &count, &trainable);
        if (!trainable || (prefix && strncmp(name, prefix, strlen(prefix)) != 0) ||
            (infix && !strstr(name, infix)))
            continue;
        total += count;
    }
    return total;
}

size_t rmn_zoo_params_thesis(const rmn_net *net) {
    if (strncmp(rmn_net_arch(net), "resmasking", 10) != 0)
        return rmn_net_param_count(net);
    return rmn_net_param_count(net) + rmn_zoo_params_matching(net, "mask", ".downsample.");
}

double rmn_zoo_macs(const rmn_net *net) {
    return rmn_net_macs(net);
}

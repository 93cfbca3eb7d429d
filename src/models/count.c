/* count.c -- parameter and multiply-accumulate counts of a network's graph, by walking its
 * nodes and tensor specs (works before finalize, so counting a 140M-parameter net allocates
 * no arena). */
#include <string.h>

#include "models/zoo.h"
#include "nn/graph.h"

size_t rmn_zoo_params(const rmn_net *net) {
    return net->n_params;
}

size_t rmn_zoo_params_matching(const rmn_net *net, const char *prefix, const char *infix) {
    size_t total = 0;
    for (int i = 0; i < net->n_specs; ++i) {
        const rmn_tensor_spec *s = &net->specs[i];
        if (!s->trainable || (prefix && strncmp(s->name, prefix, strlen(prefix)) != 0) ||
            (infix && !strstr(s->name, infix)))
            continue;
        total += s->count;
    }
    return total;
}

size_t rmn_zoo_params_thesis(const rmn_net *net) {
    if (strncmp(net->arch, "resmasking", 10) != 0)
        return net->n_params;
    return net->n_params + rmn_zoo_params_matching(net, "mask", ".downsample.");
}

double rmn_zoo_macs(const rmn_net *net) {
    double macs = 0.0;
    for (int i = 0; i < net->n_nodes; ++i) {
        const rmn_node *nd = &net->nodes[i];
        const rmn_value *in = &net->values[nd->in[0]], *out = &net->values[nd->out];
        const int g = nd->conv.groups > 0 ? nd->conv.groups : 1;
        switch (nd->op) {
        case RMN_OP_CONV2D: /* each output element: (C/groups) kh kw */
            macs += (double)out->c * out->h * out->w * (in->c / g) * nd->conv.kh * nd->conv.kw;
            break;
        case RMN_OP_CONVT2D: /* each input element scatters to (K/groups) kh kw */
            macs += (double)in->c * in->h * in->w * (out->c / g) * nd->conv.kh * nd->conv.kw;
            break;
        case RMN_OP_LINEAR:
            macs += (double)in->c * in->h * in->w * out->c;
            break;
        default:
            break;
        }
    }
    return macs;
}

/* tensors.c -- the net's named tensors as the builder registers them (parameter and buffer
 * arena offsets, init defaults), the aligned allocation of its arenas, and reading the
 * registered tensors back while the graph is built (nn/builder.h). */
#include "nn/graph.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

void *rmn_net_aligned_zalloc(size_t bytes) {
    size_t n = (bytes + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, n ? n : 64);
    if (p)
        memset(p, 0, n ? n : 64);
    return p;
}

static char *fmt_name(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_name(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

int rmn_net_add_tensor(rmn_net *net, const char *layer, const char *what, int trainable,
                       int ndim, const int64_t *shape, size_t *off, int fan_in, int fan_out,
                       float dflt) {
    if (!layer || !*layer)
        return RMN_ERROR(RMN_EINVAL, "%s: a layer with parameters needs a name", net->arch);
    for (int i = 0; i < net->n_specs; ++i)
        if (strncmp(net->specs[i].name, layer, strlen(layer)) == 0 &&
            net->specs[i].name[strlen(layer)] == '.' &&
            strcmp(net->specs[i].name + strlen(layer) + 1, what) == 0)
            return RMN_ERROR(RMN_EINVAL, "%s: duplicate tensor %s.%s", net->arch, layer, what);
    if (net->n_specs == net->cap_specs) {
        int cap = net->cap_specs ? 2 * net->cap_specs : 32;
        rmn_tensor_spec *s = realloc(net->specs, cap * sizeof *s);
        if (!s)
            return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", net->arch);
        net->specs = s;
        net->cap_specs = cap;
    }
    rmn_tensor_spec *s = &net->specs[net->n_specs];
    *s = (rmn_tensor_spec){.ndim = ndim, .trainable = trainable, .count = 1,
                           .node = net->n_nodes - 1, .fan_in = fan_in, .fan_out = fan_out,
                           .init = RMN_INIT_DEFAULT};
    if (fan_in > 0) {
        s->def_init = RMN_INIT_UNIFORM;
        s->def_arg = 1.0 / sqrt((double)fan_in);
    } else {
        s->def_init = RMN_INIT_CONSTANT;
        s->def_arg = dflt;
    }
    if (!(s->name = fmt_name("%s.%s", layer, what)))
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", net->arch);
    for (int i = 0; i < ndim; ++i) {
        s->shape[i] = shape[i];
        s->count *= (size_t)shape[i];
    }
    size_t *total = trainable ? &net->n_params : &net->n_buffers;
    s->off = *off = *total;
    *total += s->count;
    net->n_specs++;
    return RMN_OK;
}

int rmn_net_tensor_count(const rmn_net *net) { return net->n_specs; }

void rmn_net_tensor_info(const rmn_net *net, int i, const char **name, size_t *count,
                         int *trainable) {
    const rmn_tensor_spec *s = &net->specs[i];
    if (name)
        *name = s->name;
    if (count)
        *count = s->count;
    if (trainable)
        *trainable = s->trainable;
}

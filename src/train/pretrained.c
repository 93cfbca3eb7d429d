/* pretrained.c -- trunks from pretrained files (pretrained.h): the reader table and the name/shape
 * matching shared by the check and the load (the files' tensors: pretrained_set.c, .pth:
 * pretrained_pth.c). */
#include "train/pretrained.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "train/pretrained_pth.h"
#include "train/pretrained_set.h"
#include "models/zoo.h"
#include "nn/view.h"

static struct {
    char                  ext[16];
    rmn_pretrained_reader fn;
} readers[8] = {{".safetensors", rmn_pretrained_read_safetensors}, {".pth", rmn_pretrained_read_pth}};

int rmn_pretrained_set_reader(const char *ext, rmn_pretrained_reader fn) {
    int free_slot = -1;
    for (int i = 0; i < 8; ++i) {
        if (readers[i].fn && strcmp(readers[i].ext, ext) == 0) {
            readers[i].fn = fn;
            return RMN_OK;
        }
        if (!readers[i].fn && free_slot < 0)
            free_slot = i;
    }
    if (!fn)
        return RMN_OK;
    if (free_slot < 0 || strlen(ext) >= sizeof readers[0].ext)
        return RMN_ERROR(RMN_EINVAL, "pretrained: cannot register a reader for '%s'", ext);
    snprintf(readers[free_slot].ext, sizeof readers[0].ext, "%s", ext);
    readers[free_slot].fn = fn;
    return RMN_OK;
}

int rmn_pretrained_read(const char *path, rmn_pretrained_set *out) {
    memset(out, 0, sizeof *out);
    const size_t lp = strlen(path);
    for (int i = 0; i < 8; ++i) {
        const size_t le = strlen(readers[i].ext);
        if (readers[i].fn && lp > le && strcmp(path + lp - le, readers[i].ext) == 0)
            return rmn_error_naming(readers[i].fn(path, out), path) == RMN_OK
                       ? RMN_OK
                       : rmn_error_prefix("pretrained");
    }
    return RMN_ERROR(RMN_EINVAL,
                     "pretrained %s: no reader for this kind of file (rmn reads .safetensors, an "
                     "rmn checkpoint of the same trunk, and .pth, a PyTorch checkpoint)", path);
}

static const char *shape_text(char *buf, size_t cap, int ndim, const int64_t *s) {
    size_t u = (size_t)snprintf(buf, cap, "(");
    for (int i = 0; i < ndim && u < cap; ++i)
        u += (size_t)snprintf(buf + u, cap - u, "%s%lld", i ? "," : "", (long long)s[i]);
    if (u < cap)
        snprintf(buf + u, cap - u, ")");
    return buf;
}

/* Matches net's tensors against set; with load (a finalized net) copies them. */
static int match(rmn_net *net, const rmn_pretrained_set *set, const char *path, int load,
                 int *loaded) {
    const int n_tensors = rmn_net_tensor_count(net);
    const char *net_arch = rmn_net_arch(net);
    int head = -1; /* the last node with parameters: the classifier, always new */
    for (int s = 0; s < n_tensors; ++s) {
        rmn_tensor_view t;
        RMN_TRY(rmn_net_tensor_view(net, s, &t));
        if (t.trainable && t.node > head)
            head = t.node;
    }
    int n = 0;
    char a[96], b[96];
    const char *arch = set->arch[0] ? set->arch : "not named";
    for (int s = 0; s < n_tensors; ++s) {
        rmn_tensor_view tv, *t = &tv;
        RMN_TRY(rmn_net_tensor_view(net, s, t));
        if (t->node == head)
            continue;
        const rmn_pretrained_tensor *p = NULL;
        for (int i = 0; i < set->n && !p; ++i)
            if (strcmp(set->t[i].name, t->name) == 0)
                p = &set->t[i];
        if (!p) {
            if (strncmp(t->name, "mask", 4) == 0)
                continue; /* the masks are new on a ResNet trunk */
            return RMN_ERROR(RMN_EINVAL,
                             "pretrained %s (arch %s): lacks %s of the %s trunk %s: not a "
                             "trunk of this model", path, arch, t->name, net_arch,
                             shape_text(a, sizeof a, t->ndim, t->shape));
        }
        int same = p->ndim == t->ndim && p->count == t->count;
        for (int d = 0; same && d < t->ndim; ++d)
            same = p->shape[d] == t->shape[d];
        if (!same)
            return RMN_ERROR(RMN_EINVAL,
                             "pretrained %s (arch %s): %s is %s, the %s model's is %s "
                             "(another input profile, width or arch?)", path, arch, p->name,
                             shape_text(a, sizeof a, p->ndim, p->shape), net_arch,
                             shape_text(b, sizeof b, t->ndim, t->shape));
        if (load)
            RMN_TRY(rmn_net_tensor_write(net, s, p->data, t->count));
        ++n;
    }
    if (n == 0)
        return RMN_ERROR(RMN_EINVAL, "pretrained %s (arch %s): no trunk tensor of %s in it",
                         path, arch, net_arch);
    if (loaded)
        *loaded = n;
    return RMN_OK;
}

int rmn_pretrained_check(const rmn_train_config *cfg, const char *where) {
    if (!cfg->pretrained[0])
        return RMN_OK;
    rmn_model_config mc = {.in_channels = cfg->in_channels, .image_size = cfg->image_size,
                           .num_classes = cfg->num_classes, .seed = cfg->seed,
                           .width = cfg->width};
    rmn_pretrained_set set;
    if (rmn_pretrained_read(cfg->pretrained, &set) != RMN_OK)
        return rmn_error_prefix("%s", where);
    rmn_net *net = NULL;
    int rc = rmn_zoo_graph(cfg->arch, &mc, &net);
    if (rc == RMN_OK)
        rc = match(net, &set, cfg->pretrained, 0, NULL);
    rmn_net_free(net);
    rmn_pretrained_set_free(&set);
    return rc == RMN_OK ? RMN_OK : rmn_error_prefix("%s", where);
}

int rmn_pretrained_load(rmn_net *net, const char *path, int *loaded) {
    if (!rmn_net_is_finalized(net))
        return RMN_ERROR(RMN_EINVAL, "pretrained %s: the net is not finalized", path);
    rmn_pretrained_set set;
    RMN_TRY(rmn_pretrained_read(path, &set));
    int rc = match(net, &set, path, 1, loaded);
    rmn_pretrained_set_free(&set);
    return rc;
}

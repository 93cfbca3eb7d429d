/* import.c -- PyTorch state_dict -> rmn net: name mapping and whole-file checks (import.h). */
#include "train/import.h"

#include "core/error.h"
#include "models/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* "maskK.WORDJ.rest": parses K, J and rest for WORD. */
static int mask_part(const char *key, const char *word, int *k, int *j, const char **rest) {
    if (strncmp(key, "mask", 4) != 0 || key[4] < '1' || key[4] > '4' || key[5] != '.')
        return 0;
    *k = key[4] - '0';
    const char *p = key + 6;
    size_t wl = strlen(word);
    if (strncmp(p, word, wl) != 0)
        return 0;
    p += wl;
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || *end != '.' || v < 1 || v > 8)
        return 0;
    *j = (int)v;
    *rest = end + 1;
    return 1;
}

int rmn_import_map_name(const char *arch, const char *key, char *buf, size_t cap) {
    if (ends_with(key, ".num_batches_tracked") || strcmp(key, "num_batches_tracked") == 0)
        return 0;
    snprintf(buf, cap, "%s", key);
    /* the auxiliary classifiers of torchvision's inception_v3 (AuxLogits, which the original
     * code keeps) and googlenet (aux1, aux2) are training-only branches rmn does not build */
    if ((strcmp(arch, "inception_v3") == 0 && strncmp(key, "AuxLogits.", 10) == 0) ||
        (strcmp(arch, "googlenet") == 0 && (strncmp(key, "aux1.", 5) == 0 || strncmp(key, "aux2.", 5) == 0)))
        return 0;
    /* the thesis's efficientnet_b2b head is Sequential(Dropout, Linear): output.1 is rmn's (and
     * pytorchcv's) output.fc */
    if (strcmp(arch, "efficientnet_b2b") == 0 && strncmp(key, "output.1.", 9) == 0) {
        snprintf(buf, cap, "output.fc.%s", key + 9);
        return 1;
    }
    if (strncmp(arch, "resmasking", 10) != 0)
        return 1;
    /* the original's dropout1 heads are Sequential(Dropout, Linear): fc.1 is rmn's fc */
    if ((strcmp(arch, "resmasking_dropout1") == 0 || strcmp(arch, "resmasking50_dropout1") == 0 ||
         strcmp(arch, "resmasking_naive_dropout1") == 0) && strncmp(key, "fc.1.", 5) == 0) {
        snprintf(buf, cap, "fc.%s", key + 5);
        return 1;
    }
    int k, j, dup = 0;
    const char *rest;
    char twin[512];
    if (mask_part(key, "downsample", &k, &j, &rest)) {
        snprintf(twin, sizeof twin, "mask%d.conv%d.downsample.%s", k, j, rest);
        key = twin;
        dup = 1;
    }
    if (mask_part(key, "conv", &k, &j, &rest)) {
        int d = 5 - k;
        if (j <= d)
            snprintf(buf, cap, "mask%d.enc%d.%s", k, j - 1, rest);
        else if (j < 2 * d)
            snprintf(buf, cap, "mask%d.dec%d.%s", k, 2 * d - j, rest);
        else if (j == 2 * d)
            snprintf(buf, cap, "mask%d.final.%s", k, rest);
    } else if (mask_part(key, "up_pool", &k, &j, &rest)) {
        int d = 5 - k;
        if (j > d && j < 2 * d)
            snprintf(buf, cap, "mask%d.up%d.%s", k, 2 * d - j, rest);
    }
    return dup ? 2 : 1;
}

typedef struct {
    char *buf;
    size_t cap, len;
    int count;
} namelist;

static void list_add(namelist *l, const char *name, const char *detail) {
    ++l->count;
    if (l->count > 12) {
        if (l->count == 13 && l->len + 8 < l->cap)
            l->len += (size_t)snprintf(l->buf + l->len, l->cap - l->len, ", ...");
        return;
    }
    if (l->len + 1 < l->cap)
        l->len += (size_t)snprintf(l->buf + l->len, l->cap - l->len, "%s%s%s", l->count > 1 ? ", " : "",
                                   name, detail ? detail : "");
    if (l->len >= l->cap)
        l->len = l->cap - 1;
}

static void shape_str(char *b, size_t cap, int ndim, const int64_t *shape) {
    size_t n = (size_t)snprintf(b, cap, "(");
    for (int d = 0; d < ndim && n < cap; ++d)
        n += (size_t)snprintf(b + n, cap - n, "%s%lld", d ? "," : "", (long long)shape[d]);
    if (n < cap)
        snprintf(b + n, cap - n, ")");
}

int rmn_import_load(const rmn_pth_file *f, rmn_net *net, int allow_head, rmn_import_stats *stats) {
    const char *path = rmn_pth_path(f), *arch = rmn_net_arch(net);
    memset(stats, 0, sizeof *stats);
    const rmn_tensor_ref *refs;
    int nref, n = rmn_pth_count(f);
    RMN_TRY(rmn_net_tensors(net, &refs, &nref));
    int strip = n > 0;
    for (int i = 0; i < n; ++i)
        strip &= strncmp(rmn_pth_at(f, i)->name, "module.", 7) == 0;
    /* the head: the last net tensor's layer */
    char head[256] = "";
    if (nref > 0) {
        snprintf(head, sizeof head, "%s", refs[nref - 1].name);
        char *dot = strrchr(head, '.');
        if (dot)
            dot[1] = 0;
    }
    char (*mapped)[256] = calloc((size_t)n + 1, sizeof *mapped);
    int *kind = calloc((size_t)n + 1, sizeof *kind), *used = calloc((size_t)n + 1, sizeof *used);
    const rmn_pth_tensor **src = calloc((size_t)nref + 1, sizeof *src);
    char miss[2048] = "", unexp[2048] = "", shp[2048] = "", dupb[1024] = "";
    int head_only = 1; /* every missing or mis-shaped tensor is the head's */
    namelist lm = {miss, sizeof miss, 0, 0}, lu = {unexp, sizeof unexp, 0, 0},
             ls = {shp, sizeof shp, 0, 0}, ld = {dupb, sizeof dupb, 0, 0};
    int rc = RMN_OK;
    if (!mapped || !kind || !used || !src) {
        rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (int i = 0; i < n; ++i)
        kind[i] = rmn_import_map_name(arch, rmn_pth_at(f, i)->name + (strip ? 7 : 0), mapped[i], sizeof mapped[i]);
    /* duplicates must agree with their twins */
    for (int i = 0; i < n; ++i) {
        if (kind[i] != 2)
            continue;
        const rmn_pth_tensor *a = rmn_pth_at(f, i), *b = NULL;
        for (int j = 0; j < n && !b; ++j)
            if (kind[j] == 1 && strcmp(mapped[j], mapped[i]) == 0)
                b = rmn_pth_at(f, j);
        if (b && (a->numel != b->numel || memcmp(a->data, b->data, (size_t)a->numel * sizeof(float)) != 0))
            list_add(&ld, a->name, NULL);
        else if (!b)
            kind[i] = 1; /* no twin: an ordinary (then unexpected) key */
        else
            used[i] = 1, ++stats->ignored;
    }
    for (int i = 0; i < n; ++i)
        if (kind[i] == 0)
            used[i] = 1, ++stats->ignored;
    for (int r = 0; r < nref; ++r) {
        const rmn_tensor_ref *t = &refs[r];
        int in_head = head[0] && strncmp(t->name, head, strlen(head)) == 0;
        int found = -1;
        for (int i = 0; i < n && found < 0; ++i)
            if (kind[i] == 1 && !used[i] && strcmp(mapped[i], t->name) == 0)
                found = i;
        if (found < 0) {
            if (allow_head && in_head)
                ++stats->head_kept;
            else
                list_add(&lm, t->name, NULL), head_only &= in_head;
            continue;
        }
        used[found] = 1;
        const rmn_pth_tensor *p = rmn_pth_at(f, found);
        int same = p->ndim == t->ndim;
        for (int d = 0; same && d < t->ndim; ++d)
            same = p->shape[d] == t->shape[d];
        if (!same) {
            if (allow_head && in_head) {
                ++stats->head_kept;
                continue;
            }
            char a[96], b[96], det[220];
            shape_str(a, sizeof a, p->ndim, p->shape);
            shape_str(b, sizeof b, t->ndim, t->shape);
            snprintf(det, sizeof det, " %s, expected %s", a, b);
            list_add(&ls, t->name, det);
            head_only &= in_head;
            continue;
        }
        src[r] = p;
    }
    for (int i = 0; i < n; ++i)
        if (!used[i])
            list_add(&lu, rmn_pth_at(f, i)->name, NULL);
    if (lm.count || lu.count || ls.count || ld.count) {
        rc = RMN_ERROR(RMN_EFORMAT, "%s: does not fit %s:%s%d missing%s%s;%s%d unexpected%s%s;%s%d mis-shaped%s%s%s%s%s",
                       path, arch, " ", lm.count, lm.count ? ": " : "", miss, " ", lu.count, lu.count ? ": " : "", unexp,
                       " ", ls.count, ls.count ? ": " : "", shp, ld.count ? "; duplicate keys that differ from their twins: " : "",
                       dupb, !allow_head && head_only && !lu.count && !ld.count
                                 ? " (only the classifier differs: rmn-import --allow-head keeps a new one, "
                                   "and the pretrained: key loads a trunk into a new head)"
                                 : "");
        goto done;
    }
    for (int r = 0; r < nref; ++r)
        if (src[r]) {
            memcpy(refs[r].data, src[r]->data, (size_t)src[r]->numel * sizeof(float));
            ++stats->loaded;
        }
done:
    free(mapped);
    free(kind);
    free(used);
    free(src);
    return rc;
}

int rmn_import_open_model(const char *path, const rmn_train_config *cfg, int allow_head, rmn_net **net,
                          rmn_pth_file **pth, rmn_import_stats *stats) {
    *net = NULL;
    if (pth)
        *pth = NULL;
    rmn_pth_file *f;
    RMN_TRY(rmn_pth_open(path, &f));
    rmn_model_config mc = {.in_channels = cfg->in_channels, .image_size = cfg->image_size,
                           .num_classes = cfg->num_classes, .seed = cfg->seed, .width = cfg->width};
    int rc = rmn_model_create(cfg->arch, &mc, net);
    if (rc == RMN_OK)
        rc = rmn_import_load(f, *net, allow_head, stats);
    if (rc != RMN_OK) {
        rmn_net_free(*net);
        *net = NULL;
        rmn_pth_close(f);
        return rmn_error_naming(rc, path);
    }
    if (pth)
        *pth = f;
    else
        rmn_pth_close(f);
    return RMN_OK;
}

int rmn_import_is_pth(const char *path) {
    static const char *const ext[] = {".pth", ".pt", ".pth.tar", ".ckpt", ".pkl"};
    for (size_t i = 0; i < sizeof ext / sizeof *ext; ++i)
        if (ends_with(path, ext[i]))
            return 1;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    unsigned char b[9] = {0};
    size_t got = fread(b, 1, 9, fp);
    fclose(fp);
    /* a zip archive, or a legacy stream: PROTO n, then LONG1 of torch's magic number; never a
     * safetensors file, whose JSON header opens at byte 8 (its length may start with 0x80) */
    return got == 9 && b[8] != '{' &&
           ((b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) || (b[0] == 0x80 && b[2] == 0x8a && b[3] == 10));
}

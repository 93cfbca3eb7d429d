/* pretrained_set.c -- a pretrained file's tensors (pretrained_set.h): freeing a set, and the
 * built-in reader of safetensors files (an rmn checkpoint's trunk, or any F32 tensors). */
#include "train/pretrained_set.h"

#include "core/error.h"
#include "core/safetensors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rmn_pretrained_set_free(rmn_pretrained_set *s) {
    for (int i = 0; i < s->n; ++i) {
        free(s->t[i].name);
        free(s->t[i].data);
    }
    free(s->t);
    memset(s, 0, sizeof *s);
}

int rmn_pretrained_read_safetensors(const char *path, rmn_pretrained_set *out) {
    rmn_st_file *f;
    RMN_TRY(rmn_st_open(path, &f));
    const char *arch = rmn_st_meta(f, "arch");
    snprintf(out->arch, sizeof out->arch, "%s", arch ? arch : "");
    const int n = rmn_st_count(f);
    out->t = calloc((size_t)n + 1, sizeof *out->t);
    int rc = out->t ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
    for (int i = 0; rc == RMN_OK && i < n; ++i) {
        const rmn_st_tensor *t = rmn_st_at(f, i);
        /* an rmn checkpoint's optimizer, random and center-loss state is not a trunk */
        if (t->dtype != RMN_ST_F32 || strncmp(t->name, "optim.", 6) == 0 ||
            strncmp(t->name, "rng.", 4) == 0 || strncmp(t->name, "center.", 7) == 0)
            continue;
        rmn_pretrained_tensor *d = &out->t[out->n];
        d->name = strdup(t->name);
        d->ndim = t->ndim;
        memcpy(d->shape, t->shape, sizeof d->shape);
        d->count = (size_t)t->numel;
        d->data = malloc(d->count * sizeof(float) + 1);
        ++out->n;
        if (!d->name || !d->data)
            rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
        else
            rc = rmn_st_copy_f32(t, d->data, d->count);
    }
    rmn_st_close(f);
    if (rc != RMN_OK)
        rmn_pretrained_set_free(out);
    return rc;
}

/* pretrained_pth.c -- the `pretrained:` key's reader for PyTorch checkpoints (.pth: torchvision,
 * pytorchcv, the original repository's), through rmn's own safe reader (core/pth.h) and the
 * import's key mapping (train/import.h): a "module." prefix stripped, num_batches_tracked and
 * training-only aux heads ignored, the original masking blocks' names mapped (their duplicated
 * downsample keys read once). */
#include "train/pretrained_pth.h"

#include "core/error.h"
#include "core/pth.h"
#include "train/import.h"

#include <stdlib.h>
#include <string.h>

int rmn_pretrained_read_pth(const char *path, rmn_pretrained_set *out) {
    rmn_pth_file *f;
    RMN_TRY(rmn_pth_open(path, &f));
    const int n = rmn_pth_count(f);
    out->t = calloc((size_t)n + 1, sizeof *out->t);
    int rc = out->t ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
    for (int i = 0; rc == RMN_OK && i < n; ++i) {
        const rmn_pth_tensor *t = rmn_pth_at(f, i);
        const char *key = strncmp(t->name, "module.", 7) == 0 ? t->name + 7 : t->name;
        char name[512];
        /* the masking blocks' mapping is a no-op on names without "maskK." or "fc.1." */
        if (rmn_import_map_name("resmasking_dropout1", key, name, sizeof name) != 1)
            continue; /* ignored, or the twin of a mask shortcut read under its other name */
        rmn_pretrained_tensor *d = &out->t[out->n++];
        d->name = strdup(name);
        d->ndim = t->ndim;
        memcpy(d->shape, t->shape, (size_t)t->ndim * sizeof d->shape[0]);
        d->count = (size_t)t->numel;
        d->data = malloc(d->count * sizeof(float) + 1);
        if (!d->name || !d->data)
            rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
        else
            memcpy(d->data, t->data, d->count * sizeof(float));
    }
    rmn_pth_close(f);
    if (rc != RMN_OK)
        rmn_pretrained_set_free(out);
    return rc;
}

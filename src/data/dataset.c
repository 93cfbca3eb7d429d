/* dataset.c -- what every data set shares: freeing, the image accessor, split and class names
 * (see dataset.h). The bottom of src/data/: the loaders (fer2013.c, folder.c, ferplus.c) call
 * into it; loading by kind of source is dataset_load.c's, above them. */
#include "data/dataset.h"

#include "core/error.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

static const char *const SPLIT_NAMES[RMN_SPLIT_COUNT] = {"train", "val", "test"};
static const char *const SPLIT_USAGES[RMN_SPLIT_COUNT] = {"Training", "PublicTest", "PrivateTest"};

const char *rmn_split_name(int split) {
    return split >= 0 && split < RMN_SPLIT_COUNT ? SPLIT_NAMES[split] : "?";
}

const char *rmn_split_usage(int split) {
    return split >= 0 && split < RMN_SPLIT_COUNT ? SPLIT_USAGES[split] : "?";
}

const char *rmn_dataset_class_name(const rmn_dataset *ds, int k) {
    return ds && k >= 0 && k < ds->n_classes && ds->class_names ? ds->class_names[k] : "?";
}

char *rmn_dataset_classes_json(const rmn_dataset *ds) {
    json_t *a = json_array();
    for (int k = 0; a && k < ds->n_classes; ++k)
        json_array_append_new(a, json_string(rmn_dataset_class_name(ds, k)));
    char *text = a ? json_dumps(a, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(a);
    return text;
}

int rmn_dataset_set_classes(rmn_dataset *ds, const char *const *names, int n) {
    if (n < 1 || n > RMN_DATA_MAX_CLASSES)
        return RMN_ERROR(RMN_EFORMAT, "%s: %d classes (1..%d supported)", ds->path ? ds->path : "data", n,
                         RMN_DATA_MAX_CLASSES);
    char **c = calloc((size_t)n, sizeof *c);
    if (!c)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    for (int k = 0; k < n; ++k)
        if (!(c[k] = strdup(names[k]))) {
            while (k-- > 0)
                free(c[k]);
            free(c);
            return RMN_ERROR(RMN_ENOMEM, "out of memory");
        }
    for (int k = 0; k < ds->n_classes; ++k)
        free(ds->class_names[k]);
    free(ds->class_names);
    ds->class_names = c;
    ds->n_classes = n;
    return RMN_OK;
}

int rmn_dataset_count_classes(rmn_dataset *ds) {
    memset(ds->class_count, 0, sizeof ds->class_count);
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k)
        for (int32_t i = 0; i < ds->split[k].n; ++i) {
            int32_t y = ds->split[k].labels[i];
            if (y < 0 || y >= ds->n_classes)
                return RMN_ERROR(RMN_EFORMAT, "%s: image %d of %s has label %d outside [0, %d)",
                                 ds->path ? ds->path : "data", (int)i, rmn_split_name(k), (int)y, ds->n_classes);
            ++ds->class_count[k][y];
        }
    return RMN_OK;
}

const uint8_t *rmn_split_image(const rmn_split_data *sp, int32_t i, int *h, int *w) {
    if (sp->side > 0) {
        *h = *w = sp->side;
        return sp->pixels + (size_t)i * (size_t)sp->side * (size_t)sp->side * (size_t)sp->channels;
    }
    *h = sp->heights[i];
    *w = sp->widths[i];
    return sp->pixels + sp->offsets[i];
}

void rmn_dataset_free(rmn_dataset *ds) {
    if (!ds)
        return;
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        rmn_split_data *sp = &ds->split[k];
        if (!ds->map) /* mapped pixels belong to the map */
            free(sp->pixels);
        free(sp->offsets);
        free(sp->heights);
        free(sp->widths);
        free(sp->labels);
        free(sp->source_row);
        free(sp->soft);
    }
    for (int k = 0; k < ds->n_classes && ds->class_names; ++k)
        free(ds->class_names[k]);
    free(ds->class_names);
    free(ds->files);
    if (ds->map)
        munmap(ds->map, ds->map_bytes);
    free(ds->path);
    memset(ds, 0, sizeof *ds);
}

/* fer2013.c -- loading a FER2013 data set: source digest, decode cache, parsing (single file or
 * a pre-split directory), and the split/class names. */
#include "data/fer2013.h"

#include "core/datadir.h"
#include "core/error.h"
#include "core/sha256.h"
#include "data/fer_cache.h"
#include "data/fer_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const SPLIT_NAMES[RMN_SPLIT_COUNT] = {"train", "val", "test"};
static const char *const CLASS_NAMES[RMN_FER_CLASSES] = {"Angry", "Disgust", "Fear", "Happy",
                                                         "Sad",   "Surprise", "Neutral"};

const char *rmn_class_name(int label) {
    return label >= 0 && label < RMN_FER_CLASSES ? CLASS_NAMES[label] : "?";
}

int rmn_fer2013_init(rmn_dataset *ds) {
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        ds->split[k].channels = 1;
        ds->split[k].side = ds->split[k].max_h = ds->split[k].max_w = RMN_FER_SIDE;
    }
    snprintf(ds->kind, sizeof ds->kind, "fer2013");
    snprintf(ds->name, sizeof ds->name, "FER2013");
    return rmn_dataset_set_classes(ds, CLASS_NAMES, RMN_FER_CLASSES);
}

static int file_exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int rmn_dataset_default_path(char *buf, size_t cap) {
    const char *env = rmn_env_get("RMN_SAMPLE");
    int n;
    if (env && *env) {
        n = snprintf(buf, cap, "%s", env);
    } else {
        char found[4200];
        const char *p = rmn_data_find("fer2013-sample.csv.xz", "data/fer2013-sample.csv.xz", found,
                                      sizeof found);
        n = snprintf(buf, cap, "%s", p ? p : found);
    }
    if (n < 0 || (size_t)n >= cap)
        return RMN_ERROR(RMN_EINVAL, "buffer too small for the sample's path");
    return RMN_OK;
}

/* Finds DIR/NAME.csv, .csv.xz or .csv.gz. */
static int split_file(const char *dir, const char *name, char *buf, size_t cap) {
    static const char *const ext[] = {".csv", ".csv.xz", ".csv.gz"};
    for (int i = 0; i < 3; ++i) {
        int n = snprintf(buf, cap, "%s/%s%s", dir, name, ext[i]);
        if (n < 0 || (size_t)n >= cap)
            return RMN_ERROR(RMN_EINVAL, "%s: path too long", dir);
        if (file_exists(buf))
            return RMN_OK;
    }
    return RMN_ERROR(RMN_EIO, "%s: directory has no %s.csv (nor .csv.xz, .csv.gz)", dir, name);
}

static int load_dir(const char *dir, rmn_dataset *ds) {
    char files[RMN_SPLIT_COUNT][4096];
    char text[3 * (8 + RMN_SHA256_HEX)] = "";
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        char hex[RMN_SHA256_HEX];
        RMN_TRY(split_file(dir, SPLIT_NAMES[k], files[k], sizeof files[k]));
        RMN_TRY(rmn_sha256_file(files[k], hex));
        size_t len = strlen(text);
        snprintf(text + len, sizeof text - len, "%s %s\n", SPLIT_NAMES[k], hex);
    }
    rmn_sha256_hex(text, strlen(text), ds->sha256);
    return RMN_OK;
}

static int parse_source(const char *path, int is_dir, rmn_dataset *ds) {
    if (!is_dir)
        return rmn_fer_parse_file(path, -1, ds);
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        char file[4096];
        RMN_TRY(split_file(path, SPLIT_NAMES[k], file, sizeof file));
        RMN_TRY(rmn_fer_parse_file(file, k, ds));
    }
    return RMN_OK;
}

/* Shrinks the grown arrays to their final size (keeps them when realloc fails). */
static void shrink(rmn_dataset *ds) {
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        rmn_split_data *sp = &ds->split[k];
        size_t m = sp->n ? (size_t)sp->n : 1;
        void *p;
        if ((p = realloc(sp->pixels, m * RMN_FER_PIXELS)))
            sp->pixels = p;
        if ((p = realloc(sp->labels, m * sizeof(int32_t))))
            sp->labels = p;
        if ((p = realloc(sp->source_row, m * sizeof(int32_t))))
            sp->source_row = p;
    }
}

int rmn_fer2013_is_dir(const char *path) {
    char file[4096];
    int is = split_file(path, SPLIT_NAMES[0], file, sizeof file) == RMN_OK;
    rmn_error_clear();
    return is;
}

int rmn_fer2013_load(const char *path, rmn_dataset *out) {
    memset(out, 0, sizeof *out);
    if (!path || !*path)
        return RMN_ERROR(RMN_EINVAL, "no data set path given");
    struct stat st;
    if (stat(path, &st) != 0)
        return RMN_ERROR(RMN_EIO, "%s: %s", path, strerror(errno));
    int is_dir = S_ISDIR(st.st_mode);
    int rc = is_dir ? load_dir(path, out) : rmn_sha256_file(path, out->sha256);
    if (rc != RMN_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    out->path = strdup(path);
    if (!out->path) {
        memset(out, 0, sizeof *out);
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    }
    if ((rc = rmn_fer2013_init(out)) != RMN_OK) {
        rmn_dataset_free(out);
        return rc;
    }

    char cache[4200];
    int use_cache = rmn_fer_cache_file(out->sha256, cache, sizeof cache) == RMN_OK;
    if (use_cache) {
        rc = rmn_fer_cache_read(cache, out);
        if (rc == RMN_OK)
            return RMN_OK;
        if (rc != RMN_ENOTFOUND)
            rmn_warning("ignoring the data cache: %s", rmn_error_message());
    }
    rc = parse_source(path, is_dir, out);
    if (rc != RMN_OK) {
        rmn_dataset_free(out);
        return rc;
    }
    shrink(out);
    if (use_cache && rmn_fer_cache_write(cache, out) != RMN_OK)
        rmn_warning("cannot write the data cache: %s", rmn_error_message());
    rmn_error_clear();
    return RMN_OK;
}

/* folder.c -- listing an image folder's classes and files (the layouts of folder.h) and loading it
 * as a data set through its cache (folder_cache.c). */
#include "data/folder.h"

#include "core/error.h"
#include "core/sha256.h"
#include "data/folder_cache.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int is_image_name(const char *name) {
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0 || strcasecmp(dot, ".png") == 0);
}

/* The sorted names in dir (without those starting with '.'), directories or not as *dirs says:
 * names[i] with is_dir[i]. */
static int read_names(const char *dir, char ***names, uint8_t **is_dir, int *n) {
    DIR *d = opendir(dir);
    *names = NULL;
    *is_dir = NULL;
    *n = 0;
    if (!d)
        return RMN_ERROR(RMN_EIO, "%s: cannot read the folder: %s", dir, strerror(errno));
    int cap = 0, e = RMN_OK;
    struct dirent *ent;
    while (e == RMN_OK && (ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **g = realloc(*names, (size_t)cap * sizeof *g);
            if (!g) {
                e = RMN_ERROR(RMN_ENOMEM, "out of memory listing %s", dir);
                break;
            }
            *names = g;
        }
        if (!((*names)[*n] = strdup(ent->d_name)))
            e = RMN_ERROR(RMN_ENOMEM, "out of memory listing %s", dir);
        else
            ++*n;
    }
    closedir(d);
    if (e == RMN_OK && *n > 1)
        qsort(*names, (size_t)*n, sizeof **names, cmp_str);
    *is_dir = malloc((size_t)*n + 1);
    if (e == RMN_OK && !*is_dir)
        e = RMN_ERROR(RMN_ENOMEM, "out of memory listing %s", dir);
    for (int i = 0; e == RMN_OK && i < *n; ++i) {
        char p[4096];
        struct stat st; /* stat follows links, as torchvision's walk (followlinks=True) */
        snprintf(p, sizeof p, "%s/%s", dir, (*names)[i]);
        (*is_dir)[i] = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (e != RMN_OK) {
        for (int i = 0; i < *n; ++i)
            free((*names)[i]);
        free(*names);
        free(*is_dir);
        *names = NULL;
        *is_dir = NULL;
        *n = 0;
    }
    return e;
}

static void free_names(char **names, uint8_t *is_dir, int n) {
    for (int i = 0; i < n; ++i)
        free(names[i]);
    free(names);
    free(is_dir);
}

typedef struct {
    const char      *root;
    rmn_folder_list *l;
    int32_t          cap;
} walker;

static int add_file(walker *w, const char *rel, int split, int label, const struct stat *st) {
    rmn_folder_list *l = w->l;
    if (l->n == w->cap) {
        int32_t cap = w->cap ? 2 * w->cap : 1024;
        void *p;
        if (!(p = realloc(l->path, (size_t)cap * sizeof *l->path)))
            return RMN_ERROR(RMN_ENOMEM, "out of memory listing %s", w->root);
        l->path = p;
        if (!(p = realloc(l->split, (size_t)cap)))
            return RMN_ERROR(RMN_ENOMEM, "out of memory listing %s", w->root);
        l->split = p;
        if (!(p = realloc(l->label, (size_t)cap * sizeof *l->label)))
            return RMN_ERROR(RMN_ENOMEM, "out of memory listing %s", w->root);
        l->label = p;
        if (!(p = realloc(l->size, (size_t)cap * sizeof *l->size)))
            return RMN_ERROR(RMN_ENOMEM, "out of memory listing %s", w->root);
        l->size = p;
        if (!(p = realloc(l->mtime_ns, (size_t)cap * sizeof *l->mtime_ns)))
            return RMN_ERROR(RMN_ENOMEM, "out of memory listing %s", w->root);
        l->mtime_ns = p;
        w->cap = cap;
    }
    if (!(l->path[l->n] = strdup(rel)))
        return RMN_ERROR(RMN_ENOMEM, "out of memory listing %s", w->root);
    if (split < 0) { /* the pooled layout: a split from the path's digest */
        char hex[RMN_SHA256_HEX];
        rmn_sha256_hex(rel, strlen(rel), hex);
        hex[8] = '\0';
        const unsigned long v = strtoul(hex, NULL, 16) % 10;
        split = v < 8 ? RMN_SPLIT_TRAIN : v == 8 ? RMN_SPLIT_VAL : RMN_SPLIT_TEST;
    }
    l->split[l->n] = (uint8_t)split;
    l->label[l->n] = label;
    l->size[l->n] = (int64_t)st->st_size;
    l->mtime_ns[l->n] = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    ++l->n;
    return RMN_OK;
}

/* The image files under REL (relative to the root), a folder's own files first, then its
 * sub-folders, each in sorted order; *count counts them. */
static int walk(walker *w, const char *rel, int split, int label, int depth, int32_t *count) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", w->root, rel);
    if (depth > 32)
        return RMN_ERROR(RMN_EFORMAT, "%s: folders nested more than 32 deep (a link loop?)", dir);
    char **names;
    uint8_t *is_dir;
    int n;
    RMN_TRY(read_names(dir, &names, &is_dir, &n));
    int e = RMN_OK;
    for (int pass = 0; pass < 2 && e == RMN_OK; ++pass)
        for (int i = 0; i < n && e == RMN_OK; ++i) {
            char sub[4096];
            if (snprintf(sub, sizeof sub, "%s/%s", rel, names[i]) >= (int)sizeof sub) {
                e = RMN_ERROR(RMN_EINVAL, "%s/%s: path too long", dir, names[i]);
                break;
            }
            if (pass == 1 && is_dir[i]) {
                e = walk(w, sub, split, label, depth + 1, count);
            } else if (pass == 0 && !is_dir[i]) {
                char full[8200];
                struct stat st;
                snprintf(full, sizeof full, "%s/%s", w->root, sub);
                if (!is_image_name(names[i]) || stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
                    w->l->ignored++;
                    continue;
                }
                e = add_file(w, sub, split, label, &st);
                *count += e == RMN_OK;
            }
        }
    free_names(names, is_dir, n);
    return e;
}

/* The class folders of DIR/SPLIT (split < 0: DIR itself, pooled) into l's files; train (or the
 * pool) defines the classes. */
static int list_split(walker *w, const char *sub, int split) {
    rmn_folder_list *l = w->l;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s%s%s", w->root, sub[0] ? "/" : "", sub);
    char **names;
    uint8_t *is_dir;
    int n;
    RMN_TRY(read_names(dir, &names, &is_dir, &n));
    int e = RMN_OK, defines = split <= RMN_SPLIT_TRAIN;
    if (defines) {
        int nc = 0;
        for (int i = 0; i < n; ++i)
            nc += is_dir[i];
        if (nc == 0)
            e = RMN_ERROR(RMN_EFORMAT, "%s: no class folder (a data set folder holds train/CLASS/... and "
                          "val/CLASS/..., or CLASS/...)", dir);
        else if (nc > RMN_DATA_MAX_CLASSES)
            e = RMN_ERROR(RMN_EFORMAT, "%s: %d class folders, at most %d", dir, nc, RMN_DATA_MAX_CLASSES);
        else if (!(l->classes = calloc((size_t)nc, sizeof *l->classes)))
            e = RMN_ERROR(RMN_ENOMEM, "out of memory");
        for (int i = 0; e == RMN_OK && i < n; ++i)
            if (is_dir[i] && !(l->classes[l->n_classes++] = strdup(names[i])))
                e = RMN_ERROR(RMN_ENOMEM, "out of memory");
    }
    for (int i = 0; e == RMN_OK && i < n; ++i) {
        if (!is_dir[i]) {
            l->ignored++;
            continue;
        }
        char **hit = bsearch(&names[i], l->classes, (size_t)l->n_classes, sizeof *l->classes, cmp_str);
        if (!hit) {
            e = RMN_ERROR(RMN_EFORMAT, "%s/%s: a class folder that train/ has not", dir, names[i]);
            break;
        }
        char rel[4096];
        snprintf(rel, sizeof rel, "%s%s%s", sub, sub[0] ? "/" : "", names[i]);
        int32_t count = 0;
        e = walk(w, rel, split, (int)(hit - l->classes), 0, &count);
        if (e == RMN_OK && count == 0)
            e = RMN_ERROR(RMN_EFORMAT, "%s/%s: empty class folder (no .jpg, .jpeg or .png file)", dir, names[i]);
    }
    free_names(names, is_dir, n);
    return e;
}

void rmn_folder_list_free(rmn_folder_list *l) {
    for (int i = 0; i < l->n_classes; ++i)
        free(l->classes[i]);
    free(l->classes);
    for (int32_t i = 0; i < l->n; ++i)
        free(l->path[i]);
    free(l->path);
    free(l->split);
    free(l->label);
    free(l->size);
    free(l->mtime_ns);
    memset(l, 0, sizeof *l);
}

static int is_dir_at(const char *dir, const char *name) {
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int rmn_folder_list_files(const char *dir, rmn_folder_list *out) {
    memset(out, 0, sizeof *out);
    walker w = {.root = dir, .l = out};
    int e;
    if (is_dir_at(dir, "train")) {
        if (!is_dir_at(dir, "val"))
            return RMN_ERROR(RMN_EFORMAT, "%s: has train/ but no val/ (the validation split)", dir);
        out->test_is_val = !is_dir_at(dir, "test");
        e = list_split(&w, "train", RMN_SPLIT_TRAIN);
        if (e == RMN_OK)
            e = list_split(&w, "val", RMN_SPLIT_VAL);
        if (e == RMN_OK && !out->test_is_val)
            e = list_split(&w, "test", RMN_SPLIT_TEST);
    } else {
        out->pooled = 1;
        e = list_split(&w, "", -1);
    }
    if (e != RMN_OK)
        rmn_folder_list_free(out);
    return e;
}

int rmn_folder_load(const char *dir, const rmn_dataset_options *o, rmn_dataset *out) {
    return rmn_folder_load_report(dir, o, NULL, out);
}

int rmn_folder_load_report(const char *dir, const rmn_dataset_options *o, FILE *report, rmn_dataset *out) {
    memset(out, 0, sizeof *out);
    const int side = o && o->side > 0 ? o->side : RMN_FOLDER_DEFAULT_SIDE;
    if (side < 8 || side > 4096)
        return RMN_ERROR(RMN_EINVAL, "%s: cache side %d outside 8..4096", dir, side);
    rmn_folder_list l;
    RMN_TRY(rmn_folder_list_files(dir, &l));
    int e = rmn_folder_cache_load(dir, &l, side, o && o->quiet, report, out);
    rmn_folder_list_free(&l);
    return e;
}

int rmn_folder_list_counts(const char *dir, const rmn_folder_list *l, rmn_dataset *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->kind, sizeof out->kind, "folder");
    snprintf(out->name, sizeof out->name, "%s", strrchr(dir, '/') && strrchr(dir, '/')[1] ? strrchr(dir, '/') + 1 : dir);
    out->test_is_val = l->test_is_val;
    int e = (out->path = strdup(dir)) ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "out of memory");
    if (e == RMN_OK)
        e = rmn_dataset_set_classes(out, (const char *const *)l->classes, l->n_classes);
    for (int32_t i = 0; e == RMN_OK && i < l->n; ++i) {
        out->split[l->split[i]].n++;
        out->class_count[l->split[i]][l->label[i]]++;
    }
    if (e == RMN_OK && l->test_is_val) {
        out->split[RMN_SPLIT_TEST].n = out->split[RMN_SPLIT_VAL].n;
        memcpy(out->class_count[RMN_SPLIT_TEST], out->class_count[RMN_SPLIT_VAL], sizeof out->class_count[0]);
    }
    if (e != RMN_OK)
        rmn_dataset_free(out);
    return e;
}

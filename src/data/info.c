/* info.c -- printing a data set's counts per split and class (text table or JSON). */
#include "data/info.h"

#include "core/error.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

/* Classes shown as columns of the text table; more are summarised (smallest and largest). */
#define TEXT_MAX_CLASSES 12

static int print_json(const rmn_dataset *ds, const rmn_folder_notes *notes, FILE *f) {
    json_t *root = json_object(), *classes = json_array(), *splits = json_object();
    json_t *all = json_array();
    int64_t grand = 0;
    for (int c = 0; c < ds->n_classes; ++c) {
        json_array_append_new(classes, json_string(rmn_dataset_class_name(ds, c)));
        int64_t s = 0;
        for (int k = 0; k < RMN_SPLIT_COUNT; ++k)
            s += ds->class_count[k][c];
        json_array_append_new(all, json_integer(s));
        grand += s;
    }
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        json_t *pc = json_array();
        for (int c = 0; c < ds->n_classes; ++c)
            json_array_append_new(pc, json_integer(ds->class_count[k][c]));
        json_t *sp = json_pack("{s:I,s:o}", "total", (json_int_t)ds->split[k].n, "per_class", pc);
        if (strcmp(ds->kind, "folder") != 0)
            json_object_set_new(sp, "usage", json_string(rmn_split_usage(k)));
        json_object_set_new(splits, rmn_split_name(k), sp);
    }
    json_object_set_new(root, "file", json_string(ds->path ? ds->path : ""));
    json_object_set_new(root, "kind", json_string(ds->kind));
    json_object_set_new(root, "sha256", json_string(ds->sha256));
    json_object_set_new(root, "classes", classes);
    json_object_set_new(root, "splits", splits);
    json_object_set_new(root, "total", json_pack("{s:I,s:o}", "total", (json_int_t)grand, "per_class", all));
    if (ds->test_is_val)
        json_object_set_new(root, "test_is_val", json_true());
    if (notes) {
        json_object_set_new(root, "ignored_files", json_integer(notes->ignored));
        json_t *bad = json_array();
        for (const char *p = notes->unreadable; p && *p;) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            json_array_append_new(bad, json_stringn(p, len));
            p += len + (nl != NULL);
        }
        json_object_set_new(root, "unreadable", bad);
    }
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (rc != 0 || fputc('\n', f) == EOF)
        return RMN_ERROR(RMN_EIO, "cannot write the JSON summary: %s", strerror(errno));
    return RMN_OK;
}

static void print_row(FILE *f, const char *name, const int64_t *count, int nc) {
    int64_t t = 0, lo = -1, hi = 0;
    fprintf(f, "%-6s", name);
    for (int c = 0; c < nc; ++c) {
        if (nc <= TEXT_MAX_CLASSES)
            fprintf(f, " %9lld", (long long)count[c]);
        t += count[c];
        lo = lo < 0 || count[c] < lo ? count[c] : lo;
        hi = count[c] > hi ? count[c] : hi;
    }
    if (nc > TEXT_MAX_CLASSES)
        fprintf(f, " %9lld %9lld", (long long)lo, (long long)hi);
    fprintf(f, " %9lld\n", (long long)t);
}

int rmn_dataset_print_info(const rmn_dataset *ds, const rmn_folder_notes *notes, FILE *f, int json) {
    if (json)
        return print_json(ds, notes, f);
    const int nc = ds->n_classes;
    const int folder = strcmp(ds->kind, "folder") == 0;
    fprintf(f, "file    %s\nkind    %s%s, %d classes\nsha256  %s\n", ds->path ? ds->path : "",
            folder ? "image folder " : "", ds->name, nc, ds->sha256[0] ? ds->sha256 : "-");
    if (ds->test_is_val)
        fprintf(f, "test    no test split: the val images stand in for it\n");
    fprintf(f, "%-6s", "split");
    if (nc <= TEXT_MAX_CLASSES)
        for (int c = 0; c < nc; ++c)
            fprintf(f, " %9.9s", rmn_dataset_class_name(ds, c));
    else
        fprintf(f, " %9s %9s", "min/class", "max/class");
    fprintf(f, " %9s\n", "total");
    int64_t all[RMN_DATA_MAX_CLASSES] = {0};
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        print_row(f, rmn_split_name(k), ds->class_count[k], nc);
        for (int c = 0; c < nc && !(k == RMN_SPLIT_TEST && ds->test_is_val); ++c)
            all[c] += ds->class_count[k][c]; /* the images once: val's are not counted twice */
    }
    print_row(f, "total", all, nc);
    if (notes && notes->ignored)
        fprintf(f, "ignored %d file%s that are not .jpg, .jpeg or .png\n", notes->ignored,
                notes->ignored == 1 ? "" : "s");
    if (notes && notes->unreadable && *notes->unreadable) {
        int n = 0;
        for (const char *p = notes->unreadable; *p; ++p)
            n += *p == '\n';
        fprintf(f, "unreadable %d file%s:\n", n, n == 1 ? "" : "s");
        for (const char *p = notes->unreadable; *p;) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            fprintf(f, "  %.*s\n", (int)len, p);
            p += len + (nl != NULL);
        }
    }
    if (fflush(f) != 0 || ferror(f))
        return RMN_ERROR(RMN_EIO, "cannot write the summary: %s", strerror(errno));
    return RMN_OK;
}

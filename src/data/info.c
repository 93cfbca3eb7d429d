/* info.c -- printing a data set's counts per split and class (text table or JSON). */
#include "data/info.h"

#include "core/error.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

static int print_json(const rmn_dataset *ds, FILE *f) {
    json_t *root = json_object(), *classes = json_array(), *splits = json_object();
    json_t *all = json_array();
    int64_t grand = 0;
    for (int c = 0; c < RMN_FER_CLASSES; ++c) {
        json_array_append_new(classes, json_string(rmn_class_name(c)));
        int64_t s = 0;
        for (int k = 0; k < RMN_SPLIT_COUNT; ++k)
            s += ds->class_count[k][c];
        json_array_append_new(all, json_integer(s));
        grand += s;
    }
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        json_t *pc = json_array();
        for (int c = 0; c < RMN_FER_CLASSES; ++c)
            json_array_append_new(pc, json_integer(ds->class_count[k][c]));
        json_object_set_new(splits, rmn_split_name(k),
                            json_pack("{s:s,s:I,s:o}", "usage", rmn_split_usage(k), "total",
                                      (json_int_t)ds->split[k].n, "per_class", pc));
    }
    json_object_set_new(root, "file", json_string(ds->path ? ds->path : ""));
    json_object_set_new(root, "sha256", json_string(ds->sha256));
    json_object_set_new(root, "classes", classes);
    json_object_set_new(root, "splits", splits);
    json_object_set_new(root, "total", json_pack("{s:I,s:o}", "total", (json_int_t)grand, "per_class", all));
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (rc != 0 || fputc('\n', f) == EOF)
        return RMN_ERROR(RMN_EIO, "cannot write the JSON summary: %s", strerror(errno));
    return RMN_OK;
}

static void print_row(FILE *f, const char *name, const int64_t *count) {
    int64_t t = 0;
    fprintf(f, "%-6s", name);
    for (int c = 0; c < RMN_FER_CLASSES; ++c) {
        fprintf(f, " %8lld", (long long)count[c]);
        t += count[c];
    }
    fprintf(f, " %8lld\n", (long long)t);
}

int rmn_dataset_print_info(const rmn_dataset *ds, FILE *f, int json) {
    if (json)
        return print_json(ds, f);
    fprintf(f, "file    %s\nsha256  %s\n", ds->path ? ds->path : "", ds->sha256);
    fprintf(f, "%-6s", "split");
    for (int c = 0; c < RMN_FER_CLASSES; ++c)
        fprintf(f, " %8s", rmn_class_name(c));
    fprintf(f, " %8s\n", "total");
    int64_t all[RMN_FER_CLASSES] = {0};
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        print_row(f, rmn_split_name(k), ds->class_count[k]);
        for (int c = 0; c < RMN_FER_CLASSES; ++c)
            all[c] += ds->class_count[k][c];
    }
    print_row(f, "total", all);
    if (fflush(f) != 0 || ferror(f))
        return RMN_ERROR(RMN_EIO, "cannot write the summary: %s", strerror(errno));
    return RMN_OK;
}

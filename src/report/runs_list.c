/* runs_list.c -- `rmn-exp list`: the runs of the store as a fixed-width table or as JSON. */
#include "report/report.h"

#include "core/error.h"
#include "report/format.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

static int check_write(FILE *out) {
    if (ferror(out))
        return RMN_ERROR(RMN_EIO, "writing the run listing failed");
    return RMN_OK;
}

int rmn_report_runs_list(rmn_store *s, const char *experiment, FILE *out) {
    rmn_run_summary *runs = NULL;
    int n = 0;
    RMN_TRY(rmn_store_runs(s, experiment, &runs, &n));
    fprintf(out, "%5s  %-8s  %-16s  %-22s  %-14s  %-8s  %6s  %7s  %7s  %7s  %-19s\n", "id", "uuid",
            "experiment", "name", "model", "status", "epochs", "val%", "test%", "tta%",
            "start (UTC)");
    for (int i = 0; i < n; ++i) {
        const rmn_run_summary *r = &runs[i];
        char val[32], test[32], tta[32], start[32];
        rmn_fmt_fixed(val, sizeof val, r->best_val_acc * 100, 2, "-");
        rmn_fmt_fixed(test, sizeof test, r->test_acc * 100, 2, "-");
        rmn_fmt_fixed(tta, sizeof tta, r->test_acc_tta * 100, 2, "-");
        rmn_fmt_time_utc(start, sizeof start, r->start_ms);
        fprintf(out, "%5lld  %-8.8s  %-16.16s  %-22.22s  %-14.14s  %-8.8s  %6lld  %7s  %7s  %7s  %-19s\n",
                (long long)r->run_id, r->uuid, r->experiment ? r->experiment : "-",
                r->name ? r->name : "-", r->model ? r->model : "-", r->status ? r->status : "-",
                (long long)r->n_epochs, val, test, tta, start);
    }
    if (n == 0)
        fprintf(out, "(no runs in %s)\n", rmn_store_path(s));
    rmn_store_runs_free(runs, n);
    return check_write(out);
}

static json_t *num_or_null(double v) { return isnan(v) ? json_null() : json_real(v); }
static json_t *str_or_null(const char *v) { return v ? json_string(v) : json_null(); }

json_t *rmn_report_run_json(const rmn_run_summary *r) {
    char start[32], end[32];
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0; /* a member that failed to allocate */
    bad |= json_object_set_new(o, "run_id", json_integer(r->run_id));
    bad |= json_object_set_new(o, "uuid", json_string(r->uuid));
    bad |= json_object_set_new(o, "experiment", str_or_null(r->experiment));
    bad |= json_object_set_new(o, "name", str_or_null(r->name));
    bad |= json_object_set_new(o, "kind", str_or_null(r->kind));
    bad |= json_object_set_new(o, "model", str_or_null(r->model));
    bad |= json_object_set_new(o, "status", str_or_null(r->status));
    bad |= json_object_set_new(o, "n_params", json_integer(r->n_params));
    bad |= json_object_set_new(o, "seed", json_integer(r->seed));
    bad |= json_object_set_new(o, "start_ms", json_integer(r->start_ms));
    bad |= json_object_set_new(o, "end_ms", r->end_ms > 0 ? json_integer(r->end_ms) : json_null());
    bad |= json_object_set_new(o, "start_utc",
                               json_string(rmn_fmt_time_utc(start, sizeof start, r->start_ms)));
    bad |= json_object_set_new(o, "end_utc",
                               r->end_ms > 0
                                   ? json_string(rmn_fmt_time_utc(end, sizeof end, r->end_ms))
                                   : json_null());
    bad |= json_object_set_new(o, "epochs", json_integer(r->n_epochs));
    bad |= json_object_set_new(o, "best_val_acc_frac", num_or_null(r->best_val_acc));
    bad |= json_object_set_new(o, "test_acc_frac", num_or_null(r->test_acc));
    bad |= json_object_set_new(o, "test_acc_tta_frac", num_or_null(r->test_acc_tta));
    bad |= json_object_set_new(o, "tta_n", json_integer(r->tta_n));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int rmn_report_runs_list_json(rmn_store *s, const char *experiment, FILE *out) {
    rmn_run_summary *runs = NULL;
    int n = 0;
    RMN_TRY(rmn_store_runs(s, experiment, &runs, &n));
    json_t *arr = json_array();
    int oom = arr == NULL;
    for (int i = 0; i < n && !oom; ++i)
        if (json_array_append_new(arr, rmn_report_run_json(&runs[i])) != 0)
            oom = 1;
    rmn_store_runs_free(runs, n);
    if (oom) {
        json_decref(arr);
        return RMN_ERROR(RMN_ENOMEM, "out of memory building the JSON listing");
    }
    int rc = json_dumpf(arr, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(arr);
    fputc('\n', out);
    if (rc != 0)
        return RMN_ERROR(RMN_EIO, "writing the JSON run listing failed");
    return check_write(out);
}

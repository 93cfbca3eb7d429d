/* run_show.c -- `rmn-exp show RUN`: everything the store knows about one run, as text:
 * identity, provenance, params, tags, per-epoch metrics, evals with confusion matrices
 * (rows = true class, counts), artifacts. */
#include "report/report.h"

#include "core/error.h"
#include "report/format.h"
#include "report/set.h"
#include "train/evaluate.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Class names as the run recorded them (param `classes`), cut to 6 characters; FER2013's for 7
 * classes without a record; else numbers. */
typedef struct {
    int  n;
    char name[RMN_REPORT_MAX_CLASSES][12];
} short_names;

static void class_names(const rmn_kv *params, int n_params, int nc, short_names *out) {
    static const char *const fer[7] = {"Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"};
    json_t *a = NULL;
    for (int i = 0; i < n_params && !a; ++i)
        if (strcmp(params[i].key, "classes") == 0)
            a = json_loads(params[i].value, 0, NULL);
    out->n = nc < RMN_REPORT_MAX_CLASSES ? nc : RMN_REPORT_MAX_CLASSES;
    for (int k = 0; k < out->n; ++k) {
        json_t *v = json_is_array(a) && (int)json_array_size(a) == nc ? json_array_get(a, (size_t)k) : NULL;
        if (json_is_string(v))
            snprintf(out->name[k], sizeof out->name[k], "%.6s", json_string_value(v));
        else if (nc == 7)
            snprintf(out->name[k], sizeof out->name[k], "%.5s", fer[k]);
        else
            snprintf(out->name[k], sizeof out->name[k], "%d", k);
    }
    json_decref(a);
}

static void field(FILE *out, const char *k, const char *v) {
    fprintf(out, "  %-15s %s\n", k, v && *v ? v : "-");
}

static void show_metrics(FILE *out, const rmn_metric_table *t) {
    fprintf(out, "\nmetrics (%d epochs)\n", t->n_epochs);
    if (t->n_epochs == 0)
        return;
    fprintf(out, "  %5s", "epoch");
    for (int k = 0; k < t->n_keys; ++k) /* accuracies in percent, as everywhere for people */
        fprintf(out, "  %11.11s%c", t->keys[k], rmn_metric_is_accuracy(t->keys[k]) ? '%' : ' ');
    fputc('\n', out);
    for (int e = 0; e < t->n_epochs; ++e) {
        fprintf(out, "  %5lld", (long long)t->epochs[e]);
        for (int k = 0; k < t->n_keys; ++k) {
            char b[48];
            double v = t->values[(size_t)e * (size_t)t->n_keys + (size_t)k];
            const int pct = rmn_metric_is_accuracy(t->keys[k]);
            /* learning rates are small: more digits */
            int dec = strcmp(t->keys[k], "lr") == 0 ? 8 : pct ? 2 : 4;
            fprintf(out, "  %12s", rmn_fmt_fixed(b, sizeof b, pct ? 100 * v : v, dec, "-"));
        }
        fputc('\n', out);
    }
}

static int show_confusion(rmn_store *s, FILE *out, const rmn_eval_summary *v, const short_names *names) {
    int nc = v->n_classes;
    if (nc > RMN_REPORT_MAX_CLASSES) {
        fprintf(out, "    (%d classes: no confusion matrix)\n", nc);
        return RMN_OK;
    }
    int64_t *cm = calloc((size_t)nc * (size_t)nc, sizeof *cm);
    if (!cm)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a confusion matrix");
    int st = rmn_store_confusion(s, v->eval_id, nc, cm);
    if (st != RMN_OK) {
        free(cm);
        return st;
    }
    fprintf(out, "    confusion (rows = true class, columns = predicted, counts)\n");
    fprintf(out, "    %-6s", "");
    for (int j = 0; j < nc; ++j)
        fprintf(out, " %6s", names->name[j]);
    fprintf(out, " %7s\n", "recall%");
    for (int i = 0; i < nc; ++i) {
        int64_t row = 0;
        fprintf(out, "    %-6s", names->name[i]);
        for (int j = 0; j < nc; ++j) {
            fprintf(out, " %6lld", (long long)cm[i * nc + j]);
            row += cm[i * nc + j];
        }
        char b[32];
        /* an empty class gets 0, not NaN (sklearn's convention) */
        double recall = row > 0 ? 100.0 * (double)cm[i * nc + i] / (double)row : 0.0;
        fprintf(out, " %7s\n", rmn_fmt_fixed(b, sizeof b, recall, 2, "-"));
    }
    free(cm);
    return RMN_OK;
}

static int show_artifacts(rmn_store *s, FILE *out, int64_t run_id) {
    rmn_artifact *a = NULL;
    int n = 0;
    RMN_TRY(rmn_store_run_artifacts(s, run_id, &a, &n));
    if (n > 0)
        fprintf(out, "\nartifacts\n");
    for (int i = 0; i < n; ++i)
        fprintf(out, "  %-10s %s (%lld bytes, sha256 %.16s...)\n", a[i].kind ? a[i].kind : "",
                a[i].path ? a[i].path : "", (long long)a[i].bytes, a[i].sha256 ? a[i].sha256 : "");
    rmn_store_artifacts_free(a, n);
    return RMN_OK;
}

int rmn_report_run_show(rmn_store *s, const char *ref, FILE *out) {
    int64_t run_id;
    RMN_TRY(rmn_store_run_resolve(s, ref, &run_id));
    rmn_run_detail d;
    RMN_TRY(rmn_store_run_detail(s, run_id, &d));
    rmn_kv *params = NULL, *tags = NULL;
    int n_params = 0, n_tags = 0, n_evals = 0, st;
    rmn_metric_table mt = {0};
    rmn_eval_summary *evals = NULL;
    if ((st = rmn_store_run_kv(s, run_id, "params", &params, &n_params)) != RMN_OK ||
        (st = rmn_store_run_kv(s, run_id, "tags", &tags, &n_tags)) != RMN_OK ||
        (st = rmn_store_run_metrics(s, run_id, &mt)) != RMN_OK ||
        (st = rmn_store_run_evals(s, run_id, &evals, &n_evals)) != RMN_OK)
        goto out;

    const rmn_run_summary *r = &d.sum;
    char b[64], b2[64];
    fprintf(out, "run %lld  %s\n", (long long)r->run_id, r->name ? r->name : "-");
    field(out, "uuid", r->uuid);
    field(out, "experiment", r->experiment);
    field(out, "kind", r->kind);
    field(out, "model", r->model);
    snprintf(b, sizeof b, "%lld", (long long)r->n_params);
    field(out, "parameters", b);
    field(out, "status", r->status);
    if (d.error_text)
        field(out, "error", d.error_text);
    snprintf(b, sizeof b, "%lld", (long long)r->seed);
    field(out, "seed", b);
    field(out, "start (UTC)", rmn_fmt_time_utc(b, sizeof b, r->start_ms));
    field(out, "end (UTC)", rmn_fmt_time_utc(b, sizeof b, r->end_ms));
    field(out, "heartbeat (UTC)", rmn_fmt_time_utc(b, sizeof b, r->updated_ms));
    if (r->end_ms > 0 && r->start_ms > 0) {
        field(out, "duration (s)", rmn_fmt_fixed(b, sizeof b, (double)(r->end_ms - r->start_ms) / 1000.0, 1, "-"));
    }
    if (d.parent_run_id > 0) {
        snprintf(b, sizeof b, "%lld", (long long)d.parent_run_id);
        field(out, "parent run", b);
    }
    field(out, "best val acc%", rmn_fmt_fixed(b, sizeof b, r->best_val_acc * 100, 2, "-"));
    field(out, "test acc%", rmn_fmt_fixed(b, sizeof b, r->test_acc * 100, 2, "-"));
    if (r->tta_n > 0) {
        snprintf(b2, sizeof b2, "test acc%% TTA-%d", r->tta_n);
        field(out, b2, rmn_fmt_fixed(b, sizeof b, r->test_acc_tta * 100, 2, "-"));
    }

    fprintf(out, "\nprovenance\n");
    field(out, "tool version", d.tool_version);
    snprintf(b2, sizeof b2, "%s", d.git_dirty == 1 ? " (dirty)" : d.git_dirty == 0 ? " (clean)" : "");
    fprintf(out, "  %-15s %s%s\n", "git commit", d.git_commit ? d.git_commit : "-",
            d.git_commit ? b2 : "");
    field(out, "build", d.build_config);
    field(out, "host", d.host);
    field(out, "cpu", d.cpu_model);
    field(out, "blas", d.blas_config);
    snprintf(b, sizeof b, "%d", d.n_threads);
    field(out, "threads", b);
    field(out, "dataset sha256", d.dataset_sha256);
    field(out, "config sha256", d.config_sha256);
    if (d.config_text && *d.config_text) {
        fprintf(out, "  config\n");
        const char *p = d.config_text;
        while (*p) {
            const char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            fprintf(out, "    %.*s\n", len, p);
            p += len + (nl != NULL);
        }
    }

    fprintf(out, "\nparams (%d)\n", n_params);
    for (int i = 0; i < n_params; ++i) { /* ImageNet's 1000 class names: the start of them */
        const size_t len = strlen(params[i].value);
        fprintf(out, "  %-24s %.160s", params[i].key, params[i].value);
        if (len > 160)
            fprintf(out, "... (%zu characters)", len);
        fputc('\n', out);
    }
    if (n_tags > 0) {
        fprintf(out, "\ntags (%d)\n", n_tags);
        for (int i = 0; i < n_tags; ++i)
            fprintf(out, "  %-24s %s\n", tags[i].key, tags[i].value ? tags[i].value : "-");
    }

    show_metrics(out, &mt);

    fprintf(out, "\nevals (%d)\n", n_evals);
    for (int i = 0; i < n_evals; ++i) {
        const rmn_eval_summary *v = &evals[i];
        fprintf(out, "  eval %lld  split %s  tta_n %d", (long long)v->eval_id, v->split, v->tta_n);
        if (v->has_tta_seed)
            fprintf(out, " (seed %lld)", (long long)v->tta_seed);
        fprintf(out, "  accuracy %s%% (%d/%d)", rmn_fmt_fixed(b, sizeof b, v->accuracy * 100, 2, "-"),
                v->n_correct, v->n_samples);
        fprintf(out, "  loss %s", rmn_fmt_fixed(b, sizeof b, v->loss, 4, "-"));
        if (rmn_top5_reported(v->n_classes)) {
            int64_t n5;
            if ((st = rmn_store_eval_topk(s, v->eval_id, 5, &n5)) != RMN_OK)
                goto out;
            fprintf(out, "  top-5 %s%%", rmn_fmt_fixed(b, sizeof b, v->n_samples ? 100.0 * (double)n5 / v->n_samples : NAN, 2, "-"));
        }
        fputc('\n', out);
        short_names names;
        class_names(params, n_params, v->n_classes, &names);
        if ((st = show_confusion(s, out, v, &names)) != RMN_OK)
            goto out;
    }
    if ((st = show_artifacts(s, out, run_id)) != RMN_OK)
        goto out;
    st = ferror(out) ? RMN_ERROR(RMN_EIO, "writing the run description failed") : RMN_OK;
out:
    rmn_kv_free(params, n_params);
    rmn_kv_free(tags, n_tags);
    rmn_metric_table_free(&mt);
    rmn_store_evals_free(evals);
    rmn_run_detail_free(&d);
    return st;
}

/* api.c -- rmn-ui's JSON views of the run store (api.h): one function per endpoint, each built
 * from store/ and report/ read functions with jansson. Nothing here writes. */
#include "config.h"

#include "ui/api.h"

#include "core/error.h"
#include "report/paper.h"
#include "report/report.h"
#include "report/set.h"
#include "report/table.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UI_MAX_RUNS 50 /* runs in one /api/metrics or /api/report?runs= request */

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }
static json_t *str(const char *v) { return v ? json_string(v) : json_null(); }

/* {key: value} of params or tags */
static json_t *kv_object(const rmn_kv *kv, int n) {
    json_t *o = json_object();
    for (int i = 0; o && i < n; ++i)
        json_object_set_new(o, kv[i].key, str(kv[i].value));
    return o;
}

static int run_kv(rmn_store *s, int64_t run_id, const char *table, json_t **out) {
    rmn_kv *kv = NULL;
    int n = 0;
    RMN_TRY(rmn_store_run_kv(s, run_id, table, &kv, &n));
    *out = kv_object(kv, n);
    rmn_kv_free(kv, n);
    return *out ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "out of memory for %s", table);
}

/* {"epochs": [...], "keys": [...], "values": {key: [...]}} */
static json_t *curves_json(const rmn_metric_table *m) {
    json_t *o = json_object(), *epochs = json_array(), *keys = json_array(), *vals = json_object();
    for (int e = 0; e < m->n_epochs; ++e)
        json_array_append_new(epochs, json_integer(m->epochs[e]));
    for (int k = 0; k < m->n_keys; ++k) {
        json_t *col = json_array();
        for (int e = 0; e < m->n_epochs; ++e)
            json_array_append_new(col, num(m->values[(size_t)e * (size_t)m->n_keys + (size_t)k]));
        json_array_append_new(keys, json_string(m->keys[k]));
        json_object_set_new(vals, m->keys[k], col);
    }
    json_object_set_new(o, "epochs", epochs);
    json_object_set_new(o, "keys", keys);
    json_object_set_new(o, "values", vals);
    return o;
}

/* {key: the last value that is a number} */
static json_t *latest_json(const rmn_metric_table *m) {
    json_t *o = json_object();
    for (int k = 0; o && k < m->n_keys; ++k)
        for (int e = m->n_epochs - 1; e >= 0; --e) {
            double v = m->values[(size_t)e * (size_t)m->n_keys + (size_t)k];
            if (isfinite(v)) {
                json_object_set_new(o, m->keys[k], json_real(v));
                break;
            }
        }
    return o;
}

// --- endpoints --------------------------------------------------------------------------------

static int get_version(rmn_store *s, json_t **out) {
    int v = 0;
    RMN_TRY(rmn_store_schema_version(s, &v));
    *out = json_pack("{s:s, s:s, s:s, s:i}", "rmn", PACKAGE_VERSION, "git", RMN_GIT_DESCRIBE,
                     "store", rmn_store_path(s), "schema", v);
    return RMN_OK;
}

static int get_experiments(rmn_store *s, json_t **out) {
    rmn_experiment_summary *e = NULL;
    int n = 0;
    RMN_TRY(rmn_store_experiments(s, &e, &n));
    json_t *a = json_array();
    for (int i = 0; a && i < n; ++i)
        json_array_append_new(
            a, json_pack("{s:s, s:o, s:I, s:i, s:i, s:i, s:i, s:i}", "name", e[i].name,
                         "description", str(e[i].description), "created_ms",
                         (json_int_t)e[i].created_ms, "runs", e[i].n_runs, "running",
                         e[i].n_running, "finished", e[i].n_finished, "failed", e[i].n_failed,
                         "killed", e[i].n_killed));
    rmn_store_experiments_free(e, n);
    *out = a;
    return RMN_OK;
}

static int get_runs(rmn_store *s, const char *experiment, json_t **out) {
    rmn_run_summary *runs = NULL;
    int n = 0, e = RMN_OK;
    RMN_TRY(rmn_store_runs(s, experiment, &runs, &n));
    json_t *a = json_array();
    for (int i = 0; a && i < n && e == RMN_OK; ++i) {
        json_t *o = rmn_report_run_json(&runs[i]), *params = NULL, *tags = NULL;
        json_array_append(a, o); /* a holds it from here, o stays usable */
        json_decref(o);
        rmn_metric_table m;
        if ((e = run_kv(s, runs[i].run_id, "params", &params)) == RMN_OK &&
            (e = run_kv(s, runs[i].run_id, "tags", &tags)) == RMN_OK &&
            (e = rmn_store_run_metrics(s, runs[i].run_id, &m)) == RMN_OK) {
            json_object_set_new(o, "metrics", latest_json(&m));
            rmn_metric_table_free(&m);
        }
        json_object_set_new(o, "params", params);
        json_object_set_new(o, "tags", tags);
    }
    rmn_store_runs_free(runs, n);
    if (e != RMN_OK)
        json_decref(a);
    else
        *out = a;
    return e;
}

static json_t *detail_json(const rmn_run_detail *d) {
    json_t *o = rmn_report_run_json(&d->sum);
    json_object_set_new(o, "parent_run_id", d->parent_run_id ? json_integer(d->parent_run_id)
                                                             : json_null());
    json_object_set_new(o, "updated_ms", json_integer(d->sum.updated_ms));
    json_object_set_new(o, "config_text", str(d->config_text));
    json_object_set_new(o, "config_sha256", str(d->config_sha256));
    json_object_set_new(o, "dataset_sha256", str(d->dataset_sha256));
    json_object_set_new(o, "git_commit", str(d->git_commit));
    json_object_set_new(o, "git_dirty", d->git_dirty < 0 ? json_null() : json_boolean(d->git_dirty));
    json_object_set_new(o, "tool_version", str(d->tool_version));
    json_object_set_new(o, "build_config", str(d->build_config));
    json_object_set_new(o, "host", str(d->host));
    json_object_set_new(o, "cpu_model", str(d->cpu_model));
    json_object_set_new(o, "blas_config", str(d->blas_config));
    json_object_set_new(o, "n_threads", json_integer(d->n_threads));
    json_object_set_new(o, "error_text", str(d->error_text));
    return o;
}

static int evals_json(rmn_store *s, int64_t run_id, json_t **out) {
    rmn_eval_summary *ev = NULL;
    int n = 0, e = RMN_OK;
    RMN_TRY(rmn_store_run_evals(s, run_id, &ev, &n));
    json_t *a = json_array();
    for (int i = 0; a && i < n && e == RMN_OK; ++i) {
        const rmn_eval_summary *v = &ev[i];
        int nc = v->n_classes;
        int64_t *cm = calloc((size_t)nc * (size_t)nc, sizeof *cm);
        if (!cm) {
            e = RMN_ERROR(RMN_ENOMEM, "out of memory for a confusion matrix");
            break;
        }
        if ((e = rmn_store_confusion(s, v->eval_id, nc, cm)) == RMN_OK) {
            json_t *rows = json_array(), *classes = json_array();
            for (int r = 0; r < nc; ++r) {
                json_t *row = json_array();
                for (int c = 0; c < nc; ++c)
                    json_array_append_new(row, json_integer(cm[r * nc + c]));
                json_array_append_new(rows, row);
                char k[16];
                snprintf(k, sizeof k, "%d", r);
                json_array_append_new(classes, json_string(nc == 7 ? rmn_fer_classes[r] : k));
            }
            json_t *o = json_pack("{s:I, s:s, s:i, s:o, s:i, s:i, s:i, s:o, s:o, s:I, s:o, s:o}",
                                  "eval_id", (json_int_t)v->eval_id, "split", v->split, "tta_n",
                                  v->tta_n, "tta_seed",
                                  v->has_tta_seed ? json_integer(v->tta_seed) : json_null(),
                                  "n_samples", v->n_samples, "n_classes", nc, "n_correct",
                                  v->n_correct, "accuracy_frac", num(v->accuracy), "loss", num(v->loss),
                                  "created_ms", (json_int_t)v->created_ms, "classes", classes,
                                  "confusion", rows);
            json_array_append_new(a, o);
        }
        free(cm);
    }
    rmn_store_evals_free(ev);
    if (e != RMN_OK)
        json_decref(a);
    else
        *out = a;
    return e;
}

/* An ensemble's members with their evals on test (the report set's view); [] when the set
 * cannot be built (a run that is not FINISHED, or not an ensemble). */
static json_t *members_json(rmn_store *s, int64_t run_id) {
    char ref[32];
    snprintf(ref, sizeof ref, "%lld", (long long)run_id);
    const char *refs[1] = {ref};
    rmn_report_query q = {.runs = refs, .n_runs = 1, .split = "test"};
    rmn_report_set set;
    json_t *a = json_array();
    if (rmn_report_set_load(s, &q, &set) != RMN_OK) {
        rmn_error_clear();
        return a;
    }
    const rmn_report_run *r = set.n_runs == 1 ? &set.runs[0] : NULL;
    for (int i = 0; a && r && r->ensemble && i < r->n_members; ++i) {
        const rmn_report_member *m = &r->members[i];
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:I, s:I, s:i, s:i, s:i, s:o}",
                                           "run_id", (json_int_t)m->run_id, "name", m->name,
                                           "model", m->model, "n_params", (json_int_t)m->n_params,
                                           "eval_id", (json_int_t)m->eval.eval_id, "tta_n",
                                           m->eval.tta_n, "n_samples", m->eval.n_samples,
                                           "n_correct", m->eval.n_correct, "accuracy_frac",
                                           num(m->eval.acc)));
    }
    rmn_report_set_free(&set);
    return a;
}

static int artifacts_json(rmn_store *s, int64_t run_id, json_t **out) {
    rmn_artifact *a = NULL;
    int n = 0;
    RMN_TRY(rmn_store_run_artifacts(s, run_id, &a, &n));
    json_t *arr = json_array();
    for (int i = 0; arr && i < n; ++i)
        json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:I}", "kind", str(a[i].kind),
                                             "path", str(a[i].path), "sha256", str(a[i].sha256),
                                             "bytes", (json_int_t)a[i].bytes));
    rmn_store_artifacts_free(a, n);
    *out = arr;
    return RMN_OK;
}

static int get_run(rmn_store *s, const char *ref, json_t **out) {
    int64_t id;
    RMN_TRY(rmn_store_run_resolve(s, ref, &id));
    rmn_run_detail d;
    RMN_TRY(rmn_store_run_detail(s, id, &d));
    json_t *o = json_object(), *params = NULL, *tags = NULL, *evals = NULL, *arts = NULL;
    json_object_set_new(o, "run", detail_json(&d));
    int ensemble = d.sum.kind && strcmp(d.sum.kind, "ensemble") == 0;
    rmn_run_detail_free(&d);
    rmn_metric_table m;
    int e;
    if ((e = run_kv(s, id, "params", &params)) == RMN_OK &&
        (e = run_kv(s, id, "tags", &tags)) == RMN_OK &&
        (e = rmn_store_run_metrics(s, id, &m)) == RMN_OK) {
        json_object_set_new(o, "metrics", curves_json(&m));
        rmn_metric_table_free(&m);
        if ((e = evals_json(s, id, &evals)) == RMN_OK)
            e = artifacts_json(s, id, &arts);
    }
    json_object_set_new(o, "params", params);
    json_object_set_new(o, "tags", tags);
    json_object_set_new(o, "evals", evals);
    json_object_set_new(o, "members", ensemble ? members_json(s, id) : json_array());
    json_object_set_new(o, "artifacts", arts);
    if (e != RMN_OK)
        json_decref(o);
    else
        *out = o;
    return e;
}

/* splits a comma-separated list in place into at most cap items; -1 when there are more */
static int split_list(char *list, const char **items, int cap) {
    int n = 0;
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n == cap)
            return -1;
        items[n++] = t;
    }
    return n;
}

static int get_metrics(rmn_store *s, const char *runs_arg, json_t **out) {
    if (!runs_arg || !*runs_arg)
        return RMN_ERROR(RMN_EINVAL, "say which runs: /api/metrics?runs=RUN,RUN");
    char *buf = strdup(runs_arg);
    const char *refs[UI_MAX_RUNS];
    if (!buf)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    int n = split_list(buf, refs, UI_MAX_RUNS), e = RMN_OK;
    if (n < 0)
        e = RMN_ERROR(RMN_EINVAL, "at most %d runs at once", UI_MAX_RUNS);
    json_t *a = json_array();
    for (int i = 0; i < n && e == RMN_OK; ++i) {
        int64_t id;
        rmn_run_summary sum;
        rmn_metric_table m;
        if ((e = rmn_store_run_resolve(s, refs[i], &id)) != RMN_OK ||
            (e = rmn_store_run_summary(s, id, &sum)) != RMN_OK)
            break;
        if ((e = rmn_store_run_metrics(s, id, &m)) == RMN_OK) {
            json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:I, s:o}", "run_id",
                                               (json_int_t)id, "name", str(sum.name), "status",
                                               str(sum.status), "epochs",
                                               (json_int_t)sum.n_epochs, "metrics",
                                               curves_json(&m)));
            rmn_metric_table_free(&m);
        }
        rmn_run_summary_clear(&sum);
    }
    free(buf);
    if (e != RMN_OK)
        json_decref(a);
    else
        *out = json_pack("{s:o}", "runs", a);
    return e;
}

/* a table as HTML text (owned) */
static int table_html(const rmn_table *t, char **html) {
    size_t len = 0;
    FILE *f = open_memstream(html, &len);
    if (!f)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a table");
    int e = rmn_table_write_html(t, f);
    if (fclose(f) != 0 && e == RMN_OK)
        e = RMN_ERROR(RMN_ENOMEM, "out of memory for a table");
    return e;
}

static int get_report(rmn_store *s, rmn_ui_arg_fn arg, void *ctx, json_t **out) {
    rmn_report_query q = {.experiment = arg(ctx, "experiment"), .split = arg(ctx, "split")};
    if (q.experiment && !*q.experiment)
        q.experiment = NULL;
    if (!q.split || !*q.split)
        q.split = "test";
    if (strcmp(q.split, "test") != 0 && strcmp(q.split, "val") != 0)
        return RMN_ERROR(RMN_EINVAL, "split must be val or test, not '%s'", q.split);
    const char *runs_arg = arg(ctx, "runs"), *refs[UI_MAX_RUNS];
    char *buf = runs_arg && *runs_arg ? strdup(runs_arg) : NULL;
    if (buf) {
        q.n_runs = split_list(buf, refs, UI_MAX_RUNS);
        q.runs = refs;
        if (q.n_runs < 0) {
            free(buf);
            return RMN_ERROR(RMN_EINVAL, "at most %d runs at once", UI_MAX_RUNS);
        }
    }
    rmn_report_set set;
    int e = rmn_report_set_load(s, &q, &set);
    free(buf); /* the set copies what it keeps */
    if (e != RMN_OK)
        return e;
    rmn_paper_options po = {0};
    rmn_table *t = NULL;
    int n = 0;
    e = rmn_paper_tables(s, &set, &po, NULL, &t, &n);
    rmn_report_set_free(&set);
    json_t *tables = json_array();
    for (int i = 0; i < n && e == RMN_OK; ++i) {
        char *html = NULL;
        if ((e = table_html(&t[i], &html)) == RMN_OK)
            json_array_append_new(tables, json_pack("{s:s, s:s, s:s}", "name", t[i].name,
                                                    "caption", t[i].caption ? t[i].caption : "",
                                                    "html", html));
        free(html);
    }
    rmn_paper_tables_free(t, n);
    if (e != RMN_OK) {
        json_decref(tables);
        return e;
    }
    *out = json_pack("{s:s, s:o, s:o}", "split", q.split, "experiment", str(q.experiment),
                     "tables", tables);
    return RMN_OK;
}

// --- dispatch -----------------------------------------------------------------------------------

static int http_status(int code) {
    switch (code) {
    case RMN_EINVAL: return 400;
    case RMN_ENOTFOUND: return 404;
    case RMN_EBUSY: return 503;
    default: return 500;
    }
}

/* dumps root (stolen) into the reply */
static int reply_json(rmn_ui_reply *r, int status, json_t *root) {
    r->status = status;
    r->type = "application/json; charset=utf-8";
    r->body = root ? json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(root);
    if (!r->body)
        return RMN_ERROR(RMN_ENOMEM, "out of memory answering a request");
    r->len = strlen(r->body);
    return RMN_OK;
}

int rmn_ui_api(rmn_store *s, const char *path, rmn_ui_arg_fn arg, void *ctx, rmn_ui_reply *reply) {
    memset(reply, 0, sizeof *reply);
    json_t *out = NULL;
    int e;
    if (strcmp(path, "/api/version") == 0)
        e = get_version(s, &out);
    else if (strcmp(path, "/api/experiments") == 0)
        e = get_experiments(s, &out);
    else if (strcmp(path, "/api/runs") == 0) {
        const char *x = arg(ctx, "experiment");
        e = get_runs(s, x && *x ? x : NULL, &out);
    } else if (strncmp(path, "/api/run/", 9) == 0 && path[9])
        e = get_run(s, path + 9, &out);
    else if (strcmp(path, "/api/metrics") == 0)
        e = get_metrics(s, arg(ctx, "runs"), &out);
    else if (strcmp(path, "/api/report") == 0)
        e = get_report(s, arg, ctx, &out);
    else
        e = RMN_ERROR(RMN_ENOTFOUND, "no such endpoint: %s", path);
    if (e == RMN_OK && !out)
        e = RMN_ERROR(RMN_ENOMEM, "out of memory answering %s", path);
    if (e == RMN_OK)
        return reply_json(reply, 200, out);
    int st = http_status(e);
    /* the answer carries the message for users, never the source place (RMN_DEBUG=1 shows
     * it to the server's own log only: it stays in the error restored below) */
    char full[1024], msg[1024];
    snprintf(full, sizeof full, "%s", rmn_error_message());
    snprintf(msg, sizeof msg, "%s", full);
    const char *place = rmn_error_place();
    size_t n = strlen(msg), np = strlen(place);
    if (np && n >= np + 3 && msg[n - 1] == ')' && strncmp(msg + n - np - 1, place, np) == 0 &&
        strncmp(msg + n - np - 3, " (", 2) == 0)
        msg[n - np - 3] = '\0';
    RMN_TRY(reply_json(reply, st, json_pack("{s:s}", "error", msg)));
    rmn_error_restore(e, full);
    return e;
}

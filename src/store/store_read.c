/* store_read.c -- reading the store's runs: names, resolving a user's run reference, run
 * summaries and details, params/tags, experiments, artifacts, finding a run by its
 * configuration (per-epoch metrics and evals: store_read_evals.c). Results go into
 * caller-owned arrays released by the matching *_free. */
#include "store/store_internal.h"

#include "core/error.h"
#include "core/suggest.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// --- names ----------------------------------------------------------------------------------

int rmn_store_names(rmn_store *s, const char *what, char ***out, int *n) {
    const char *sql = strcmp(what, "runs") == 0
                          ? "SELECT DISTINCT name FROM runs ORDER BY name"
                          : "SELECT name FROM experiments ORDER BY name";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s, sql, &st));
    int rc, cap = 0, oom = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && !oom) {
        char **grown = rmn_store_grow_(*out, &cap, *n, sizeof **out);
        if (!grown) {
            oom = 1;
            break;
        }
        *out = grown;
        char *v = rmn_store_col_strdup_(st, 0, &oom);
        if (v)
            (*out)[(*n)++] = v;
    }
    sqlite3_finalize(st);
    int e = oom                 ? RMN_ERROR(RMN_ENOMEM, "%s: out of memory reading names", s->path)
            : rc != SQLITE_DONE && rc != SQLITE_ROW ? STORE_SQL_ERROR(s, rc, "reading names")
                                                    : RMN_OK;
    if (e != RMN_OK) {
        rmn_store_names_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return e;
}

void rmn_store_names_free(char **names, int n) {
    for (int i = 0; i < n; ++i)
        free(names[i]);
    free(names);
}

/* hint = "; did you mean ...? KIND: ..." over the store's names of `what` ("" on failure). */
static void names_hint(rmn_store *s, const char *what, const char *given, char *hint, size_t cap) {
    char **names;
    int n;
    hint[0] = '\0';
    char saved[2100];
    snprintf(saved, sizeof saved, "%s", rmn_error_message());
    int code = rmn_error_code();
    if (rmn_store_names(s, what, &names, &n) == RMN_OK) {
        rmn_suggest(given, (const char *const *)names, n,
                    strcmp(what, "runs") == 0 ? "run names" : "experiments", 12, hint, cap);
        rmn_store_names_free(names, n);
    }
    rmn_error_restore(code, saved);
}

// --- resolving a run reference ----------------------------------------------------------------

/* Runs sql (one int64 column) bound to text ?1; *n_rows counts rows, *id holds the first. */
static int query_ids(rmn_store *s, const char *sql, const char *arg, int64_t num, int64_t *id,
                     int *n_rows) {
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s, sql, &st));
    if (arg)
        rmn_store_bind_text_(st, 1, arg);
    else
        sqlite3_bind_int64(st, 1, num);
    int rc;
    *n_rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((*n_rows)++ == 0)
            *id = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, "resolving a run");
    return RMN_OK;
}

int rmn_store_run_resolve(rmn_store *s, const char *ref, int64_t *run_id) {
    int n = 0;
    if (!ref || !*ref)
        return RMN_ERROR(RMN_EINVAL, "empty run reference");
    size_t len = strlen(ref);

    int all_digits = 1, all_hex = 1;
    for (const char *p = ref; *p; ++p) {
        all_digits &= isdigit((unsigned char)*p) != 0;
        all_hex &= isxdigit((unsigned char)*p) != 0;
    }
    if (all_digits && len <= 18) {
        RMN_TRY(query_ids(s, "SELECT run_id FROM runs WHERE run_id = ?1", NULL,
                          strtoll(ref, NULL, 10), run_id, &n));
        if (n == 1)
            return RMN_OK;
    }
    if (all_hex && len >= 6 && len <= 32) {
        char lower[33];
        for (size_t i = 0; i <= len; ++i)
            lower[i] = (char)tolower((unsigned char)ref[i]);
        RMN_TRY(query_ids(s, "SELECT run_id FROM runs WHERE substr(run_uuid, 1, length(?1)) = ?1 "
                             "LIMIT 2",
                          lower, 0, run_id, &n));
        if (n == 1)
            return RMN_OK;
        if (n > 1)
            return RMN_ERROR(RMN_EINVAL, "%s: run uuid prefix '%s' is ambiguous; give more digits",
                             s->path, ref);
    }
    RMN_TRY(query_ids(s, "SELECT run_id FROM runs WHERE name = ?1 "
                         "ORDER BY start_ms DESC, run_id DESC LIMIT 1",
                      ref, 0, run_id, &n));
    if (n == 1)
        return RMN_OK;
    char hint[1500];
    names_hint(s, "runs", ref, hint, sizeof hint);
    return RMN_ERROR(RMN_ENOTFOUND, "%s: no run '%s' (not a run id, uuid prefix or run name)%s",
                     s->path, ref, hint);
}

// --- summaries --------------------------------------------------------------------------------

#define SUMMARY_SELECT                                                                          \
    "SELECT r.run_id, r.run_uuid, e.name, r.name, r.kind, r.model, r.status, r.n_params, "     \
    "r.seed, r.start_ms, r.end_ms, r.updated_ms, "                                              \
    "(SELECT COUNT(DISTINCT m.step) FROM metrics m WHERE m.run_id = r.run_id), "               \
    "(SELECT MAX(m.value) FROM metrics m WHERE m.run_id = r.run_id AND m.key = 'val_acc'), "   \
    "(SELECT 1.0 * v.n_correct / v.n_samples FROM evals v WHERE v.run_id = r.run_id "          \
    "   AND v.split = 'test' AND v.tta_n = 0 AND v.n_samples > 0 "                              \
    "   ORDER BY v.eval_id DESC LIMIT 1), "                                                     \
    "(SELECT 1.0 * v.n_correct / v.n_samples FROM evals v WHERE v.run_id = r.run_id "          \
    "   AND v.split = 'test' AND v.tta_n > 0 AND v.n_samples > 0 "                              \
    "   ORDER BY v.tta_n DESC, v.eval_id DESC LIMIT 1), "                                       \
    "(SELECT v.tta_n FROM evals v WHERE v.run_id = r.run_id "                                  \
    "   AND v.split = 'test' AND v.tta_n > 0 AND v.n_samples > 0 "                              \
    "   ORDER BY v.tta_n DESC, v.eval_id DESC LIMIT 1) "                                        \
    "FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id "

void rmn_run_summary_clear(rmn_run_summary *r) {
    if (!r)
        return;
    free(r->experiment);
    free(r->name);
    free(r->kind);
    free(r->model);
    free(r->status);
    memset(r, 0, sizeof *r);
}

void rmn_store_runs_free(rmn_run_summary *r, int n) {
    if (!r)
        return;
    for (int i = 0; i < n; ++i)
        rmn_run_summary_clear(&r[i]);
    free(r);
}

/* Fills r from a SUMMARY_SELECT row; 0 on allocation failure. */
static int read_summary(sqlite3_stmt *st, rmn_run_summary *r) {
    int oom = 0;
    memset(r, 0, sizeof *r);
    r->run_id = sqlite3_column_int64(st, 0);
    const unsigned char *u = sqlite3_column_text(st, 1);
    snprintf(r->uuid, sizeof r->uuid, "%s", u ? (const char *)u : "");
    r->experiment = rmn_store_col_strdup_(st, 2, &oom);
    r->name = rmn_store_col_strdup_(st, 3, &oom);
    r->kind = rmn_store_col_strdup_(st, 4, &oom);
    r->model = rmn_store_col_strdup_(st, 5, &oom);
    r->status = rmn_store_col_strdup_(st, 6, &oom);
    r->n_params = sqlite3_column_int64(st, 7);
    r->seed = sqlite3_column_int64(st, 8);
    r->start_ms = sqlite3_column_int64(st, 9);
    r->end_ms = sqlite3_column_int64(st, 10);
    r->updated_ms = sqlite3_column_int64(st, 11);
    r->n_epochs = sqlite3_column_int64(st, 12);
    r->best_val_acc = rmn_store_col_double_(st, 13);
    r->test_acc = rmn_store_col_double_(st, 14);
    r->test_acc_tta = rmn_store_col_double_(st, 15);
    r->tta_n = sqlite3_column_int(st, 16);
    return !oom;
}

static int experiment_exists(rmn_store *s, const char *name, int *exists) {
    int64_t id;
    int n;
    RMN_TRY(query_ids(s, "SELECT experiment_id FROM experiments WHERE name = ?1", name, 0, &id, &n));
    *exists = n > 0;
    return RMN_OK;
}

int rmn_store_runs(rmn_store *s, const char *experiment, rmn_run_summary **out, int *n) {
    *out = NULL;
    *n = 0;
    if (experiment) {
        int exists;
        RMN_TRY(experiment_exists(s, experiment, &exists));
        if (!exists) {
            char hint[1500];
            names_hint(s, "experiments", experiment, hint, sizeof hint);
            return RMN_ERROR(RMN_ENOTFOUND, "%s: no experiment named '%s'%s", s->path, experiment,
                             hint);
        }
    }
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s, SUMMARY_SELECT "WHERE ?1 IS NULL OR e.name = ?1 "
                                  "ORDER BY r.start_ms DESC, r.run_id DESC",
                               &st));
    rmn_store_bind_text_(st, 1, experiment);
    rmn_run_summary *arr = NULL;
    int cap = 0, cnt = 0, rc, e = RMN_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rmn_run_summary *na = rmn_store_grow_(arr, &cap, cnt, sizeof *arr);
        if (!na) {
            e = RMN_ERROR(RMN_ENOMEM, "out of memory listing runs");
            goto fail;
        }
        arr = na;
        if (!read_summary(st, &arr[cnt++])) {
            e = RMN_ERROR(RMN_ENOMEM, "out of memory listing runs");
            goto fail;
        }
    }
    if (rc != SQLITE_DONE) {
        e = STORE_SQL_ERROR(s, rc, "listing runs");
        goto fail;
    }
    sqlite3_finalize(st);
    *out = arr;
    *n = cnt;
    return RMN_OK;
fail:
    sqlite3_finalize(st);
    rmn_store_runs_free(arr, cnt);
    return e;
}

int rmn_store_run_summary(rmn_store *s, int64_t run_id, rmn_run_summary *out) {
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    RMN_TRY(rmn_store_prepare_(s, SUMMARY_SELECT "WHERE r.run_id = ?1", &st));
    sqlite3_bind_int64(st, 1, run_id);
    int rc = sqlite3_step(st), e = RMN_OK;
    if (rc == SQLITE_ROW) {
        if (!read_summary(st, out)) {
            rmn_run_summary_clear(out);
            e = RMN_ERROR(RMN_ENOMEM, "out of memory reading run %lld", (long long)run_id);
        }
    } else if (rc == SQLITE_DONE) {
        e = RMN_ERROR(RMN_ENOTFOUND, "%s: no run with id %lld", s->path, (long long)run_id);
    } else {
        e = STORE_SQL_ERROR(s, rc, "reading a run");
    }
    sqlite3_finalize(st);
    return e;
}

// --- details ----------------------------------------------------------------------------------

void rmn_run_detail_free(rmn_run_detail *d) {
    if (!d)
        return;
    rmn_run_summary_clear(&d->sum);
    free(d->config_text);
    free(d->config_sha256);
    free(d->dataset_sha256);
    free(d->git_commit);
    free(d->tool_version);
    free(d->build_config);
    free(d->host);
    free(d->cpu_model);
    free(d->blas_config);
    free(d->error_text);
    memset(d, 0, sizeof *d);
}

int rmn_store_run_detail(rmn_store *s, int64_t run_id, rmn_run_detail *d) {
    memset(d, 0, sizeof *d);
    RMN_TRY(rmn_store_run_summary(s, run_id, &d->sum));
    sqlite3_stmt *st;
    int e = rmn_store_prepare_(s,
                               "SELECT parent_run_id, config_text, config_sha256, dataset_sha256, "
                               "git_commit, git_dirty, tool_version, build_config, host, "
                               "cpu_model, blas_config, error_text, n_threads "
                               "FROM runs WHERE run_id = ?1",
                               &st);
    if (e != RMN_OK) {
        rmn_run_detail_free(d);
        return e;
    }
    sqlite3_bind_int64(st, 1, run_id);
    int rc = sqlite3_step(st), oom = 0;
    if (rc != SQLITE_ROW) {
        e = rc == SQLITE_DONE ? RMN_ERROR(RMN_ENOTFOUND, "%s: no run with id %lld", s->path,
                                          (long long)run_id)
                              : STORE_SQL_ERROR(s, rc, "reading a run");
        sqlite3_finalize(st);
        rmn_run_detail_free(d);
        return e;
    }
    d->parent_run_id = sqlite3_column_int64(st, 0);
    d->config_text = rmn_store_col_strdup_(st, 1, &oom);
    d->config_sha256 = rmn_store_col_strdup_(st, 2, &oom);
    d->dataset_sha256 = rmn_store_col_strdup_(st, 3, &oom);
    d->git_commit = rmn_store_col_strdup_(st, 4, &oom);
    d->git_dirty = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 5);
    d->tool_version = rmn_store_col_strdup_(st, 6, &oom);
    d->build_config = rmn_store_col_strdup_(st, 7, &oom);
    d->host = rmn_store_col_strdup_(st, 8, &oom);
    d->cpu_model = rmn_store_col_strdup_(st, 9, &oom);
    d->blas_config = rmn_store_col_strdup_(st, 10, &oom);
    d->error_text = rmn_store_col_strdup_(st, 11, &oom);
    d->n_threads = sqlite3_column_int(st, 12);
    sqlite3_finalize(st);
    if (oom) {
        rmn_run_detail_free(d);
        return RMN_ERROR(RMN_ENOMEM, "out of memory reading run %lld", (long long)run_id);
    }
    return RMN_OK;
}

// --- params and tags --------------------------------------------------------------------------

void rmn_kv_free(rmn_kv *kv, int n) {
    if (!kv)
        return;
    for (int i = 0; i < n; ++i) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

int rmn_store_run_kv(rmn_store *s, int64_t run_id, const char *table, rmn_kv **out, int *n) {
    const char *sql;
    *out = NULL;
    *n = 0;
    if (table && strcmp(table, "params") == 0)
        sql = "SELECT key, value FROM params WHERE run_id = ?1 ORDER BY key";
    else if (table && strcmp(table, "tags") == 0)
        sql = "SELECT key, value FROM tags WHERE run_id = ?1 ORDER BY key";
    else
        return RMN_ERROR(RMN_EINVAL, "key/value table must be params or tags, got '%s'",
                         table ? table : "(null)");
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s, sql, &st));
    sqlite3_bind_int64(st, 1, run_id);
    rmn_kv *arr = NULL;
    int cap = 0, cnt = 0, rc, oom = 0, e = RMN_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rmn_kv *na = rmn_store_grow_(arr, &cap, cnt, sizeof *arr);
        if (!na) {
            oom = 1;
            break;
        }
        arr = na;
        arr[cnt].key = rmn_store_col_strdup_(st, 0, &oom);
        arr[cnt].value = rmn_store_col_strdup_(st, 1, &oom);
        ++cnt;
        if (oom)
            break;
    }
    if (oom)
        e = RMN_ERROR(RMN_ENOMEM, "out of memory reading %s", table);
    else if (rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(s, rc, "reading params or tags");
    sqlite3_finalize(st);
    if (e != RMN_OK) {
        rmn_kv_free(arr, cnt);
        return e;
    }
    *out = arr;
    *n = cnt;
    return RMN_OK;
}

// --- experiments and artifacts ------------------------------------------------------------------

void rmn_store_experiments_free(rmn_experiment_summary *e, int n) {
    for (int i = 0; e && i < n; ++i) {
        free(e[i].name);
        free(e[i].description);
    }
    free(e);
}

int rmn_store_experiments(rmn_store *s, rmn_experiment_summary **out, int *n) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(
        s,
        "SELECT e.experiment_id, e.name, e.description, e.created_ms, COUNT(r.run_id), "
        "SUM(r.status = 'RUNNING'), SUM(r.status = 'FINISHED'), SUM(r.status = 'FAILED'), "
        "SUM(r.status = 'KILLED') FROM experiments e LEFT JOIN runs r "
        "ON r.experiment_id = e.experiment_id GROUP BY e.experiment_id ORDER BY e.name",
        &st));
    rmn_experiment_summary *arr = NULL;
    int cap = 0, cnt = 0, rc, oom = 0, e = RMN_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rmn_experiment_summary *na = rmn_store_grow_(arr, &cap, cnt, sizeof *arr);
        if (!na) {
            oom = 1;
            break;
        }
        arr = na;
        rmn_experiment_summary *x = &arr[cnt++];
        memset(x, 0, sizeof *x);
        x->experiment_id = sqlite3_column_int64(st, 0);
        x->name = rmn_store_col_strdup_(st, 1, &oom);
        x->description = rmn_store_col_strdup_(st, 2, &oom);
        x->created_ms = sqlite3_column_int64(st, 3);
        x->n_runs = sqlite3_column_int(st, 4);
        x->n_running = sqlite3_column_int(st, 5);
        x->n_finished = sqlite3_column_int(st, 6);
        x->n_failed = sqlite3_column_int(st, 7);
        x->n_killed = sqlite3_column_int(st, 8);
        if (oom)
            break;
    }
    if (oom)
        e = RMN_ERROR(RMN_ENOMEM, "out of memory listing experiments");
    else if (rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(s, rc, "listing experiments");
    sqlite3_finalize(st);
    if (e != RMN_OK) {
        rmn_store_experiments_free(arr, cnt);
        return e;
    }
    *out = arr;
    *n = cnt;
    return RMN_OK;
}

void rmn_store_artifacts_free(rmn_artifact *a, int n) {
    for (int i = 0; a && i < n; ++i) {
        free(a[i].kind);
        free(a[i].path);
        free(a[i].sha256);
    }
    free(a);
}

int rmn_store_run_artifacts(rmn_store *s, int64_t run_id, rmn_artifact **out, int *n) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s, "SELECT kind, path, sha256, bytes FROM artifacts "
                                  "WHERE run_id = ?1 ORDER BY kind, path",
                               &st));
    sqlite3_bind_int64(st, 1, run_id);
    rmn_artifact *arr = NULL;
    int cap = 0, cnt = 0, rc, oom = 0, e = RMN_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rmn_artifact *na = rmn_store_grow_(arr, &cap, cnt, sizeof *arr);
        if (!na) {
            oom = 1;
            break;
        }
        arr = na;
        rmn_artifact *a = &arr[cnt++];
        a->kind = rmn_store_col_strdup_(st, 0, &oom);
        a->path = rmn_store_col_strdup_(st, 1, &oom);
        a->sha256 = rmn_store_col_strdup_(st, 2, &oom);
        a->bytes = sqlite3_column_int64(st, 3);
        if (oom)
            break;
    }
    if (oom)
        e = RMN_ERROR(RMN_ENOMEM, "out of memory reading artifacts");
    else if (rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(s, rc, "reading artifacts");
    sqlite3_finalize(st);
    if (e != RMN_OK) {
        rmn_store_artifacts_free(arr, cnt);
        return e;
    }
    *out = arr;
    *n = cnt;
    return RMN_OK;
}

// --- finding a run by its configuration ------------------------------------------------------

int rmn_store_find_run(rmn_store *s, const char *experiment, const char *kind, const char *name,
                       const char *config_sha256, int64_t *run_id, char status[16]) {
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s,
                               "SELECT r.run_id, r.status FROM runs r JOIN experiments e USING (experiment_id) "
                               "WHERE e.name = ?1 AND r.name = ?2 AND r.config_sha256 = ?3 AND r.kind = ?4 "
                               "ORDER BY r.run_id DESC LIMIT 1",
                               &st));
    rmn_store_bind_text_(st, 1, experiment);
    rmn_store_bind_text_(st, 2, name);
    rmn_store_bind_text_(st, 3, config_sha256);
    rmn_store_bind_text_(st, 4, kind);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *run_id = sqlite3_column_int64(st, 0);
        snprintf(status, 16, "%s", (const char *)sqlite3_column_text(st, 1));
        sqlite3_finalize(st);
        return RMN_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, "looking up a run");
    return RMN_ERROR(RMN_ENOTFOUND, "%s: no run %s of experiment %s with this configuration", s->path, name,
                     experiment);
}

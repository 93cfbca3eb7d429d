/* set.c -- loading a report set from the store (set.h): the runs, their evals on one split,
 * ensemble members and selection tags. Read-only queries with bound parameters. */
#include "report/set.h"

#include "core/error.h"
#include "train/evaluate.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int sql_error(rmn_store *s, const char *what) {
    return RMN_ERROR(RMN_ESQL, "%s: %s: %s", rmn_store_path(s), what,
                     sqlite3_errmsg(rmn_store_db(s)));
}

static int prepare(rmn_store *s, const char *sql, sqlite3_stmt **st) {
    if (sqlite3_prepare_v2(rmn_store_db(s), sql, -1, st, NULL) != SQLITE_OK)
        return sql_error(s, "preparing a report query");
    return RMN_OK;
}

static void eval_none(rmn_report_eval *e) {
    memset(e, 0, sizeof *e);
    e->acc = e->acc5 = NAN;
}

/* The top-5 accuracy of an eval with many classes, from its predictions. */
static int eval_top5(rmn_store *s, rmn_report_eval *e) {
    if (!e->eval_id || !rmn_top5_reported(e->n_classes) || e->n_samples <= 0)
        return RMN_OK;
    int64_t n5;
    RMN_TRY(rmn_store_eval_topk(s, e->eval_id, 5, &n5));
    e->acc5 = (double)n5 / e->n_samples;
    return RMN_OK;
}

static void eval_from_row(sqlite3_stmt *st, rmn_report_eval *e) {
    e->eval_id = sqlite3_column_int64(st, 0);
    e->tta_n = sqlite3_column_int(st, 1);
    e->n_samples = sqlite3_column_int(st, 2);
    e->n_correct = sqlite3_column_int(st, 3);
    e->n_classes = sqlite3_column_int(st, 4);
    e->acc = e->n_samples > 0 ? (double)e->n_correct / e->n_samples : NAN;
}

#define EVAL_COLS "e.eval_id, e.tta_n, e.n_samples, e.n_correct, e.n_classes "
#define OWN_EVALS                                                                               \
    "FROM evals e JOIN runs r ON r.run_id = e.run_id WHERE e.split = ?2 AND (e.run_id = ?1 OR " \
    "(r.parent_run_id = ?1 AND r.kind = 'eval' AND r.status = 'FINISHED')) "

/* plain and tta evals of one run on split */
static int load_evals(rmn_store *s, int64_t run_id, const char *split, rmn_report_eval *plain,
                      rmn_report_eval *tta) {
    sqlite3_stmt *st;
    RMN_TRY(prepare(s, "SELECT " EVAL_COLS OWN_EVALS "ORDER BY e.tta_n, e.created_ms, e.eval_id",
                    &st));
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_text(st, 2, split, -1, SQLITE_STATIC);
    eval_none(plain);
    eval_none(tta);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        eval_from_row(st, sqlite3_column_int(st, 1) == 0 ? plain : tta);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sql_error(s, "reading evals");
    RMN_TRY(eval_top5(s, plain));
    return eval_top5(s, tta);
}

/* the eval of run on split with tta_n (newest); eval_id 0 when none */
static int load_eval_like(rmn_store *s, int64_t run_id, const char *split, int tta_n,
                          rmn_report_eval *e) {
    sqlite3_stmt *st;
    RMN_TRY(prepare(s,
                    "SELECT " EVAL_COLS OWN_EVALS
                    "AND e.tta_n = ?3 ORDER BY e.created_ms DESC, e.eval_id DESC LIMIT 1",
                    &st));
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_text(st, 2, split, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, tta_n);
    eval_none(e);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        eval_from_row(st, e);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_error(s, "reading an eval");
    return eval_top5(s, e);
}

static int member_cmp(const void *pa, const void *pb) {
    const rmn_report_member *a = pa, *b = pb;
    int c = strcmp(a->model, b->model);
    if (c == 0)
        c = strcmp(a->name, b->name);
    return c ? c : (a->run_id > b->run_id) - (a->run_id < b->run_id);
}

static int load_members(rmn_store *s, const char *split, rmn_report_run *r) {
    sqlite3_stmt *st;
    RMN_TRY(prepare(s,
                    "SELECT e.run_id, e.tta_n, e.split, m.member_eval_id FROM ensemble_members m "
                    "JOIN evals e ON e.eval_id = m.member_eval_id WHERE m.ensemble_run_id = ?1 "
                    "ORDER BY e.run_id, m.member_eval_id",
                    &st));
    sqlite3_bind_int64(st, 1, r->run_id);
    int rc, e = RMN_OK, cap = 0;
    while (e == RMN_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->n_members == cap) {
            cap = cap ? 2 * cap : 8;
            rmn_report_member *m = realloc(r->members, (size_t)cap * sizeof *m);
            if (!m) {
                e = RMN_ERROR(RMN_ENOMEM, "out of memory for ensemble members");
                break;
            }
            r->members = m;
        }
        rmn_report_member *m = &r->members[r->n_members];
        memset(m, 0, sizeof *m);
        int64_t run_id = sqlite3_column_int64(st, 0);
        int tta_n = sqlite3_column_int(st, 1);
        rmn_run_summary sum;
        if ((e = rmn_store_run_summary(s, run_id, &sum)) != RMN_OK)
            break;
        m->run_id = run_id;
        m->name = strdup(sum.name ? sum.name : "");
        m->model = strdup(sum.model && *sum.model ? sum.model : (sum.name ? sum.name : ""));
        m->n_params = sum.n_params;
        rmn_run_summary_clear(&sum);
        ++r->n_members;
        if (!m->name || !m->model) {
            e = RMN_ERROR(RMN_ENOMEM, "out of memory for ensemble members");
            break;
        }
        e = load_eval_like(s, run_id, split, tta_n, &m->eval);
    }
    if (e == RMN_OK && rc != SQLITE_DONE)
        e = sql_error(s, "reading ensemble members");
    sqlite3_finalize(st);
    if (e == RMN_OK && r->n_members > 1)
        qsort(r->members, (size_t)r->n_members, sizeof *r->members, member_cmp);
    return e;
}

/* The tags a report shows: `selection` (ensembles) and `ended_early` (rmn-exp finish). */
static int load_tags(rmn_store *s, rmn_report_run *r) {
    rmn_kv *kv = NULL;
    int n = 0, e = RMN_OK;
    RMN_TRY(rmn_store_run_kv(s, r->run_id, "tags", &kv, &n));
    for (int i = 0; i < n && e == RMN_OK; ++i) {
        char **dst = strcmp(kv[i].key, "selection") == 0     ? &r->selection
                     : strcmp(kv[i].key, "ended_early") == 0 ? &r->ended_early
                                                             : NULL;
        if (dst && kv[i].value && !*dst && !(*dst = strdup(kv[i].value)))
            e = RMN_ERROR(RMN_ENOMEM, "out of memory for a tag");
    }
    rmn_kv_free(kv, n);
    return e;
}

/* The params a report shows: `dataset` and `classes` (a JSON array of names). */
static int load_data_params(rmn_store *s, int64_t run_id, rmn_report_run *r) {
    rmn_kv *kv = NULL;
    int n = 0, e = RMN_OK;
    RMN_TRY(rmn_store_run_kv(s, run_id, "params", &kv, &n));
    for (int i = 0; i < n && e == RMN_OK; ++i) {
        if (strcmp(kv[i].key, "dataset") == 0 && !r->dataset && !(r->dataset = strdup(kv[i].value)))
            e = RMN_ERROR(RMN_ENOMEM, "out of memory for a param");
        if (strcmp(kv[i].key, "classes") != 0 || r->class_names)
            continue;
        json_t *a = json_loads(kv[i].value, 0, NULL);
        size_t k;
        json_t *v;
        if (json_is_array(a) && json_array_size(a) > 0 &&
            (r->class_names = calloc(json_array_size(a), sizeof *r->class_names))) {
            json_array_foreach(a, k, v) {
                r->class_names[k] = strdup(json_is_string(v) ? json_string_value(v) : "?");
                e = r->class_names[k] ? e : RMN_ERROR(RMN_ENOMEM, "out of memory for class names");
                r->n_class_names = (int)k + 1;
            }
        } else if (json_is_array(a) && json_array_size(a) > 0) {
            e = RMN_ERROR(RMN_ENOMEM, "out of memory for class names");
        }
        json_decref(a); /* a malformed record is no record: the names fall back */
    }
    rmn_kv_free(kv, n);
    return e;
}

const char *rmn_report_class_name(const rmn_report_run *r, int nc, int k, char *buf, size_t cap) {
    static const char *const fer[7] = {"Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"};
    if (r && r->n_class_names == nc && k >= 0 && k < nc)
        return r->class_names[k];
    if (nc == 7 && k >= 0 && k < 7)
        return fer[k];
    snprintf(buf, cap, "Class %d", k);
    return buf;
}

const char *rmn_report_dataset(const rmn_report_set *set) {
    const char *name = NULL;
    for (int i = 0; i < set->n_runs; ++i) {
        const char *d = set->runs[i].dataset ? set->runs[i].dataset : "FER2013";
        if (name && strcmp(name, d) != 0)
            return "the data";
        name = d;
    }
    return name ? name : "FER2013";
}

const char *rmn_report_split_words(const rmn_report_set *set) {
    const char *d = rmn_report_dataset(set);
    const int fer = strcmp(d, "FER2013") == 0 || strcmp(d, "FERPlus") == 0, val = strcmp(set->split, "val") == 0;
    return fer ? (val ? "validation split (PublicTest)" : "test split (PrivateTest)")
               : (val ? "validation split" : "test split");
}

static int selection_rank(const char *sel) {
    if (!sel)
        return 4;
    if (strcmp(sel, "fixed") == 0)
        return 0;
    if (strcmp(sel, "val") == 0)
        return 1;
    if (strcmp(sel, "test") == 0)
        return 2;
    return 3;
}

static int run_cmp(const void *pa, const void *pb) {
    const rmn_report_run *a = pa, *b = pb;
    int c;
    if (a->ensemble != b->ensemble)
        return a->ensemble - b->ensemble;
    if (a->ensemble) {
        if ((c = selection_rank(a->selection) - selection_rank(b->selection)) != 0)
            return c;
        if ((c = strcmp(a->selection ? a->selection : "", b->selection ? b->selection : "")))
            return c;
    } else {
        if ((c = strcmp(a->model, b->model)) != 0)
            return c;
        if (a->n_params != b->n_params)
            return a->n_params < b->n_params ? -1 : 1;
    }
    if ((c = strcmp(a->name, b->name)) != 0)
        return c;
    return (a->run_id > b->run_id) - (a->run_id < b->run_id);
}

static int add_run(rmn_store *s, const char *split, const rmn_run_summary *sum,
                   rmn_report_run *r) {
    memset(r, 0, sizeof *r);
    r->run_id = sum->run_id;
    r->name = strdup(sum->name ? sum->name : "");
    const char *model = sum->model && *sum->model ? sum->model : (sum->name ? sum->name : "");
    char label[300];
    if (sum->kind && strcmp(sum->kind, "imported") == 0) { /* its own row beside trained runs */
        snprintf(label, sizeof label, "%s (published weights)", model);
        model = label;
    }
    r->model = strdup(model);
    r->experiment = strdup(sum->experiment ? sum->experiment : "");
    if (!r->name || !r->model || !r->experiment)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a report run");
    r->n_params = sum->n_params;
    r->seed = sum->seed;
    r->ensemble = sum->kind && strcmp(sum->kind, "ensemble") == 0;
    RMN_TRY(load_evals(s, sum->run_id, split, &r->plain, &r->tta));
    RMN_TRY(load_tags(s, r));
    if (r->ensemble)
        RMN_TRY(load_members(s, split, r));
    /* an ensemble's classes are its members' */
    return load_data_params(s, r->ensemble && r->n_members ? r->members[0].run_id : r->run_id, r);
}

static int usable(const rmn_run_summary *r) {
    return r->status && strcmp(r->status, "FINISHED") == 0 && r->kind &&
           (strcmp(r->kind, "train") == 0 || strcmp(r->kind, "ensemble") == 0 ||
            strcmp(r->kind, "imported") == 0);
}

int rmn_report_set_load(rmn_store *s, const rmn_report_query *q, rmn_report_set *set) {
    memset(set, 0, sizeof *set);
    const char *split = q->split ? q->split : "test";
    if (strcmp(split, "test") != 0 && strcmp(split, "val") != 0)
        return RMN_ERROR(RMN_EINVAL, "unknown split '%s' (val or test)", split);
    snprintf(set->split, sizeof set->split, "%s", split);

    rmn_run_summary *sums = NULL;
    int n = 0, e = RMN_OK;
    if (q->runs && q->n_runs > 0) {
        sums = calloc((size_t)q->n_runs, sizeof *sums);
        if (!sums)
            return RMN_ERROR(RMN_ENOMEM, "out of memory for the run list");
        for (; n < q->n_runs && e == RMN_OK; ++n) {
            int64_t id;
            if ((e = rmn_store_run_resolve(s, q->runs[n], &id)) != RMN_OK ||
                (e = rmn_store_run_summary(s, id, &sums[n])) != RMN_OK)
                break;
            for (int j = 0; j < n; ++j)
                if (sums[j].run_id == id)
                    e = RMN_ERROR(RMN_EINVAL, "run '%s' is named twice", q->runs[n]);
            if (e == RMN_OK && !usable(&sums[n]))
                e = RMN_ERROR(RMN_EINVAL,
                              "%s: run '%s' is %s of kind %s; only FINISHED train, ensemble "
                              "and imported runs are reported",
                              rmn_store_path(s), q->runs[n], sums[n].status, sums[n].kind);
        }
        if (e != RMN_OK) {
            rmn_store_runs_free(sums, q->n_runs); /* entries past the failure are zeroed */
            return e;
        }
    } else {
        RMN_TRY(rmn_store_runs(s, q->experiment, &sums, &n));
    }
    set->runs = calloc(n > 0 ? (size_t)n : 1, sizeof *set->runs);
    if (!set->runs) {
        rmn_store_runs_free(sums, n);
        return RMN_ERROR(RMN_ENOMEM, "out of memory for the report runs");
    }
    for (int i = 0; i < n && e == RMN_OK; ++i) {
        if (!usable(&sums[i]))
            continue;
        e = add_run(s, split, &sums[i], &set->runs[set->n_runs++]);
    }
    rmn_store_runs_free(sums, n);
    if (e != RMN_OK) {
        rmn_report_set_free(set);
        return e;
    }
    if (set->n_runs == 0) {
        rmn_report_set_free(set);
        if (q->experiment)
            return RMN_ERROR(RMN_ENOTFOUND, "%s: experiment '%s' has no finished run to report",
                             rmn_store_path(s), q->experiment);
        return RMN_ERROR(RMN_ENOTFOUND, "%s: no finished run to report", rmn_store_path(s));
    }
    qsort(set->runs, (size_t)set->n_runs, sizeof *set->runs, run_cmp);
    while (set->n_single < set->n_runs && !set->runs[set->n_single].ensemble)
        ++set->n_single;
    return RMN_OK;
}

void rmn_report_set_free(rmn_report_set *set) {
    if (!set)
        return;
    for (int i = 0; i < set->n_runs; ++i) {
        rmn_report_run *r = &set->runs[i];
        free(r->name);
        free(r->model);
        free(r->experiment);
        free(r->selection);
        free(r->ended_early);
        free(r->dataset);
        for (int k = 0; k < r->n_class_names; ++k)
            free(r->class_names[k]);
        free(r->class_names);
        for (int m = 0; m < r->n_members; ++m) {
            free(r->members[m].name);
            free(r->members[m].model);
        }
        free(r->members);
    }
    free(set->runs);
    memset(set, 0, sizeof *set);
}

const rmn_report_eval *rmn_report_headline(const rmn_report_run *r) {
    if (r->tta.eval_id)
        return &r->tta;
    return r->plain.eval_id ? &r->plain : NULL;
}

const char *rmn_report_selection_label(const char *sel) {
    if (!sel)
        return "Selection not recorded";
    if (strcmp(sel, "fixed") == 0)
        return "Fixed members (as in the thesis)";
    if (strcmp(sel, "val") == 0)
        return "Best subset on validation, scored once on test";
    if (strcmp(sel, "test") == 0)
        return "Best subset on test (optimistic upper bound)";
    return sel;
}

const char *rmn_report_run_label(const rmn_report_run *r) {
    return r->model && *r->model ? r->model : r->name;
}

int rmn_report_eval_outcomes(rmn_store *s, int64_t eval_id, int32_t **idx, uint8_t **correct,
                             int *n) {
    *idx = NULL;
    *correct = NULL;
    *n = 0;
    sqlite3_stmt *st;
    RMN_TRY(prepare(s, "SELECT n_samples FROM evals WHERE eval_id = ?1", &st));
    sqlite3_bind_int64(st, 1, eval_id);
    int rc = sqlite3_step(st);
    int cap = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (cap < 0)
        return rc == SQLITE_DONE
                   ? RMN_ERROR(RMN_ENOTFOUND, "%s: no eval %lld", rmn_store_path(s), (long long)eval_id)
                   : sql_error(s, "reading an eval");
    *idx = malloc((size_t)(cap > 0 ? cap : 1) * sizeof **idx);
    *correct = malloc((size_t)(cap > 0 ? cap : 1));
    if (!*idx || !*correct) {
        free(*idx);
        free(*correct);
        *idx = NULL;
        *correct = NULL;
        return RMN_ERROR(RMN_ENOMEM, "out of memory for %d predictions", cap);
    }
    int e = prepare(s,
                    "SELECT sample_idx, label = pred FROM predictions WHERE eval_id = ?1 "
                    "ORDER BY sample_idx",
                    &st);
    if (e == RMN_OK) {
        sqlite3_bind_int64(st, 1, eval_id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap) {
            (*idx)[*n] = sqlite3_column_int(st, 0);
            (*correct)[*n] = (uint8_t)(sqlite3_column_int(st, 1) != 0);
            ++*n;
        }
        if (rc == SQLITE_ROW)
            e = RMN_ERROR(RMN_EFORMAT, "%s: eval %lld has more predictions than its %d samples",
                          rmn_store_path(s), (long long)eval_id, cap);
        else if (rc != SQLITE_DONE)
            e = sql_error(s, "reading predictions");
        sqlite3_finalize(st);
    }
    if (e != RMN_OK) {
        free(*idx);
        free(*correct);
        *idx = NULL;
        *correct = NULL;
        *n = 0;
    }
    return e;
}

int rmn_report_group_end(const rmn_report_set *set, int i) {
    const rmn_report_run *r = &set->runs[i];
    int j = i + 1;
    if (!r->ensemble)
        while (j < set->n_single && strcmp(set->runs[j].model, r->model) == 0 &&
               set->runs[j].n_params == r->n_params)
            ++j;
    return j;
}

const char *rmn_report_group_label(const rmn_report_set *set, int i, char *buf, size_t cap) {
    const rmn_report_run *r = &set->runs[i];
    int shared = 0; /* another group with the same model name */
    for (int k = 0; k < set->n_single && !r->ensemble; ++k)
        shared |= strcmp(set->runs[k].model, r->model) == 0 && set->runs[k].n_params != r->n_params;
    if (!shared) {
        snprintf(buf, cap, "%s", rmn_report_run_label(r));
        return buf;
    }
    /* the run name without a trailing -s<digits> (seed) */
    size_t len = strlen(r->name), end = len;
    while (end > 0 && r->name[end - 1] >= '0' && r->name[end - 1] <= '9')
        --end;
    if (end < len && end >= 2 && r->name[end - 1] == 's' && r->name[end - 2] == '-')
        len = end - 2;
    snprintf(buf, cap, "%.*s", (int)len, r->name);
    return buf;
}

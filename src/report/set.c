/* set.c -- loading a report set from the store (set.h): the runs, their evals on one split,
 * ensemble members and selection tags, through the store's typed reads (store/store_query.h);
 * ordering and grouping the runs for tables. */
#include "report/set.h"

#include "core/error.h"
#include "store/store_query.h"
#include "train/trainer.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* e from the store's counts: none (acc NaN) when eval_id is 0; acc5 stays NaN until eval_top5. */
static void eval_from_count(const rmn_eval_count *c, rmn_report_eval *e) {
    eval_none(e);
    if (!c->eval_id)
        return;
    e->eval_id = c->eval_id;
    e->tta_n = c->tta_n;
    e->n_samples = c->n_samples;
    e->n_correct = c->n_correct;
    e->n_classes = c->n_classes;
    e->acc = e->n_samples > 0 ? (double)e->n_correct / e->n_samples : NAN;
}

/* plain and tta evals of one run on split */
static int load_evals(rmn_store *s, int64_t run_id, const char *split, rmn_report_eval *plain,
                      rmn_report_eval *tta) {
    rmn_eval_count p, t;
    RMN_TRY(rmn_store_split_evals(s, run_id, split, &p, &t));
    eval_from_count(&p, plain);
    eval_from_count(&t, tta);
    RMN_TRY(eval_top5(s, plain));
    return eval_top5(s, tta);
}

/* the eval of run on split with tta_n (newest); eval_id 0 when none */
static int load_eval_like(rmn_store *s, int64_t run_id, const char *split, int tta_n,
                          rmn_report_eval *e) {
    rmn_eval_count c;
    RMN_TRY(rmn_store_split_eval_tta(s, run_id, split, tta_n, &c));
    eval_from_count(&c, e);
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
    rmn_member_eval *mev = NULL;
    int nm = 0, e = RMN_OK;
    RMN_TRY(rmn_store_ensemble_members(s, r->run_id, &mev, &nm));
    if (nm > 0 && !(r->members = calloc((size_t)nm, sizeof *r->members)))
        e = RMN_ERROR(RMN_ENOMEM, "out of memory for ensemble members");
    for (int i = 0; i < nm && e == RMN_OK; ++i) {
        rmn_report_member *m = &r->members[r->n_members];
        rmn_run_summary sum;
        if ((e = rmn_store_run_summary(s, mev[i].run_id, &sum)) != RMN_OK)
            break;
        m->run_id = mev[i].run_id;
        m->name = strdup(sum.name ? sum.name : "");
        m->model = strdup(sum.model && *sum.model ? sum.model : (sum.name ? sum.name : ""));
        m->n_params = sum.n_params;
        rmn_run_summary_clear(&sum);
        ++r->n_members;
        if (!m->name || !m->model) {
            e = RMN_ERROR(RMN_ENOMEM, "out of memory for ensemble members");
            break;
        }
        e = load_eval_like(s, mev[i].run_id, split, mev[i].tta_n, &m->eval);
    }
    free(mev);
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

/* tab_stats.c -- the statistics table (Wilson intervals, McNemar against the best) and the
 * ensemble table (members, gain with a paired bootstrap interval) of paper.h, both from the
 * per-sample predictions in the store. */
#include "report/paper.h"

#include "core/error.h"
#include "report/stats.h"
#include "store/store_query.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEVEL 0.95

int rmn_paper_paired(rmn_store *s, int64_t eval_a, int64_t eval_b, uint8_t **a, uint8_t **b,
                     int *n) {
    int32_t *ia = NULL, *ib = NULL;
    uint8_t *ca = NULL, *cb = NULL;
    int na = 0, nb = 0;
    *a = *b = NULL;
    *n = 0;
    int e = rmn_store_eval_outcomes(s, eval_a, &ia, &ca, &na);
    if (e == RMN_OK)
        e = rmn_store_eval_outcomes(s, eval_b, &ib, &cb, &nb);
    if (e == RMN_OK) {
        int cap = na < nb ? na : nb;
        *a = malloc((size_t)(cap > 0 ? cap : 1));
        *b = malloc((size_t)(cap > 0 ? cap : 1));
        if (!*a || !*b)
            e = RMN_ERROR(RMN_ENOMEM, "out of memory pairing %d predictions", cap);
    }
    if (e == RMN_OK) {
        int i = 0, j = 0;
        while (i < na && j < nb) {
            if (ia[i] < ib[j]) {
                ++i;
            } else if (ia[i] > ib[j]) {
                ++j;
            } else {
                (*a)[*n] = ca[i++];
                (*b)[*n] = cb[j++];
                ++*n;
            }
        }
    } else {
        free(*a);
        free(*b);
        *a = *b = NULL;
    }
    free(ia);
    free(ib);
    free(ca);
    free(cb);
    return e;
}

// --- statistics -----------------------------------------------------------------------------

typedef struct {
    const rmn_report_run  *run;
    const rmn_report_eval *ev;
} stat_row;

enum { S_MODEL, S_RUN, S_VIEWS, S_N, S_ACC, S_CI, S_B, S_C, S_P, S_NCOLS };

int rmn_paper_stats(rmn_store *s, const rmn_report_set *set, rmn_table *t) {
    stat_row *rows = calloc((size_t)set->n_runs * 2 + 1, sizeof *rows);
    if (!rows)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for the statistics table");
    int m = 0, ref = -1;
    for (int i = 0; i < set->n_runs; ++i) {
        const rmn_report_run *r = &set->runs[i];
        const rmn_report_eval *evs[2] = {&r->plain, &r->tta};
        for (int k = 0; k < 2; ++k) {
            if (!evs[k]->eval_id)
                continue;
            rows[m].run = r;
            rows[m].ev = evs[k];
            if (!r->ensemble && (ref < 0 || evs[k]->acc > rows[ref].ev->acc))
                ref = m;
            ++m;
        }
    }
    if (m == 0) {
        free(rows);
        return RMN_ERROR(RMN_ENOTFOUND, "%s: no eval on the %s split for the statistics table",
                         rmn_store_path(s), set->split);
    }
    int e = rmn_table_init(t, "stats", S_NCOLS);
    if (e != RMN_OK) {
        free(rows);
        return e;
    }
    const struct {
        const char *key, *head, *tex;
        rmn_col_kind kind;
        int dec, percent; /* percent: fractions in CSV and JSON (table.h) */
    } cols[S_NCOLS] = {
        {"model", "Model", NULL, RMN_COL_TEXT, 0, 0},
        {"run", "Run", NULL, RMN_COL_TEXT, 0, 0},
        {"tta_n", "TTA views", NULL, RMN_COL_NUM, 0, 0},
        {"n", "Images", NULL, RMN_COL_NUM, 0, 0},
        {"acc", "Acc. (%)", "Acc.\\ (\\%)", RMN_COL_NUM, 2, 1},
        {"ci95", "95% CI (%)", "95\\,\\% CI (\\%)", RMN_COL_NUM, 2, 1},
        {"b", "b", "$b$", RMN_COL_NUM, 0, 0},
        {"c", "c", "$c$", RMN_COL_NUM, 0, 0},
        {"p", "p (McNemar)", "$p$ (McNemar)", RMN_COL_NUM, 4, 0},
    };
    for (int c = 0; e == RMN_OK && c < S_NCOLS; ++c)
        if ((e = rmn_table_col_set(t, c, cols[c].key, cols[c].head, cols[c].tex, cols[c].kind,
                                   cols[c].dec)) == RMN_OK && cols[c].percent)
            rmn_table_col_percent(t, c);
    char cap[1400];
    if (ref >= 0)
        snprintf(cap, sizeof cap,
                 "Every accuracy on the %s of %s with its Wilson 95%% confidence interval, "
                 "and McNemar's exact test against the best single-model accuracy (%s, run %s%s, "
                 "marked ref.) on the same images: b = images only the reference classifies "
                 "correctly, c = images only this row classifies correctly, p = two-sided exact "
                 "binomial p-value on the b + c discordant pairs.",
                 rmn_report_split_words(set), rmn_report_dataset(set), rmn_report_run_label(rows[ref].run), rows[ref].run->name,
                 rows[ref].ev->tta_n > 0 ? ", with TTA" : "");
    else
        snprintf(cap, sizeof cap,
                 "Every accuracy on the %s of %s with its Wilson 95%% confidence interval.",
                 rmn_report_split_words(set), rmn_report_dataset(set));
    if (e == RMN_OK)
        e = rmn_table_caption(t, cap, NULL);
    for (int i = 0; e == RMN_OK && i < m; ++i) {
        const stat_row *w = &rows[i];
        int row;
        char label[256];
        if (w->run->ensemble)
            snprintf(label, sizeof label, "Ensemble (%s)",
                     w->run->selection ? w->run->selection : "selection not recorded");
        else
            snprintf(label, sizeof label, "%s", rmn_report_run_label(w->run));
        if ((e = rmn_table_add_row(t, &row)) != RMN_OK ||
            (e = rmn_table_set_text(t, row, S_MODEL, label)) != RMN_OK ||
            (e = rmn_table_set_text(t, row, S_RUN, w->run->name)) != RMN_OK)
            break;
        if (w->run->ensemble && (i == 0 || !rows[i - 1].run->ensemble))
            t->rule_before[row] = 1;
        rmn_table_set_int(t, row, S_VIEWS, w->ev->tta_n);
        rmn_table_set_int(t, row, S_N, w->ev->n_samples);
        rmn_table_set_num(t, row, S_ACC, 100 * w->ev->acc);
        double lo, hi;
        if ((e = rmn_stats_wilson(w->ev->n_correct, w->ev->n_samples, LEVEL, &lo, &hi)) != RMN_OK)
            break;
        rmn_table_set_ci(t, row, S_CI, 100 * lo, 100 * hi);
        if (i == ref) {
            e = rmn_table_set_text(t, row, S_P, "ref.");
            continue;
        }
        if (ref < 0)
            continue;
        uint8_t *a = NULL, *b = NULL;
        int n = 0;
        if ((e = rmn_paper_paired(s, rows[ref].ev->eval_id, w->ev->eval_id, &a, &b, &n)) != RMN_OK)
            break;
        int64_t nb = 0, ncc = 0;
        for (int k = 0; k < n; ++k) {
            nb += a[k] && !b[k];
            ncc += !a[k] && b[k];
        }
        free(a);
        free(b);
        if (n > 0) {
            rmn_table_set_int(t, row, S_B, nb);
            rmn_table_set_int(t, row, S_C, ncc);
            rmn_table_set_p(t, row, S_P, rmn_stats_mcnemar_exact(nb, ncc));
        }
    }
    free(rows);
    if (e != RMN_OK)
        rmn_table_free(t);
    return e;
}

// --- ensembles ------------------------------------------------------------------------------

enum { E_SEL, E_NMEM, E_MEMBERS, E_ACC, E_BEST, E_GAIN, E_GAIN_CI, E_NCOLS };

static int member_list(const rmn_report_run *r, char **out) {
    size_t cap = 64, len = 0;
    char *b = malloc(cap);
    if (!b)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a member list");
    b[0] = '\0';
    for (int i = 0; i < r->n_members; ++i) {
        /* the run names: unique, and they carry the model name and the seed */
        const rmn_report_member *m = &r->members[i];
        size_t need = strlen(m->name) + 4;
        if (len + need + 1 > cap) {
            cap = 2 * (len + need + 1);
            char *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                return RMN_ERROR(RMN_ENOMEM, "out of memory for a member list");
            }
            b = nb;
        }
        len += (size_t)snprintf(b + len, cap - len, "%s%s", i ? ", " : "", m->name);
    }
    *out = b;
    return RMN_OK;
}

int rmn_paper_ensemble(rmn_store *s, const rmn_report_set *set, const rmn_paper_options *o,
                       rmn_table *t) {
    if (set->n_single == set->n_runs)
        return RMN_ERROR(RMN_ENOTFOUND, "%s: no finished ensemble run to tabulate",
                         rmn_store_path(s));
    int n_boot = o && o->n_boot > 0 ? o->n_boot : 10000;
    uint64_t seed = o && o->seed ? o->seed : 1234;
    RMN_TRY(rmn_table_init(t, "ensemble", E_NCOLS));
    const struct {
        const char *key, *head, *tex;
        rmn_col_kind kind;
        int dec, percent; /* percent: fractions in CSV and JSON (table.h) */
    } cols[E_NCOLS] = {
        {"selection", "Members chosen by", NULL, RMN_COL_WIDE, 0, 0},
        {"n_members", "n", "$n$", RMN_COL_NUM, 0, 0},
        {"members", "Members", NULL, RMN_COL_WIDE, 0, 0},
        {"acc", "Acc. (%)", "Acc.\\ (\\%)", RMN_COL_NUM, 2, 1},
        {"best_member_acc", "Best member (%)", "Best member (\\%)", RMN_COL_NUM, 2, 1},
        {"gain", "Gain (pp)", "Gain (pp)", RMN_COL_NUM, 2, 1},
        {"gain_ci95", "Gain 95% CI (pp)", "Gain 95\\,\\% CI (pp)", RMN_COL_NUM, 2, 1},
    };
    int e = RMN_OK;
    for (int c = 0; e == RMN_OK && c < E_NCOLS; ++c)
        if ((e = rmn_table_col_set(t, c, cols[c].key, cols[c].head, cols[c].tex, cols[c].kind,
                                   cols[c].dec)) == RMN_OK && cols[c].percent)
            rmn_table_col_percent(t, c);
    char cap[1400];
    snprintf(cap, sizeof cap,
             "Ensembles on the %s of %s: the unweighted sum of the members' softmax outputs. "
             "The subset chosen on test is an optimistic upper bound, not an estimate for new "
             "data. Gain: the ensemble's accuracy minus its best member's, in percentage points "
             "on the same images, with a paired bootstrap 95%% interval (%d resamples, seed %llu).",
             rmn_report_split_words(set), rmn_report_dataset(set), n_boot, (unsigned long long)seed);
    if (e == RMN_OK)
        e = rmn_table_caption(t, cap, NULL);
    for (int i = set->n_single; e == RMN_OK && i < set->n_runs; ++i) {
        const rmn_report_run *r = &set->runs[i];
        int row;
        char *list = NULL;
        if ((e = rmn_table_add_row(t, &row)) != RMN_OK ||
            (e = rmn_table_set_text(t, row, E_SEL, rmn_report_selection_label(r->selection))) !=
                RMN_OK ||
            (e = member_list(r, &list)) != RMN_OK)
            break;
        e = rmn_table_set_text(t, row, E_MEMBERS, list);
        free(list);
        rmn_table_set_int(t, row, E_NMEM, r->n_members);
        const rmn_report_eval *h = rmn_report_headline(r);
        const rmn_report_member *best = NULL;
        for (int k = 0; k < r->n_members; ++k) {
            const rmn_report_member *mm = &r->members[k];
            if (mm->eval.eval_id && (!best || mm->eval.acc > best->eval.acc))
                best = mm;
        }
        if (h)
            rmn_table_set_num(t, row, E_ACC, 100 * h->acc);
        if (best)
            rmn_table_set_num(t, row, E_BEST, 100 * best->eval.acc);
        if (e != RMN_OK || !h || !best)
            continue;
        uint8_t *a = NULL, *b = NULL;
        int n = 0;
        if ((e = rmn_paper_paired(s, h->eval_id, best->eval.eval_id, &a, &b, &n)) != RMN_OK)
            break;
        double diff, lo, hi;
        if (n > 0 && (e = rmn_stats_bootstrap_diff(a, b, n, n_boot, LEVEL, seed, &diff, &lo,
                                                   &hi)) == RMN_OK) {
            rmn_table_set_num(t, row, E_GAIN, 100 * diff);
            rmn_table_set_ci(t, row, E_GAIN_CI, 100 * lo, 100 * hi);
        }
        free(a);
        free(b);
    }
    if (e != RMN_OK)
        rmn_table_free(t);
    return e;
}

// --- all tables -----------------------------------------------------------------------------

void rmn_paper_tables_free(rmn_table *t, int n) {
    for (int i = 0; t && i < n; ++i)
        rmn_table_free(&t[i]);
    free(t);
}

static int wants(const char *which, const char *name) {
    if (!which || strcmp(which, "all") == 0)
        return 1;
    size_t len = strlen(name);
    for (const char *p = which; *p;) {
        const char *q = strchr(p, ',');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        if (l == len && strncmp(p, name, len) == 0)
            return 2; /* asked for by name */
        p = q ? q + 1 : p + l;
    }
    return 0;
}

static int too_many_classes(const rmn_report_set *set) {
    for (int i = 0; i < set->n_runs; ++i) {
        const rmn_report_eval *h = rmn_report_headline(&set->runs[i]);
        if (h)
            return h->n_classes > RMN_REPORT_MAX_CLASSES;
    }
    return 0;
}

int rmn_paper_tables(rmn_store *s, const rmn_report_set *set, const rmn_paper_options *o,
                     const char *which, rmn_table **out, int *n) {
    static const char *const names[] = {"zoo", "ensemble", "perclass", "stats"};
    *out = NULL;
    *n = 0;
    if (which && strcmp(which, "all") != 0) { /* every name must be known */
        for (const char *p = which; *p;) {
            const char *q = strchr(p, ',');
            size_t l = q ? (size_t)(q - p) : strlen(p);
            int known = 0;
            for (int i = 0; i < 4; ++i)
                known |= strlen(names[i]) == l && strncmp(p, names[i], l) == 0;
            if (!known)
                return RMN_ERROR(RMN_EINVAL,
                                 "unknown table '%.*s' (zoo, ensemble, perclass, stats, all)",
                                 (int)l, p);
            p = q ? q + 1 : p + l;
        }
    }
    rmn_table *t = calloc(4, sizeof *t);
    if (!t)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for the tables");
    int e = RMN_OK, m = 0;
    for (int i = 0; e == RMN_OK && i < 4; ++i) {
        int w = wants(which, names[i]);
        if (!w)
            continue;
        if (i == 1 && w == 1 && set->n_single == set->n_runs)
            continue; /* no ensemble: the table is left out unless asked for */
        if (i == 0 && w == 1 && set->n_single == 0)
            continue;
        switch (i) {
        case 0: e = rmn_paper_zoo(set, &t[m]); break;
        case 1: e = rmn_paper_ensemble(s, set, o, &t[m]); break;
        case 2:
            if (w == 1 && too_many_classes(set))
                continue; /* ImageNet's 1000 columns: left out unless asked for (then an error) */
            e = rmn_paper_perclass(s, set, &t[m]);
            break;
        default: e = rmn_paper_stats(s, set, &t[m]); break;
        }
        if (e == RMN_OK)
            ++m;
    }
    if (e != RMN_OK) {
        rmn_paper_tables_free(t, m);
        return e;
    }
    *out = t;
    *n = m;
    return RMN_OK;
}

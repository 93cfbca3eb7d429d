/* tab_zoo.c -- the zoo table (accuracy per model, seeds as mean +/- sd) and the per-class recall
 * table (paper.h). */
#include "report/paper.h"

#include "core/error.h"
#include "report/format.h"
#include "report/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rmn_fer_classes[7] = {"Angry", "Disgust", "Fear", "Happy",
                                        "Sad",   "Surprise", "Neutral"};

/* the common tta_n of all TTA evals of single models: >0 common, 0 mixed, -1 none */
static int common_tta(const rmn_report_set *set) {
    int k = -1;
    for (int i = 0; i < set->n_single; ++i) {
        int t = set->runs[i].tta.eval_id ? set->runs[i].tta.tta_n : -1;
        if (t > 0)
            k = k < 0 || k == t ? t : 0;
    }
    return k;
}

/* Appends to both captions which runs ended early (rmn-exp finish) and when. */
static int note_ended_early(const rmn_report_set *set, char *cap, size_t cap_n, char *tex, size_t tex_n) {
    int first = 1;
    for (int i = 0; i < set->n_single; ++i) {
        const rmn_report_run *r = &set->runs[i];
        if (!r->ended_early)
            continue;
        const char *lead = first ? " Ended early on the best checkpoint so far (rmn-exp finish): " : "; ";
        size_t used = strlen(cap);
        snprintf(cap + used, cap_n - used, "%s%s %s", lead, r->name, r->ended_early);
        char *esc = NULL;
        size_t esc_n = 0;
        FILE *f = open_memstream(&esc, &esc_n);
        if (!f)
            return RMN_ERROR(RMN_ENOMEM, "out of memory for the zoo caption");
        fputs(lead, f);
        rmn_fmt_latex_escape(f, r->name);
        fputc(' ', f);
        rmn_fmt_latex_escape(f, r->ended_early);
        fclose(f);
        used = strlen(tex);
        snprintf(tex + used, tex_n - used, "%s", esc);
        free(esc);
        first = 0;
    }
    if (!first) {
        size_t used = strlen(cap);
        snprintf(cap + used, cap_n - used, ".");
        used = strlen(tex);
        snprintf(tex + used, tex_n - used, ".");
    }
    return RMN_OK;
}

int rmn_paper_zoo(const rmn_report_set *set, rmn_table *t) {
    if (set->n_single == 0)
        return RMN_ERROR(RMN_ENOTFOUND, "no single-model run to tabulate in the zoo table");
    int tta = common_tta(set), top5 = 0;
    for (int i = 0; i < set->n_single; ++i)
        top5 |= !isnan(set->runs[i].plain.acc5);
    const int n_acc = tta >= 0 ? 5 : 4, n_cols = n_acc + top5; /* top-5 last: ImageNet's tables */
    RMN_TRY(rmn_table_init(t, "zoo", n_cols));
    char head[64], head_tex[96], cap[2048], cap_tex[2400], ds_tex[200];
    const char *sp = strcmp(set->split, "val") == 0 ? "Val" : "Test";
    int e = rmn_table_col_set(t, 0, "model", "Model", NULL, RMN_COL_TEXT, 0);
    if (e == RMN_OK)
        e = rmn_table_col_set(t, 1, "params_m", "Params (x10^6)", "Params ($\\times 10^{6}$)",
                              RMN_COL_NUM, 2);
    if (e == RMN_OK)
        e = rmn_table_col_set(t, 2, "seeds", "Seeds", NULL, RMN_COL_NUM, 0);
    snprintf(head, sizeof head, "%s (%%)", sp);
    snprintf(head_tex, sizeof head_tex, "%s (\\%%)", sp);
    if (e == RMN_OK && (e = rmn_table_col_set(t, 3, "acc", head, head_tex, RMN_COL_NUM, 2)) == RMN_OK)
        rmn_table_col_percent(t, 3);
    if (e == RMN_OK && tta >= 0) {
        if (tta > 0) {
            snprintf(head, sizeof head, "%s TTA-%d (%%)", sp, tta);
            snprintf(head_tex, sizeof head_tex, "%s TTA-%d (\\%%)", sp, tta);
        } else {
            snprintf(head, sizeof head, "%s TTA (%%)", sp);
            snprintf(head_tex, sizeof head_tex, "%s TTA (\\%%)", sp);
        }
        if ((e = rmn_table_col_set(t, 4, "acc_tta", head, head_tex, RMN_COL_NUM, 2)) == RMN_OK)
            rmn_table_col_percent(t, 4);
    }
    if (e == RMN_OK && top5) {
        snprintf(head, sizeof head, "%s top-5 (%%)", sp);
        snprintf(head_tex, sizeof head_tex, "%s top-5 (\\%%)", sp);
        if ((e = rmn_table_col_set(t, n_acc, "acc5", head, head_tex, RMN_COL_NUM, 2)) == RMN_OK)
            rmn_table_col_percent(t, n_acc);
    }
    char tta_words[96] = "";
    if (tta > 0)
        snprintf(tta_words, sizeof tta_words, " and with test-time augmentation over %d views (TTA-%d)",
                 tta, tta);
    else if (tta == 0)
        snprintf(tta_words, sizeof tta_words,
                 " and with test-time augmentation (each run's largest number of views)");
    snprintf(cap, sizeof cap,
             "Accuracy (%%) of each model on the %s of %s%s, without%s. A model trained with "
             "several seeds shows the mean +/- the sample standard deviation over its seeds. "
             "Best model per column in bold.",
             rmn_report_split_words(set), rmn_report_dataset(set), top5 ? " (top-1 and top-5)" : "",
             tta >= 0 ? tta_words : " test-time augmentation");
    snprintf(cap_tex, sizeof cap_tex,
             "Accuracy (\\%%) of each model on the %s of %s%s, without%s. A model trained with "
             "several seeds shows the mean $\\pm$ the sample standard deviation over its seeds. "
             "Best model per column in bold.",
             rmn_report_split_words(set), rmn_fmt_latex_escaped(ds_tex, sizeof ds_tex, rmn_report_dataset(set)),
             top5 ? " (top-1 and top-5)" : "", tta >= 0 ? tta_words : " test-time augmentation");
    if (e == RMN_OK)
        e = note_ended_early(set, cap, sizeof cap, cap_tex, sizeof cap_tex);
    if (e == RMN_OK)
        e = rmn_table_caption(t, cap, cap_tex);
    double *plain = malloc((size_t)set->n_single * sizeof *plain);
    double *with = malloc((size_t)set->n_single * sizeof *with);
    double *five = malloc((size_t)set->n_single * sizeof *five);
    if (e == RMN_OK && (!plain || !with || !five))
        e = RMN_ERROR(RMN_ENOMEM, "out of memory for the zoo table");
    for (int i = 0; e == RMN_OK && i < set->n_single;) {
        int j = rmn_report_group_end(set, i), np = 0, nt = 0, n5 = 0;
        for (int k = i; k < j; ++k) {
            const rmn_report_run *r = &set->runs[k];
            if (r->plain.eval_id)
                plain[np++] = 100 * r->plain.acc;
            if (r->tta.eval_id)
                with[nt++] = 100 * r->tta.acc;
            if (!isnan(r->plain.acc5))
                five[n5++] = 100 * r->plain.acc5;
        }
        int row;
        char label[256];
        if ((e = rmn_table_add_row(t, &row)) != RMN_OK ||
            (e = rmn_table_set_text(t, row, 0,
                                    rmn_report_group_label(set, i, label, sizeof label))) != RMN_OK)
            break;
        const rmn_report_run *r0 = &set->runs[i];
        rmn_table_set_num(t, row, 1, r0->n_params > 0 ? (double)r0->n_params / 1e6 : NAN);
        rmn_table_set_int(t, row, 2, j - i);
        double m, sd;
        rmn_stats_mean_sd(plain, np, &m, &sd);
        rmn_table_set_pm(t, row, 3, m, sd, np);
        if (tta >= 0) {
            rmn_stats_mean_sd(with, nt, &m, &sd);
            rmn_table_set_pm(t, row, 4, m, sd, nt);
        }
        if (top5) {
            rmn_stats_mean_sd(five, n5, &m, &sd);
            rmn_table_set_pm(t, row, n_acc, m, sd, n5);
        }
        i = j;
    }
    free(plain);
    free(with);
    free(five);
    if (e != RMN_OK) {
        rmn_table_free(t);
        return e;
    }
    for (int c = 3; c < n_cols; ++c)
        rmn_table_bold_max(t, c, 0, t->n_rows);
    return RMN_OK;
}

// --- per-class recall -----------------------------------------------------------------------

/* adds the confusion counts of eval into pooled (nc x nc) */
static int pool_confusion(rmn_store *s, const rmn_report_eval *ev, int nc, int64_t *tmp,
                          int64_t *pooled) {
    if (ev->n_classes != nc)
        return RMN_ERROR(RMN_EFORMAT, "%s: eval %lld has %d classes, the others %d",
                         rmn_store_path(s), (long long)ev->eval_id, ev->n_classes, nc);
    RMN_TRY(rmn_store_confusion(s, ev->eval_id, nc, tmp));
    for (int k = 0; k < nc * nc; ++k)
        pooled[k] += tmp[k];
    return RMN_OK;
}

static void recall_row(rmn_table *t, int row, int nc, const int64_t *cm) {
    double sum = 0;
    int nz = 0;
    for (int i = 0; i < nc; ++i) {
        int64_t tot = 0;
        for (int j = 0; j < nc; ++j)
            tot += cm[i * nc + j];
        double r = tot > 0 ? 100.0 * (double)cm[i * nc + i] / (double)tot : 0.0; /* empty: 0 */
        rmn_table_set_num(t, row, 1 + i, r);
        if (tot > 0) {
            sum += r;
            ++nz;
        }
    }
    rmn_table_set_num(t, row, 1 + nc, nz ? sum / nz : NAN);
}

int rmn_paper_perclass(rmn_store *s, const rmn_report_set *set, rmn_table *t) {
    int nc = 0;
    for (int i = 0; i < set->n_runs && !nc; ++i) {
        const rmn_report_eval *h = rmn_report_headline(&set->runs[i]);
        if (h)
            nc = h->n_classes;
    }
    if (nc <= 0)
        return RMN_ERROR(RMN_ENOTFOUND, "%s: no eval on the %s split for the per-class table",
                         rmn_store_path(s), set->split);
    if (nc > RMN_REPORT_MAX_CLASSES)
        return RMN_ERROR(RMN_EINVAL, "the per-class table has a column per class: %d classes are more than "
                         "its %d", nc, RMN_REPORT_MAX_CLASSES);
    const rmn_report_run *named = NULL; /* the classes' names: the first run that recorded them */
    for (int i = 0; i < set->n_runs && !named; ++i)
        named = set->runs[i].n_class_names == nc ? &set->runs[i] : NULL;
    RMN_TRY(rmn_table_init(t, "perclass", nc + 2));
    int e = rmn_table_col_set(t, 0, "model", "Model", NULL, RMN_COL_TEXT, 0);
    for (int c = 0; e == RMN_OK && c < nc; ++c) {
        char key[64], head[64], buf[32];
        snprintf(head, sizeof head, "%s", rmn_report_class_name(named, nc, c, buf, sizeof buf));
        snprintf(key, sizeof key, "%s", head);
        for (char *p = key; *p; ++p) /* a column key: lower case, no spaces */
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p == ' ' ? '_' : *p);
        if ((e = rmn_table_col_set(t, 1 + c, key, head, NULL, RMN_COL_NUM, 2)) == RMN_OK)
            rmn_table_col_percent(t, 1 + c);
    }
    if (e == RMN_OK && (e = rmn_table_col_set(t, nc + 1, "mean", "Mean", NULL, RMN_COL_NUM, 2)) == RMN_OK)
        rmn_table_col_percent(t, nc + 1);
    char cap[1024];
    snprintf(cap, sizeof cap,
             "Recall (%%) per class on the %s of %s (the diagonal of the row-normalised "
             "confusion matrix), TTA evaluations where a run has them. Several seeds: confusion "
             "counts pooled over the seeds. First row: images per class. Mean: the unweighted "
             "mean over classes. Best per column in bold.",
             rmn_report_split_words(set), rmn_report_dataset(set));
    if (e == RMN_OK)
        e = rmn_table_caption(t, cap, NULL);
    int64_t *tmp = calloc((size_t)nc * (size_t)nc, sizeof *tmp);
    int64_t *pooled = calloc((size_t)nc * (size_t)nc, sizeof *pooled);
    if (e == RMN_OK && (!tmp || !pooled))
        e = RMN_ERROR(RMN_ENOMEM, "out of memory for confusion matrices");
    int counts_row = -1, first_model_row = -1;
    if (e == RMN_OK && (e = rmn_table_add_row(t, &counts_row)) == RMN_OK)
        e = rmn_table_set_text(t, counts_row, 0, "Images (n)");
    int have_counts = 0;
    for (int i = 0; e == RMN_OK && i < set->n_runs;) {
        const rmn_report_run *r = &set->runs[i];
        int j = rmn_report_group_end(set, i);
        memset(pooled, 0, (size_t)nc * (size_t)nc * sizeof *pooled);
        int n_ev = 0;
        for (int k = i; e == RMN_OK && k < j; ++k) {
            const rmn_report_eval *h = rmn_report_headline(&set->runs[k]);
            if (h) {
                e = pool_confusion(s, h, nc, tmp, pooled);
                if (e == RMN_OK && !have_counts) {
                    for (int a = 0; a < nc; ++a) {
                        int64_t tot = 0;
                        for (int b = 0; b < nc; ++b)
                            tot += tmp[a * nc + b];
                        rmn_table_set_int(t, counts_row, 1 + a, tot);
                    }
                    have_counts = 1;
                }
                ++n_ev;
            }
        }
        if (e == RMN_OK && n_ev > 0) {
            int row;
            char label[256];
            if (r->ensemble)
                snprintf(label, sizeof label, "Ensemble (%s)",
                         r->selection ? r->selection : "selection not recorded");
            else
                rmn_report_group_label(set, i, label, sizeof label);
            if ((e = rmn_table_add_row(t, &row)) == RMN_OK &&
                (e = rmn_table_set_text(t, row, 0, label)) == RMN_OK) {
                recall_row(t, row, nc, pooled);
                if (first_model_row < 0) {
                    first_model_row = row;
                    t->rule_before[row] = 1;
                }
                if (r->ensemble && (i == 0 || !set->runs[i - 1].ensemble))
                    t->rule_before[row] = 1;
            }
        }
        i = j;
    }
    free(tmp);
    free(pooled);
    if (e != RMN_OK) {
        rmn_table_free(t);
        return e;
    }
    if (first_model_row > 0)
        for (int c = 1; c <= nc + 1; ++c)
            rmn_table_bold_max(t, c, first_model_row, t->n_rows);
    return RMN_OK;
}

/* figures.c -- `rmn-report --figures DIR`: every figure of a report set, drawn by gnuplot in a
 * temporary directory inside DIR and renamed into place (figures.h). */
#include "report/figures.h"

#include "core/error.h"
#include "report/fig_util.h"
#include "report/gnuplot.h"
#include "report/paper.h"
#include "report/run_figures.h"
#include "report/sbuf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs script in a fresh DIR/.rmn-fig-XXXXXX and moves its files (STEM.gp, .pdf, .png, .txt,
 * -tex.tex, -tex.pdf) into dir. On failure the temporary directory stays, with the script. */
static int draw(const char *dir, const char *stem, const char *script, FILE *log) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s/.rmn-fig-XXXXXX", dir) >= (int)sizeof tmp)
        return RMN_ERROR(RMN_EINVAL, "%s: path too long", dir);
    if (!mkdtemp(tmp))
        return RMN_ERROR(RMN_EIO, "%s: cannot create a temporary directory: %s", dir,
                         strerror(errno));
    RMN_TRY(rmn_gnuplot_run(tmp, stem, script));
    static const char *const suffixes[] = {".gp", ".pdf", ".png", ".txt", "-tex.tex", "-tex.pdf"};
    int e = RMN_OK;
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; ++i) {
        char from[4400], to[4400];
        snprintf(from, sizeof from, "%s/%s%s", tmp, stem, suffixes[i]);
        snprintf(to, sizeof to, "%s/%s%s", dir, stem, suffixes[i]);
        if (access(from, F_OK) != 0)
            continue;
        if (rename(from, to) != 0) {
            e = RMN_ERROR(RMN_EIO, "cannot move %s to %s: %s", from, to, strerror(errno));
            break;
        }
        if (log && strcmp(suffixes[i], ".gp") != 0)
            fprintf(log, "wrote %s\n", to);
    }
    if (e == RMN_OK && rmdir(tmp) != 0)
        e = RMN_ERROR(RMN_EIO, "%s: cannot remove (unexpected files?): %s", tmp, strerror(errno));
    return e;
}

static int name_is_dup(const rmn_report_set *set, int i) {
    for (int j = 0; j < set->n_runs; ++j)
        if (j != i && strcmp(set->runs[j].name, set->runs[i].name) == 0)
            return 1;
    return 0;
}

/* stem for a run: the file-safe run name, with -rID when another run has the same name */
static void run_stem(const rmn_report_set *set, int i, char *buf, size_t cap) {
    char safe[200];
    rmn_fig_safe_name(safe, sizeof safe, set->runs[i].name);
    if (name_is_dup(set, i))
        snprintf(buf, cap, "%s-r%lld", safe, (long long)set->runs[i].run_id);
    else
        snprintf(buf, cap, "%s", safe);
}

static int confusion_figure(rmn_store *s, const rmn_report_set *set, int i,
                            const rmn_report_eval *ev, const char *dir, int terms, FILE *log) {
    const rmn_report_run *r = &set->runs[i];
    int nc = ev->n_classes;
    if (nc > RMN_REPORT_MAX_CLASSES) { /* no figure of ImageNet's 1000 x 1000 */
        if (log)
            fprintf(log, "no confusion matrix for run %s: %d classes (at most %d)\n", r->name, nc,
                     RMN_REPORT_MAX_CLASSES);
        return RMN_OK;
    }
    char bufs[RMN_REPORT_MAX_CLASSES][32];
    const char *names[RMN_REPORT_MAX_CLASSES];
    for (int k = 0; k < nc; ++k)
        names[k] = rmn_report_class_name(r, nc, k, bufs[k], sizeof bufs[k]);
    int64_t *cm = calloc((size_t)nc * (size_t)nc, sizeof *cm);
    if (!cm)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a confusion matrix");
    int e = rmn_store_confusion(s, ev->eval_id, nc, cm);
    char rs[240], stem[300], title[600], tta[32] = "";
    run_stem(set, i, rs, sizeof rs);
    if (ev->tta_n > 0)
        snprintf(tta, sizeof tta, "-tta%d", ev->tta_n);
    snprintf(stem, sizeof stem, "cm-%s-%s%s", rs, set->split, tta);
    if (r->ensemble)
        snprintf(title, sizeof title, "Ensemble (%s), %s, %s%s", r->selection ? r->selection : "?",
                 r->name, set->split, ev->tta_n > 0 ? ", TTA" : "");
    else
        snprintf(title, sizeof title, "%s (%s), %s%s%s", rmn_report_run_label(r), r->name,
                 set->split, ev->tta_n > 0 ? ", TTA-" : "", ev->tta_n > 0 ? tta + 4 : "");
    char *script = NULL;
    if (e == RMN_OK)
        e = rmn_fig_confusion_script(cm, nc, names, title, stem, terms, &script);
    free(cm);
    if (e == RMN_OK)
        e = draw(dir, stem, script, log);
    free(script);
    return e;
}

static int curves_figure(rmn_store *s, const rmn_report_set *set, int i, const char *dir,
                         int terms, FILE *log) {
    const rmn_report_run *r = &set->runs[i];
    rmn_metric_table m;
    RMN_TRY(rmn_store_run_metrics(s, r->run_id, &m));
    char rs[240], stem[300], title[600];
    run_stem(set, i, rs, sizeof rs);
    snprintf(stem, sizeof stem, "curves-%s", rs);
    snprintf(title, sizeof title, "%s (%s)", rmn_report_run_label(r), r->name);
    char *script = NULL;
    int e = RMN_OK;
    if (m.n_epochs > 0)
        e = rmn_fig_curves_script(&m, title, stem, terms, &script);
    rmn_metric_table_free(&m);
    if (e == RMN_ENOTFOUND) { /* a run without curves is not an error: nothing to draw */
        rmn_error_clear();
        return RMN_OK;
    }
    if (e == RMN_OK && script)
        e = draw(dir, stem, script, log);
    free(script);
    return e;
}

/* "Ensemble (SELECTION)", with the run id when another ensemble of the set has that selection
 * (each is a key entry of the zoo plot) */
static void ensemble_label(const rmn_report_set *set, int i, char *buf, size_t cap) {
    const char *sel = set->runs[i].selection ? set->runs[i].selection : "?";
    int dup = 0;
    for (int j = set->n_single; j < set->n_runs; ++j)
        dup |= j != i && strcmp(set->runs[j].selection ? set->runs[j].selection : "?", sel) == 0;
    if (dup)
        snprintf(buf, cap, "Ensemble (%s, run %lld)", sel, (long long)set->runs[i].run_id);
    else
        snprintf(buf, cap, "Ensemble (%s)", sel);
}

static int zoo_figure(const rmn_report_set *set, const char *dir, int terms, FILE *log) {
    rmn_fig_point *p = calloc((size_t)set->n_runs + 1, sizeof *p);
    char **labels = calloc((size_t)set->n_runs + 1, sizeof *labels);
    if (!p || !labels) {
        free(p);
        free(labels);
        return RMN_ERROR(RMN_ENOMEM, "out of memory for the zoo plot");
    }
    int n = 0, e = RMN_OK;
    for (int i = 0; i < set->n_runs && e == RMN_OK;) {
        const rmn_report_run *r = &set->runs[i];
        int j = rmn_report_group_end(set, i);
        double sum = 0;
        int k = 0, tta_n = 0;
        for (int q = i; q < j; ++q) {
            const rmn_report_eval *h = rmn_report_headline(&set->runs[q]);
            if (h) {
                sum += 100 * h->acc;
                tta_n = k++ == 0 || h->tta_n == tta_n ? h->tta_n : -1;
            }
        }
        double params = (double)r->n_params;
        if (r->ensemble) {
            params = 0;
            for (int a = 0; a < r->n_members; ++a) {
                int seen = 0; /* a run counted once */
                for (int b = 0; b < a; ++b)
                    seen |= r->members[b].run_id == r->members[a].run_id;
                if (!seen)
                    params += (double)r->members[a].n_params;
            }
        }
        if (k > 0) {
            char buf[300];
            if (r->ensemble)
                ensemble_label(set, i, buf, sizeof buf);
            else
                rmn_report_group_label(set, i, buf, sizeof buf);
            labels[n] = strdup(buf);
            if (!labels[n]) {
                e = RMN_ERROR(RMN_ENOMEM, "out of memory for the zoo plot");
                break;
            }
            p[n].label = labels[n];
            p[n].params_m = params / 1e6;
            p[n].acc = sum / k;
            p[n].ensemble = r->ensemble;
            p[n].tta_n = tta_n;
            ++n;
        }
        i = j;
    }
    char stem[64], title[160], *script = NULL;
    snprintf(stem, sizeof stem, "zoo-%s", set->split);
    snprintf(title, sizeof title, "%s, %s: accuracy against size", rmn_report_dataset(set),
             rmn_report_split_words(set));
    if (e == RMN_OK) {
        e = rmn_fig_zoo_script(p, n, title, stem, terms, &script);
        if (e == RMN_ENOTFOUND) { /* no parameter counts: no plot */
            rmn_error_clear();
            e = RMN_OK;
        } else if (e == RMN_OK) {
            e = draw(dir, stem, script, log);
        }
    }
    free(script);
    for (int i = 0; i < n; ++i)
        free(labels[i]);
    free(labels);
    free(p);
    return e;
}

/* creates dir (and checks it is one) */
static int make_dir(const char *dir) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return RMN_ERROR(RMN_EIO, "%s: cannot create the figures directory: %s", dir,
                         strerror(errno));
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return RMN_ERROR(RMN_EIO, "%s: not a directory", dir);
    return RMN_OK;
}

int rmn_report_compare_figure(rmn_store *s, const char *const *refs, int n, const char *dir,
                              int terms, FILE *log) {
    if (n < 2 || n > RMN_FIG_COMPARE_MAX)
        return RMN_ERROR(RMN_EINVAL, "--compare takes 2 to %d runs, not %d", RMN_FIG_COMPARE_MAX, n);
    const char *prog;
    RMN_TRY(rmn_gnuplot_find(&prog)); /* before anything is created */
    rmn_metric_table tables[RMN_FIG_COMPARE_MAX];
    const rmn_metric_table *m[RMN_FIG_COMPARE_MAX];
    char names[RMN_FIG_COMPARE_MAX][200];
    const char *name_p[RMN_FIG_COMPARE_MAX];
    int64_t ids[RMN_FIG_COMPARE_MAX];
    int loaded = 0, e = RMN_OK;
    rmn_sbuf stem = {0}, title = {0};
    rmn_sbuf_puts(&stem, "compare");
    rmn_sbuf_puts(&title, "Training curves:");
    for (int i = 0; i < n && e == RMN_OK; ++i) {
        rmn_run_summary sum;
        if ((e = rmn_store_run_resolve(s, refs[i], &ids[i])) != RMN_OK ||
            (e = rmn_store_run_summary(s, ids[i], &sum)) != RMN_OK)
            break;
        snprintf(names[i], sizeof names[i], "%s (run %lld, %s)", sum.name ? sum.name : "?",
                 (long long)ids[i], sum.status ? sum.status : "?");
        char safe[200];
        rmn_fig_safe_name(safe, sizeof safe, sum.name);
        rmn_sbuf_printf(&stem, "%s%s", i ? "--" : "-", safe);
        rmn_sbuf_printf(&title, "%s %s", i ? "," : "", sum.name ? sum.name : "?");
        rmn_run_summary_clear(&sum);
        if ((e = rmn_store_run_metrics(s, ids[i], &tables[i])) != RMN_OK)
            break;
        loaded = i + 1;
        m[i] = &tables[i];
        name_p[i] = names[i];
        if (tables[i].n_epochs == 0)
            e = RMN_ERROR(RMN_EINVAL, "run '%s' has no epochs to compare yet", refs[i]);
    }
    char *stem_s = NULL, *title_s = NULL, *script = NULL;
    int e2 = rmn_sbuf_take(&stem, &stem_s), e3 = rmn_sbuf_take(&title, &title_s);
    if (e == RMN_OK)
        e = e2 != RMN_OK ? e2 : e3;
    if (e == RMN_OK && strlen(stem_s) > 150) { /* long names: the run ids instead */
        int at = snprintf(stem_s, 151, "compare-r");
        for (int i = 0; i < n && at < 150; ++i)
            at += snprintf(stem_s + at, (size_t)(151 - at), "%s%lld", i ? "-r" : "", (long long)ids[i]);
    }
    if (e == RMN_OK)
        e = rmn_fig_check_stem(stem_s);
    if (e == RMN_OK)
        e = rmn_fig_compare_script(m, name_p, n, title_s, stem_s, terms, &script);
    for (int i = 0; i < loaded; ++i)
        rmn_metric_table_free(&tables[i]);
    if (e == RMN_OK)
        e = make_dir(dir);
    if (e == RMN_OK)
        e = draw(dir, stem_s, script, log);
    free(script);
    free(stem_s);
    free(title_s);
    return e;
}

int rmn_report_figures(rmn_store *s, const rmn_report_set *set, const char *dir, int terms,
                       FILE *log) {
    const char *prog;
    RMN_TRY(rmn_gnuplot_find(&prog)); /* before anything is created */
    RMN_TRY(make_dir(dir));
    for (int i = 0; i < set->n_runs; ++i) {
        const rmn_report_run *r = &set->runs[i];
        if (r->plain.eval_id)
            RMN_TRY(confusion_figure(s, set, i, &r->plain, dir, terms, log));
        if (r->tta.eval_id)
            RMN_TRY(confusion_figure(s, set, i, &r->tta, dir, terms, log));
        if (!r->ensemble) {
            char rs[240];
            run_stem(set, i, rs, sizeof rs);
            RMN_TRY(curves_figure(s, set, i, dir, terms, log));
            RMN_TRY(rmn_report_run_figures(s, set, i, rs, dir, terms, log, draw));
        }
    }
    return zoo_figure(set, dir, terms, log);
}

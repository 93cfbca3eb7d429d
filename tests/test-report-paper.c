/* test-report-paper.c -- the paper's tables over the "paper" fixture (report-fixture.h): the
 * report set (evals of child runs, ensemble members mapped to the split), every table's numbers
 * recomputed here from the stored predictions, the LaTeX output against the golden file
 * tests/data/report-paper.tex (RMN_REGOLD=path rewrites it), the Markdown, CSV and JSON
 * renderings, locale independence, errors, and a pdflatex compile when $PDFLATEX is set. */
#include "core/error.h"
#include "report/paper.h"
#include "report/report.h"
#include "report/set.h"
#include "report/stats.h"
#include "report/table.h"
#include "store/store.h"
#include "tap.h"
#include "store-util.h"
#include "report-fixture.h"

#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    b[got] = '\0';
    fclose(f);
    return b;
}

static char *render(const rmn_table *t, int n, rmn_report_format fmt) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int st = rmn_tables_write(t, n, fmt, f);
    fclose(f);
    if (st != RMN_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

static const rmn_report_run *find(const rmn_report_set *set, const char *name) {
    for (int i = 0; i < set->n_runs; ++i)
        if (strcmp(set->runs[i].name, name) == 0)
            return &set->runs[i];
    return NULL;
}

static int row_of(const rmn_table *t, int col, const char *text) {
    for (int r = 0; r < t->n_rows; ++r) {
        const rmn_cell *c = &t->cells[r * t->n_cols + col];
        if (c->kind == RMN_CELL_TEXT && strcmp(c->text, text) == 0)
            return r;
    }
    return -1;
}

static const rmn_cell *cell(const rmn_table *t, int r, int c) { return &t->cells[r * t->n_cols + c]; }

static void test_set(rmn_store *s, const pf_ids *ids) {
    rmn_report_query q = {.experiment = "paper"};
    rmn_report_set set;
    TAP_OK(rmn_report_set_load(s, &q, &set) == RMN_OK, "set of experiment paper loads");
    TAP_OK(set.n_runs == 10 && set.n_single == 7, "7 single-model runs and 3 ensembles (eval child "
                                                  "run folded in): %d, %d", set.n_runs, set.n_single);
    const rmn_report_run *r18 = find(&set, "resnet18-s1");
    TAP_OK(r18 && r18->tta.eval_id == ids->test_tta[2] && r18->plain.eval_id > 0,
           "a TTA eval stored in a child 'eval' run counts for its parent");
    TAP_OK(strcmp(set.runs[0].model, "cbam_resnet50") == 0 && set.runs[7].ensemble &&
               strcmp(set.runs[7].selection, "fixed") == 0 &&
               strcmp(set.runs[9].selection, "test") == 0,
           "order: models by name, then ensembles fixed, val, test");
    const rmn_report_run *ev = find(&set, "ensemble-val");
    TAP_OK(ev && ev->n_members == 3 && ev->members[0].eval.eval_id == ids->test_tta[6] &&
               ev->tta.tta_n == 8,
           "ensemble members: their test TTA evals, ordered by model");
    rmn_report_set_free(&set);

    /* on val the members map to their runs' val TTA evals */
    q.split = "val";
    TAP_OK(rmn_report_set_load(s, &q, &set) == RMN_OK, "val set loads");
    ev = find(&set, "ensemble-val");
    TAP_OK(ev && ev->members[0].eval.eval_id == ids->val_tta[6] &&
               ev->members[2].eval.eval_id == ids->val_tta[2] && ev->tta.n_samples == PF_N_VAL,
           "on val each member is its run's val eval with the same tta_n");
    rmn_report_set_free(&set);

    const char *refs[] = {"resmasking-s1", "vgg19-s2"};
    rmn_report_query q2 = {.runs = refs, .n_runs = 2};
    TAP_OK(rmn_report_set_load(s, &q2, &set) == RMN_OK && set.n_runs == 2 && set.n_single == 2,
           "--runs picks exactly the runs named");
    rmn_table t;
    TAP_OK(rmn_paper_ensemble(s, &set, NULL, &t) == RMN_ENOTFOUND,
           "ensemble table without ensembles: ENOTFOUND");
    rmn_table *tt;
    int n;
    TAP_OK(rmn_paper_tables(s, &set, NULL, NULL, &tt, &n) == RMN_OK && n == 3,
           "all tables without ensembles: zoo, perclass, stats");
    rmn_paper_tables_free(tt, n);
    TAP_OK(rmn_paper_tables(s, &set, NULL, "zoo,nonsense", &tt, &n) == RMN_EINVAL,
           "an unknown table name: EINVAL (%s)", rmn_error_message());
    rmn_report_set_free(&set);

    const char *bad[] = {"resnet18-s1-tta"};
    rmn_report_query q3 = {.runs = bad, .n_runs = 1};
    TAP_OK(rmn_report_set_load(s, &q3, &set) == RMN_EINVAL, "naming an 'eval' run: EINVAL (%s)",
           rmn_error_message());
    const char *dup[] = {"vgg19-s1", "vgg19-s1"};
    rmn_report_query q4 = {.runs = dup, .n_runs = 2};
    TAP_OK(rmn_report_set_load(s, &q4, &set) == RMN_EINVAL, "a run named twice: EINVAL");
    const char *none[] = {"no-such-run"};
    rmn_report_query q5 = {.runs = none, .n_runs = 1};
    TAP_OK(rmn_report_set_load(s, &q5, &set) == RMN_ENOTFOUND, "an unknown run: ENOTFOUND");
    rmn_report_query q6 = {.experiment = "paper", .split = "train"};
    TAP_OK(rmn_report_set_load(s, &q6, &set) == RMN_EINVAL, "split train: EINVAL");
}

/* the numbers of each table, recomputed from the stored predictions */
static void test_numbers(rmn_store *s, const pf_ids *ids, const rmn_table *t, int n) {
    TAP_OK(n == 4 && strcmp(t[0].name, "zoo") == 0 && strcmp(t[1].name, "ensemble") == 0 &&
               strcmp(t[2].name, "perclass") == 0 && strcmp(t[3].name, "stats") == 0,
           "four tables: zoo, ensemble, perclass, stats");
    /* zoo: vgg19 has 3 seeds: mean and sd of the three plain test accuracies */
    rmn_eval_summary *ev;
    int ne;
    double acc[3];
    for (int k = 0; k < 3; ++k) {
        rmn_store_run_evals(s, ids->run[3 + k], &ev, &ne);
        for (int j = 0; j < ne; ++j)
            if (strcmp(ev[j].split, "test") == 0 && ev[j].tta_n == 0)
                acc[k] = 100 * ev[j].accuracy;
        rmn_store_evals_free(ev);
    }
    double m, sd;
    rmn_stats_mean_sd(acc, 3, &m, &sd);
    int r = row_of(&t[0], 0, "vgg19");
    TAP_OK(r >= 0 && cell(&t[0], r, 2)->i == 3, "zoo: vgg19 has 3 seeds");
    TAP_NEAR(cell(&t[0], r, 3)->v, m, 1e-12, "zoo: vgg19 mean test accuracy");
    TAP_NEAR(cell(&t[0], r, 3)->sd, sd, 1e-12, "zoo: vgg19 sd over seeds");
    r = row_of(&t[0], 0, "resmasking");
    TAP_OK(r >= 0 && cell(&t[0], r, 4)->bold, "zoo: the best TTA accuracy (resmasking) is bold");
    r = row_of(&t[0], 0, "resnet18");
    TAP_OK(r >= 0 && cell(&t[0], r, 3)->kind == RMN_CELL_PM && isnan(cell(&t[0], r, 3)->sd),
           "zoo: a single seed has no sd");

    /* perclass: counts row and resnet18's recall from rmn_store_confusion */
    int64_t cm[49];
    rmn_store_confusion(s, ids->test_tta[2], 7, cm);
    r = row_of(&t[2], 0, "resnet18");
    int rc_ok = r >= 0, counts_ok = 1;
    for (int c = 0; rc_ok && c < 7; ++c) {
        int64_t tot = 0;
        for (int j = 0; j < 7; ++j)
            tot += cm[c * 7 + j];
        rc_ok &= fabs(cell(&t[2], r, 1 + c)->v - 100.0 * (double)cm[c * 7 + c] / (double)tot) < 1e-9;
        counts_ok &= cell(&t[2], 0, 1 + c)->i == PF_CLASS_N[c];
    }
    TAP_OK(counts_ok, "perclass: first row holds the class counts (Disgust %lld)",
           (long long)cell(&t[2], 0, 2)->i);
    TAP_OK(rc_ok, "perclass: recall = diagonal / row sum of the stored confusion counts");

    /* stats: McNemar of vgg19-s1 (plain) against the best (resmasking-s1 TTA) */
    int ref = -1;
    for (int k = 0; k < t[3].n_rows; ++k)
        if (cell(&t[3], k, 8)->kind == RMN_CELL_TEXT)
            ref = k;
    TAP_OK(ref >= 0 && strcmp(cell(&t[3], ref, 1)->text, "resmasking-s1") == 0 &&
               cell(&t[3], ref, 2)->i == 8,
           "stats: the reference is the best single-model accuracy (resmasking-s1, TTA-8)");
    rmn_eval_data a, b;
    rmn_store_eval_load(s, ids->test_tta[0], &a);
    rmn_store_run_evals(s, ids->run[3], &ev, &ne);
    int64_t plain = 0;
    for (int j = 0; j < ne; ++j)
        if (strcmp(ev[j].split, "test") == 0 && ev[j].tta_n == 0)
            plain = ev[j].eval_id;
    rmn_store_evals_free(ev);
    rmn_store_eval_load(s, plain, &b);
    int64_t nb = 0, nc = 0, k_ok = 0;
    for (int i = 0; i < a.n_samples; ++i) {
        int ca = a.labels[i] == a.preds[i], cb = b.labels[i] == b.preds[i];
        nb += ca && !cb;
        nc += !ca && cb;
        k_ok += cb;
    }
    int row = -1;
    for (int k = 0; k < t[3].n_rows; ++k)
        if (strcmp(cell(&t[3], k, 1)->text, "vgg19-s1") == 0 && cell(&t[3], k, 2)->i == 0)
            row = k;
    TAP_OK(row >= 0 && cell(&t[3], row, 6)->i == nb && cell(&t[3], row, 7)->i == nc,
           "stats: discordant pairs b=%lld c=%lld from the predictions", (long long)nb,
           (long long)nc);
    TAP_NEAR(cell(&t[3], row, 8)->v, rmn_stats_mcnemar_exact(nb, nc), 1e-12, "stats: McNemar p");
    double lo, hi;
    rmn_stats_wilson(k_ok, b.n_samples, 0.95, &lo, &hi);
    TAP_NEAR(cell(&t[3], row, 5)->lo, 100 * lo, 1e-9, "stats: Wilson lower bound");
    TAP_NEAR(cell(&t[3], row, 5)->hi, 100 * hi, 1e-9, "stats: Wilson upper bound");
    rmn_eval_data_free(&a);
    rmn_eval_data_free(&b);

    /* ensemble: selection labels, members, gain = ensemble - best member on the same images */
    TAP_OK(t[1].n_rows == 3 && strstr(cell(&t[1], 2, 0)->text, "optimistic upper bound") &&
               strstr(cell(&t[1], 1, 0)->text, "validation") && cell(&t[1], 0, 1)->i == 6,
           "ensemble: three rows labelled by selection, the fixed one with 6 members");
    TAP_OK(strcmp(cell(&t[1], 1, 2)->text, "cbam_resnet50-s1, resmasking-s1, resnet18-s1-tta") == 0,
           "ensemble: member list (%s)", cell(&t[1], 1, 2)->text);
    TAP_NEAR(cell(&t[1], 1, 5)->v, cell(&t[1], 1, 3)->v - cell(&t[1], 1, 4)->v, 1e-9,
             "ensemble: gain = accuracy - best member's");
    TAP_OK(cell(&t[1], 1, 6)->kind == RMN_CELL_CI && cell(&t[1], 1, 6)->lo <= cell(&t[1], 1, 5)->v &&
               cell(&t[1], 1, 6)->hi >= cell(&t[1], 1, 5)->v,
           "ensemble: the bootstrap interval contains the gain");
}

static void test_formats(rmn_store *s, const rmn_table *t, int n, const char *dir) {
    char *tex = render(t, n, RMN_FMT_LATEX);
    TAP_OK(tex != NULL, "LaTeX rendered");
    const char *regold = getenv("RMN_REGOLD");
    if (regold && *regold) {
        FILE *g = fopen(regold, "w");
        fputs(tex, g);
        fclose(g);
        tap_diag("wrote %s", regold);
    }
    const char *srcdir = getenv("RMN_SRCDIR");
    char golden_path[1024];
    snprintf(golden_path, sizeof golden_path, "%s/tests/data/report-paper.tex",
             srcdir && *srcdir ? srcdir : ".");
    char *golden = slurp(golden_path);
    int same = golden && tex && strcmp(golden, tex) == 0;
    TAP_OK(same, "LaTeX tables match the golden file %s", golden_path);
    if (!same && tex)
        printf("# --- got ---\n%s# --- end ---\n", tex);
    TAP_OK(tex && strstr(tex, "\\toprule") && strstr(tex, "\\bottomrule") &&
               strstr(tex, "S[table-format=2.2(3), mode=math]") && strstr(tex, "\\pm ") &&
               strstr(tex, "\\label{tab:zoo}") && strstr(tex, "cbam\\_resnet50"),
           "LaTeX: booktabs rules, siunitx columns with uncertainty, labels, escaping");

    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        char *tex2 = render(t, n, RMN_FMT_LATEX);
        TAP_OK(tex && tex2 && strcmp(tex, tex2) == 0, "LaTeX independent of LC_NUMERIC");
        free(tex2);
        setlocale(LC_NUMERIC, "C");
    } else {
        TAP_SKIP("no de_DE or fr_FR locale installed");
    }

    char *md = render(t, n, RMN_FMT_MARKDOWN);
    TAP_OK(md && strstr(md, "## zoo\n\n| Model | Params (x10^6) | Seeds |") &&
               strstr(md, "|:---|---:|") && strstr(md, " ± ") && strstr(md, "**") &&
               strstr(md, "\nTable: Accuracy (%)"),
           "Markdown: pipe tables with header, alignment, +/- and bold, captions");
    free(md);

    TAP_OK(render(t, n, RMN_FMT_CSV) == NULL && rmn_error_code() == RMN_EINVAL &&
               strstr(rmn_error_message(), "one table per file"),
           "CSV: several tables in one stream are refused (%s)", rmn_error_message());
    char *csv = NULL;
    size_t csv_len = 0;
    FILE *cf = open_memstream(&csv, &csv_len);
    for (int i = 0; i < n; ++i) { /* each table on its own, as --out-dir writes them */
        char *one = render(&t[i], 1, RMN_FMT_CSV);
        fprintf(cf, "%s", one ? one : "(failed)");
        free(one);
    }
    fclose(cf);
    TAP_OK(csv && strncmp(csv, "model,params_m,seeds,acc_frac,acc_sd_frac,acc_tta_frac,acc_tta_sd_frac\n", 71) == 0 &&
               !strstr(csv, "# table") &&
               strstr(csv, "\nvgg19,139.58,3,") && strstr(csv, "ci95_lo_frac,ci95_hi_frac") &&
               strstr(csv, "\"cbam_resnet50-s1, resmasking-s1, resnet18-s1-tta\""),
           "CSV: keys as header, sd and interval split in two columns, percent columns as "
           "fractions (_frac), quoting");
    free(csv);

    char *js = render(t, n, RMN_FMT_JSON);
    json_error_t jerr;
    json_t *root = js ? json_loads(js, 0, &jerr) : NULL;
    json_t *zoo = json_object_get(root, "zoo"), *rows = json_object_get(zoo, "rows");
    int ok = json_is_array(rows) && json_array_size(rows) == 4;
    json_t *v = ok ? json_array_get(rows, 3) : NULL;
    TAP_OK(ok && strcmp(json_string_value(json_object_get(v, "model")), "vgg19") == 0 &&
               json_integer_value(json_object_get(v, "acc_n")) == 3 &&
               json_is_real(json_object_get(v, "acc_sd_frac")) &&
               json_real_value(json_object_get(v, "acc_frac")) > 0 &&
               json_real_value(json_object_get(v, "acc_frac")) < 1,
           "JSON: one object per table, rows with mean, sd and n (accuracies as fractions)");
    json_t *st = json_object_get(json_object_get(root, "stats"), "rows");
    TAP_OK(json_is_array(st) && json_array_size(st) == 17 &&
               json_is_real(json_object_get(json_array_get(st, 0), "ci95_lo_frac")),
           "JSON: stats rows with interval bounds");
    json_decref(root);
    free(js);

    char path[1100];
    snprintf(path, sizeof path, "%s/paper.tex", dir);
    FILE *f = fopen(path, "w");
    rmn_report_latex_begin_document(f);
    fputs(tex, f);
    rmn_report_latex_runs(s, "paper", f);
    rmn_report_latex_end_document(f);
    fclose(f);
    report_compile_check(dir, "paper", "a document with every table");
    free(golden);
    free(tex);
}

int main(void) {
    const char *dir = tu_tmpdir();
    char path[700];
    snprintf(path, sizeof path, "%s/paper.db", dir);
    rmn_store *s = NULL;
    RMN_ASSERT(rmn_store_open(path, &s) == RMN_OK);
    pf_ids ids;
    report_fixture_paper(s, &ids);

    test_set(s, &ids);

    rmn_report_query q = {.experiment = "paper"};
    rmn_report_set set;
    RMN_ASSERT(rmn_report_set_load(s, &q, &set) == RMN_OK);
    rmn_table *t = NULL;
    int n = 0;
    rmn_paper_options po = {.n_boot = 2000, .seed = 1234};
    TAP_OK(rmn_paper_tables(s, &set, &po, NULL, &t, &n) == RMN_OK, "all tables built");
    test_numbers(s, &ids, t, n);
    test_formats(s, t, n, dir);
    rmn_paper_tables_free(t, n);
    rmn_report_set_free(&set);

    rmn_store_close(s);
    tu_rmrf(dir);
    return tap_done();
}

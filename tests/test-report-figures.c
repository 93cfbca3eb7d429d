/* test-report-figures.c -- the gnuplot figures: the confusion datablock equals the stored counts
 * (and its fractions are the row-normalised counts), learning-rate drops in the curves script,
 * scripts run with the dumb terminal, every figure of the paper fixture drawn as valid PDF and
 * PNG files (and cairolatex pieces) with nothing temporary left, the zoo plot's key and stated
 * TTA, the several-run curves' data, gnuplot errors reported with
 * the script line, and a missing gnuplot. Drawing checks skip when gnuplot is absent. */
#include "core/error.h"
#include "report/figures.h"
#include "report/gnuplot.h"
#include "report/set.h"
#include "store/store.h"
#include "tap.h"
#include "store-util.h"
#include "report-fixture.h"

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

/* parses the $cm datablock of a script into counts and fractions; returns the cells read */
static int parse_cm(const char *script, int64_t *counts, double *frac) {
    const char *p = strstr(script, "$cm << EOD\n");
    if (!p)
        return -1;
    p = strchr(p, '\n') + 1;
    int cells = 0;
    while (*p && strncmp(p, "EOD\n", 4) != 0) {
        int i, j;
        long long n;
        double f;
        if (*p != '#' && *p != '\n' && sscanf(p, "%d %d %lld %lf", &i, &j, &n, &f) == 4 &&
            i >= 0 && i < 7 && j >= 0 && j < 7) {
            counts[i * 7 + j] = n;
            frac[i * 7 + j] = f;
            ++cells;
        }
        p = strchr(p, '\n');
        if (!p)
            return -1;
        ++p;
    }
    return cells;
}

static int file_starts(const char *path, const char *magic, size_t n) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char buf[16] = {0};
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    return got == n && memcmp(buf, magic, n) == 0;
}

static int exists(const char *dir, const char *name) {
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat sb;
    return stat(p, &sb) == 0 && sb.st_size > 0;
}

static int count_entries(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            ++n;
    closedir(d);
    return n;
}

static void test_confusion_data(rmn_store *s, const pf_ids *ids) {
    int64_t stored[49], sent[49];
    double frac[49];
    rmn_store_confusion(s, ids->test_tta[0], 7, stored);
    char *script = NULL;
    TAP_OK(rmn_fig_confusion_script(stored, 7, NULL, "resmasking_x (run) 100%", "cm-x",
                                    RMN_FIG_PAPER, &script) == RMN_OK,
           "confusion script built");
    TAP_OK(parse_cm(script, sent, frac) == 49, "datablock has 49 cells");
    int same = 1, rows_ok = 1;
    for (int i = 0; i < 7; ++i) {
        double sum = 0;
        int64_t tot = 0;
        for (int j = 0; j < 7; ++j) {
            same &= sent[i * 7 + j] == stored[i * 7 + j];
            sum += frac[i * 7 + j];
            tot += stored[i * 7 + j];
        }
        for (int j = 0; j < 7; ++j)
            rows_ok &= fabs(frac[i * 7 + j] - (double)stored[i * 7 + j] / (double)tot) <= 5e-5;
        rows_ok &= fabs(sum - 1) < 5e-4;
    }
    TAP_OK(same, "the counts sent to gnuplot equal the stored confusion counts");
    TAP_OK(rows_ok, "fractions are the counts normalised by row (true class)");
    TAP_OK(strstr(script, "set cbrange [0:1]") && strstr(script, "set yrange [6.5:-0.5]") &&
               strstr(script, "'Angry' 0") && strstr(script, "'Neutral' 6") &&
               strstr(script, "0xffffff"),
           "fixed colour scale, true class 0 on top, thesis class order, white text on dark");
    TAP_OK(strstr(script, "set terminal pdfcairo") && strstr(script, "set terminal pngcairo") &&
               strstr(script, "set terminal cairolatex pdf input colortext") &&
               strstr(script, "'resmasking\\_x (run) 100\\%'") &&
               strstr(script, "'resmasking_x (run) 100%'"),
           "three terminals; the title LaTeX-escaped only for cairolatex");
    free(script);

    int64_t empty[49] = {0};
    empty[0] = 3;
    rmn_fig_confusion_script(empty, 7, NULL, "t", "cm-e", RMN_FIG_DUMB, &script);
    parse_cm(script, sent, frac);
    TAP_OK(frac[0] == 1 && frac[7] == 0 && frac[8] == 0, "a class without images: a row of 0");
    free(script);
    TAP_OK(rmn_fig_confusion_script(empty, 7, NULL, "t", "bad name", RMN_FIG_DUMB, &script) ==
               RMN_EINVAL,
           "an unsafe figure name: EINVAL");
}

static void test_curves(rmn_store *s, const pf_ids *ids) {
    rmn_metric_table m;
    rmn_store_run_metrics(s, ids->run[0], &m);
    char *script = NULL;
    TAP_OK(rmn_fig_curves_script(&m, "resmasking", "curves-x", RMN_FIG_PAPER, &script) == RMN_OK,
           "curves script built");
    TAP_OK(strstr(script, "at epochs: 4 6\n") != NULL, "learning-rate drops found at epochs 4, 6");
    TAP_OK(strstr(script, "set arrow from 4, graph 0 to 4, graph 1") &&
               strstr(script, "title 'lr drop'") && strstr(script, "title 'val'"),
           "drops marked, train and val curves");
    free(script);
    rmn_metric_table_free(&m);
    rmn_metric_table none = {0};
    TAP_OK(rmn_fig_curves_script(&none, "x", "curves-y", RMN_FIG_PAPER, &script) == RMN_ENOTFOUND,
           "no epochs: ENOTFOUND");
}

/* number of (non-overlapping) occurrences of needle in hay */
static int count_of(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        ++n;
    return n;
}

static void test_zoo(void) {
    rmn_fig_point p[] = {{"resnet18", 11.18, 70.25, 0, 8},
                         {"resmasking", 142.9, 74.5, 0, 8},
                         {"no params", 0, 60, 0, 8},
                         {"Ensemble (val)", 154.1, 76.8, 1, 8}};
    char *script = NULL;
    TAP_OK(rmn_fig_zoo_script(p, 4, "zoo", "zoo-x", RMN_FIG_PNG | RMN_FIG_LATEX, &script) == RMN_OK,
           "zoo script built");
    TAP_OK(script && strstr(script, "11.180000 70.2500 0 8 \"resnet18\"\n") &&
               strstr(script, "154.100000 76.8000 1 8 \"Ensemble (val)\"\nEOD") &&
               !strstr(script, "no params"),
           "datablock: params, accuracy, ensemble, TTA and label per plotted point");
    TAP_OK(script && !strstr(script, "with labels") && count_of(script, " title 'resnet18'") == 2 &&
               count_of(script, "every ::2::2 using 1:2 with points pt 5") == 2,
           "no label beside a point: each point is its own key entry (ensembles as squares)");
    TAP_OK(script && strstr(script, "set ylabel 'Accuracy (%), TTA-8'") &&
               strstr(script, "set ylabel 'Accuracy (\\%), TTA-8'"),
           "the y label states TTA-8 (LaTeX-escaped for cairolatex)");
    TAP_OK(script && strstr(script, "lc rgb '#1f77b4'") && strstr(script, "lc rgb '#ff7f0e'"),
           "points in distinct colours");
    free(script);
    p[1].tta_n = 0;
    p[3].tta_n = -1;
    rmn_fig_zoo_script(p, 4, "zoo", "zoo-x", RMN_FIG_PNG, &script);
    TAP_OK(script && strstr(script, "TTA as in the key") && strstr(script, "title 'resnet18 (TTA-8)'") &&
               strstr(script, "title 'resmasking (no TTA)'") &&
               strstr(script, "title 'Ensemble (val) (TTA mixed over seeds)'"),
           "models with different TTA: each key entry states its own");
    free(script);
    rmn_fig_point same[] = {{"Ensemble (val)", 0.3, 42.4, 1, 10}, {"Ensemble (fixed)", 0.3, 42.4, 1, 10},
                            {"democnn", 0.3, 42.4, 0, 10}};
    rmn_fig_zoo_script(same, 3, "zoo", "zoo-x", RMN_FIG_PNG, &script);
    TAP_OK(script && strstr(script, "every ::0::0 using 1:2 with points pt 5 ps 1.6 ") &&
               strstr(script, "every ::1::1 using 1:2 with points pt 4 ps 2.4 ") &&
               strstr(script, "every ::2::2 using 1:2 with points pt 6 ps 3.0 "),
           "points in one place: each later one a larger open ring around the earlier ones");
    free(script);
}

static void test_compare(rmn_store *s, const pf_ids *ids) {
    rmn_metric_table a, b;
    rmn_store_run_metrics(s, ids->run[0], &a);
    rmn_store_run_metrics(s, ids->run[3], &b);
    const rmn_metric_table *m[2] = {&a, &b};
    const char *names[2] = {"run-a", "run_b"};
    char *script = NULL;
    TAP_OK(rmn_fig_compare_script(m, names, 2, "cmp", "compare-x", RMN_FIG_PNG | RMN_FIG_LATEX,
                                  &script) == RMN_OK,
           "compare script built");
    /* the datablock of run b read back against its metrics */
    int ok = script != NULL, lines = 0;
    const char *p = script ? strstr(script, "$r1 << EOD\n") : NULL;
    ok &= p != NULL;
    int kva = -1, kta = -1, kvl = -1;
    for (int k = 0; k < b.n_keys; ++k) {
        kva = strcmp(b.keys[k], "val_acc") == 0 ? k : kva;
        kta = strcmp(b.keys[k], "train_acc") == 0 ? k : kta;
        kvl = strcmp(b.keys[k], "val_loss") == 0 ? k : kvl;
    }
    if (p)
        p = strchr(strchr(p, '\n') + 1, '\n') + 1; /* past the header and column comment */
    while (ok && p && strncmp(p, "EOD", 3) != 0 && lines < b.n_epochs) {
        long long ep;
        double tl, vl, ta, va;
        ok &= sscanf(p, "%lld %lf %lf %lf %lf", &ep, &tl, &vl, &ta, &va) == 5;
        const double *row = &b.values[(size_t)lines * (size_t)b.n_keys];
        ok &= ep == b.epochs[lines] && fabs(va - 100 * row[kva]) < 1e-5 &&
              fabs(ta - 100 * row[kta]) < 1e-5 && fabs(vl - row[kvl]) < 1e-6;
        ++lines;
        p = strchr(p, '\n') + 1;
    }
    TAP_OK(ok && lines == b.n_epochs && p && strncmp(p, "EOD", 3) == 0,
           "run 2's datablock: its %d epochs, losses and accuracies (%%) as stored", lines);
    TAP_OK(script && count_of(script, "title 'run-a'") == 4 && count_of(script, "title 'run\\_b'") == 2 &&
               count_of(script, "title 'run_b'") == 2 &&
               count_of(script, "lines dt 2") >= 4,
           "both runs in the key of both panels of both terminals (escaped for LaTeX), train dashed");
    free(script);
    TAP_OK(rmn_fig_compare_script(m, names, 1, "cmp", "compare-x", RMN_FIG_PNG, &script) ==
               RMN_EINVAL,
           "one run: EINVAL");
    rmn_metric_table_free(&a);
    rmn_metric_table_free(&b);
}

static void test_drawing(rmn_store *s, const pf_ids *ids, const char *dir) {
    const char *prog;
    if (rmn_gnuplot_find(&prog) != RMN_OK) {
        TAP_SKIP("gnuplot not installed: nothing drawn");
        return;
    }
    /* dumb terminal: the script logic without images */
    int64_t cm[49];
    rmn_store_confusion(s, ids->test_tta[0], 7, cm);
    char *script = NULL, sub[900], txt[1000];
    rmn_fig_confusion_script(cm, 7, NULL, "dumb test", "cm-dumb", RMN_FIG_DUMB, &script);
    snprintf(sub, sizeof sub, "%s/dumb", dir);
    mkdir(sub, 0777);
    TAP_OK(rmn_gnuplot_run(sub, "cm-dumb", script) == RMN_OK, "dumb terminal run: %s",
           rmn_error_message());
    free(script);
    snprintf(txt, sizeof txt, "%s/cm-dumb.txt", sub);
    FILE *f = fopen(txt, "r");
    char page[20000] = {0};
    if (f) {
        size_t got = fread(page, 1, sizeof page - 1, f);
        page[got] = '\0';
        fclose(f);
    }
    char label[32];
    snprintf(label, sizeof label, "(%lld)", (long long)cm[3 * 7 + 3]);
    TAP_OK(strstr(page, "Angry") && strstr(page, "Neutral") && strstr(page, label) &&
               strstr(page, "Predicted label"),
           "dumb output shows class names, counts %s and axis labels", label);

    /* an error in a script: named with its line */
    TAP_OK(rmn_gnuplot_run(sub, "broken", "set terminal dumb\nset output 'b.txt'\n"
                                          "plot sin(x)\nset nonsense_option 3\n") == RMN_EINTERNAL,
           "a failing script: EINTERNAL");
    const char *msg = rmn_error_message();
    TAP_OK(strstr(msg, "broken.gp line 4") && strstr(msg, "set nonsense_option 3"),
           "the error names the script, line 4 and its text: %s", msg);

    /* every figure of the paper fixture */
    rmn_report_query q = {.experiment = "paper"};
    rmn_report_set set;
    rmn_report_set_load(s, &q, &set);
    char figs[900];
    snprintf(figs, sizeof figs, "%s/figs", dir);
    TAP_OK(rmn_report_figures(s, &set, figs, RMN_FIG_PAPER, NULL) == RMN_OK, "figures drawn: %s",
           rmn_error_message());
    rmn_report_set_free(&set);
    TAP_OK(exists(figs, "cm-resmasking-s1-test-tta8.pdf") && exists(figs, "cm-resmasking-s1-test-tta8.png") &&
               exists(figs, "cm-resmasking-s1-test-tta8-tex.tex") &&
               exists(figs, "cm-resmasking-s1-test-tta8-tex.pdf") &&
               exists(figs, "cm-resmasking-s1-test-tta8.gp") && exists(figs, "cm-resmasking-s1-test.png") &&
               exists(figs, "cm-ensemble-val-test-tta8.pdf"),
           "confusion matrices of plain, TTA and ensemble evals in PDF, PNG and cairolatex");
    TAP_OK(exists(figs, "curves-vgg19-s2.pdf") && exists(figs, "curves-vgg19-s2.png") &&
               exists(figs, "zoo-test.pdf") && exists(figs, "zoo-test.png") &&
               exists(figs, "zoo-test-tex.tex"),
           "training curves and the zoo plot");
    char p1[1200], p2[1200], p3[1200];
    snprintf(p1, sizeof p1, "%s/cm-vgg19-s3-test.pdf", figs);
    snprintf(p2, sizeof p2, "%s/cm-vgg19-s3-test.png", figs);
    snprintf(p3, sizeof p3, "%s/zoo-test.png", figs);
    TAP_OK(file_starts(p1, "%PDF-", 5), "a valid PDF header");
    TAP_OK(file_starts(p2, "\x89PNG\r\n\x1a\n", 8) && file_starts(p3, "\x89PNG\r\n\x1a\n", 8),
           "valid PNG signatures");
    TAP_OK(count_entries(figs, "cm-") == 17 * 5 && count_entries(figs, ".rmn-fig-") == 0,
           "five files per eval (%d cm- files), no temporary directory left",
           count_entries(figs, "cm-"));
    snprintf(p1, sizeof p1, "%s/cm-vgg19-s3-test-tex.tex", figs);
    f = fopen(p1, "r");
    int colour = 0;
    if (f) {
        char line[4096];
        while (fgets(line, sizeof line, f))
            colour |= strstr(line, "\\colorrgb{1.00,1.00,1.00}") != NULL;
        fclose(f);
    }
    TAP_OK(colour, "cairolatex keeps white label text (colortext)");
    const char *pdflatex = getenv("PDFLATEX");
    if (pdflatex && *pdflatex && access(pdflatex, X_OK) == 0) {
        char doc[1200], cmd[3000];
        snprintf(doc, sizeof doc, "%s/fig.tex", figs);
        f = fopen(doc, "w");
        fputs("\\documentclass{article}\n\\usepackage{graphicx}\n\\usepackage{xcolor}\n"
              "\\begin{document}\n\\input{cm-vgg19-s3-test-tex.tex}\n"
              "\\input{curves-vgg19-s3-tex.tex}\n\\end{document}\n", f);
        fclose(f);
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && '%s' -interaction=nonstopmode -halt-on-error fig.tex >fig.out 2>&1",
                 figs, pdflatex);
        TAP_OK(system(cmd) == 0 && exists(figs, "fig.pdf"),
               "a document including cairolatex figures compiles");
    } else {
        TAP_SKIP("pdflatex not installed");
    }

    /* gnuplot missing: a clear error, nothing created */
    setenv("RMN_GNUPLOT", "/nonexistent/gnuplot", 1);
    rmn_report_set_load(s, &q, &set);
    char none[900];
    snprintf(none, sizeof none, "%s/none", dir);
    TAP_OK(rmn_report_figures(s, &set, none, RMN_FIG_PAPER, NULL) == RMN_ENOTFOUND &&
               strstr(rmn_error_message(), "/nonexistent/gnuplot") && access(none, F_OK) != 0,
           "RMN_GNUPLOT naming no program: ENOTFOUND, nothing created (%s)", rmn_error_message());
    rmn_report_set_free(&set);
    unsetenv("RMN_GNUPLOT");
}

int main(void) {
    const char *dir = tu_tmpdir();
    char path[700];
    snprintf(path, sizeof path, "%s/fig.db", dir);
    rmn_store *s = NULL;
    RMN_ASSERT(rmn_store_open(path, &s) == RMN_OK);
    pf_ids ids;
    report_fixture_paper(s, &ids);
    test_confusion_data(s, &ids);
    test_curves(s, &ids);
    test_zoo();
    test_compare(s, &ids);
    test_drawing(s, &ids, dir);
    rmn_store_close(s);
    tu_rmrf(dir);
    return tap_done();
}

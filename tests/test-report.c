/* test-report.c -- reports over a store built here: the LaTeX table against the golden file
 * tests/data/report-runs.tex (and compiled with $PDFLATEX when set), the run listing (text and
 * JSON) and `show` for one run.
 * To regenerate the golden after an intended change: RMN_REGOLD=path/to/report-runs.tex. */
#include "core/error.h"
#include "report/report.h"
#include "store/store.h"
#include "tap.h"
#include "store-util.h"
#include "report-fixture.h"

#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *slurp(const char *path, size_t *len) {
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
    if (len)
        *len = got;
    return b;
}

/* Runs fn into a memory buffer; returns the text (caller frees) and the status in *st. */
static char *capture(int (*fn)(rmn_store *, const char *, FILE *), rmn_store *s, const char *arg,
                     int *st) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *st = fn(s, arg, f);
    fclose(f);
    return buf;
}

static void test_latex(rmn_store *s, const char *dir) {
    int st;
    char *tex = capture(rmn_report_latex_runs, s, "zoo", &st);
    TAP_OK(st == RMN_OK, "latex table generated");
    const char *regold = getenv("RMN_REGOLD");
    if (regold && *regold) {
        FILE *g = fopen(regold, "w");
        fputs(tex, g);
        fclose(g);
        tap_diag("wrote %s", regold);
    }
    const char *srcdir = getenv("RMN_SRCDIR");
    char golden_path[1024];
    snprintf(golden_path, sizeof golden_path, "%s/tests/data/report-runs.tex",
             srcdir && *srcdir ? srcdir : ".");
    char *golden = slurp(golden_path, NULL);
    TAP_OK(golden != NULL, "golden file %s readable", golden_path);
    int same = golden && strcmp(golden, tex) == 0;
    TAP_OK(same, "latex output matches the golden file");
    if (!same)
        printf("# --- got ---\n%s# --- end ---\n", tex);
    TAP_OK(strstr(tex, "res\\_mask\\&net \\textasciitilde{}v2") != NULL, "model names are escaped");
    TAP_OK(strstr(tex, "failed") == NULL, "unfinished runs are left out");
    TAP_OK(strstr(tex, "vgg19 (vgg19-s1)") && strstr(tex, "vgg19 (vgg19-s2)"),
           "runs sharing a model are told apart by name");

    /* the same bytes under another numeric locale */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        char *tex2 = capture(rmn_report_latex_runs, s, "zoo", &st);
        TAP_OK(strcmp(tex, tex2) == 0, "output independent of LC_NUMERIC");
        free(tex2);
        setlocale(LC_NUMERIC, "C");
    } else {
        TAP_SKIP("no de_DE or fr_FR locale installed");
    }

    char *none = capture(rmn_report_latex_runs, s, "empty", &st);
    TAP_OK(st == RMN_ENOTFOUND, "an experiment without finished runs: ENOTFOUND (%s)",
           rmn_error_message());
    free(none);

    /* compile a standalone document */
    char texpath[1100];
    snprintf(texpath, sizeof texpath, "%s/doc.tex", dir);
    FILE *f = fopen(texpath, "w");
    rmn_report_latex_begin_document(f);
    rmn_report_latex_runs(s, "zoo", f);
    rmn_report_latex_end_document(f);
    fclose(f);
    report_compile_check(dir, "doc", "a standalone document");
    free(golden);
    free(tex);
}

static void test_list_show(rmn_store *s, int64_t resmasking_run) {
    int st;
    char *txt = capture(rmn_report_runs_list, s, "zoo", &st);
    TAP_OK(st == RMN_OK && strstr(txt, "uuid") && strstr(txt, "resmasking-s1") &&
               strstr(txt, "FINISHED") && strstr(txt, "74.25"),
           "text listing has the runs and their accuracies");
    /* newest first: the ensemble was added last */
    const char *ens = strstr(txt, "ensemble-7"), *r18 = strstr(txt, "resnet18-s1");
    TAP_OK(ens && r18 && ens < r18, "listing is newest first");
    free(txt);
    txt = capture(rmn_report_runs_list, s, "no-such-experiment", &st);
    TAP_OK(st == RMN_ENOTFOUND, "listing an unknown experiment: ENOTFOUND");
    free(txt);

    char *js = capture(rmn_report_runs_list_json, s, "zoo", &st);
    json_error_t jerr;
    json_t *root = json_loads(js, 0, &jerr);
    TAP_OK(st == RMN_OK && json_is_array(root) && json_array_size(root) == 8,
           "JSON listing is an array of 8 runs");
    int found = 0, nulls_ok = 0;
    size_t i;
    json_t *o;
    json_array_foreach(root, i, o) {
        const char *name = json_string_value(json_object_get(o, "name"));
        if (name && strcmp(name, "resmasking-s1") == 0)
            found = fabs(json_real_value(json_object_get(o, "test_acc_frac")) - 0.7425) < 1e-12 &&
                    json_integer_value(json_object_get(o, "tta_n")) == 8 &&
                    json_integer_value(json_object_get(o, "epochs")) == 3;
        if (name && strcmp(name, "weird") == 0)
            nulls_ok = json_is_null(json_object_get(o, "test_acc_frac")) &&
                       json_is_null(json_object_get(o, "test_acc_tta_frac"));
    }
    TAP_OK(found, "JSON fields of one run (test_acc_frac, tta_n, epochs)");
    TAP_OK(nulls_ok, "missing accuracies are null in JSON");
    json_decref(root);
    free(js);

    char ref[32];
    snprintf(ref, sizeof ref, "%lld", (long long)resmasking_run);
    char *show = capture(rmn_report_run_show, s, ref, &st);
    TAP_OK(st == RMN_OK, "show by id");
    TAP_OK(strstr(show, "provenance") && strstr(show, "tool version") && strstr(show, "params") &&
               strstr(show, "metrics (3 epochs)") && strstr(show, "evals (2)"),
           "show has provenance, params, metrics and evals sections");
    TAP_OK(strstr(show, "split test  tta_n 8 (seed 1234)  accuracy 74.75% (299/400)") != NULL,
           "show lists the TTA eval with its accuracy");
    TAP_OK(strstr(show, "rows = true class") && strstr(show, "Angry") && strstr(show, "recall%"),
           "show prints confusion matrices");
    free(show);
    show = capture(rmn_report_run_show, s, "resmasking-s1", &st);
    TAP_OK(st == RMN_OK && strstr(show, "run ") && strstr(show, ref), "show by name");
    free(show);
    show = capture(rmn_report_run_show, s, "nonesuch", &st);
    TAP_OK(st == RMN_ENOTFOUND && strstr(rmn_error_message(), "nonesuch") &&
               strstr(rmn_error_message(), rmn_store_path(s)),
           "show of an unknown run: ENOTFOUND naming ref and db: %s", rmn_error_message());
    free(show);
}

int main(void) {
    const char *dir = tu_tmpdir();
    char path[700];
    snprintf(path, sizeof path, "%s/report.db", dir);
    rmn_store *s = NULL;
    RMN_ASSERT(rmn_store_open(path, &s) == RMN_OK);

    int64_t ids[8];
    report_fixture_build(s, ids);

    test_latex(s, dir);
    test_list_show(s, ids[1]);

    rmn_store_close(s);
    tu_rmrf(dir);
    return tap_done();
}

/* rmn-report.c -- the paper's tables and figures from the run store.
 *   rmn-report [SELECTION] (--latex | --markdown | --csv | --json) [--table NAMES]
 *              [--standalone] [-o FILE | --out-dir DIR]
 *   rmn-report [SELECTION] --figures DIR [--terminals LIST]
 *   rmn-report --figures DIR --compare RUN,RUN[,...] [--terminals LIST]
 *   SELECTION: [--db FILE] [--experiment E] [--runs RUN[,RUN...]] [--split val|test]
 * The store is opened read-only. Exit status: 0 ok, 1 runtime error, 2 usage (core/cli.h).
 * Logic lives in src/report/. */
#include "config.h"

#include "cli/convention.h"
#include "core/error.h"
#include "report/figures.h"
#include "report/paper.h"
#include "report/report.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char USAGE[] =
    "Usage: rmn-report [SELECTION] (--latex|--markdown|--csv|--json) [TABLE OPTION]...\n"
    "  or:  rmn-report [SELECTION] --figures DIR [--terminals pdf,png,latex]\n"
    "  or:  rmn-report [--db FILE] --figures DIR --compare RUN,RUN[,...]\n"
    "Write the paper's tables and figures from the run store.\n"
    "\n"
    "selection:\n"
    "  --db FILE          run store, opened read-only (default: $RMN_DB, else rmn.db)\n"
    "  --experiment NAME  only the runs of this experiment (default: all)\n"
    "  --runs RUN,...     only these runs (id, uuid, uuid prefix or name; repeatable)\n"
    "  --split val|test   the split the accuracies are read on (default: test)\n"
    "tables:\n"
    "  --latex, --markdown, --csv, --json   the output format\n"
    "  --table NAMES      zoo, ensemble, perclass, stats (comma-separated; default all),\n"
    "                     or runs (LaTeX only: one row per finished run)\n"
    "  --standalone       LaTeX: wrap the tables in a compilable article\n"
    "  -o, --output FILE  write there (atomically) instead of standard output; a\n"
    "                     directory (existing, or ending in /) is as --out-dir\n"
    "  --out-dir DIR      one file per table: DIR/tab-NAME.{tex,md,csv,json}\n"
    "                     (CSV is one table per file: --out-dir DIR or --table NAME)\n"
    "  --resamples N      bootstrap resamples of the ensemble gain (default 10000)\n"
    "  --seed N           bootstrap seed (default 1234)\n"
    "figures (gnuplot: $RMN_GNUPLOT, else the one found by configure, else PATH):\n"
    "  --figures DIR      confusion matrices, training curves and the zoo plot; per\n"
    "                     training run galleries of its test images (with Grad-CAM\n"
    "                     from its best checkpoint) and, with center loss, its features\n"
    "  --compare RUN,...  with --figures: only the training curves of these 2 to 10\n"
    "                     runs overlaid (any status: running runs too)\n"
    "  --terminals LIST   pdf, png, latex (cairolatex) (default: all three)\n"
    "  -h, --help         display this help and exit\n"
    "  --version          display the version, commit and build options and exit\n"
    "\n"
    "Accuracies are percent in LaTeX, Markdown and figures, fractions in CSV and JSON\n"
    "(columns named *_frac). Exit status: 0 success, 1 error, 2 usage.\n";

static rmn_cli cli;

static int fail(const char *msg) {
    fprintf(stderr, "rmn-report: error: %s\n", msg);
    return 1;
}

static int parse_terms(const char *s, int *terms) {
    *terms = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "pdf") == 0)
            *terms |= RMN_FIG_PDF;
        else if (strcmp(t, "png") == 0)
            *terms |= RMN_FIG_PNG;
        else if (strcmp(t, "latex") == 0)
            *terms |= RMN_FIG_LATEX;
        else if (strcmp(t, "dumb") == 0)
            *terms |= RMN_FIG_DUMB;
        else
            return -1;
    }
    return *terms ? 0 : -1;
}

/* an existing directory, or a path ending in '/' */
static int is_dir(const char *path) {
    struct stat sb;
    size_t n = strlen(path);
    return (n > 0 && path[n - 1] == '/') || (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode));
}

static int parse_count(const char *s, long long min, long long *v) {
    char *end = NULL;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return errno == 0 && end && end != s && *end == '\0' && *v >= min ? 0 : -1;
}

/* the tables, rendered into memory */
static int render(rmn_store *s, const rmn_report_query *q, const rmn_paper_options *po,
                  const char *which, rmn_report_format fmt, int standalone, const char *out_dir,
                  char **text, size_t *len) {
    *text = NULL;
    *len = 0;
    FILE *mem = open_memstream(text, len);
    if (!mem)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for the report");
    int st = RMN_OK;
    if (standalone)
        st = rmn_report_latex_begin_document(mem);
    if (st == RMN_OK && which && strcmp(which, "runs") == 0) {
        st = rmn_report_latex_runs(s, q->experiment, mem);
    } else if (st == RMN_OK) {
        rmn_report_set set;
        rmn_table *t = NULL;
        int n = 0;
        st = rmn_report_set_load(s, q, &set);
        if (st == RMN_OK) {
            st = rmn_paper_tables(s, &set, po, which, &t, &n);
            rmn_report_set_free(&set);
        }
        if (st == RMN_OK && out_dir) {
            for (int i = 0; st == RMN_OK && i < n; ++i) {
                char *one = NULL, path[4096];
                size_t one_len = 0;
                FILE *f = open_memstream(&one, &one_len);
                if (!f) {
                    st = RMN_ERROR(RMN_ENOMEM, "out of memory for a table");
                    break;
                }
                st = rmn_table_write(&t[i], fmt, f);
                fclose(f);
                snprintf(path, sizeof path, "%s/tab-%s.%s", out_dir, t[i].name,
                         rmn_report_format_ext(fmt));
                if (st == RMN_OK)
                    st = rmn_report_save(path, one, one_len);
                if (st == RMN_OK)
                    fprintf(stderr, "rmn-report: wrote %s\n", path);
                free(one);
            }
        } else if (st == RMN_OK) {
            st = rmn_tables_write(t, n, fmt, mem);
        }
        rmn_paper_tables_free(t, n);
    }
    if (st == RMN_OK && standalone)
        st = rmn_report_latex_end_document(mem);
    if (fclose(mem) != 0 && st == RMN_OK)
        st = RMN_ERROR(RMN_ENOMEM, "out of memory for the report");
    if (st != RMN_OK) {
        free(*text);
        *text = NULL;
    }
    return st;
}

int main(int argc, char **argv) {
    enum { O_DB = 256, O_EXP, O_RUNS, O_SPLIT, O_TABLE, O_STANDALONE, O_OUTDIR, O_FIGURES,
           O_TERMS, O_SEED, O_RESAMPLES, O_LATEX, O_MD, O_CSV, O_JSON, O_COMPARE };
    static const struct option opts[] = {
        {"db", required_argument, NULL, O_DB},
        {"experiment", required_argument, NULL, O_EXP},
        {"runs", required_argument, NULL, O_RUNS},
        {"split", required_argument, NULL, O_SPLIT},
        {"latex", no_argument, NULL, O_LATEX},
        {"markdown", no_argument, NULL, O_MD},
        {"csv", no_argument, NULL, O_CSV},
        {"json", no_argument, NULL, O_JSON},
        {"table", required_argument, NULL, O_TABLE},
        {"standalone", no_argument, NULL, O_STANDALONE},
        {"output", required_argument, NULL, 'o'},
        {"out-dir", required_argument, NULL, O_OUTDIR},
        {"figures", required_argument, NULL, O_FIGURES},
        {"terminals", required_argument, NULL, O_TERMS},
        {"compare", required_argument, NULL, O_COMPARE},
        {"seed", required_argument, NULL, O_SEED},
        {"resamples", required_argument, NULL, O_RESAMPLES},
        {NULL, 0, NULL, 0}};
    rmn_cli_init(&cli, "rmn-report", USAGE);
    const char *db = NULL, *output = NULL, *out_dir = NULL, *fig_dir = NULL, *which = NULL;
    const char *compare[RMN_FIG_COMPARE_MAX];
    char *compare_buf = NULL;
    int n_compare = 0;
    rmn_report_query q = {0};
    rmn_paper_options po = {0};
    int fmt = -1, standalone = 0, terms = RMN_FIG_PAPER, c;
    const char **runs = calloc((size_t)argc + 1, sizeof *runs);
    char **run_bufs = calloc((size_t)argc + 1, sizeof *run_bufs);
    int n_run_bufs = 0, rc = 0, runs_cap = argc + 1;
    if (!runs || !run_bufs) {
        free(runs);
        free(run_bufs);
        return fail("out of memory");
    }
    while (rc == 0 && (c = rmn_cli_getopt(&cli, argc, argv, "o:", opts)) != -1) {
        long long v;
        switch (c) {
        case O_DB: db = optarg; break;
        case O_EXP: q.experiment = optarg; break;
        case O_RUNS: {
            char *copy = strdup(optarg), *save = NULL;
            if (!copy) {
                rc = fail("out of memory");
                break;
            }
            run_bufs[n_run_bufs++] = copy;
            for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (q.n_runs == runs_cap) {
                    runs_cap *= 2;
                    const char **more = realloc(runs, (size_t)runs_cap * sizeof *runs);
                    if (!more) {
                        rc = fail("out of memory");
                        break;
                    }
                    runs = more;
                }
                runs[q.n_runs++] = t;
            }
            break;
        }
        case O_SPLIT:
            if (strcmp(optarg, "val") != 0 && strcmp(optarg, "test") != 0)
                rc = rmn_cli_usage_error(&cli, "--split must be val or test, not '%s'", optarg);
            q.split = optarg;
            break;
        case O_LATEX: fmt = RMN_FMT_LATEX; break;
        case O_MD: fmt = RMN_FMT_MARKDOWN; break;
        case O_CSV: fmt = RMN_FMT_CSV; break;
        case O_JSON: fmt = RMN_FMT_JSON; break;
        case O_TABLE: which = optarg; break;
        case O_STANDALONE: standalone = 1; break;
        case 'o': output = optarg; break;
        case O_OUTDIR: out_dir = optarg; break;
        case O_FIGURES: fig_dir = optarg; break;
        case O_COMPARE: {
            char *save = NULL;
            free(compare_buf);
            n_compare = 0;
            if (!(compare_buf = strdup(optarg))) {
                rc = fail("out of memory");
                break;
            }
            for (char *t = strtok_r(compare_buf, ",", &save); t && rc == 0;
                 t = strtok_r(NULL, ",", &save))
                if (n_compare < RMN_FIG_COMPARE_MAX)
                    compare[n_compare++] = t;
                else
                    rc = rmn_cli_usage_error(&cli, "--compare takes at most %d runs", RMN_FIG_COMPARE_MAX);
            if (rc == 0 && n_compare < 2)
                rc = rmn_cli_usage_error(&cli, "--compare takes at least two runs (RUN,RUN), not '%s'", optarg);
            break;
        }
        case O_TERMS:
            if (parse_terms(optarg, &terms) != 0)
                rc = rmn_cli_usage_error(&cli, "--terminals takes pdf, png, latex (comma-separated), not '%s'",
                                 optarg);
            break;
        case O_SEED:
            if (parse_count(optarg, 1, &v) != 0)
                rc = rmn_cli_usage_error(&cli, "--seed takes a positive integer, not '%s'", optarg);
            po.seed = (uint64_t)v;
            break;
        case O_RESAMPLES:
            if (parse_count(optarg, 2, &v) != 0 || v > 10000000)
                rc = rmn_cli_usage_error(&cli, "--resamples takes an integer from 2 to 10000000, not '%s'",
                                 optarg);
            po.n_boot = (int)v;
            break;
        default: /* help, version (exit 0) or a usage error, said */
            rc = cli.status == 0 ? -1 : cli.status;
        }
    }
    if (rc == 0 && optind < argc && argv[optind])
        rc = rmn_cli_usage_error(&cli, "unexpected argument '%s'", argv[optind]);
    if (rc == 0 && fmt < 0 && !fig_dir)
        rc = rmn_cli_usage_error(&cli, "%s", "say what to produce (--latex, --markdown, --csv, --json or --figures DIR)");
    if (rc == 0 && fmt < 0 && (which || standalone || output || out_dir))
        rc = rmn_cli_usage_error(&cli, "%s", "--table, --standalone, -o and --out-dir need a table format");
    if (rc == 0 && standalone && fmt != RMN_FMT_LATEX)
        rc = rmn_cli_usage_error(&cli, "%s", "--standalone is for --latex");
    if (rc == 0 && output && out_dir)
        rc = rmn_cli_usage_error(&cli, "%s", "-o and --out-dir exclude each other");
    if (rc == 0 && output && is_dir(output)) { /* a directory: one file per table */
        out_dir = output;
        output = NULL;
    }
    if (rc == 0 && n_compare > 0 && !fig_dir)
        rc = rmn_cli_usage_error(&cli, "%s", "--compare draws a figure: give --figures DIR");
    if (rc == 0 && fmt == RMN_FMT_CSV && !out_dir && (!which || strchr(which, ',') ||
                                                     strcmp(which, "all") == 0))
        rc = rmn_cli_usage_error(&cli, "%s", "CSV is one table per file: name one with --table NAME (zoo, "
                               "ensemble, perclass, stats) or write them all with --out-dir DIR");
    if (rc == 0 && standalone && out_dir)
        rc = rmn_cli_usage_error(&cli, "%s", "--standalone writes one document: use -o, not --out-dir");
    if (rc == 0 && which && strcmp(which, "runs") == 0 && (fmt != RMN_FMT_LATEX || out_dir))
        rc = rmn_cli_usage_error(&cli, "%s", "--table runs is a single LaTeX table (--latex, not --out-dir)");
    if (rc != 0) {
        free(compare_buf);
        for (int i = 0; i < n_run_bufs; ++i)
            free(run_bufs[i]);
        free(run_bufs);
        free(runs);
        return rc < 0 ? 0 : rc;
    }
    q.runs = q.n_runs > 0 ? runs : NULL;
    if (!db)
        db = rmn_store_default_path();

    rmn_store *s = NULL;
    rmn_store_options ro = {.mode = RMN_STORE_READ};
    int st = rmn_store_open_opts(db, &ro, &s);
    if (st == RMN_OK && fmt >= 0) {
        char *text = NULL;
        size_t len = 0;
        st = render(s, &q, &po, which, (rmn_report_format)fmt, standalone, out_dir, &text, &len);
        if (st == RMN_OK && output)
            st = rmn_report_save(output, text, len);
        else if (st == RMN_OK && !out_dir &&
                 (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0))
            st = RMN_ERROR(RMN_EIO, "writing standard output failed");
        free(text);
    }
    if (st == RMN_OK && fig_dir && n_compare > 0) {
        st = rmn_report_compare_figure(s, compare, n_compare, fig_dir, terms, stderr);
    } else if (st == RMN_OK && fig_dir) {
        rmn_report_set set;
        st = rmn_report_set_load(s, &q, &set);
        if (st == RMN_OK) {
            st = rmn_report_figures(s, &set, fig_dir, terms, stderr);
            rmn_report_set_free(&set);
        }
    }
    rmn_store_close(s);
    free(compare_buf);
    for (int i = 0; i < n_run_bufs; ++i)
        free(run_bufs[i]);
    free(run_bufs);
    free(runs);
    if (st != RMN_OK)
        return rmn_cli_fail(&cli);
    return 0;
}

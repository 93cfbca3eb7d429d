/* rmn-report.c -- the paper's tables from the run store.
 *   rmn-report [--db FILE] [--experiment E] --latex [--standalone] [-o FILE]
 * Exit status: 0 ok, 1 runtime error, 2 usage. Logic lives in src/report/. */
#include "config.h"

#include "core/error.h"
#include "report/report.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fputs("usage: rmn-report [--db FILE] [--experiment NAME] --latex [--standalone] [-o FILE]\n"
          "  --db FILE          run store (default: $RMN_DB, else rmn.db)\n"
          "  --experiment NAME  only the runs of this experiment (default: all)\n"
          "  --latex            the table of finished runs as a booktabs/siunitx fragment\n"
          "  --standalone       wrap it in a compilable article\n"
          "  -o, --output FILE  write there instead of standard output\n"
          "  --version          print the version\n",
          f);
}

static int fail(const char *msg) {
    fprintf(stderr, "rmn-report: error: %s\n", msg);
    return 1;
}

int main(int argc, char **argv) {
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},   {"experiment", required_argument, NULL, 'e'},
        {"latex", no_argument, NULL, 'l'},      {"standalone", no_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},    {NULL, 0, NULL, 0}};
    const char *db = NULL, *experiment = NULL, *output = NULL;
    int latex = 0, standalone = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'e': experiment = optarg; break;
        case 'l': latex = 1; break;
        case 's': standalone = 1; break;
        case 'o': output = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("rmn-report %s (rmn %s)\n", RMN_GIT_DESCRIBE, PACKAGE_VERSION); return 0;
        default:
            fprintf(stderr, "rmn-report: error: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "rmn-report: error: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!latex) {
        fputs("rmn-report: error: say what to produce (--latex)\n", stderr);
        usage(stderr);
        return 2;
    }
    if (!db)
        db = rmn_store_default_path();

    rmn_store *s = NULL;
    rmn_store_options ro = {.read_only = 1};
    if (rmn_store_open_opts(db, &ro, &s) != RMN_OK)
        return fail(rmn_error_message());

    /* write to a temporary file next to the output, then rename: no half-written table */
    FILE *out = stdout;
    char tmp[4096];
    if (output) {
        if (snprintf(tmp, sizeof tmp, "%s.tmp", output) >= (int)sizeof tmp) {
            rmn_store_close(s);
            return fail("output path too long");
        }
        out = fopen(tmp, "w");
        if (!out) {
            rmn_store_close(s);
            fprintf(stderr, "rmn-report: error: %s: cannot create\n", tmp);
            return 1;
        }
    }
    int st = RMN_OK;
    if (standalone)
        st = rmn_report_latex_begin_document(out);
    if (st == RMN_OK)
        st = rmn_report_latex_runs(s, experiment, out);
    if (st == RMN_OK && standalone)
        st = rmn_report_latex_end_document(out);
    rmn_store_close(s);
    if (output) {
        if (fclose(out) != 0 && st == RMN_OK)
            st = RMN_ERROR(RMN_EIO, "%s: write failed", tmp);
        if (st == RMN_OK && rename(tmp, output) != 0)
            st = RMN_ERROR(RMN_EIO, "%s: cannot rename to %s", tmp, output);
        if (st != RMN_OK)
            remove(tmp);
    } else if (fflush(stdout) != 0 && st == RMN_OK) {
        st = RMN_ERROR(RMN_EIO, "writing standard output failed");
    }
    if (st != RMN_OK)
        return fail(rmn_error_message());
    return 0;
}

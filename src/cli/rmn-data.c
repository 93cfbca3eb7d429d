/* rmn-data.c -- the data-set tool: `info` prints a FER2013 file's digest and counts per split
 * and class; `sample` writes a deterministic stratified sample as Kaggle CSV. Thin: the work is
 * in src/data. */
#include "core/cli.h"
#include "core/error.h"
#include "data/fer2013.h"
#include "data/info.h"
#include "data/sample.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "Usage: rmn-data info [--json] [FILE]\n"
    "  or:  rmn-data sample [--train N] [--val N] [--test N] [--seed S] [-o OUT] FILE\n"
    "Describe a FER2013 file, or draw a stratified sample of it.\n"
    "FILE: fer2013.csv[.xz|.gz], the Kaggle fer2013.tar.gz, or a directory with train.csv,\n"
    "val.csv, test.csv. info prints the file's digest and the counts per split and class\n"
    "(without FILE: the bundled sample); sample writes emotion,pixels,Usage CSV.\n"
    "\n"
    "Options:\n"
    "  --json             info: JSON\n"
    "  --train N          sample: training images (default 2000)\n"
    "  --val N            sample: validation images (default 300)\n"
    "  --test N           sample: test images (default 300)\n"
    "  --seed S           sample: the seed of the draw (default 1)\n"
    "  -o, --output OUT   sample: where to write (default: standard output)\n"
    "  -h, --help         display this help and exit\n"
    "  --version          display the version, commit and build options and exit\n"
    "\n"
    "Exit status: 0 success, 1 error, 2 usage.\n";

static rmn_cli cli;

static int fail(void) { return rmn_cli_fail(&cli); }

static int parse_count(const char *s, long long max, long long *out) {
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

static int cmd_info(int argc, char **argv) {
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
    int json = 0, c;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "", opts)) != -1) {
        if (c != 'j')
            return cli.status; /* help, version or a usage error, said */
        json = 1;
    }
    if (argc - optind > 1)
        return rmn_cli_usage_error(&cli, "info takes at most one FILE");
    char path[4096];
    if (optind < argc)
        snprintf(path, sizeof path, "%s", argv[optind]);
    else if (rmn_dataset_default_path(path, sizeof path) != RMN_OK)
        return fail();
    rmn_dataset ds;
    if (rmn_dataset_load(path, &ds) != RMN_OK)
        return fail();
    int rc = rmn_dataset_print_info(&ds, stdout, json);
    rmn_dataset_free(&ds);
    return rc == RMN_OK ? 0 : fail();
}

static int cmd_sample(int argc, char **argv) {
    static const struct option opts[] = {
        {"train", required_argument, NULL, 't'}, {"val", required_argument, NULL, 'v'},
        {"test", required_argument, NULL, 'T'},  {"seed", required_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
    long long want[RMN_SPLIT_COUNT] = {2000, 300, 300}, seed = 1;
    const char *out_path = NULL;
    int c;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "o:", opts)) != -1) {
        int bad = 0;
        switch (c) {
        case 't': bad = parse_count(optarg, INT_MAX, &want[RMN_SPLIT_TRAIN]); break;
        case 'v': bad = parse_count(optarg, INT_MAX, &want[RMN_SPLIT_VAL]); break;
        case 'T': bad = parse_count(optarg, INT_MAX, &want[RMN_SPLIT_TEST]); break;
        case 's': bad = parse_count(optarg, LLONG_MAX, &seed); break;
        case 'o': out_path = optarg; break;
        default: return cli.status; /* help, version or a usage error, said */
        }
        if (bad)
            return rmn_cli_usage_error(&cli, "counts and --seed must be non-negative integers, not '%s'",
                                       optarg);
    }
    if (argc - optind != 1)
        return rmn_cli_usage_error(&cli, "sample needs exactly one input FILE");
    rmn_dataset ds, sub;
    if (rmn_dataset_load(argv[optind], &ds) != RMN_OK)
        return fail();
    int32_t w[RMN_SPLIT_COUNT] = {(int32_t)want[0], (int32_t)want[1], (int32_t)want[2]};
    int rc = rmn_dataset_sample(&ds, w, (uint64_t)seed, &sub);
    rmn_dataset_free(&ds);
    if (rc != RMN_OK)
        return fail();
    FILE *f = out_path ? fopen(out_path, "w") : stdout;
    if (!f) {
        rmn_dataset_free(&sub);
        RMN_ERROR(RMN_EIO, "%s: cannot open for writing", out_path);
        return fail();
    }
    rc = rmn_dataset_write_csv(&sub, f, out_path ? out_path : "standard output");
    if (out_path && fclose(f) != 0 && rc == RMN_OK)
        rc = RMN_ERROR(RMN_EIO, "%s: write failed", out_path);
    rmn_dataset_free(&sub);
    return rc == RMN_OK ? 0 : fail();
}

int main(int argc, char **argv) {
    rmn_cli_init(&cli, "rmn-data", USAGE);
    if (argc >= 2 && argv[1][0] == '-') { /* --help, --version, or an option before the command */
        static const struct option none[] = {{NULL, 0, NULL, 0}};
        if (rmn_cli_getopt(&cli, 2, argv, "", none) != -1)
            return cli.status;
    }
    if (argc < 2)
        return rmn_cli_usage_error(&cli, "no command given (info or sample)");
    if (strcmp(argv[1], "info") == 0)
        return cmd_info(argc - 1, argv + 1);
    if (strcmp(argv[1], "sample") == 0)
        return cmd_sample(argc - 1, argv + 1);
    return rmn_cli_usage_error(&cli, "unknown command '%s' (info or sample)", argv[1]);
}

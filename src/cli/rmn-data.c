/* rmn-data.c -- the data-set tool: `info` prints a data set's digest and counts per split and
 * class (a FER2013 file, relabelled by FERPlus's votes with --ferplus, or an image folder, whose
 * unreadable files it names); `sample` writes a deterministic stratified sample of FER2013 as
 * Kaggle CSV. Thin: the work is in src/data. */
#include "cli/convention.h"
#include "core/error.h"
#include "data/fer2013.h"
#include "data/folder.h"
#include "data/info.h"
#include "data/sample.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char USAGE[] =
    "Usage: rmn-data info [--json] [--ferplus VOTES] [--side S] [FILE | DIR]\n"
    "  or:  rmn-data sample [--train N] [--val N] [--test N] [--seed S] [-o OUT] FILE\n"
    "Describe a data set (FER2013, FERPlus or an image folder), or sample FER2013.\n"
    "FILE: fer2013.csv[.xz|.gz], the Kaggle fer2013.tar.gz, or a directory with train.csv,\n"
    "val.csv, test.csv; DIR: an image folder (class folders of JPEG/PNG files, docs/DATA.md),\n"
    "decoded into its cache. info prints the digest and the counts per split and class\n"
    "(without FILE: the bundled sample) and names an image folder's unreadable files; sample\n"
    "writes emotion,pixels,Usage CSV.\n"
    "\n"
    "Options:\n"
    "  --json             info: JSON\n"
    "  --ferplus VOTES    info: relabel FILE by FERPlus's votes (fer2013new.csv)\n"
    "  --side S           info: an image folder's shorter side in its cache, 8..4096\n"
    "                     (default 256)\n"
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

/* An image folder: its counts, the files left out and every unreadable file, also when some are
 * (then exit 1: the folder cannot be loaded). */
static int folder_info(const char *dir, const rmn_dataset_options *o, int json) {
    rmn_folder_list l;
    if (rmn_folder_list_files(dir, &l) != RMN_OK)
        return fail();
    char *bad = NULL;
    size_t bad_len = 0;
    FILE *report = open_memstream(&bad, &bad_len);
    rmn_dataset ds;
    int rc = report ? rmn_folder_load_report(dir, o, report, &ds) : RMN_ERROR(RMN_ENOMEM, "out of memory");
    if (report)
        fclose(report);
    char message[4096];
    snprintf(message, sizeof message, "%s", rmn_error_message());
    const int loaded = rc == RMN_OK, unreadable = !loaded && bad && *bad;
    rmn_folder_notes notes = {.ignored = l.ignored, .unreadable = unreadable ? bad : NULL};
    if (loaded || (unreadable && rmn_folder_list_counts(dir, &l, &ds) == RMN_OK)) {
        int pr = rmn_dataset_print_info(&ds, &notes, stdout, json);
        rmn_dataset_free(&ds);
        rc = loaded ? pr : rc;
    }
    rmn_folder_list_free(&l);
    free(bad);
    if (rc == RMN_OK)
        return 0;
    rmn_error_restore(rc, message);
    return fail();
}

static int cmd_info(int argc, char **argv) {
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"ferplus", required_argument, NULL, 'F'},
                                         {"side", required_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    int json = 0, c;
    rmn_dataset_options o = {0};
    long long side;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "", opts)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'F')
            o.ferplus = optarg;
        else if (c == 's') {
            if (parse_count(optarg, 4096, &side) || side < 8)
                return rmn_cli_usage_error(&cli, "--side needs an integer 8..4096, not '%s'", optarg);
            o.side = (int)side;
        } else
            return cli.status; /* help, version or a usage error, said */
    }
    if (argc - optind > 1)
        return rmn_cli_usage_error(&cli, "info takes at most one FILE");
    char path[4096];
    if (optind < argc)
        snprintf(path, sizeof path, "%s", argv[optind]);
    else if (rmn_dataset_default_path(path, sizeof path) != RMN_OK)
        return fail();
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && !rmn_fer2013_is_dir(path) && !o.ferplus)
        return folder_info(path, &o, json);
    rmn_dataset ds;
    if (rmn_dataset_load_opts(path, &o, &ds) != RMN_OK)
        return fail();
    int rc = rmn_dataset_print_info(&ds, NULL, stdout, json);
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

/* rmn-train.c -- trains a single model from one configuration file.
 *
 *   rmn-train --config FILE [--data FILE] [--experiment NAME] [--seed N] [--epochs N] [--threads N]
 *             [--db FILE] [--checkpoints DIR]
 * The configuration accepts the thesis's fer2013_config.json as it is (its recipe is the
 * default: RAdam, plateau schedule, flip + rotation, TTA at the end); the run is recorded in the
 * store under the experiment NAME (default "train") exactly as `rmn-exp run` records one.
 * Exit 0 ok, 1 error, 2 usage. */
#include "core/args.h"
#include "core/error.h"
#include "dist/dist.h"
#include "core/threads.h"
#include "train/config.h"
#include "train/experiment.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const USAGE =
    "usage: rmn-train --config FILE [--data FILE] [--experiment NAME] [--seed N] [--epochs N]\n"
    "                 [--threads N] [--db FILE] [--checkpoints DIR]\n";

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static int usage(const char *msg) {
    fprintf(stderr, "rmn-train: %s\n%s", msg, USAGE);
    return 2;
}

int main(int argc, char **argv) {
    rmn_threads_passive_wait(argv);
    static const struct option longopts[] = {
        {"config", required_argument, 0, 'C'}, {"data", required_argument, 0, 'D'},
        {"experiment", required_argument, 0, 'x'}, {"seed", required_argument, 0, 's'},
        {"epochs", required_argument, 0, 'e'}, {"threads", required_argument, 0, 't'},
        {"db", required_argument, 0, 'd'},     {"checkpoints", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    rmn_experiment_options o = {.seed = -1, .log = stderr, .out = stdout, .stop = &stop_requested};
    const char *config = NULL, *experiment = "train";
    long v;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'C': config = optarg; break;
        case 'D': o.data_path = optarg; break;
        case 'x': experiment = optarg; break;
        case 'd': o.db_path = optarg; break;
        case 'c': o.checkpoint_root = optarg; break;
        case 's':
            if (!rmn_parse_long(optarg, 0, 2147483647L, &o.seed))
                return usage("--seed needs a non-negative integer");
            break;
        case 'e':
            if (!rmn_parse_long(optarg, 1, 100000, &o.epochs))
                return usage("--epochs needs a positive integer");
            break;
        case 't':
            if (!rmn_parse_long(optarg, 1, 1024, &v))
                return usage("--threads needs a positive integer");
            o.threads = (int)v;
            break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: return usage("unknown or incomplete option");
        }
    }
    if (!config || optind != argc)
        return usage(config ? "unexpected argument" : "--config FILE is required");
    const char *busy = getenv("RMN_BUSY_TIMEOUT_MS");
    if (busy && rmn_parse_long(busy, 1, 3600000L, &v))
        o.busy_timeout_ms = (int)v;
    if (rmn_dist_init(&argc, &argv) != RMN_OK) { /* one rank of several under mpirun/srun */
        fprintf(stderr, "rmn-train: error: %s\n", rmn_error_message());
        return 1;
    }
    rmn_experiment exp;
    if (rmn_experiment_from_config(config, experiment, &exp) != RMN_OK) {
        fprintf(stderr, "rmn-train: error: %s\n", rmn_error_message());
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    int rc = rmn_experiment_execute(&exp, &o);
    rmn_experiment_free(&exp);
    rmn_dist_finalize();
    if (rc != RMN_OK) {
        fprintf(stderr, "rmn-train: error: %s\n", rmn_error_message());
        return 1;
    }
    return 0;
}

/* rmn-train.c -- trains a single model from one configuration file.
 *
 *   rmn-train --config FILE [--data FILE [--ferplus VOTES]] [--experiment NAME] [--seed N] [--epochs N]
 *             [--threads N] [--precision fp32|bf16] [--db FILE] [--checkpoints DIR]
 * The configuration accepts the thesis's fer2013_config.json as it is (its recipe is the
 * default: RAdam, plateau schedule, flip + rotation, TTA at the end); the run is recorded in the
 * store under the experiment NAME (default "train") exactly as `rmn-exp run` records one.
 * Exit 0 ok, 1 error, 2 usage (core/cli.h). */
#include "core/args.h"
#include "cli/convention.h"
#include "core/error.h"
#include "dist/dist.h"
#include "core/threads.h"
#include "train/train_config.h"
#include "train/experiment.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const USAGE =
    "Usage: rmn-train --config FILE [OPTION]...\n"
    "Train one model from one configuration file.\n"
    "The configuration may be the thesis's fer2013_config.json as it is; the run is recorded in\n"
    "the store as rmn-exp run records one.\n"
    "\n"
    "Options:\n"
    "  --config FILE      the configuration (JSON; unknown keys are errors)\n"
    "  --data FILE|DIR    FER2013 data (csv, .xz, .gz or Kaggle tar.gz) or an image folder\n"
    "                     (docs/DATA.md) (default: the bundled sample)\n"
    "  --ferplus VOTES    relabel FER2013 by FERPlus's votes (fer2013new.csv)\n"
    "  --experiment NAME  the experiment the run is recorded under (default train)\n"
    "  --seed N           the run's seed (default: the configuration's)\n"
    "  --epochs N         train at most N epochs\n"
    "  --threads N        OpenMP threads (default: OpenMP's)\n"
    "  --precision P      fp32 or bf16: replaces the configuration's \"precision\" key, the\n"
    "                     arithmetic of convolutions and linear layers (docs/PRECISION.md);\n"
    "                     bf16 needs AVX512_BF16 or AMX: elsewhere a warning, and fp32\n"
    "  --db FILE          the run store, created when missing (default $RMN_DB, else rmn.db)\n"
    "  --checkpoints DIR  where the run keeps checkpoints (default $RMN_CHECKPOINTS, else\n"
    "                     checkpoints/ beside the store)\n"
    "  -h, --help         display this help and exit\n"
    "  --version          display the version, commit and build options and exit\n"
    "\n"
    "Exit status: 0 success, 1 error, 2 usage.\n";

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

int main(int argc, char **argv) {
    rmn_threads_passive_wait(argv);
    rmn_cli cli;
    rmn_cli_init(&cli, "rmn-train", USAGE);
    static const struct option longopts[] = {
        {"config", required_argument, 0, 'C'}, {"data", required_argument, 0, 'D'},
        {"experiment", required_argument, 0, 'x'}, {"seed", required_argument, 0, 's'},
        {"epochs", required_argument, 0, 'e'}, {"threads", required_argument, 0, 't'},
        {"db", required_argument, 0, 'd'},     {"checkpoints", required_argument, 0, 'c'},
        {"ferplus", required_argument, 0, 'F'}, {"precision", required_argument, 0, 'P'},
        {0, 0, 0, 0}};
    rmn_experiment_options o = {.seed = -1, .index = -1, .log = stderr, .out = stdout, .stop = &stop_requested,
                                .precision_fallback = 1};
    const char *config = NULL, *experiment = "train";
    long v;
    int c;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "", longopts)) != -1) {
        switch (c) {
        case 'C': config = optarg; break;
        case 'D': o.data_path = optarg; break;
        case 'F': o.ferplus_path = optarg; break;
        case 'x': experiment = optarg; break;
        case 'd': o.db_path = optarg; break;
        case 'c': o.checkpoint_root = optarg; break;
        case 'P': {
            rmn_precision p;
            if (rmn_precision_parse(optarg, "--precision", &p) != RMN_OK)
                return rmn_cli_usage_error(&cli, "%s", rmn_error_message());
            o.precision = rmn_precision_name(rmn_cli_precision(&cli, p, NULL));
            break;
        }
        case 's':
            if (rmn_cli_long(&cli, "--seed", optarg, 0, 2147483647L, &o.seed))
                return 2;
            break;
        case 'e':
            if (rmn_cli_long(&cli, "--epochs", optarg, 1, 100000, &o.epochs))
                return 2;
            break;
        case 't':
            if (rmn_cli_long(&cli, "--threads", optarg, 1, 1024, &v))
                return 2;
            o.threads = (int)v;
            break;
        default: return cli.status; /* help, version or a usage error, said */
        }
    }
    if (optind != argc)
        return rmn_cli_usage_error(&cli, "unexpected argument '%s'", argv[optind]);
    if (!config)
        return rmn_cli_usage_error(&cli, "--config FILE is required");
    const char *busy = rmn_env_get("RMN_BUSY_TIMEOUT_MS");
    if (busy && rmn_parse_long(busy, 1, 3600000L, &v))
        o.busy_timeout_ms = (int)v;
    if (rmn_dist_init(&argc, &argv) != RMN_OK) /* one rank of several under mpirun/srun */
        return rmn_cli_fail(&cli);
    rmn_experiment exp;
    if (rmn_experiment_from_config(config, experiment, &exp) != RMN_OK)
        return rmn_cli_fail(&cli);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    int rc = rmn_experiment_execute(&exp, &o);
    rmn_experiment_free(&exp);
    rmn_dist_finalize();
    return rc == RMN_OK ? 0 : rmn_cli_fail(&cli);
}

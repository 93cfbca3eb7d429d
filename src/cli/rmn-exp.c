/* rmn-exp.c -- runs experiments and reads what they recorded.
 *
 *   rmn-exp run NAME [--data FILE] [--config FILE] [--only MODEL] [--seed N] [--epochs N] [--threads N]
 *   rmn-exp check NAME [--config FILE]
 *   rmn-exp resume RUN [--data FILE] [--threads N]
 *   rmn-exp finish RUN [--data FILE] [--threads N]
 *   rmn-exp status
 *   rmn-exp list [--experiment E] [--json]
 *   rmn-exp show RUN
 *   rmn-exp models [--width W] [--json]
 *   rmn-exp --version [--build-info]
 * Common: --db FILE (default $RMN_DB or rmn.db), --checkpoints DIR (default $RMN_CHECKPOINTS,
 * else checkpoints/ beside the store); RMN_BUSY_TIMEOUT_MS sets how long a locked store is
 * waited for. Running an experiment again skips its finished runs and resumes the stopped ones;
 * several processes may run experiments on one store at once, each run trained by one of them
 * (src/train/experiment.h, runs.h). Exit 0 ok, 1 error, 2 usage. */
#include "config.h"

#include "core/args.h"
#include "core/error.h"
#include "core/threads.h"
#include "core/provenance.h"
#include "dist/dist.h"
#include "report/report.h"
#include "store/store.h"
#include "train/config.h"
#include "train/experiment.h"
#include "models/zoo.h"
#include "train/runs.h"
#include "train/validate.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const USAGE =
    "usage: rmn-exp run NAME [--data FILE] [--config FILE] [--only MODEL] [--seed N] [--epochs N]\n"
    "                        [--threads N]\n"
    "       rmn-exp check NAME [--config FILE]   (validate an experiment file whole; trains nothing)\n"
    "       rmn-exp resume RUN [--data FILE] [--threads N]\n"
    "       rmn-exp finish RUN [--data FILE] [--threads N]   (stop training a stopped run: evaluate\n"
    "                                                     its best checkpoint, mark it finished)\n"
    "       rmn-exp status   (who holds which run, since when; who waits for what)\n"
    "       rmn-exp list [--experiment E] [--json]\n"
    "       rmn-exp show RUN\n"
    "       rmn-exp models [--width W] [--json]   (W: channel width at the 48 profile)\n"
    "       rmn-exp --version [--build-info]\n"
    "options for all commands: --db FILE (default $RMN_DB, else rmn.db)\n"
    "  --checkpoints DIR (default $RMN_CHECKPOINTS, else checkpoints/ beside the store)\n";

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static int usage_error(const char *msg) {
    if (msg)
        fprintf(stderr, "rmn-exp: %s\n", msg);
    fputs(USAGE, stderr);
    return 2;
}

static int fail(void) {
    fprintf(stderr, "rmn-exp: error: %s\n", rmn_error_message());
    return 1;
}

typedef struct {
    rmn_experiment_options run;
    const char *experiment, *config;
    int json, build_info, width;
} options;

/* Parses options after the command; leaves positional arguments at argv[optind..]. */
static int parse_options(int argc, char **argv, options *o) {
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},      {"data", required_argument, 0, 'D'},
        {"only", required_argument, 0, 'o'},    {"seed", required_argument, 0, 's'},
        {"epochs", required_argument, 0, 'e'},  {"threads", required_argument, 0, 't'},
        {"experiment", required_argument, 0, 'x'}, {"json", no_argument, 0, 'j'},
        {"build-info", no_argument, 0, 'b'},    {"help", no_argument, 0, 'h'},
        {"checkpoints", required_argument, 0, 'c'}, {"config", required_argument, 0, 'C'},
        {"width", required_argument, 0, 'w'},   {0, 0, 0, 0}};
    int c;
    long v;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o->run.db_path = optarg; break;
        case 'D': o->run.data_path = optarg; break;
        case 'o': o->run.only = optarg; break;
        case 'c': o->run.checkpoint_root = optarg; break;
        case 'C': o->config = optarg; break;
        case 'x': o->experiment = optarg; break;
        case 'j': o->json = 1; break;
        case 'b': o->build_info = 1; break;
        case 's':
            if (!rmn_parse_long(optarg, 0, 2147483647L, &o->run.seed))
                return usage_error("--seed needs a non-negative integer");
            break;
        case 'e':
            if (!rmn_parse_long(optarg, 1, 100000, &o->run.epochs))
                return usage_error("--epochs needs a positive integer");
            break;
        case 't':
            if (!rmn_parse_long(optarg, 1, 1024, &v))
                return usage_error("--threads needs a positive integer");
            o->run.threads = (int)v;
            break;
        case 'w':
            if (!rmn_parse_long(optarg, 1, 4096, &v))
                return usage_error("--width needs a positive integer");
            o->width = (int)v;
            break;
        case 'h': fputs(USAGE, stdout); return -1;
        default: return usage_error("unknown or incomplete option");
        }
    }
    const char *busy = getenv("RMN_BUSY_TIMEOUT_MS");
    if (busy && rmn_parse_long(busy, 1, 3600000L, &v))
        o->run.busy_timeout_ms = (int)v;
    return 0;
}

static int cmd_run(const char *name, options *o) {
    rmn_experiment exp;
    if (rmn_experiment_load(name, &exp) != RMN_OK)
        return fail();
    int rc = o->config ? rmn_experiment_apply_config(&exp, o->config) : RMN_OK;
    if (rc == RMN_OK) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        rc = rmn_experiment_execute(&exp, &o->run);
    }
    rmn_experiment_free(&exp);
    return rc == RMN_OK ? 0 : fail();
}

/* Loads NAME (with --config applied) and validates it whole: every run's model builds, every
 * ensemble member names a run. Touches no data and no store. */
static int cmd_check(const char *name, options *o) {
    rmn_experiment exp;
    if (rmn_experiment_load(name, &exp) != RMN_OK)
        return fail();
    int rc = o->config ? rmn_experiment_apply_config(&exp, o->config) : RMN_OK;
    if (rc == RMN_OK)
        rc = rmn_experiment_validate(&exp);
    if (rc == RMN_OK)
        printf("experiment %s: %d run%s, %d ensemble member%s, data %s: valid\n", exp.name,
               exp.n_runs, exp.n_runs == 1 ? "" : "s", exp.n_members,
               exp.n_members == 1 ? "" : "s", exp.data);
    rmn_experiment_free(&exp);
    return rc == RMN_OK ? 0 : fail();
}

static int with_store(const options *o, int (*what)(rmn_store *, const options *, const char *), const char *arg) {
    rmn_store *s;
    if (rmn_experiment_open_store(&o->run, &s) != RMN_OK)
        return fail();
    int rc = what(s, o, arg);
    rmn_store_close(s);
    return rc == RMN_OK ? 0 : fail();
}

static int do_status(rmn_store *s, const options *o, const char *arg) {
    (void)o, (void)arg;
    return rmn_train_print_status(s, stdout);
}

static int do_list(rmn_store *s, const options *o, const char *arg) {
    (void)arg;
    return o->json ? rmn_report_runs_list_json(s, o->experiment, stdout) : rmn_report_runs_list(s, o->experiment, stdout);
}

static int do_show(rmn_store *s, const options *o, const char *ref) {
    (void)o;
    return rmn_report_run_show(s, ref, stdout);
}

static int print_version(int build_info) {
    printf("rmn-exp %s (%s)\n", PACKAGE_VERSION, RMN_GIT_DESCRIBE);
    if (build_info) {
        rmn_provenance p;
        rmn_provenance_collect(&p);
        printf("build: %s\nhost: %s\ncpu: %s\nblas: %s\nthreads: %d\n", p.build_config, p.host,
               p.cpu_model ? p.cpu_model : "unknown", p.blas_config ? p.blas_config : "unknown", p.n_threads);
        rmn_provenance_free(&p);
    }
    return 0;
}

int main(int argc, char **argv) {
    rmn_threads_passive_wait(argv);
    options o = {.run = {.seed = -1, .log = stderr, .out = stdout, .stop = &stop_requested}};
    if (argc < 2)
        return usage_error(NULL);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(USAGE, stdout);
        return 0;
    }
    int rc = parse_options(argc - 1, argv + 1, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0)
        return print_version(o.build_info);
    if (strcmp(cmd, "run") == 0) {
        if (npos != 1)
            return usage_error("run needs exactly one experiment name");
        if (rmn_dist_init(&argc, &argv) != RMN_OK) /* one rank of several under mpirun/srun */
            return fail();
        rc = cmd_run(pos[0], &o);
        rmn_dist_finalize();
        return rc;
    }
    if (strcmp(cmd, "check") == 0)
        return npos == 1 ? cmd_check(pos[0], &o) : usage_error("check needs exactly one experiment name");
    if (strcmp(cmd, "resume") == 0 || strcmp(cmd, "finish") == 0) {
        if (npos != 1)
            return usage_error("resume and finish need exactly one RUN (id, uuid prefix or name)");
        o.run.finish = strcmp(cmd, "finish") == 0;
        if (rmn_dist_init(&argc, &argv) != RMN_OK)
            return fail();
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        rc = rmn_experiment_resume(pos[0], &o.run) == RMN_OK ? 0 : fail();
        rmn_dist_finalize();
        return rc;
    }
    if (strcmp(cmd, "models") == 0) {
        if (npos != 0)
            return usage_error("models takes no positional arguments");
        return rmn_models_print(stdout, o.json, o.width) == RMN_OK ? 0 : fail();
    }
    if (strcmp(cmd, "status") == 0)
        return npos == 0 ? with_store(&o, do_status, NULL) : usage_error("status takes no positional arguments");
    if (strcmp(cmd, "list") == 0)
        return npos == 0 ? with_store(&o, do_list, NULL) : usage_error("list takes no positional arguments");
    if (strcmp(cmd, "show") == 0)
        return npos == 1 ? with_store(&o, do_show, pos[0])
                         : usage_error("show needs exactly one RUN (id, uuid prefix or name)");
    return usage_error("unknown command");
}

/* rmn-exp.c -- runs experiments and reads what they recorded.
 *
 *   rmn-exp run NAME [--data FILE] [--ferplus VOTES] [--config FILE] [--only MODEL] [--index I]
 *               [--seed N] [--epochs N] [--threads N] [--precision fp32|bf16]
 *   rmn-exp check NAME [--config FILE] [--runs [--only MODEL]]
 *   rmn-exp fuse NAME
 *   rmn-exp merge STORE... --into FILE
 *   rmn-exp resume RUN [--data FILE] [--ferplus VOTES] [--threads N] [--precision fp32|bf16]
 *   rmn-exp finish RUN [--data FILE] [--threads N]
 *   rmn-exp status
 *   rmn-exp list [--experiment E] [--json]
 *   rmn-exp show RUN
 *   rmn-exp models [--width W] [--json]
 *   rmn-exp backup OUT.db
 *   rmn-exp names experiments|archs|runs|stored-experiments
 *   rmn-exp --version [--build-info]
 * Common: --db FILE (default $RMN_DB or rmn.db), --checkpoints DIR (default $RMN_CHECKPOINTS,
 * else checkpoints/ beside the store); RMN_BUSY_TIMEOUT_MS sets how long a locked store is
 * waited for. Running an experiment again skips its finished runs and resumes the stopped ones;
 * several processes may run experiments on one store at once, each run trained by one of them
 * (src/train/experiment.h, runs.h). Only run and merge (its --into) create a store; resume,
 * finish and fuse write an existing one; status, list, show, backup, names and merge's sources
 * are opened read-only. Exit 0 ok, 1 error, 2 usage (core/cli.h). */
#include "config.h"

#include "core/args.h"
#include "cli/convention.h"
#include "core/error.h"
#include "core/threads.h"
#include "core/provenance.h"
#include "dist/dist.h"
#include "core/suggest.h"
#include "report/report.h"
#include "store/store.h"
#include "train/train_config.h"
#include "train/experiment.h"
#include "models/zoo.h"
#include "nn/net.h"
#include "train/runs.h"
#include "train/trainer.h"
#include "train/validate.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const USAGE =
    "Usage: rmn-exp run NAME [OPTION]...\n"
    "  or:  rmn-exp check NAME [--config FILE] [--runs [--only MODEL]]\n"
    "  or:  rmn-exp fuse NAME [--db FILE]\n"
    "  or:  rmn-exp merge STORE... --into FILE\n"
    "  or:  rmn-exp resume|finish RUN [OPTION]...\n"
    "  or:  rmn-exp status|list|show RUN|backup OUT.db [--db FILE]\n"
    "  or:  rmn-exp models [--width W] [--json]\n"
    "  or:  rmn-exp names experiments|archs|runs|stored-experiments\n"
    "  or:  rmn-exp --version [--build-info]\n"
    "Run the Residual Masking Network's experiments and read their run store.\n"
    "The store is one SQLite file (docs/STORE.md); several processes may share it.\n"
    "\n"
    "Commands:\n"
    "  run NAME           train every run of the experiment NAME (a name in experiments/, or a\n"
    "                     .json file): finished runs are skipped, stopped ones resumed, runs\n"
    "                     that other live processes hold are left to them; then fuse its\n"
    "                     ensemble\n"
    "  check NAME         validate the experiment whole (every run's model is built); trains\n"
    "                     nothing, touches no data and no store; --runs lists its runs, one\n"
    "                     \"INDEX NAME\" a line\n"
    "  fuse NAME          fuse the experiment's ensemble from the finished runs in the store\n"
    "                     (after a merge); trains nothing\n"
    "  merge STORE...     fold per-task stores (read-only) into the store --into FILE, created\n"
    "                     when missing; idempotent\n"
    "  resume RUN         continue a stopped run (id, uuid prefix or name) from its last epoch\n"
    "  finish RUN         stop training a stopped run: evaluate its best checkpoint, finish it\n"
    "  status             who holds which run, since when; who waits for what\n"
    "  list               the runs, newest first\n"
    "  show RUN           one run: provenance, parameters, tags, metrics, evaluations\n"
    "  models             the model registry: architectures, parameters, MACs\n"
    "  backup OUT.db      a consistent copy of the store, also while runs write it (a copy\n"
    "                     of the file alone misses what its -wal file holds)\n"
    "  names KIND         one name a line, for scripts and shell completion: experiments\n"
    "                     (files), archs (the registry), runs and stored-experiments (the\n"
    "                     store)\n"
    "\n"
    "Options:\n"
    "  --db FILE          the run store (default $RMN_DB, else rmn.db); only run creates\n"
    "                     it; resume, finish and fuse write an existing one; status, list,\n"
    "                     show, backup and names open it read-only\n"
    "  --checkpoints DIR  where runs keep checkpoints (default $RMN_CHECKPOINTS, else\n"
    "                     checkpoints/ beside the store)\n"
    "  --data FILE|DIR    FER2013 data (csv, .xz, .gz, Kaggle tar.gz or a directory of CSVs) or\n"
    "                     an image folder (docs/DATA.md) (default: the experiment's)\n"
    "  --ferplus VOTES    run, resume: FERPlus's fer2013new.csv, relabelling the FER2013 data\n"
    "                     (8 classes, vote distributions)\n"
    "  --config FILE      configuration keys applied to every run of the experiment\n"
    "  --only MODEL       only the runs of this model name or architecture\n"
    "  --index I          run: only the run I (check --runs numbers them; a job array's task)\n"
    "  --runs             check: list the runs, one \"INDEX NAME\" a line\n"
    "  --into FILE        merge: the store merged into (default: --db)\n"
    "  --seed N           replace every run's seed\n"
    "  --epochs N         train at most N epochs\n"
    "  --threads N        OpenMP threads (default: OpenMP's)\n"
    "  --precision P      fp32 or bf16, the arithmetic of convolutions and linear layers\n"
    "                     (docs/PRECISION.md). run: replaces every run's \"precision\" key\n"
    "                     (another run when it changes it, as --epochs); resume: the rest of\n"
    "                     the run (its tag \"precision\" records it). bf16 needs AVX512_BF16\n"
    "                     or AMX: elsewhere a warning, and fp32\n"
    "  --experiment E     list: only the runs of experiment E\n"
    "  --json             list, models: JSON (accuracies as fractions, in *_frac fields)\n"
    "  --width W          models: channel width at the 48 profile\n"
    "  --build-info       with --version: host, CPU, BLAS and threads too\n"
    "  -h, --help         display this help and exit\n"
    "  --version          display the version, commit and build options and exit\n"
    "\n"
    "Environment:\n"
    "  RMN_DB             the store when --db is not given\n"
    "  RMN_CHECKPOINTS    the checkpoint folder when --checkpoints is not given\n"
    "  RMN_BUSY_TIMEOUT_MS  how long a locked store is waited for (default 10000)\n"
    "  RMN_EXPERIMENTS    a folder searched first for experiment files\n"
    "  RMN_DEBUG          1: error messages end with their source place\n"
    "\n"
    "Accuracies are percent in text, fractions in JSON. Exit status: 0 success, 1 error,\n"
    "2 usage.\n";

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static rmn_cli cli;

static int fail(void) { return rmn_cli_fail(&cli); }

typedef struct {
    rmn_experiment_options run;
    const char *experiment, *config, *into;
    int json, build_info, width, list_runs;
} options;

#define GO_ON (-1)

/* Parses the options (before or after the command); leaves the command and its arguments at
 * argv[optind..]. Returns GO_ON, or the exit status when done (help, version, usage error). */
static int parse_options(int argc, char **argv, options *o) {
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},      {"data", required_argument, 0, 'D'},
        {"only", required_argument, 0, 'o'},    {"seed", required_argument, 0, 's'},
        {"epochs", required_argument, 0, 'e'},  {"threads", required_argument, 0, 't'},
        {"experiment", required_argument, 0, 'x'}, {"json", no_argument, 0, 'j'},
        {"build-info", no_argument, 0, 'b'},
        {"checkpoints", required_argument, 0, 'c'}, {"config", required_argument, 0, 'C'},
        {"width", required_argument, 0, 'w'},   {"index", required_argument, 0, 'i'},
        {"into", required_argument, 0, 'I'},    {"runs", no_argument, 0, 'r'},
        {"ferplus", required_argument, 0, 'F'}, {"precision", required_argument, 0, 'P'},
        {0, 0, 0, 0}};
    int c;
    long v;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "", longopts)) != -1) {
        switch (c) {
        case 'd': o->run.db_path = optarg; break;
        case 'D': o->run.data_path = optarg; break;
        case 'F': o->run.ferplus_path = optarg; break;
        case 'o': o->run.only = optarg; break;
        case 'c': o->run.checkpoint_root = optarg; break;
        case 'C': o->config = optarg; break;
        case 'x': o->experiment = optarg; break;
        case 'j': o->json = 1; break;
        case 'I': o->into = optarg; break;
        case 'r': o->list_runs = 1; break;
        case 'P': {
            rmn_precision p;
            if (rmn_precision_parse(optarg, "--precision", &p) != RMN_OK)
                return rmn_cli_usage_error(&cli, "%s", rmn_error_message());
            o->run.precision = rmn_precision_name(rmn_cli_precision(&cli, p, NULL));
            break;
        }
        case 'i':
            if (rmn_cli_long(&cli, "--index", optarg, 0, 1000000, &o->run.index))
                return 2;
            break;
        case 'b': o->build_info = 1; break;
        case 's':
            if (rmn_cli_long(&cli, "--seed", optarg, 0, 2147483647L, &o->run.seed))
                return 2;
            break;
        case 'e':
            if (rmn_cli_long(&cli, "--epochs", optarg, 1, 100000, &o->run.epochs))
                return 2;
            break;
        case 't':
            if (rmn_cli_long(&cli, "--threads", optarg, 1, 1024, &v))
                return 2;
            o->run.threads = (int)v;
            break;
        case 'w':
            if (rmn_cli_long(&cli, "--width", optarg, 1, 4096, &v))
                return 2;
            o->width = (int)v;
            break;
        default: return cli.status; /* RMN_CLI_EXIT: help, version or a usage error, said */
        }
    }
    const char *busy = rmn_env_get("RMN_BUSY_TIMEOUT_MS");
    if (busy && rmn_parse_long(busy, 1, 3600000L, &v))
        o->run.busy_timeout_ms = (int)v;
    o->run.precision_fallback = 1; /* a run's bf16 refused here: a warning, and fp32 (tagged) */
    return GO_ON;
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
    if (rc == RMN_OK && o->list_runs) {
        for (int i = 0; i < exp.n_runs; ++i) {
            const char *only = o->run.only;
            if (only && strcmp(only, exp.runs[i].model_name) != 0 && strcmp(only, exp.runs[i].arch) != 0)
                continue;
            char run_name[160];
            rmn_train_run_name(&exp.runs[i], run_name, sizeof run_name);
            printf("%d %s\n", i, run_name);
        }
    } else if (rc == RMN_OK)
        printf("experiment %s: %d run%s, %d ensemble member%s, data %s: valid (%s)\n", exp.name,
               exp.n_runs, exp.n_runs == 1 ? "" : "s", exp.n_members,
               exp.n_members == 1 ? "" : "s", exp.data, exp.file);
    rmn_experiment_free(&exp);
    return rc == RMN_OK ? 0 : fail();
}

/* Fuses NAME's ensemble from the finished runs in the store (after a merge); trains nothing.
 * The store must exist (RMN_STORE_WRITE). */
static int cmd_fuse(const char *name, options *o) {
    rmn_experiment exp;
    if (rmn_experiment_load(name, &exp) != RMN_OK)
        return fail();
    int rc = rmn_experiment_fuse(&exp, &o->run);
    rmn_experiment_free(&exp);
    return rc == RMN_OK ? 0 : fail();
}

/* Folds the sources (opened RMN_STORE_READ) into --into (RMN_STORE_CREATE: a new store is made). */
static int cmd_merge(int n, char **sources, const options *o) {
    const char *into = o->into ? o->into : o->run.db_path;
    if (!into)
        return rmn_cli_usage_error(&cli, "merge needs --into FILE (the store merged into)");
    rmn_store_options opt = {.busy_timeout_ms = o->run.busy_timeout_ms, .mode = RMN_STORE_CREATE};
    rmn_store *s;
    if (rmn_store_open_opts(into, &opt, &s) != RMN_OK)
        return fail();
    rmn_merge_result res;
    int rc = rmn_store_merge(s, n, (const char *const *)sources, &res);
    rmn_store_close(s);
    if (rc != RMN_OK)
        return fail();
    printf("merged %d store%s into %s: %d run%s added, %d brought up to date, %d already there\n",
           res.n_sources, res.n_sources == 1 ? "" : "s", into, res.runs_added, res.runs_added == 1 ? "" : "s",
           res.runs_updated, res.runs_present);
    return 0;
}

/* Runs what on the store, opened read-only (these commands never write, nor create one). */
static int with_store(const options *o, int (*what)(rmn_store *, const options *, const char *), const char *arg) {
    rmn_store *s;
    if (rmn_experiment_open_store(&o->run, RMN_STORE_READ, &s) != RMN_OK)
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

static int do_backup(rmn_store *s, const options *o, const char *out) {
    (void)o;
    RMN_TRY(rmn_store_backup(s, out));
    fprintf(stderr, "rmn-exp: %s: a consistent copy of %s\n", out, rmn_store_path(s));
    return RMN_OK;
}

static int print_lines(char **names, int n) {
    for (int i = 0; i < n; ++i)
        puts(names[i]);
    return fflush(stdout) == 0 ? RMN_OK : RMN_ERROR(RMN_EIO, "writing standard output failed");
}

static int do_names(rmn_store *s, const options *o, const char *kind) {
    (void)o;
    char **names;
    int n;
    RMN_TRY(rmn_store_names(s, strcmp(kind, "runs") == 0 ? "runs" : "experiments", &names, &n));
    int rc = print_lines(names, n);
    rmn_store_names_free(names, n);
    return rc;
}

/* rmn-exp names KIND: experiments and archs need no store; runs and stored-experiments read it. */
static int cmd_names(const char *kind, options *o) {
    if (strcmp(kind, "runs") == 0 || strcmp(kind, "stored-experiments") == 0)
        return with_store(o, do_names, kind);
    int rc;
    if (strcmp(kind, "experiments") == 0) {
        char **names;
        int n;
        if ((rc = rmn_experiment_names(&names, &n)) == RMN_OK) {
            rc = print_lines(names, n);
            rmn_experiment_names_free(names, n);
        }
    } else if (strcmp(kind, "archs") == 0) {
        const char *const *names;
        int n;
        if ((rc = rmn_model_names(&names, &n)) == RMN_OK)
            rc = print_lines((char **)names, n);
    } else {
        return rmn_cli_usage_error(&cli, "names: unknown kind '%s' (experiments, archs, runs, "
                                         "stored-experiments)", kind);
    }
    return rc == RMN_OK ? 0 : fail();
}

static void print_build_info(void) {
    rmn_provenance p;
    rmn_provenance_collect(&p);
    printf("host: %s\ncpu: %s\nblas: %s\nthreads: %d\n", p.host,
           p.cpu_model ? p.cpu_model : "unknown", p.blas_config ? p.blas_config : "unknown", p.n_threads);
    rmn_provenance_free(&p);
}

static const char *const COMMANDS[] = {"run",  "check",  "fuse",   "merge", "resume", "finish", "status",
                                       "list", "show",   "models", "backup", "names", "help"};

int main(int argc, char **argv) {
    rmn_threads_passive_wait(argv);
    rmn_cli_init(&cli, "rmn-exp", USAGE);
    options o = {.run = {.seed = -1, .index = -1, .log = stderr, .out = stdout, .stop = &stop_requested}};
    int rc = parse_options(argc, argv, &o);
    if (rc != GO_ON) {
        if (rc == 0 && cli.version && o.build_info)
            print_build_info();
        return rc;
    }
    if (o.build_info)
        return rmn_cli_usage_error(&cli, "--build-info goes with --version");
    if (optind >= argc)
        return rmn_cli_usage_error(&cli, "no command given (run, check, fuse, merge, resume, finish, "
                                         "status, list, show, models, backup, names)");
    const char *cmd = argv[optind];
    const int npos = argc - optind - 1;
    char **pos = argv + optind + 1;
    if (strcmp(cmd, "help") == 0)
        return rmn_cli_help(&cli);
    if (strcmp(cmd, "run") == 0) {
        if (npos != 1)
            return rmn_cli_usage_error(&cli, "run needs exactly one experiment name");
        if (rmn_dist_init(&argc, &argv) != RMN_OK) /* one rank of several under mpirun/srun */
            return fail();
        rc = cmd_run(pos[0], &o);
        rmn_dist_finalize();
        return rc;
    }
    if (strcmp(cmd, "fuse") == 0)
        return npos == 1 ? cmd_fuse(pos[0], &o) : rmn_cli_usage_error(&cli, "fuse needs exactly one experiment name");
    if (strcmp(cmd, "merge") == 0)
        return npos >= 1 ? cmd_merge(npos, pos, &o)
                         : rmn_cli_usage_error(&cli, "merge needs at least one store to merge");
    if (strcmp(cmd, "check") == 0)
        return npos == 1 ? cmd_check(pos[0], &o) : rmn_cli_usage_error(&cli, "check needs exactly one experiment name");
    if (strcmp(cmd, "resume") == 0 || strcmp(cmd, "finish") == 0) {
        if (npos != 1)
            return rmn_cli_usage_error(&cli, "%s needs exactly one RUN (id, uuid prefix or name)", cmd);
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
            return rmn_cli_usage_error(&cli, "models takes no arguments");
        return rmn_models_print(stdout, o.json, o.width) == RMN_OK ? 0 : fail();
    }
    if (strcmp(cmd, "status") == 0)
        return npos == 0 ? with_store(&o, do_status, NULL) : rmn_cli_usage_error(&cli, "status takes no arguments");
    if (strcmp(cmd, "list") == 0)
        return npos == 0 ? with_store(&o, do_list, NULL) : rmn_cli_usage_error(&cli, "list takes no arguments");
    if (strcmp(cmd, "show") == 0)
        return npos == 1 ? with_store(&o, do_show, pos[0])
                         : rmn_cli_usage_error(&cli, "show needs exactly one RUN (id, uuid prefix or name)");
    if (strcmp(cmd, "backup") == 0)
        return npos == 1 ? with_store(&o, do_backup, pos[0])
                         : rmn_cli_usage_error(&cli, "backup needs exactly one OUT.db");
    if (strcmp(cmd, "names") == 0)
        return npos == 1 ? cmd_names(pos[0], &o)
                         : rmn_cli_usage_error(&cli, "names needs one KIND (experiments, archs, runs, "
                                                     "stored-experiments)");
    const char *close = rmn_suggest_closest(cmd, COMMANDS, (int)(sizeof COMMANDS / sizeof *COMMANDS));
    if (close)
        return rmn_cli_usage_error(&cli, "unknown command '%s'; did you mean '%s'?", cmd, close);
    return rmn_cli_usage_error(&cli, "unknown command '%s'", cmd);
}

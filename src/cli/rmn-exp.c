/* rmn-exp.c -- runs experiments and reads what they recorded.
 *
 *   rmn-exp run NAME [--data FILE] [--only MODEL] [--seed N] [--epochs N] [--threads N]
 *   rmn-exp resume RUN [--threads N]
 *   rmn-exp status
 *   rmn-exp list [--experiment E] [--json]
 *   rmn-exp show RUN
 *   rmn-exp --version [--build-info]
 * Common: --db FILE (default $RMN_DB or rmn.db), --checkpoints DIR (default $RMN_CHECKPOINTS,
 * else checkpoints/ beside the store). Running an experiment again skips its finished runs and
 * resumes the stopped ones. Exit 0 ok, 1 error, 2 usage. */
#include "config.h"

#include "core/error.h"
#include "core/provenance.h"
#include "data/fer2013.h"
#include "report/report.h"
#include "store/store.h"
#include "train/config.h"
#include "train/ensemble.h"
#include "train/runs.h"
#include "train/trainer.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const USAGE =
    "usage: rmn-exp run NAME [--data FILE] [--config FILE] [--only MODEL] [--seed N] [--epochs N]\n"
    "                        [--threads N]\n"
    "       rmn-exp resume RUN [--threads N]\n"
    "       rmn-exp status\n"
    "       rmn-exp list [--experiment E] [--json]\n"
    "       rmn-exp show RUN\n"
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
    const char *db, *data, *only, *experiment, *checkpoints, *config;
    long        seed, epochs, threads;
    int         json, build_info;
} options;

static int parse_long(const char *s, long lo, long hi, long *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/* Parses options after the command; leaves positional arguments at argv[optind..]. */
static int parse_options(int argc, char **argv, options *o) {
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},      {"data", required_argument, 0, 'D'},
        {"only", required_argument, 0, 'o'},    {"seed", required_argument, 0, 's'},
        {"epochs", required_argument, 0, 'e'},  {"threads", required_argument, 0, 't'},
        {"experiment", required_argument, 0, 'x'}, {"json", no_argument, 0, 'j'},
        {"build-info", no_argument, 0, 'b'},    {"help", no_argument, 0, 'h'},
        {"checkpoints", required_argument, 0, 'c'}, {"config", required_argument, 0, 'C'},
        {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o->db = optarg; break;
        case 'D': o->data = optarg; break;
        case 'o': o->only = optarg; break;
        case 'x': o->experiment = optarg; break;
        case 'c': o->checkpoints = optarg; break;
        case 'C': o->config = optarg; break;
        case 'j': o->json = 1; break;
        case 'b': o->build_info = 1; break;
        case 's':
            if (!parse_long(optarg, 0, 2147483647L, &o->seed))
                return usage_error("--seed needs a non-negative integer");
            break;
        case 'e':
            if (!parse_long(optarg, 1, 100000, &o->epochs))
                return usage_error("--epochs needs a positive integer");
            break;
        case 't':
            if (!parse_long(optarg, 1, 1024, &o->threads))
                return usage_error("--threads needs a positive integer");
            break;
        case 'h': fputs(USAGE, stdout); return -1;
        default: return usage_error("unknown or incomplete option");
        }
    }
    return 0;
}

/* Opens the store named by --db, $RMN_DB or rmn.db; RMN_BUSY_TIMEOUT_MS sets the lock wait. */
static int with_store(const options *o, rmn_store **out) {
    rmn_store_options opt = {0};
    const char *busy = getenv("RMN_BUSY_TIMEOUT_MS");
    long ms;
    if (busy && parse_long(busy, 1, 3600000L, &ms))
        opt.busy_timeout_ms = (int)ms;
    return rmn_store_open_opts(o->db ? o->db : rmn_store_default_path(), &opt, out) == RMN_OK;
}

/* --checkpoints, else $RMN_CHECKPOINTS, else "checkpoints" beside the store file. */
static void checkpoint_root(const options *o, const char *db_path, char *buf, size_t cap) {
    const char *env = getenv("RMN_CHECKPOINTS");
    if (o->checkpoints)
        snprintf(buf, cap, "%s", o->checkpoints);
    else if (env && *env)
        snprintf(buf, cap, "%s", env);
    else {
        const char *slash = strrchr(db_path, '/');
        if (slash)
            snprintf(buf, cap, "%.*s/checkpoints", (int)(slash - db_path), db_path);
        else
            snprintf(buf, cap, "checkpoints");
    }
}

static void print_result(const rmn_train_result *res, const char *run_name) {
    printf("run %lld %s: %d epochs, best val acc %.2f%% (epoch %d), test acc %.2f%%", (long long)res->run_id,
           run_name, res->epochs, 100 * res->best_val_acc, res->best_epoch, 100 * res->test_acc);
    if (res->test_acc_tta == res->test_acc_tta)
        printf(", with TTA %.2f%%", 100 * res->test_acc_tta);
    printf(", %.0f s\n", res->seconds);
    fflush(stdout);
}

/* The experiment's "ensemble": its members' newest finished runs, fused three ways. */
static int fuse_experiment(rmn_store *store, const rmn_experiment *exp) {
    int64_t ids[RMN_ENSEMBLE_MAX_MEMBERS];
    rmn_ensemble_pool pool;
    if (exp->n_members > RMN_ENSEMBLE_MAX_MEMBERS ||
        rmn_ensemble_find_members(store, exp->name, exp->members, exp->n_members, ids) != RMN_OK ||
        rmn_ensemble_pool_load(store, ids, exp->n_members, exp->ensemble_tta_n, &pool) != RMN_OK)
        return fail();
    int rc = rmn_ensemble_fuse_all(store, exp->name, &pool, stdout) == RMN_OK ? 0 : fail();
    rmn_ensemble_pool_free(&pool);
    return rc;
}

static int cmd_run(const char *name, const options *o) {
    rmn_experiment exp;
    if (rmn_experiment_load(name, &exp) != RMN_OK)
        return fail();
    if (o->config && rmn_experiment_apply_config(&exp, o->config) != RMN_OK) {
        rmn_experiment_free(&exp);
        return fail();
    }
    /* Select and adjust the runs before touching data or store. */
    int n_selected = 0;
    for (int i = 0; i < exp.n_runs; ++i) {
        rmn_train_config *cfg = &exp.runs[i];
        int keep = !o->only || strcmp(o->only, cfg->model_name) == 0 || strcmp(o->only, cfg->arch) == 0;
        if (!keep) {
            cfg->batch_size = 0; /* marks a skipped run */
            continue;
        }
        if (o->seed >= 0)
            cfg->seed = (uint64_t)o->seed;
        if (o->epochs > 0)
            cfg->max_epoch_num = (int)o->epochs - 1;
        ++n_selected;
    }
    if (n_selected == 0) {
        fprintf(stderr, "rmn-exp: error: experiment %s has no run matching --only %s\n", exp.name, o->only);
        rmn_experiment_free(&exp);
        return 1;
    }
    /* Data first: a bad data file must fail before anything is written to the store. */
    char sample[4096];
    const char *data_path = o->data;
    if (!data_path && strcmp(exp.data, "sample") != 0)
        data_path = exp.data;
    if (!data_path) {
        if (rmn_dataset_default_path(sample, sizeof sample) != RMN_OK) {
            rmn_experiment_free(&exp);
            return fail();
        }
        data_path = sample;
    }
    rmn_dataset ds;
    fprintf(stderr, "rmn-exp: loading %s\n", data_path);
    if (rmn_dataset_load(data_path, &ds) != RMN_OK) {
        rmn_experiment_free(&exp);
        return fail();
    }
    rmn_store *store = NULL;
    if (!with_store(o, &store)) {
        rmn_dataset_free(&ds);
        rmn_experiment_free(&exp);
        return fail();
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    char ckpt[4096];
    checkpoint_root(o, rmn_store_path(store), ckpt, sizeof ckpt);
    int status = 0;
    for (int i = 0; i < exp.n_runs && !stop_requested; ++i) {
        if (exp.runs[i].batch_size == 0)
            continue;
        char run_name[160];
        rmn_train_run_name(&exp.runs[i], run_name, sizeof run_name);
        int action;
        int64_t existing;
        if (rmn_train_plan(store, exp.name, &exp.runs[i], &action, &existing) != RMN_OK) {
            status = fail();
            break;
        }
        if (action == RMN_RUN_SKIP_FINISHED || action == RMN_RUN_SKIP_LIVE) {
            fprintf(stderr, "rmn-exp: run %lld %s is %s: skipped\n", (long long)existing, run_name,
                    action == RMN_RUN_SKIP_FINISHED ? "finished" : "running in another process");
            continue;
        }
        rmn_train_job job = {.store = store, .experiment = exp.name, .data = &ds, .cfg = &exp.runs[i],
                             .threads = (int)o->threads, .log = stderr, .stop = &stop_requested,
                             .checkpoint_dir = ckpt, .resume_run_id = action == RMN_RUN_RESUME ? existing : 0};
        rmn_train_result res;
        if (rmn_train_run(&job, &res) != RMN_OK) {
            fprintf(stderr, "rmn-exp: error: %s\n", rmn_error_message());
            status = 1;
            if (rmn_error_code() == RMN_EINTR)
                break;
            continue;
        }
        print_result(&res, run_name);
    }
    if (status == 0 && !stop_requested && exp.n_members > 0 && !o->only)
        status = fuse_experiment(store, &exp);
    rmn_store_close(store);
    rmn_dataset_free(&ds);
    rmn_experiment_free(&exp);
    return status;
}

/* Continues a stopped run from its last completed epoch, on the data it was trained on. */
static int cmd_resume(const char *ref, const options *o) {
    rmn_store *store;
    if (!with_store(o, &store))
        return fail();
    int64_t run_id;
    rmn_run_detail d;
    rmn_kv *params = NULL;
    int np = 0, live = 0, rc = 1;
    memset(&d, 0, sizeof d);
    if (rmn_store_run_resolve(store, ref, &run_id) != RMN_OK || rmn_store_run_detail(store, run_id, &d) != RMN_OK ||
        rmn_store_run_kv(store, run_id, "params", &params, &np) != RMN_OK ||
        rmn_train_run_is_live(store, run_id, &live) != RMN_OK) {
        rc = fail();
        goto done;
    }
    if (strcmp(d.sum.status, "FINISHED") == 0 || live || strcmp(d.sum.kind, "train") != 0) {
        fprintf(stderr, "rmn-exp: error: run %lld %s is %s: nothing to resume\n", (long long)run_id, d.sum.name,
                live ? "running in another process" : (strcmp(d.sum.kind, "train") ? d.sum.kind : "finished"));
        goto done;
    }
    rmn_train_config cfg;
    if (rmn_train_config_from_canonical(&cfg, d.config_text, "runs.config_text") != RMN_OK) {
        rc = fail();
        goto done;
    }
    const char *data_path = o->data;
    for (int i = 0; i < np && !data_path; ++i)
        if (strcmp(params[i].key, "data") == 0)
            data_path = params[i].value;
    if (!data_path) {
        fprintf(stderr, "rmn-exp: error: run %lld records no data file: give --data FILE\n", (long long)run_id);
        goto done;
    }
    rmn_dataset ds;
    fprintf(stderr, "rmn-exp: loading %s\n", data_path);
    if (rmn_dataset_load(data_path, &ds) != RMN_OK) {
        rc = fail();
        goto done;
    }
    if (d.dataset_sha256 && strcmp(d.dataset_sha256, ds.sha256) != 0) {
        fprintf(stderr, "rmn-exp: error: %s is not the data run %lld was trained on (sha256 %s, recorded %s)\n",
                data_path, (long long)run_id, ds.sha256, d.dataset_sha256);
        rmn_dataset_free(&ds);
        goto done;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    char ckpt[4096];
    checkpoint_root(o, rmn_store_path(store), ckpt, sizeof ckpt);
    rmn_train_job job = {.store = store, .experiment = d.sum.experiment, .data = &ds, .cfg = &cfg,
                         .threads = (int)o->threads, .log = stderr, .stop = &stop_requested,
                         .checkpoint_dir = ckpt, .resume_run_id = run_id};
    rmn_train_result res;
    if (rmn_train_run(&job, &res) == RMN_OK) {
        print_result(&res, d.sum.name);
        rc = 0;
    } else {
        rc = fail();
    }
    rmn_dataset_free(&ds);
done:
    rmn_kv_free(params, np);
    rmn_run_detail_free(&d);
    rmn_store_close(store);
    return rc;
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
    options o = {.seed = -1, .epochs = 0, .threads = 0};
    if (argc < 2)
        return usage_error(NULL);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        int rc = parse_options(argc - 1, argv + 1, &o);
        return rc ? (rc < 0 ? 0 : rc) : print_version(o.build_info);
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(USAGE, stdout);
        return 0;
    }
    int rc = parse_options(argc - 1, argv + 1, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    if (strcmp(cmd, "run") == 0) {
        if (npos != 1)
            return usage_error("run needs exactly one experiment name");
        return cmd_run(pos[0], &o);
    }
    if (strcmp(cmd, "resume") == 0) {
        if (npos != 1)
            return usage_error("resume needs exactly one RUN (id, uuid prefix or name)");
        return cmd_resume(pos[0], &o);
    }
    if (strcmp(cmd, "status") == 0) {
        if (npos != 0)
            return usage_error("status takes no positional arguments");
        rmn_store *s;
        if (!with_store(&o, &s))
            return fail();
        rc = rmn_train_print_status(s, stdout);
        rmn_store_close(s);
        return rc == RMN_OK ? 0 : fail();
    }
    if (strcmp(cmd, "list") == 0) {
        if (npos != 0)
            return usage_error("list takes no positional arguments");
        rmn_store *s;
        if (!with_store(&o, &s))
            return fail();
        rc = o.json ? rmn_report_runs_list_json(s, o.experiment, stdout)
                    : rmn_report_runs_list(s, o.experiment, stdout);
        rmn_store_close(s);
        return rc == RMN_OK ? 0 : fail();
    }
    if (strcmp(cmd, "show") == 0) {
        if (npos != 1)
            return usage_error("show needs exactly one RUN (id, uuid prefix or name)");
        rmn_store *s;
        if (!with_store(&o, &s))
            return fail();
        rc = rmn_report_run_show(s, pos[0], stdout);
        rmn_store_close(s);
        return rc == RMN_OK ? 0 : fail();
    }
    return usage_error("unknown command");
}

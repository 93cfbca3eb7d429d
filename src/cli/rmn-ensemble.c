/* rmn-ensemble.c -- fuses stored evaluations into the thesis's unweighted ensemble.
 *
 *   rmn-ensemble [--db FILE] [--experiment E] [--runs RUN,RUN,...] [--tta N]
 * Members: the given runs, else every FINISHED training run of the experiment (or of the store).
 * Records and prints three ensembles: the members as given ("fixed"), the best subset chosen on
 * validation and scored once on test ("val"), and the best subset chosen on test ("test", an
 * optimistic upper bound: how the thesis picked its 76.82%). The store must exist.
 * Exit 0 ok, 1 error, 2 usage (core/cli.h). */
#include "core/args.h"
#include "cli/convention.h"
#include "core/error.h"
#include "store/store.h"
#include "train/ensemble.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const USAGE =
    "Usage: rmn-ensemble [--db FILE] [--experiment E] [--runs RUN,RUN,...] [--tta N]\n"
    "Fuse stored evaluations into the thesis's unweighted ensemble.\n"
    "The ensemble is the mean of the members' softmax; three are recorded and printed: the\n"
    "members as given (fixed), the best subset chosen on validation and scored once on test\n"
    "(val), and the best subset chosen on test (test: an optimistic upper bound, how the\n"
    "thesis picked its 76.82%).\n"
    "\n"
    "Options:\n"
    "  --db FILE          the run store, which must exist (default $RMN_DB, else rmn.db)\n"
    "  --experiment E     members: the finished training runs of experiment E (default: all);\n"
    "                     the ensembles are recorded under E (default: ensembles)\n"
    "  --runs RUN,...     members: these runs (id, uuid prefix or name)\n"
    "  --tta N            the members' evaluations with N TTA draws (default: the largest)\n"
    "  -h, --help         display this help and exit\n"
    "  --version          display the version, commit and build options and exit\n"
    "\n"
    "Accuracies are percent. Exit status: 0 success, 1 error, 2 usage.\n";

static rmn_cli cli;

static int fail(void) { return rmn_cli_fail(&cli); }

static int collect_runs(rmn_store *s, const char *experiment, char *runs_arg, int64_t *ids, int *n) {
    *n = 0;
    if (runs_arg) {
        for (char *tok = strtok(runs_arg, ","); tok; tok = strtok(NULL, ",")) {
            if (*n >= RMN_ENSEMBLE_MAX_MEMBERS)
                return RMN_ERROR(RMN_EINVAL, "at most %d members", RMN_ENSEMBLE_MAX_MEMBERS);
            RMN_TRY(rmn_store_run_resolve(s, tok, &ids[(*n)++]));
        }
        return RMN_OK;
    }
    rmn_run_summary *runs;
    int nr;
    RMN_TRY(rmn_store_runs(s, experiment, &runs, &nr));
    for (int i = nr - 1; i >= 0; --i) /* oldest first */
        if (strcmp(runs[i].kind, "train") == 0 && strcmp(runs[i].status, "FINISHED") == 0 &&
            *n < RMN_ENSEMBLE_MAX_MEMBERS)
            ids[(*n)++] = runs[i].run_id;
    rmn_store_runs_free(runs, nr);
    if (*n == 0)
        return RMN_ERROR(RMN_ENOTFOUND, "%s: no finished training run%s%s to fuse", rmn_store_path(s),
                         experiment ? " in experiment " : "", experiment ? experiment : "");
    return RMN_OK;
}

int main(int argc, char **argv) {
    static const struct option longopts[] = {{"db", required_argument, 0, 'd'},
                                             {"experiment", required_argument, 0, 'x'},
                                             {"runs", required_argument, 0, 'r'},
                                             {"tta", required_argument, 0, 't'},
                                             {0, 0, 0, 0}};
    rmn_cli_init(&cli, "rmn-ensemble", USAGE);
    const char *db = NULL, *experiment = NULL;
    char *runs_arg = NULL;
    long tta = -1;
    int c;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "", longopts)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'x': experiment = optarg; break;
        case 'r': runs_arg = optarg; break;
        case 't':
            if (rmn_cli_long(&cli, "--tta", optarg, 0, 1000, &tta))
                return 2;
            break;
        default: return cli.status; /* help, version or a usage error, said */
        }
    }
    if (optind != argc)
        return rmn_cli_usage_error(&cli, "unexpected argument '%s'", argv[optind]);
    rmn_store *s;
    rmn_store_options so = {.mode = RMN_STORE_WRITE};
    if (rmn_store_open_opts(db ? db : rmn_store_default_path(), &so, &s) != RMN_OK)
        return fail();
    int64_t ids[RMN_ENSEMBLE_MAX_MEMBERS];
    int n, rc = 1;
    rmn_ensemble_pool pool;
    memset(&pool, 0, sizeof pool);
    if (collect_runs(s, experiment, runs_arg, ids, &n) != RMN_OK ||
        rmn_ensemble_pool_load(s, ids, n, (int)tta, &pool) != RMN_OK) {
        rc = fail();
        goto done;
    }
    if (rmn_ensemble_fuse_all(s, experiment ? experiment : "ensembles", &pool, stdout) != RMN_OK) {
        rc = fail();
        goto done;
    }
    rc = 0;
done:
    rmn_ensemble_pool_free(&pool);
    rmn_store_close(s);
    return rc;
}

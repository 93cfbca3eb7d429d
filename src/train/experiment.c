/* experiment.c -- run an experiment, resume a run; see experiment.h. */
#include "train/experiment.h"

#include "core/error.h"
#include "core/suggest.h"
#include "data/fer2013.h"
#include "dist/dist.h"
#include "store/store.h"
#include "train/ensemble.h"
#include "train/runs.h"
#include "train/evaluate.h"
#include "train/trainer.h"
#include "train/validate.h"

#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

int rmn_experiment_open_store(const rmn_experiment_options *o, rmn_store_mode mode, rmn_store **out) {
    rmn_store_options opt = {.busy_timeout_ms = o->busy_timeout_ms, .mode = mode};
    return rmn_store_open_opts(o->db_path ? o->db_path : rmn_store_default_path(), &opt, out);
}

/* --checkpoints, else $RMN_CHECKPOINTS, else "checkpoints" beside the store file. */
static void checkpoint_root(const rmn_experiment_options *o, const char *db_path, char *buf, size_t cap) {
    const char *env = rmn_env_get("RMN_CHECKPOINTS");
    const char *slash = strrchr(db_path, '/');
    if (o->checkpoint_root)
        snprintf(buf, cap, "%s", o->checkpoint_root);
    else if (env && *env)
        snprintf(buf, cap, "%s", env);
    else if (slash)
        snprintf(buf, cap, "%.*s/checkpoints", (int)(slash - db_path), db_path);
    else
        snprintf(buf, cap, "checkpoints");
}

static void print_result(FILE *out, const rmn_train_result *res, const char *run_name) {
    if (!out)
        return;
    fprintf(out, "run %lld %s: %d epochs, best val acc %.2f%% (epoch %d), test acc %.2f%%%s", (long long)res->run_id,
            run_name, res->epochs, 100 * res->best_val_acc, res->best_epoch, 100 * res->test_acc,
            rmn_top5_reported(res->n_classes) ? rmn_fmt_top5(res->test_acc5) : "");
    if (res->test_acc_tta == res->test_acc_tta)
        fprintf(out, ", with TTA %.2f%%", 100 * res->test_acc_tta);
    fprintf(out, ", %.0f s\n", res->seconds);
    fflush(out);
}

/* The experiment's "ensemble": its members' newest finished runs, fused three ways. */
static int fuse_experiment(rmn_store *store, const rmn_experiment *exp, FILE *out) {
    int64_t ids[RMN_ENSEMBLE_MAX_MEMBERS];
    rmn_ensemble_pool pool;
    if (exp->n_members > RMN_ENSEMBLE_MAX_MEMBERS)
        return RMN_ERROR(RMN_EINVAL, "experiment %s: at most %d ensemble members", exp->name, RMN_ENSEMBLE_MAX_MEMBERS);
    RMN_TRY(rmn_ensemble_find_members(store, exp->name, exp->members, exp->n_members, ids));
    RMN_TRY(rmn_ensemble_pool_load(store, ids, exp->n_members, exp->ensemble_tta_n, &pool));
    int rc = rmn_ensemble_fuse_all(store, exp->name, &pool, out);
    rmn_ensemble_pool_free(&pool);
    return rc;
}

/* Marks the runs the options exclude (batch_size 0) and applies seed/epochs/precision
 * overrides. */
static int select_runs(rmn_experiment *exp, const rmn_experiment_options *o) {
    int n_selected = 0;
    rmn_precision prec;
    if (o->precision && rmn_precision_parse(o->precision, "precision", &prec) != RMN_OK)
        return rmn_error_code();
    if (o->index >= exp->n_runs)
        return RMN_ERROR(RMN_EINVAL, "experiment %s has %d runs: no run of index %ld", exp->name, exp->n_runs,
                         o->index);
    for (int i = 0; i < exp->n_runs; ++i) {
        rmn_train_config *cfg = &exp->runs[i];
        if ((o->only && strcmp(o->only, cfg->model_name) != 0 && strcmp(o->only, cfg->arch) != 0) ||
            (o->index >= 0 && o->index != i)) {
            cfg->batch_size = 0;
            continue;
        }
        if (o->seed >= 0)
            cfg->seed = (uint64_t)o->seed;
        if (o->epochs > 0)
            cfg->max_epoch_num = (int)o->epochs - 1;
        if (o->precision)
            snprintf(cfg->precision, sizeof cfg->precision, "%s", o->precision);
        ++n_selected;
    }
    if (n_selected == 0) {
        /* the valid names: each run's model_name and arch, once */
        const char **names = calloc((size_t)exp->n_runs * 2 + 1, sizeof *names);
        int n = 0;
        for (int i = 0; names && i < 2 * exp->n_runs; ++i) {
            const char *v = i % 2 ? exp->runs[i / 2].arch : exp->runs[i / 2].model_name;
            int seen = 0;
            for (int k = 0; k < n && !seen; ++k)
                seen = strcmp(names[k], v) == 0;
            if (!seen)
                names[n++] = v;
        }
        char hint[1500];
        rmn_suggest(o->only, names, n, "its models and architectures", 40, hint, sizeof hint);
        free(names);
        return RMN_ERROR(RMN_EINVAL, "experiment %s has no run matching --only %s%s", exp->name, o->only,
                         hint);
    }
    return RMN_OK;
}

/* The FERPlus votes of an experiment: --ferplus, else its "ferplus" (NULL: none). */
static const char *ferplus_path(const rmn_experiment *exp, const rmn_experiment_options *o) {
    return o->ferplus_path ? o->ferplus_path : exp->ferplus;
}

static int load_data(const rmn_experiment *exp, const rmn_experiment_options *o, rmn_dataset *ds) {
    char sample[4096];
    const char *path = o->data_path ? o->data_path : exp->data;
    if (strcmp(path, "sample") == 0) {
        RMN_TRY(rmn_dataset_default_path(sample, sizeof sample));
        path = sample;
    }
    /* an image folder is cached at the largest side a selected run needs */
    rmn_dataset_options dopt = {.ferplus = ferplus_path(exp, o), .quiet = !o->log};
    for (int i = 0; i < exp->n_runs; ++i) {
        int side = exp->runs[i].batch_size ? rmn_train_config_data_side(&exp->runs[i]) : 0;
        dopt.side = side > dopt.side ? side : dopt.side;
    }
    if (o->log)
        fprintf(o->log, "rmn: loading %s%s%s\n", path, dopt.ferplus ? " relabelled by " : "",
                dopt.ferplus ? dopt.ferplus : "");
    return rmn_dataset_load_opts(path, &dopt, ds);
}

/* Every selected run fits the data: its classes are the data's; soft targets need the data's. */
static int check_runs_fit(const rmn_experiment *exp, const rmn_dataset *ds) {
    for (int i = 0; i < exp->n_runs; ++i) {
        const rmn_train_config *cfg = &exp->runs[i];
        if (cfg->batch_size == 0)
            continue;
        char name[160];
        rmn_train_run_name(cfg, name, sizeof name);
        if (cfg->num_classes != ds->n_classes)
            return RMN_ERROR(RMN_EINVAL, "run %s: num_classes is %d, the data (%s) has %d classes", name,
                             cfg->num_classes, ds->path, ds->n_classes);
        if (strcmp(cfg->target, "soft") == 0 && !ds->split[RMN_SPLIT_TRAIN].soft)
            return RMN_ERROR(RMN_EINVAL, "run %s: target \"soft\" needs target distributions, which %s has not "
                             "(FERPlus: give its fer2013new.csv with --ferplus)", name, ds->path);
    }
    return RMN_OK;
}

static int is_member(const rmn_experiment *exp, const rmn_train_config *cfg) {
    for (int m = 0; m < exp->n_members; ++m)
        if (strcmp(exp->members[m], cfg->model_name) == 0)
            return 1;
    return 0;
}

static int n_threads(const rmn_experiment_options *o) {
#ifdef _OPENMP
    return o->threads > 0 ? o->threads : omp_get_max_threads();
#else
    (void)o;
    return 1;
#endif
}

/* Per selected run: not yet decided, done (trained here, finished elsewhere, or failed here), or
 * held by another live process. */
enum { RUN_OPEN, RUN_DONE, RUN_HELD };

/* Trains the claimed run i (new or taken over); a failure is recorded in *status/first_error. */
static int train_claimed(rmn_experiment *exp, const rmn_experiment_options *o, rmn_store *store,
                         const rmn_dataset *ds, int i, int outcome, int64_t run_id, const char *ckpt,
                         int *status, char *first_error, size_t cap) {
    char run_name[160];
    rmn_train_run_name(&exp->runs[i], run_name, sizeof run_name);
    rmn_train_job job = {.store = store, .experiment = exp->name, .data = ds, .cfg = &exp->runs[i],
                         .threads = o->threads, .log = o->log, .stop = o->stop, .checkpoint_dir = ckpt,
                         .resume_run_id = outcome == RMN_CLAIM_TAKEN_OVER ? run_id : 0,
                         .claimed_run_id = outcome == RMN_CLAIM_NEW ? run_id : 0,
                         .ferplus = ferplus_path(exp, o), .precision_fallback = o->precision_fallback};
    rmn_train_result res;
    int rc = rmn_train_run(&job, &res);
    if (rc == RMN_OK) {
        print_result(o->out, &res, run_name);
        return RMN_OK;
    }
    if (o->log)
        fprintf(o->log, "rmn: error: %s\n", rmn_error_message());
    if (*status == RMN_OK) {
        *status = rc;
        snprintf(first_error, cap, "%s", rmn_error_message());
    }
    return rc;
}

/* One pass over the runs not yet done: claim each; train what this process got. Sets *n_held to
 * the runs other live processes hold (reported once each). Returns RMN_EINTR on a stop request
 * and store failures; training failures go to *status. */
static int claim_pass(rmn_experiment *exp, const rmn_experiment_options *o, rmn_store *store,
                      const rmn_dataset *ds, const char *ckpt, int *state, int64_t *held, int *n_held, int *status,
                      char *first_error, size_t cap) {
    *n_held = 0;
    for (int i = 0; i < exp->n_runs; ++i) {
        if (o->stop && *o->stop)
            return RMN_ERROR(RMN_EINTR, "stopped by a signal");
        if (exp->runs[i].batch_size == 0 || state[i] == RUN_DONE)
            continue;
        rmn_train_run_key key;
        int rc = rmn_train_run_key_init(&key, exp->name, &exp->runs[i], ds->sha256, n_threads(o));
        if (rc != RMN_OK) { /* a configuration that cannot be built: nothing claimed, the others run */
            char run_name[160];
            rmn_train_run_name(&exp->runs[i], run_name, sizeof run_name);
            rmn_error_prefix("run %s", run_name);
            if (o->log)
                fprintf(o->log, "rmn: error: %s\n", rmn_error_message());
            if (*status == RMN_OK) {
                *status = rc;
                snprintf(first_error, cap, "%s", rmn_error_message());
            }
            state[i] = RUN_DONE;
            continue;
        }
        int outcome;
        rmn_run_claim row;
        RMN_TRY(rmn_run_claim_once(store, &key.info, &outcome, &row));
        if (outcome == RMN_CLAIM_FINISHED) {
            if (o->log)
                fprintf(o->log, "rmn: run %lld %s is finished%s: skipped\n", (long long)row.run_id, key.name,
                        state[i] == RUN_HELD ? " (by another process)" : "");
            state[i] = RUN_DONE;
        } else if (outcome == RMN_CLAIM_LIVE) {
            if (state[i] != RUN_HELD && o->log) {
                char who[300];
                rmn_run_holder_text(&row, who, sizeof who);
                fprintf(o->log, "rmn: run %lld %s is running in another process (%s): skipped here\n",
                        (long long)row.run_id, key.name, who);
            }
            state[i] = RUN_HELD;
            held[i] = row.run_id;
            ++*n_held;
        } else {
            if (o->log && outcome == RMN_CLAIM_TAKEN_OVER)
                fprintf(o->log, "rmn: run %lld %s was stopped (%s): resuming it\n", (long long)row.run_id, key.name,
                        state[i] == RUN_HELD ? "its process died" : "not finished");
            state[i] = RUN_DONE;
            rc = train_claimed(exp, o, store, ds, i, outcome, row.run_id, ckpt, status, first_error, cap);
            if (rc == RMN_EINTR)
                return rc;
        }
    }
    return RMN_OK;
}

/* Records a wait for every ensemble member another process holds (rmn-exp status). */
static int record_waits(const rmn_experiment *exp, rmn_store *store, const int *state, const int64_t *held) {
    for (int i = 0; i < exp->n_runs; ++i)
        if (state[i] == RUN_HELD && is_member(exp, &exp->runs[i]))
            RMN_TRY(rmn_store_wait_begin(store, rmn_process_self(), held[i]));
    return RMN_OK;
}

static int run_all(rmn_experiment *exp, const rmn_experiment_options *o, rmn_store *store, const rmn_dataset *ds) {
    char ckpt[4096];
    checkpoint_root(o, rmn_store_path(store), ckpt, sizeof ckpt);
    int status = RMN_OK, rc = RMN_OK, n_held = 0, waiting = 0;
    char first_error[2048] = "";
    int *state = calloc((size_t)exp->n_runs + 1, sizeof *state);
    int64_t *held = calloc((size_t)exp->n_runs + 1, sizeof *held);
    if (!state || !held) {
        free(state);
        free(held);
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    }
    const int fuse = exp->n_members > 0 && !o->only && o->index < 0;
    int64_t nap = 100;
    for (;;) {
        if ((rc = claim_pass(exp, o, store, ds, ckpt, state, held, &n_held, &status, first_error,
                             sizeof first_error)) != RMN_OK)
            break;
        /* runs held by others: only the ensemble needs them; wait for its members */
        int n_members_held = 0;
        for (int i = 0; i < exp->n_runs; ++i)
            n_members_held += state[i] == RUN_HELD && is_member(exp, &exp->runs[i]);
        if (!fuse || status != RMN_OK || n_members_held == 0)
            break;
        if (!waiting) {
            if ((rc = rmn_run_waits_prune(store)) != RMN_OK)
                break;
            if (o->log)
                fprintf(o->log, "rmn: waiting for %d ensemble member%s trained by other processes\n",
                        n_members_held, n_members_held == 1 ? "" : "s");
            waiting = 1;
        }
        /* the wait rows are written each pass: a member may be held by a new process now */
        if ((rc = record_waits(exp, store, state, held)) != RMN_OK)
            break;
        if (rmn_run_nap(nap, o->stop)) {
            rc = RMN_ERROR(RMN_EINTR, "stopped by a signal while waiting for ensemble members");
            break;
        }
        nap = nap * 2 > 2000 ? 2000 : nap * 2;
    }
    if (waiting) {
        char saved[2048];
        snprintf(saved, sizeof saved, "%s", rmn_error_message());
        int e = rmn_store_wait_end(store, rmn_process_self());
        if (rc == RMN_OK)
            rc = e;
        else
            rmn_error_restore(rc, saved);
    }
    free(state);
    free(held);
    if (rc == RMN_OK && status != RMN_OK) {
        rmn_error_restore(status, first_error);
        rc = status;
    }
    if (rc != RMN_OK)
        return rc;
    if (!(o->stop && *o->stop) && fuse)
        return fuse_experiment(store, exp, o->out);
    return RMN_OK;
}

/* A rank other than 0 finds its own configuration of the run rank 0 names (train/trainer.h). */
static int lookup_run(void *ctx, const char *run_name, rmn_train_config *cfg) {
    const rmn_experiment *exp = ctx;
    for (int i = 0; i < exp->n_runs; ++i) {
        char name[160];
        rmn_train_run_name(&exp->runs[i], name, sizeof name);
        if (exp->runs[i].batch_size > 0 && strcmp(name, run_name) == 0) {
            *cfg = exp->runs[i];
            return RMN_OK;
        }
    }
    return RMN_ERROR(RMN_ENOTFOUND, "experiment %s has no selected run %s", exp->name, run_name);
}

int rmn_experiment_execute(rmn_experiment *exp, const rmn_experiment_options *o) {
    RMN_TRY(rmn_experiment_validate(exp)); /* the whole file, before data, store or training */
    RMN_TRY(select_runs(exp, o));
    for (int i = 0; i < exp->n_runs; ++i)
        if (exp->runs[i].batch_size > 0)
            RMN_TRY(rmn_train_config_check_ranks(&exp->runs[i], rmn_dist_size()));
    rmn_dataset ds;
    memset(&ds, 0, sizeof ds);
    if (rmn_dist_rank() > 0) { /* rank 0 runs the experiment; this rank trains with it */
        rmn_experiment_options quiet = *o;
        quiet.log = NULL;
        RMN_TRY(load_data(exp, &quiet, &ds));
        rmn_train_follower f = {.data = &ds, .lookup = lookup_run, .ctx = exp, .threads = o->threads, .stop = o->stop,
                                .precision_fallback = o->precision_fallback};
        int rc = rmn_train_follow(&f);
        rmn_dataset_free(&ds);
        return rc;
    }
    /* from here every way out passes rmn_train_ranks_end, which lets the other ranks go */
    int rc = rmn_store_check_writable(o->db_path ? o->db_path : rmn_store_default_path());
    const int loaded = rc == RMN_OK && (rc = load_data(exp, o, &ds)) == RMN_OK; /* data first: bad
                                                          input never writes to the store */
    if (rc == RMN_OK)
        rc = check_runs_fit(exp, &ds);
    rmn_store *store = NULL;
    if (rc == RMN_OK)
        rc = rmn_experiment_open_store(o, RMN_STORE_CREATE, &store);
    if (rc == RMN_OK) {
        rc = run_all(exp, o, store, &ds);
        rmn_store_close(store);
    }
    rmn_train_ranks_end();
    if (loaded)
        rmn_dataset_free(&ds);
    return rc;
}

int rmn_experiment_fuse(rmn_experiment *exp, const rmn_experiment_options *o) {
    RMN_TRY(rmn_experiment_validate(exp));
    if (exp->n_members == 0) {
        if (o->out)
            fprintf(o->out, "experiment %s has no ensemble: nothing to fuse\n", exp->name);
        return RMN_OK;
    }
    rmn_store *store;
    RMN_TRY(rmn_experiment_open_store(o, RMN_STORE_WRITE, &store));
    int rc = fuse_experiment(store, exp, o->out);
    rmn_store_close(store);
    return rc;
}

// --- resume ---------------------------------------------------------------------------------

/* The run becomes this process's, unless it finished or another live process took it
 * meanwhile. */
static int claim_for_resume(rmn_store *store, int64_t run_id, const char *name) {
    int outcome;
    rmn_run_claim row;
    RMN_TRY(rmn_store_run_claim_id(store, run_id, rmn_process_self(), rmn_run_owner_live, NULL, &outcome, &row));
    if (outcome == RMN_CLAIM_FINISHED)
        return RMN_ERROR(RMN_EINVAL, "run %lld %s is finished: nothing to resume", (long long)run_id, name);
    if (outcome == RMN_CLAIM_LIVE) {
        char who[300];
        rmn_run_holder_text(&row, who, sizeof who);
        return RMN_ERROR(RMN_EINVAL, "run %lld %s is running in another process (%s): nothing to resume",
                         (long long)run_id, name, who);
    }
    return RMN_OK;
}

static int resume_in(rmn_store *store, const char *ref, const rmn_experiment_options *o) {
    int64_t run_id;
    rmn_run_detail d;
    rmn_kv *params = NULL;
    int np = 0, live = 0, rc;
    memset(&d, 0, sizeof d);
    if ((rc = rmn_store_run_resolve(store, ref, &run_id)) != RMN_OK || (rc = rmn_store_run_detail(store, run_id, &d)) != RMN_OK ||
        (rc = rmn_store_run_kv(store, run_id, "params", &params, &np)) != RMN_OK ||
        (rc = rmn_train_run_is_live(store, run_id, &live)) != RMN_OK)
        goto done;
    /* a first look, before loading data; the claim further below decides */
    if (live) {
        rmn_run_claim held;
        char who[300];
        if ((rc = rmn_store_run_claim_get(store, run_id, &held)) != RMN_OK)
            goto done;
        rmn_run_holder_text(&held, who, sizeof who);
        rc = RMN_ERROR(RMN_EINVAL, "run %lld %s is running in another process (%s): nothing to resume",
                       (long long)run_id, d.sum.name, who);
        goto done;
    }
    if (strcmp(d.sum.status, "FINISHED") == 0 || strcmp(d.sum.kind, "train") != 0) {
        rc = RMN_ERROR(RMN_EINVAL, "run %lld %s is %s: nothing to resume", (long long)run_id, d.sum.name,
                       strcmp(d.sum.kind, "train") ? d.sum.kind : "finished");
        goto done;
    }
    rmn_train_config cfg;
    if ((rc = rmn_train_config_from_canonical(&cfg, d.config_text, "runs.config_text")) != RMN_OK)
        goto done;
    const char *data_path = o->data_path, *ferplus = o->ferplus_path;
    for (int i = 0; i < np; ++i) {
        if (!data_path && strcmp(params[i].key, "data") == 0)
            data_path = params[i].value;
        if (!ferplus && strcmp(params[i].key, "ferplus") == 0)
            ferplus = params[i].value;
    }
    if (!data_path) {
        rc = RMN_ERROR(RMN_EINVAL, "run %lld records no data file: give --data FILE", (long long)run_id);
        goto done;
    }
    rmn_dataset ds;
    rmn_dataset_options dopt = {.ferplus = ferplus, .side = rmn_train_config_data_side(&cfg), .quiet = !o->log};
    if (o->log)
        fprintf(o->log, "rmn: loading %s\n", data_path);
    if ((rc = rmn_dataset_load_opts(data_path, &dopt, &ds)) != RMN_OK)
        goto done;
    if (d.dataset_sha256 && strcmp(d.dataset_sha256, ds.sha256) != 0) {
        rc = RMN_ERROR(RMN_EINVAL, "%s is not the data run %lld was trained on (sha256 %s, recorded %s)", data_path,
                       (long long)run_id, ds.sha256, d.dataset_sha256);
    } else if ((rc = claim_for_resume(store, run_id, d.sum.name)) == RMN_OK) {
        char ckpt[4096];
        checkpoint_root(o, rmn_store_path(store), ckpt, sizeof ckpt);
        rmn_train_job job = {.store = store, .experiment = d.sum.experiment, .data = &ds, .cfg = &cfg,
                             .threads = o->threads, .log = o->log, .stop = o->stop, .checkpoint_dir = ckpt,
                             .resume_run_id = run_id, .finish_now = o->finish, .ferplus = ferplus,
                             .precision = o->precision, .precision_fallback = o->precision_fallback};
        rmn_train_result res;
        if ((rc = rmn_train_run(&job, &res)) == RMN_OK)
            print_result(o->out, &res, d.sum.name);
    }
    rmn_dataset_free(&ds);
done:
    rmn_kv_free(params, np);
    rmn_run_detail_free(&d);
    return rc;
}

int rmn_experiment_resume(const char *ref, const rmn_experiment_options *o) {
    if (rmn_dist_rank() > 0) { /* rank 0 reads the store and names the run and its data */
        rmn_train_follower f = {.threads = o->threads, .stop = o->stop, .precision = o->precision,
                                .precision_fallback = o->precision_fallback};
        return rmn_train_follow(&f);
    }
    rmn_store *store;
    int rc = rmn_experiment_open_store(o, RMN_STORE_WRITE, &store);
    if (rc == RMN_OK) {
        rc = resume_in(store, ref, o);
        rmn_store_close(store);
    }
    rmn_train_ranks_end();
    return rc;
}

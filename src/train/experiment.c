/* experiment.c -- run an experiment, resume a run; see experiment.h. */
#include "train/experiment.h"

#include "core/error.h"
#include "data/fer2013.h"
#include "store/store.h"
#include "train/ensemble.h"
#include "train/runs.h"
#include "train/trainer.h"
#include "train/validate.h"

#include <stdlib.h>
#include <string.h>

int rmn_experiment_open_store(const rmn_experiment_options *o, rmn_store **out) {
    rmn_store_options opt = {.busy_timeout_ms = o->busy_timeout_ms};
    return rmn_store_open_opts(o->db_path ? o->db_path : rmn_store_default_path(), &opt, out);
}

/* --checkpoints, else $RMN_CHECKPOINTS, else "checkpoints" beside the store file. */
static void checkpoint_root(const rmn_experiment_options *o, const char *db_path, char *buf, size_t cap) {
    const char *env = getenv("RMN_CHECKPOINTS");
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
    fprintf(out, "run %lld %s: %d epochs, best val acc %.2f%% (epoch %d), test acc %.2f%%", (long long)res->run_id,
            run_name, res->epochs, 100 * res->best_val_acc, res->best_epoch, 100 * res->test_acc);
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

/* Marks the runs the options exclude (batch_size 0) and applies seed/epochs overrides. */
static int select_runs(rmn_experiment *exp, const rmn_experiment_options *o) {
    int n_selected = 0;
    for (int i = 0; i < exp->n_runs; ++i) {
        rmn_train_config *cfg = &exp->runs[i];
        if (o->only && strcmp(o->only, cfg->model_name) != 0 && strcmp(o->only, cfg->arch) != 0) {
            cfg->batch_size = 0;
            continue;
        }
        if (o->seed >= 0)
            cfg->seed = (uint64_t)o->seed;
        if (o->epochs > 0)
            cfg->max_epoch_num = (int)o->epochs - 1;
        ++n_selected;
    }
    if (n_selected == 0)
        return RMN_ERROR(RMN_EINVAL, "experiment %s has no run matching --only %s", exp->name, o->only);
    return RMN_OK;
}

static int load_data(const rmn_experiment *exp, const rmn_experiment_options *o, rmn_dataset *ds) {
    char sample[4096];
    const char *path = o->data_path ? o->data_path : exp->data;
    if (strcmp(path, "sample") == 0) {
        RMN_TRY(rmn_dataset_default_path(sample, sizeof sample));
        path = sample;
    }
    if (o->log)
        fprintf(o->log, "rmn: loading %s\n", path);
    return rmn_dataset_load(path, ds);
}

static int run_all(rmn_experiment *exp, const rmn_experiment_options *o, rmn_store *store, const rmn_dataset *ds) {
    char ckpt[4096];
    checkpoint_root(o, rmn_store_path(store), ckpt, sizeof ckpt);
    int status = RMN_OK;
    char first_error[2048] = "";
    for (int i = 0; i < exp->n_runs && !(o->stop && *o->stop); ++i) {
        if (exp->runs[i].batch_size == 0)
            continue;
        char run_name[160];
        rmn_train_run_name(&exp->runs[i], run_name, sizeof run_name);
        int action;
        int64_t existing;
        RMN_TRY(rmn_train_plan(store, exp->name, &exp->runs[i], &action, &existing));
        if (action == RMN_RUN_SKIP_FINISHED || action == RMN_RUN_SKIP_LIVE) {
            if (o->log)
                fprintf(o->log, "rmn: run %lld %s is %s: skipped\n", (long long)existing, run_name,
                        action == RMN_RUN_SKIP_FINISHED ? "finished" : "running in another process");
            continue;
        }
        rmn_train_job job = {.store = store, .experiment = exp->name, .data = ds, .cfg = &exp->runs[i],
                             .threads = o->threads, .log = o->log, .stop = o->stop, .checkpoint_dir = ckpt,
                             .resume_run_id = action == RMN_RUN_RESUME ? existing : 0};
        rmn_train_result res;
        int rc = rmn_train_run(&job, &res);
        if (rc == RMN_OK) {
            print_result(o->out, &res, run_name);
            continue;
        }
        if (o->log)
            fprintf(o->log, "rmn: error: %s\n", rmn_error_message());
        if (status == RMN_OK) {
            status = rc;
            snprintf(first_error, sizeof first_error, "%s", rmn_error_message());
        }
        if (rc == RMN_EINTR)
            break;
    }
    if (status != RMN_OK) {
        rmn_error_restore(status, first_error);
        return status;
    }
    if (!(o->stop && *o->stop) && exp->n_members > 0 && !o->only)
        return fuse_experiment(store, exp, o->out);
    return RMN_OK;
}

int rmn_experiment_execute(rmn_experiment *exp, const rmn_experiment_options *o) {
    RMN_TRY(rmn_experiment_validate(exp)); /* the whole file, before data, store or training */
    RMN_TRY(select_runs(exp, o));
    rmn_dataset ds;
    RMN_TRY(load_data(exp, o, &ds)); /* data first: bad input never writes to the store */
    rmn_store *store;
    int rc = rmn_experiment_open_store(o, &store);
    if (rc == RMN_OK) {
        rc = run_all(exp, o, store, &ds);
        rmn_store_close(store);
    }
    rmn_dataset_free(&ds);
    return rc;
}

// --- resume ---------------------------------------------------------------------------------

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
    if (strcmp(d.sum.status, "FINISHED") == 0 || live || strcmp(d.sum.kind, "train") != 0) {
        rc = RMN_ERROR(RMN_EINVAL, "run %lld %s is %s: nothing to resume", (long long)run_id, d.sum.name,
                       live ? "running in another process" : (strcmp(d.sum.kind, "train") ? d.sum.kind : "finished"));
        goto done;
    }
    rmn_train_config cfg;
    if ((rc = rmn_train_config_from_canonical(&cfg, d.config_text, "runs.config_text")) != RMN_OK)
        goto done;
    const char *data_path = o->data_path;
    for (int i = 0; i < np && !data_path; ++i)
        if (strcmp(params[i].key, "data") == 0)
            data_path = params[i].value;
    if (!data_path) {
        rc = RMN_ERROR(RMN_EINVAL, "run %lld records no data file: give --data FILE", (long long)run_id);
        goto done;
    }
    rmn_dataset ds;
    if (o->log)
        fprintf(o->log, "rmn: loading %s\n", data_path);
    if ((rc = rmn_dataset_load(data_path, &ds)) != RMN_OK)
        goto done;
    if (d.dataset_sha256 && strcmp(d.dataset_sha256, ds.sha256) != 0) {
        rc = RMN_ERROR(RMN_EINVAL, "%s is not the data run %lld was trained on (sha256 %s, recorded %s)", data_path,
                       (long long)run_id, ds.sha256, d.dataset_sha256);
    } else {
        char ckpt[4096];
        checkpoint_root(o, rmn_store_path(store), ckpt, sizeof ckpt);
        rmn_train_job job = {.store = store, .experiment = d.sum.experiment, .data = &ds, .cfg = &cfg,
                             .threads = o->threads, .log = o->log, .stop = o->stop, .checkpoint_dir = ckpt,
                             .resume_run_id = run_id, .finish_now = o->finish};
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
    rmn_store *store;
    RMN_TRY(rmn_experiment_open_store(o, &store));
    int rc = resume_in(store, ref, o);
    rmn_store_close(store);
    return rc;
}

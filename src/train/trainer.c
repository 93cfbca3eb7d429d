/* trainer.c -- one run start to finish (trainer.h): its row in the store (new or resumed),
 * params, checkpoint folder and liveness tags, the training (train_epoch.c) and the run's end
 * state; several ranks are told of it first (train_ranks.c). */
#include "train/trainer.h"
#include "train/train_state.h"

#include "core/error.h"
#include "core/progress.h"
#include "dist/dist.h"
#include "train/checkpoint.h"
#include "train/runs.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static int effective_threads(const rmn_train_job *job) {
#ifdef _OPENMP
    return job->threads > 0 ? job->threads : omp_get_max_threads();
#else
    (void)job;
    return 1;
#endif
}

// --- recording ------------------------------------------------------------------------------

static int record_params(const rmn_train_job *job, int64_t run_id, const char *canonical) {
    /* every canonical key=value line becomes a param, plus what the config does not hold */
    const char *keys[72];
    const char *values[72];
    char *copy = strdup(canonical);
    if (!copy)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    int n = 0;
    for (char *line = strtok(copy, "\n"); line && n < 60; line = strtok(NULL, "\n")) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        keys[n] = line;
        values[n++] = eq + 1;
    }
    char threads[32];
    snprintf(threads, sizeof threads, "%d", effective_threads(job));
    keys[n] = "data";
    values[n++] = job->data->path;
    /* what reports label by: the data set's name and its classes (JSON array) */
    char *classes = rmn_dataset_classes_json(job->data);
    if (!classes) {
        free(copy);
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    }
    keys[n] = "dataset";
    values[n++] = job->data->name;
    keys[n] = "classes";
    values[n++] = classes;
    if (job->ferplus) {
        keys[n] = "ferplus";
        values[n++] = job->ferplus;
    }
    if (job->data->test_is_val) {
        keys[n] = "test_split";
        values[n++] = "val";
    }
    keys[n] = "threads";
    values[n++] = threads;
    keys[n] = "selection_split";
    values[n++] = "val";
    int rc = rmn_store_run_params(job->store, run_id, n, keys, values);
    free(copy);
    free(classes);
    return rc;
}

static int mkdir_p(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; ++p) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return RMN_ERROR(RMN_EIO, "%s: cannot create directory: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return RMN_ERROR(RMN_EIO, "%s: cannot create directory: %s", buf, strerror(errno));
    return RMN_OK;
}

/* Checkpoint writes go to NAME.tmp.PID, renamed over NAME when whole; a process killed while
 * writing leaves its temporary behind. The run is ours now (not live elsewhere): remove them. */
static int remove_stale_temporaries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d)
        return RMN_ERROR(RMN_EIO, "%s: cannot read the checkpoint directory: %s", dir, strerror(errno));
    int rc = RMN_OK;
    struct dirent *e;
    while (rc == RMN_OK && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "best.safetensors.tmp.", 21) != 0 && strncmp(e->d_name, "last.safetensors.tmp.", 21) != 0)
            continue;
        char path[4600];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0 && errno != ENOENT)
            rc = RMN_ERROR(RMN_EIO, "%s: cannot remove a stale temporary checkpoint: %s", path, strerror(errno));
    }
    closedir(d);
    return rc;
}

/* A new run row, or the stopped run reopened; then its checkpoint paths and liveness tags. */
static int open_run(const rmn_train_job *job, train_state *st, const char *canonical, const char *run_name,
                    rmn_train_result *res) {
    const rmn_train_config *cfg = job->cfg;
    char model[80];
    rmn_train_config_model(cfg, model, sizeof model);
    if (job->resume_run_id) {
        st->run_id = job->resume_run_id;
        RMN_TRY(rmn_store_run_reopen(job->store, st->run_id));
        /* the run row and its params are two transactions: a kill in between leaves none */
        rmn_kv *params;
        int np;
        RMN_TRY(rmn_store_run_kv(job->store, st->run_id, "params", &params, &np));
        rmn_kv_free(params, np);
        if (np == 0)
            RMN_TRY(record_params(job, st->run_id, canonical));
    } else {
        rmn_run_info info = {.experiment = job->experiment, .name = run_name, .kind = "train",
                             .model = model, .n_params = res->n_params, .seed = (int64_t)cfg->seed,
                             .config_text = canonical, .dataset_sha256 = job->data->sha256,
                             .n_threads = effective_threads(job), .parent_run_id = 0};
        if (job->claimed_run_id)
            st->run_id = job->claimed_run_id;
        else
            RMN_TRY(rmn_store_run_begin(job->store, &info, &st->run_id));
        res->run_id = st->run_id;
        RMN_TRY(record_params(job, st->run_id, canonical));
    }
    res->run_id = st->run_id;
    rmn_run_summary sum;
    RMN_TRY(rmn_store_run_summary(job->store, st->run_id, &sum));
    snprintf(st->uuid, sizeof st->uuid, "%s", sum.uuid);
    rmn_run_summary_clear(&sum);
    snprintf(st->run_dir, sizeof st->run_dir, "%s/%s", job->checkpoint_dir ? job->checkpoint_dir : "checkpoints",
             st->uuid);
    snprintf(st->best_path, sizeof st->best_path, "%s/best.safetensors", st->run_dir);
    snprintf(st->last_path, sizeof st->last_path, "%s/last.safetensors", st->run_dir);
    RMN_TRY(mkdir_p(st->run_dir));
    if (job->resume_run_id)
        RMN_TRY(remove_stale_temporaries(st->run_dir));
    char pid[32], host[256] = "";
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    gethostname(host, sizeof host - 1);
    RMN_TRY(rmn_store_run_tag(job->store, st->run_id, "pid", pid));
    RMN_TRY(rmn_store_run_tag(job->store, st->run_id, "host", host));
    RMN_TRY(rmn_store_run_tag(job->store, st->run_id, "checkpoint_dir", st->run_dir));
    /* the arithmetic this attempt computes in (a CPU without bf16 falls back to fp32) */
    RMN_TRY(rmn_store_run_tag(job->store, st->run_id, "precision", rmn_precision_name(rmn_net_precision(st->net))));
    if (st->world > 1) { /* data-parallel: this attempt's rank count */
        char ranks[16];
        snprintf(ranks, sizeof ranks, "%d", st->world);
        RMN_TRY(rmn_store_run_tag(job->store, st->run_id, "ranks", ranks));
    }
    if (job->resume_run_id && access(st->last_path, F_OK) == 0) {
        RMN_TRY(rmn_checkpoint_load(st->last_path, st->net, &st->opt, &st->ts));
        if (job->log)
            fprintf(job->log, "run %lld %s: resuming after epoch %d (best val acc %.2f%% at epoch %d)\n",
                    (long long)st->run_id, run_name, st->ts.epoch, 100 * st->ts.best_val_acc, st->ts.best_epoch);
    }
    return RMN_OK;
}

int rmn_train_run(const rmn_train_job *job, rmn_train_result *res) {
    memset(res, 0, sizeof *res);
    const rmn_train_config *cfg = job->cfg;
    const int world = rmn_dist_size();
    train_state st;
    memset(&st, 0, sizeof st);
    char canonical[4096], run_name[160];
    rmn_train_run_name(cfg, run_name, sizeof run_name);
    int rc = rmn_train_config_canonical(cfg, canonical, sizeof canonical), told = 0;
    if (rc == RMN_OK && world > 1 && !job->finish_now) { /* the other ranks train it with us */
        rmn_trainer_ranks_command(CMD_TRAIN, run_name, job->data->path, canonical);
        rc = rmn_trainer_ranks_agree(run_name, canonical, job->data->sha256);
        told = rc == RMN_OK;
    }
    if (rc == RMN_OK)
        rc = rmn_trainer_state_init(job, &st);
    if (rc != RMN_OK) {
        if (told)
            rmn_trainer_ranks_start(&st, 0);
        rmn_trainer_state_free(&st);
        /* nothing recorded: the configuration cannot even be built; a run already claimed for
         * this job is ended with the reason */
        int64_t held = job->resume_run_id ? job->resume_run_id : job->claimed_run_id;
        if (held) {
            char message[2048];
            snprintf(message, sizeof message, "%s", rmn_error_message());
            if (rmn_store_run_finish(job->store, held, "FAILED", message) != RMN_OK)
                rmn_warning("could not mark run %lld FAILED: %s", (long long)held, rmn_error_message());
            rmn_error_restore(rc, message);
        }
        return rc;
    }
    res->n_params = (int64_t)rmn_net_param_count(st.net);
    res->n_classes = cfg->num_classes;
    rc = open_run(job, &st, canonical, run_name, res);
    if (told) {
        int started = rmn_trainer_ranks_start(&st, rc == RMN_OK);
        rc = rc == RMN_OK ? started : rc;
    }
    if (rc == RMN_OK && job->log && st.ts.epoch == 0)
        fprintf(job->log, "run %lld %s: %s, %lld parameters, %d train / %d val / %d test images\n",
                (long long)st.run_id, run_name, cfg->arch, (long long)res->n_params, job->data->split[0].n,
                job->data->split[1].n, job->data->split[2].n);
    double t0 = rmn_monotonic_s();
    if (rc == RMN_OK)
        rc = rmn_trainer_body(job, &st, res);
    res->seconds = rmn_monotonic_s() - t0;
    const int lost = st.lost;
    rmn_trainer_state_free(&st);
    if (!res->run_id)
        return rc;
    if (lost || (rc == RMN_OK && rmn_run_check_held(job->store, res->run_id) != RMN_OK)) {
        rmn_error_prefix("run %s", run_name); /* another process holds it now: its status is theirs */
        return rmn_error_code();
    }
    if (rc == RMN_OK)
        return rmn_store_run_finish(job->store, res->run_id, "FINISHED", NULL);
    /* keep the original error: recording the failure must not replace its message */
    char message[2048];
    snprintf(message, sizeof message, "%s", rmn_error_message());
    const char *status = rc == RMN_EINTR ? "KILLED" : "FAILED";
    if (rmn_store_run_finish(job->store, res->run_id, status, message) != RMN_OK)
        rmn_warning("could not mark run %lld %s: %s", (long long)res->run_id, status, rmn_error_message());
    rmn_error_restore(rc, message);
    rmn_error_prefix("run %s", run_name);
    return rc;
}

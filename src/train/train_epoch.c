/* train_epoch.c -- a run's epochs on every rank (steps, the epoch's end: validation, metrics,
 * checkpoints, early stop and schedule) and, on rank 0, the final evaluations of the best weights
 * (train_state.h). */
#include "train/train_state.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "data/augment.h"
#include "data/batch.h"
#include "optim/schedule.h"
#include "train/evaluate.h"
#include "train/runs.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int record_artifact(const rmn_train_job *job, int64_t run_id, const char *kind, const char *path) {
    char hex[RMN_SHA256_HEX];
    struct stat sb;
    RMN_TRY(rmn_sha256_file(path, hex));
    if (stat(path, &sb) != 0)
        return RMN_ERROR(RMN_EIO, "%s: %s", path, strerror(errno));
    return rmn_store_artifact(job->store, run_id, kind, path, hex, (int64_t)sb.st_size);
}

// --- one epoch ------------------------------------------------------------------------------

/* With several ranks, a failure inside a step leaves the others waiting in a collective: it
 * ends the job (dist/dist.h). Alone, it is returned as usual. */
static int step_check(const train_state *st, int rc) {
    if (rc != RMN_OK && st->world > 1)
        rmn_dist_abort(rmn_error_message());
    return rc;
}

/* One step of a global batch of m samples, order[0..m): this rank's share of it; in sums the
 * loss times samples, correct predictions and stop requests summed over the ranks, and the
 * center loss times samples (alone); gradients of the global batch's mean, the optimizer's step. */
static int train_step(const rmn_train_job *job, train_state *st, const int32_t *order, int m,
                      const rmn_batch_spec *spec, double sums[4]) {
    const int lo = (int)((int64_t)m * st->rank / st->world);
    const int b = (int)((int64_t)m * (st->rank + 1) / st->world) - lo;
    double loss = 0;
    int ok = 0;
    if (b > 0) {
        RMN_TRY(step_check(st, rmn_batch_fill(st->x, st->labels, st->scratch, &job->data->split[RMN_SPLIT_TRAIN],
                                              order + lo, b, spec, &st->ts.augment)));
        RMN_TRY(step_check(st, rmn_net_forward(st->net, st->x, b, 1, &st->ts.dropout)));
        if (st->targets) { /* the images' vote distributions (FERPlus) */
            const rmn_split_data *train = &job->data->split[RMN_SPLIT_TRAIN];
            const size_t k = (size_t)job->cfg->num_classes;
            for (int i = 0; i < b; ++i)
                memcpy(st->targets + i * k, train->soft + (size_t)order[lo + i] * k, k * sizeof *st->targets);
            RMN_TRY(step_check(st, rmn_net_loss_soft(st->net, st->targets, st->labels, NULL, &loss, &ok)));
        } else {
            RMN_TRY(step_check(st, rmn_net_loss(st->net, st->labels, st->class_weights, &loss, &ok)));
        }
    }
    double closs = 0;
    if (st->centers) { /* alone only (rmn_train_config_check_ranks) */
        RMN_TRY(rmn_trainer_center_step(st, job->cfg, b, &closs));
        loss += job->cfg->center_loss_weight * closs;
        sums[3] += closs * b;
    }
    sums[0] = loss * b;
    sums[1] = ok;
    sums[2] = job->stop && *job->stop;
    rmn_dist_sum_doubles(sums, 3); /* every rank takes the same decisions below */
    if (sums[2] > 0)
        return RMN_ERROR(RMN_EINTR, "stopped by a signal");
    if (!isfinite(sums[0]))
        return RMN_ERROR(RMN_EINVAL, "training diverged: loss is %g", sums[0] / m);
    if (b > 0) {
        if (st->world > 1) /* this rank's mean counts b / m of the global batch's mean */
            RMN_TRY(step_check(st, rmn_net_loss_scale(st->net, (float)b / (float)m)));
        RMN_TRY(step_check(st, rmn_net_backward(st->net)));
    } else {
        memset(rmn_net_grads(st->net), 0, rmn_net_param_count(st->net) * sizeof(float));
    }
    if (st->grads_sum)
        rmn_dist_grads_finish(st->grads_sum);
    rmn_optimizer_step(&st->opt, rmn_net_params(st->net), rmn_net_grads(st->net));
    return RMN_OK;
}

static int train_epoch(const rmn_train_job *job, train_state *st, int epoch, double *loss_out,
                       double *acc_out, double *images_per_s, double *center_out) {
    const rmn_train_config *cfg = job->cfg;
    const int n = job->data->split[RMN_SPLIT_TRAIN].n, bs = cfg->batch_size;
    for (int i = 0; i < n; ++i)
        st->order[i] = i;
    rmn_rng_shuffle(&st->ts.shuffle, st->order, n); /* the same permutation on every rank */
    if (st->world > 1) { /* each rank's own augmentation and dropout, derived per epoch */
        const uint64_t tag = ((uint64_t)(st->rank + 1) << 16) | ((uint64_t)(epoch + 1) << 32);
        rmn_rng_init(&st->ts.augment, cfg->seed, RMN_STREAM_AUGMENT | tag);
        rmn_rng_init(&st->ts.dropout, cfg->seed, RMN_STREAM_DROPOUT | tag);
    }
    rmn_augment_params aug = rmn_train_config_augment(cfg);
    rmn_batch_spec spec = rmn_train_config_batch_spec(cfg, &aug);

    char label[64];
    snprintf(label, sizeof label, "epoch %d/%d", epoch + 1, cfg->max_epoch_num + 1);
    rmn_progress bar;
    rmn_progress_begin(&bar, job->log, label, n);
    if (!job->log)
        bar.mode = RMN_PROGRESS_OFF;
    double loss_sum = 0, center_sum = 0, t0 = rmn_monotonic_s(), last_beat = t0;
    int64_t correct = 0, seen = 0;
    char status[128] = "";
    for (int start = 0; start < n; start += bs) {
        if (st->world == 1 && job->stop && *job->stop)
            return RMN_ERROR(RMN_EINTR, "stopped by a signal in epoch %d", epoch + 1);
        const int m = n - start < bs ? n - start : bs;
        if (cfg->sync_bn && st->world > 1 && m < st->world)
            break; /* a last batch smaller than the ranks: with sync_bn every rank needs a sample */
        double sums[4] = {0, 0, 0, 0};
        int rc = train_step(job, st, st->order + start, m, &spec, sums);
        if (rc != RMN_OK) {
            rmn_error_prefix("epoch %d, batch %d", epoch + 1, start / bs + 1);
            return rc;
        }
        loss_sum += sums[0];
        center_sum += sums[3];
        correct += (int64_t)sums[1];
        seen += m;
        double now = rmn_monotonic_s(), dt = now - t0;
        snprintf(status, sizeof status, "loss %.3f acc %.1f%% %.0f img/s", loss_sum / (double)seen,
                 100.0 * (double)correct / (double)seen, dt > 0 ? (double)seen / dt : 0.0);
        rmn_progress_update(&bar, seen, status);
        if (job->store && now - last_beat > 60) { /* `rmn-exp status` tells a live run from a dead one */
            last_beat = now;
            RMN_TRY(step_check(st, rmn_store_run_heartbeat(job->store, st->run_id)));
        }
    }
    double dt = rmn_monotonic_s() - t0;
    *loss_out = loss_sum / (double)seen;
    *acc_out = (double)correct / (double)seen;
    *center_out = center_sum / (double)seen;
    *images_per_s = dt > 0 ? (double)seen / dt : 0.0;
    rmn_progress_end(&bar, status);
    return RMN_OK;
}

// --- epochs, then the final evaluations ------------------------------------------------------

/* The epoch's bookkeeping on every rank (best, plateau, schedule); rank 0 also writes the
 * checkpoints. */
static int end_of_epoch(const rmn_train_job *job, train_state *st, int epoch, double val_acc) {
    const rmn_train_config *cfg = job->cfg;
    rmn_train_state *ts = &st->ts;
    int improved = val_acc > ts->best_val_acc; /* strictly, as the thesis */
    if (improved) {
        ts->best_val_acc = val_acc;
        ts->best_epoch = epoch + 1;
        ts->plateau = 0;
        if (st->rank == 0) {
            RMN_TRY(rmn_checkpoint_save(st->best_path, st->net, cfg, st->uuid, NULL, st->centers ? ts : NULL,
                                        ts->best_val_acc, ts->best_epoch, epoch + 1));
            RMN_TRY(record_artifact(job, st->run_id, "checkpoint-best", st->best_path));
        }
    } else {
        ts->plateau++;
    }
    if (rmn_schedule_observe(&ts->schedule, 100.0 - 100.0 * val_acc) && job->log)
        fprintf(job->log, "  learning rate reduced to %g\n", ts->schedule.lr);
    ts->epoch = epoch + 1;
    if (st->rank != 0)
        return RMN_OK;
    RMN_TRY(rmn_checkpoint_save(st->last_path, st->net, cfg, st->uuid, &st->opt, ts, ts->best_val_acc,
                                ts->best_epoch, ts->epoch));
    return record_artifact(job, st->run_id, "checkpoint-last", st->last_path);
}

/* Rank 0's part of an epoch's end: validation, the epoch's metrics, checkpoints. */
static int record_epoch(const rmn_train_job *job, train_state *st, int epoch, const double *train, double t0,
                        double *val_acc) {
    const rmn_train_config *cfg = job->cfg;
    const double epoch_lr = st->opt.lr;
    rmn_eval_result ev;
    const rmn_batch_spec spec = rmn_train_config_batch_spec(cfg, NULL);
    RMN_TRY(rmn_evaluate_split(st->net, &job->data->split[RMN_SPLIT_VAL], cfg->batch_size, &spec,
                               cfg->num_classes, "  val", job->log, &ev));
    *val_acc = (double)ev.n_correct / (double)ev.n;
    const double val_loss = ev.loss, val_acc5 = (double)ev.n_correct5 / (double)ev.n;
    rmn_eval_result_free(&ev);
    double epoch_s = rmn_monotonic_s() - t0;
    const char *keys[9] = {"train_loss", "train_acc", "val_loss", "val_acc", "lr", "epoch_s", "images_per_s"};
    double values[9] = {train[0], train[1], val_loss, *val_acc, epoch_lr, epoch_s, train[2]};
    int n_keys = 7;
    if (st->centers) { /* the center loss's and top-5 only where they mean something */
        keys[n_keys] = "center_loss";
        values[n_keys++] = train[3];
    }
    const int top5 = rmn_top5_reported(cfg->num_classes);
    if (top5) {
        keys[n_keys] = "val_acc5";
        values[n_keys++] = val_acc5;
    }
    /* the store first, then the checkpoint: a kill in between redoes this epoch identically;
     * only while this process still holds the run */
    if (rmn_run_check_held(job->store, st->run_id) != RMN_OK) {
        st->lost = 1;
        return rmn_error_code();
    }
    RMN_TRY(rmn_store_epoch(job->store, st->run_id, epoch + 1, n_keys, keys, values));
    RMN_TRY(end_of_epoch(job, st, epoch, *val_acc));
    if (job->log)
        fprintf(job->log, "  epoch %d: train loss %.4f acc %.2f%%, val loss %.4f acc %.2f%%%s%s, %.1f s\n",
                epoch + 1, train[0], 100 * train[1], val_loss, 100 * *val_acc,
                top5 ? rmn_fmt_top5(val_acc5) : "", st->ts.plateau == 0 ? " (best)" : "", epoch_s);
    return RMN_OK;
}

/* With several ranks: all hold the same weights after the epoch (the sums are the same on
 * every rank), rank 0 records it and tells the others its validation accuracy, or that the
 * run stops there. */
static int epoch_end_ranks(const rmn_train_job *job, train_state *st, int epoch, const double *train,
                           double t0) {
    char what[64], hex[RMN_SHA256_HEX];
    snprintf(what, sizeof what, "the weights after epoch %d", epoch + 1);
    rmn_sha256_hex(rmn_net_params(st->net), rmn_net_param_count(st->net) * sizeof(float), hex);
    RMN_TRY(rmn_dist_agree(what, hex));
    double msg[2] = {0, 0}; /* rank 0's status (1: recorded), validation accuracy */
    int rc = RMN_OK;
    if (st->rank == 0) {
        rc = record_epoch(job, st, epoch, train, t0, &msg[1]);
        msg[0] = rc == RMN_OK;
    }
    rmn_dist_bcast(msg, sizeof msg, 0);
    if (st->rank == 0 || msg[0] == 0)
        return st->rank == 0 ? rc : RMN_ERROR(RMN_EIO, "rank 0 stopped the run after epoch %d", epoch + 1);
    return end_of_epoch(job, st, epoch, msg[1]);
}

int rmn_trainer_epochs(const rmn_train_job *job, train_state *st, rmn_train_result *res) {
    const rmn_train_config *cfg = job->cfg;
    for (int epoch = st->ts.epoch; epoch <= cfg->max_epoch_num; ++epoch) {
        if (st->ts.plateau > cfg->max_plateau_count)
            break; /* early stop (also when resuming a run that had already stopped improving) */
        double t0 = rmn_monotonic_s();
        double train[4] = {0, 0, 0, 0}; /* loss, accuracy, images per second, center loss */
        st->opt.lr = rmn_schedule_lr_for_epoch(&st->ts.schedule, epoch);
        RMN_TRY(train_epoch(job, st, epoch, &train[0], &train[1], &train[2], &train[3]));
        double val_acc;
        if (st->world > 1)
            RMN_TRY(epoch_end_ranks(job, st, epoch, train, t0));
        else
            RMN_TRY(record_epoch(job, st, epoch, train, t0, &val_acc));
        res->train_images_per_s = train[2];
    }
    res->epochs = st->ts.epoch;
    res->best_epoch = st->ts.best_epoch;
    res->best_val_acc = st->ts.best_val_acc;
    return RMN_OK;
}

/* One final evaluation, unless a previous attempt of this run already stored it. */
static int final_eval(const rmn_train_job *job, train_state *st, int split, int tta_n, double *acc,
                      double *acc5) {
    const rmn_train_config *cfg = job->cfg;
    const char *name = rmn_split_name(split);
    int found;
    RMN_TRY(rmn_store_run_has_eval(job->store, st->run_id, name, tta_n, &found));
    rmn_eval_result ev;
    char label[48];
    snprintf(label, sizeof label, "  %s%s", name, tta_n ? " TTA" : "");
    rmn_augment_params aug = rmn_train_config_augment(cfg);
    const rmn_batch_spec spec = rmn_train_config_batch_spec(cfg, &aug);
    int rc = tta_n ? rmn_evaluate_split_tta(st->net, &job->data->split[split], cfg->batch_size, &spec,
                                            cfg->num_classes, tta_n, cfg->tta_seed, label, job->log, &ev)
                   : rmn_evaluate_split(st->net, &job->data->split[split], cfg->batch_size, &spec,
                                        cfg->num_classes, label, job->log, &ev);
    RMN_TRY(rc);
    *acc = (double)ev.n_correct / (double)ev.n;
    if (acc5)
        *acc5 = (double)ev.n_correct5 / (double)ev.n;
    if (!found) {
        rmn_eval_record rec = {.split = name, .tta_n = tta_n, .tta_seed = tta_n ? (int64_t)cfg->tta_seed : 0,
                               .n_samples = ev.n, .n_classes = ev.n_classes, .sample_idx = ev.sample_idx,
                               .labels = ev.labels, .preds = ev.preds, .probs = ev.probs, .loss = ev.loss};
        int64_t eval_id;
        rc = rmn_store_eval(job->store, st->run_id, &rec, &eval_id);
    }
    rmn_eval_result_free(&ev);
    return rc;
}

int rmn_trainer_body(const rmn_train_job *job, train_state *st, rmn_train_result *res) {
    const rmn_dataset *d = job->data;
    if (d->split[RMN_SPLIT_TRAIN].n == 0 || d->split[RMN_SPLIT_VAL].n == 0 || d->split[RMN_SPLIT_TEST].n == 0)
        return RMN_ERROR(RMN_EINVAL, "%s: training needs non-empty train, val and test splits", d->path);
    if (job->finish_now) {
        if (st->ts.epoch == 0)
            return RMN_ERROR(RMN_EINVAL, "no completed epoch to finish with (no checkpoint)");
        res->epochs = st->ts.epoch;
        res->best_epoch = st->ts.best_epoch;
        res->best_val_acc = st->ts.best_val_acc;
        char why[160];
        snprintf(why, sizeof why, "after epoch %d of at most %d (best val at epoch %d), by request",
                 st->ts.epoch, job->cfg->max_epoch_num + 1, st->ts.best_epoch);
        RMN_TRY(rmn_store_run_tag(job->store, st->run_id, "ended_early", why));
        if (job->log)
            fprintf(job->log, "run %lld: ending %s\n", (long long)st->run_id, why);
    } else {
        RMN_TRY(rmn_trainer_epochs(job, st, res));
    }
    if (rmn_run_check_held(job->store, st->run_id) != RMN_OK) {
        st->lost = 1;
        return rmn_error_code();
    }
    /* Reload the best-validation weights; evaluate val and test, without and with TTA. */
    RMN_TRY(rmn_checkpoint_load(st->best_path, st->net, NULL, NULL));
    RMN_TRY(rmn_net_digest(st->net, res->weights_sha256));
    RMN_TRY(final_eval(job, st, RMN_SPLIT_VAL, 0, &res->val_acc, NULL));
    RMN_TRY(final_eval(job, st, RMN_SPLIT_TEST, 0, &res->test_acc, &res->test_acc5));
    res->test_acc_tta = NAN;
    if (job->cfg->tta_n > 0) {
        double val_tta;
        RMN_TRY(final_eval(job, st, RMN_SPLIT_VAL, job->cfg->tta_n, &val_tta, NULL));
        RMN_TRY(final_eval(job, st, RMN_SPLIT_TEST, job->cfg->tta_n, &res->test_acc_tta, NULL));
    }
    return rmn_store_run_tag(job->store, st->run_id, "weights_sha256", res->weights_sha256);
}

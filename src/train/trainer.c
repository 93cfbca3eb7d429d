/* trainer.c -- the training loop of one run, with checkpoints and resume; see trainer.h. */
#include "train/trainer.h"
#include "train/pretrained.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/provenance.h"
#include "core/rng.h"
#include "core/sha256.h"
#include "data/augment.h"
#include "data/batch.h"
#include "dist/dist.h"
#include "models/model.h"
#include "nn/net.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "train/center.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/runs.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

int rmn_top5_reported(int k) { return k >= 10; }

const char *rmn_fmt_top5(double acc5) {
    static _Thread_local char buf[32];
    snprintf(buf, sizeof buf, ", top-5 %.2f%%", 100 * acc5);
    return buf;
}

void rmn_train_run_name(const rmn_train_config *cfg, char *buf, size_t cap) {
    snprintf(buf, cap, "%s-s%llu", cfg->model_name, (unsigned long long)cfg->seed);
}

// --- state of a run -------------------------------------------------------------------------

typedef struct {
    rmn_net        *net;
    rmn_optimizer   opt;
    rmn_train_state ts;       /* epoch, best, plateau, random streams, schedule */
    int32_t        *order;
    float          *x, *scratch;
    int32_t        *labels;
    float          *targets;       /* (batch, k) soft targets of the batch; NULL unless target soft */
    float          *class_weights; /* NULL unless weighted_loss */
    float          *centers, *center_dx; /* center loss (train/center.h): (k, d), (batch, d);
                                            NULL when off */
    int             feat_v, feat_d;      /* the features it acts on: value, floats per sample */
    int64_t         run_id;
    int             lost;          /* another process took the run over: write nothing more */
    int             rank, world;   /* data-parallel ranks (dist/dist.h); world 1: alone */
    rmn_dist_grads *grads_sum;     /* world > 1: the gradient buckets summed over ranks */
    char            run_dir[4096], best_path[4200], last_path[4200], uuid[33];
} train_state;

static int effective_threads(const rmn_train_job *job) {
#ifdef _OPENMP
    return job->threads > 0 ? job->threads : omp_get_max_threads();
#else
    (void)job;
    return 1;
#endif
}

static int class_weights_alloc(const rmn_train_job *job, float **out) {
    /* N / (K * n_c) on the training counts, as the thesis's weighted_loss */
    const int k = job->cfg->num_classes;
    float *w = malloc((size_t)k * sizeof *w);
    if (!w)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    double total = job->data->split[RMN_SPLIT_TRAIN].n;
    for (int c = 0; c < k; ++c) {
        int64_t nc = c < job->data->n_classes ? job->data->class_count[RMN_SPLIT_TRAIN][c] : 0;
        w[c] = nc > 0 ? (float)(total / ((double)k * (double)nc)) : 0.0f;
    }
    *out = w;
    return RMN_OK;
}

static void schedule_init(const rmn_train_config *cfg, int kind, rmn_schedule *s) {
    if (kind == RMN_SCHEDULE_PLATEAU) /* the thesis: ReduceLROnPlateau on 100 - val_acc */
        rmn_schedule_plateau(s, cfg->lr, 0, 0.1, cfg->plateau_patience, 1e-4, 0, cfg->min_lr);
    else if (kind == RMN_SCHEDULE_COSINE)
        rmn_schedule_cosine(s, cfg->lr, cfg->max_epoch_num + 1, cfg->min_lr);
    else if (kind == RMN_SCHEDULE_STEP)
        rmn_schedule_step_lr(s, cfg->lr, cfg->steplr, 0.1);
    else
        rmn_schedule_constant(s, cfg->lr);
}

/* Center loss on what the classifier reads; the centers start at zero (train/center.h). */
static int center_init(train_state *st, const rmn_train_config *cfg) {
    st->feat_v = rmn_net_value_classifier_input(st->net);
    if (st->feat_v < 0)
        return RMN_ERROR(RMN_EINVAL, "%s: center loss needs a model whose logits come from a linear "
                         "classifier", cfg->arch);
    int c, h, w;
    rmn_net_value_shape(st->net, st->feat_v, &c, &h, &w);
    st->feat_d = c * h * w;
    st->centers = calloc((size_t)cfg->num_classes * (size_t)st->feat_d, sizeof *st->centers);
    st->center_dx = malloc((size_t)cfg->batch_size * (size_t)st->feat_d * sizeof *st->center_dx);
    if (!st->centers || !st->center_dx)
        return RMN_ERROR(RMN_ENOMEM, "cannot allocate the center loss's centers");
    st->ts.centers = st->centers;
    st->ts.center_k = cfg->num_classes;
    st->ts.center_d = st->feat_d;
    return RMN_OK;
}

/* After the forward and the cross-entropy of b samples: the center loss of the batch, its
 * features' gradient handed to the next backward, then the paper's center update. */
static int center_step(train_state *st, const rmn_train_config *cfg, int b, double *closs) {
    const float *x = rmn_net_value_rows(st->net, st->feat_v);
    if (!x)
        return RMN_ERROR(RMN_EINVAL, "%s: the classifier's features are not readable as rows",
                         cfg->arch);
    const int d = st->feat_d;
    *closs = rmn_center_loss_forward(x, st->labels, st->centers, b, d);
    memset(st->center_dx, 0, (size_t)b * (size_t)d * sizeof *st->center_dx);
    rmn_center_loss_backward(st->center_dx, NULL, x, st->labels, st->centers, b, d,
                             cfg->center_loss_weight);
    rmn_center_update(st->centers, x, st->labels, b, d, cfg->num_classes, cfg->center_lr);
    return rmn_net_value_grad_add(st->net, st->feat_v, st->center_dx);
}

static void sum_over_ranks(void *ctx, double *x, int n) {
    (void)ctx;
    rmn_dist_sum_doubles(x, n);
}

static int state_init(const rmn_train_job *job, train_state *st) {
    const rmn_train_config *cfg = job->cfg;
    rmn_model_config mc = {.in_channels = cfg->in_channels, .image_size = cfg->image_size,
                           .num_classes = cfg->num_classes, .seed = cfg->seed, .width = cfg->width};
    RMN_TRY(rmn_model_create(cfg->arch, &mc, &st->net));
    if (cfg->pretrained[0]) /* the trunk; a resumed run's checkpoint overwrites it later */
        RMN_TRY(rmn_pretrained_load(st->net, cfg->pretrained, NULL));
    if (job->threads > 0)
        RMN_TRY(rmn_net_set_threads(st->net, job->threads));
    st->rank = rmn_dist_rank();
    st->world = rmn_dist_size();
    RMN_TRY(rmn_train_config_check_ranks(cfg, st->world));
    if (st->world > 1) { /* each rank's share of every batch; gradients summed as backward goes */
        RMN_TRY(rmn_dist_grads_create(rmn_net_grads(st->net), rmn_net_param_count(st->net),
                                      rmn_dist_bucket_floats(), &st->grads_sum));
        rmn_net_set_grads_ready(st->net, rmn_dist_grads_ready, st->grads_sum);
        if (cfg->sync_bn)
            rmn_net_set_bn_sync(st->net, sum_over_ranks, NULL);
    }
    RMN_TRY(rmn_net_plan(st->net, cfg->batch_size)); /* a rank trains on its share, evaluates whole batches */
    int opt_kind, sched_kind;
    RMN_TRY(rmn_optimizer_kind_parse(cfg->optimizer, &opt_kind));
    RMN_TRY(rmn_schedule_kind_parse(cfg->lr_schedule, &sched_kind));
    rmn_optimizer_hparams hp = {.lr = cfg->lr, .weight_decay = cfg->weight_decay, .momentum = cfg->momentum,
                                .nesterov = cfg->nesterov};
    RMN_TRY(rmn_optimizer_init(&st->opt, opt_kind, rmn_net_param_count(st->net), &hp));
    schedule_init(cfg, sched_kind, &st->ts.schedule);
    rmn_rng_init(&st->ts.shuffle, cfg->seed, RMN_STREAM_SHUFFLE);
    rmn_rng_init(&st->ts.augment, cfg->seed, RMN_STREAM_AUGMENT);
    rmn_rng_init(&st->ts.dropout, cfg->seed, RMN_STREAM_DROPOUT);
    st->ts.best_val_acc = -1;
    size_t per_image = (size_t)cfg->in_channels * (size_t)cfg->image_size * (size_t)cfg->image_size;
    rmn_augment_params aug = rmn_train_config_augment(cfg);
    rmn_batch_spec spec = rmn_train_config_batch_spec(cfg, &aug);
    /* the evaluations' images may be larger than the training's (a folder's val split) */
    size_t scratch = rmn_batch_scratch_floats(&spec, &job->data->split[RMN_SPLIT_TRAIN]);
    for (int k = 1; k < RMN_SPLIT_COUNT; ++k) {
        size_t e = rmn_batch_scratch_floats(&spec, &job->data->split[k]);
        scratch = e > scratch ? e : scratch;
    }
    const int soft = strcmp(cfg->target, "soft") == 0;
    if (soft && !job->data->split[RMN_SPLIT_TRAIN].soft)
        return RMN_ERROR(RMN_EINVAL, "%s: target \"soft\" needs a data set with target distributions "
                         "(FERPlus: give its fer2013new.csv)", job->data->path);
    st->order = malloc((size_t)job->data->split[RMN_SPLIT_TRAIN].n * sizeof *st->order + 1);
    st->x = malloc((size_t)cfg->batch_size * per_image * sizeof *st->x);
    st->labels = malloc((size_t)cfg->batch_size * sizeof *st->labels);
    st->scratch = malloc(scratch * sizeof *st->scratch);
    st->targets = soft ? malloc((size_t)cfg->batch_size * (size_t)cfg->num_classes * sizeof *st->targets) : NULL;
    if (!st->order || !st->x || !st->labels || !st->scratch || (soft && !st->targets))
        return RMN_ERROR(RMN_ENOMEM, "cannot allocate training buffers");
    if (cfg->weighted_loss)
        RMN_TRY(class_weights_alloc(job, &st->class_weights));
    if (cfg->center_loss_weight > 0)
        RMN_TRY(center_init(st, cfg));
    return RMN_OK;
}

static void state_free(train_state *st) {
    rmn_net_free(st->net);
    rmn_optimizer_free(&st->opt);
    free(st->order);
    free(st->x);
    free(st->scratch);
    free(st->labels);
    free(st->targets);
    free(st->class_weights);
    free(st->centers);
    free(st->center_dx);
    rmn_dist_grads_free(st->grads_sum);
    memset(st, 0, sizeof *st);
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
        RMN_TRY(center_step(st, job->cfg, b, &closs));
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
    rmn_progress_begin(&bar, job->log ? job->log : stderr, label, n);
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

static int train_epochs(const rmn_train_job *job, train_state *st, rmn_train_result *res) {
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

static int train_body(const rmn_train_job *job, train_state *st, rmn_train_result *res) {
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
        RMN_TRY(train_epochs(job, st, res));
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

// --- several ranks (dist/dist.h) -------------------------------------------------------------

enum { CMD_QUIT, CMD_TRAIN };

/* What rank 0 tells the others before each run it trains. */
typedef struct {
    int  cmd;
    char name[160], data[4096], canonical[4096];
} rank_command;

static void send_command(int cmd, const char *name, const char *data, const char *canonical) {
    rank_command *c = calloc(1, sizeof *c);
    if (!c)
        rmn_dist_abort("out of memory");
    c->cmd = cmd;
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->data, sizeof c->data, "%s", data);
    snprintf(c->canonical, sizeof c->canonical, "%s", canonical);
    rmn_dist_bcast(c, sizeof *c, 0);
    free(c);
}

void rmn_train_ranks_end(void) {
    if (rmn_dist_size() > 1 && rmn_dist_rank() == 0)
        send_command(CMD_QUIT, "", "", "");
}

/* Every rank compares its configuration and its data's digest with rank 0's. */
static int agree_inputs(const char *name, const char *canonical, const char *data_sha256) {
    char what[200];
    snprintf(what, sizeof what, "the configuration of run %s", name);
    RMN_TRY(rmn_dist_agree(what, canonical));
    return rmn_dist_agree("the data's sha256", data_sha256);
}

/* After every rank set the run up (ok: this one could): rank 0's weights, buffers, optimizer
 * and training state (a resumed run's) to all. */
static int ranks_start(train_state *st, int ok) {
    double failed = !ok;
    rmn_dist_sum_doubles(&failed, 1);
    if (failed > 0)
        return ok ? RMN_ERROR(RMN_EINVAL, "%.0f of %d ranks could not set the run up (their messages say why)",
                              failed, st->world)
                  : rmn_error_code();
    rmn_dist_bcast(rmn_net_params(st->net), rmn_net_param_count(st->net) * sizeof(float), 0);
    const rmn_tensor_ref *list;
    int n;
    RMN_TRY(rmn_net_tensors(st->net, &list, &n));
    for (int i = 0; i < n; ++i) {
        int64_t count = 1;
        for (int d = 0; d < list[i].ndim; ++d)
            count *= list[i].shape[d];
        if (!list[i].trainable)
            rmn_dist_bcast(list[i].data, (size_t)count * sizeof(float), 0);
    }
    float *m, *v;
    int64_t *step;
    if (rmn_optimizer_state(&st->opt, &m, &v, &step) == RMN_OK) {
        const size_t bytes = rmn_net_param_count(st->net) * sizeof(float);
        if (m)
            rmn_dist_bcast(m, bytes, 0);
        if (v)
            rmn_dist_bcast(v, bytes, 0);
        if (step)
            rmn_dist_bcast(step, sizeof *step, 0);
    }
    rmn_dist_bcast(&st->ts, sizeof st->ts, 0); /* no center loss with several ranks: no pointer */
    return RMN_OK;
}

/* A rank other than 0: the run rank 0 named, in step with it (no store, no checkpoints). */
static int follow_run(const rmn_train_job *job) {
    train_state st;
    memset(&st, 0, sizeof st);
    int rc = state_init(job, &st);
    rc = ranks_start(&st, rc == RMN_OK);
    if (rc == RMN_OK) {
        rmn_train_result res;
        memset(&res, 0, sizeof res);
        rc = train_epochs(job, &st, &res);
    }
    state_free(&st);
    return rc;
}

int rmn_train_follow(const rmn_train_follower *f) {
    rank_command *c = calloc(1, sizeof *c);
    rmn_dataset own;
    int have_own = 0, status = RMN_OK;
    char loaded[4096] = "";
    if (!c)
        rmn_dist_abort("out of memory");
    for (;;) {
        rmn_dist_bcast(c, sizeof *c, 0);
        if (c->cmd == CMD_QUIT)
            break;
        rmn_train_config cfg;
        char canonical[4096] = "(none)";
        int rc = f->lookup ? f->lookup(f->ctx, c->name, &cfg)
                           : rmn_train_config_from_canonical(&cfg, c->canonical, "rank 0's configuration");
        if (rc == RMN_OK)
            rc = rmn_train_config_canonical(&cfg, canonical, sizeof canonical);
        const rmn_dataset *ds = f->data;
        if (!ds && strcmp(loaded, c->data) != 0) { /* rmn-exp resume: rank 0's data file */
            if (have_own)
                rmn_dataset_free(&own);
            have_own = rmn_dataset_load(c->data, &own) == RMN_OK;
            snprintf(loaded, sizeof loaded, "%s", have_own ? c->data : "");
        }
        if (!ds && have_own)
            ds = &own;
        if (rc != RMN_OK || !ds)
            fprintf(stderr, "rmn: rank %d: error: %s\n", rmn_dist_rank(), rmn_error_message());
        if (agree_inputs(c->name, canonical, ds ? ds->sha256 : "(no data)") != RMN_OK)
            continue; /* rank 0 reports it */
        rmn_train_job job = {.data = ds, .cfg = &cfg, .threads = f->threads, .stop = f->stop};
        rc = follow_run(&job);
        if (rc != RMN_OK && status == RMN_OK)
            status = rc;
    }
    free(c);
    if (have_own)
        rmn_dataset_free(&own);
    return status == RMN_OK ? RMN_OK : RMN_EINVAL; /* rank 0 has said why */
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
        send_command(CMD_TRAIN, run_name, job->data->path, canonical);
        rc = agree_inputs(run_name, canonical, job->data->sha256);
        told = rc == RMN_OK;
    }
    if (rc == RMN_OK)
        rc = state_init(job, &st);
    if (rc != RMN_OK) {
        if (told)
            ranks_start(&st, 0);
        state_free(&st);
        /* nothing recorded: the configuration cannot even be built; a run already claimed for
         * this job is ended with the reason */
        int64_t held = job->resume_run_id ? job->resume_run_id : job->claimed_run_id;
        if (held) {
            char message[2048];
            snprintf(message, sizeof message, "%s", rmn_error_message());
            if (rmn_store_run_finish(job->store, held, "FAILED", message) != RMN_OK)
                fprintf(stderr, "rmn: warning: could not mark run %lld FAILED: %s\n", (long long)held,
                        rmn_error_message());
            rmn_error_restore(rc, message);
        }
        return rc;
    }
    res->n_params = (int64_t)rmn_net_param_count(st.net);
    res->n_classes = cfg->num_classes;
    rc = open_run(job, &st, canonical, run_name, res);
    if (told) {
        int started = ranks_start(&st, rc == RMN_OK);
        rc = rc == RMN_OK ? started : rc;
    }
    if (rc == RMN_OK && job->log && st.ts.epoch == 0)
        fprintf(job->log, "run %lld %s: %s, %lld parameters, %d train / %d val / %d test images\n",
                (long long)st.run_id, run_name, cfg->arch, (long long)res->n_params, job->data->split[0].n,
                job->data->split[1].n, job->data->split[2].n);
    double t0 = rmn_monotonic_s();
    if (rc == RMN_OK)
        rc = train_body(job, &st, res);
    res->seconds = rmn_monotonic_s() - t0;
    const int lost = st.lost;
    state_free(&st);
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
        fprintf(stderr, "rmn: warning: could not mark run %lld %s: %s\n", (long long)res->run_id, status,
                rmn_error_message());
    rmn_error_restore(rc, message);
    rmn_error_prefix("run %s", run_name);
    return rc;
}

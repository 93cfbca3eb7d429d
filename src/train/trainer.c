/* trainer.c -- the training loop of one run; see trainer.h. */
#include "train/trainer.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/provenance.h"
#include "core/rng.h"
#include "data/augment.h"
#include "data/batch.h"
#include "nn/net.h"
#include "optim/schedule.h"
#include "optim/optimizer.h"
#include "train/evaluate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

void rmn_train_run_name(const rmn_train_config *cfg, char *buf, size_t cap) {
    snprintf(buf, cap, "%s-s%llu", cfg->model_name, (unsigned long long)cfg->seed);
}

// --- best-weights snapshot ----------------------------------------------------------------

typedef struct {
    int     n;
    float **copies; /* one copy per named tensor (parameters and buffers) */
} snapshot;

static int64_t tensor_numel(const rmn_tensor_ref *t) {
    int64_t n = 1;
    for (int d = 0; d < t->ndim; ++d)
        n *= t->shape[d];
    return n;
}

static int snapshot_take(snapshot *s, rmn_net *net) {
    const rmn_tensor_ref *list;
    int n;
    RMN_TRY(rmn_net_tensors(net, &list, &n));
    if (!s->copies) {
        s->copies = calloc((size_t)n, sizeof *s->copies);
        if (!s->copies)
            return RMN_ERROR(RMN_ENOMEM, "cannot allocate the best-weights snapshot");
        s->n = n;
        for (int i = 0; i < n; ++i) {
            s->copies[i] = malloc((size_t)tensor_numel(&list[i]) * sizeof(float));
            if (!s->copies[i])
                return RMN_ERROR(RMN_ENOMEM, "cannot allocate the best-weights snapshot");
        }
    }
    for (int i = 0; i < n; ++i)
        memcpy(s->copies[i], list[i].data, (size_t)tensor_numel(&list[i]) * sizeof(float));
    return RMN_OK;
}

static int snapshot_restore(const snapshot *s, rmn_net *net) {
    const rmn_tensor_ref *list;
    int n;
    RMN_TRY(rmn_net_tensors(net, &list, &n));
    RMN_ASSERT(n == s->n);
    for (int i = 0; i < n; ++i)
        memcpy(list[i].data, s->copies[i], (size_t)tensor_numel(&list[i]) * sizeof(float));
    return RMN_OK;
}

static void snapshot_free(snapshot *s) {
    for (int i = 0; i < s->n; ++i)
        free(s->copies[i]);
    free(s->copies);
    memset(s, 0, sizeof *s);
}

// --- recording ------------------------------------------------------------------------------

static int effective_threads(const rmn_train_job *job) {
#ifdef _OPENMP
    return job->threads > 0 ? job->threads : omp_get_max_threads();
#else
    return 1;
#endif
}

static int record_params(const rmn_train_job *job, int64_t run_id, const char *canonical) {
    /* every canonical key=value line becomes a param, plus what the config does not hold */
    const char *keys[64];
    const char *values[64];
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
    keys[n] = "threads";
    values[n++] = threads;
    keys[n] = "selection_split";
    values[n++] = "val";
    int rc = rmn_store_run_params(job->store, run_id, n, keys, values);
    free(copy);
    return rc;
}

static int record_eval(const rmn_train_job *job, int64_t run_id, const char *split,
                       const rmn_eval_result *r) {
    rmn_eval_record rec = {.split = split, .tta_n = 0, .tta_seed = 0, .n_samples = r->n,
                           .n_classes = r->n_classes, .sample_idx = r->sample_idx, .labels = r->labels,
                           .preds = r->preds, .probs = r->probs, .loss = r->loss};
    int64_t eval_id;
    return rmn_store_eval(job->store, run_id, &rec, &eval_id);
}

// --- one epoch ------------------------------------------------------------------------------

typedef struct {
    rmn_net   *net;
    rmn_optimizer opt;
    rmn_schedule schedule;
    rmn_rng    shuffle_rng, augment_rng, dropout_rng;
    int32_t   *order;
    float     *x, *scratch;
    int32_t   *labels;
    float     *class_weights; /* NULL unless weighted_loss */
} train_state;

static int train_epoch(const rmn_train_job *job, train_state *st, int epoch, double *loss_out,
                       double *acc_out, double *images_per_s) {
    const rmn_train_config *cfg = job->cfg;
    const rmn_split_data *train = &job->data->split[RMN_SPLIT_TRAIN];
    const int n = train->n, bs = cfg->batch_size;
    for (int i = 0; i < n; ++i)
        st->order[i] = i;
    rmn_rng_shuffle(&st->shuffle_rng, st->order, n);
    rmn_augment_params aug = {.flip_p = cfg->flip_p, .max_rotation_deg = cfg->max_rotation_deg};
    rmn_batch_spec spec = {.size = cfg->image_size, .channels = cfg->in_channels, .augment = &aug};

    char label[64];
    snprintf(label, sizeof label, "epoch %d/%d", epoch + 1, cfg->max_epoch_num + 1);
    rmn_progress bar;
    rmn_progress_begin(&bar, job->log ? job->log : stderr, label, n);
    if (!job->log)
        bar.mode = RMN_PROGRESS_OFF;
    double loss_sum = 0, t0 = rmn_monotonic_s();
    int64_t correct = 0, seen = 0;
    char status[128] = "";
    for (int start = 0; start < n; start += bs) {
        if (job->stop && *job->stop)
            return RMN_ERROR(RMN_EINTR, "stopped by a signal in epoch %d", epoch + 1);
        int b = n - start < bs ? n - start : bs;
        RMN_TRY(rmn_batch_fill(st->x, st->labels, st->scratch, train, st->order + start, b, &spec,
                               &st->augment_rng));
        double loss;
        int ok;
        RMN_TRY(rmn_net_forward(st->net, st->x, b, 1, &st->dropout_rng));
        RMN_TRY(rmn_net_loss(st->net, st->labels, st->class_weights, &loss, &ok));
        if (!isfinite(loss))
            return RMN_ERROR(RMN_EINVAL, "training diverged: loss is %g in epoch %d, batch %d", loss,
                             epoch + 1, start / bs + 1);
        RMN_TRY(rmn_net_backward(st->net));
        rmn_optimizer_step(&st->opt, rmn_net_params(st->net), rmn_net_grads(st->net));
        loss_sum += loss * b;
        correct += ok;
        seen += b;
        double dt = rmn_monotonic_s() - t0;
        snprintf(status, sizeof status, "loss %.3f acc %.1f%% %.0f img/s", loss_sum / (double)seen,
                 100.0 * (double)correct / (double)seen, dt > 0 ? (double)seen / dt : 0.0);
        rmn_progress_update(&bar, seen, status);
    }
    double dt = rmn_monotonic_s() - t0;
    *loss_out = loss_sum / (double)seen;
    *acc_out = (double)correct / (double)seen;
    *images_per_s = dt > 0 ? (double)seen / dt : 0.0;
    rmn_progress_end(&bar, status);
    return RMN_OK;
}

static int class_weights_alloc(const rmn_train_job *job, float **out) {
    /* N / (K * n_c) on the training counts, as the thesis's weighted_loss */
    const int k = job->cfg->num_classes;
    float *w = malloc((size_t)k * sizeof *w);
    if (!w)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    double total = job->data->split[RMN_SPLIT_TRAIN].n;
    for (int c = 0; c < k; ++c) {
        int64_t nc = c < RMN_FER_CLASSES ? job->data->class_count[RMN_SPLIT_TRAIN][c] : 0;
        w[c] = nc > 0 ? (float)(total / ((double)k * (double)nc)) : 0.0f;
    }
    *out = w;
    return RMN_OK;
}

// --- the run --------------------------------------------------------------------------------

static int train_body(const rmn_train_job *job, train_state *st, int64_t run_id, rmn_train_result *res,
                      snapshot *best) {
    const rmn_train_config *cfg = job->cfg;
    const rmn_split_data *val = &job->data->split[RMN_SPLIT_VAL];
    const rmn_split_data *test = &job->data->split[RMN_SPLIT_TEST];
    if (job->data->split[RMN_SPLIT_TRAIN].n == 0 || val->n == 0 || test->n == 0)
        return RMN_ERROR(RMN_EINVAL, "%s: training needs non-empty train, val and test splits", job->data->path);
    int plateau = 0;
    res->best_val_acc = -1;
    for (int epoch = 0; epoch <= cfg->max_epoch_num; ++epoch) {
        double t0 = rmn_monotonic_s();
        double train_loss = 0, train_acc = 0, ips = 0;
        st->opt.lr = rmn_schedule_lr_for_epoch(&st->schedule, epoch);
        const double epoch_lr = st->opt.lr;
        RMN_TRY(train_epoch(job, st, epoch, &train_loss, &train_acc, &ips));
        rmn_eval_result ev;
        RMN_TRY(rmn_evaluate_split(st->net, val, cfg->batch_size, cfg->image_size, cfg->in_channels,
                                   cfg->num_classes, "  val", job->log, &ev));
        double val_acc = (double)ev.n_correct / (double)ev.n, val_loss = ev.loss;
        rmn_eval_result_free(&ev);
        double epoch_s = rmn_monotonic_s() - t0;
        const char *keys[] = {"train_loss", "train_acc", "val_loss", "val_acc", "lr", "epoch_s", "images_per_s"};
        const double values[] = {train_loss, train_acc, val_loss, val_acc, epoch_lr, epoch_s, ips};
        RMN_TRY(rmn_store_epoch(job->store, run_id, epoch + 1, 7, keys, values)); /* epochs count from 1 */
        res->epochs = epoch + 1;
        res->seconds += epoch_s;
        res->train_images_per_s = ips;
        if (val_acc > res->best_val_acc) {
            res->best_val_acc = val_acc;
            res->best_epoch = epoch + 1;
            plateau = 0;
            RMN_TRY(snapshot_take(best, st->net));
        } else {
            ++plateau;
        }
        if (job->log)
            fprintf(job->log, "  epoch %d: train loss %.4f acc %.2f%%, val loss %.4f acc %.2f%%%s, %.1f s\n",
                    epoch + 1, train_loss, 100 * train_acc, val_loss, 100 * val_acc,
                    plateau == 0 ? " (best)" : "", epoch_s);
        if (rmn_schedule_observe(&st->schedule, 100.0 - 100.0 * val_acc) && job->log)
            fprintf(job->log, "  learning rate reduced to %g\n", st->schedule.lr);
        if (plateau > cfg->max_plateau_count)
            break;
    }
    /* Reload the best-validation weights; evaluate val and test with every prediction stored. */
    RMN_TRY(snapshot_restore(best, st->net));
    const rmn_split_data *splits[2] = {val, test};
    const char *names[2] = {"val", "test"};
    for (int i = 0; i < 2; ++i) {
        rmn_eval_result ev;
        char label[32];
        snprintf(label, sizeof label, "  %s (best)", names[i]);
        RMN_TRY(rmn_evaluate_split(st->net, splits[i], cfg->batch_size, cfg->image_size, cfg->in_channels,
                                   cfg->num_classes, label, job->log, &ev));
        int rc = record_eval(job, run_id, names[i], &ev);
        double acc = (double)ev.n_correct / (double)ev.n;
        rmn_eval_result_free(&ev);
        RMN_TRY(rc);
        if (i == 0)
            res->val_acc = acc;
        else
            res->test_acc = acc;
    }
    return RMN_OK;
}

static int state_init(const rmn_train_job *job, train_state *st) {
    const rmn_train_config *cfg = job->cfg;
    rmn_model_config mc = {.in_channels = cfg->in_channels, .image_size = cfg->image_size,
                           .num_classes = cfg->num_classes, .seed = cfg->seed, .width = cfg->width};
    RMN_TRY(rmn_model_create(cfg->arch, &mc, &st->net));
    RMN_TRY(rmn_net_plan(st->net, cfg->batch_size));
    int opt_kind;
    RMN_TRY(rmn_optimizer_kind_parse(cfg->optimizer, &opt_kind));
    rmn_optimizer_hparams hp = {.lr = cfg->lr, .weight_decay = cfg->weight_decay, .momentum = cfg->momentum,
                                .nesterov = cfg->nesterov};
    RMN_TRY(rmn_optimizer_init(&st->opt, opt_kind, rmn_net_param_count(st->net), &hp));
    int kind = RMN_SCHEDULE_NONE;
    RMN_TRY(rmn_schedule_kind_parse(cfg->lr_schedule, &kind));
    if (kind == RMN_SCHEDULE_PLATEAU) /* the thesis: ReduceLROnPlateau on 100 - val_acc */
        rmn_schedule_plateau(&st->schedule, cfg->lr, 0, 0.1, cfg->plateau_patience, 1e-4, 0, cfg->min_lr);
    else if (kind == RMN_SCHEDULE_COSINE)
        rmn_schedule_cosine(&st->schedule, cfg->lr, cfg->max_epoch_num + 1, cfg->min_lr);
    else if (kind == RMN_SCHEDULE_STEP)
        rmn_schedule_step_lr(&st->schedule, cfg->lr, cfg->steplr, 0.1);
    else
        rmn_schedule_constant(&st->schedule, cfg->lr);
    rmn_rng_init(&st->shuffle_rng, cfg->seed, RMN_STREAM_SHUFFLE);
    rmn_rng_init(&st->augment_rng, cfg->seed, RMN_STREAM_AUGMENT);
    rmn_rng_init(&st->dropout_rng, cfg->seed, RMN_STREAM_DROPOUT);
    size_t per_image = (size_t)cfg->in_channels * (size_t)cfg->image_size * (size_t)cfg->image_size;
    st->order = malloc((size_t)job->data->split[RMN_SPLIT_TRAIN].n * sizeof *st->order + 1);
    st->x = malloc((size_t)cfg->batch_size * per_image * sizeof *st->x);
    st->labels = malloc((size_t)cfg->batch_size * sizeof *st->labels);
    rmn_augment_params aug = {.flip_p = cfg->flip_p, .max_rotation_deg = cfg->max_rotation_deg};
    rmn_batch_spec spec = {.size = cfg->image_size, .channels = cfg->in_channels, .augment = &aug};
    st->scratch = malloc(rmn_batch_scratch_floats(&spec) * sizeof *st->scratch);
    if (!st->order || !st->x || !st->labels || !st->scratch)
        return RMN_ERROR(RMN_ENOMEM, "cannot allocate training buffers");
    if (cfg->weighted_loss)
        RMN_TRY(class_weights_alloc(job, &st->class_weights));
    return RMN_OK;
}

static void state_free(train_state *st) {
    rmn_net_free(st->net);
    rmn_optimizer_free(&st->opt);
    free(st->order);
    free(st->x);
    free(st->scratch);
    free(st->labels);
    free(st->class_weights);
    memset(st, 0, sizeof *st);
}

int rmn_train_run(const rmn_train_job *job, rmn_train_result *res) {
    memset(res, 0, sizeof *res);
    const rmn_train_config *cfg = job->cfg;
#ifdef _OPENMP
    if (job->threads > 0)
        omp_set_num_threads(job->threads);
#endif
    train_state st;
    memset(&st, 0, sizeof st);
    int rc = state_init(job, &st);
    if (rc != RMN_OK) {
        state_free(&st);
        return rc; /* nothing recorded: the configuration cannot even be built */
    }
    char canonical[4096], run_name[160];
    if ((rc = rmn_train_config_canonical(cfg, canonical, sizeof canonical)) != RMN_OK) {
        state_free(&st);
        return rc;
    }
    rmn_train_run_name(cfg, run_name, sizeof run_name);
    res->n_params = (int64_t)rmn_net_param_count(st.net);
    rmn_run_info info = {.experiment = job->experiment, .name = run_name, .kind = "train",
                         .model = cfg->arch, .n_params = res->n_params, .seed = (int64_t)cfg->seed,
                         .config_text = canonical, .dataset_sha256 = job->data->sha256,
                         .n_threads = effective_threads(job), .parent_run_id = 0};
    if ((rc = rmn_store_run_begin(job->store, &info, &res->run_id)) != RMN_OK ||
        (rc = record_params(job, res->run_id, canonical)) != RMN_OK) {
        state_free(&st);
        return rc;
    }
    if (job->log)
        fprintf(job->log, "run %lld %s: %s, %lld parameters, %d train / %d val / %d test images\n",
                (long long)res->run_id, run_name, cfg->arch, (long long)res->n_params,
                job->data->split[0].n, job->data->split[1].n, job->data->split[2].n);
    snapshot best = {0};
    rc = train_body(job, &st, res->run_id, res, &best);
    snapshot_free(&best);
    state_free(&st);
    if (rc == RMN_OK) {
        rc = rmn_store_run_finish(job->store, res->run_id, "FINISHED", NULL);
    } else {
        /* keep the original error: recording the failure must not replace its message */
        char message[2048];
        snprintf(message, sizeof message, "%s", rmn_error_message());
        const char *status = rc == RMN_EINTR ? "KILLED" : "FAILED";
        if (rmn_store_run_finish(job->store, res->run_id, status, message) != RMN_OK)
            fprintf(stderr, "rmn: warning: could not mark run %lld %s: %s\n", (long long)res->run_id,
                    status, rmn_error_message());
        rmn_error_restore(rc, message);
        rmn_error_prefix("run %s", run_name);
    }
    return rc;
}

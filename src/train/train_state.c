/* train_state.c -- the state of one run on this rank (train_state.h): its model with the
 * pretrained trunk, optimizer, learning-rate schedule, random streams, batch buffers, class
 * weights and center loss. */
#include "train/train_state.h"

#include "core/error.h"
#include "core/rng.h"
#include "data/augment.h"
#include "data/batch.h"
#include "models/zoo.h"
#include "optim/schedule.h"
#include "train/center.h"
#include "train/pretrained.h"

#include <stdlib.h>
#include <string.h>

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
int rmn_trainer_center_step(train_state *st, const rmn_train_config *cfg, int b, double *closs) {
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

int rmn_trainer_state_init(const rmn_train_job *job, train_state *st) {
    const rmn_train_config *cfg = job->cfg;
    rmn_model_config mc = {.in_channels = cfg->in_channels, .image_size = cfg->image_size,
                           .num_classes = cfg->num_classes, .seed = cfg->seed, .width = cfg->width};
    RMN_TRY(rmn_model_create(cfg->arch, &mc, &st->net));
    if (cfg->pretrained[0]) /* the trunk; a resumed run's checkpoint overwrites it later */
        RMN_TRY(rmn_pretrained_load(st->net, cfg->pretrained, NULL));
    if (job->threads > 0)
        RMN_TRY(rmn_net_set_threads(st->net, job->threads));
    rmn_precision prec;
    RMN_TRY(rmn_precision_parse(job->precision ? job->precision : cfg->precision, "precision", &prec));
    if (rmn_net_set_precision(st->net, prec) != RMN_OK) {
        if (!job->precision_fallback)
            return rmn_error_code();
        rmn_warning("%s; training %s in fp32", rmn_error_message(), cfg->model_name);
    }
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
                                .nesterov = cfg->nesterov, .nthreads = job->threads};
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

void rmn_trainer_state_free(train_state *st) {
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

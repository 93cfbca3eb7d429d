/* schedule.c -- learning-rate schedules (PyTorch semantics); see schedule.h. */
#include "optim/schedule.h"

#include "core/error.h"

#include <math.h>
#include <string.h>

static const char *const NAMES[] = {"none", "plateau", "cosine", "step"};

int rmn_schedule_kind_parse(const char *name, int *kind) {
    for (int k = 0; k < 4; ++k)
        if (strcmp(name, NAMES[k]) == 0) {
            *kind = k;
            return RMN_OK;
        }
    return RMN_ERROR(RMN_EINVAL, "unknown lr schedule \"%s\" (known: none, plateau, cosine, step)", name);
}

const char *rmn_schedule_kind_name(int kind) { return kind >= 0 && kind < 4 ? NAMES[kind] : "?"; }

static void base(rmn_schedule *s, int kind, double lr) {
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->base_lr = s->lr = lr;
}

void rmn_schedule_constant(rmn_schedule *s, double lr) { base(s, RMN_SCHEDULE_NONE, lr); }

void rmn_schedule_plateau(rmn_schedule *s, double lr, int mode_max, double factor, int patience,
                          double threshold, int cooldown, double min_lr) {
    base(s, RMN_SCHEDULE_PLATEAU, lr);
    s->mode_max = mode_max;
    s->factor = factor;
    s->patience = patience;
    s->threshold = threshold;
    s->cooldown = cooldown;
    s->min_lr = min_lr;
    s->eps = 1e-8;
    s->best = mode_max ? -INFINITY : INFINITY;
}

void rmn_schedule_cosine(rmn_schedule *s, double lr, int t_max, double min_lr) {
    base(s, RMN_SCHEDULE_COSINE, lr);
    s->t_max = t_max > 0 ? t_max : 1;
    s->min_lr = min_lr;
}

void rmn_schedule_step_lr(rmn_schedule *s, double lr, int step_size, double gamma) {
    base(s, RMN_SCHEDULE_STEP, lr);
    s->step_size = step_size > 0 ? step_size : 1;
    s->gamma = gamma;
}

double rmn_schedule_lr_for_epoch(rmn_schedule *s, int epoch) {
    switch (s->kind) {
    case RMN_SCHEDULE_COSINE: {
        int t = epoch < s->t_max ? epoch : s->t_max;
        s->lr = s->min_lr + (s->base_lr - s->min_lr) * (1.0 + cos(M_PI * t / s->t_max)) / 2.0;
        break;
    }
    case RMN_SCHEDULE_STEP:
        s->lr = s->base_lr * pow(s->gamma, (double)(epoch / s->step_size));
        break;
    default:
        break;
    }
    return s->lr;
}

static int is_better(const rmn_schedule *s, double a) {
    /* threshold_mode "rel" */
    return s->mode_max ? a > s->best * (1.0 + s->threshold) : a < s->best * (1.0 - s->threshold);
}

int rmn_schedule_observe(rmn_schedule *s, double metric) {
    if (s->kind != RMN_SCHEDULE_PLATEAU)
        return 0;
    if (is_better(s, metric)) {
        s->best = metric;
        s->num_bad_epochs = 0;
    } else {
        s->num_bad_epochs++;
    }
    if (s->cooldown_counter > 0) {
        s->cooldown_counter--;
        s->num_bad_epochs = 0;
    }
    if (s->num_bad_epochs > s->patience) {
        double new_lr = fmax(s->lr * s->factor, s->min_lr);
        int reduced = 0;
        if (s->lr - new_lr > s->eps) {
            s->lr = new_lr;
            reduced = 1;
        }
        s->cooldown_counter = s->cooldown;
        s->num_bad_epochs = 0;
        return reduced;
    }
    return 0;
}

/* schedule.h -- learning-rate schedules with PyTorch's semantics, stepped once per epoch.
 *
 *   plateau: ReduceLROnPlateau(mode, factor, patience, threshold (relative), cooldown, min_lr,
 *            eps): after more than `patience` epochs without a relative improvement of the
 *            metric, lr = max(lr * factor, min_lr) (skipped when the change is below eps);
 *            the thesis steps it with 100 - val_acc in mode min.
 *   cosine:  CosineAnnealingLR(T_max = epochs, eta_min = min_lr), by epoch index.
 *   step:    StepLR(step_size, gamma).
 *   none:    constant.
 * The state is plain numbers: checkpoints save and restore it verbatim. */
#ifndef RMN_OPTIM_SCHEDULE_H
#define RMN_OPTIM_SCHEDULE_H

enum rmn_schedule_kind { RMN_SCHEDULE_NONE, RMN_SCHEDULE_PLATEAU, RMN_SCHEDULE_COSINE, RMN_SCHEDULE_STEP };

typedef struct {
    int    kind;
    double base_lr, lr, min_lr;
    /* plateau */
    int    mode_max;      /* 0: lower metric is better (PyTorch mode "min"), 1: "max" */
    double factor, threshold, eps, best;
    int    patience, cooldown, cooldown_counter, num_bad_epochs;
    /* cosine */
    int    t_max;
    /* step */
    int    step_size;
    double gamma;
} rmn_schedule;

/* Parses "plateau", "cosine", "step", "none"; RMN_EINVAL otherwise. */
int  rmn_schedule_kind_parse(const char *name, int *kind);
const char *rmn_schedule_kind_name(int kind);

void rmn_schedule_plateau(rmn_schedule *s, double lr, int mode_max, double factor, int patience,
                          double threshold, int cooldown, double min_lr);
void rmn_schedule_cosine(rmn_schedule *s, double lr, int t_max, double min_lr);
void rmn_schedule_step_lr(rmn_schedule *s, double lr, int step_size, double gamma);
void rmn_schedule_constant(rmn_schedule *s, double lr);

/* The learning rate for epoch `epoch` (0-based) before it is trained: cosine and step compute
 * it from the epoch index; plateau and none return the current lr. */
double rmn_schedule_lr_for_epoch(rmn_schedule *s, int epoch);
/* After an epoch: feeds the monitored metric to a plateau schedule (others ignore it).
 * Returns 1 when the learning rate was reduced. */
int rmn_schedule_observe(rmn_schedule *s, double metric);

#endif

/* test-schedule.c -- learning-rate schedules: ReduceLROnPlateau against PyTorch golden files
 * (tools/golden), cosine and step against their closed forms. */
#include "core/error.h"
#include "core/safetensors.h"
#include "optim/schedule.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void check_plateau(const char *name, int mode_max) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/golden/%s.safetensors", getenv("RMN_SRCDIR") ? getenv("RMN_SRCDIR") : ".", name);
    rmn_st_file *f;
    if (rmn_st_open(path, &f) != RMN_OK) {
        TAP_OK(0, "%s: open: %s", name, rmn_error_message());
        return;
    }
    const rmn_st_tensor *m = rmn_st_find(f, "metrics"), *l = rmn_st_find(f, "lrs");
    TAP_OK(m && l && m->numel == l->numel && m->numel == 20, "%s: 20 metrics and lrs", name);
    if (m && l && m->numel == 20) {
        double metrics[20], lrs[20];
        rmn_st_copy_f64(m, metrics, 20);
        rmn_st_copy_f64(l, lrs, 20);
        const char *lr0 = rmn_st_meta(f, "lr0");
        rmn_schedule s;
        rmn_schedule_plateau(&s, lr0 ? atof(lr0) : 1e-3, mode_max, 0.1, 2, 1e-4, 0, 1e-6);
        int same = 1, reductions = 0;
        for (int i = 0; i < 20; ++i) {
            reductions += rmn_schedule_observe(&s, metrics[i]);
            if (fabs(s.lr - lrs[i]) > 1e-12 * fabs(lrs[i])) {
                same = 0;
                tap_diag("%s step %d: lr %.12g, PyTorch %.12g", name, i, s.lr, lrs[i]);
            }
        }
        TAP_OK(same, "%s: lr after each of 20 steps equals PyTorch's (%d reductions)", name, reductions);
        TAP_OK(reductions >= 2, "%s: the script exercises several reductions", name);
    }
    rmn_st_close(f);
}

int main(void) {
    check_plateau("plateau_min", 0);
    check_plateau("plateau_max", 1);

    rmn_schedule c;
    rmn_schedule_cosine(&c, 0.1, 10, 0.001);
    TAP_NEAR(rmn_schedule_lr_for_epoch(&c, 0), 0.1, 1e-12, "cosine starts at base lr");
    TAP_NEAR(rmn_schedule_lr_for_epoch(&c, 5), 0.001 + 0.099 * 0.5, 1e-12, "cosine half-way is the mean");
    TAP_NEAR(rmn_schedule_lr_for_epoch(&c, 10), 0.001, 1e-12, "cosine ends at eta_min");
    TAP_NEAR(rmn_schedule_lr_for_epoch(&c, 3), 0.001 + 0.099 * (1 + cos(M_PI * 0.3)) / 2, 1e-12, "cosine epoch 3");
    TAP_OK(rmn_schedule_observe(&c, 1.0) == 0, "cosine ignores metrics");

    rmn_schedule st;
    rmn_schedule_step_lr(&st, 0.2, 3, 0.5);
    TAP_NEAR(rmn_schedule_lr_for_epoch(&st, 2), 0.2, 1e-12, "step: unchanged before step_size");
    TAP_NEAR(rmn_schedule_lr_for_epoch(&st, 3), 0.1, 1e-12, "step: gamma at step_size");
    TAP_NEAR(rmn_schedule_lr_for_epoch(&st, 7), 0.05, 1e-12, "step: gamma^2 after 2 step_sizes");

    rmn_schedule p;
    rmn_schedule_plateau(&p, 1e-4, 0, 0.1, 2, 1e-4, 0, 1e-6);
    int cut = 0;
    double accs[] = {50, 60, 59, 58, 57, 61};
    for (int i = 0; i < 6; ++i)
        cut += rmn_schedule_observe(&p, 100 - accs[i]);
    TAP_OK(cut == 1 && fabs(p.lr - 1e-5) < 1e-15, "thesis use: 100 - val_acc, patience 2: one cut after 3 bad epochs");

    int kind;
    TAP_OK(rmn_schedule_kind_parse("cosine", &kind) == RMN_OK && kind == RMN_SCHEDULE_COSINE, "parse cosine");
    TAP_OK(rmn_schedule_kind_parse("linear", &kind) == RMN_EINVAL && strstr(rmn_error_message(), "linear"),
           "unknown schedule refused");
    return tap_done();
}

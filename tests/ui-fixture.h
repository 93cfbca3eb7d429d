/* ui-fixture.h -- the store the rmn-ui tests show (header-only; test-ui-api.c, test-ui-mkdb.c):
 * the report's "paper" fixture (report-fixture.h) with parameters on its training runs (lr and
 * batch_size differ between models, optimizer does not), plus "live-s1", a resnet18 run of
 * experiment "paper" left RUNNING after UI_LIVE_EPOCHS epochs, as a run being trained looks;
 * ui_fixture_epoch adds its next epochs as the trainer would. */
#ifndef RMN_TESTS_UI_FIXTURE_H
#define RMN_TESTS_UI_FIXTURE_H

#include "report-fixture.h"

#define UI_LIVE_EPOCHS 2

/* epoch e of the live run: losses falling, accuracies rising (fractions) */
__attribute__((unused)) static int ui_fixture_epoch(rmn_store *s, int64_t run, int e) {
    static const char *const keys[] = {"train_loss", "train_acc", "val_loss", "val_acc", "lr"};
    double v[] = {1.75 / e + 0.25, 0.25 + 0.0625 * e, 1.875 / e + 0.375, 0.3125 + 0.03125 * e,
                  e < 4 ? 0.01 : 0.001};
    return rmn_store_epoch(s, run, e, 5, keys, v);
}

/* Fills s; *live = the id of live-s1. */
__attribute__((unused)) static void ui_fixture_build(rmn_store *s, pf_ids *ids, int64_t *live) {
    report_fixture_paper(s, ids);
    static const char *const keys[] = {"batch_size", "lr", "optimizer"};
    static const char *const lr[7] = {"0.0001", "0.0001", "0.001", "0.01", "0.01", "0.01", "0.0005"};
    static const char *const batch[7] = {"48", "48", "64", "32", "32", "32", "48"};
    for (int i = 0; i < 7; ++i) {
        const char *vals[] = {batch[i], lr[i], "radam"};
        rmn_store_run_params(s, ids->run[i], 3, keys, vals);
    }
    rmn_run_info info = {.experiment = "paper", .name = "live-s1", .kind = "train",
                         .model = "resnet18", .n_params = 11180103, .seed = 5,
                         .config_text = "arch=resnet18\n"};
    rmn_store_run_begin(s, &info, live);
    const char *vals[] = {"64", "0.01", "sgd"};
    rmn_store_run_params(s, *live, 3, keys, vals);
    for (int e = 1; e <= UI_LIVE_EPOCHS; ++e)
        ui_fixture_epoch(s, *live, e);
}

#endif

/* test-store-imported.c -- schema version 3: runs of kind 'imported' (published weights).
 * A version 2 store with a run, its params and an eval migrates to 3 on opening: nothing is
 * lost, integrity and foreign keys hold, the claim index survives, 'imported' runs can be
 * written and other kinds are still refused. */
#include "core/error.h"
#include "store/store.h"

#include "store-util.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    const char *dir = tu_tmpdir();
    char path[700], buf[300];
    snprintf(path, sizeof path, "%s/v2.db", dir);
    rmn_store *s = NULL;
    rmn_store_options v2 = {.migrate_to = 2};
    TAP_OK(rmn_store_open_opts(path, &v2, &s) == RMN_OK, "a version 2 store made");
    rmn_run_info info = {.experiment = "exp", .name = "democnn-s1", .kind = "train", .model = "democnn",
                         .n_params = 10, .seed = 1, .config_text = "arch=democnn\n"};
    int64_t run = 0, ev = 0;
    TAP_OK(rmn_store_run_begin(s, &info, &run) == RMN_OK, "a train run at version 2");
    int32_t idx[2] = {0, 1}, lab[2] = {3, 4}, pred[2] = {3, 1};
    double probs[14] = {0};
    probs[3] = probs[7 + 1] = 1;
    rmn_eval_record rec = {.split = "test", .n_samples = 2, .n_classes = 7, .sample_idx = idx, .labels = lab,
                           .preds = pred, .probs = probs, .loss = NAN};
    TAP_OK(rmn_store_eval(s, run, &rec, &ev) == RMN_OK && rmn_store_run_finish(s, run, "FINISHED", NULL) == RMN_OK,
           "with an eval, finished");
    rmn_store_close(s);
    sqlite3 *raw = tu_raw(path);
    TAP_OK(tu_int(raw, "PRAGMA user_version") == 2, "at version 2");
    TAP_OK(sqlite3_exec(raw, "UPDATE runs SET kind = 'imported'", NULL, NULL, NULL) != SQLITE_OK,
           "version 2 refuses kind 'imported'");
    sqlite3_close(raw);

    int rc = rmn_store_open(path, &s);
    TAP_OK(rc == RMN_OK, "opening it migrates it%s%s", rc ? ": " : "", rc ? rmn_error_message() : "");
    raw = tu_raw(path);
    TAP_OK(tu_int(raw, "PRAGMA user_version") == 3, "to version 3");
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM runs WHERE kind = 'train' AND status = 'FINISHED'") == 1 &&
               tu_int(raw, "SELECT COUNT(*) FROM evals") == 1 && tu_int(raw, "SELECT COUNT(*) FROM predictions") == 2,
           "the run, its eval and predictions are kept");
    TAP_OK(strcmp(tu_text(raw, "PRAGMA integrity_check", buf, sizeof buf), "ok") == 0 &&
               tu_int(raw, "PRAGMA foreign_key_check") == -999999 &&
               tu_int(raw, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'runs_claim'") == 1,
           "integrity and foreign keys ok, the claim index kept");
    TAP_OK(tu_int(raw, "SELECT instr(sql, '''imported''') > 0 FROM sqlite_schema WHERE name = 'runs'") == 1,
           "runs.kind's CHECK lists 'imported'");
    info.kind = "imported";
    info.name = "resmasking_dropout1-published";
    int64_t run2 = 0;
    rc = rmn_store_run_begin(s, &info, &run2);
    TAP_OK(rc == RMN_OK && run2 > run, "an imported run is written (%s)", rc ? rmn_error_message() : "");
    TAP_OK(sqlite3_exec(raw, "UPDATE runs SET kind = 'bogus' WHERE run_id = 1", NULL, NULL, NULL) != SQLITE_OK,
           "other kinds are still refused");
    sqlite3_close(raw);
    rmn_store_close(s);
    rc = rmn_store_open(path, &s);
    TAP_OK(rc == RMN_OK, "reopening a version 3 store");
    rmn_store_close(s);
    tu_rmrf(dir);
    return tap_done();
}

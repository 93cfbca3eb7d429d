/* test-ensemble.c -- ensemble arithmetic on hand-made predictions: the unweighted sum and
 * argmax, subset search on val and on test, what is recorded, and refusals. */
#include "core/error.h"
#include "store/store.h"
#include "tap.h"
#include "train/ensemble.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { NS = 4, K = 3 };
static const int32_t LABELS[NS] = {0, 1, 2, 1};

/* test-split probabilities of runs A, B, C (hand-checked in the comments of the asserts) */
static const double TEST[3][NS][K] = {
    {{0.6, 0.3, 0.1}, {0.5, 0.4, 0.1}, {0.2, 0.3, 0.5}, {0.1, 0.8, 0.1}},     /* A: 3/4 */
    {{0.25, 0.65, 0.1}, {0.1, 0.8, 0.1}, {0.5, 0.1, 0.4}, {0.2, 0.7, 0.1}},   /* B: 2/4 */
    {{0.45, 0.25, 0.3}, {0.6, 0.3, 0.1}, {0.3, 0.25, 0.45}, {0.5, 0.4, 0.1}}, /* C: 2/4 */
};

static int add_run(rmn_store *s, const char *name, int member, int tta_n, int64_t *run_id) {
    rmn_run_info info = {.experiment = "ens-test", .name = name, .kind = "train", .model = "m", .seed = 1,
                         .config_text = name, .n_threads = 1};
    RMN_TRY(rmn_store_run_begin(s, &info, run_id));
    int32_t idx[NS], preds[NS];
    double probs[NS * K];
    for (int split = 0; split < 2; ++split) {
        for (int i = 0; i < NS; ++i) {
            idx[i] = i;
            for (int c = 0; c < K; ++c) {
                double val_p = member == 0 ? (c == LABELS[i] ? 0.7 : 0.15)
                                           : (c == (LABELS[i] + 1) % K ? 0.8 : 0.1); /* A right, B and C wrong */
                probs[i * K + c] = split ? TEST[member][i][c] : val_p;
            }
            int best = 0;
            for (int c = 1; c < K; ++c)
                best = probs[i * K + c] > probs[i * K + best] ? c : best;
            preds[i] = best;
        }
        rmn_eval_record rec = {.split = split ? "test" : "val", .tta_n = tta_n, .n_samples = NS, .n_classes = K,
                               .sample_idx = idx, .labels = LABELS, .preds = preds, .probs = probs, .loss = NAN};
        int64_t eval_id;
        RMN_TRY(rmn_store_eval(s, *run_id, &rec, &eval_id));
    }
    return rmn_store_run_finish(s, *run_id, "FINISHED", NULL);
}

int main(void) {
    char dir[] = "/tmp/rmn-ens-XXXXXX", path[64];
    TAP_OK(mkdtemp(dir) != NULL, "temp dir");
    snprintf(path, sizeof path, "%s/e.db", dir);
    rmn_store *s;
    TAP_OK(rmn_store_open(path, &s) == RMN_OK, "store opened");
    int64_t ids[3];
    int rc = add_run(s, "A", 0, 8, &ids[0]);
    rc = rc ? rc : add_run(s, "B", 1, 8, &ids[1]);
    rc = rc ? rc : add_run(s, "C", 2, 8, &ids[2]);
    TAP_OK(rc == RMN_OK, "three member runs with val and test evals (%s)", rmn_error_message());

    rmn_ensemble_pool pool;
    rc = rmn_ensemble_pool_load(s, ids, 3, -1, &pool);
    TAP_OK(rc == RMN_OK && pool.n == 3 && pool.tta_n == 8, "pool loads the TTA evals (%s)", rmn_error_message());
    if (rc != RMN_OK)
        return tap_done();
    TAP_NEAR(rmn_ensemble_accuracy(&pool, 1, 1, NULL, NULL), 0.75, 1e-12, "A alone: 3/4 on test");
    TAP_NEAR(rmn_ensemble_accuracy(&pool, 2, 1, NULL, NULL), 0.5, 1e-12, "B alone: 2/4");
    TAP_NEAR(rmn_ensemble_accuracy(&pool, 3, 1, NULL, NULL), 0.75, 1e-12, "A+B: s0 sums (0.85, 0.95, 0.2) -> 1, wrong: 3/4");
    TAP_NEAR(rmn_ensemble_accuracy(&pool, 6, 1, NULL, NULL), 0.75, 1e-12, "B+C: 3/4");
    int32_t preds[NS];
    double probs[NS * K];
    TAP_NEAR(rmn_ensemble_accuracy(&pool, 7, 1, preds, probs), 1.0, 1e-12, "A+B+C: 4/4");
    TAP_OK(preds[0] == 0 && preds[1] == 1 && preds[2] == 2 && preds[3] == 1, "fused predictions");
    TAP_OK(fabs(probs[0] - 1.3) < 1e-12 && fabs(probs[1] - 1.2) < 1e-12 && fabs(probs[2] - 0.5) < 1e-12,
           "fused probabilities are plain sums (1.3, 1.2, 0.5)");
    double acc;
    uint32_t by_val = rmn_ensemble_best_subset(&pool, 0, &acc);
    TAP_OK(by_val == 1 && acc == 1.0, "best subset on val is {A} (mask %u, acc %.2f)", by_val, acc);
    TAP_NEAR(rmn_ensemble_accuracy(&pool, by_val, 1, NULL, NULL), 0.75, 1e-12, "... which scores 3/4 on test");
    uint32_t by_test = rmn_ensemble_best_subset(&pool, 1, &acc);
    TAP_OK(by_test == 7 && acc == 1.0, "best subset on test is {A,B,C} (mask %u): the optimistic bound", by_test);

    int64_t run;
    rc = rmn_ensemble_record(s, "ens-test", &pool, by_val, "val", &run);
    TAP_OK(rc == RMN_OK, "val-selected ensemble recorded (%s)", rmn_error_message());
    rmn_kv *tags;
    int nt;
    rmn_store_run_kv(s, run, "tags", &tags, &nt);
    int sel = 0, mem = 0;
    for (int i = 0; i < nt; ++i) {
        sel |= strcmp(tags[i].key, "selection") == 0 && strcmp(tags[i].value, "val") == 0;
        mem |= strcmp(tags[i].key, "members") == 0 && strcmp(tags[i].value, "A") == 0;
    }
    rmn_kv_free(tags, nt);
    TAP_OK(sel && mem, "tags selection=val, members=A");
    rmn_eval_summary *ev;
    int ne;
    rmn_store_run_evals(s, run, &ev, &ne);
    TAP_OK(ne == 2 && strcmp(ev[1].split, "test") == 0 && ev[1].n_correct == 3 && ev[1].tta_n == 8,
           "its fused test eval: 3 correct, tta_n 8");
    rmn_store_evals_free(ev);
    rmn_run_summary sum;
    rmn_store_run_summary(s, run, &sum);
    TAP_OK(strcmp(sum.kind, "ensemble") == 0 && strcmp(sum.status, "FINISHED") == 0, "a FINISHED run of kind ensemble");
    rmn_run_summary_clear(&sum);

    /* A fusion stopped part-way, as a kill leaves it: the run RUNNING, its val eval stored, its
     * process gone. Recording the same fusion completes that run instead of adding a second. */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0); /* a pid that is no process now */
    int64_t partial = 0, again = 0;
    rmn_run_info pinfo = {.experiment = "ens-test", .name = "ensemble-fixed-3", .kind = "ensemble",
                          .model = "ensemble", .config_text = "members=A,B,C\nselection=fixed\ntta_n=8\nweights=1\n",
                          .n_threads = 1};
    char dead[32];
    snprintf(dead, sizeof dead, "%ld", (long)child);
    rmn_eval_record pval = {.split = "val", .tta_n = 8, .n_samples = NS, .n_classes = K, .sample_idx = pool.val[0].sample_idx,
                            .labels = pool.val[0].labels, .preds = pool.val[0].preds, .probs = pool.val[0].probs, .loss = NAN};
    rc = rmn_store_run_begin(s, &pinfo, &partial);
    rc = rc ? rc : rmn_store_run_tag(s, partial, "pid", dead);
    rc = rc ? rc : rmn_store_eval(s, partial, &pval, NULL);
    TAP_OK(rc == RMN_OK, "an ensemble run left part-way: RUNNING, val eval only, its process gone (%s)", rmn_error_message());
    rc = rmn_ensemble_record(s, "ens-test", &pool, 7, "fixed", &again);
    rmn_store_run_summary(s, partial, &sum);
    TAP_OK(rc == RMN_OK && again == partial && strcmp(sum.status, "FINISHED") == 0,
           "recording the same fusion completes that run (run %lld, asked %lld, %s)", (long long)again,
           (long long)partial, rc ? rmn_error_message() : sum.status);
    rmn_run_summary_clear(&sum);
    rmn_store_run_evals(s, partial, &ev, &ne);
    TAP_OK(ne == 2 && strcmp(ev[0].split, "val") == 0 && strcmp(ev[1].split, "test") == 0 && ev[1].n_correct == 4,
           "its val eval kept, the test eval added (4/4), nothing twice (%d evals)", ne);
    rmn_store_evals_free(ev);
    rmn_run_summary *all;
    int nall, n_fixed = 0;
    rmn_store_runs(s, "ens-test", &all, &nall);
    for (int i = 0; i < nall; ++i)
        n_fixed += strcmp(all[i].name, "ensemble-fixed-3") == 0;
    rmn_store_runs_free(all, nall);
    TAP_OK(n_fixed == 1, "one run ensemble-fixed-3, not two (%d)", n_fixed);
    rmn_ensemble_pool_free(&pool);

    rc = rmn_ensemble_pool_load(s, ids, 3, 10, &pool);
    TAP_OK(rc == RMN_ENOTFOUND && strstr(rmn_error_message(), "10 TTA draws"), "members without the asked TTA count: %s",
           rmn_error_message());
    int64_t bad;
    rmn_run_info info = {.experiment = "ens-test", .name = "D", .kind = "train", .model = "m", .seed = 1,
                         .config_text = "D", .n_threads = 1};
    rmn_store_run_begin(s, &info, &bad);
    int32_t idx2[2] = {0, 1}, lab2[2] = {0, 1}, pr2[2] = {0, 1};
    double p2[2 * K] = {1, 0, 0, 0, 1, 0};
    for (int split = 0; split < 2; ++split) {
        rmn_eval_record rec = {.split = split ? "test" : "val", .tta_n = 8, .n_samples = 2, .n_classes = K,
                               .sample_idx = idx2, .labels = lab2, .preds = pr2, .probs = p2, .loss = NAN};
        int64_t e;
        rmn_store_eval(s, bad, &rec, &e);
    }
    int64_t mixed[2] = {ids[0], bad};
    rc = rmn_ensemble_pool_load(s, mixed, 2, -1, &pool);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "other samples"), "members on other samples refused: %s",
           rmn_error_message());
    rmn_store_close(s);
    unlink(path);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
    return tap_done();
}

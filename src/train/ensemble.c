/* ensemble.c -- fusing stored evaluations, subset search, recording; see ensemble.h. */
#include "train/ensemble.h"

#include "core/error.h"
#include "train/runs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int pick_eval(rmn_eval_summary *ev, int n, const char *split, int tta_n) {
    int best = -1;
    for (int i = 0; i < n; ++i)
        if (strcmp(ev[i].split, split) == 0 && ev[i].tta_n == tta_n)
            best = i; /* the newest: evals come in insertion order */
    return best;
}

static int largest_common_tta(rmn_eval_summary *ev, int n) {
    int best = -1;
    for (int i = 0; i < n; ++i)
        if (strcmp(ev[i].split, "test") == 0 && ev[i].tta_n > best && pick_eval(ev, n, "val", ev[i].tta_n) >= 0)
            best = ev[i].tta_n;
    return best;
}

static int same_samples(const rmn_eval_data *a, const rmn_eval_data *b) {
    if (a->n_samples != b->n_samples || a->n_classes != b->n_classes)
        return 0;
    for (int i = 0; i < a->n_samples; ++i)
        if (a->sample_idx[i] != b->sample_idx[i] || a->labels[i] != b->labels[i])
            return 0;
    return 1;
}

static int load_member(rmn_store *s, rmn_ensemble_pool *pool, int64_t run_id, int tta_n) {
    const int m = pool->n;
    rmn_eval_summary *ev;
    int n;
    rmn_run_summary sum;
    RMN_TRY(rmn_store_run_summary(s, run_id, &sum));
    pool->name[m] = strdup(sum.name);
    rmn_run_summary_clear(&sum);
    pool->run_id[m] = run_id;
    if (!pool->name[m])
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    RMN_TRY(rmn_store_run_evals(s, run_id, &ev, &n));
    int want = tta_n >= 0 ? tta_n : largest_common_tta(ev, n);
    if (m > 0 && pool->tta_n != want)
        want = pool->tta_n; /* every member uses the first member's TTA count */
    int iv = pick_eval(ev, n, "val", want), it = pick_eval(ev, n, "test", want);
    if (iv >= 0 && it >= 0) {
        pool->val_eval[m] = ev[iv].eval_id;
        pool->test_eval[m] = ev[it].eval_id;
    }
    rmn_store_evals_free(ev);
    if (iv < 0 || it < 0)
        return RMN_ERROR(RMN_ENOTFOUND, "run %lld %s has no val and test evals with %d TTA draws", (long long)run_id,
                         pool->name[m], want);
    pool->tta_n = want;
    RMN_TRY(rmn_store_eval_load(s, pool->val_eval[m], &pool->val[m]));
    pool->n = m + 1; /* owns its loaded evals from here on */
    RMN_TRY(rmn_store_eval_load(s, pool->test_eval[m], &pool->test[m]));
    if (pool->val[m].n_classes > 64)
        return RMN_ERROR(RMN_EINVAL, "run %s: %d classes, at most 64 supported", pool->name[m], pool->val[m].n_classes);
    if (m > 0 && (!same_samples(&pool->val[0], &pool->val[m]) || !same_samples(&pool->test[0], &pool->test[m])))
        return RMN_ERROR(RMN_EINVAL, "run %s was evaluated on other samples than run %s: cannot fuse them",
                         pool->name[m], pool->name[0]);
    return RMN_OK;
}

int rmn_ensemble_pool_load(rmn_store *s, const int64_t *run_ids, int n, int tta_n, rmn_ensemble_pool *pool) {
    memset(pool, 0, sizeof *pool);
    if (n < 1 || n > RMN_ENSEMBLE_MAX_MEMBERS)
        return RMN_ERROR(RMN_EINVAL, "an ensemble needs 1..%d members, got %d", RMN_ENSEMBLE_MAX_MEMBERS, n);
    for (int i = 0; i < n; ++i) {
        int rc = load_member(s, pool, run_ids[i], tta_n);
        if (rc != RMN_OK) {
            rmn_ensemble_pool_free(pool);
            return rc;
        }
    }
    return RMN_OK;
}

void rmn_ensemble_pool_free(rmn_ensemble_pool *pool) {
    for (int i = 0; i < RMN_ENSEMBLE_MAX_MEMBERS; ++i) {
        free(pool->name[i]);
        if (i < pool->n) {
            rmn_eval_data_free(&pool->val[i]);
            rmn_eval_data_free(&pool->test[i]);
        }
    }
    memset(pool, 0, sizeof *pool);
}

double rmn_ensemble_accuracy(const rmn_ensemble_pool *pool, uint32_t mask, int split, int32_t *preds,
                             double *probs) {
    const rmn_eval_data *first = split ? &pool->test[0] : &pool->val[0];
    const int ns = first->n_samples, k = first->n_classes;
    int correct = 0;
    double sum[64];
    for (int i = 0; i < ns; ++i) {
        for (int c = 0; c < k; ++c)
            sum[c] = 0;
        for (int m = 0; m < pool->n; ++m) {
            if (!(mask >> m & 1u))
                continue;
            const rmn_eval_data *d = split ? &pool->test[m] : &pool->val[m];
            for (int c = 0; c < k; ++c)
                sum[c] += d->probs[(size_t)i * k + c];
        }
        int best = 0;
        for (int c = 1; c < k; ++c)
            best = sum[c] > sum[best] ? c : best;
        correct += best == first->labels[i];
        if (preds)
            preds[i] = best;
        if (probs)
            memcpy(probs + (size_t)i * k, sum, (size_t)k * sizeof *sum);
    }
    return ns ? (double)correct / ns : 0.0;
}

uint32_t rmn_ensemble_best_subset(const rmn_ensemble_pool *pool, int split, double *acc) {
    uint32_t best = 0;
    double best_acc = -1;
    for (uint32_t mask = 1; mask < (1u << pool->n); ++mask) {
        double a = rmn_ensemble_accuracy(pool, mask, split, NULL, NULL);
        if (a > best_acc || (a == best_acc && __builtin_popcount(mask) < __builtin_popcount(best))) {
            best_acc = a;
            best = mask;
        }
    }
    *acc = best_acc;
    return best;
}

static int record_fused(rmn_store *s, int64_t run_id, const rmn_ensemble_pool *pool, uint32_t mask, int split) {
    const rmn_eval_data *first = split ? &pool->test[0] : &pool->val[0];
    const int ns = first->n_samples, k = first->n_classes;
    int found;
    RMN_TRY(rmn_store_run_has_eval(s, run_id, split ? "test" : "val", pool->tta_n, &found));
    if (found)
        return RMN_OK; /* recorded by an attempt that stopped later */
    int32_t *preds = malloc((size_t)ns * sizeof *preds + 1);
    double *probs = malloc((size_t)ns * (size_t)k * sizeof *probs + 1);
    if (!preds || !probs) {
        free(preds);
        free(probs);
        return RMN_ERROR(RMN_ENOMEM, "out of memory fusing %d samples", ns);
    }
    rmn_ensemble_accuracy(pool, mask, split, preds, probs);
    rmn_eval_record rec = {.split = split ? "test" : "val", .tta_n = pool->tta_n, .tta_seed = 0, .n_samples = ns,
                           .n_classes = k, .sample_idx = first->sample_idx, .labels = first->labels,
                           .preds = preds, .probs = probs, .loss = NAN};
    int64_t eval_id;
    int rc = rmn_store_eval(s, run_id, &rec, &eval_id);
    free(preds);
    free(probs);
    return rc;
}

int rmn_ensemble_record(rmn_store *s, const char *experiment, const rmn_ensemble_pool *pool, uint32_t mask,
                        const char *selection, int64_t *run_id) {
    char members[2048] = "", config[2600], name[128];
    size_t used = 0;
    int count = 0;
    for (int m = 0; m < pool->n; ++m)
        if (mask >> m & 1u) {
            used += (size_t)snprintf(members + used, used < sizeof members ? sizeof members - used : 0, "%s%s",
                                     count++ ? "," : "", pool->name[m]);
            if (used >= sizeof members)
                return RMN_ERROR(RMN_EINVAL, "ensemble member list too long");
        }
    snprintf(config, sizeof config, "members=%s\nselection=%s\ntta_n=%d\nweights=1\n", members, selection, pool->tta_n);
    snprintf(name, sizeof name, "ensemble-%s-%d", selection, count);
    /* claimed once: fused before from the same members (FINISHED), that run is kept (an
     * experiment run twice adds nothing); another process fusing it now is waited for */
    rmn_run_info info = {.experiment = experiment, .name = name, .kind = "ensemble", .model = "ensemble",
                         .n_params = 0, .seed = 0, .config_text = config, .n_threads = 1};
    int outcome;
    rmn_run_claim row;
    RMN_TRY(rmn_run_claim_wait(s, &info, NULL, NULL, &outcome, &row));
    *run_id = row.run_id;
    if (outcome == RMN_CLAIM_FINISHED)
        return RMN_OK;
    int rc = rmn_store_run_tag(s, *run_id, "selection", selection);
    if (rc == RMN_OK)
        rc = rmn_store_run_tag(s, *run_id, "members", members);
    for (int m = 0; m < pool->n && rc == RMN_OK; ++m)
        if (mask >> m & 1u)
            rc = rmn_store_ensemble_member(s, *run_id, pool->test_eval[m], 1.0);
    for (int split = 0; split < 2 && rc == RMN_OK; ++split) {
        int found = 0; /* a taken-over run may hold the val eval of an earlier attempt */
        rmn_eval_summary *ev;
        int n;
        if ((rc = rmn_store_run_evals(s, *run_id, &ev, &n)) != RMN_OK)
            break;
        for (int i = 0; i < n; ++i)
            found |= strcmp(ev[i].split, split ? "test" : "val") == 0;
        rmn_store_evals_free(ev);
        if (!found)
            rc = record_fused(s, *run_id, pool, mask, split);
    }
    if (rc == RMN_OK)
        return rmn_store_run_finish(s, *run_id, "FINISHED", NULL);
    char message[2048];
    snprintf(message, sizeof message, "%s", rmn_error_message());
    if (rmn_store_run_finish(s, *run_id, "FAILED", message) != RMN_OK)
        rmn_warning("could not mark ensemble run %lld FAILED: %s", (long long)*run_id, rmn_error_message());
    rmn_error_restore(rc, message);
    return rc;
}

static void print_row(FILE *out, const rmn_ensemble_pool *pool, uint32_t mask, const char *label, int64_t run_id) {
    fprintf(out, "%-36s val %6.2f%%  test %6.2f%%  run %lld  members:", label,
            100 * rmn_ensemble_accuracy(pool, mask, 0, NULL, NULL), 100 * rmn_ensemble_accuracy(pool, mask, 1, NULL, NULL),
            (long long)run_id);
    for (int m = 0; m < pool->n; ++m)
        if (mask >> m & 1u)
            fprintf(out, " %s", pool->name[m]);
    fputc('\n', out);
}

int rmn_ensemble_fuse_all(rmn_store *s, const char *experiment, const rmn_ensemble_pool *pool, FILE *out) {
    uint32_t all = pool->n >= 32 ? 0xffffffffu : (1u << pool->n) - 1u;
    double acc;
    uint32_t by_val = rmn_ensemble_best_subset(pool, 0, &acc), by_test = rmn_ensemble_best_subset(pool, 1, &acc);
    int64_t r_fixed, r_val, r_test;
    const uint32_t masks[3] = {all, by_val, by_test};
    const char *const selections[3] = {"fixed", "val", "test"};
    int64_t *const ids[3] = {&r_fixed, &r_val, &r_test};
    for (int i = 0; i < 3; ++i) {
        int rc = rmn_ensemble_record(s, experiment, pool, masks[i], selections[i], ids[i]);
        if (rc != RMN_OK) {
            rmn_error_prefix("recording the %s ensemble of experiment %s", selections[i], experiment);
            return rc;
        }
    }
    if (out) {
        fprintf(out, "unweighted ensemble of softmax%s (%d TTA draws per member), %d candidates\n",
                pool->tta_n ? " sums" : "", pool->tta_n, pool->n);
        print_row(out, pool, all, "all members (fixed)", r_fixed);
        print_row(out, pool, by_val, "best subset on val, scored on test", r_val);
        print_row(out, pool, by_test, "best subset on test (upper bound)", r_test);
    }
    return RMN_OK;
}

int rmn_ensemble_find_members(rmn_store *s, const char *experiment, char *const *model_names, int n,
                              int64_t *run_ids) {
    rmn_run_summary *runs;
    int nr;
    RMN_TRY(rmn_store_runs(s, experiment, &runs, &nr));
    int rc = RMN_OK;
    for (int m = 0; m < n && rc == RMN_OK; ++m) {
        size_t len = strlen(model_names[m]);
        run_ids[m] = 0;
        for (int i = 0; i < nr && !run_ids[m]; ++i) /* newest first */
            if (strcmp(runs[i].kind, "train") == 0 && strcmp(runs[i].status, "FINISHED") == 0 &&
                strncmp(runs[i].name, model_names[m], len) == 0 && strncmp(runs[i].name + len, "-s", 2) == 0)
                run_ids[m] = runs[i].run_id;
        if (!run_ids[m])
            rc = RMN_ERROR(RMN_ENOTFOUND, "experiment %s has no finished run of %s to fuse", experiment,
                           model_names[m]);
    }
    rmn_store_runs_free(runs, nr);
    return rc;
}

/* store_query_evals.c -- the typed queries of store_query.h: a run's evals on a split (its
 * own and its FINISHED 'eval' child runs'), an ensemble's member evals, an eval's per-sample
 * outcomes. Read-only, with bound parameters. */
#include "store/store_query.h"

#include "core/error.h"
#include "store/store_sql.h"

#include <stdlib.h>
#include <string.h>

static void count_from_row(sqlite3_stmt *st, rmn_eval_count *e) {
    e->eval_id = sqlite3_column_int64(st, 0);
    e->tta_n = sqlite3_column_int(st, 1);
    e->n_samples = sqlite3_column_int(st, 2);
    e->n_correct = sqlite3_column_int(st, 3);
    e->n_classes = sqlite3_column_int(st, 4);
}

#define EVAL_COLS "e.eval_id, e.tta_n, e.n_samples, e.n_correct, e.n_classes "
#define OWN_EVALS                                                                               \
    "FROM evals e JOIN runs r ON r.run_id = e.run_id WHERE e.split = ?2 AND (e.run_id = ?1 OR " \
    "(r.parent_run_id = ?1 AND r.kind = 'eval' AND r.status = 'FINISHED')) "

int rmn_store_split_evals(rmn_store *s, int64_t run_id, const char *split, rmn_eval_count *plain,
                          rmn_eval_count *tta) {
    memset(plain, 0, sizeof *plain);
    memset(tta, 0, sizeof *tta);
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(
        s, "SELECT " EVAL_COLS OWN_EVALS "ORDER BY e.tta_n, e.created_ms, e.eval_id", &st));
    sqlite3_bind_int64(st, 1, run_id);
    rmn_store_bind_text_(st, 2, split);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) /* the last of each kind is the newest */
        count_from_row(st, sqlite3_column_int(st, 1) == 0 ? plain : tta);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, "reading evals");
    return RMN_OK;
}

int rmn_store_split_eval_tta(rmn_store *s, int64_t run_id, const char *split, int tta_n,
                             rmn_eval_count *e) {
    memset(e, 0, sizeof *e);
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s,
                               "SELECT " EVAL_COLS OWN_EVALS
                               "AND e.tta_n = ?3 ORDER BY e.created_ms DESC, e.eval_id DESC LIMIT 1",
                               &st));
    sqlite3_bind_int64(st, 1, run_id);
    rmn_store_bind_text_(st, 2, split);
    sqlite3_bind_int(st, 3, tta_n);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        count_from_row(st, e);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, "reading an eval");
    return RMN_OK;
}

int rmn_store_ensemble_members(rmn_store *s, int64_t ensemble_run_id, rmn_member_eval **out,
                               int *n) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s,
                               "SELECT e.run_id, e.tta_n, m.member_eval_id FROM ensemble_members m "
                               "JOIN evals e ON e.eval_id = m.member_eval_id WHERE m.ensemble_run_id = ?1 "
                               "ORDER BY e.run_id, m.member_eval_id",
                               &st));
    sqlite3_bind_int64(st, 1, ensemble_run_id);
    rmn_member_eval *arr = NULL;
    int rc, e = RMN_OK, cap = 0, cnt = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rmn_member_eval *m = rmn_store_grow_(arr, &cap, cnt, sizeof *arr);
        if (!m) {
            e = RMN_ERROR(RMN_ENOMEM, "out of memory for ensemble members");
            break;
        }
        arr = m;
        arr[cnt].run_id = sqlite3_column_int64(st, 0);
        arr[cnt].tta_n = sqlite3_column_int(st, 1);
        arr[cnt].eval_id = sqlite3_column_int64(st, 2);
        ++cnt;
    }
    if (e == RMN_OK && rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(s, rc, "reading ensemble members");
    sqlite3_finalize(st);
    if (e != RMN_OK) {
        free(arr);
        return e;
    }
    *out = arr;
    *n = cnt;
    return RMN_OK;
}

int rmn_store_eval_outcomes(rmn_store *s, int64_t eval_id, int32_t **idx, uint8_t **correct,
                            int *n) {
    *idx = NULL;
    *correct = NULL;
    *n = 0;
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s, "SELECT n_samples FROM evals WHERE eval_id = ?1", &st));
    sqlite3_bind_int64(st, 1, eval_id);
    int rc = sqlite3_step(st);
    int cap = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (cap < 0)
        return rc == SQLITE_DONE
                   ? RMN_ERROR(RMN_ENOTFOUND, "%s: no eval %lld", s->path, (long long)eval_id)
                   : STORE_SQL_ERROR(s, rc, "reading an eval");
    *idx = malloc((size_t)(cap > 0 ? cap : 1) * sizeof **idx);
    *correct = malloc((size_t)(cap > 0 ? cap : 1));
    if (!*idx || !*correct) {
        free(*idx);
        free(*correct);
        *idx = NULL;
        *correct = NULL;
        return RMN_ERROR(RMN_ENOMEM, "out of memory for %d predictions", cap);
    }
    int e = rmn_store_prepare_(s,
                               "SELECT sample_idx, label = pred FROM predictions WHERE eval_id = ?1 "
                               "ORDER BY sample_idx",
                               &st);
    if (e == RMN_OK) {
        sqlite3_bind_int64(st, 1, eval_id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap) {
            (*idx)[*n] = sqlite3_column_int(st, 0);
            (*correct)[*n] = (uint8_t)(sqlite3_column_int(st, 1) != 0);
            ++*n;
        }
        if (rc == SQLITE_ROW)
            e = RMN_ERROR(RMN_EFORMAT, "%s: eval %lld has more predictions than its %d samples",
                          s->path, (long long)eval_id, cap);
        else if (rc != SQLITE_DONE)
            e = STORE_SQL_ERROR(s, rc, "reading predictions");
        sqlite3_finalize(st);
    }
    if (e != RMN_OK) {
        free(*idx);
        free(*correct);
        *idx = NULL;
        *correct = NULL;
        *n = 0;
    }
    return e;
}

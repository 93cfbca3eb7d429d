/* store_read_evals.c -- reading what a run measured: per-epoch metrics as a wide table, its
 * evals, confusion counts, the stored predictions (checked before anything is allocated from
 * them) and top-k counts from their probabilities. Results go into caller-owned arrays
 * released by the matching *_free. */
#include "store/store_internal.h"

#include "core/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// --- metrics ----------------------------------------------------------------------------------

int rmn_metric_is_accuracy(const char *key) {
    size_t n = strlen(key);
    return n >= 4 && strcmp(key + n - 4, "_acc") == 0;
}

void rmn_metric_table_free(rmn_metric_table *t) {
    if (!t)
        return;
    for (int i = 0; i < t->n_keys; ++i)
        free(t->keys[i]);
    free(t->keys);
    free(t->epochs);
    free(t->values);
    memset(t, 0, sizeof *t);
}

/* Runs a one-column query bound to run_id; counts rows. */
static int count_rows(rmn_store *s, const char *sql, int64_t run_id, int *n) {
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s, sql, &st));
    sqlite3_bind_int64(st, 1, run_id);
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ++*n;
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, "resolving a run");
    return RMN_OK;
}

#define KEY_ORDER                                                                              \
    "CASE key WHEN 'train_loss' THEN 0 WHEN 'train_acc' THEN 1 WHEN 'val_loss' THEN 2 "       \
    "WHEN 'val_acc' THEN 3 WHEN 'lr' THEN 4 WHEN 'epoch_s' THEN 5 WHEN 'images_per_s' THEN 6 " \
    "ELSE 7 END, key"

int rmn_store_run_metrics(rmn_store *s, int64_t run_id, rmn_metric_table *t) {
    memset(t, 0, sizeof *t);
    int nk, ne, e = RMN_OK, rc;
    RMN_TRY(count_rows(s, "SELECT DISTINCT key FROM metrics WHERE run_id = ?1", run_id, &nk));
    RMN_TRY(count_rows(s, "SELECT DISTINCT step FROM metrics WHERE run_id = ?1", run_id, &ne));
    if (nk == 0 || ne == 0)
        return RMN_OK;
    t->keys = calloc((size_t)nk, sizeof *t->keys);
    t->epochs = calloc((size_t)ne, sizeof *t->epochs);
    t->values = malloc((size_t)nk * (size_t)ne * sizeof *t->values);
    if (!t->keys || !t->epochs || !t->values) {
        rmn_metric_table_free(t);
        return RMN_ERROR(RMN_ENOMEM, "out of memory reading metrics");
    }
    for (size_t i = 0; i < (size_t)nk * (size_t)ne; ++i)
        t->values[i] = NAN;

    sqlite3_stmt *st = NULL;
    /* keys, in display order */
    if ((e = rmn_store_prepare_(s, "SELECT DISTINCT key FROM metrics WHERE run_id = ?1 "
                                   "ORDER BY " KEY_ORDER,
                                &st)) != RMN_OK)
        goto fail;
    sqlite3_bind_int64(st, 1, run_id);
    int oom = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && t->n_keys < nk)
        t->keys[t->n_keys++] = rmn_store_col_strdup_(st, 0, &oom);
    sqlite3_finalize(st);
    st = NULL;
    if (oom) {
        e = RMN_ERROR(RMN_ENOMEM, "out of memory reading metrics");
        goto fail;
    }
    /* every value, ordered by step then key order: fill row by row */
    if ((e = rmn_store_prepare_(s, "SELECT step, key, value FROM metrics WHERE run_id = ?1 "
                                   "ORDER BY step, " KEY_ORDER,
                                &st)) != RMN_OK)
        goto fail;
    sqlite3_bind_int64(st, 1, run_id);
    int row = -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t step = sqlite3_column_int64(st, 0);
        if (row < 0 || t->epochs[row] != step) {
            if (row + 1 >= ne)
                break; /* rows appeared since counting: ignore them */
            t->epochs[++row] = step;
        }
        const char *key = (const char *)sqlite3_column_text(st, 1);
        for (int k = 0; k < t->n_keys; ++k) {
            if (strcmp(t->keys[k], key) == 0) {
                t->values[(size_t)row * (size_t)nk + (size_t)k] = rmn_store_col_double_(st, 2);
                break;
            }
        }
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        e = STORE_SQL_ERROR(s, rc, "reading metrics");
        goto fail;
    }
    sqlite3_finalize(st);
    t->n_epochs = row + 1;
    return RMN_OK;
fail:
    sqlite3_finalize(st);
    rmn_metric_table_free(t);
    return e;
}

// --- evals ------------------------------------------------------------------------------------

void rmn_store_evals_free(rmn_eval_summary *e) { free(e); }

int rmn_store_run_evals(rmn_store *s, int64_t run_id, rmn_eval_summary **out, int *n) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s,
                               "SELECT eval_id, run_id, split, tta_n, tta_seed, n_samples, "
                               "n_classes, n_correct, loss, created_ms FROM evals "
                               "WHERE run_id = ?1 ORDER BY eval_id",
                               &st));
    sqlite3_bind_int64(st, 1, run_id);
    rmn_eval_summary *arr = NULL;
    int cap = 0, cnt = 0, rc, e = RMN_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rmn_eval_summary *na = rmn_store_grow_(arr, &cap, cnt, sizeof *arr);
        if (!na) {
            e = RMN_ERROR(RMN_ENOMEM, "out of memory reading evals");
            break;
        }
        arr = na;
        rmn_eval_summary *v = &arr[cnt++];
        memset(v, 0, sizeof *v);
        v->eval_id = sqlite3_column_int64(st, 0);
        v->run_id = sqlite3_column_int64(st, 1);
        const unsigned char *sp = sqlite3_column_text(st, 2);
        snprintf(v->split, sizeof v->split, "%s", sp ? (const char *)sp : "");
        v->tta_n = sqlite3_column_int(st, 3);
        v->has_tta_seed = sqlite3_column_type(st, 4) != SQLITE_NULL;
        v->tta_seed = sqlite3_column_int64(st, 4);
        v->n_samples = sqlite3_column_int(st, 5);
        v->n_classes = sqlite3_column_int(st, 6);
        v->n_correct = sqlite3_column_int(st, 7);
        v->loss = rmn_store_col_double_(st, 8);
        v->created_ms = sqlite3_column_int64(st, 9);
        v->accuracy = v->n_samples > 0 ? (double)v->n_correct / v->n_samples : NAN;
    }
    if (e == RMN_OK && rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(s, rc, "reading evals");
    sqlite3_finalize(st);
    if (e != RMN_OK) {
        free(arr);
        return e;
    }
    *out = arr;
    *n = cnt;
    return RMN_OK;
}

int rmn_store_run_has_eval(rmn_store *s, int64_t run_id, const char *split, int tta_n, int *found) {
    rmn_eval_summary *ev;
    int n;
    RMN_TRY(rmn_store_run_evals(s, run_id, &ev, &n));
    *found = 0;
    for (int i = 0; i < n; ++i)
        *found |= strcmp(ev[i].split, split) == 0 && ev[i].tta_n == tta_n;
    rmn_store_evals_free(ev);
    return RMN_OK;
}

int rmn_store_confusion(rmn_store *s, int64_t eval_id, int n_classes, int64_t *counts) {
    sqlite3_stmt *st;
    memset(counts, 0, (size_t)n_classes * (size_t)n_classes * sizeof *counts);
    RMN_TRY(rmn_store_prepare_(s, "SELECT label, pred, n FROM confusion WHERE eval_id = ?1", &st));
    sqlite3_bind_int64(st, 1, eval_id);
    int rc, e = RMN_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int label = sqlite3_column_int(st, 0), pred = sqlite3_column_int(st, 1);
        if (label < 0 || label >= n_classes || pred < 0 || pred >= n_classes) {
            e = RMN_ERROR(RMN_EFORMAT, "%s: eval %lld has label %d / prediction %d outside "
                          "[0, %d)", s->path, (long long)eval_id, label, pred, n_classes);
            break;
        }
        counts[label * n_classes + pred] = sqlite3_column_int64(st, 2);
    }
    if (e == RMN_OK && rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(s, rc, "reading a confusion matrix");
    sqlite3_finalize(st);
    return e;
}

// --- predictions ------------------------------------------------------------------------------

void rmn_eval_data_free(rmn_eval_data *d) {
    if (!d)
        return;
    free(d->sample_idx);
    free(d->labels);
    free(d->preds);
    free(d->probs);
    memset(d, 0, sizeof *d);
}

static double decode_f64le(const unsigned char *b) {
    uint64_t u = 0;
    for (int i = 7; i >= 0; --i)
        u = (u << 8) | b[i];
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

int rmn_store_eval_load(rmn_store *s, int64_t eval_id, rmn_eval_data *d) {
    memset(d, 0, sizeof *d);
    sqlite3_stmt *st;
    /* the sizes are checked against the schema's ranges and the rows actually stored before
     * anything is allocated from them: a damaged store must not ask for gigabytes */
    RMN_TRY(rmn_store_prepare_(s, "SELECT n_samples, n_classes, (SELECT COUNT(*) FROM predictions "
                                  "WHERE eval_id = ?1) FROM evals WHERE eval_id = ?1", &st));
    sqlite3_bind_int64(st, 1, eval_id);
    int rc = sqlite3_step(st), e;
    if (rc != SQLITE_ROW) {
        e = rc == SQLITE_DONE ? RMN_ERROR(RMN_ENOTFOUND, "%s: no eval with id %lld", s->path,
                                          (long long)eval_id)
                              : STORE_SQL_ERROR(s, rc, "reading an eval");
        sqlite3_finalize(st);
        return e;
    }
    int64_t ns64 = sqlite3_column_int64(st, 0), nc64 = sqlite3_column_int64(st, 1);
    int64_t rows = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    if (nc64 < 1 || nc64 > RMN_STORE_MAX_CLASSES || ns64 < 0 || ns64 > INT32_MAX)
        return RMN_ERROR(RMN_EFORMAT, "%s: eval %lld has %lld samples of %lld classes (classes must "
                         "lie in 1..%d)", s->path, (long long)eval_id, (long long)ns64,
                         (long long)nc64, RMN_STORE_MAX_CLASSES);
    if (rows != ns64)
        return RMN_ERROR(RMN_EFORMAT, "%s: eval %lld records %lld samples but has %lld predictions",
                         s->path, (long long)eval_id, (long long)ns64, (long long)rows);
    int ns = (int)ns64, nc = (int)nc64;
    size_t nn = ns > 0 ? (size_t)ns : 1;
    d->n_classes = nc;
    d->sample_idx = malloc(nn * sizeof *d->sample_idx);
    d->labels = malloc(nn * sizeof *d->labels);
    d->preds = malloc(nn * sizeof *d->preds);
    d->probs = malloc(nn * (size_t)nc * sizeof *d->probs);
    if (!d->sample_idx || !d->labels || !d->preds || !d->probs) {
        rmn_eval_data_free(d);
        return RMN_ERROR(RMN_ENOMEM, "out of memory loading eval %lld", (long long)eval_id);
    }
    if ((e = rmn_store_prepare_(s, "SELECT sample_idx, label, pred, probs FROM predictions "
                                   "WHERE eval_id = ?1 ORDER BY sample_idx",
                                &st)) != RMN_OK) {
        rmn_eval_data_free(d);
        return e;
    }
    sqlite3_bind_int64(st, 1, eval_id);
    int i = 0;
    e = RMN_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *b = sqlite3_column_blob(st, 3);
        int bytes = sqlite3_column_bytes(st, 3);
        if (i >= ns || bytes != 8 * nc) {
            e = RMN_ERROR(RMN_EFORMAT, "%s: eval %lld: prediction %d has %d probability bytes "
                          "(expected %d) or there are more than %d predictions",
                          s->path, (long long)eval_id, i, bytes, 8 * nc, ns);
            break;
        }
        int64_t idx = sqlite3_column_int64(st, 0), label = sqlite3_column_int64(st, 1),
                pred = sqlite3_column_int64(st, 2);
        if (idx < 0 || idx > INT32_MAX || label < 0 || label >= nc || pred < 0 || pred >= nc) {
            e = RMN_ERROR(RMN_EFORMAT, "%s: eval %lld: sample %lld has label %lld / prediction "
                          "%lld outside [0, %d)", s->path, (long long)eval_id, (long long)idx,
                          (long long)label, (long long)pred, nc);
            break;
        }
        d->sample_idx[i] = (int32_t)idx;
        d->labels[i] = (int32_t)label;
        d->preds[i] = (int32_t)pred;
        for (int c = 0; c < nc; ++c)
            d->probs[(size_t)i * (size_t)nc + (size_t)c] = decode_f64le(b + 8 * c);
        ++i;
    }
    if (e == RMN_OK && rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(s, rc, "reading predictions");
    sqlite3_finalize(st);
    if (e == RMN_OK && i != ns)
        e = RMN_ERROR(RMN_EFORMAT, "%s: eval %lld records %d samples but has %d predictions",
                      s->path, (long long)eval_id, ns, i);
    if (e != RMN_OK) {
        rmn_eval_data_free(d);
        return e;
    }
    d->n_samples = ns;
    return RMN_OK;
}

int rmn_store_eval_topk(rmn_store *s, int64_t eval_id, int k, int64_t *n_correct) {
    sqlite3_stmt *st;
    *n_correct = 0;
    RMN_TRY(rmn_store_prepare_(s, "SELECT p.label, p.probs, e.n_classes FROM predictions p JOIN evals e "
                                  "ON e.eval_id = p.eval_id WHERE p.eval_id = ?1",
                               &st));
    sqlite3_bind_int64(st, 1, eval_id);
    int rc, e = RMN_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const int label = sqlite3_column_int(st, 0), nc = sqlite3_column_int(st, 2);
        const unsigned char *b = sqlite3_column_blob(st, 1);
        if (sqlite3_column_bytes(st, 1) != 8 * nc || label < 0 || label >= nc) {
            e = RMN_ERROR(RMN_EFORMAT, "%s: eval %lld holds a prediction other than %d probabilities and a "
                          "label below that", s->path, (long long)eval_id, nc);
            break;
        }
        const double py = decode_f64le(b + 8 * (size_t)label);
        int above = 0; /* classes at least as likely as the label's: ties count against it */
        for (int c = 0; c < nc && above < k; ++c)
            above += c != label && decode_f64le(b + 8 * (size_t)c) >= py;
        *n_correct += above < k;
    }
    if (e == RMN_OK && rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(s, rc, "reading predictions");
    sqlite3_finalize(st);
    return e;
}

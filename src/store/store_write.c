/* store_write.c -- writing runs: experiments, run rows with provenance, params, tags, epoch
 * metrics, evals with predictions, ensemble members, artifacts, finishing and stale recovery.
 * Every function is one transaction; on any failure it rolls back and leaves nothing behind. */
#include "store/store_internal.h"

#include "core/error.h"
#include "core/provenance.h"
#include "core/sha256.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

// --- helpers ----------------------------------------------------------------------------------

/* Steps a bound statement that returns no rows. */
static int step_done(rmn_store *s, sqlite3_stmt *st, const char *what) {
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return STORE_SQL_ERROR(s, rc, what);
    return RMN_OK;
}

/* 32 lowercase hex characters from the kernel's random source (not an experiment stream). */
static int new_uuid(char out[33]) {
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t r = getrandom(b + got, sizeof b - got, 0);
        if (r < 0)
            return RMN_ERROR(RMN_EIO, "getrandom failed while making a run uuid");
        got += (size_t)r;
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; ++i) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[32] = '\0';
    return RMN_OK;
}

static int run_exists(rmn_store *s, int64_t run_id) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM runs WHERE run_id = ?", -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(st, 1, run_id);
    int found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

static int no_such_run(rmn_store *s, int64_t run_id) {
    return RMN_ERROR(RMN_ENOTFOUND, "%s: no run with id %lld", s->path, (long long)run_id);
}

static int check_writable(rmn_store *s) {
    if (s->read_only)
        return RMN_ERROR(RMN_EINVAL, "%s: store opened read-only", s->path);
    return RMN_OK;
}

// --- experiments and runs ---------------------------------------------------------------------

/* Inside a transaction: the id of experiment name, inserted if missing. */
int rmn_store_experiment_ensure_tx_(rmn_store *s, const char *name, const char *description,
                                int64_t *id) {
    sqlite3_stmt *st = NULL;
    int e;
    RMN_TRY(rmn_store_prepare_(
        s,
        "INSERT INTO experiments (name, description, created_ms) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(name) DO UPDATE SET description = coalesce(description, excluded.description) "
        "RETURNING experiment_id",
        &st));
    rmn_store_bind_text_(st, 1, name);
    rmn_store_bind_text_(st, 2, description);
    sqlite3_bind_int64(st, 3, rmn_now_ms());
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        e = STORE_SQL_ERROR(s, rc, "recording an experiment");
        sqlite3_finalize(st);
        return e;
    }
    *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return RMN_OK;
}

int rmn_store_experiment_ensure(rmn_store *s, const char *name, const char *description,
                                int64_t *id) {
    int st;
    RMN_TRY(check_writable(s));
    if (!name || !*name)
        return RMN_ERROR(RMN_EINVAL, "experiment name is empty");
    RMN_TRY(rmn_store_begin_(s, "BEGIN IMMEDIATE"));
    if ((st = rmn_store_experiment_ensure_tx_(s, name, description, id)) != RMN_OK) {
        rmn_store_rollback_(s);
        return st;
    }
    return rmn_store_commit_(s);
}

static int check_run_info(const rmn_run_info *info) {
    if (!info->experiment || !*info->experiment || !info->name || !*info->name)
        return RMN_ERROR(RMN_EINVAL, "a run needs an experiment and a name");
    if (!info->kind || (strcmp(info->kind, "train") && strcmp(info->kind, "eval") &&
                        strcmp(info->kind, "ensemble") && strcmp(info->kind, "imported")))
        return RMN_ERROR(RMN_EINVAL, "run kind must be train, eval, ensemble or imported, got '%s'",
                         info->kind ? info->kind : "(null)");
    if (info->n_params < 0)
        return RMN_ERROR(RMN_EINVAL, "n_params must be >= 0");
    return RMN_OK;
}

int rmn_store_run_insert_tx_(rmn_store *s, const rmn_run_info *info, const rmn_provenance *prov,
                             const rmn_process_id *owner, int64_t *run_id) {
    RMN_TRY(check_run_info(info));
    char uuid[33], config_sha[RMN_SHA256_HEX];
    const char *config = info->config_text ? info->config_text : "";
    RMN_TRY(new_uuid(uuid));
    rmn_sha256_hex(config, strlen(config), config_sha);
    sqlite3_stmt *st = NULL;
    int64_t exp_id = 0, now = rmn_now_ms();
    RMN_TRY(rmn_store_experiment_ensure_tx_(s, info->experiment, NULL, &exp_id));
    RMN_TRY(rmn_store_prepare_(
        s,
        "INSERT INTO runs (run_uuid, experiment_id, name, kind, model, n_params, status, "
        "parent_run_id, start_ms, updated_ms, seed, config_text, config_sha256, "
        "dataset_sha256, git_commit, git_dirty, tool_version, build_config, host, "
        "cpu_model, blas_config, n_threads, owner_host, owner_pid, owner_token, claimed_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'RUNNING', ?7, ?8, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
        "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?8)",
        &st));
    rmn_store_bind_text_(st, 1, uuid);
    sqlite3_bind_int64(st, 2, exp_id);
    rmn_store_bind_text_(st, 3, info->name);
    rmn_store_bind_text_(st, 4, info->kind);
    rmn_store_bind_text_(st, 5, info->model);
    sqlite3_bind_int64(st, 6, info->n_params);
    if (info->parent_run_id > 0)
        sqlite3_bind_int64(st, 7, info->parent_run_id);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int64(st, 8, now);
    sqlite3_bind_int64(st, 9, info->seed);
    rmn_store_bind_text_(st, 10, config);
    rmn_store_bind_text_(st, 11, config_sha);
    rmn_store_bind_text_(st, 12, info->dataset_sha256);
    rmn_store_bind_text_(st, 13, prov->git_commit);
    if (prov->git_dirty >= 0)
        sqlite3_bind_int(st, 14, prov->git_dirty);
    else
        sqlite3_bind_null(st, 14);
    rmn_store_bind_text_(st, 15, prov->tool_version);
    rmn_store_bind_text_(st, 16, prov->build_config);
    rmn_store_bind_text_(st, 17, prov->host);
    rmn_store_bind_text_(st, 18, prov->cpu_model);
    rmn_store_bind_text_(st, 19, prov->blas_config);
    sqlite3_bind_int(st, 20, info->n_threads > 0 ? info->n_threads : prov->n_threads);
    if (owner && owner->host[0]) {
        rmn_store_bind_text_(st, 21, owner->host);
        sqlite3_bind_int64(st, 22, owner->pid);
        rmn_store_bind_text_(st, 23, owner->token);
    } else {
        sqlite3_bind_null(st, 21);
        sqlite3_bind_null(st, 22);
        sqlite3_bind_null(st, 23);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        int e = RMN_ERROR(RMN_EINVAL, "%s: run %s of experiment %s (seed %lld, this configuration) "
                      "is already running or finished; claim runs instead of inserting them",
                      s->path, info->name, info->experiment, (long long)info->seed);
        return e;
    }
    if (rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, "inserting a run");
    *run_id = sqlite3_last_insert_rowid(s->db);
    return RMN_OK;
}

/* Inside the transaction: the "host" and "pid" tags of a run begun without a claim, so a
 * process killed right after beginning it leaves a run that is seen dead (and resumed), not
 * one that looks live until its heartbeat is stale. */
static int tag_process_tx(rmn_store *s, int64_t run_id) {
    char host[256] = "", pid[32];
    gethostname(host, sizeof host - 1);
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    sqlite3_stmt *st = NULL;
    RMN_TRY(rmn_store_prepare_(
        s, "INSERT INTO tags (run_id, key, value) VALUES (?1, 'host', ?2), (?1, 'pid', ?3)", &st));
    sqlite3_bind_int64(st, 1, run_id);
    rmn_store_bind_text_(st, 2, host);
    rmn_store_bind_text_(st, 3, pid);
    int e = step_done(s, st, "tagging a run with its process");
    sqlite3_finalize(st);
    return e;
}

int rmn_store_run_begin(rmn_store *s, const rmn_run_info *info, int64_t *run_id) {
    RMN_TRY(check_writable(s));
    RMN_TRY(check_run_info(info));
    rmn_provenance prov;
    RMN_TRY(rmn_provenance_collect(&prov)); /* outside the transaction: it runs git */
    int e = rmn_store_begin_(s, "BEGIN IMMEDIATE");
    if (e == RMN_OK) {
        if ((e = rmn_store_run_insert_tx_(s, info, &prov, NULL, run_id)) == RMN_OK &&
            (e = tag_process_tx(s, *run_id)) == RMN_OK)
            e = rmn_store_commit_(s);
        else
            rmn_store_rollback_(s);
    }
    rmn_provenance_free(&prov);
    return e;
}

int rmn_store_run_params(rmn_store *s, int64_t run_id, int n, const char *const *keys,
                         const char *const *values) {
    sqlite3_stmt *ins = NULL, *get = NULL;
    int e;
    RMN_TRY(check_writable(s));
    RMN_TRY(rmn_store_begin_(s, "BEGIN IMMEDIATE"));
    if (!run_exists(s, run_id)) {
        e = no_such_run(s, run_id);
        goto fail;
    }
    if ((e = rmn_store_prepare_(s, "INSERT INTO params (run_id, key, value) VALUES (?1, ?2, ?3) "
                                   "ON CONFLICT(run_id, key) DO NOTHING",
                                &ins)) != RMN_OK ||
        (e = rmn_store_prepare_(s, "SELECT value FROM params WHERE run_id = ?1 AND key = ?2",
                                &get)) != RMN_OK)
        goto fail;
    for (int i = 0; i < n; ++i) {
        if (!keys[i] || !*keys[i] || !values[i]) {
            e = RMN_ERROR(RMN_EINVAL, "param %d: empty key or NULL value", i);
            goto fail;
        }
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, run_id);
        rmn_store_bind_text_(ins, 2, keys[i]);
        rmn_store_bind_text_(ins, 3, values[i]);
        if ((e = step_done(s, ins, "inserting a param")) != RMN_OK)
            goto fail;
        if (sqlite3_changes(s->db) == 0) {
            sqlite3_reset(get);
            sqlite3_bind_int64(get, 1, run_id);
            rmn_store_bind_text_(get, 2, keys[i]);
            if (sqlite3_step(get) == SQLITE_ROW &&
                strcmp((const char *)sqlite3_column_text(get, 0), values[i]) != 0) {
                e = RMN_ERROR(RMN_EINVAL, "run %lld: param '%s' is already '%s', cannot change "
                              "it to '%s' (params are immutable)",
                              (long long)run_id, keys[i],
                              (const char *)sqlite3_column_text(get, 0), values[i]);
                goto fail;
            }
        }
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(get);
    return rmn_store_commit_(s);
fail:
    sqlite3_finalize(ins);
    sqlite3_finalize(get);
    rmn_store_rollback_(s);
    return e;
}

/* Runs and finalizes an INSERT of a row that belongs to run_id: a constraint failure for a
 * missing run becomes "no such run"; any other failure is reported as `what`. */
static int step_run_row(rmn_store *s, sqlite3_stmt *st, int64_t run_id, const char *what) {
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT && !run_exists(s, run_id))
        return no_such_run(s, run_id);
    if (rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, what);
    return RMN_OK;
}

int rmn_store_run_tag(rmn_store *s, int64_t run_id, const char *key, const char *value) {
    sqlite3_stmt *st;
    RMN_TRY(check_writable(s));
    if (!key || !*key)
        return RMN_ERROR(RMN_EINVAL, "tag key is empty");
    RMN_TRY(rmn_store_prepare_(s,
                               "INSERT INTO tags (run_id, key, value) VALUES (?1, ?2, ?3) "
                               "ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value",
                               &st));
    sqlite3_bind_int64(st, 1, run_id);
    rmn_store_bind_text_(st, 2, key);
    rmn_store_bind_text_(st, 3, value);
    return step_run_row(s, st, run_id, "setting a tag");
}

/* UPDATE runs with one statement; RMN_ENOTFOUND when no row changed. */
static int update_run(rmn_store *s, int64_t run_id, const char *sql, const char *status,
                      const char *text, const char *what) {
    sqlite3_stmt *st;
    RMN_TRY(check_writable(s));
    RMN_TRY(rmn_store_prepare_(s, sql, &st));
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, rmn_now_ms());
    if (status) {
        rmn_store_bind_text_(st, 3, status);
        rmn_store_bind_text_(st, 4, text);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, what);
    if (sqlite3_changes(s->db) == 0)
        return no_such_run(s, run_id);
    return RMN_OK;
}

int rmn_store_run_finish(rmn_store *s, int64_t run_id, const char *status, const char *error_text) {
    if (!status || (strcmp(status, "FINISHED") && strcmp(status, "FAILED") && strcmp(status, "KILLED")))
        return RMN_ERROR(RMN_EINVAL, "final run status must be FINISHED, FAILED or KILLED, got '%s'",
                         status ? status : "(null)");
    return update_run(s, run_id,
                      "UPDATE runs SET status = ?3, error_text = ?4, end_ms = ?2, updated_ms = ?2 "
                      "WHERE run_id = ?1",
                      status, error_text, "finishing a run");
}

int rmn_store_run_reopen(rmn_store *s, int64_t run_id) {
    return update_run(s, run_id,
                      "UPDATE runs SET status = 'RUNNING', error_text = NULL, end_ms = NULL, "
                      "updated_ms = ?2 WHERE run_id = ?1",
                      NULL, NULL, "reopening a run to resume it");
}

int rmn_store_run_heartbeat(rmn_store *s, int64_t run_id) {
    return update_run(s, run_id, "UPDATE runs SET updated_ms = ?2 WHERE run_id = ?1", NULL, NULL,
                      "updating a run's heartbeat");
}

// --- metrics ----------------------------------------------------------------------------------

int rmn_store_epoch(rmn_store *s, int64_t run_id, int64_t epoch, int n, const char *const *keys,
                    const double *values) {
    sqlite3_stmt *ins = NULL, *beat = NULL;
    int e;
    int64_t now = rmn_now_ms();
    RMN_TRY(check_writable(s));
    RMN_TRY(rmn_store_begin_(s, "BEGIN IMMEDIATE"));
    if ((e = rmn_store_prepare_(s, "UPDATE runs SET updated_ms = ?2 WHERE run_id = ?1", &beat)) !=
        RMN_OK)
        goto fail;
    sqlite3_bind_int64(beat, 1, run_id);
    sqlite3_bind_int64(beat, 2, now);
    if ((e = step_done(s, beat, "updating a run's heartbeat")) != RMN_OK)
        goto fail;
    if (sqlite3_changes(s->db) == 0) {
        e = no_such_run(s, run_id);
        goto fail;
    }
    if ((e = rmn_store_prepare_(s,
                                "INSERT INTO metrics (run_id, key, step, value, ts_ms) "
                                "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(run_id, key, step) "
                                "DO UPDATE SET value = excluded.value, ts_ms = excluded.ts_ms",
                                &ins)) != RMN_OK)
        goto fail;
    sqlite3_bind_int64(ins, 1, run_id);
    sqlite3_bind_int64(ins, 3, epoch);
    sqlite3_bind_int64(ins, 5, now);
    for (int i = 0; i < n; ++i) {
        if (!keys[i] || !*keys[i]) {
            e = RMN_ERROR(RMN_EINVAL, "metric %d of epoch %lld has an empty key", i,
                          (long long)epoch);
            goto fail;
        }
        sqlite3_reset(ins);
        rmn_store_bind_text_(ins, 2, keys[i]);
        if (isnan(values[i]))
            sqlite3_bind_null(ins, 4);
        else
            sqlite3_bind_double(ins, 4, values[i]);
        if ((e = step_done(s, ins, "inserting a metric")) != RMN_OK)
            goto fail;
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(beat);
    return rmn_store_commit_(s);
fail:
    sqlite3_finalize(ins);
    sqlite3_finalize(beat);
    rmn_store_rollback_(s);
    return e;
}

// --- evals ------------------------------------------------------------------------------------

/* n float64 as little-endian bytes, whatever the host order. */
static void encode_f64le(const double *v, int n, unsigned char *out) {
    for (int i = 0; i < n; ++i) {
        uint64_t u;
        memcpy(&u, &v[i], sizeof u);
        for (int b = 0; b < 8; ++b)
            out[8 * i + b] = (unsigned char)(u >> (8 * b));
    }
}

int rmn_store_eval(rmn_store *s, int64_t run_id, const rmn_eval_record *rec, int64_t *eval_id) {
    RMN_TRY(check_writable(s));
    if (!rec->split || (strcmp(rec->split, "train") && strcmp(rec->split, "val") &&
                        strcmp(rec->split, "test")))
        return RMN_ERROR(RMN_EINVAL, "eval split must be train, val or test, got '%s'",
                         rec->split ? rec->split : "(null)");
    if (rec->n_samples < 0 || rec->n_classes < 1 || rec->n_classes > RMN_STORE_MAX_CLASSES ||
        rec->tta_n < 0)
        return RMN_ERROR(RMN_EINVAL, "eval: bad sizes (n_samples %d, n_classes %d, tta_n %d)",
                         rec->n_samples, rec->n_classes, rec->tta_n);
    if (rec->n_samples > 0 && (!rec->sample_idx || !rec->labels || !rec->preds || !rec->probs))
        return RMN_ERROR(RMN_EINVAL, "eval: missing per-sample arrays");

    int64_t n_correct = 0;
    for (int i = 0; i < rec->n_samples; ++i)
        n_correct += rec->labels[i] == rec->preds[i];

    size_t blob_bytes = (size_t)rec->n_classes * 8;
    unsigned char *blob = malloc(blob_bytes);
    if (!blob)
        return RMN_ERROR(RMN_ENOMEM, "eval: out of memory");

    sqlite3_stmt *ev = NULL, *ins = NULL;
    int e = rmn_store_begin_(s, "BEGIN IMMEDIATE");
    if (e != RMN_OK) {
        free(blob);
        return e;
    }
    if ((e = rmn_store_prepare_(s,
                                "INSERT INTO evals (run_id, split, tta_n, tta_seed, n_samples, "
                                "n_classes, n_correct, loss, created_ms) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                &ev)) != RMN_OK)
        goto fail;
    sqlite3_bind_int64(ev, 1, run_id);
    rmn_store_bind_text_(ev, 2, rec->split);
    sqlite3_bind_int(ev, 3, rec->tta_n);
    if (rec->tta_n > 0)
        sqlite3_bind_int64(ev, 4, rec->tta_seed);
    else
        sqlite3_bind_null(ev, 4);
    sqlite3_bind_int(ev, 5, rec->n_samples);
    sqlite3_bind_int(ev, 6, rec->n_classes);
    sqlite3_bind_int64(ev, 7, n_correct);
    if (isnan(rec->loss))
        sqlite3_bind_null(ev, 8);
    else
        sqlite3_bind_double(ev, 8, rec->loss);
    sqlite3_bind_int64(ev, 9, rmn_now_ms());
    int rc = sqlite3_step(ev);
    if (rc != SQLITE_DONE) {
        if ((rc & 0xff) == SQLITE_CONSTRAINT && !run_exists(s, run_id))
            e = no_such_run(s, run_id);
        else
            e = STORE_SQL_ERROR(s, rc, "inserting an eval");
        goto fail;
    }
    int64_t id = sqlite3_last_insert_rowid(s->db);

    if ((e = rmn_store_prepare_(s,
                                "INSERT INTO predictions (eval_id, sample_idx, label, pred, probs) "
                                "VALUES (?1, ?2, ?3, ?4, ?5)",
                                &ins)) != RMN_OK)
        goto fail;
    sqlite3_bind_int64(ins, 1, id);
    for (int i = 0; i < rec->n_samples; ++i) {
        int32_t label = rec->labels[i], pred = rec->preds[i];
        if (label < 0 || label >= rec->n_classes || pred < 0 || pred >= rec->n_classes ||
            rec->sample_idx[i] < 0) {
            e = RMN_ERROR(RMN_EINVAL,
                          "eval sample %d (index %d): label %d / prediction %d outside [0, %d) "
                          "or negative index",
                          i, rec->sample_idx[i], label, pred, rec->n_classes);
            goto fail;
        }
        encode_f64le(rec->probs + (size_t)i * rec->n_classes, rec->n_classes, blob);
        sqlite3_reset(ins);
        sqlite3_bind_int(ins, 2, rec->sample_idx[i]);
        sqlite3_bind_int(ins, 3, label);
        sqlite3_bind_int(ins, 4, pred);
        sqlite3_bind_blob(ins, 5, blob, (int)blob_bytes, SQLITE_STATIC);
        rc = sqlite3_step(ins);
        if (rc != SQLITE_DONE) {
            e = STORE_SQL_ERROR(s, rc, "inserting a prediction");
            (void)rmn_error_prefix("eval sample %d (index %d)", i, rec->sample_idx[i]);
            goto fail;
        }
    }
    sqlite3_finalize(ev);
    sqlite3_finalize(ins);
    free(blob);
    if ((e = rmn_store_commit_(s)) != RMN_OK)
        return e;
    if (eval_id)
        *eval_id = id;
    return RMN_OK;
fail:
    sqlite3_finalize(ev);
    sqlite3_finalize(ins);
    free(blob);
    rmn_store_rollback_(s);
    return e;
}

int rmn_store_ensemble_member(rmn_store *s, int64_t ensemble_run_id, int64_t member_eval_id,
                              double weight) {
    sqlite3_stmt *st;
    RMN_TRY(check_writable(s));
    RMN_TRY(rmn_store_prepare_(s,
                               "INSERT INTO ensemble_members (ensemble_run_id, member_eval_id, "
                               "weight) VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE SET "
                               "weight = excluded.weight",
                               &st));
    sqlite3_bind_int64(st, 1, ensemble_run_id);
    sqlite3_bind_int64(st, 2, member_eval_id);
    sqlite3_bind_double(st, 3, weight);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, "recording an ensemble member");
    return RMN_OK;
}

int rmn_store_artifact(rmn_store *s, int64_t run_id, const char *kind, const char *path,
                       const char *sha256, int64_t bytes) {
    sqlite3_stmt *st;
    RMN_TRY(check_writable(s));
    if (!kind || !path || !sha256 || bytes < 0)
        return RMN_ERROR(RMN_EINVAL, "artifact needs kind, path, sha256 and bytes >= 0");
    RMN_TRY(rmn_store_prepare_(s,
                               "INSERT INTO artifacts (run_id, kind, path, sha256, bytes) "
                               "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(run_id, path) DO UPDATE "
                               "SET kind = excluded.kind, sha256 = excluded.sha256, "
                               "bytes = excluded.bytes",
                               &st));
    sqlite3_bind_int64(st, 1, run_id);
    rmn_store_bind_text_(st, 2, kind);
    rmn_store_bind_text_(st, 3, path);
    rmn_store_bind_text_(st, 4, sha256);
    sqlite3_bind_int64(st, 5, bytes);
    return step_run_row(s, st, run_id, "recording an artifact");
}

// --- recovery ---------------------------------------------------------------------------------

int rmn_store_mark_stale(rmn_store *s, int64_t stale_ms, int *n_marked) {
    sqlite3_stmt *st;
    int64_t now = rmn_now_ms();
    RMN_TRY(check_writable(s));
    if (n_marked)
        *n_marked = 0;
    RMN_TRY(rmn_store_prepare_(s,
                               "UPDATE runs SET status = 'KILLED', end_ms = updated_ms, "
                               "error_text = coalesce(error_text, 'no heartbeat since ' || "
                               "strftime('%Y-%m-%d %H:%M:%S', updated_ms / 1000, 'unixepoch') "
                               "|| ' UTC; marked KILLED by recovery') "
                               "WHERE status = 'RUNNING' AND updated_ms < ?1",
                               &st));
    sqlite3_bind_int64(st, 1, now - stale_ms);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, "marking stale runs");
    if (n_marked)
        *n_marked = sqlite3_changes(s->db);
    return RMN_OK;
}

/* store_merge.c -- folding other stores into this one (rmn-exp merge; docs/CLUSTER.md).
 *
 * Each task of a cluster job writes a store of its own (SQLite must not be shared over a
 * network file system); merging copies every run of each source, with everything recorded
 * about it (params, tags, metrics, evals and their predictions, ensemble members, artifacts),
 * into the target, where it is known by its run_uuid. A run is identified by its uuid:
 *  - absent from the target: copied (new local ids; references to other runs and evals are
 *    mapped through their uuids);
 *  - present with the same content (run_digest below): nothing to do, so merging twice, or
 *    merging a store into one that already holds part of it, adds nothing;
 *  - present with other content, where one copy is a later state of the other (the other is not
 *    FINISHED and is older by updated_ms: a run stopped by a time limit, merged, then resumed
 *    and merged again): the later state is kept, replacing the target's copy when it is older;
 *  - present with other content otherwise, or another run of the same claim key (experiment,
 *    kind, name, seed, config) RUNNING or FINISHED in both: a conflict; the merge is refused.
 * Sources are opened read-only and must have this rmn's schema version; all of them are
 * merged in one BEGIN IMMEDIATE transaction of the target: on any failure nothing is merged.
 * The waits table (processes waiting now) is not copied. */
#include "store/store_internal.h"

#include "core/error.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

// --- a run's content as one digest ------------------------------------------------------------

/* The queries whose rows make a run's content, each bound to the run's id as ?1, in a fixed
 * order. Local ids never enter: other runs are named by uuid, evals by their rank in their run. */
#define EVAL_RANK(e) "(SELECT COUNT(*) FROM evals q WHERE q.run_id = " e ".run_id AND q.eval_id < " e ".eval_id)"
static const char *const DIGEST_SQL[] = {
    "SELECT r.run_uuid, x.name, r.name, r.kind, r.model, r.n_params, r.status, p.run_uuid, r.start_ms, "
    "r.end_ms, r.updated_ms, r.seed, r.config_text, r.config_sha256, r.dataset_sha256, r.git_commit, "
    "r.git_dirty, r.tool_version, r.build_config, r.host, r.cpu_model, r.blas_config, r.n_threads, "
    "r.error_text, r.owner_host, r.owner_pid, r.owner_token, r.claimed_ms, d.run_uuid "
    "FROM runs r JOIN experiments x ON x.experiment_id = r.experiment_id "
    "LEFT JOIN runs p ON p.run_id = r.parent_run_id LEFT JOIN runs d ON d.run_id = r.duplicate_of "
    "WHERE r.run_id = ?1",
    "SELECT key, value FROM params WHERE run_id = ?1 ORDER BY key",
    "SELECT key, value FROM tags WHERE run_id = ?1 ORDER BY key",
    "SELECT key, step, value, ts_ms FROM metrics WHERE run_id = ?1 ORDER BY key, step",
    "SELECT split, tta_n, tta_seed, n_samples, n_classes, n_correct, loss, created_ms FROM evals "
    "WHERE run_id = ?1 ORDER BY eval_id",
    "SELECT p.sample_idx, p.label, p.pred, p.probs FROM predictions p JOIN evals e ON e.eval_id = p.eval_id "
    "WHERE e.run_id = ?1 ORDER BY e.eval_id, p.sample_idx",
    "SELECT r.run_uuid, " EVAL_RANK("e") ", m.weight FROM ensemble_members m "
    "JOIN evals e ON e.eval_id = m.member_eval_id JOIN runs r ON r.run_id = e.run_id "
    "WHERE m.ensemble_run_id = ?1 ORDER BY 1, 2",
    "SELECT kind, path, sha256, bytes FROM artifacts WHERE run_id = ?1 ORDER BY path",
};
#define N_DIGEST ((int)(sizeof DIGEST_SQL / sizeof DIGEST_SQL[0]))

/* Feeds one column value to the digest: a type byte, then the value's bytes. */
static void digest_value(EVP_MD_CTX *md, sqlite3_stmt *st, int col) {
    unsigned char type = (unsigned char)sqlite3_column_type(st, col);
    EVP_DigestUpdate(md, &type, 1);
    if (type == SQLITE_INTEGER) {
        int64_t v = sqlite3_column_int64(st, col);
        EVP_DigestUpdate(md, &v, sizeof v);
    } else if (type == SQLITE_FLOAT) {
        double v = sqlite3_column_double(st, col);
        EVP_DigestUpdate(md, &v, sizeof v);
    } else if (type != SQLITE_NULL) {
        const void *p = type == SQLITE_BLOB ? sqlite3_column_blob(st, col) : (const void *)sqlite3_column_text(st, col);
        int64_t n = sqlite3_column_bytes(st, col);
        EVP_DigestUpdate(md, &n, sizeof n);
        if (n > 0)
            EVP_DigestUpdate(md, p, (size_t)n);
    }
}

/* SHA-256 of everything recorded about run_id in store s. */
static int run_digest(rmn_store *s, int64_t run_id, unsigned char out[32]) {
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a digest");
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    int e = RMN_OK;
    for (int q = 0; q < N_DIGEST && e == RMN_OK; ++q) {
        sqlite3_stmt *st;
        if ((e = rmn_store_prepare_(s, DIGEST_SQL[q], &st)) != RMN_OK)
            break;
        sqlite3_bind_int64(st, 1, run_id);
        unsigned char section = (unsigned char)(0xf0 + q);
        EVP_DigestUpdate(md, &section, 1);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(st); ++c)
                digest_value(md, st, c);
        if (rc != SQLITE_DONE)
            e = STORE_SQL_ERROR(s, rc, "reading a run to compare it");
        sqlite3_finalize(st);
    }
    unsigned len = 0;
    EVP_DigestFinal_ex(md, out, &len);
    EVP_MD_CTX_free(md);
    return e;
}

// --- small query helpers ----------------------------------------------------------------------

/* Runs sql bound to (text a, int64 b) (either may be unused) and reads one int64 into *v;
 * *found = 0 when there is no row. */
static int query_int(rmn_store *s, const char *sql, const char *a, int64_t b, int64_t *v, int *found) {
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s, sql, &st));
    if (sqlite3_bind_parameter_count(st) >= 1)
        rmn_store_bind_text_(st, 1, a);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, b);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        *v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? RMN_OK : STORE_SQL_ERROR(s, rc, "merging");
}

/* The target's run_id of the source run src_id (through its uuid), 0 when absent. */
static int map_run(rmn_store *src, rmn_store *dst, int64_t src_id, int64_t *dst_id) {
    sqlite3_stmt *st;
    *dst_id = 0;
    RMN_TRY(rmn_store_prepare_(src, "SELECT run_uuid FROM runs WHERE run_id = ?1", &st));
    sqlite3_bind_int64(st, 1, src_id);
    int rc = sqlite3_step(st), e = RMN_OK, found = 0;
    if (rc == SQLITE_ROW)
        e = query_int(dst, "SELECT run_id FROM runs WHERE run_uuid = ?1", (const char *)sqlite3_column_text(st, 0), 0,
                      dst_id, &found);
    else if (rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(src, rc, "reading a run's uuid");
    sqlite3_finalize(st);
    return e;
}

/* The target's eval_id of the source eval src_eval: the eval of the same rank in the run of the
 * same uuid. RMN_EFORMAT when the target has no such eval. */
static int map_eval(rmn_store *src, rmn_store *dst, int64_t src_eval, int64_t *dst_eval) {
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(src, "SELECT r.run_uuid, " EVAL_RANK("e") " FROM evals e "
                                    "JOIN runs r ON r.run_id = e.run_id WHERE e.eval_id = ?1",
                               &st));
    sqlite3_bind_int64(st, 1, src_eval);
    int rc = sqlite3_step(st), e = RMN_OK, found = 0;
    if (rc == SQLITE_ROW)
        e = query_int(dst, "SELECT e.eval_id FROM evals e JOIN runs r ON r.run_id = e.run_id "
                           "WHERE r.run_uuid = ?1 ORDER BY e.eval_id LIMIT 1 OFFSET ?2",
                      (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), dst_eval, &found);
    else if (rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(src, rc, "reading an ensemble member");
    sqlite3_finalize(st);
    if (e == RMN_OK && !found)
        e = RMN_ERROR(RMN_EFORMAT, "%s: ensemble member eval %lld has no counterpart in %s", src->path,
                      (long long)src_eval, dst->path);
    return e;
}

/* For each row of sel (bound by the caller), binds ins's ?1 to id and ?2.. to the row's columns
 * and steps it. */
static int copy_rows(rmn_store *src, rmn_store *dst, sqlite3_stmt *sel, sqlite3_stmt *ins, int64_t id) {
    int rc;
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, id);
        for (int c = 0; c < sqlite3_column_count(sel); ++c)
            sqlite3_bind_value(ins, c + 2, sqlite3_column_value(sel, c));
        int r = sqlite3_step(ins);
        if (r != SQLITE_DONE)
            return STORE_SQL_ERROR(dst, r, "copying a run");
    }
    return rc == SQLITE_DONE ? RMN_OK : STORE_SQL_ERROR(src, rc, "reading a run to copy it");
}

/* copy_rows with statements made from the two texts; sel is bound to src_id. */
static int copy_table(rmn_store *src, rmn_store *dst, const char *sel_sql, const char *ins_sql, int64_t src_id,
                      int64_t dst_id) {
    sqlite3_stmt *sel = NULL, *ins = NULL;
    int e = rmn_store_prepare_(src, sel_sql, &sel);
    if (e == RMN_OK)
        e = rmn_store_prepare_(dst, ins_sql, &ins);
    if (e == RMN_OK) {
        sqlite3_bind_int64(sel, 1, src_id);
        e = copy_rows(src, dst, sel, ins, dst_id);
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return e;
}

// --- copying one run --------------------------------------------------------------------------

#define RUN_COLS                                                                                    \
    "run_uuid, name, kind, model, n_params, status, start_ms, end_ms, updated_ms, seed, config_text, " \
    "config_sha256, dataset_sha256, git_commit, git_dirty, tool_version, build_config, host, "       \
    "cpu_model, blas_config, n_threads, error_text, owner_host, owner_pid, owner_token, claimed_ms"

/* The run_id of UPDATE below: the source's columns in the same order as RUN_COLS. */
#define RUN_SET                                                                                      \
    "run_uuid = ?3, name = ?4, kind = ?5, model = ?6, n_params = ?7, status = ?8, start_ms = ?9, "   \
    "end_ms = ?10, updated_ms = ?11, seed = ?12, config_text = ?13, config_sha256 = ?14, "            \
    "dataset_sha256 = ?15, git_commit = ?16, git_dirty = ?17, tool_version = ?18, build_config = ?19, " \
    "host = ?20, cpu_model = ?21, blas_config = ?22, n_threads = ?23, error_text = ?24, "              \
    "owner_host = ?25, owner_pid = ?26, owner_token = ?27, claimed_ms = ?28"

/* Writes the run row of src_id into the target: inserted when *dst_id is 0 (and *dst_id set),
 * else over the row *dst_id. The experiment is mapped by name, duplicate_of through its uuid;
 * parent_run_id is set by merge_one once every run is there. */
static int write_run_row(rmn_store *src, rmn_store *dst, int64_t src_id, int64_t *dst_id) {
    sqlite3_stmt *sel = NULL, *ins = NULL;
    int64_t exp_id = 0, dup = 0;
    int e = rmn_store_prepare_(src,
                               "SELECT (SELECT x.name FROM experiments x WHERE x.experiment_id = runs.experiment_id), "
                               "(SELECT x.description FROM experiments x WHERE x.experiment_id = runs.experiment_id), "
                               "duplicate_of, " RUN_COLS " FROM runs WHERE run_id = ?1",
                               &sel);
    if (e != RMN_OK)
        return e;
    sqlite3_bind_int64(sel, 1, src_id);
    int rc = sqlite3_step(sel);
    if (rc != SQLITE_ROW) {
        e = STORE_SQL_ERROR(src, rc, "reading a run to copy it");
        goto done;
    }
    if ((e = rmn_store_experiment_ensure_tx_(dst, (const char *)sqlite3_column_text(sel, 0),
                                             (const char *)sqlite3_column_text(sel, 1), &exp_id)) != RMN_OK)
        goto done;
    if (sqlite3_column_type(sel, 2) != SQLITE_NULL &&
        (e = map_run(src, dst, sqlite3_column_int64(sel, 2), &dup)) != RMN_OK)
        goto done;
    const char *sql = *dst_id ? "UPDATE runs SET experiment_id = ?1, duplicate_of = ?2, " RUN_SET
                                " WHERE run_id = ?29 RETURNING run_id"
                              : "INSERT INTO runs (experiment_id, duplicate_of, " RUN_COLS ") VALUES (?1, ?2, "
                                "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
                                "?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28) RETURNING run_id";
    if ((e = rmn_store_prepare_(dst, sql, &ins)) != RMN_OK)
        goto done;
    sqlite3_bind_int64(ins, 1, exp_id);
    if (dup)
        sqlite3_bind_int64(ins, 2, dup);
    for (int c = 3; c < sqlite3_column_count(sel); ++c)
        sqlite3_bind_value(ins, c, sqlite3_column_value(sel, c));
    if (*dst_id)
        sqlite3_bind_int64(ins, 29, *dst_id);
    if ((rc = sqlite3_step(ins)) != SQLITE_ROW) {
        e = STORE_SQL_ERROR(dst, rc, "copying a run");
        goto done;
    }
    *dst_id = sqlite3_column_int64(ins, 0);
done:
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return e;
}

/* The evals of the run and their predictions. */
static int copy_evals(rmn_store *src, rmn_store *dst, int64_t src_id, int64_t dst_id) {
    sqlite3_stmt *sel = NULL, *ins = NULL;
    int e = rmn_store_prepare_(src,
                               "SELECT eval_id, split, tta_n, tta_seed, n_samples, n_classes, n_correct, loss, "
                               "created_ms FROM evals WHERE run_id = ?1 ORDER BY eval_id",
                               &sel);
    if (e == RMN_OK)
        e = rmn_store_prepare_(dst,
                               "INSERT INTO evals (run_id, split, tta_n, tta_seed, n_samples, n_classes, "
                               "n_correct, loss, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                               "RETURNING eval_id",
                               &ins);
    if (e != RMN_OK)
        goto done;
    sqlite3_bind_int64(sel, 1, src_id);
    int rc;
    while (e == RMN_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, dst_id);
        for (int c = 1; c < 9; ++c)
            sqlite3_bind_value(ins, c + 1, sqlite3_column_value(sel, c));
        int r = sqlite3_step(ins);
        if (r != SQLITE_ROW) {
            e = STORE_SQL_ERROR(dst, r, "copying an eval");
            break;
        }
        int64_t new_eval = sqlite3_column_int64(ins, 0);
        sqlite3_reset(ins); /* finish the RETURNING statement before the next one writes */
        e = copy_table(src, dst, "SELECT sample_idx, label, pred, probs FROM predictions WHERE eval_id = ?1",
                       "INSERT INTO predictions (eval_id, sample_idx, label, pred, probs) VALUES (?1, ?2, ?3, ?4, ?5)",
                       sqlite3_column_int64(sel, 0), new_eval);
    }
    if (e == RMN_OK && rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(src, rc, "reading evals to copy them");
done:
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return e;
}

/* Copies the run src_id whole: a new row when *dst_id is 0, else over the target's (older) copy
 * *dst_id, whose params, tags, metrics, evals and artifacts are replaced. */
static int copy_run(rmn_store *src, rmn_store *dst, int64_t src_id, int64_t *dst_id) {
    static const char *const clear[] = {
        "DELETE FROM params WHERE run_id = ?1", "DELETE FROM tags WHERE run_id = ?1",
        "DELETE FROM metrics WHERE run_id = ?1", "DELETE FROM artifacts WHERE run_id = ?1",
        "DELETE FROM ensemble_members WHERE ensemble_run_id = ?1", "DELETE FROM evals WHERE run_id = ?1"};
    for (size_t i = 0; *dst_id && i < sizeof clear / sizeof clear[0]; ++i) {
        sqlite3_stmt *st;
        RMN_TRY(rmn_store_prepare_(dst, clear[i], &st));
        sqlite3_bind_int64(st, 1, *dst_id);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return STORE_SQL_ERROR(dst, rc, "replacing an older copy of a run");
    }
    RMN_TRY(write_run_row(src, dst, src_id, dst_id));
    static const char *const tables[][2] = {
        {"SELECT key, value FROM params WHERE run_id = ?1", "INSERT INTO params (run_id, key, value) VALUES (?1, ?2, ?3)"},
        {"SELECT key, value FROM tags WHERE run_id = ?1", "INSERT INTO tags (run_id, key, value) VALUES (?1, ?2, ?3)"},
        {"SELECT key, step, value, ts_ms FROM metrics WHERE run_id = ?1",
         "INSERT INTO metrics (run_id, key, step, value, ts_ms) VALUES (?1, ?2, ?3, ?4, ?5)"},
        {"SELECT kind, path, sha256, bytes FROM artifacts WHERE run_id = ?1",
         "INSERT INTO artifacts (run_id, kind, path, sha256, bytes) VALUES (?1, ?2, ?3, ?4, ?5)"},
    };
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; ++t)
        RMN_TRY(copy_table(src, dst, tables[t][0], tables[t][1], src_id, *dst_id));
    return copy_evals(src, dst, src_id, *dst_id);
}

/* The ensemble members of a copied run, mapped to the target's evals. */
static int copy_members(rmn_store *src, rmn_store *dst, int64_t src_id, int64_t dst_id) {
    sqlite3_stmt *sel = NULL, *ins = NULL;
    int e = rmn_store_prepare_(src, "SELECT member_eval_id, weight FROM ensemble_members WHERE ensemble_run_id = ?1",
                               &sel);
    if (e == RMN_OK)
        e = rmn_store_prepare_(dst, "INSERT INTO ensemble_members (ensemble_run_id, member_eval_id, weight) "
                                    "VALUES (?1, ?2, ?3)",
                               &ins);
    int rc = SQLITE_DONE;
    if (e == RMN_OK)
        sqlite3_bind_int64(sel, 1, src_id);
    while (e == RMN_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
        int64_t eval = 0;
        if ((e = map_eval(src, dst, sqlite3_column_int64(sel, 0), &eval)) != RMN_OK)
            break;
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, dst_id);
        sqlite3_bind_int64(ins, 2, eval);
        sqlite3_bind_double(ins, 3, sqlite3_column_double(sel, 1));
        if ((rc = sqlite3_step(ins)) != SQLITE_DONE) {
            e = STORE_SQL_ERROR(dst, rc, "copying an ensemble member");
            break;
        }
        rc = SQLITE_DONE;
    }
    if (e == RMN_OK && rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(src, rc, "reading ensemble members");
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return e;
}

// --- one source -------------------------------------------------------------------------------

/* Another run of the same claim key live or finished in the target (the unique index runs_claim
 * admits one): its uuid in other (empty when none). */
static int claim_twin(rmn_store *src, rmn_store *dst, int64_t src_id, char other[33]) {
    sqlite3_stmt *sel = NULL, *q = NULL;
    other[0] = '\0';
    int e = rmn_store_prepare_(src,
                               "SELECT x.name, r.kind, r.name, r.seed, r.config_sha256, r.run_uuid FROM runs r "
                               "JOIN experiments x ON x.experiment_id = r.experiment_id WHERE r.run_id = ?1 "
                               "AND r.status IN ('RUNNING','FINISHED') AND r.duplicate_of IS NULL",
                               &sel);
    if (e != RMN_OK)
        return e;
    sqlite3_bind_int64(sel, 1, src_id);
    int rc = sqlite3_step(sel);
    if (rc == SQLITE_ROW) {
        e = rmn_store_prepare_(dst,
                               "SELECT r.run_uuid FROM runs r JOIN experiments x ON x.experiment_id = r.experiment_id "
                               "WHERE x.name = ?1 AND r.kind = ?2 AND r.name = ?3 AND r.seed = ?4 "
                               "AND r.config_sha256 = ?5 AND r.run_uuid != ?6 AND r.status IN ('RUNNING','FINISHED') "
                               "AND r.duplicate_of IS NULL",
                               &q);
        for (int c = 0; e == RMN_OK && c < 6; ++c)
            sqlite3_bind_value(q, c + 1, sqlite3_column_value(sel, c));
        if (e == RMN_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
            snprintf(other, 33, "%s", (const char *)sqlite3_column_text(q, 0));
        else if (e == RMN_OK && rc != SQLITE_DONE)
            e = STORE_SQL_ERROR(dst, rc, "looking for a run's twin");
    } else if (rc != SQLITE_DONE) {
        e = STORE_SQL_ERROR(src, rc, "reading a run's key");
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(q);
    return e;
}

typedef struct {
    int64_t src_id, dst_id;
    int     copied; /* 1: copied now; 0: the target had it already */
} run_map;

/* The source's runs in an order in which every duplicate_of target comes first. */
static int list_runs(rmn_store *src, run_map **out, int *n) {
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    RMN_TRY(rmn_store_prepare_(src, "SELECT run_id FROM runs ORDER BY duplicate_of IS NOT NULL, run_id", &st));
    int rc, cap = 0, e = RMN_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        run_map *m = rmn_store_grow_(*out, &cap, *n, sizeof **out);
        if (!m) {
            e = RMN_ERROR(RMN_ENOMEM, "out of memory listing runs to merge");
            break;
        }
        *out = m;
        (*out)[(*n)++] = (run_map){.src_id = sqlite3_column_int64(st, 0)};
    }
    if (e == RMN_OK && rc != SQLITE_DONE)
        e = STORE_SQL_ERROR(src, rc, "listing runs to merge");
    sqlite3_finalize(st);
    return e;
}

static int conflict(rmn_store *src, rmn_store *dst, int64_t src_id, const char *what, const char *other) {
    rmn_run_summary sum;
    RMN_TRY(rmn_store_run_summary(src, src_id, &sum));
    int e = RMN_ERROR(RMN_EINVAL,
                      "%s: run %s (%s, experiment %s, %s) %s in %s%s%s: refusing to merge conflicting "
                      "copies; nothing was merged",
                      src->path, sum.uuid, sum.name, sum.experiment, sum.status, what, dst->path,
                      other ? " as run " : "", other ? other : "");
    rmn_run_summary_clear(&sum);
    return e;
}

/* Status and updated_ms of a run. */
static int run_state(rmn_store *s, int64_t run_id, int *finished, int64_t *updated) {
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s, "SELECT status = 'FINISHED', updated_ms FROM runs WHERE run_id = ?1", &st));
    sqlite3_bind_int64(st, 1, run_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *finished = sqlite3_column_int(st, 0);
        *updated = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? RMN_OK : STORE_SQL_ERROR(s, rc, "reading a run's state");
}

/* Of two differing copies of one run: *later = 1 when the source's is a later state of the
 * target's (the target's is not FINISHED and was updated before it), -1 the other way round,
 * 0 when neither is (a conflict). */
static int later_state(rmn_store *src, int64_t src_id, rmn_store *dst, int64_t dst_id, int *later) {
    int fs = 0, fd = 0;
    int64_t us = 0, ud = 0;
    RMN_TRY(run_state(src, src_id, &fs, &us));
    RMN_TRY(run_state(dst, dst_id, &fd, &ud));
    *later = !fd && us > ud ? 1 : !fs && ud > us ? -1 : 0;
    return RMN_OK;
}

static int merge_one(rmn_store *src, rmn_store *dst, rmn_merge_result *res) {
    run_map *runs;
    int n;
    RMN_TRY(list_runs(src, &runs, &n));
    int e = RMN_OK;
    for (int i = 0; i < n && e == RMN_OK; ++i) {
        run_map *m = &runs[i];
        if ((e = map_run(src, dst, m->src_id, &m->dst_id)) != RMN_OK)
            break;
        const int present = m->dst_id != 0;
        if (present) { /* the same uuid: the same run, a later or earlier state of it, or a conflict */
            unsigned char a[32], b[32];
            int later;
            if ((e = run_digest(src, m->src_id, a)) != RMN_OK || (e = run_digest(dst, m->dst_id, b)) != RMN_OK)
                break;
            if (memcmp(a, b, sizeof a) == 0) {
                res->runs_present++;
                continue;
            }
            if ((e = later_state(src, m->src_id, dst, m->dst_id, &later)) != RMN_OK)
                break;
            if (later < 0) { /* the target holds a later state of this run: keep it */
                res->runs_present++;
                continue;
            }
            if (later == 0) {
                e = conflict(src, dst, m->src_id, "differs from the run of the same uuid", NULL);
                break;
            }
        }
        char twin[33];
        if ((e = claim_twin(src, dst, m->src_id, twin)) != RMN_OK)
            break;
        if (twin[0]) {
            e = conflict(src, dst, m->src_id, "was trained again (same experiment, name, seed and configuration)",
                         twin);
            break;
        }
        if ((e = copy_run(src, dst, m->src_id, &m->dst_id)) == RMN_OK) {
            m->copied = 1;
            if (present)
                res->runs_updated++;
            else
                res->runs_added++;
        }
    }
    /* references between runs once every run is there: parents, then ensemble members */
    for (int i = 0; i < n && e == RMN_OK; ++i) {
        if (!runs[i].copied)
            continue;
        int64_t parent = 0, dst_parent = 0;
        int has;
        if ((e = query_int(src, "SELECT parent_run_id FROM runs WHERE run_id = ?2 AND parent_run_id IS NOT NULL",
                           NULL, runs[i].src_id, &parent, &has)) != RMN_OK)
            break;
        if (has && (e = map_run(src, dst, parent, &dst_parent)) == RMN_OK) {
            sqlite3_stmt *up;
            if ((e = rmn_store_prepare_(dst, "UPDATE runs SET parent_run_id = ?1 WHERE run_id = ?2", &up)) != RMN_OK)
                break;
            sqlite3_bind_int64(up, 1, dst_parent);
            sqlite3_bind_int64(up, 2, runs[i].dst_id);
            int rc = sqlite3_step(up);
            sqlite3_finalize(up);
            if (rc != SQLITE_DONE)
                e = STORE_SQL_ERROR(dst, rc, "linking a run to its parent");
        }
        if (e == RMN_OK)
            e = copy_members(src, dst, runs[i].src_id, runs[i].dst_id);
    }
    free(runs);
    return e;
}

// --- the merge --------------------------------------------------------------------------------

static int same_file(const char *a, const char *b) {
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int rmn_store_merge(rmn_store *into, int n, const char *const *sources, rmn_merge_result *res) {
    memset(res, 0, sizeof *res);
    if (into->read_only)
        return RMN_ERROR(RMN_EINVAL, "%s: store opened read-only", into->path);
    rmn_store **src = calloc((size_t)n + 1, sizeof *src);
    if (!src)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    /* every source whole before anything is written: readable, an rmn store, this schema */
    int e = RMN_OK;
    rmn_store_options ro = {.mode = RMN_STORE_READ, .busy_timeout_ms = into->busy_timeout_ms};
    for (int i = 0; i < n && e == RMN_OK; ++i) {
        if (same_file(sources[i], into->path))
            e = RMN_ERROR(RMN_EINVAL, "%s is the store merged into", sources[i]);
        else if ((e = rmn_store_open_opts(sources[i], &ro, &src[i])) != RMN_OK)
            rmn_error_prefix("cannot merge");
    }
    if (e == RMN_OK)
        e = rmn_store_begin_(into, "BEGIN IMMEDIATE");
    for (int i = 0; i < n && e == RMN_OK; ++i) {
        /* a snapshot of the source for the whole read (another process may be writing it) */
        if ((e = rmn_store_begin_(src[i], "BEGIN")) == RMN_OK) {
            e = merge_one(src[i], into, res);
            rmn_store_rollback_(src[i]);
        }
        res->n_sources += e == RMN_OK;
    }
    if (e == RMN_OK)
        e = rmn_store_commit_(into);
    else
        rmn_store_rollback_(into);
    for (int i = 0; i < n; ++i)
        rmn_store_close(src[i]);
    free(src);
    if (e != RMN_OK) {
        res->runs_added = res->runs_updated = 0;
        res->n_sources = 0;
    }
    return e;
}

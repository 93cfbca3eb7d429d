/* store_claim.c -- claiming runs: one process, one run, decided in one BEGIN IMMEDIATE
 * transaction (store.h, "claiming runs"; docs/ARCHITECTURE.md, "Claiming runs"); the waits
 * that `rmn-exp status` shows.
 *
 * A claim reads the run's row, asks the caller's liveness oracle about its holder, and inserts
 * or takes over the row before it commits: SQLite lets one writer in at a time, so of two
 * processes claiming the same run one sees the other's committed claim. The partial unique
 * index runs_claim (schema version 2) is the backstop: a second RUNNING or FINISHED row for the
 * same key cannot be written by any path. */
#include "store/store_internal.h"

#include "core/error.h"
#include "core/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// --- reading a claim --------------------------------------------------------------------------

/* The holder comes from the owner columns, or, for rows written before them, from the "host" and
 * "pid" tags. */
#define CLAIM_SELECT                                                                            \
    "SELECT r.run_id, r.status, "                                                               \
    "coalesce(r.owner_host, (SELECT t.value FROM tags t WHERE t.run_id = r.run_id "            \
    "                        AND t.key = 'host')), "                                            \
    "coalesce(r.owner_pid, (SELECT CAST(t.value AS INTEGER) FROM tags t "                       \
    "                       WHERE t.run_id = r.run_id AND t.key = 'pid')), "                    \
    "r.owner_token, r.claimed_ms, r.updated_ms FROM runs r "

static void read_claim(sqlite3_stmt *st, rmn_run_claim *c) {
    memset(c, 0, sizeof *c);
    c->run_id = sqlite3_column_int64(st, 0);
    const unsigned char *t = sqlite3_column_text(st, 1);
    snprintf(c->status, sizeof c->status, "%s", t ? (const char *)t : "");
    t = sqlite3_column_text(st, 2);
    snprintf(c->owner.host, sizeof c->owner.host, "%s", t ? (const char *)t : "");
    c->owner.pid = sqlite3_column_int64(st, 3);
    t = sqlite3_column_text(st, 4);
    snprintf(c->owner.token, sizeof c->owner.token, "%s", t ? (const char *)t : "");
    c->claimed_ms = sqlite3_column_int64(st, 5);
    c->updated_ms = sqlite3_column_int64(st, 6);
}

/* Steps st (bound): *found 1 and *c filled on a row. */
static int step_claim(rmn_store *s, sqlite3_stmt *st, int *found, rmn_run_claim *c) {
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        read_claim(st, c);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, "reading a run's claim");
    return RMN_OK;
}

int rmn_store_run_claim_get(rmn_store *s, int64_t run_id, rmn_run_claim *row) {
    sqlite3_stmt *st;
    int found;
    RMN_TRY(rmn_store_prepare_(s, CLAIM_SELECT "WHERE r.run_id = ?1", &st));
    sqlite3_bind_int64(st, 1, run_id);
    RMN_TRY(step_claim(s, st, &found, row));
    if (!found)
        return RMN_ERROR(RMN_ENOTFOUND, "%s: no run with id %lld", s->path, (long long)run_id);
    return RMN_OK;
}

static int same_process(const rmn_process_id *a, const rmn_process_id *b) {
    return a->pid == b->pid && strcmp(a->host, b->host) == 0 && strcmp(a->token, b->token) == 0;
}

// --- taking a run -----------------------------------------------------------------------------

/* Inside the transaction: c's run becomes RUNNING, held by me; the "host"/"pid" tags follow. */
static int take_over_tx(rmn_store *s, const rmn_process_id *me, rmn_run_claim *c) {
    sqlite3_stmt *st;
    int64_t now = rmn_now_ms();
    RMN_TRY(rmn_store_prepare_(s,
                               "UPDATE runs SET status = 'RUNNING', error_text = NULL, end_ms = NULL, "
                               "owner_host = ?2, owner_pid = ?3, owner_token = ?4, claimed_ms = ?5, "
                               "updated_ms = ?5 WHERE run_id = ?1",
                               &st));
    sqlite3_bind_int64(st, 1, c->run_id);
    rmn_store_bind_text_(st, 2, me->host);
    sqlite3_bind_int64(st, 3, me->pid);
    rmn_store_bind_text_(st, 4, me->token);
    sqlite3_bind_int64(st, 5, now);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, "taking over a run");
    char pid[32];
    snprintf(pid, sizeof pid, "%lld", (long long)me->pid);
    const char *keys[2] = {"host", "pid"}, *values[2] = {me->host, pid};
    for (int i = 0; i < 2; ++i) {
        RMN_TRY(rmn_store_prepare_(s,
                                   "INSERT INTO tags (run_id, key, value) VALUES (?1, ?2, ?3) "
                                   "ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value",
                                   &st));
        sqlite3_bind_int64(st, 1, c->run_id);
        rmn_store_bind_text_(st, 2, keys[i]);
        rmn_store_bind_text_(st, 3, values[i]);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return STORE_SQL_ERROR(s, rc, "tagging a claimed run");
    }
    snprintf(c->status, sizeof c->status, "RUNNING");
    c->owner = *me;
    c->claimed_ms = c->updated_ms = now;
    return RMN_OK;
}

/* Inside the transaction: decides about an existing row c. */
static int decide_tx(rmn_store *s, const rmn_process_id *me, rmn_owner_live_fn live, void *ctx,
                     rmn_run_claim *c, int *outcome) {
    if (strcmp(c->status, "FINISHED") == 0) {
        *outcome = RMN_CLAIM_FINISHED;
        return RMN_OK;
    }
    if (strcmp(c->status, "RUNNING") == 0 && !same_process(&c->owner, me) && live && live(c, ctx)) {
        *outcome = RMN_CLAIM_LIVE;
        return RMN_OK;
    }
    *outcome = RMN_CLAIM_TAKEN_OVER; /* FAILED, KILLED, a dead holder's, or mine already */
    return take_over_tx(s, me, c);
}

static int check_claimer(rmn_store *s, const rmn_process_id *me) {
    if (s->read_only)
        return RMN_ERROR(RMN_EINVAL, "%s: store opened read-only", s->path);
    if (!me || !me->host[0] || me->pid <= 0)
        return RMN_ERROR(RMN_EINVAL, "claiming a run needs the claiming process's host and pid");
    return RMN_OK;
}

int rmn_store_run_claim(rmn_store *s, const rmn_run_info *info, const rmn_process_id *me,
                        rmn_owner_live_fn live, void *ctx, int *outcome, rmn_run_claim *row) {
    RMN_TRY(check_claimer(s, me));
    if (!info->experiment || !*info->experiment || !info->name || !*info->name || !info->kind)
        return RMN_ERROR(RMN_EINVAL, "a run needs an experiment, a name and a kind");
    char sha[RMN_SHA256_HEX];
    const char *config = info->config_text ? info->config_text : "";
    rmn_sha256_hex(config, strlen(config), sha);
    rmn_provenance prov;
    RMN_TRY(rmn_provenance_collect(&prov)); /* outside the transaction: it runs git */
    sqlite3_stmt *st = NULL;
    int found = 0, e = rmn_store_begin_(s, "BEGIN IMMEDIATE");
    if (e != RMN_OK)
        goto out;
    /* the run itself (FINISHED, else RUNNING: at most one, by runs_claim), else the newest
     * stopped attempt */
    if ((e = rmn_store_prepare_(s,
                                CLAIM_SELECT "JOIN experiments x ON x.experiment_id = r.experiment_id "
                                "WHERE x.name = ?1 AND r.kind = ?2 AND r.name = ?3 AND r.seed = ?4 "
                                "AND r.config_sha256 = ?5 AND r.duplicate_of IS NULL "
                                "ORDER BY CASE r.status WHEN 'FINISHED' THEN 0 WHEN 'RUNNING' THEN 1 "
                                "ELSE 2 END, r.run_id DESC LIMIT 1",
                                &st)) != RMN_OK)
        goto fail;
    rmn_store_bind_text_(st, 1, info->experiment);
    rmn_store_bind_text_(st, 2, info->kind);
    rmn_store_bind_text_(st, 3, info->name);
    sqlite3_bind_int64(st, 4, info->seed);
    rmn_store_bind_text_(st, 5, sha);
    if ((e = step_claim(s, st, &found, row)) != RMN_OK)
        goto fail;
    if (found) {
        e = decide_tx(s, me, live, ctx, row, outcome);
    } else {
        *outcome = RMN_CLAIM_NEW;
        memset(row, 0, sizeof *row);
        if ((e = rmn_store_run_insert_tx_(s, info, &prov, me, &row->run_id)) == RMN_OK) {
            char pid[32];
            snprintf(pid, sizeof pid, "%lld", (long long)me->pid);
            sqlite3_stmt *tag = NULL;
            const char *keys[2] = {"host", "pid"}, *values[2] = {me->host, pid};
            for (int i = 0; i < 2 && e == RMN_OK; ++i) {
                if ((e = rmn_store_prepare_(s, "INSERT INTO tags (run_id, key, value) VALUES (?1, ?2, ?3)",
                                            &tag)) != RMN_OK)
                    break;
                sqlite3_bind_int64(tag, 1, row->run_id);
                rmn_store_bind_text_(tag, 2, keys[i]);
                rmn_store_bind_text_(tag, 3, values[i]);
                int rc = sqlite3_step(tag);
                sqlite3_finalize(tag);
                if (rc != SQLITE_DONE)
                    e = STORE_SQL_ERROR(s, rc, "tagging a claimed run");
            }
            snprintf(row->status, sizeof row->status, "RUNNING");
            row->owner = *me;
            row->claimed_ms = row->updated_ms = rmn_now_ms();
        }
    }
    if (e != RMN_OK)
        goto fail;
    e = rmn_store_commit_(s);
    goto out;
fail:
    rmn_store_rollback_(s);
out:
    rmn_provenance_free(&prov);
    if (e != RMN_OK)
        rmn_error_prefix("claiming run %s of experiment %s", info->name, info->experiment);
    return e;
}

int rmn_store_run_claim_id(rmn_store *s, int64_t run_id, const rmn_process_id *me,
                           rmn_owner_live_fn live, void *ctx, int *outcome, rmn_run_claim *row) {
    RMN_TRY(check_claimer(s, me));
    sqlite3_stmt *st;
    int found, e;
    RMN_TRY(rmn_store_begin_(s, "BEGIN IMMEDIATE"));
    if ((e = rmn_store_prepare_(s, CLAIM_SELECT "WHERE r.run_id = ?1", &st)) != RMN_OK)
        goto fail;
    sqlite3_bind_int64(st, 1, run_id);
    if ((e = step_claim(s, st, &found, row)) != RMN_OK)
        goto fail;
    if (!found) {
        e = RMN_ERROR(RMN_ENOTFOUND, "%s: no run with id %lld", s->path, (long long)run_id);
        goto fail;
    }
    if ((e = decide_tx(s, me, live, ctx, row, outcome)) != RMN_OK)
        goto fail;
    return rmn_store_commit_(s);
fail:
    rmn_store_rollback_(s);
    return e;
}

// --- waits ------------------------------------------------------------------------------------

int rmn_store_wait_begin(rmn_store *s, const rmn_process_id *me, int64_t run_id) {
    sqlite3_stmt *st;
    RMN_TRY(check_claimer(s, me));
    RMN_TRY(rmn_store_prepare_(s,
                               "INSERT INTO waits (host, pid, token, run_id, since_ms) "
                               "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                               &st));
    rmn_store_bind_text_(st, 1, me->host);
    sqlite3_bind_int64(st, 2, me->pid);
    rmn_store_bind_text_(st, 3, me->token);
    sqlite3_bind_int64(st, 4, run_id);
    sqlite3_bind_int64(st, 5, rmn_now_ms());
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, "recording a wait");
    return RMN_OK;
}

int rmn_store_wait_end(rmn_store *s, const rmn_process_id *me) {
    sqlite3_stmt *st;
    RMN_TRY(check_claimer(s, me));
    RMN_TRY(rmn_store_prepare_(s, "DELETE FROM waits WHERE host = ?1 AND pid = ?2 AND token = ?3", &st));
    rmn_store_bind_text_(st, 1, me->host);
    sqlite3_bind_int64(st, 2, me->pid);
    rmn_store_bind_text_(st, 3, me->token);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return STORE_SQL_ERROR(s, rc, "ending a wait");
    return RMN_OK;
}

int rmn_store_waits(rmn_store *s, rmn_wait **out, int *n) {
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    RMN_TRY(rmn_store_prepare_(s, "SELECT host, pid, token, run_id, since_ms FROM waits "
                                  "ORDER BY since_ms, host, pid, run_id",
                               &st));
    int rc, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rmn_wait *grown = rmn_store_grow_(*out, &cap, *n, sizeof **out);
        if (!grown) {
            sqlite3_finalize(st);
            free(*out);
            *out = NULL;
            *n = 0;
            return RMN_ERROR(RMN_ENOMEM, "out of memory reading waits");
        }
        *out = grown;
        rmn_wait *w = &(*out)[(*n)++];
        memset(w, 0, sizeof *w);
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(w->waiter.host, sizeof w->waiter.host, "%s", t ? (const char *)t : "");
        w->waiter.pid = sqlite3_column_int64(st, 1);
        t = sqlite3_column_text(st, 2);
        snprintf(w->waiter.token, sizeof w->waiter.token, "%s", t ? (const char *)t : "");
        w->run_id = sqlite3_column_int64(st, 3);
        w->since_ms = sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return STORE_SQL_ERROR(s, rc, "reading waits");
    }
    return RMN_OK;
}

/* store_schema.c -- the store's schema as an ordered list of migration steps.
 *
 * Step i brings a database from user_version i to i+1; each step's SQL ends by setting
 * user_version itself. Steps run inside BEGIN EXCLUSIVE, after re-reading user_version under
 * the lock, so two processes opening a new file at once apply each step exactly once.
 * To change the schema, append a step and bump RMN_STORE_SCHEMA_VERSION; never edit a step
 * that has shipped. */
#include "store/store_internal.h"

#include "core/error.h"

#include <stdio.h>
#include <string.h>

#define RMN_STORE_APPLICATION_ID 0x524d4e31 /* "RMN1" */

/* Version 1: the tables of reference/conventions.md B3 plus runs.model, n_params, updated_ms,
 * evals.n_classes/created_ms. */
static const char schema_v1[] =
    "CREATE TABLE experiments (\n"
    "  experiment_id INTEGER PRIMARY KEY,\n"
    "  name          TEXT NOT NULL UNIQUE,\n"
    "  description   TEXT,\n"
    "  created_ms    INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE TABLE runs (\n"
    "  run_id         INTEGER PRIMARY KEY,\n"
    "  run_uuid       TEXT NOT NULL UNIQUE CHECK (length(run_uuid) = 32),\n"
    "  experiment_id  INTEGER NOT NULL REFERENCES experiments(experiment_id),\n"
    "  name           TEXT NOT NULL,\n"
    "  kind           TEXT NOT NULL CHECK (kind IN ('train','eval','ensemble')),\n"
    "  model          TEXT,\n"
    "  n_params       INTEGER NOT NULL DEFAULT 0 CHECK (n_params >= 0),\n"
    "  status         TEXT NOT NULL DEFAULT 'RUNNING'\n"
    "                 CHECK (status IN ('RUNNING','FINISHED','FAILED','KILLED')),\n"
    "  parent_run_id  INTEGER REFERENCES runs(run_id),\n"
    "  start_ms       INTEGER NOT NULL,\n"
    "  end_ms         INTEGER,\n"
    "  updated_ms     INTEGER NOT NULL,\n"
    "  seed           INTEGER NOT NULL,\n"
    "  config_text    TEXT NOT NULL,\n"
    "  config_sha256  TEXT NOT NULL,\n"
    "  dataset_sha256 TEXT,\n"
    "  git_commit     TEXT,\n"
    "  git_dirty      INTEGER CHECK (git_dirty IN (0,1)),\n"
    "  tool_version   TEXT NOT NULL,\n"
    "  build_config   TEXT,\n"
    "  host           TEXT,\n"
    "  cpu_model      TEXT,\n"
    "  blas_config    TEXT,\n"
    "  n_threads      INTEGER,\n"
    "  error_text     TEXT\n"
    ") STRICT;\n"
    "CREATE INDEX runs_by_experiment ON runs(experiment_id, start_ms);\n"
    "CREATE INDEX runs_by_name ON runs(name, start_ms);\n"
    "CREATE INDEX runs_by_status ON runs(status);\n"
    "CREATE TABLE params (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,\n"
    "  key    TEXT NOT NULL,\n"
    "  value  TEXT NOT NULL,\n"
    "  PRIMARY KEY (run_id, key)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE tags (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,\n"
    "  key    TEXT NOT NULL,\n"
    "  value  TEXT,\n"
    "  PRIMARY KEY (run_id, key)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE metrics (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,\n"
    "  key    TEXT NOT NULL,\n"
    "  step   INTEGER NOT NULL,\n"
    "  value  REAL,\n"
    "  ts_ms  INTEGER NOT NULL,\n"
    "  PRIMARY KEY (run_id, key, step)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE evals (\n"
    "  eval_id    INTEGER PRIMARY KEY,\n"
    "  run_id     INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,\n"
    "  split      TEXT NOT NULL CHECK (split IN ('train','val','test')),\n"
    "  tta_n      INTEGER NOT NULL DEFAULT 0 CHECK (tta_n >= 0),\n"
    "  tta_seed   INTEGER,\n"
    "  n_samples  INTEGER NOT NULL CHECK (n_samples >= 0),\n"
    "  n_classes  INTEGER NOT NULL CHECK (n_classes BETWEEN 1 AND 1000),\n"
    "  n_correct  INTEGER NOT NULL CHECK (n_correct BETWEEN 0 AND n_samples),\n"
    "  loss       REAL,\n"
    "  created_ms INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE INDEX evals_by_run ON evals(run_id);\n"
    "CREATE TABLE predictions (\n"
    "  eval_id    INTEGER NOT NULL REFERENCES evals(eval_id) ON DELETE CASCADE,\n"
    "  sample_idx INTEGER NOT NULL CHECK (sample_idx >= 0),\n"
    "  label      INTEGER NOT NULL CHECK (label >= 0),\n"
    "  pred       INTEGER NOT NULL CHECK (pred >= 0),\n"
    "  probs      BLOB NOT NULL CHECK (length(probs) > 0 AND length(probs) % 8 = 0),\n"
    "  PRIMARY KEY (eval_id, sample_idx)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE ensemble_members (\n"
    "  ensemble_run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,\n"
    "  member_eval_id  INTEGER NOT NULL REFERENCES evals(eval_id),\n"
    "  weight          REAL NOT NULL DEFAULT 1.0,\n"
    "  PRIMARY KEY (ensemble_run_id, member_eval_id)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE artifacts (\n"
    "  artifact_id INTEGER PRIMARY KEY,\n"
    "  run_id      INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,\n"
    "  kind        TEXT NOT NULL,\n"
    "  path        TEXT NOT NULL,\n"
    "  sha256      TEXT NOT NULL,\n"
    "  bytes       INTEGER NOT NULL CHECK (bytes >= 0),\n"
    "  UNIQUE (run_id, path)) STRICT;\n"
    "CREATE VIEW confusion AS\n"
    "  SELECT eval_id, label, pred, COUNT(*) AS n FROM predictions GROUP BY eval_id, label, pred;\n"
    "CREATE VIEW latest_metrics AS\n"
    "  SELECT m.run_id, m.key, m.step, m.value FROM metrics m\n"
    "  WHERE m.step = (SELECT MAX(step) FROM metrics x WHERE x.run_id = m.run_id AND x.key = m.key);\n"
    "PRAGMA application_id = 1380798001;\n" /* RMN_STORE_APPLICATION_ID */
    "PRAGMA user_version = 1;\n";

/* Version 2: runs are claimed (docs/ARCHITECTURE.md, "Claiming runs").
 * - owner_host, owner_pid, owner_token (the process incarnation: boot id and start time),
 *   claimed_ms: which process holds a RUNNING run; filled for old RUNNING rows from their
 *   "host" and "pid" tags (token unknown: liveness then rests on the pid alone).
 * - duplicate_of: an old store may hold two RUNNING/FINISHED rows of one (experiment, kind,
 *   name, seed, config) from the race this version closes. Nothing is deleted or changed in
 *   them: the oldest FINISHED row (else the oldest RUNNING one) stays the run, the others point
 *   to it in duplicate_of and are left out of the claim index.
 * - runs_claim: at most one RUNNING or FINISHED row per (experiment, kind, name, seed,
 *   config_sha256); FAILED and KILLED rows are history and may repeat.
 * - waits: which process waits for which run (rmn-exp status); rows of a process that died
 *   while waiting are ignored by readers. */
static const char schema_v2[] =
    "ALTER TABLE runs ADD COLUMN owner_host TEXT;\n"
    "ALTER TABLE runs ADD COLUMN owner_pid INTEGER;\n"
    "ALTER TABLE runs ADD COLUMN owner_token TEXT;\n"
    "ALTER TABLE runs ADD COLUMN claimed_ms INTEGER;\n"
    "ALTER TABLE runs ADD COLUMN duplicate_of INTEGER REFERENCES runs(run_id);\n"
    "UPDATE runs SET\n"
    "  owner_host = (SELECT t.value FROM tags t WHERE t.run_id = runs.run_id AND t.key = 'host'),\n"
    "  owner_pid = (SELECT CAST(t.value AS INTEGER) FROM tags t\n"
    "               WHERE t.run_id = runs.run_id AND t.key = 'pid'),\n"
    "  claimed_ms = updated_ms\n"
    "  WHERE status = 'RUNNING';\n"
    "CREATE TEMP TABLE claim_keep AS\n"
    "  SELECT r.run_id AS run_id, (SELECT k.run_id FROM runs k\n"
    "     WHERE k.experiment_id = r.experiment_id AND k.kind = r.kind AND k.name = r.name\n"
    "       AND k.seed = r.seed AND k.config_sha256 = r.config_sha256\n"
    "       AND k.status IN ('RUNNING','FINISHED')\n"
    "     ORDER BY k.status = 'FINISHED' DESC, k.run_id LIMIT 1) AS keep\n"
    "  FROM runs r WHERE r.status IN ('RUNNING','FINISHED');\n"
    "UPDATE runs SET duplicate_of = (SELECT keep FROM temp.claim_keep c WHERE c.run_id = runs.run_id)\n"
    "  WHERE run_id IN (SELECT run_id FROM temp.claim_keep WHERE keep != run_id);\n"
    "DROP TABLE temp.claim_keep;\n"
    "CREATE UNIQUE INDEX runs_claim ON runs(experiment_id, kind, name, seed, config_sha256)\n"
    "  WHERE status IN ('RUNNING','FINISHED') AND duplicate_of IS NULL;\n"
    "CREATE TABLE waits (\n"
    "  host     TEXT NOT NULL,\n"
    "  pid      INTEGER NOT NULL,\n"
    "  token    TEXT NOT NULL,\n"
    "  run_id   INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,\n"
    "  since_ms INTEGER NOT NULL,\n"
    "  PRIMARY KEY (host, pid, token, run_id)) STRICT, WITHOUT ROWID;\n"
    "PRAGMA user_version = 2;\n";

/* Version 3: runs.kind may be 'imported' (the evaluation of published weights, rmn-eval of a
 * .pth with --store). SQLite cannot ALTER a CHECK constraint; widening an IN list changes no
 * stored row, so the table's CREATE text is edited in sqlite_schema (the procedure SQLite's
 * ALTER TABLE documentation gives for such changes), and the schema cookie is bumped so every
 * connection reloads it. Run by migrate_v3() below, in the migration's transaction. */
static const char schema_v3[] =
    "PRAGMA writable_schema = ON;\n"
    "UPDATE sqlite_schema SET sql = replace(sql,\n"
    "  'CHECK (kind IN (''train'',''eval'',''ensemble''))',\n"
    "  'CHECK (kind IN (''train'',''eval'',''ensemble'',''imported''))')\n"
    "  WHERE type = 'table' AND name = 'runs';\n"
    "PRAGMA writable_schema = OFF;\n";

/* steps[i] migrates from version i to i+1 (NULL: a step in C) */
static const char *const steps[] = {schema_v1, schema_v2, schema_v3};
#define N_STEPS ((int)(sizeof steps / sizeof steps[0]))
_Static_assert(N_STEPS == RMN_STORE_SCHEMA_VERSION, "one migration step per schema version");

static int read_int_pragma(rmn_store *s, const char *sql, int *v) {
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s, sql, &st));
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        int e = STORE_SQL_ERROR(s, rc, "reading the schema version");
        sqlite3_finalize(st);
        return e;
    }
    *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return RMN_OK;
}

int rmn_store_check_version_(rmn_store *s, int *version) {
    int app = 0;
    RMN_TRY(read_int_pragma(s, "PRAGMA user_version", version));
    RMN_TRY(read_int_pragma(s, "PRAGMA application_id", &app));
    if (app != 0 && app != RMN_STORE_APPLICATION_ID)
        return RMN_ERROR(RMN_EFORMAT, "%s: not an rmn store (application_id %d)", s->path, app);
    if (*version > RMN_STORE_SCHEMA_VERSION)
        return RMN_ERROR(RMN_EFORMAT,
                         "%s: schema version %d is newer than this rmn knows (%d); "
                         "use a newer rmn",
                         s->path, *version, RMN_STORE_SCHEMA_VERSION);
    return RMN_OK;
}

int rmn_store_schema_version(rmn_store *s, int *version) {
    return read_int_pragma(s, "PRAGMA user_version", version);
}

/* Step 2 -> 3: schema_v3, then the schema cookie + 1 and user_version 3. */
static int migrate_v3(rmn_store *s) {
    int cookie = 0, rc = sqlite3_exec(s->db, schema_v3, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_stmt *st;
    if ((rc = sqlite3_prepare_v2(s->db, "PRAGMA schema_version", -1, &st, NULL)) != SQLITE_OK)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        cookie = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA schema_version = %d; PRAGMA user_version = 3;", cookie + 1);
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

int rmn_store_migrate_(rmn_store *s) {
    int v, st;
    RMN_TRY(rmn_store_check_version_(s, &v));
    const int target = s->migrate_to > 0 && s->migrate_to < N_STEPS ? s->migrate_to : N_STEPS;
    if (v >= target)
        return RMN_OK;
    RMN_TRY(rmn_store_begin_(s, "BEGIN EXCLUSIVE"));
    /* another process may have migrated while we waited for the lock */
    if ((st = rmn_store_check_version_(s, &v)) != RMN_OK)
        goto fail;
    if (v == 0) {
        int n_objects = 0;
        if ((st = read_int_pragma(s, "SELECT COUNT(*) FROM sqlite_schema", &n_objects)) != RMN_OK)
            goto fail;
        if (n_objects > 0) {
            st = RMN_ERROR(RMN_EFORMAT, "%s: not an rmn store (has tables but no schema version)",
                           s->path);
            goto fail;
        }
    }
    for (int i = v; i < target; ++i) {
        int rc = i == 2 ? migrate_v3(s) : sqlite3_exec(s->db, steps[i], NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            st = STORE_SQL_ERROR(s, rc, "migrating the schema");
            (void)rmn_error_prefix("schema step %d -> %d", i, i + 1);
            goto fail;
        }
    }
    return rmn_store_commit_(s);
fail:
    rmn_store_rollback_(s);
    return st;
}

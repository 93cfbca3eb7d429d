/* test-store.c -- the run store: schema creation and versioning, run round-trips, NaN, foreign
 * keys, prediction BLOBs, run resolution, locking (RMN_EBUSY), atomic eval inserts, stale-run
 * recovery and the read side. */
#include "core/error.h"
#include "core/sha256.h"
#include "store/store.h"
#include "store/store_sql.h" /* the connection, for raw SQL checks */
#include "tap.h"
#include "store-util.h"

#include <math.h>
#include <time.h>
#include <unistd.h>

static char path[700];
static const char *const MKEYS[] = {"train_loss", "train_acc", "val_loss", "val_acc", "lr"};

static double wall_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int64_t begin_run(rmn_store *s, const char *exp, const char *name, const char *model,
                         int64_t seed) {
    rmn_run_info info = {.experiment = exp, .name = name, .kind = "train", .model = model,
                         .n_params = 1234567, .seed = seed,
                         .config_text = "arch=democnn\nlr=0.0001\n",
                         .dataset_sha256 = "ab12", .n_threads = 2};
    int64_t id = -1;
    if (rmn_store_run_begin(s, &info, &id) != RMN_OK)
        tap_diag("run_begin: %s", rmn_error_message());
    return id;
}

// --- schema ----------------------------------------------------------------------------------

static void test_schema(const char *dir) {
    rmn_store *s = NULL;
    char buf[256];
    TAP_OK(rmn_store_open(path, &s) == RMN_OK, "open creates a new store");
    sqlite3 *raw = tu_raw(path);
    TAP_OK(tu_int(raw, "PRAGMA user_version") == RMN_STORE_SCHEMA_VERSION,
           "user_version is %d", RMN_STORE_SCHEMA_VERSION);
    TAP_OK(strcmp(tu_text(raw, "PRAGMA journal_mode", buf, sizeof buf), "wal") == 0,
           "journal mode is WAL (%s)", buf);
    TAP_OK(tu_int(s->db, "PRAGMA foreign_keys") == 1, "foreign keys on");
    TAP_OK(tu_int(s->db, "PRAGMA synchronous") == 1, "synchronous=NORMAL");
    int64_t n_objects = tu_int(raw, "SELECT COUNT(*) FROM sqlite_schema");
    TAP_OK(n_objects >= 11, "tables, views and indexes created (%lld)", (long long)n_objects);
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM sqlite_schema WHERE type='table' AND "
                       "name IN ('experiments','runs','params','tags','metrics','evals',"
                       "'predictions','ensemble_members','artifacts')") == 9,
           "all nine tables exist");
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM pragma_table_list WHERE strict=1") == 10,
           "all tables are STRICT (the nine and waits)");
    rmn_store_close(s);

    s = NULL;
    TAP_OK(rmn_store_open(path, &s) == RMN_OK, "reopening succeeds");
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM sqlite_schema") == n_objects &&
               tu_int(raw, "PRAGMA user_version") == RMN_STORE_SCHEMA_VERSION,
           "reopening changes nothing");
    int v = -1;
    TAP_OK(rmn_store_schema_version(s, &v) == RMN_OK && v == RMN_STORE_SCHEMA_VERSION,
           "rmn_store_schema_version");
    TAP_OK(strcmp(rmn_store_path(s), path) == 0, "rmn_store_path");
    rmn_store_close(s);
    sqlite3_close(raw);

    /* a newer schema is refused */
    char newer[800];
    snprintf(newer, sizeof newer, "%s/newer.db", dir);
    s = NULL;
    RMN_ASSERT(rmn_store_open(newer, &s) == RMN_OK);
    rmn_store_close(s);
    raw = tu_raw(newer);
    sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(raw);
    s = NULL;
    int rc = rmn_store_open(newer, &s);
    TAP_OK(rc == RMN_EFORMAT && s == NULL, "a newer user_version is refused (%s)",
           rmn_status_name(rc));
    TAP_OK(strstr(rmn_error_message(), "newer") && strstr(rmn_error_message(), newer),
           "the message says newer and names the file: %s", rmn_error_message());

    /* a foreign SQLite database and a non-database */
    char other[800];
    snprintf(other, sizeof other, "%s/other.db", dir);
    raw = tu_raw(other);
    sqlite3_exec(raw, "CREATE TABLE t (x)", NULL, NULL, NULL);
    sqlite3_close(raw);
    rc = rmn_store_open(other, &s);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "not an rmn store"),
           "a foreign SQLite database is refused: %s", rmn_error_message());
    snprintf(other, sizeof other, "%s/garbage.db", dir);
    FILE *f = fopen(other, "w");
    for (int i = 0; i < 200; ++i)
        fputs("this is not a database at all. ", f);
    fclose(f);
    rc = rmn_store_open(other, &s);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), other),
           "a non-database file is refused naming it: %s", rmn_error_message());

    /* read-only opening */
    snprintf(other, sizeof other, "%s/missing.db", dir);
    rmn_store_options ro = {.mode = RMN_STORE_READ};
    rc = rmn_store_open_opts(other, &ro, &s);
    TAP_OK(rc == RMN_ENOTFOUND, "read-only open of a missing file: ENOTFOUND (%s)",
           rmn_status_name(rc));
    f = fopen(other, "r");
    TAP_OK(f == NULL, "read-only open does not create the file");
    if (f)
        fclose(f);
}

// --- round trip ------------------------------------------------------------------------------

static void test_roundtrip(void) {
    rmn_store *s = NULL;
    char buf[600], sql[600];
    RMN_ASSERT(rmn_store_open(path, &s) == RMN_OK);
    sqlite3 *raw = tu_raw(path);

    int64_t exp_id = 0, exp_id2 = 0;
    int rc;
    int ok_e = rmn_store_experiment_ensure(s, "demo", "the demo experiment", &exp_id) == RMN_OK &&
               rmn_store_experiment_ensure(s, "demo", NULL, &exp_id2) == RMN_OK;
    TAP_OK(ok_e && exp_id == exp_id2 && exp_id > 0,
           "experiment_ensure is idempotent (id %lld)", (long long)exp_id);

    int64_t run = begin_run(s, "demo", "democnn-s1", "democnn", 20240611);
    TAP_OK(run > 0, "run_begin returns an id (%lld)", (long long)run);
    snprintf(sql, sizeof sql, "SELECT status || '|' || kind || '|' || model || '|' || n_params || "
                              "'|' || seed || '|' || n_threads || '|' || dataset_sha256 "
                              "FROM runs WHERE run_id=%lld", (long long)run);
    TAP_OK(strcmp(tu_text(raw, sql, buf, sizeof buf),
                  "RUNNING|train|democnn|1234567|20240611|2|ab12") == 0,
           "run row read back: %s", buf);
    char want_sha[RMN_SHA256_HEX];
    const char *cfg = "arch=democnn\nlr=0.0001\n";
    rmn_sha256_hex(cfg, strlen(cfg), want_sha);
    snprintf(sql, sizeof sql, "SELECT config_sha256 FROM runs WHERE run_id=%lld", (long long)run);
    TAP_OK(strcmp(tu_text(raw, sql, buf, sizeof buf), want_sha) == 0, "config_sha256 is the "
           "sha256 of config_text");
    snprintf(sql, sizeof sql, "SELECT length(run_uuid) = 32 AND run_uuid NOT GLOB '*[^0-9a-f]*' "
                              "AND tool_version <> '' AND host <> '' AND build_config <> '' "
                              "AND start_ms > 1600000000000 AND updated_ms = start_ms "
                              "AND end_ms IS NULL FROM runs WHERE run_id=%lld", (long long)run);
    TAP_OK(tu_int(raw, sql) == 1, "uuid, provenance and times recorded");
    snprintf(sql, sizeof sql, "SELECT coalesce(git_commit,'-') || ' dirty=' || "
                              "coalesce(git_dirty,-1) || ' | ' || coalesce(cpu_model,'-') || ' | ' "
                              "|| coalesce(blas_config,'-') FROM runs WHERE run_id=%lld",
             (long long)run);
    tap_diag("provenance: %s", tu_text(raw, sql, buf, sizeof buf));

    /* params */
    const char *pk[] = {"lr", "batch_size", "arch"}, *pv[] = {"0.0001", "48", "democnn"};
    TAP_OK(rmn_store_run_params(s, run, 3, pk, pv) == RMN_OK, "run_params");
    snprintf(sql, sizeof sql, "SELECT group_concat(key || '=' || value, ',') FROM "
                              "(SELECT * FROM params WHERE run_id=%lld ORDER BY key)", (long long)run);
    TAP_OK(strcmp(tu_text(raw, sql, buf, sizeof buf), "arch=democnn,batch_size=48,lr=0.0001") == 0,
           "params read back: %s", buf);
    TAP_OK(rmn_store_run_params(s, run, 1, pk, pv) == RMN_OK, "logging a param again with the same "
           "value is fine");
    const char *pk3[] = {"momentum", "lr"};
    const char *pv4[] = {"0.9", "0.5"};
    rc = rmn_store_run_params(s, run, 2, pk3, pv4);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "immutable"),
           "changing a param is refused: %s", rmn_error_message());
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM params WHERE run_id=%lld AND "
                              "(key='momentum' OR value='0.5')", (long long)run);
    TAP_OK(tu_int(raw, sql) == 0, "the refused batch left nothing (not even momentum)");

    /* tags */
    TAP_OK(rmn_store_run_tag(s, run, "selection_split", "val") == RMN_OK &&
               rmn_store_run_tag(s, run, "selection_split", "val2") == RMN_OK,
           "tags are set and updated");
    snprintf(sql, sizeof sql, "SELECT value FROM tags WHERE run_id=%lld AND key='selection_split'",
             (long long)run);
    TAP_OK(strcmp(tu_text(raw, sql, buf, sizeof buf), "val2") == 0, "tag reads back updated");

    /* epochs, NaN -> NULL */
    double v1[] = {1.8125, 0.2875, 1.6625, 0.3375, 1e-4};
    double v2[] = {1.5375, 0.4125, NAN, 0.4625, 1e-4};
    TAP_OK(rmn_store_epoch(s, run, 1, 5, MKEYS, v1) == RMN_OK &&
               rmn_store_epoch(s, run, 2, 5, MKEYS, v2) == RMN_OK,
           "two epochs stored");
    snprintf(sql, sizeof sql, "SELECT value FROM metrics WHERE run_id=%lld AND key='val_acc' "
                              "AND step=2", (long long)run);
    TAP_NEAR(tu_double(raw, sql), 0.4625, 0, "val_acc of epoch 2 reads back exactly");
    snprintf(sql, sizeof sql, "SELECT typeof(value) FROM metrics WHERE run_id=%lld AND "
                              "key='val_loss' AND step=2", (long long)run);
    TAP_OK(strcmp(tu_text(raw, sql, buf, sizeof buf), "null") == 0, "NaN is stored as NULL");
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM metrics WHERE run_id=%lld", (long long)run);
    TAP_OK(tu_int(raw, sql) == 10, "10 metric rows");
    double v2b[] = {1.5, 0.41, 1.61, 0.47, 1e-4};
    TAP_OK(rmn_store_epoch(s, run, 2, 5, MKEYS, v2b) == RMN_OK && tu_int(raw, sql) == 10,
           "rewriting an epoch (resume) replaces its values");
    snprintf(sql, sizeof sql, "SELECT value FROM metrics WHERE run_id=%lld AND key='val_acc' "
                              "AND step=2", (long long)run);
    TAP_NEAR(tu_double(raw, sql), 0.47, 0, "rewritten value");

    /* eval with predictions */
    enum { NS = 57, NC = 7 };
    int32_t idx[NS], lab[NS], pred[NS];
    double probs[NS * NC];
    int64_t want[NC * NC] = {0};
    int correct = 0;
    for (int i = 0; i < NS; ++i) {
        idx[i] = 3 * i + 1;
        lab[i] = (i * 5 + 2) % NC;
        pred[i] = (i % 3 == 0) ? (lab[i] + 1) % NC : lab[i];
        correct += lab[i] == pred[i];
        want[lab[i] * NC + pred[i]]++;
        double sum = 0;
        for (int c = 0; c < NC; ++c)
            sum += probs[i * NC + c] = 0.125 + (double)((i * 7 + c * 3) % 11) / 13.0;
        for (int c = 0; c < NC; ++c)
            probs[i * NC + c] /= sum;
    }
    rmn_eval_record rec = {.split = "test", .tta_n = 8, .tta_seed = 1234, .n_samples = NS,
                           .n_classes = NC, .sample_idx = idx, .labels = lab, .preds = pred,
                           .probs = probs, .loss = 1.0625};
    int64_t eval_id = 0;
    rc = rmn_store_eval(s, run, &rec, &eval_id);
    TAP_OK(rc == RMN_OK && eval_id > 0, "eval stored (id %lld)",
           (long long)eval_id);
    snprintf(sql, sizeof sql, "SELECT n_correct || '/' || n_samples || ' tta ' || tta_n || ' seed '"
                              " || tta_seed || ' loss ' || loss || ' ' || split FROM evals "
                              "WHERE eval_id=%lld", (long long)eval_id);
    char want_row[128];
    snprintf(want_row, sizeof want_row, "%d/%d tta 8 seed 1234 loss 1.0625 test", correct, NS);
    TAP_OK(strcmp(tu_text(raw, sql, buf, sizeof buf), want_row) == 0, "eval row: %s", buf);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM predictions WHERE eval_id=%lld AND "
                              "length(probs) = %d", (long long)eval_id, 8 * NC);
    TAP_OK(tu_int(raw, sql) == NS, "one prediction row per sample, %d-byte BLOBs", 8 * NC);
    /* decode one BLOB by hand: little-endian float64 */
    {
        sqlite3_stmt *st;
        sqlite3_prepare_v2(raw, "SELECT probs FROM predictions WHERE eval_id=?1 AND sample_idx=?2",
                           -1, &st, NULL);
        sqlite3_bind_int64(st, 1, eval_id);
        sqlite3_bind_int(st, 2, idx[10]);
        int okb = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 8 * NC;
        const unsigned char *b = okb ? sqlite3_column_blob(st, 0) : NULL;
        for (int c = 0; okb && c < NC; ++c) {
            uint64_t u = 0;
            for (int k = 7; k >= 0; --k)
                u = u << 8 | b[8 * c + k];
            double d;
            memcpy(&d, &u, sizeof d);
            okb &= d == probs[10 * NC + c];
        }
        sqlite3_finalize(st);
        TAP_OK(okb, "probs BLOB decodes (little-endian float64) to the exact softmax");
    }
    rmn_eval_data ed;
    rc = rmn_store_eval_load(s, eval_id, &ed);
    int same = rc == RMN_OK && ed.n_samples == NS && ed.n_classes == NC;
    for (int i = 0; same && i < NS; ++i) {
        same &= ed.sample_idx[i] == idx[i] && ed.labels[i] == lab[i] && ed.preds[i] == pred[i];
        for (int c = 0; c < NC; ++c)
            same &= ed.probs[i * NC + c] == probs[i * NC + c];
    }
    TAP_OK(same, "eval_load returns every prediction bit-exact");
    rmn_eval_data_free(&ed);
    int64_t cm[NC * NC];
    rc = rmn_store_confusion(s, eval_id, NC, cm);
    TAP_OK(rc == RMN_OK && memcmp(cm, want, sizeof cm) == 0, "confusion counts match (rows = true)");

    /* a plain test eval, too */
    rec.tta_n = 0;
    rec.loss = NAN;
    int64_t eval0 = 0;
    TAP_OK(rmn_store_eval(s, run, &rec, &eval0) == RMN_OK, "second eval (tta_n=0, loss NaN)");
    snprintf(sql, sizeof sql, "SELECT typeof(loss) || typeof(tta_seed) FROM evals WHERE "
                              "eval_id=%lld", (long long)eval0);
    TAP_OK(strcmp(tu_text(raw, sql, buf, sizeof buf), "nullnull") == 0,
           "NaN loss and absent tta seed are NULL");

    /* finish */
    rc = rmn_store_run_finish(s, run, "DONE", NULL);
    TAP_OK(rc == RMN_EINVAL, "an unknown final status is refused");
    TAP_OK(rmn_store_run_finish(s, run, "FINISHED", NULL) == RMN_OK, "run_finish");
    snprintf(sql, sizeof sql, "SELECT status || (end_ms >= start_ms) FROM runs WHERE run_id=%lld",
             (long long)run);
    TAP_OK(strcmp(tu_text(raw, sql, buf, sizeof buf), "FINISHED1") == 0, "status FINISHED, end set");
    TAP_OK(rmn_store_run_finish(s, 987654, "FAILED", "x") == RMN_ENOTFOUND,
           "finishing a missing run: ENOTFOUND");

    /* read side */
    rmn_run_summary sum;
    TAP_OK(rmn_store_run_summary(s, run, &sum) == RMN_OK, "run_summary");
    TAP_OK(sum.n_epochs == 2 && strcmp(sum.status, "FINISHED") == 0 &&
               strcmp(sum.experiment, "demo") == 0 && strcmp(sum.model, "democnn") == 0,
           "summary fields (epochs %lld, status %s)", (long long)sum.n_epochs, sum.status);
    TAP_NEAR(sum.best_val_acc, 0.47, 1e-12, "best val acc is the max over epochs");
    TAP_NEAR(sum.test_acc, (double)correct / NS, 1e-12, "test acc from the tta_n=0 eval");
    TAP_NEAR(sum.test_acc_tta, (double)correct / NS, 1e-12, "test acc with TTA");
    TAP_OK(sum.tta_n == 8, "tta_n of the TTA eval");
    rmn_run_summary_clear(&sum);
    rmn_metric_table mt;
    rc = rmn_store_run_metrics(s, run, &mt);
    TAP_OK(rc == RMN_OK && mt.n_epochs == 2 && mt.n_keys == 5 &&
               strcmp(mt.keys[0], "train_loss") == 0 && strcmp(mt.keys[3], "val_acc") == 0 &&
               strcmp(mt.keys[4], "lr") == 0 && mt.epochs[1] == 2,
           "metric table: keys in display order, epochs ascending");
    TAP_OK(rc == RMN_OK && mt.values[0 * 5 + 0] == 1.8125 && mt.values[1 * 5 + 3] == 0.47,
           "metric table values");
    rmn_metric_table_free(&mt);
    rmn_eval_summary *evs = NULL;
    int nev = 0;
    rc = rmn_store_run_evals(s, run, &evs, &nev);
    TAP_OK(rc == RMN_OK && nev == 2 && evs[0].tta_n == 8 && evs[0].has_tta_seed &&
               evs[0].tta_seed == 1234 && evs[1].tta_n == 0 && isnan(evs[1].loss) &&
               evs[0].n_correct == correct,
           "run_evals");
    rmn_store_evals_free(evs);
    rmn_kv *kv = NULL;
    int nkv = 0;
    rc = rmn_store_run_kv(s, run, "params", &kv, &nkv);
    TAP_OK(rc == RMN_OK && nkv == 3 && strcmp(kv[0].key, "arch") == 0 &&
               strcmp(kv[2].value, "0.0001") == 0,
           "run_kv params sorted by key");
    rmn_kv_free(kv, nkv);

    /* artifacts */
    TAP_OK(rmn_store_artifact(s, run, "checkpoint", "/tmp/x.safetensors", want_sha, 4096) == RMN_OK &&
               rmn_store_artifact(s, run, "checkpoint", "/tmp/x.safetensors", want_sha, 8192) ==
                   RMN_OK,
           "artifact recorded and updated");
    snprintf(sql, sizeof sql, "SELECT COUNT(*) || ':' || max(bytes) FROM artifacts WHERE run_id=%lld",
             (long long)run);
    TAP_OK(strcmp(tu_text(raw, sql, buf, sizeof buf), "1:8192") == 0, "one artifact row");

    sqlite3_close(raw);
    rmn_store_close(s);
}

// --- foreign keys and atomic evals -----------------------------------------------------------

static void test_integrity(void) {
    rmn_store *s = NULL;
    char sql[300];
    RMN_ASSERT(rmn_store_open(path, &s) == RMN_OK);
    sqlite3 *raw = tu_raw(path);
    int64_t n_evals = tu_int(raw, "SELECT COUNT(*) FROM evals");
    int64_t n_preds = tu_int(raw, "SELECT COUNT(*) FROM predictions");

    enum { NS = 40, NC = 7 };
    int32_t idx[NS], lab[NS], pred[NS];
    double probs[NS * NC];
    for (int i = 0; i < NS; ++i) {
        idx[i] = i;
        lab[i] = i % NC;
        pred[i] = (i + i / 3) % NC;
        for (int c = 0; c < NC; ++c)
            probs[i * NC + c] = 1.0 / NC;
    }
    rmn_eval_record rec = {.split = "val", .n_samples = NS, .n_classes = NC, .sample_idx = idx,
                           .labels = lab, .preds = pred, .probs = probs, .loss = 0.75};
    int rc = rmn_store_eval(s, 424242, &rec, NULL);
    TAP_OK(rc == RMN_ENOTFOUND, "eval for a missing run is refused (%s: %s)", rmn_status_name(rc),
           rmn_error_message());
    TAP_OK(rmn_store_run_tag(s, 424242, "k", "v") == RMN_ENOTFOUND, "tag for a missing run too");
    double v = 0.5;
    const char *k = "val_acc";
    TAP_OK(rmn_store_epoch(s, 424242, 1, 1, &k, &v) == RMN_ENOTFOUND, "epoch for a missing run too");
    TAP_OK((sqlite3_exec(s->db, "INSERT INTO metrics VALUES (424242, 'x', 1, 0.5, 0)",
                         NULL, NULL, NULL) & 0xff) == SQLITE_CONSTRAINT,
           "the schema itself enforces the foreign key");

    int64_t run = begin_run(s, "demo", "atomic", "democnn", 7);
    lab[25] = 7; /* out of range, found mid-transaction */
    rc = rmn_store_eval(s, run, &rec, NULL);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "sample 25"),
           "a label out of range fails the eval: %s", rmn_error_message());
    lab[25] = 4;
    idx[30] = idx[12]; /* duplicate sample: a primary-key violation inside SQLite */
    rc = rmn_store_eval(s, run, &rec, NULL);
    TAP_OK(rc == RMN_ESQL && strstr(rmn_error_message(), path),
           "a duplicate sample index fails with ESQL naming the file: %s", rmn_error_message());
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM evals") == n_evals &&
               tu_int(raw, "SELECT COUNT(*) FROM predictions") == n_preds,
           "failed evals leave no partial rows");
    idx[30] = 30;
    TAP_OK(rmn_store_eval(s, run, &rec, NULL) == RMN_OK &&
               tu_int(raw, "SELECT COUNT(*) FROM predictions") == n_preds + NS,
           "the store is still usable afterwards");
    rec.split = "holdout";
    TAP_OK(rmn_store_eval(s, run, &rec, NULL) == RMN_EINVAL, "an unknown split is refused");

    /* stale runs */
    int64_t stale = begin_run(s, "demo", "stale", "democnn", 8);
    int64_t live = begin_run(s, "demo", "live", "democnn", 9);
    snprintf(sql, sizeof sql, "UPDATE runs SET updated_ms = updated_ms - 3600000 WHERE run_id=%lld",
             (long long)stale);
    sqlite3_exec(raw, sql, NULL, NULL, NULL);
    int n_marked = -1;
    rc = rmn_store_mark_stale(s, 600000, &n_marked);
    TAP_OK(rc == RMN_OK && n_marked == 1,
           "mark_stale marks %d run(s)", n_marked);
    snprintf(sql, sizeof sql, "SELECT (SELECT status FROM runs WHERE run_id=%lld) = 'KILLED' AND "
                              "(SELECT status FROM runs WHERE run_id=%lld) = 'RUNNING' AND "
                              "(SELECT error_text LIKE '%%heartbeat%%' FROM runs WHERE run_id=%lld)",
             (long long)stale, (long long)live, (long long)stale);
    TAP_OK(tu_int(raw, sql) == 1, "only the stale run became KILLED, with a reason");
    rmn_store_run_finish(s, live, "FINISHED", NULL);
    rmn_store_run_finish(s, run, "FINISHED", NULL);
    sqlite3_close(raw);
    rmn_store_close(s);
}

/* An eval damaged outside rmn (CHECK constraints off) is refused by eval_load before anything
 * is allocated from its sizes (found by tests/fuzz/fuzz-probs-blob.c: n_classes -7 asked malloc
 * for 2^64 bytes). */
static void test_damaged_eval(const char *dir) {
    char p[4200];
    snprintf(p, sizeof p, "%s/damaged.db", dir);
    rmn_store *s;
    TAP_OK(rmn_store_open(p, &s) == RMN_OK, "store for damaged evals");
    int64_t run = begin_run(s, "demo", "damaged", "democnn", 3);
    sqlite3 *db = s->db;
    sqlite3_exec(db, "PRAGMA ignore_check_constraints = ON", NULL, NULL, NULL);
    static const struct {
        int ns, nc;
        const char *rows, *what;
    } cases[] = {
        {0, -7, "", "n_classes -7"},
        {2000000000, 7, "", "2e9 samples claimed, none stored"},
        {1, 3, "0, 5, 1, zeroblob(24)", "a label outside [0, n_classes)"},
        {1, 3, "0, 1, -1, zeroblob(24)", "a negative prediction"},
        {1, 2, "0, 1, 1, zeroblob(8)", "a probs blob of 1 double for 2 classes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        char sql[512];
        snprintf(sql, sizeof sql, "INSERT INTO evals (run_id, split, n_samples, n_classes, n_correct, "
                 "created_ms) VALUES (%lld, 'test', %d, %d, 0, 0)", (long long)run, cases[i].ns,
                 cases[i].nc);
        sqlite3_exec(db, sql, NULL, NULL, NULL);
        int64_t eval_id = sqlite3_last_insert_rowid(db);
        if (cases[i].rows[0]) {
            snprintf(sql, sizeof sql, "INSERT INTO predictions VALUES (%lld, %s)",
                     (long long)eval_id, cases[i].rows);
            TAP_OK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "stored %s", cases[i].rows);
        }
        rmn_eval_data d;
        int rc = rmn_store_eval_load(s, eval_id, &d);
        TAP_OK(rc == RMN_EFORMAT && d.probs == NULL && strstr(rmn_error_message(), p),
               "damaged eval (%s) refused: %s", cases[i].what, rmn_error_message());
    }
    rmn_store_close(s);
}

// --- resolving ---------------------------------------------------------------------------------

static void test_resolve(void) {
    rmn_store *s = NULL;
    RMN_ASSERT(rmn_store_open(path, &s) == RMN_OK);
    int64_t a = begin_run(s, "resolve", "twice", "democnn", 1);
    int64_t b = begin_run(s, "resolve", "twice", "democnn", 2);
    char uuid[64], sql[200], ref[64];
    snprintf(sql, sizeof sql, "SELECT run_uuid FROM runs WHERE run_id=%lld", (long long)a);
    tu_text(s->db, sql, uuid, sizeof uuid);
    int64_t id = 0;
    snprintf(ref, sizeof ref, "%lld", (long long)a);
    TAP_OK(rmn_store_run_resolve(s, ref, &id) == RMN_OK && id == a, "resolve by id");
    TAP_OK(rmn_store_run_resolve(s, uuid, &id) == RMN_OK && id == a, "resolve by full uuid");
    snprintf(ref, sizeof ref, "%.8s", uuid);
    TAP_OK(rmn_store_run_resolve(s, ref, &id) == RMN_OK && id == a, "resolve by 8-digit prefix");
    for (char *p = ref; *p; ++p)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    TAP_OK(rmn_store_run_resolve(s, ref, &id) == RMN_OK && id == a, "prefix is case-insensitive");
    TAP_OK(rmn_store_run_resolve(s, "twice", &id) == RMN_OK && id == b,
           "resolve by name gives the newest run of that name");
    int rc = rmn_store_run_resolve(s, "no-such-run", &id);
    TAP_OK(rc == RMN_ENOTFOUND && strstr(rmn_error_message(), "no-such-run") &&
               strstr(rmn_error_message(), path),
           "unknown ref: ENOTFOUND naming ref and file: %s", rmn_error_message());
    snprintf(ref, sizeof ref, "%.5s", uuid);
    TAP_OK(rmn_store_run_resolve(s, ref, &id) == RMN_ENOTFOUND, "a 5-digit prefix is not enough");
    TAP_OK(rmn_store_run_resolve(s, "99999", &id) == RMN_ENOTFOUND, "unknown id");
    rmn_run_summary *runs = NULL;
    int n = 0;
    rc = rmn_store_runs(s, "resolve", &runs, &n);
    TAP_OK(rc == RMN_OK && n == 2 && runs[0].run_id == b && runs[1].run_id == a,
           "runs of an experiment, newest first");
    rmn_store_runs_free(runs, n);
    rc = rmn_store_runs(s, "nope", &runs, &n);
    TAP_OK(rc == RMN_ENOTFOUND, "runs of an unknown experiment: ENOTFOUND");
    rmn_store_run_finish(s, a, "FAILED", "test");
    rmn_store_run_finish(s, b, "FINISHED", NULL);
    rmn_store_close(s);
}

// --- locking ---------------------------------------------------------------------------------

static void test_locked(void) {
    rmn_store *s = NULL;
    rmn_store_options opt = {.busy_timeout_ms = 200};
    RMN_ASSERT(rmn_store_open_opts(path, &opt, &s) == RMN_OK);
    int64_t run = begin_run(s, "lock", "locked", "democnn", 3);
    double v1[] = {1.25, 0.5, 1.125, 0.625, 0.01};
    RMN_ASSERT(rmn_store_epoch(s, run, 1, 5, MKEYS, v1) == RMN_OK);

    sqlite3 *other = tu_raw(path);
    TAP_OK(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK,
           "another connection holds BEGIN EXCLUSIVE");
    sqlite3_exec(other, "INSERT INTO experiments (name, created_ms) VALUES ('intruder', 0)", NULL,
                 NULL, NULL);
    double t0 = wall_s();
    double v2[] = {1.0, 0.6, 0.9, 0.7, 0.01};
    int rc = rmn_store_epoch(s, run, 2, 5, MKEYS, v2);
    double dt = wall_s() - t0;
    TAP_OK(rc == RMN_EBUSY, "a write while locked gives RMN_EBUSY (%s)", rmn_status_name(rc));
    TAP_OK(strstr(rmn_error_message(), path) && strstr(rmn_error_message(), "locked"),
           "the message names the file: %s", rmn_error_message());
    TAP_OK(dt >= 0.15 && dt < 5.0, "it waited about the busy timeout (%.3f s)", dt);
    rmn_store *s2 = NULL;
    rc = rmn_store_open_opts(path, &opt, &s2);
    TAP_OK(rc == RMN_OK, "opening a current store while it is locked still works (reads only)");
    rmn_store_close(s2);
    sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);

    char sql[200];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM metrics WHERE run_id=%lld", (long long)run);
    TAP_OK(tu_int(other, sql) == 5, "the stored data is intact (epoch 1 only)");
    TAP_OK(rmn_store_epoch(s, run, 2, 5, MKEYS, v2) == RMN_OK && tu_int(other, sql) == 10,
           "the same write succeeds once the lock is gone");
    TAP_OK(rmn_store_set_busy_timeout(s, -1) == RMN_EINVAL, "negative busy timeout refused");
    rmn_store_run_finish(s, run, "FINISHED", NULL);
    sqlite3_close(other);
    rmn_store_close(s);

    /* read-only connections refuse writes */
    rmn_store_options ro = {.mode = RMN_STORE_READ};
    RMN_ASSERT(rmn_store_open_opts(path, &ro, &s) == RMN_OK);
    TAP_OK(rmn_store_run_tag(s, run, "x", "y") == RMN_EINVAL, "a read-only store refuses writes");
    rmn_store_close(s);
}

/* Open modes (only CREATE makes a store), names, the accuracy keys and the backup. */
static void test_modes_backup(const char *dir) {
    char other[600], copy[600];
    snprintf(other, sizeof other, "%s/rmm.db", dir);
    rmn_store *s = NULL;
    rmn_store_options w = {.mode = RMN_STORE_WRITE};
    int rc = rmn_store_open_opts(other, &w, &s);
    TAP_OK(rc == RMN_ENOTFOUND && access(other, F_OK) != 0 &&
               strstr(rmn_error_message(), "no such store") &&
               strstr(rmn_error_message(), "did you mean 'rmn.db'?"),
           "RMN_STORE_WRITE of a missing store: ENOTFOUND, nothing created, the store beside it "
           "named: %s", rmn_error_message());
    RMN_ASSERT(rmn_store_open_opts(path, &w, &s) == RMN_OK);
    int64_t run = begin_run(s, "modes", "backed-up", "democnn", 5);
    static const char *const keys[] = {"train_acc", "val_acc", "val_loss"};
    const double v[] = {0.5, 0.625, 1.25};
    RMN_ASSERT(rmn_store_epoch(s, run, 1, 3, keys, v) == RMN_OK);
    char **names;
    int n;
    rc = rmn_store_names(s, "runs", &names, &n);
    int found = 0;
    for (int i = 0; rc == RMN_OK && i < n; ++i) {
        found += strcmp(names[i], "backed-up") == 0;
        if (i > 0 && strcmp(names[i - 1], names[i]) >= 0)
            found = -100;
    }
    TAP_OK(rc == RMN_OK && found == 1, "rmn_store_names: run names sorted, each once (%d)", n);
    if (rc == RMN_OK)
        rmn_store_names_free(names, n);
    TAP_OK(rmn_metric_is_accuracy("val_acc") && rmn_metric_is_accuracy("train_acc") &&
               !rmn_metric_is_accuracy("val_loss") && !rmn_metric_is_accuracy("acc"),
           "accuracy metrics are the keys ending in _acc");

    snprintf(copy, sizeof copy, "%s/copy.db", dir);
    TAP_OK(rmn_store_backup(s, copy) == RMN_OK, "backup of an open store");
    rmn_store_close(s);
    rmn_store *c = NULL;
    rmn_store_options r = {.mode = RMN_STORE_READ};
    rc = rmn_store_open_opts(copy, &r, &c);
    rmn_metric_table t;
    memset(&t, 0, sizeof t);
    int64_t id = 0;
    if (rc == RMN_OK && (rc = rmn_store_run_resolve(c, "backed-up", &id)) == RMN_OK)
        rc = rmn_store_run_metrics(c, id, &t);
    double val_acc = NAN;
    for (int k = 0; rc == RMN_OK && k < t.n_keys; ++k)
        if (strcmp(t.keys[k], "val_acc") == 0)
            val_acc = t.values[k];
    TAP_OK(rc == RMN_OK && t.n_epochs == 1 && val_acc == 0.625,
           "the copy opens read-only and holds the run and its metrics");
    rmn_metric_table_free(&t);
    rmn_store_close(c);
    sqlite3 *a = tu_raw(copy), *b = tu_raw(path);
    TAP_OK(tu_int(a, "SELECT COUNT(*) FROM runs") == tu_int(b, "SELECT COUNT(*) FROM runs"),
           "as many runs as the original");
    sqlite3_close(a);
    sqlite3_close(b);
    RMN_ASSERT(rmn_store_open_opts(path, &r, &s) == RMN_OK);
    FILE *f = fopen(copy, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    rc = rmn_store_backup(s, copy);
    f = fopen(copy, "rb");
    fseek(f, 0, SEEK_END);
    TAP_OK(rc == RMN_EINVAL && ftell(f) == size && strstr(rmn_error_message(), "exists"),
           "a backup never replaces a file: %s", rmn_error_message());
    fclose(f);
    rmn_store_close(s);
}

int main(void) {
    const char *dir = tu_tmpdir();
    snprintf(path, sizeof path, "%s/rmn.db", dir);
    unsetenv("RMN_DB");
    TAP_OK(strcmp(rmn_store_default_path(), "rmn.db") == 0, "default path rmn.db");
    setenv("RMN_DB", "/x/y.db", 1);
    TAP_OK(strcmp(rmn_store_default_path(), "/x/y.db") == 0, "default path from RMN_DB");
    unsetenv("RMN_DB");

    test_schema(dir);
    test_roundtrip();
    test_integrity();
    test_damaged_eval(dir);
    test_resolve();
    test_locked();
    test_modes_backup(dir);

    tu_rmrf(dir);
    return tap_done();
}

/* fuzz-probs-blob.c -- libFuzzer target: an evaluation's stored predictions (n_samples and
 * n_classes of the evals row, and per sample its index, label, prediction and the probs blob
 * of n_classes little-endian doubles) as rmn_store_eval_load, rmn_store_confusion and
 * rmn_store_run_evals read them back. The rows are written with CHECK constraints off, as a
 * damaged or hand-edited store would hold them, inside a transaction rolled back after each
 * input, in a scratch store created once per process.
 *
 * Input: int32 n_samples, int32 n_classes, uint8 split, then rows of
 * int8 sample_idx, int8 label, int8 pred, uint8 blob length, blob bytes. */
#include "fuzz-util.h"

#include "core/error.h"
#include "store/store.h"
#include "store/store_sql.h" /* the connection, for raw SQL checks */

static rmn_store *store;
static int64_t run_id;
static char db_path[4096];

static void close_store(void) {
    rmn_store_close(store);
    static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
    for (int i = 0; i < 4; ++i) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", db_path, ext[i]);
        unlink(p);
    }
}

static void open_store(void) {
    const char *dir = getenv("TMPDIR");
    snprintf(db_path, sizeof db_path, "%s/rmn-fuzz-store-%ld.db", dir && *dir ? dir : "/tmp",
             (long)getpid());
    rmn_run_info info = {.experiment = "fuzz", .name = "fuzz-s1", .kind = "eval",
                         .model = "democnn", .seed = 1, .config_text = "seed=1\n", .n_threads = 1};
    if (rmn_store_open(db_path, &store) != RMN_OK || rmn_store_run_begin(store, &info, &run_id) != RMN_OK ||
        sqlite3_exec(store->db, "PRAGMA ignore_check_constraints = ON; PRAGMA synchronous = OFF",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "fuzz-probs-blob: cannot make a scratch store: %s\n", rmn_error_message());
        abort();
    }
    atexit(close_store);
}

static int32_t get_i32(const uint8_t *p) {
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    int32_t v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static void check_loaded(int64_t eval_id) {
    rmn_eval_data d;
    rmn_error_clear();
    if (rmn_store_eval_load(store, eval_id, &d) != RMN_OK) {
        if (d.probs || d.labels || !rmn_error_message()[0])
            abort();
    } else {
        double sum = 0;
        for (int i = 0; i < d.n_samples; ++i) {
            sum += d.sample_idx[i] + d.labels[i] + d.preds[i];
            for (int c = 0; c < d.n_classes; ++c)
                sum += d.probs[(size_t)i * (size_t)d.n_classes + (size_t)c];
        }
        fuzz_keep(sum);
        rmn_eval_data_free(&d);
    }
    rmn_eval_summary *ev = NULL;
    int n = 0;
    if (rmn_store_run_evals(store, run_id, &ev, &n) == RMN_OK)
        rmn_store_evals_free(ev);
}

static void check_confusion(int64_t eval_id, int32_t nc) {
    if (nc < 1 || nc > 64)
        return;
    int64_t counts[64 * 64];
    (void)rmn_store_confusion(store, eval_id, nc, counts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 9)
        return 0;
    if (!store)
        open_store();
    sqlite3 *db = store->db;
    int32_t ns = get_i32(data), nc = get_i32(data + 4);
    static const char *const splits[] = {"train", "val", "test"};
    const char *split = splits[data[8] % 3];
    data += 9;
    size -= 9;
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        abort();
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO evals (run_id, split, n_samples, n_classes, n_correct, "
                               "created_ms) VALUES (?1, ?2, ?3, ?4, 0, 0)", -1, &st, NULL) != SQLITE_OK)
        abort();
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_text(st, 2, split, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, ns);
    sqlite3_bind_int(st, 4, nc);
    if (sqlite3_step(st) != SQLITE_DONE)
        abort();
    sqlite3_finalize(st);
    int64_t eval_id = sqlite3_last_insert_rowid(db);
    if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO predictions (eval_id, sample_idx, label, pred, "
                               "probs) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK)
        abort();
    while (size >= 4) {
        size_t len = data[3];
        if (len > size - 4)
            len = size - 4;
        sqlite3_bind_int64(st, 1, eval_id);
        sqlite3_bind_int(st, 2, (int8_t)data[0]);
        sqlite3_bind_int(st, 3, (int8_t)data[1]);
        sqlite3_bind_int(st, 4, (int8_t)data[2]);
        sqlite3_bind_blob(st, 5, data + 4, (int)len, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            abort();
        sqlite3_reset(st);
        data += 4 + len;
        size -= 4 + len;
    }
    sqlite3_finalize(st);
    check_loaded(eval_id);
    check_confusion(eval_id, nc);
    if (sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
        abort();
    return 0;
}

/* test-store-faults.c -- a full disk and I/O errors for the run store, at every write and every
 * sync of a run's life. A SQLite VFS registered by this test (as the default, so the store's own
 * sqlite3_open_v2 uses it) wraps the platform's and fails the k-th xWrite with SQLITE_FULL or
 * SQLITE_IOERR_WRITE, or the k-th xSync with SQLITE_IOERR_FSYNC, once or from then on (a disk
 * that stays full). For every k the store's real API is driven through a run's life -- open
 * (schema creation), begin, params, tags, three epochs of metrics, an artifact, val and test
 * evals with their predictions, finish -- as the trainer does (on an error it marks the run
 * FAILED, which may fail too). Then, the fault removed:
 *   - the failure was a clear error value: RMN_EIO naming the store file and what was being
 *     written, or the fault was absorbed (a checkpoint of the WAL, retried later) and the run
 *     is whole;
 *   - the reopened store passes integrity_check and foreign_key_check, holds no half-written
 *     epoch or eval, and a run, if there is one, is tagged with its process (resumable);
 *   - continuing the life where it stopped (reopen the run, skip the evals already there)
 *     ends with exactly what a run without faults stores. */
#include "core/error.h"
#include "store/store.h"
#include "tap.h"
#include "store-util.h"

#include <math.h>
#include <unistd.h>

// --- the faulty VFS -------------------------------------------------------------------------------

enum { OP_WRITE = 1, OP_SYNC = 2 };

static struct fault_state {
    int  ops;      /* which calls are counted: OP_WRITE or OP_SYNC */
    long at;       /* the k-th counted call fails; 0 = count only */
    int  sticky;   /* and every one after it */
    int  code;     /* SQLITE_FULL, SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC */
    long n;        /* counted calls so far */
    long injected; /* faults returned */
} F;

typedef struct {
    sqlite3_file  base;
    sqlite3_file *real; /* the platform's file, right behind this struct */
} ffile;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs  fault_vfs;

static int fault(int op) {
    if (!(F.ops & op))
        return SQLITE_OK;
    long i = ++F.n;
    if (F.at <= 0 || i < F.at || (i > F.at && !F.sticky))
        return SQLITE_OK;
    ++F.injected;
    return F.code;
}

#define REAL(f) (((ffile *)(f))->real)
static int f_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int f_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o) { return REAL(f)->pMethods->xRead(REAL(f), b, n, o); }
static int f_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o) {
    int rc = fault(OP_WRITE);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 n) { return REAL(f)->pMethods->xTruncate(REAL(f), n); }
static int f_sync(sqlite3_file *f, int flags) {
    int rc = fault(OP_SYNC);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *n) { return REAL(f)->pMethods->xFileSize(REAL(f), n); }
static int f_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int f_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int f_reserved(sqlite3_file *f, int *r) { return REAL(f)->pMethods->xCheckReservedLock(REAL(f), r); }
static int f_control(sqlite3_file *f, int op, void *a) { return REAL(f)->pMethods->xFileControl(REAL(f), op, a); }
static int f_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int f_device(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int f_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **p) {
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, p);
}
static int f_shm_lock(sqlite3_file *f, int off, int n, int flags) { return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags); }
static void f_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int f_shm_unmap(sqlite3_file *f, int del) { return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }
static int f_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **p) { return REAL(f)->pMethods->xFetch(REAL(f), o, n, p); }
static int f_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p) { return REAL(f)->pMethods->xUnfetch(REAL(f), o, p); }

static const sqlite3_io_methods fault_methods = {
    3, f_close, f_read, f_write, f_truncate, f_sync, f_size, f_lock, f_unlock, f_reserved, f_control, f_sector,
    f_device, f_shm_map, f_shm_lock, f_shm_barrier, f_shm_unmap, f_fetch, f_unfetch};

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags) {
    (void)vfs;
    ffile *f = (ffile *)file;
    f->real = (sqlite3_file *)(f + 1);
    f->base.pMethods = NULL;
    int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    if (f->real->pMethods) {
        if (f->real->pMethods->iVersion < 3) {
            f->real->pMethods->xClose(f->real);
            return SQLITE_CANTOPEN;
        }
        f->base.pMethods = &fault_methods;
    }
    return rc;
}

static void fault_vfs_register(void) {
    real_vfs = sqlite3_vfs_find(NULL);
    fault_vfs = *real_vfs;
    fault_vfs.zName = "rmn-faults";
    fault_vfs.szOsFile = (int)sizeof(ffile) + real_vfs->szOsFile;
    fault_vfs.xOpen = f_open;
    fault_vfs.pNext = NULL;
    if (sqlite3_vfs_register(&fault_vfs, 1) != SQLITE_OK) {
        fprintf(stderr, "cannot register the fault VFS\n");
        exit(99);
    }
}

// --- a run's life through the store's API ------------------------------------------------------------

enum { N_EVAL = 120, N_CLASSES = 7, N_EPOCHS = 3, N_STEPS = 12 };
static const char *const STEP_NAMES[N_STEPS] = {"open", "begin", "params", "tag", "epoch 1", "epoch 2",
                                                "epoch 3", "artifact", "eval val", "eval test TTA",
                                                "weights tag", "finish"};
static const char *const MKEYS[] = {"train_loss", "train_acc", "val_loss", "val_acc", "lr", "epoch_s", "images_per_s"};
static int32_t idx[N_EVAL], labels[N_EVAL], preds[N_EVAL];
static double  probs[N_EVAL * N_CLASSES];

static void make_eval_data(void) {
    for (int i = 0; i < N_EVAL; ++i) {
        idx[i] = i;
        labels[i] = (i * 5 + 3) % N_CLASSES;
        preds[i] = i % 3 ? labels[i] : (labels[i] + 1) % N_CLASSES;
        double sum = 0;
        for (int c = 0; c < N_CLASSES; ++c)
            sum += probs[i * N_CLASSES + c] = 0.0125 + 0.37 * ((i * 13 + c * 7) % 11) / 11.0 + (c == preds[i]);
        for (int c = 0; c < N_CLASSES; ++c)
            probs[i * N_CLASSES + c] /= sum;
    }
}

static int has_eval(rmn_store *s, int64_t run, const char *split, int tta_n) {
    rmn_eval_summary *ev;
    int n, found = 0;
    if (rmn_store_run_evals(s, run, &ev, &n) != RMN_OK)
        return -1;
    for (int i = 0; i < n; ++i)
        found |= strcmp(ev[i].split, split) == 0 && ev[i].tta_n == tta_n;
    rmn_store_evals_free(ev);
    return found;
}

/* Step i of the life; *run is the run's id once begun. */
static int step(rmn_store **s, const char *path, int i, int64_t *run) {
    static const char *const pkeys[] = {"arch", "lr", "batch_size", "seed", "data", "threads"};
    static const char *const pvals[] = {"democnn", "0.0125", "48", "7", "sample.csv", "1"};
    switch (i) {
    case 0:
        return rmn_store_open(path, s);
    case 1: {
        rmn_run_info info = {.experiment = "faults", .name = "faultcnn-s7", .kind = "train", .model = "democnn",
                             .n_params = 15455, .seed = 7, .config_text = "arch=democnn\nlr=0.0125\n",
                             .dataset_sha256 = "c0ffee", .n_threads = 1};
        return rmn_store_run_begin(*s, &info, run);
    }
    case 2:
        return rmn_store_run_params(*s, *run, 6, pkeys, pvals);
    case 3:
        return rmn_store_run_tag(*s, *run, "checkpoint_dir", "/ckpt/faultcnn");
    case 4:
    case 5:
    case 6: {
        int e = i - 3;
        double v[7] = {1.9 - 0.1 * e, 0.2 + 0.05 * e, 1.8 - 0.1 * e, 0.21 + 0.04 * e, 0.0125, 1.5, 1234.5};
        return rmn_store_epoch(*s, *run, e, 7, MKEYS, v);
    }
    case 7:
        return rmn_store_artifact(*s, *run, "checkpoint-last", "/ckpt/faultcnn/last.safetensors",
                                  "5e1f00000000000000000000000000000000000000000000000000000000aaaa", 61234);
    case 8:
    case 9: {
        const char *split = i == 8 ? "val" : "test";
        int tta = i == 8 ? 0 : 3, found = has_eval(*s, *run, split, tta);
        if (found < 0)
            return rmn_error_code();
        if (found) /* as the trainer: an eval stored by an earlier attempt is not stored again */
            return RMN_OK;
        rmn_eval_record rec = {.split = split, .tta_n = tta, .tta_seed = 1234, .n_samples = N_EVAL,
                               .n_classes = N_CLASSES, .sample_idx = idx, .labels = labels, .preds = preds,
                               .probs = probs, .loss = 1.625};
        return rmn_store_eval(*s, *run, &rec, NULL);
    }
    case 10:
        return rmn_store_run_tag(*s, *run, "weights_sha256", "ab54");
    default:
        return rmn_store_run_finish(*s, *run, "FINISHED", NULL);
    }
}

typedef struct {
    int  failed_step; /* N_STEPS when every step succeeded */
    int  code;
    char message[1024];
    char place[256]; /* the error's source place (core/error.h) */
    int64_t run;
} life_result;

/* Steps from..N_STEPS-1; on an error, marks the run FAILED (which may fail too) and stops. */
static void live(rmn_store **s, const char *path, int from, life_result *r) {
    r->failed_step = N_STEPS;
    for (int i = from; i < N_STEPS; ++i) {
        int rc = step(s, path, i, &r->run);
        if (rc == RMN_OK)
            continue;
        r->failed_step = i;
        r->code = rc;
        snprintf(r->message, sizeof r->message, "%s", rmn_error_message());
        snprintf(r->place, sizeof r->place, "%s", rmn_error_place());
        if (r->run > 0)
            (void)rmn_store_run_finish(*s, r->run, "FAILED", r->message);
        return;
    }
}

// --- what a store must hold -------------------------------------------------------------------------

/* Consistency after any fault: "" or the first problem. */
static const char *problems(sqlite3 *db) {
    static char buf[512];
    char t[256];
    if (strcmp(tu_text(db, "PRAGMA integrity_check", t, sizeof t), "ok") != 0)
        return snprintf(buf, sizeof buf, "integrity_check: %s", t), buf;
    if (tu_int(db, "SELECT COUNT(*) FROM pragma_foreign_key_check") != 0)
        return "foreign_key_check reports rows";
    if (tu_int(db, "SELECT COUNT(*) FROM sqlite_schema") == 0)
        return ""; /* the schema's creation failed as a whole */
    if (tu_int(db, "PRAGMA user_version") != RMN_STORE_SCHEMA_VERSION)
        return "schema version not current";
    if (tu_int(db, "SELECT COUNT(*) FROM runs") > 1)
        return "more than one run";
    if (tu_int(db, "SELECT COUNT(*) FROM (SELECT e.eval_id FROM evals e LEFT JOIN predictions p USING (eval_id) "
                   "GROUP BY e.eval_id HAVING COUNT(p.sample_idx) != e.n_samples)") != 0)
        return "an eval with a part of its predictions";
    if (tu_int(db, "SELECT COUNT(*) FROM evals e WHERE n_correct != (SELECT COUNT(*) FROM predictions p "
                   "WHERE p.eval_id = e.eval_id AND p.label = p.pred)") != 0)
        return "an eval whose n_correct disagrees with its predictions";
    if (tu_int(db, "SELECT COUNT(*) FROM (SELECT step FROM metrics GROUP BY run_id, step HAVING COUNT(*) != 7)") != 0)
        return "an epoch with a part of its metrics";
    if (tu_int(db, "SELECT COUNT(*) FROM params GROUP BY run_id HAVING COUNT(*) != 6") > 0)
        return "a part of the params";
    if (tu_int(db, "SELECT COUNT(*) FROM runs r WHERE (SELECT COUNT(*) FROM tags t WHERE t.run_id = r.run_id "
                   "AND t.key IN ('host', 'pid')) != 2") != 0)
        return "a run without its process tags (not resumable)";
    if (tu_int(db, "SELECT COUNT(*) FROM runs r WHERE status = 'FINISHED' AND ("
                   "(SELECT COUNT(*) FROM metrics m WHERE m.run_id = r.run_id) != 21 OR "
                   "(SELECT COUNT(*) FROM evals e WHERE e.run_id = r.run_id) != 2 OR "
                   "(SELECT COUNT(*) FROM params p WHERE p.run_id = r.run_id) != 6 OR "
                   "NOT EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.run_id AND key = 'weights_sha256'))") != 0)
        return "a FINISHED run that is not complete";
    return "";
}

/* Everything a whole run stores, as one line (ids and times left out). */
static const char *contents(sqlite3 *db, char *buf, size_t cap) {
    char a[512], b[256], c[256], d[256];
    tu_text(db, "SELECT group_concat(x, ';') FROM (SELECT name || ':' || status || ':' || kind || ':' || seed AS x "
                "FROM runs ORDER BY name)", a, sizeof a);
    tu_text(db, "SELECT COUNT(*) || '/' || printf('%.6f', SUM(value)) FROM metrics", b, sizeof b);
    tu_text(db, "SELECT group_concat(x, ';') FROM (SELECT split || tta_n || ':' || n_correct || ':' || "
                "(SELECT COUNT(*) || '/' || SUM(pred * 7 + label) || '/' || SUM(length(probs)) FROM predictions p "
                "WHERE p.eval_id = e.eval_id) AS x FROM evals e ORDER BY split, tta_n)", c, sizeof c);
    tu_text(db, "SELECT (SELECT COUNT(*) FROM params) || '/' || (SELECT group_concat(key, ',') FROM "
                "(SELECT key FROM tags ORDER BY key)) || '/' || (SELECT COUNT(*) FROM artifacts)", d, sizeof d);
    snprintf(buf, cap, "runs %s | metrics %s | evals %s | params/tags/artifacts %s", a, b, c, d);
    return buf;
}

// --- one fault ---------------------------------------------------------------------------------------

typedef struct {
    const char *label;
    int ops, code, sticky;
    long n_total;            /* counted calls in a life without faults */
    int  errors, absorbed;   /* cases that failed with an error / that the store absorbed */
    int  unclear, unreached, inconsistent, unrecovered;
    char first_bad[1400];
} campaign;

static char dir_path[600], db_path[700];
static char want[2048];

static void note(campaign *c, long k, const char *what) {
    if (!c->first_bad[0])
        snprintf(c->first_bad, sizeof c->first_bad, "k=%ld: %s", k, what);
}

/* 1 when the message is a clear one: the store's file, what was written, and the disk's error;
 * its source place (kept apart, core/error.h) in the store. */
static int clear_message(const life_result *r) {
    const char *m = r->message;
    return strstr(m, db_path) != NULL &&
           (strstr(m, "disk is full") != NULL || strstr(m, "disk I/O error") != NULL) &&
           strncmp(r->place, "src/store/", 10) == 0;
}

static void one_fault(campaign *c, long k) {
    char wal[800], shm[800];
    snprintf(wal, sizeof wal, "%s-wal", db_path);
    snprintf(shm, sizeof shm, "%s-shm", db_path);
    unlink(db_path), unlink(wal), unlink(shm);
    rmn_error_clear();

    F = (struct fault_state){.ops = c->ops, .at = k, .sticky = c->sticky, .code = c->code};
    rmn_store *s = NULL;
    life_result r = {0};
    live(&s, db_path, 0, &r);
    rmn_store_close(s); /* closing checkpoints the WAL: may meet the fault too */
    s = NULL;
    F.at = 0; /* the fault is removed */
    if (F.injected == 0 && k <= (c->n_total > 20 ? c->n_total - 8 : c->n_total)) {
        /* (the last few calls, the WAL's checkpoint at close, vary by a page or two with the
         * sizes of the values stored -- times among them: a fault past the end is no fault) */
        ++c->unreached;
        note(c, k, "the fault was never reached");
    }

    if (r.failed_step < N_STEPS) {
        ++c->errors;
        if (r.code != RMN_EIO || !clear_message(&r)) {
            ++c->unclear;
            char m[1300];
            snprintf(m, sizeof m, "unclear error: status %s at %s: %.1000s", rmn_status_name(r.code),
                     STEP_NAMES[r.failed_step], r.message);
            note(c, k, m);
        }
    } else {
        ++c->absorbed;
    }

    sqlite3 *raw = tu_raw(db_path);
    const char *p = problems(raw);
    if (*p) {
        ++c->inconsistent;
        char m[600];
        snprintf(m, sizeof m, "after the fault (at %s): %s", r.failed_step < N_STEPS ? STEP_NAMES[r.failed_step] : "-", p);
        note(c, k, m);
    }
    sqlite3_close(raw);

    /* recovery: open again (migrating if the schema's creation failed), reopen the run, go on */
    int rc = rmn_store_open(db_path, &s);
    if (rc == RMN_OK && r.failed_step < N_STEPS) {
        int from = r.failed_step;
        if (from <= 1) { /* the store or the run's row never made it: begin the run */
            from = 1;
            r.run = 0;
        } else {
            rc = rmn_store_run_reopen(s, r.run);
        }
        if (rc == RMN_OK) {
            live(&s, db_path, from, &r);
            rc = r.failed_step < N_STEPS ? r.code : RMN_OK;
        }
    }
    rmn_store_close(s);
    raw = tu_raw(db_path);
    char got[2048];
    contents(raw, got, sizeof got);
    p = problems(raw);
    sqlite3_close(raw);
    if (rc != RMN_OK || *p || strcmp(got, want) != 0) {
        ++c->unrecovered;
        char m[1300];
        snprintf(m, sizeof m, "not recovered: rc %s %.200s / %.100s / %.900s", rmn_status_name(rc),
                 rc ? rmn_error_message() : "", p, got);
        note(c, k, m);
    }
}

static void run_campaign(campaign *c) {
    for (long k = 1; k <= c->n_total; ++k)
        one_fault(c, k);
    TAP_OK(c->unclear == 0 && c->unreached == 0, "%s, k = 1..%ld: every fault reached, every failure is RMN_EIO naming the store, what and where "
           "(%d errors, %d absorbed)%s%s", c->label, c->n_total, c->errors, c->absorbed,
           c->unclear || c->unreached ? ": " : "", c->unclear || c->unreached ? c->first_bad : "");
    TAP_OK(c->inconsistent == 0, "%s: after each, the store passes integrity, foreign keys, no half-written "
           "epoch, eval or params, the run tagged with its process%s%s", c->label,
           c->inconsistent ? ": " : "", c->inconsistent ? c->first_bad : "");
    TAP_OK(c->unrecovered == 0, "%s: after each, the run goes on where it stopped and ends as a run without "
           "faults%s%s", c->label, c->unrecovered ? ": " : "", c->unrecovered ? c->first_bad : "");
}

int main(void) {
    fault_vfs_register();
    make_eval_data();
    snprintf(dir_path, sizeof dir_path, "%s", tu_tmpdir());
    snprintf(db_path, sizeof db_path, "%s/faults.db", dir_path);
    TAP_OK(strcmp(sqlite3_vfs_find(NULL)->zName, "rmn-faults") == 0, "the fault VFS is the default");

    /* a life without faults: what every recovered life must end with, and the calls counted */
    long n_writes, n_syncs;
    {
        rmn_store *s = NULL;
        life_result r = {0};
        F = (struct fault_state){.ops = OP_WRITE};
        live(&s, db_path, 0, &r);
        rmn_store_close(s);
        n_writes = F.n;
        TAP_OK(r.failed_step == N_STEPS, "a life without faults: %s", r.failed_step == N_STEPS ? "ok" : r.message);
        unlink(db_path);
        F = (struct fault_state){.ops = OP_SYNC};
        s = NULL;
        live(&s, db_path, 0, &r);
        rmn_store_close(s);
        n_syncs = F.n;
        sqlite3 *raw = tu_raw(db_path);
        contents(raw, want, sizeof want);
        TAP_OK(*problems(raw) == '\0' && strstr(want, "faultcnn-s7:FINISHED") && strstr(want, "metrics 21/"),
               "its store: %s", want);
        sqlite3_close(raw);
        TAP_OK(n_writes > 20 && n_syncs >= 1, "%ld writes and %ld syncs in a run's life", n_writes, n_syncs);
    }

    campaign cs[] = {
        {.label = "disk full at one write (SQLITE_FULL)", .ops = OP_WRITE, .code = SQLITE_FULL, .n_total = n_writes},
        {.label = "disk full from one write on", .ops = OP_WRITE, .code = SQLITE_FULL, .sticky = 1, .n_total = n_writes},
        {.label = "I/O error at one write (SQLITE_IOERR_WRITE)", .ops = OP_WRITE, .code = SQLITE_IOERR_WRITE,
         .n_total = n_writes},
        {.label = "I/O error at one fsync (SQLITE_IOERR_FSYNC)", .ops = OP_SYNC, .code = SQLITE_IOERR_FSYNC,
         .n_total = n_syncs},
        {.label = "fsync failing from one on", .ops = OP_SYNC, .code = SQLITE_IOERR_FSYNC, .sticky = 1,
         .n_total = n_syncs},
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; ++i)
        run_campaign(&cs[i]);

    tu_rmrf(dir_path);
    return tap_done();
}

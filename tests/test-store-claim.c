/* test-store-claim.c -- claiming runs in the store (schema version 2): what one claim decides
 * (new, finished, held by a live process, taken over from a dead one, a stopped one resumed),
 * that no path can write a second RUNNING/FINISHED row of one run, that the migration from
 * version 1 keeps an old store's duplicate runs (from the race it closes) without touching them,
 * and 8 processes racing for the same 24 runs on a brand-new store and on a version 1 store
 * (racing to migrate it): each run claimed NEW by exactly one of them, no "database is
 * locked". */
#include "core/error.h"
#include "core/sha256.h"
#include "store/store.h"
#include "tap.h"
#include "store-util.h"

#include <sys/wait.h>
#include <unistd.h>

static int always_live(const rmn_run_claim *c, void *ctx) {
    (void)c, (void)ctx;
    return 1;
}
static int never_live(const rmn_run_claim *c, void *ctx) {
    (void)c, (void)ctx;
    return 0;
}

static rmn_process_id proc(const char *host, int64_t pid, const char *token) {
    rmn_process_id p;
    memset(&p, 0, sizeof p);
    snprintf(p.host, sizeof p.host, "%s", host);
    p.pid = pid;
    snprintf(p.token, sizeof p.token, "%s", token);
    return p;
}

static rmn_run_info info_of(const char *exp, const char *name, int64_t seed, const char *config) {
    return (rmn_run_info){.experiment = exp, .name = name, .kind = "train", .model = "democnn",
                          .n_params = 17, .seed = seed, .config_text = config, .n_threads = 1};
}

// --- one process's claims ----------------------------------------------------------------------

static void test_decisions(const char *dir) {
    char path[700];
    snprintf(path, sizeof path, "%s/claims.db", dir);
    rmn_store *s = NULL;
    TAP_OK(rmn_store_open(path, &s) == RMN_OK, "store opened");
    rmn_process_id a = proc("host-a", 101, "boot:1"), b = proc("host-b", 202, "boot:2");
    rmn_run_info info = info_of("exp", "net-s1", 1, "arch=democnn\nlr=0.1\n");
    int outcome = 0;
    rmn_run_claim row;
    TAP_OK(rmn_store_run_claim(s, &info, &a, always_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_NEW && row.run_id > 0 && strcmp(row.status, "RUNNING") == 0,
           "a first claim inserts the run: NEW, RUNNING (%s)", rmn_error_message());
    const int64_t run = row.run_id;
    sqlite3 *raw = tu_raw(path);
    char buf[300];
    TAP_OK(strcmp(tu_text(raw, "SELECT owner_host || ':' || owner_pid || ':' || owner_token FROM runs", buf,
                          sizeof buf),
                  "host-a:101:boot:1") == 0,
           "the holder is recorded in the row (%s)", buf);
    TAP_OK(strcmp(tu_text(raw, "SELECT group_concat(key || '=' || value, ',') FROM (SELECT * FROM tags ORDER BY key)",
                          buf, sizeof buf),
                  "host=host-a,pid=101") == 0,
           "and in the host and pid tags (%s)", buf);

    TAP_OK(rmn_store_run_claim(s, &info, &b, always_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_LIVE && row.run_id == run && row.owner.pid == 101 &&
               strcmp(row.owner.host, "host-a") == 0,
           "a second process sees it held by the live first one (LIVE, holder pid 101 of host-a)");
    TAP_OK(rmn_store_run_claim(s, &info, &a, always_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_TAKEN_OVER && row.run_id == run,
           "its holder claiming it again gets it back (a leftover of its own)");
    TAP_OK(rmn_store_run_claim(s, &info, &b, never_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_TAKEN_OVER && row.run_id == run && row.owner.pid == 202,
           "a dead holder's run is taken over, in its own row");
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM runs") == 1 &&
               strcmp(tu_text(raw, "SELECT owner_host || ':' || owner_pid FROM runs", buf, sizeof buf),
                      "host-b:202") == 0 &&
               tu_int(raw, "SELECT value FROM tags WHERE key = 'pid'") == 202,
           "still one row, now held by host-b:202 (%s)", buf);
    TAP_OK(rmn_store_run_claim(s, &info, &a, always_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_LIVE && row.owner.pid == 202,
           "and the first process, come back, sees it held");

    int64_t dup = 0;
    int rc = rmn_store_run_begin(s, &info, &dup);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "already running or finished") &&
               strstr(rmn_error_message(), "claims.db"),
           "inserting the same run again is refused by the index: %s", rmn_error_message());
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM runs") == 1, "and writes nothing");

    TAP_OK(rmn_store_run_finish(s, run, "KILLED", "stopped") == RMN_OK &&
               rmn_store_run_claim(s, &info, &a, always_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_TAKEN_OVER && row.run_id == run &&
               tu_int(raw, "SELECT COUNT(*) FROM runs WHERE status = 'RUNNING' AND error_text IS NULL "
                           "AND end_ms IS NULL") == 1,
           "a KILLED run is taken over and RUNNING again, its error cleared");
    TAP_OK(rmn_store_run_finish(s, run, "FINISHED", NULL) == RMN_OK &&
               rmn_store_run_claim(s, &info, &b, never_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_FINISHED && row.run_id == run,
           "a FINISHED run: FINISHED, nothing to do");
    rmn_run_info other = info_of("exp", "net-s1", 1, "arch=democnn\nlr=0.2\n");
    TAP_OK(rmn_store_run_claim(s, &other, &b, never_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_NEW && row.run_id != run,
           "the same name with another configuration is another run");
    other = info_of("exp", "net-s1", 2, "arch=democnn\nlr=0.1\n");
    TAP_OK(rmn_store_run_claim(s, &other, &b, never_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_NEW,
           "and with another seed");
    other = info_of("exp2", "net-s1", 1, "arch=democnn\nlr=0.1\n");
    TAP_OK(rmn_store_run_claim(s, &other, &b, never_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_NEW,
           "and in another experiment");

    TAP_OK(rmn_store_run_claim_id(s, run, &a, never_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_FINISHED,
           "claim by id: a finished run stays finished");
    TAP_OK(rmn_store_run_claim_id(s, 9999, &a, never_live, NULL, &outcome, &row) == RMN_ENOTFOUND,
           "claim by id of no run: ENOTFOUND");
    rmn_process_id nobody = proc("", 0, "");
    TAP_OK(rmn_store_run_claim(s, &info, &nobody, never_live, NULL, &outcome, &row) == RMN_EINVAL,
           "a claim without host and pid is refused");

    TAP_OK(rmn_store_wait_begin(s, &a, run) == RMN_OK && rmn_store_wait_begin(s, &a, run) == RMN_OK &&
               rmn_store_wait_begin(s, &b, run) == RMN_OK,
           "waits recorded (twice the same: one row)");
    rmn_wait *w = NULL;
    int nw = 0;
    TAP_OK(rmn_store_waits(s, &w, &nw) == RMN_OK && nw == 2 && w[0].run_id == run, "two waits read back");
    free(w);
    TAP_OK(rmn_store_wait_end(s, &a) == RMN_OK && rmn_store_waits(s, &w, &nw) == RMN_OK && nw == 1 &&
               w[0].waiter.pid == 202,
           "wait_end drops only the waiter's rows");
    free(w);
    sqlite3_close(raw);
    rmn_store_close(s);
}

// --- migration from version 1 with duplicates ------------------------------------------------------

static void insert_v1_run(sqlite3 *raw, int id, const char *status, const char *config) {
    char sha[RMN_SHA256_HEX], sql[1200];
    rmn_sha256_hex(config, strlen(config), sha);
    snprintf(sql, sizeof sql,
             "INSERT INTO runs (run_id, run_uuid, experiment_id, name, kind, status, start_ms, updated_ms, "
             "seed, config_text, config_sha256, tool_version) VALUES (%d, printf('%%032d', %d), 1, 'net-s1', "
             "'train', '%s', %d, %d, 1, '%s', '%s', 'v1')",
             id, id, status, 1000 + id, 2000 + id, config, sha);
    char *err = NULL;
    if (sqlite3_exec(raw, sql, NULL, NULL, &err) != SQLITE_OK) {
        tap_diag("insert: %s", err);
        sqlite3_free(err);
    }
}

static void test_migration(const char *dir) {
    int rc;
    char path[700];
    snprintf(path, sizeof path, "%s/v1.db", dir);
    rmn_store *s = NULL;
    rmn_store_options v1 = {.migrate_to = 1};
    TAP_OK(rmn_store_open_opts(path, &v1, &s) == RMN_OK, "a version 1 store made");
    rmn_store_close(s);
    sqlite3 *raw = tu_raw(path);
    TAP_OK(tu_int(raw, "PRAGMA user_version") == 1, "at version 1");
    sqlite3_exec(raw, "INSERT INTO experiments (experiment_id, name, created_ms) VALUES (1, 'exp', 1)", NULL, NULL,
                 NULL);
    const char *cfg = "arch=democnn\n";
    /* the race's leftovers: two FINISHED rows and a RUNNING one of one run, a KILLED attempt */
    insert_v1_run(raw, 1, "KILLED", cfg);
    insert_v1_run(raw, 2, "FINISHED", cfg);
    insert_v1_run(raw, 3, "FINISHED", cfg);
    insert_v1_run(raw, 4, "RUNNING", cfg);
    insert_v1_run(raw, 5, "RUNNING", "arch=democnn\nwidth=8\n"); /* another run, held */
    sqlite3_exec(raw, "INSERT INTO tags VALUES (5, 'host', 'old-host'), (5, 'pid', '4242');"
                      "INSERT INTO metrics VALUES (3, 'val_acc', 1, 0.5, 1)",
                 NULL, NULL, NULL);
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM runs") == 5, "five v1 runs, three of them one run's duplicates");
    sqlite3_close(raw);

    rc = rmn_store_open(path, &s);
    TAP_OK(rc == RMN_OK, "opening it migrates it%s%s", rc ? ": " : "", rc ? rmn_error_message() : "");
    raw = tu_raw(path);
    char buf[300];
    TAP_OK(tu_int(raw, "PRAGMA user_version") == RMN_STORE_SCHEMA_VERSION, "to the current version (through 2)");
    TAP_OK(strcmp(tu_text(raw, "SELECT group_concat(run_id || status || coalesce(duplicate_of, '-'), ',') FROM "
                               "(SELECT * FROM runs ORDER BY run_id)",
                          buf, sizeof buf),
                  "1KILLED-,2FINISHED-,3FINISHED2,4RUNNING2,5RUNNING-") == 0,
           "nothing deleted, no status changed; the oldest FINISHED row stays the run, the later "
           "duplicates point to it (%s)",
           buf);
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM metrics WHERE run_id = 3") == 1, "a duplicate keeps its data");
    TAP_OK(strcmp(tu_text(raw, "SELECT owner_host || ':' || owner_pid FROM runs WHERE run_id = 5", buf, sizeof buf),
                  "old-host:4242") == 0,
           "an old RUNNING run's holder comes from its host and pid tags (%s)", buf);
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'runs_claim'") == 1 &&
               tu_int(raw, "PRAGMA foreign_key_check") == -999999 &&
               strcmp(tu_text(raw, "PRAGMA integrity_check", buf, sizeof buf), "ok") == 0,
           "the claim index exists; integrity and foreign keys ok");
    rmn_process_id me = proc("host-c", 303, "t");
    rmn_run_info info = info_of("exp", "net-s1", 1, cfg);
    int outcome = 0;
    rmn_run_claim row;
    TAP_OK(rmn_store_run_claim(s, &info, &me, never_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_FINISHED && row.run_id == 2,
           "claiming that run finds it FINISHED: the row kept (run 2)");
    rmn_run_info held = info_of("exp", "net-s1", 1, "arch=democnn\nwidth=8\n");
    TAP_OK(rmn_store_run_claim(s, &held, &me, always_live, NULL, &outcome, &row) == RMN_OK &&
               outcome == RMN_CLAIM_LIVE && row.owner.pid == 4242,
           "the old RUNNING run: held by pid 4242 of old-host");
    rmn_store_close(s);
    TAP_OK(rmn_store_open(path, &s) == RMN_OK, "reopening a migrated store changes nothing");
    rmn_store_close(s);
    sqlite3_close(raw);
}

// --- 8 processes racing for the same runs --------------------------------------------------------

enum { N_PROC = 8, N_RUNS = 24 };

static int child(const char *path, int id, int go_fd, int out_fd) {
    char c;
    if (read(go_fd, &c, 1) < 0) /* the start signal (EOF) */
        return 2;
    rmn_store *s = NULL;
    if (rmn_store_open(path, &s) != RMN_OK) { /* a brand-new file: the migration race too */
        fprintf(stderr, "# child %d: open: %s\n", id, rmn_error_message());
        return 3;
    }
    rmn_process_id me = proc("race-host", 1000 + id, "race");
    int n_new = 0;
    for (int k = 0; k < N_RUNS; ++k) {
        int r = (k + 3 * id) % N_RUNS; /* every child in its own order */
        char name[32];
        snprintf(name, sizeof name, "net%d-s1", r);
        rmn_run_info info = info_of("race", name, 1, "arch=democnn\n");
        int outcome;
        rmn_run_claim row;
        if (rmn_store_run_claim(s, &info, &me, always_live, NULL, &outcome, &row) != RMN_OK) {
            fprintf(stderr, "# child %d: claim %s: %s\n", id, name, rmn_error_message());
            rmn_store_close(s);
            return 4;
        }
        if (outcome == RMN_CLAIM_NEW) {
            ++n_new;
            if (rmn_store_epoch(s, row.run_id, 1, 1, (const char *[]){"val_acc"}, (double[]){0.25}) != RMN_OK ||
                rmn_store_run_finish(s, row.run_id, "FINISHED", NULL) != RMN_OK) {
                fprintf(stderr, "# child %d: %s\n", id, rmn_error_message());
                rmn_store_close(s);
                return 5;
            }
        } else if (outcome != RMN_CLAIM_LIVE && outcome != RMN_CLAIM_FINISHED) {
            fprintf(stderr, "# child %d: %s: unexpected outcome %d\n", id, name, outcome);
            rmn_store_close(s);
            return 6;
        }
    }
    rmn_store_close(s);
    char line[16];
    int len = snprintf(line, sizeof line, "%d\n", n_new);
    return write(out_fd, line, (size_t)len) == len ? 0 : 7;
}

/* from_v1: the store exists at schema version 1 (the processes race to migrate it); else the
 * file is brand-new (they race to create it) */
static void test_race(const char *dir, int from_v1) {
    char path[700];
    snprintf(path, sizeof path, "%s/race-%s.db", dir, from_v1 ? "v1" : "new");
    const char *what = from_v1 ? "a version 1 store" : "a new store";
    if (from_v1) {
        rmn_store *s = NULL;
        rmn_store_options v1 = {.migrate_to = 1};
        if (rmn_store_open_opts(path, &v1, &s) != RMN_OK)
            tap_diag("v1 store: %s", rmn_error_message());
        rmn_store_close(s);
    }
    int go[2], res[2];
    if (pipe(go) != 0 || pipe(res) != 0)
        exit(99);
    fflush(stdout);
    pid_t pids[N_PROC];
    for (int i = 0; i < N_PROC; ++i) {
        pids[i] = fork();
        if (pids[i] == 0) {
            close(go[1]);
            close(res[0]);
            _exit(child(path, i + 1, go[0], res[1]));
        }
    }
    close(go[0]);
    close(res[1]);
    close(go[1]); /* all start now */
    int clean = 0;
    for (int i = 0; i < N_PROC; ++i) {
        int status = 0;
        waitpid(pids[i], &status, 0);
        clean += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    TAP_OK(clean == N_PROC, "%s: %d processes claimed %d runs each without an error (%d clean)", what, N_PROC, N_RUNS,
           clean);
    char buf[256];
    ssize_t got = read(res[0], buf, sizeof buf - 1);
    close(res[0]);
    buf[got > 0 ? got : 0] = '\0';
    int total = 0;
    for (char *p = strtok(buf, "\n"); p; p = strtok(NULL, "\n"))
        total += atoi(p);
    TAP_OK(total == N_RUNS, "%s: each run claimed NEW exactly once over all processes (%d NEW claims)", what, total);
    sqlite3 *raw = tu_raw(path);
    TAP_OK(tu_int(raw, "PRAGMA user_version") == RMN_STORE_SCHEMA_VERSION, "%s: at the current schema version", what);
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM runs") == N_RUNS &&
               tu_int(raw, "SELECT COUNT(*) FROM runs WHERE status = 'FINISHED'") == N_RUNS &&
               tu_int(raw, "SELECT COUNT(DISTINCT name) FROM runs") == N_RUNS,
           "%s: %d rows, all FINISHED, no duplicate", what, N_RUNS);
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM metrics") == N_RUNS, "%s: every run's epoch recorded once", what);
    char ok[16];
    TAP_OK(strcmp(tu_text(raw, "PRAGMA integrity_check", ok, sizeof ok), "ok") == 0 &&
               tu_int(raw, "PRAGMA foreign_key_check") == -999999,
           "%s: integrity and foreign keys ok", what);
    sqlite3_close(raw);
}

int main(void) {
    const char *dir = tu_tmpdir();
    test_decisions(dir);
    test_migration(dir);
    test_race(dir, 0);
    test_race(dir, 1);
    tu_rmrf(dir);
    return tap_done();
}

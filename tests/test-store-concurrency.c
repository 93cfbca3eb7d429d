/* test-store-concurrency.c -- two processes open one brand-new store at the same instant (the
 * migration race) and each writes 200 epochs to its own run; nothing may be lost. */
#include "core/error.h"
#include "store/store.h"
#include "tap.h"
#include "store-util.h"

#include <sys/wait.h>
#include <unistd.h>

enum { N_PROC = 2, N_EPOCHS = 200, N_KEYS = 4 };

static int child(const char *path, int id, int go_fd) {
    char c;
    if (read(go_fd, &c, 1) < 0) /* wait for the start signal (EOF) */
        return 2;
    rmn_store *s = NULL;
    if (rmn_store_open(path, &s) != RMN_OK) {
        fprintf(stderr, "child %d: open: %s\n", id, rmn_error_message());
        return 3;
    }
    char name[32];
    snprintf(name, sizeof name, "worker-%d", id);
    rmn_run_info info = {.experiment = "concurrency", .name = name, .kind = "train",
                         .model = "democnn", .seed = id, .config_text = "x=1\n"};
    int64_t run;
    if (rmn_store_run_begin(s, &info, &run) != RMN_OK) {
        fprintf(stderr, "child %d: run_begin: %s\n", id, rmn_error_message());
        rmn_store_close(s);
        return 4;
    }
    static const char *const keys[N_KEYS] = {"train_loss", "train_acc", "val_loss", "val_acc"};
    for (int e = 1; e <= N_EPOCHS; ++e) {
        double v[N_KEYS] = {1.0 / e, 0.001 * e, 1.5 / e, 0.002 * e + 0.0001 * id};
        if (rmn_store_epoch(s, run, e, N_KEYS, keys, v) != RMN_OK) {
            fprintf(stderr, "child %d: epoch %d: %s\n", id, e, rmn_error_message());
            rmn_store_close(s);
            return 5;
        }
    }
    int rc = rmn_store_run_finish(s, run, "FINISHED", NULL);
    rmn_store_close(s);
    return rc == RMN_OK ? 0 : 6;
}

int main(void) {
    const char *dir = tu_tmpdir();
    char path[700];
    snprintf(path, sizeof path, "%s/race.db", dir);
    int go[2];
    if (pipe(go) != 0)
        return 99;
    fflush(stdout);
    pid_t pids[N_PROC];
    for (int i = 0; i < N_PROC; ++i) {
        pids[i] = fork();
        if (pids[i] == 0) {
            close(go[1]);
            _exit(child(path, i + 1, go[0]));
        }
    }
    close(go[0]);
    close(go[1]); /* both children start now */
    for (int i = 0; i < N_PROC; ++i) {
        int status = 0;
        waitpid(pids[i], &status, 0);
        TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "worker %d finished cleanly (status %d)",
               i + 1, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    sqlite3 *raw = tu_raw(path);
    TAP_OK(tu_int(raw, "PRAGMA user_version") == RMN_STORE_SCHEMA_VERSION,
           "the schema was created once, at the current version");
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM experiments") == 1, "one experiment row");
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM runs WHERE status='FINISHED'") == N_PROC,
           "%d finished runs", N_PROC);
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM metrics") == N_PROC * N_EPOCHS * N_KEYS,
           "all %d metric rows present", N_PROC * N_EPOCHS * N_KEYS);
    TAP_OK(tu_int(raw, "SELECT COUNT(*) FROM (SELECT run_id FROM metrics GROUP BY run_id "
                       "HAVING COUNT(DISTINCT step) = 200 AND MIN(step) = 1)") == N_PROC,
           "each run has epochs 1..200");
    TAP_NEAR(tu_double(raw, "SELECT value FROM metrics m JOIN runs r USING (run_id) "
                            "WHERE r.name='worker-2' AND key='val_acc' AND step=137"),
             0.002 * 137 + 0.0002, 0, "values land in the right run");
    sqlite3_close(raw);
    tu_rmrf(dir);
    return tap_done();
}

/* runs.c -- skip, resume or start runs; liveness and status; see runs.h. */
#include "train/runs.h"

#include "core/error.h"
#include "core/provenance.h"
#include "core/sha256.h"
#include "train/trainer.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *kv_get(rmn_kv *kv, int n, const char *key) {
    for (int i = 0; i < n; ++i)
        if (strcmp(kv[i].key, key) == 0)
            return kv[i].value;
    return NULL;
}

int rmn_train_run_is_live(rmn_store *s, int64_t run_id, int *live) {
    rmn_run_summary sum;
    RMN_TRY(rmn_store_run_summary(s, run_id, &sum));
    int running = strcmp(sum.status, "RUNNING") == 0;
    int64_t age = rmn_now_ms() - sum.updated_ms;
    rmn_run_summary_clear(&sum);
    *live = 0;
    if (!running)
        return RMN_OK;
    rmn_kv *tags;
    int n;
    RMN_TRY(rmn_store_run_kv(s, run_id, "tags", &tags, &n));
    const char *host = kv_get(tags, n, "host"), *pid = kv_get(tags, n, "pid");
    char me[256] = "";
    gethostname(me, sizeof me - 1);
    if (host && pid && strcmp(host, me) == 0) {
        pid_t p = (pid_t)atol(pid);
        *live = p > 0 && (kill(p, 0) == 0 || errno == EPERM) && p != getpid();
    } else {
        *live = age < RMN_STALE_MS;
    }
    rmn_kv_free(tags, n);
    return RMN_OK;
}

int rmn_train_plan(rmn_store *s, const char *experiment, const rmn_train_config *cfg, int *action,
                   int64_t *run_id) {
    char canonical[4096], sha[RMN_SHA256_HEX], name[160], status[16];
    RMN_TRY(rmn_train_config_canonical(cfg, canonical, sizeof canonical));
    rmn_sha256_hex(canonical, strlen(canonical), sha);
    rmn_train_run_name(cfg, name, sizeof name);
    *run_id = 0;
    *action = RMN_RUN_NEW;
    int rc = rmn_store_find_run(s, experiment, "train", name, sha, run_id, status);
    if (rc == RMN_ENOTFOUND) {
        rmn_error_clear();
        *run_id = 0;
        return RMN_OK;
    }
    RMN_TRY(rc);
    if (strcmp(status, "FINISHED") == 0) {
        *action = RMN_RUN_SKIP_FINISHED;
        return RMN_OK;
    }
    int live;
    RMN_TRY(rmn_train_run_is_live(s, *run_id, &live));
    *action = live ? RMN_RUN_SKIP_LIVE : RMN_RUN_RESUME;
    return RMN_OK;
}

int rmn_train_print_status(rmn_store *s, FILE *out) {
    rmn_run_summary *runs;
    int n, shown = 0;
    RMN_TRY(rmn_store_runs(s, NULL, &runs, &n));
    int rc = RMN_OK;
    for (int i = 0; i < n && rc == RMN_OK; ++i) {
        if (strcmp(runs[i].status, "RUNNING") != 0)
            continue;
        int live = 0;
        rmn_kv *tags = NULL;
        int nt = 0;
        rmn_metric_table mt;
        memset(&mt, 0, sizeof mt);
        if ((rc = rmn_train_run_is_live(s, runs[i].run_id, &live)) != RMN_OK ||
            (rc = rmn_store_run_kv(s, runs[i].run_id, "tags", &tags, &nt)) != RMN_OK ||
            (rc = rmn_store_run_metrics(s, runs[i].run_id, &mt)) != RMN_OK)
            break;
        const char *host = kv_get(tags, nt, "host"), *pid = kv_get(tags, nt, "pid"),
                   *dir = kv_get(tags, nt, "checkpoint_dir");
        double beat_s = (double)(rmn_now_ms() - runs[i].updated_ms) / 1000.0;
        fprintf(out, "run %lld %s (%s, %s): %s on %s pid %s, heartbeat %.0f s ago\n", (long long)runs[i].run_id,
                runs[i].name, runs[i].experiment, runs[i].model, live ? "RUNNING" : "STALE (resume it)",
                host ? host : "?", pid ? pid : "?", beat_s);
        if (dir)
            fprintf(out, "  checkpoints: %s\n", dir);
        if (mt.n_epochs > 0) {
            const double *row = mt.values + (size_t)(mt.n_epochs - 1) * mt.n_keys;
            fprintf(out, "  epoch %lld:", (long long)mt.epochs[mt.n_epochs - 1]);
            for (int k = 0; k < mt.n_keys; ++k)
                if (!isnan(row[k]))
                    fprintf(out, " %s %.4g", mt.keys[k], row[k]);
            fputc('\n', out);
        } else {
            fprintf(out, "  no epoch completed yet\n");
        }
        rmn_kv_free(tags, nt);
        rmn_metric_table_free(&mt);
        ++shown;
    }
    rmn_store_runs_free(runs, n);
    if (rc == RMN_OK && shown == 0)
        fprintf(out, "no run is in progress\n");
    return rc;
}

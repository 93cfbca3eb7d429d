/* runs.c -- claiming runs, liveness of their holders, waiting, status; see runs.h. */
#include "train/runs.h"

#include "core/error.h"
#include "core/provenance.h"
#include "models/zoo.h"
#include "train/trainer.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// --- this process and the liveness of others ---------------------------------------------------

/* Process state and start time (clock ticks since boot) from /proc/PID/stat; 0 when unreadable. */
static int proc_stat(int64_t pid, char *state, unsigned long long *start) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    if (!p || sscanf(p + 1, " %c", state) != 1)
        return 0;
    /* after ')': field 3 (the state) is the first word, the start time (field 22) the 20th */
    char *q = p + 1;
    for (int spaces = 0; *q && spaces < 20; ++q)
        spaces += *q == ' ';
    return sscanf(q, "%llu", start) == 1;
}

static void boot_id(char *buf, size_t cap) {
    buf[0] = '\0';
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!f)
        return;
    if (!fgets(buf, (int)cap, f))
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

/* "BOOT_ID:START_TICKS" of pid, "" when /proc does not tell. */
static void process_token(int64_t pid, char *buf, size_t cap) {
    char state, boot[64];
    unsigned long long start;
    buf[0] = '\0';
    boot_id(boot, sizeof boot);
    if (boot[0] && proc_stat(pid, &state, &start))
        snprintf(buf, cap, "%s:%llu", boot, start);
}

const rmn_process_id *rmn_process_self(void) {
    static rmn_process_id me;
    static pid_t for_pid = 0;
    if (for_pid != getpid()) { /* computed again in a forked child */
        memset(&me, 0, sizeof me);
        if (gethostname(me.host, sizeof me.host - 1) != 0 || !me.host[0])
            snprintf(me.host, sizeof me.host, "localhost");
        me.pid = (int64_t)getpid();
        process_token(me.pid, me.token, sizeof me.token);
        for_pid = getpid();
    }
    return &me;
}

int rmn_run_owner_live(const rmn_run_claim *c, void *ctx) {
    (void)ctx;
    const rmn_process_id *me = rmn_process_self();
    if (!c->owner.host[0]) /* no holder recorded: only the heartbeat tells */
        return rmn_now_ms() - c->updated_ms < RMN_STALE_MS;
    if (strcmp(c->owner.host, me->host) != 0)
        return rmn_now_ms() - c->updated_ms < RMN_STALE_MS;
    if (c->owner.pid <= 0 || c->owner.pid == me->pid)
        return 0; /* this process holds no run it is not working on */
    if (c->owner.token[0]) {
        char now[128];
        process_token(c->owner.pid, now, sizeof now);
        if (now[0]) {
            char state = '?';
            unsigned long long start;
            return strcmp(now, c->owner.token) == 0 && proc_stat(c->owner.pid, &state, &start) &&
                   state != 'Z' && state != 'X';
        }
    }
    char state = '?';
    unsigned long long start;
    if (proc_stat(c->owner.pid, &state, &start)) /* no token (older rows): the pid, not a zombie */
        return state != 'Z' && state != 'X';
    pid_t p = (pid_t)c->owner.pid; /* no /proc: the pid alone */
    return kill(p, 0) == 0 || errno == EPERM;
}

void rmn_run_holder_text(const rmn_run_claim *c, char *buf, size_t cap) {
    if (c->owner.host[0])
        snprintf(buf, cap, "pid %lld on %s", (long long)c->owner.pid, c->owner.host);
    else
        snprintf(buf, cap, "an unknown process");
}

// --- claims ------------------------------------------------------------------------------------

int rmn_train_run_key_init(rmn_train_run_key *k, const char *experiment, const rmn_train_config *cfg,
                           const char *dataset_sha256, int n_threads) {
    memset(k, 0, sizeof *k);
    RMN_TRY(rmn_train_config_canonical(cfg, k->canonical, sizeof k->canonical));
    rmn_train_run_name(cfg, k->name, sizeof k->name);
    /* the graph without its arena: the parameter count, and a configuration that cannot even be
     * built claims nothing */
    rmn_model_config mc = {.in_channels = cfg->in_channels, .image_size = cfg->image_size,
                           .num_classes = cfg->num_classes, .seed = cfg->seed, .width = cfg->width};
    rmn_net *net = NULL;
    RMN_TRY(rmn_zoo_graph(cfg->arch, &mc, &net));
    int64_t n_params = (int64_t)rmn_zoo_params(net);
    rmn_net_free(net);
    k->info = (rmn_run_info){.experiment = experiment, .name = k->name, .kind = "train",
                             .model = rmn_train_config_model(cfg, k->model, sizeof k->model),
                             .n_params = n_params, .seed = (int64_t)cfg->seed, .config_text = k->canonical,
                             .dataset_sha256 = dataset_sha256, .n_threads = n_threads, .parent_run_id = 0};
    return RMN_OK;
}

int rmn_run_claim_once(rmn_store *s, const rmn_run_info *info, int *outcome, rmn_run_claim *row) {
    return rmn_store_run_claim(s, info, rmn_process_self(), rmn_run_owner_live, NULL, outcome, row);
}

int rmn_run_nap(int64_t ms, volatile sig_atomic_t *stop) {
    while (ms > 0) {
        if (stop && *stop)
            return 1;
        int64_t slice = ms < 100 ? ms : 100;
        struct timespec t = {0, (long)slice * 1000000L};
        nanosleep(&t, NULL);
        ms -= slice;
    }
    return stop && *stop;
}

int rmn_run_waits_prune(rmn_store *s) {
    rmn_wait *w;
    int n, rc = RMN_OK;
    RMN_TRY(rmn_store_waits(s, &w, &n));
    for (int i = 0; i < n && rc == RMN_OK; ++i) {
        rmn_run_claim waiter = {.owner = w[i].waiter, .updated_ms = w[i].since_ms};
        if (strcmp(w[i].waiter.host, rmn_process_self()->host) == 0 && !rmn_run_owner_live(&waiter, NULL) &&
            w[i].waiter.pid != rmn_process_self()->pid)
            rc = rmn_store_wait_end(s, &w[i].waiter);
    }
    free(w);
    return rc;
}

int rmn_run_claim_wait(rmn_store *s, const rmn_run_info *info, FILE *log, volatile sig_atomic_t *stop,
                       int *outcome, rmn_run_claim *row) {
    int64_t nap = 100, waiting_for = 0;
    int rc;
    for (;;) {
        if ((rc = rmn_run_claim_once(s, info, outcome, row)) != RMN_OK || *outcome != RMN_CLAIM_LIVE)
            break;
        if (waiting_for != row->run_id) {
            char who[300];
            rmn_run_holder_text(row, who, sizeof who);
            if (log)
                fprintf(log, "rmn: run %lld %s is held by %s: waiting for it\n", (long long)row->run_id,
                        info->name, who);
            if ((rc = rmn_run_waits_prune(s)) != RMN_OK ||
                (rc = rmn_store_wait_begin(s, rmn_process_self(), row->run_id)) != RMN_OK)
                break;
            waiting_for = row->run_id;
        }
        if (rmn_run_nap(nap, stop)) {
            rc = RMN_ERROR(RMN_EINTR, "stopped by a signal while waiting for run %lld %s", (long long)row->run_id,
                           info->name);
            break;
        }
        nap = nap * 2 > 2000 ? 2000 : nap * 2;
    }
    if (waiting_for) {
        char saved[2048];
        snprintf(saved, sizeof saved, "%s", rmn_error_message());
        if (rmn_store_wait_end(s, rmn_process_self()) != RMN_OK && rc == RMN_OK)
            return rmn_error_code();
        if (rc != RMN_OK)
            rmn_error_restore(rc, saved);
    }
    return rc;
}

int rmn_run_check_held(rmn_store *s, int64_t run_id) {
    rmn_run_claim c;
    RMN_TRY(rmn_store_run_claim_get(s, run_id, &c));
    const rmn_process_id *me = rmn_process_self();
    if (!c.owner.host[0] || (c.owner.pid == me->pid && strcmp(c.owner.host, me->host) == 0 &&
                             strcmp(c.owner.token, me->token) == 0))
        return RMN_OK;
    char who[300];
    rmn_run_holder_text(&c, who, sizeof who);
    return RMN_ERROR(RMN_EINVAL, "run %lld was taken over by %s (this process was taken for dead): stopping "
                     "without writing to it", (long long)run_id, who);
}

int rmn_train_run_is_live(rmn_store *s, int64_t run_id, int *live) {
    rmn_run_claim c;
    RMN_TRY(rmn_store_run_claim_get(s, run_id, &c));
    *live = strcmp(c.status, "RUNNING") == 0 && rmn_run_owner_live(&c, NULL);
    return RMN_OK;
}

// --- status ------------------------------------------------------------------------------------

static void utc_text(int64_t ms, char *buf, size_t cap) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !gmtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(buf, cap, "?");
}

static const char *kv_get(rmn_kv *kv, int n, const char *key) {
    for (int i = 0; i < n; ++i)
        if (strcmp(kv[i].key, key) == 0)
            return kv[i].value;
    return NULL;
}

/* One RUNNING run: holder, since when, live or stale, checkpoints, last epoch. */
static int print_running(rmn_store *s, const rmn_run_summary *r, FILE *out) {
    rmn_run_claim c;
    rmn_kv *tags = NULL;
    int nt = 0;
    rmn_metric_table mt;
    memset(&mt, 0, sizeof mt);
    RMN_TRY(rmn_store_run_claim_get(s, r->run_id, &c));
    int rc = rmn_store_run_kv(s, r->run_id, "tags", &tags, &nt);
    if (rc == RMN_OK)
        rc = rmn_store_run_metrics(s, r->run_id, &mt);
    if (rc == RMN_OK) {
        int live = rmn_run_owner_live(&c, NULL);
        char who[300], since[40];
        rmn_run_holder_text(&c, who, sizeof who);
        utc_text(c.claimed_ms ? c.claimed_ms : r->start_ms, since, sizeof since);
        double beat_s = (double)(rmn_now_ms() - r->updated_ms) / 1000.0;
        fprintf(out, "run %lld %s (experiment %s, %s, %s): %s, %s since %s, heartbeat %.0f s ago\n",
                (long long)r->run_id, r->name, r->experiment, r->kind, r->model ? r->model : "?",
                live ? "RUNNING" : "STALE (resume it)", who, since, beat_s);
        const char *dir = kv_get(tags, nt, "checkpoint_dir");
        if (dir)
            fprintf(out, "  checkpoints: %s\n", dir);
        if (mt.n_epochs > 0) {
            const double *v = mt.values + (size_t)(mt.n_epochs - 1) * mt.n_keys;
            fprintf(out, "  epoch %lld:", (long long)mt.epochs[mt.n_epochs - 1]);
            for (int k = 0; k < mt.n_keys; ++k) /* accuracies in percent, as everywhere for people */
                if (!isnan(v[k]) && rmn_metric_is_accuracy(mt.keys[k]))
                    fprintf(out, " %s %.2f%%", mt.keys[k], 100 * v[k]);
                else if (!isnan(v[k]))
                    fprintf(out, " %s %.4g", mt.keys[k], v[k]);
            fputc('\n', out);
        } else if (strcmp(r->kind, "train") == 0) {
            fprintf(out, "  no epoch completed yet\n");
        }
    }
    rmn_kv_free(tags, nt);
    rmn_metric_table_free(&mt);
    return rc;
}

/* The processes waiting for runs (rows of dead waiters are left out). */
static int print_waits(rmn_store *s, FILE *out, int *shown) {
    rmn_wait *w;
    int n;
    RMN_TRY(rmn_store_waits(s, &w, &n));
    int rc = RMN_OK;
    for (int i = 0; i < n && rc == RMN_OK; ++i) {
        rmn_run_claim waiter = {.owner = w[i].waiter, .updated_ms = w[i].since_ms};
        /* a waiter on this host that died is left out; one on another host cannot be checked */
        if (strcmp(w[i].waiter.host, rmn_process_self()->host) == 0 && !rmn_run_owner_live(&waiter, NULL))
            continue;
        rmn_run_summary r;
        rmn_run_claim held;
        if ((rc = rmn_store_run_summary(s, w[i].run_id, &r)) != RMN_OK)
            break;
        if ((rc = rmn_store_run_claim_get(s, w[i].run_id, &held)) == RMN_OK) {
            char who[300], holder[300], since[40];
            rmn_run_holder_text(&waiter, who, sizeof who);
            rmn_run_holder_text(&held, holder, sizeof holder);
            utc_text(w[i].since_ms, since, sizeof since);
            fprintf(out, "%s waits since %s for run %lld %s (experiment %s), %s, held by %s\n", who, since,
                    (long long)r.run_id, r.name, r.experiment, r.status, holder);
            ++*shown;
        }
        rmn_run_summary_clear(&r);
    }
    free(w);
    return rc;
}

int rmn_train_print_status(rmn_store *s, FILE *out) {
    rmn_run_summary *runs;
    int n, shown = 0, waits = 0;
    RMN_TRY(rmn_store_runs(s, NULL, &runs, &n));
    int rc = RMN_OK;
    for (int i = 0; i < n && rc == RMN_OK; ++i)
        if (strcmp(runs[i].status, "RUNNING") == 0) {
            rc = print_running(s, &runs[i], out);
            ++shown;
        }
    rmn_store_runs_free(runs, n);
    if (rc == RMN_OK)
        rc = print_waits(s, out, &waits);
    if (rc == RMN_OK && shown == 0)
        fprintf(out, "no run is in progress\n");
    return rc;
}

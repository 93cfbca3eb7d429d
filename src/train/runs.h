/* runs.h -- who trains which run: claiming an experiment's runs atomically in the store, telling
 * a live holder from a dead one, waiting for runs other processes hold; and `rmn-exp status`.
 *
 * The protocol (docs/ARCHITECTURE.md, "Claiming runs"): a process claims a run in one store
 * transaction (store.h, rmn_store_run_claim): it is new (this process trains it), finished
 * (skipped), stopped or held by a dead process (taken over and resumed), or held by a live
 * process (left to it, or waited for). A holder is live when, on this host, its pid exists and
 * is the same incarnation (token: boot id and process start time; a zombie is dead), or, on
 * another host, when its heartbeat (updated_ms) is younger than RMN_STALE_MS. */
#ifndef RMN_TRAIN_RUNS_H
#define RMN_TRAIN_RUNS_H

#include "store/store.h"
#include "train/train_config.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#define RMN_STALE_MS (15 * 60 * 1000)

/* This process as a run holder (computed once). */
const rmn_process_id *rmn_process_self(void);
/* The liveness oracle for claims (ctx unused): 1 when c's holder is alive and is not this
 * process (this process's own RUNNING rows are left over from an earlier failure). */
int rmn_run_owner_live(const rmn_run_claim *c, void *ctx);

/* The claim key and provenance of a training configuration's run. */
typedef struct {
    char         canonical[4096], name[160], model[80];
    rmn_run_info info;
} rmn_train_run_key;
int rmn_train_run_key_init(rmn_train_run_key *k, const char *experiment, const rmn_train_config *cfg,
                           const char *dataset_sha256, int n_threads);

/* One claim attempt (rmn_store_run_claim with this process and rmn_run_owner_live). */
int rmn_run_claim_once(rmn_store *s, const rmn_run_info *info, int *outcome, rmn_run_claim *row);
/* Claims info's run; while a live process holds it, waits for it (polling, backoff 0.1 s
 * doubling to 2 s; the wait recorded for `rmn-exp status` and reported once on log) until it
 * is finished or its holder dies (then this process takes it over). Returns RMN_EINTR when
 * *stop is set while waiting. *outcome is never RMN_CLAIM_LIVE on RMN_OK. */
int rmn_run_claim_wait(rmn_store *s, const rmn_run_info *info, FILE *log, volatile sig_atomic_t *stop,
                       int *outcome, rmn_run_claim *row);
/* Drops the wait rows of waiters on this host that died (killed while waiting). */
int rmn_run_waits_prune(rmn_store *s);
/* Sleeps ms milliseconds in slices, returning early (1) when *stop is set. */
int rmn_run_nap(int64_t ms, volatile sig_atomic_t *stop);
/* "pid 123 on host" */
void rmn_run_holder_text(const rmn_run_claim *c, char *buf, size_t cap);

/* RMN_OK when this process still holds run_id (or the run records no holder); else RMN_EINVAL
 * naming the process that took it over (a holder on another host silent for RMN_STALE_MS, e.g.
 * a suspended machine, loses its run): the trainer then stops writing to it. */
int rmn_run_check_held(rmn_store *s, int64_t run_id);
/* Whether run_id is being trained right now by another live process. */
int rmn_train_run_is_live(rmn_store *s, int64_t run_id, int *live);
/* The runs RUNNING in the store: experiment, name, holder (host, pid), since when, live or
 * stale, their last epoch; then the processes waiting for runs and what they wait for. */
int rmn_train_print_status(rmn_store *s, FILE *out);

#endif

/* train_ranks.c -- data-parallel training's ranks (docs/DISTRIBUTED.md, train_state.h): rank 0
 * names each run to the others, all agree on its inputs and start from rank 0's state; the
 * other ranks follow in rmn_train_follow. */
#include "train/train_state.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

/* What rank 0 tells the others before each run it trains. */
typedef struct {
    int  cmd;
    char name[160], data[4096], canonical[4096];
} rank_command;

void rmn_trainer_ranks_command(int cmd, const char *name, const char *data, const char *canonical) {
    rank_command *c = calloc(1, sizeof *c);
    if (!c)
        rmn_dist_abort("out of memory");
    c->cmd = cmd;
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->data, sizeof c->data, "%s", data);
    snprintf(c->canonical, sizeof c->canonical, "%s", canonical);
    rmn_dist_bcast(c, sizeof *c, 0);
    free(c);
}

void rmn_train_ranks_end(void) {
    if (rmn_dist_size() > 1 && rmn_dist_rank() == 0)
        rmn_trainer_ranks_command(CMD_QUIT, "", "", "");
}

/* Every rank compares its configuration and its data's digest with rank 0's. */
int rmn_trainer_ranks_agree(const char *name, const char *canonical, const char *data_sha256) {
    char what[200];
    snprintf(what, sizeof what, "the configuration of run %s", name);
    RMN_TRY(rmn_dist_agree(what, canonical));
    return rmn_dist_agree("the data's sha256", data_sha256);
}

/* After every rank set the run up (ok: this one could): rank 0's weights, buffers, optimizer
 * and training state (a resumed run's) to all. */
int rmn_trainer_ranks_start(train_state *st, int ok) {
    double failed = !ok;
    rmn_dist_sum_doubles(&failed, 1);
    if (failed > 0)
        return ok ? RMN_ERROR(RMN_EINVAL, "%.0f of %d ranks could not set the run up (their messages say why)",
                              failed, st->world)
                  : rmn_error_code();
    rmn_dist_bcast(rmn_net_params(st->net), rmn_net_param_count(st->net) * sizeof(float), 0);
    const rmn_tensor_ref *list;
    int n;
    RMN_TRY(rmn_net_tensors(st->net, &list, &n));
    for (int i = 0; i < n; ++i) {
        int64_t count = 1;
        for (int d = 0; d < list[i].ndim; ++d)
            count *= list[i].shape[d];
        if (!list[i].trainable)
            rmn_dist_bcast(list[i].data, (size_t)count * sizeof(float), 0);
    }
    float *m, *v;
    int64_t *step;
    if (rmn_optimizer_state(&st->opt, &m, &v, &step) == RMN_OK) {
        const size_t bytes = rmn_net_param_count(st->net) * sizeof(float);
        if (m)
            rmn_dist_bcast(m, bytes, 0);
        if (v)
            rmn_dist_bcast(v, bytes, 0);
        if (step)
            rmn_dist_bcast(step, sizeof *step, 0);
    }
    rmn_dist_bcast(&st->ts, sizeof st->ts, 0); /* no center loss with several ranks: no pointer */
    return RMN_OK;
}

/* A rank other than 0: the run rank 0 named, in step with it (no store, no checkpoints). */
static int follow_run(const rmn_train_job *job) {
    train_state st;
    memset(&st, 0, sizeof st);
    int rc = rmn_trainer_state_init(job, &st);
    rc = rmn_trainer_ranks_start(&st, rc == RMN_OK);
    if (rc == RMN_OK) {
        rmn_train_result res;
        memset(&res, 0, sizeof res);
        rc = rmn_trainer_epochs(job, &st, &res);
    }
    rmn_trainer_state_free(&st);
    return rc;
}

int rmn_train_follow(const rmn_train_follower *f) {
    rank_command *c = calloc(1, sizeof *c);
    rmn_dataset own;
    int have_own = 0, status = RMN_OK;
    char loaded[4096] = "";
    if (!c)
        rmn_dist_abort("out of memory");
    for (;;) {
        rmn_dist_bcast(c, sizeof *c, 0);
        if (c->cmd == CMD_QUIT)
            break;
        rmn_train_config cfg;
        char canonical[4096] = "(none)";
        int rc = f->lookup ? f->lookup(f->ctx, c->name, &cfg)
                           : rmn_train_config_from_canonical(&cfg, c->canonical, "rank 0's configuration");
        if (rc == RMN_OK)
            rc = rmn_train_config_canonical(&cfg, canonical, sizeof canonical);
        const rmn_dataset *ds = f->data;
        if (!ds && strcmp(loaded, c->data) != 0) { /* rmn-exp resume: rank 0's data file */
            if (have_own)
                rmn_dataset_free(&own);
            have_own = rmn_dataset_load(c->data, &own) == RMN_OK;
            snprintf(loaded, sizeof loaded, "%s", have_own ? c->data : "");
        }
        if (!ds && have_own)
            ds = &own;
        if (rc != RMN_OK || !ds)
            rmn_log(RMN_LOG_ERROR, "rmn: rank %d: error: %s", rmn_dist_rank(), rmn_error_message());
        if (rmn_trainer_ranks_agree(c->name, canonical, ds ? ds->sha256 : "(no data)") != RMN_OK)
            continue; /* rank 0 reports it */
        rmn_train_job job = {.data = ds, .cfg = &cfg, .threads = f->threads, .stop = f->stop,
                             .precision = f->precision, .precision_fallback = f->precision_fallback};
        rc = follow_run(&job);
        if (rc != RMN_OK && status == RMN_OK)
            status = rc;
    }
    free(c);
    if (have_own)
        rmn_dataset_free(&own);
    return status == RMN_OK ? RMN_OK : RMN_EINVAL; /* rank 0 has said why */
}

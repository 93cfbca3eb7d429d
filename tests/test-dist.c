/* test-dist.c -- data-parallel training over MPI (src/dist/), run by tests/cli-dist.sh as
 * `mpirun -np 2`: several SGD steps on 2 ranks, each with its share of every global batch and
 * gradients summed in buckets during backward, against the same steps on one process:
 *   - a net without batch norm: the weights equal those of one rank on the whole batch (the
 *     global batch, also split unevenly) within float32 summation order (bound below);
 *   - a net with synchronised batch norm (statistics over all ranks' shares): the same;
 *   - a net with batch norm per rank: PyTorch DDP's semantics (each rank normalises its share
 *     with its own statistics, the gradients are averaged, rank 0's running statistics are the
 *     model's), computed here on one process share by share.
 *   - the same per-rank batch norm net against PyTorch 1.13's DDP itself: a golden file
 *     (tools/dist/make_ddp_golden.py, gloo, 2 ranks).
 * Also: every rank holds the same weights; rmn_dist_agree names the rank that differs. Rank 0
 * prints the TAP stream; the exit status is any rank's failure. */
#include "core/error.h"
#include "core/rng.h"
#include "core/sha256.h"
#include "dist/dist.h"
#include "nn/graph.h"
#include "optim/optimizer.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C = 2, S = 6, K = 3, STEPS = 5, PER_RANK = 4 };
/* the global batches: whole, then uneven shares (7 = 3 + 4, 5 = 2 + 3) */
static const int GLOBAL[STEPS] = {8, 8, 7, 8, 5};

static rmn_net *build(int bn) {
    rmn_net *net = NULL;
    int x = 0;
    if (rmn_net_alloc(&net, bn ? "dist-bn" : "dist-plain", C, S, S) != RMN_OK ||
        rmn_net_add_conv2d(net, "conv", x, 4, 3, 1, 1, !bn, &x) != RMN_OK ||
        (bn && rmn_net_add_bn2d(net, "bn", x, &x) != RMN_OK) || rmn_net_add_relu(net, x, &x) != RMN_OK ||
        rmn_net_add_maxpool2d(net, x, 2, 2, 0, &x) != RMN_OK || rmn_net_add_conv2d(net, "conv2", x, 6, 3, 1, 1, 1, &x) != RMN_OK ||
        rmn_net_add_relu(net, x, &x) != RMN_OK || rmn_net_add_flatten(net, x, &x) != RMN_OK ||
        rmn_net_add_linear(net, "fc", x, K, 1, &x) != RMN_OK || rmn_net_finalize(net, x, 11) != RMN_OK ||
        rmn_net_plan(net, 2 * PER_RANK) != RMN_OK) {
        fprintf(stderr, "build: %s\n", rmn_error_message());
        exit(99);
    }
    return net;
}

static rmn_optimizer sgd(const rmn_net *net) {
    rmn_optimizer opt;
    rmn_optimizer_hparams hp = {.lr = 0.2, .momentum = 0.9, .weight_decay = 1e-3};
    if (rmn_optimizer_init(&opt, RMN_OPTIM_SGD, rmn_net_param_count(net), &hp) != RMN_OK)
        exit(99);
    return opt;
}

/* One share's forward, loss scaled to its part of the global mean, backward. */
static void share_backward(rmn_net *net, const float *x, const int32_t *y, int b, int m) {
    double loss;
    if (rmn_net_forward(net, x, b, 1, NULL) != RMN_OK || rmn_net_loss(net, y, NULL, &loss, NULL) != RMN_OK ||
        rmn_net_loss_scale(net, (float)b / (float)m) != RMN_OK || rmn_net_backward(net) != RMN_OK) {
        fprintf(stderr, "step: %s\n", rmn_error_message());
        exit(99);
    }
}

static size_t buffer_count(rmn_net *net, float **first) {
    const rmn_tensor_ref *list;
    int n;
    size_t count = 0;
    *first = NULL;
    rmn_net_tensors(net, &list, &n);
    for (int i = 0; i < n; ++i)
        if (!list[i].trainable) {
            if (!*first)
                *first = list[i].data; /* BN's running mean and var: adjacent in the buffer arena */
            count += (size_t)list[i].shape[0];
        }
    return count;
}

static void sum_over_ranks(void *ctx, double *x, int n) {
    (void)ctx;
    rmn_dist_sum_doubles(x, n);
}

enum { PLAIN, SYNC_BN, RANK_BN };
static const char *const CASE[] = {"no BN", "sync BN", "per-rank BN"};

/* The reference on one process. PLAIN, SYNC_BN: each step on the whole global batch. RANK_BN:
 * DDP's per-rank batch norm, share by share, the buffers rank 0's. */
static void reference(rmn_net *net, const float *x, const int32_t *y, int world, int kind) {
    const int bn = kind == RANK_BN;
    rmn_optimizer opt = sgd(net);
    const size_t np = rmn_net_param_count(net), per = (size_t)C * S * S;
    float *sum = malloc(np * sizeof *sum), *buf0 = NULL, *keep = NULL;
    const size_t nb = buffer_count(net, &buf0);
    keep = malloc((nb + 1) * sizeof *keep);
    for (int s = 0, off = 0; s < STEPS; off += GLOBAL[s++]) {
        const int m = GLOBAL[s];
        if (!bn) {
            share_backward(net, x + (size_t)off * per, y + off, m, m);
        } else {
            memset(sum, 0, np * sizeof *sum);
            for (int r = 0; r < world; ++r) {
                const int lo = m * r / world, b = m * (r + 1) / world - lo;
                share_backward(net, x + (size_t)(off + lo) * per, y + off + lo, b, m);
                for (size_t j = 0; j < np; ++j)
                    sum[j] += rmn_net_grads(net)[j];
                if (r == 0)
                    memcpy(keep, buf0, nb * sizeof *keep);
            }
            memcpy(buf0, keep, nb * sizeof *keep);
            memcpy(rmn_net_grads(net), sum, np * sizeof *sum);
        }
        rmn_optimizer_step(&opt, rmn_net_params(net), rmn_net_grads(net));
    }
    rmn_optimizer_free(&opt);
    free(sum);
    free(keep);
}

/* The same steps on this rank: its share, gradients summed over ranks in buckets of 40 floats
 * started by backward. */
static int distributed_steps(rmn_net *net, const float *x, const int32_t *y, int steps, const int *global) {
    const int rank = rmn_dist_rank(), world = rmn_dist_size();
    rmn_optimizer opt = sgd(net);
    rmn_dist_grads *g;
    if (rmn_dist_grads_create(rmn_net_grads(net), rmn_net_param_count(net), 40, &g) != RMN_OK)
        exit(99);
    rmn_net_set_grads_ready(net, rmn_dist_grads_ready, g);
    const size_t per = (size_t)C * S * S;
    for (int s = 0, off = 0; s < steps; off += global[s++]) {
        const int m = global[s], lo = m * rank / world, b = m * (rank + 1) / world - lo;
        share_backward(net, x + (size_t)(off + lo) * per, y + off + lo, b, m);
        rmn_dist_grads_finish(g);
        rmn_optimizer_step(&opt, rmn_net_params(net), rmn_net_grads(net));
    }
    const int buckets = rmn_dist_grads_buckets(g);
    rmn_net_set_grads_ready(net, NULL, NULL);
    rmn_dist_grads_free(g);
    rmn_optimizer_free(&opt);
    return buckets;
}

static int distributed(rmn_net *net, const float *x, const int32_t *y) {
    return distributed_steps(net, x, y, STEPS, GLOBAL);
}

/* tests/data/ddp-golden.txt (tools/dist/make_ddp_golden.py): "NAME COUNT" lines, each followed
 * by COUNT numbers. The named array, or NULL. */
typedef struct {
    char name[64];
    int n;
    float *v;
} golden_array;

static int golden_load(const char *path, golden_array *a, int cap) {
    FILE *f = fopen(path, "r");
    int k = 0;
    char line[256];
    while (f && k < cap && fscanf(f, " %255[^\n]", line) == 1) {
        if (line[0] == '#' || sscanf(line, "%63s %d", a[k].name, &a[k].n) != 2 || a[k].n < 1)
            continue;
        a[k].v = malloc((size_t)a[k].n * sizeof *a[k].v);
        for (int i = 0; i < a[k].n; ++i)
            if (fscanf(f, "%f", &a[k].v[i]) != 1)
                a[k].n = 0;
        k++;
    }
    if (f)
        fclose(f);
    return k;
}

static const golden_array *golden_get(const golden_array *a, int n, const char *name) {
    for (int k = 0; k < n; ++k)
        if (strcmp(a[k].name, name) == 0)
            return &a[k];
    return NULL;
}

/* Per-rank batch norm against PyTorch 1.13's DistributedDataParallel itself (gloo, 2 ranks):
 * its initial state loaded, 3 steps on global batches of 8, rank 0's weights and running
 * statistics against DDP's. */
static void ddp_golden(void) {
    char path[4096];
    const char *src = getenv("RMN_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/data/ddp-golden.txt", src ? src : ".");
    golden_array g[32];
    const int ng = golden_load(path, g, 32);
    const golden_array *gx = golden_get(g, ng, "x"), *gy = golden_get(g, ng, "y");
    if (!gx || !gy || gx->n != 24 * C * S * S || gy->n != 24) {
        TAP_OK(0, "%s: the DDP golden file is readable", path);
        return;
    }
    int32_t y[24];
    for (int i = 0; i < 24; ++i)
        y[i] = (int32_t)gy->v[i];
    rmn_net *net = build(1);
    const rmn_tensor_ref *list;
    int n, loaded = 0;
    rmn_net_tensors(net, &list, &n);
    for (int i = 0; i < n; ++i) {
        char name[96];
        snprintf(name, sizeof name, "init.%s", list[i].name);
        const golden_array *t = golden_get(g, ng, name);
        int64_t count = 1;
        for (int d = 0; d < list[i].ndim; ++d)
            count *= list[i].shape[d];
        if (t && t->n == count) {
            memcpy(list[i].data, t->v, (size_t)count * sizeof(float));
            ++loaded;
        }
    }
    TAP_OK(loaded == n, "DDP golden: the initial state of all %d tensors loaded (%d)", n, loaded);
    static const int global[3] = {8, 8, 8};
    distributed_steps(net, gx->v, y, 3, global);
    double worst = 0, worst_buf = 0;
    for (int i = 0; i < n; ++i) {
        char name[96];
        snprintf(name, sizeof name, "final.%s", list[i].name);
        const golden_array *t = golden_get(g, ng, name);
        for (int j = 0; t && j < t->n; ++j) {
            const double d = fabs((double)list[i].data[j] - t->v[j]);
            if (list[i].trainable)
                worst = fmax(worst, d);
            else
                worst_buf = fmax(worst_buf, d);
        }
    }
    tap_diag("DDP golden: max |w - w(DDP)| = %.3g, running statistics %.3g", worst, worst_buf);
    TAP_OK(worst <= 1e-5, "DDP golden: the weights after 3 steps equal PyTorch DDP's within 1e-5 (%.3g)", worst);
    if (rmn_dist_rank() == 0)
        TAP_OK(worst_buf <= 1e-5, "DDP golden: rank 0's running statistics equal DDP's within 1e-5 (%.3g)", worst_buf);
    else
        TAP_OK(worst_buf > 1e-4, "DDP golden: rank 1's running statistics are its own (%.3g)", worst_buf);
    rmn_net_free(net);
    for (int k = 0; k < ng; ++k)
        free(g[k].v);
}

static double max_diff(const float *a, const float *b, size_t n, double *scale) {
    double d = 0;
    *scale = 0;
    for (size_t j = 0; j < n; ++j) {
        d = fmax(d, fabs((double)a[j] - (double)b[j]));
        *scale = fmax(*scale, fabs((double)b[j]));
    }
    return d;
}

int main(int argc, char **argv) {
    if (rmn_dist_init(&argc, &argv) != RMN_OK) {
        printf("1..0 # SKIP %s\n", rmn_error_message());
        return 0;
    }
    const int rank = rmn_dist_rank(), world = rmn_dist_size();
    if (rank > 0 && !freopen("/dev/null", "w", stdout))
        return 99;
    TAP_OK(world == 2, "two ranks (got %d)", world);
    /* the data: the same on every rank */
    int total = 0;
    for (int s = 0; s < STEPS; ++s)
        total += GLOBAL[s];
    const size_t per = (size_t)C * S * S;
    float *x = malloc((size_t)total * per * sizeof *x);
    int32_t *y = malloc((size_t)total * sizeof *y);
    rmn_rng rng;
    rmn_rng_init(&rng, 5, RMN_STREAM_SAMPLE);
    for (size_t j = 0; j < (size_t)total * per; ++j)
        x[j] = (float)rmn_rng_normal(&rng);
    for (int i = 0; i < total; ++i)
        y[i] = (int32_t)rmn_rng_below(&rng, K);

    for (int kind = PLAIN; kind <= RANK_BN; ++kind) {
        const int bn = kind != PLAIN;
        const char *what = CASE[kind];
        rmn_net *ref = build(bn), *net = build(bn);
        if (kind == SYNC_BN && (rmn_net_set_bn_sync(net, sum_over_ranks, NULL), rmn_net_plan(net, 2 * PER_RANK)) != RMN_OK)
            return 99;
        reference(ref, x, y, world, kind);
        const int buckets = distributed(net, x, y);
        const size_t np = rmn_net_param_count(net);
        double scale, d = max_diff(rmn_net_params(net), rmn_net_params(ref), np, &scale);
        /* The bound: each gradient element is a sum of at most 8 samples' terms (and of
         * 36 pixels per sample for a conv weight), summed on 2 ranks in another order than on
         * one; float32's summation-order error is at most (terms) * 2^-24 of the sum of the
         * terms' magnitudes, ~2e-5 relative for 288 terms, damped by lr 0.2 over 5 steps with
         * momentum 0.9 (at most 1 + 1.9 + 2.7 + 3.4 + 4.1 = 13 step sizes): 1e-5 absolute on
         * weights of magnitude ~0.5 is above it. Measured: tap_diag below. */
        tap_diag("%s: max |w(2 ranks) - w(reference)| = %.3g (max |w| %.3g), %d buckets", what,
                 d, scale, buckets);
        TAP_OK(buckets > 1, "%s: the gradients went in %d buckets", what, buckets);
        TAP_OK(d <= 1e-5, "%s: 2 ranks x shares = %s, within 1e-5 (%.3g)", what,
               kind == RANK_BN ? "PyTorch DDP's per-rank batch norm computed share by share" : "1 rank x the whole batch", d);
        if (kind == PLAIN)
            TAP_OK(d > 0, "no BN: the reference is a different computation (summation order), not a copy");
        char hex[65];
        rmn_sha256_hex(rmn_net_params(net), np * sizeof(float), hex);
        TAP_OK(rmn_dist_agree("the weights", hex) == RMN_OK, "%s: every rank holds the same weights", what);
        if (bn) {
            float *b_net, *b_ref;
            const size_t nb = buffer_count(net, &b_net);
            buffer_count(ref, &b_ref);
            double bd = max_diff(b_net, b_ref, nb, &scale);
            if (kind == SYNC_BN)
                TAP_OK(bd <= 1e-5, "sync BN: rank %d's running statistics are the whole batches' (%.3g)", rank, bd);
            else if (rank == 0)
                TAP_OK(bd <= 1e-5, "per-rank BN: rank 0's running statistics are its own shares' (%.3g)", bd);
            else
                TAP_OK(bd > 1e-4, "per-rank BN: rank 1's running statistics are its own, not rank 0's (%.3g)", bd);
        }
        rmn_net_free(ref);
        rmn_net_free(net);
    }
    ddp_golden();
    char mine[32];
    snprintf(mine, sizeof mine, "rank %d", rank == 1);
    int rc = rmn_dist_agree("a test value", mine);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "rank 1 does not agree with rank 0 on a test value"),
           "rmn_dist_agree names the rank that differs: %s", rmn_error_message());
    TAP_OK(rmn_dist_agree("a test value", "same") == RMN_OK, "and passes when all agree");
    free(x);
    free(y);
    rmn_dist_finalize();
    return tap_done();
}

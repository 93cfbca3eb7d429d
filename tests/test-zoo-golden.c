/* test-zoo-golden.c -- three zoo models at the 48 profile against PyTorch
 * (tools/golden/make_zoo_golden.py, float64): a training forward (batch statistics, dropout
 * off), the cross-entropy loss and every parameter's gradient, as digests sum(g^2) and
 * sum(g * r), within 1e-4 relative -- or, per tensor, 4x the distance at which PyTorch's own
 * float32 run lands from its float64 one when that is larger (the file's gtol: the Residual
 * Masking Network's early layers at batch 2 amplify float32 rounding to ~1e-2; resnet18 and
 * vgg19 are all at 1e-4). Weights and input come from the same integer-hash formula on both
 * sides (fill() there, fill() here). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/safetensors.h"
#include "models/zoo.h"
#include "nn/graph.h"
#include "tap.h"

static uint32_t fnv1a(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; ++s)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* u_i = ((i * 2654435761 + h) mod 2^32) / 2^32, as hashu() in the script */
static double hashu(size_t i, uint32_t h) {
    return (double)(uint32_t)((uint64_t)i * 2654435761u + h) / 4294967296.0;
}

static double formula(const char *name, size_t i) {
    return 2.0 * hashu(i, fnv1a(name)) - 1.0;
}

static void fill(const rmn_tensor_ref *t) {
    size_t n = 1;
    for (int d = 0; d < t->ndim; ++d)
        n *= (size_t)t->shape[d];
    const size_t nl = strlen(t->name);
    const int is_weight = nl >= 6 && strcmp(t->name + nl - 6, "weight") == 0;
    for (size_t i = 0; i < n; ++i) {
        const double v = formula(t->name, i);
        double x;
        if (t->ndim >= 2)
            x = v * sqrt(6.0 / ((double)n / (double)t->shape[0]));
        else
            x = is_weight ? 1.0 + 0.2 * v : 0.1 * v;
        t->data[i] = (float)x;
    }
}

/* |a - b| <= tol * max(|b|, floor) */
static int near(double a, double b, double tol, double floor) {
    return fabs(a - b) <= tol * fmax(fabs(b), floor);
}

/* loose: a floor on the tolerances (the Residual Masking Network at batch 2 is ill-conditioned:
 * PyTorch's own float32 run is ~2% off its float64 one on early-layer gradients) */
/* scale multiplies the file's per-tensor tolerances and the logits tolerance */
static void run_case(const char *dir, const char *arch, double loose, int training, double scale_tol) {
    char path[1024];
    snprintf(path, sizeof path, "%s/zoo-%s%s.safetensors", dir, arch, training ? "" : "-eval");
    rmn_st_file *f = NULL;
    if (rmn_st_open(path, &f) != RMN_OK) {
        TAP_OK(0, "%s: %s", path, rmn_error_message());
        return;
    }
    const char *names = rmn_st_meta(f, "names"), *wmeta = rmn_st_meta(f, "width");
    rmn_model_config cfg = {.in_channels = 1, .image_size = 48, .num_classes = 7,
                            .width = wmeta ? atoi(wmeta) : 0};
    rmn_net *net = NULL;
    int rc = rmn_model_create(arch, &cfg, &net);
    if (rc != RMN_OK || !names) {
        TAP_OK(0, "%s: builds (%s)", arch, rmn_error_message());
        rmn_st_close(f);
        return;
    }
    const rmn_tensor_ref *list;
    int nt;
    rmn_net_tensors(net, &list, &nt);
    for (int i = 0; i < nt; ++i)
        if (list[i].trainable)
            fill(&list[i]);
    for (int i = 0; i < net->n_nodes; ++i) /* dropout off, as in the reference */
        if (net->nodes[i].op == RMN_OP_DROPOUT)
            net->nodes[i].p = 0.0f;
    static float x[2 * 48 * 48];
    for (int i = 0; i < 2 * 48 * 48; ++i)
        x[i] = (float)hashu((size_t)i, 12345);
    const int32_t labels[2] = {3, 5};
    rmn_rng rng;
    rmn_rng_init(&rng, 1, 0);
    double loss = 0;
    rc = rmn_net_forward(net, x, 2, training, &rng);
    if (rc == RMN_OK)
        rc = rmn_net_loss(net, labels, NULL, &loss, NULL);
    if (rc == RMN_OK)
        rc = rmn_net_backward(net);
    TAP_OK(rc == RMN_OK, "%s: %s step (%s)", arch, training ? "training" : "eval-mode", rc ? rmn_error_message() : "ok");

    double ref_logits[14], ref_loss[1];
    const rmn_st_tensor *tl = rmn_st_find(f, "logits"), *tloss = rmn_st_find(f, "loss");
    int ok = tl && tloss && rmn_st_copy_f64(tl, ref_logits, 14) == RMN_OK &&
             rmn_st_copy_f64(tloss, ref_loss, 1) == RMN_OK;
    const float *lg = rmn_net_logits(net);
    double lmax = 0, worst = 0;
    for (int i = 0; ok && i < 14; ++i)
        lmax = fmax(lmax, fabs(ref_logits[i]));
    for (int i = 0; ok && i < 14; ++i) {
        worst = fmax(worst, fabs(lg[i] - ref_logits[i]) / fmax(fabs(ref_logits[i]), 1e-3 * lmax));
        ok &= near(lg[i], ref_logits[i], scale_tol * fmax(1e-4, loose / 50), 1e-3 * lmax);
    }
    TAP_OK(ok, "%s: logits match PyTorch (worst relative %.2e)", arch, worst);
    TAP_OK(near(loss, ref_loss[0], 1e-4, 1e-6), "%s: loss %.6f vs %.6f", arch, loss, ref_loss[0]);

    /* gradients, tensor by tensor in the reference's order */
    const rmn_st_tensor *tsq = rmn_st_find(f, "gsq"), *tdot = rmn_st_find(f, "gdot"),
                        *ttol = rmn_st_find(f, "gtol");
    const size_t ng = tsq ? (size_t)tsq->shape[0] : 0;
    double *gsq = calloc(ng + 1, sizeof *gsq), *gdot = calloc(ng + 1, sizeof *gdot),
           *gtol = calloc(ng + 1, sizeof *gtol);
    ok = tsq && tdot && ttol && gsq && gdot && gtol && rmn_st_copy_f64(tsq, gsq, ng) == RMN_OK &&
         rmn_st_copy_f64(tdot, gdot, ng) == RMN_OK && rmn_st_copy_f64(ttol, gtol, ng) == RMN_OK;
    size_t strict = 0;
    char *nm = strdup(names);
    size_t k = 0, bad = 0, matched = 0;
    double gworst = 0;
    const float *P = rmn_net_params(net), *G = rmn_net_grads(net);
    for (char *save = NULL, *tok = strtok_r(nm, ",", &save); ok && tok;
         tok = strtok_r(NULL, ",", &save), ++k) {
        const rmn_tensor_ref *t = NULL;
        for (int i = 0; i < nt; ++i)
            if (list[i].trainable && strcmp(list[i].name, tok) == 0)
                t = &list[i];
        if (!t || k >= ng) {
            tap_diag("%s: no tensor %s", arch, tok);
            ++bad;
            continue;
        }
        size_t n = 1;
        for (int d = 0; d < t->ndim; ++d)
            n *= (size_t)t->shape[d];
        const float *g = G + (t->data - P);
        double sq = 0, dot = 0, rr = 0;
        for (size_t i = 0; i < n; ++i) {
            const double r = formula(t->name, i);
            sq += (double)g[i] * g[i];
            dot += (double)g[i] * r;
            rr += r * r;
        }
        /* sum(g^2) relative; sum(g r) relative to its Cauchy-Schwarz scale */
        const double scale = sqrt(gsq[k] * rr), e1 = fabs(sq - gsq[k]) / fmax(gsq[k], 1e-30),
                     e2 = fabs(dot - gdot[k]) / fmax(scale, 1e-30);
        const double e = fmax(e1 / 2, e2);
        if (sqrt(gsq[k]) <= 1e-9) { /* analytically zero: a conv bias before BN */
            ++matched;
            continue;
        }
        gtol[k] = fmax(scale_tol * gtol[k], loose);
        strict += gtol[k] <= 1e-4;
        gworst = fmax(gworst, e / gtol[k]);
        if (e > gtol[k]) {
            if (bad < 5)
                tap_diag("%s: %s: sum g^2 %.9g vs %.9g, sum g r %.9g vs %.9g", arch, tok, sq,
                         gsq[k], dot, gdot[k]);
            ++bad;
        }
        ++matched;
    }
    TAP_OK(ok && bad == 0 && matched == ng && ng > 0,
           "%s: gradients of all %zu parameter tensors match PyTorch (%zu at 1e-4; worst "
           "error/tolerance %.2f)", arch, matched, strict, gworst);
    free(nm);
    free(gsq);
    free(gdot);
    free(gtol);
    rmn_net_free(net);
    rmn_st_close(f);
}

int main(void) {
    const char *src = getenv("RMN_SRCDIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/data/golden", src ? src : ".");
    run_case(dir, "resmasking_dropout1", 5e-2, 1, 1.0);
    run_case(dir, "resnet18", 0, 1, 1.0);
    run_case(dir, "vgg19", 0, 1, 1.0);
    /* eval mode (BN on running statistics), no floor. Without normalisation the 34-layer trunk
     * and its masks grow the activations (loss 7.0), and PyTorch's own float32 run lands up to
     * 3.4e-3 from float64 on some gradients. Every tensor must be within 4x the file's
     * tolerance, i.e. 16x that distance (measured worst: 1.0x of the file's tolerance on the
     * "ref" backend, 2.2x on "cpu" whose OpenBLAS SSE3 kernels sum long dot products in
     * float32, 1.3x on "dnnl" with plain activations and 2.9x with blocked ones (the default,
     * which this test runs): the masks' max pools route gradients by argmax, and values that
     * rounding moves by 1e-6 can swap places -- tests/test-blocked shows one such swap), and
     * the logits within 2e-4 -- a wrong op would be off by orders of magnitude more. */
    run_case(dir, "resmasking_dropout1", 0, 0, 4.0);
    return tap_done();
}

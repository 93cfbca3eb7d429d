/* test-center.c -- center loss (train/center.h): its forward and both gradients against
 * central finite differences and against PyTorch (tests/data/center/center-golden.txt, from
 * tools/golden/make_center_golden.py), the paper's center update, and the engine's added
 * feature gradient (nn/net.h rmn_net_value_grad_add) on resnet18_centerloss. */
#include "tap.h"

#include "core/error.h"
#include "models/model.h"
#include "nn/net.h"
#include "train/center.h"
#include "train/train_config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// --- the PyTorch reference ------------------------------------------------------------------

typedef struct {
    char   name[16];
    int    n;
    double v[32];
} entry;

static int read_golden(const char *path, entry *e, int cap) {
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int m = 0;
    while (m < cap && fscanf(f, "%15s %d", e[m].name, &e[m].n) == 2 && e[m].n <= 32) {
        for (int i = 0; i < e[m].n; ++i)
            if (fscanf(f, "%lf", &e[m].v[i]) != 1)
                e[m].n = -1;
        ++m;
    }
    fclose(f);
    return m;
}

static const entry *get(const entry *e, int m, const char *name) {
    for (int i = 0; i < m; ++i)
        if (strcmp(e[i].name, name) == 0)
            return &e[i];
    return NULL;
}

static double maxdiff(const float *a, const double *b, int n) {
    double w = 0;
    for (int i = 0; i < n; ++i)
        w = fmax(w, fabs((double)a[i] - b[i]));
    return w;
}

static void test_golden(void) {
    const char *src = getenv("RMN_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/center/center-golden.txt", src ? src : ".");
    entry e[16];
    int m = read_golden(path, e, 16);
    const entry *ex = get(e, m, "x"), *ey = get(e, m, "y"), *ec = get(e, m, "c"),
                *el = get(e, m, "lambda"), *ea = get(e, m, "alpha"), *eloss = get(e, m, "loss"),
                *edx = get(e, m, "dx"), *edc = get(e, m, "dc"), *ecu = get(e, m, "c_updated");
    if (!TAP_OK(ex && ey && ec && el && ea && eloss && edx && edc && ecu && ex->n == 18 &&
                    ey->n == 6 && ec->n == 12, "read %s", path))
        return;
    enum { N = 6, D = 3, K = 4 };
    float x[N * D], c[K * D], dx[N * D], dc[K * D];
    int32_t y[N];
    for (int i = 0; i < N * D; ++i)
        x[i] = (float)ex->v[i];
    for (int i = 0; i < K * D; ++i)
        c[i] = (float)ec->v[i];
    for (int i = 0; i < N; ++i)
        y[i] = (int32_t)ey->v[i];
    const double lam = el->v[0];
    double loss = lam * rmn_center_loss_forward(x, y, c, N, D);
    TAP_NEAR(loss, eloss->v[0], 1e-6, "lambda L_C equals PyTorch's");
    /* the backward accumulates: start from -want, so a kernel that overwrote would fail */
    for (int i = 0; i < N * D; ++i)
        dx[i] = 0.0f;
    for (int i = 0; i < K * D; ++i)
        dc[i] = 0.0f;
    rmn_center_loss_backward(dx, dc, x, y, c, N, D, lam);
    double wdx = maxdiff(dx, edx->v, N * D), wdc = maxdiff(dc, edc->v, K * D);
    TAP_OK(wdx < 1e-6 && wdc < 1e-6, "dx and dc equal PyTorch's autograd (max |diff| %.2g, %.2g)",
           wdx, wdc);
    for (int i = 0; i < N * D; ++i)
        dx[i] = (float)-edx->v[i];
    rmn_center_loss_backward(dx, NULL, x, y, c, N, D, lam);
    TAP_OK(maxdiff(dx, (const double[N * D]){0}, N * D) < 1e-6,
           "the backward accumulates into dx (started from -want, ends at 0); dc may be NULL");
    TAP_OK(dc[K * D - 1] == 0.0f && dc[K * D - 2] == 0.0f && dc[K * D - 3] == 0.0f,
           "an absent class's center gets no gradient");
    rmn_center_update(c, x, y, N, D, K, ea->v[0]);
    double wu = maxdiff(c, ecu->v, K * D);
    TAP_OK(wu < 1e-6, "Wen et al.'s center update (alpha %g) equals the reference (max |diff| %.2g); "
           "an absent class's center stays", ea->v[0], wu);
}

// --- finite differences -----------------------------------------------------------------------

static void test_finite_differences(void) {
    enum { N = 5, D = 4, K = 3 };
    float x[N * D], c[K * D], dx[N * D] = {0}, dc[K * D] = {0};
    const int32_t y[N] = {2, 0, 2, 1, 2};
    for (int i = 0; i < N * D; ++i)
        x[i] = (float)(0.713 * sin(1.7 * i + 0.3) + 0.2385 * i / (N * D));
    for (int i = 0; i < K * D; ++i)
        c[i] = (float)(0.5 * cos(2.3 * i + 1.1));
    const double scale = 2.385, h = 1e-2;
    rmn_center_loss_backward(dx, dc, x, y, c, N, D, scale);
    double worst = 0, gmax = 0;
    for (int which = 0; which < 2; ++which) {
        float *p = which ? c : x, *g = which ? dc : dx;
        const int count = which ? K * D : N * D;
        for (int i = 0; i < count; ++i) {
            const float keep = p[i];
            p[i] = keep + (float)h;
            double up = scale * rmn_center_loss_forward(x, y, c, N, D);
            p[i] = keep - (float)h;
            double down = scale * rmn_center_loss_forward(x, y, c, N, D);
            p[i] = keep;
            double fd = (up - down) / (2 * h); /* exact for a quadratic, to rounding */
            worst = fmax(worst, fabs(fd - g[i]));
            gmax = fmax(gmax, fabs(g[i]));
        }
    }
    TAP_OK(worst < 1e-4 * fmax(1.0, gmax),
           "dx and dc equal central differences of the loss (worst %.2g, max |g| %.3g)", worst, gmax);
    TAP_NEAR(rmn_center_loss_forward(x, y, c, 0, D), 0.0, 1e-12, "an empty batch has loss 0");
}

// --- the engine's added feature gradient --------------------------------------------------------

static void test_net_grad_add(void) {
    rmn_model_config mc = {.in_channels = 1, .image_size = 48, .num_classes = 7, .seed = 5,
                           .width = 4};
    rmn_net *net = NULL;
    if (!TAP_OK(rmn_model_create("resnet18_centerloss", &mc, &net) == RMN_OK,
                "resnet18_centerloss builds (width 4): %s", net ? "" : rmn_error_message()))
        return;
    const int v = rmn_net_value_classifier_input(net);
    int c = 0, h = 0, w = 0;
    if (v >= 0)
        rmn_net_value_shape(net, v, &c, &h, &w);
    TAP_OK(v > 0 && c == 2 && h == 1 && w == 1,
           "its classifier reads the 2-D embedding '%s' (%d,%d,%d)", v > 0 ? rmn_net_value_name(net, v) : "?",
           c, h, w);
    enum { N = 3 };
    float *x = malloc(N * 48 * 48 * sizeof *x);
    for (int i = 0; i < N * 48 * 48; ++i)
        x[i] = (float)(0.5 + 0.4 * sin(0.37 * i));
    const int32_t labels[N] = {3, 0, 6};
    const float g[N * 2] = {0.25f, -1.5f, 0.75f, 0.125f, -0.5f, 2.0f};
    const rmn_tensor_ref *list;
    int nt;
    rmn_net_tensors(net, &list, &nt);
    float *bias = NULL;
    for (int i = 0; i < nt; ++i)
        if (strcmp(list[i].name, "center_loss_fc.bias") == 0)
            bias = rmn_net_grads(net) + (list[i].data - rmn_net_params(net));
    double loss;
    int ok = rmn_net_plan(net, N) == RMN_OK && rmn_net_forward(net, x, N, 1, NULL) == RMN_OK &&
             rmn_net_loss(net, labels, NULL, &loss, NULL) == RMN_OK && rmn_net_backward(net) == RMN_OK;
    float plain[2] = {0, 0};
    if (ok && bias)
        memcpy(plain, bias, sizeof plain);
    const float *rows = ok ? rmn_net_value_rows(net, v) : NULL;
    TAP_OK(ok && bias && rows, "a training step; the features are readable as rows");
    ok = rmn_net_forward(net, x, N, 1, NULL) == RMN_OK &&
         rmn_net_loss(net, labels, NULL, &loss, NULL) == RMN_OK &&
         rmn_net_value_grad_add(net, v, g) == RMN_OK && rmn_net_backward(net) == RMN_OK;
    /* center_loss_fc writes the features: d bias = its old gradient + the sum of g's rows */
    double e0 = bias ? fabs(bias[0] - (plain[0] + g[0] + g[2] + g[4])) : 1,
           e1 = bias ? fabs(bias[1] - (plain[1] + g[1] + g[3] + g[5])) : 1;
    TAP_OK(ok && e0 < 1e-5 && e1 < 1e-5,
           "the added gradient reaches the features' producer (center_loss_fc.bias off by %.2g, %.2g)",
           e0, e1);
    ok = rmn_net_forward(net, x, N, 1, NULL) == RMN_OK &&
         rmn_net_loss(net, labels, NULL, &loss, NULL) == RMN_OK && rmn_net_backward(net) == RMN_OK;
    TAP_OK(ok && bias && fabs(bias[0] - plain[0]) < 1e-6 && fabs(bias[1] - plain[1]) < 1e-6,
           "for one backward only: the next is the plain one again");
    TAP_OK(rmn_net_value_grad_add(net, 0, g) == RMN_EINVAL, "the input refused: %s",
           rmn_error_message());
    free(x);
    rmn_net_free(net);
}

// --- configuration keys ------------------------------------------------------------------------

static void test_config(void) {
    rmn_train_config cfg, back;
    char off[4096], on[4096];
    rmn_train_config_defaults(&cfg);
    TAP_OK(cfg.center_loss_weight == 0 && cfg.center_lr == 0.5, "defaults: off, alpha 0.5");
    rmn_train_config_canonical(&cfg, off, sizeof off);
    TAP_OK(!strstr(off, "center_"), "off: no center_* line, so every other configuration keeps its "
           "canonical text and hash");
    TAP_OK(rmn_train_config_apply_json(&cfg, "{\"center_loss_weight\": 0.003, \"center_lr\": 0.25}",
                                       "c.json") == RMN_OK, "the keys are accepted");
    rmn_train_config_canonical(&cfg, on, sizeof on);
    TAP_OK(strstr(on, "\ncenter_loss_weight=0.003\ncenter_lr=0.25\n") != NULL,
           "on: both in the canonical text, in key order");
    TAP_OK(rmn_train_config_from_canonical(&back, on, "t") == RMN_OK && back.center_loss_weight == 0.003 &&
           back.center_lr == 0.25, "and read back from it");
    TAP_OK(rmn_train_config_apply_json(&cfg, "{\"center_loss_weight\": -1}", "c.json") == RMN_EINVAL,
           "a negative weight refused: %s", rmn_error_message());
    rmn_train_config_defaults(&cfg);
    TAP_OK(rmn_train_config_apply_json(&cfg, "{\"center_lr\": 1.5}", "c.json") == RMN_EINVAL,
           "alpha above 1 refused: %s", rmn_error_message());
}

int main(void) {
    test_config();
    test_golden();
    test_finite_differences();
    test_net_grad_add();
    return tap_done();
}

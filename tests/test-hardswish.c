/* test-hardswish.c -- the hardswish op, added by docs/ARCHITECTURE.md's recipe ("Adding an
 * op"): its kernels against PyTorch 1.13's values (F.hardswish and its backward, the numbers
 * committed below: tests never run Python), the cpu kernel equal to the reference, and the op
 * in a graph on every backend (ref, cpu, dnnl with its blocked layouts): the value the net
 * writes is the kernel of its input, the input's gradient the kernel's backward, the layout and
 * fresh rules and the value's automatic name those of its descriptor. Its finite-difference
 * rows are in test-grad.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/builder.h"
#include "tap.h"
#include "tensor/hardswish.h"

#define N 16

/* torch.nn.functional.hardswish(x).backward(g) in PyTorch 1.13.0 (float32) */
static const float X[N] = {-5, -3.5, -3, -2.9000001f, -1.25, -0.5, 0, 0.300000012f, 1, 2.5,
                           2.99900007f, 3, 3.00999999f, 4.5, 7, -0.00100000005f};
static const float G[N] = {0.5, -1, 2, 0.25, -0.75, 1.5, 1, -2, 0.125, 3, -0.5, 1, 0.699999988f,
                           -1.10000002f, 0.899999976f, 2.20000005f};
static const float Y[N] = {-0.0f, -0.0f, -0.0f, -0.0483332872f, -0.364583343f, -0.208333328f, 0,
                           0.165000007f, 0.666666687f, 2.29166675f, 2.99850011f, 3, 3.00999999f,
                           4.5, 7, -0.000499833375f};
static const float DX[N] = {0, 0, -1, -0.116666675f, -0.0625000075f, 0.49999997f, 0.5,
                            -1.20000005f, 0.104166672f, 3.99999976f, -0.749833345f, 1,
                            0.699999988f, -1.10000002f, 0.899999976f, 1.09926665f};

static double max_rel(const float *a, const float *b, int n) {
    double e = 0.0;
    for (int i = 0; i < n; ++i)
        e = fmax(e, fabs((double)a[i] - b[i]) / fmax(1.0, fabs((double)b[i])));
    return e;
}

static void kernels(void) {
    float y[N], dx[N], y2[N], dx2[N];
    rmn_ref_hardswish_forward(y, X, N);
    memset(dx, 0, sizeof dx);
    rmn_ref_hardswish_backward(dx, G, X, N);
    TAP_OK(max_rel(y, Y, N) < 1e-6, "ref forward matches PyTorch (max rel err %.2e)",
           max_rel(y, Y, N));
    TAP_OK(max_rel(dx, DX, N) < 1e-6, "ref backward matches PyTorch, 0 below -3, x/3+1/2 from "
           "-3, 1 from 3 (max rel err %.2e)", max_rel(dx, DX, N));
    for (int i = 0; i < N; ++i)
        dx2[i] = 1.0f;
    rmn_ref_hardswish_backward(dx2, G, X, N);
    int acc = 1;
    for (int i = 0; i < N; ++i)
        acc &= dx2[i] == 1.0f + dx[i];
    TAP_OK(acc, "ref backward accumulates into dx");
    enum { M = 200003 }; /* past the OpenMP threshold */
    float *x = malloc(M * sizeof *x), *a = malloc(M * sizeof *a), *b = malloc(M * sizeof *b),
          *g = malloc(M * sizeof *g), *da = calloc(M, sizeof *da), *db = calloc(M, sizeof *db);
    for (int i = 0; i < M; ++i)
        x[i] = (float)(i % 1201) / 100.0f - 6.0f, g[i] = (float)((i * 7) % 13) - 6.0f;
    rmn_ref_hardswish_forward(a, x, M);
    rmn_cpu_hardswish_forward(b, x, M, 2);
    rmn_ref_hardswish_backward(da, g, x, M);
    rmn_cpu_hardswish_backward(db, g, x, M, 2);
    TAP_OK(memcmp(a, b, M * sizeof *a) == 0 && memcmp(da, db, M * sizeof *da) == 0,
           "cpu kernels (2 threads) equal the reference bit for bit on %d values", (int)M);
    rmn_cpu_hardswish_forward(y2, X, N, 1);
    TAP_OK(memcmp(y, y2, sizeof y) == 0, "cpu forward equals the reference on the golden inputs");
    free(x), free(a), free(b), free(g), free(da), free(db);
}

/* input (16,3,3) -> conv 1x1 (16) -> hardswish -> gap -> linear (3): the op inside a net */
static void in_a_net(const char *backend) {
    rmn_net *net = NULL;
    int x = 0, c, h, v;
    int rc = rmn_net_alloc(&net, "hsnet", 16, 3, 3);
    rc = rc ? rc : rmn_net_set_backend(net, backend);
    rc = rc ? rc : rmn_net_add_conv2d(net, "conv", 0, 16, 1, 1, 0, 1, &c);
    rc = rc ? rc : rmn_net_add_hardswish(net, c, &h);
    rc = rc ? rc : rmn_net_add_gap(net, h, &x);
    rc = rc ? rc : rmn_net_add_linear(net, "fc", x, 3, 1, &x);
    rc = rc ? rc : rmn_net_finalize(net, x, 7);
    TAP_OK(rc == RMN_OK, "%s: a net with hardswish builds: %s", backend,
           rc ? rmn_error_message() : "ok");
    if (rc != RMN_OK) {
        rmn_net_free(net);
        return;
    }
    TAP_OK(rmn_net_value_find(net, "conv.hardswish", &v) == RMN_OK && v == h,
           "%s: its value is named conv.hardswish", backend);
    enum { B = 2, S = 16 * 9 };
    float in[B * S], dl[B * 3] = {1, -0.5f, 2, 0.25f, 1.5f, -1};
    for (int i = 0; i < B * S; ++i)
        in[i] = (float)((i * 37) % 101) / 12.0f - 4.0f;
    /* in training mode the plan keeps every value: read the blocked ones back in plain NCHW */
    rc = rmn_net_forward(net, in, B, 1, NULL);
    rc = rc ? rc : rmn_net_backward_from(net, dl);
    TAP_OK(rc == RMN_OK, "%s: forward and backward run", backend);
    double ey = 0.0, eg = 0.0;
    for (int i = 0; rc == RMN_OK && i < B; ++i) {
        float a[S], ga[S], y[S], gy[S], want[S], gwant[S];
        rmn_net_value_read(net, c, i, a, ga);
        rmn_net_value_read(net, h, i, y, gy);
        rmn_ref_hardswish_forward(want, a, S);
        memset(gwant, 0, sizeof gwant);
        rmn_ref_hardswish_backward(gwant, gy, a, S);
        ey = fmax(ey, max_rel(y, want, S));
        eg = fmax(eg, max_rel(ga, gwant, S));
    }
    TAP_OK(rc == RMN_OK && ey == 0.0, "%s: the value is the kernel of its input (max err %.2e)",
           backend, ey);
    TAP_OK(rc == RMN_OK && eg < 1e-6, "%s: the input's gradient is the kernel's backward "
           "(max rel err %.2e)", backend, eg);
    if (strcmp(backend, "dnnl") == 0) {
        const char *env = getenv("RMN_DNNL_BLOCKED");
        if (env && strcmp(env, "0") == 0)
            TAP_SKIP("RMN_DNNL_BLOCKED=0: every value plain");
        else /* blocked values have no plain rows: 16 channels, 3x3, between conv and GAP */
            TAP_OK(rmn_net_value_rows(net, h) == NULL && rmn_net_value_rows(net, c) == NULL,
                   "dnnl: the layout rule keeps hardswish's input and output blocked (nChw16c)");
    }
    rmn_net_free(net);
}

int main(void) {
    kernels();
    in_a_net("ref");
    in_a_net("cpu");
    in_a_net("dnnl");
    rmn_net *net = NULL;
    int y;
    int rc = rmn_net_alloc(&net, "hsnet", 1, 4, 4);
    rc = rc ? rc : rmn_net_add_hardswish(net, 5, &y);
    TAP_OK(rc == RMN_EINVAL, "hardswish of an unknown value: RMN_EINVAL (%s)",
           rmn_error_message());
    rmn_net_free(net);
    return tap_done();
}

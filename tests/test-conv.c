/* test-conv.c -- the fast conv2d (im2col + sgemm) against the naive oracle on odd shapes:
 * kernels 1, 3, 5; strides 1, 2; padding 0, 1, 2; C=5, K=7, N=3, 9x7 images; forward and
 * backward (dx, dw, db) within 1e-5 relative (max |fast - ref| / max |ref|). Then the
 * OpenMP path: 2 threads agree with 1 within tolerance and repeat bit for bit. Then the
 * general shapes (groups, depthwise, dilation, 1x7 / 7x1 kernels, unequal strides) and the
 * transposed conv, fast path against the oracle with 2 threads, gradients accumulated onto
 * preset values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tap.h"
#include "tensor/ops.h"

static double rel_err(const float *a, const float *b, size_t n) {
    double m = 0.0, r = 0.0;
    for (size_t i = 0; i < n; ++i) {
        m = fmax(m, fabs((double)a[i] - b[i]));
        r = fmax(r, fabs((double)b[i]));
    }
    return m / fmax(r, 1e-30);
}

static void fill(float *p, size_t n, rmn_rng *rng) {
    for (size_t i = 0; i < n; ++i)
        p[i] = (float)(2.7 * rmn_rng_uniform(rng) - 1.3);
}

typedef struct {
    rmn_conv2d_shape sh;
    size_t nx, nw, ny;
    float *x, *w, *b, *dy, *ws;
} problem;

static void problem_init(problem *pr, int kernel, int stride, int pad, int nthreads,
                         rmn_rng *rng) {
    rmn_conv2d_shape_init(&pr->sh, 3, 5, 9, 7, 7, kernel, stride, pad);
    pr->nx = (size_t)3 * 5 * 9 * 7;
    pr->nw = (size_t)7 * 5 * kernel * kernel;
    pr->ny = (size_t)3 * 7 * pr->sh.p * pr->sh.q;
    pr->x = malloc(pr->nx * sizeof(float));
    pr->w = malloc(pr->nw * sizeof(float));
    pr->b = malloc(7 * sizeof(float));
    pr->dy = malloc(pr->ny * sizeof(float));
    pr->ws = malloc(rmn_gemm_conv2d_workspace(&pr->sh, nthreads) * sizeof(float));
    fill(pr->x, pr->nx, rng);
    fill(pr->w, pr->nw, rng);
    fill(pr->b, 7, rng);
    fill(pr->dy, pr->ny, rng);
}

static void problem_free(problem *pr) {
    free(pr->x);
    free(pr->w);
    free(pr->b);
    free(pr->dy);
    free(pr->ws);
}

/* Runs forward and backward of the fast path with nthreads, accumulating onto preset
 * gradient values (to check accumulation), into y, dx, dw, db. */
static void run_fast(const problem *pr, int nthreads, float *y, float *dx, float *dw,
                     float *db) {
    for (size_t i = 0; i < pr->nx; ++i)
        dx[i] = 0.25f;
    for (size_t i = 0; i < pr->nw; ++i)
        dw[i] = -0.5f;
    for (int i = 0; i < 7; ++i)
        db[i] = 0.125f;
    rmn_gemm_conv2d_forward(y, pr->x, pr->w, pr->b, &pr->sh, pr->ws, nthreads);
    rmn_gemm_conv2d_backward(dx, dw, db, pr->dy, pr->x, pr->w, &pr->sh, pr->ws, nthreads);
}

static void fill_const(float *p, size_t n, float v) {
    for (size_t i = 0; i < n; ++i)
        p[i] = v;
}

/* The general conv shapes: im2col + sgemm per group vs the oracle, 2 threads. */
static void test_general(rmn_rng *rng) {
    static const struct {
        const char *what;
        int c, k;
        rmn_conv_params p;
    } cs[] = {
        {"groups 3 3x3 s2 p1", 6, 9, {3, 3, 2, 2, 1, 1, 1, 1, 3, 0, 0, 0}},
        {"depthwise 3x3 p1", 5, 5, {3, 3, 1, 1, 1, 1, 1, 1, 5, 0, 0, 0}},
        {"depthwise x2 5x5 s2 p2", 4, 8, {5, 5, 2, 2, 2, 2, 1, 1, 4, 0, 0, 0}},
        {"dilation 2 3x3 p2", 5, 7, {3, 3, 1, 1, 2, 2, 2, 2, 1, 0, 0, 0}},
        {"dilation 2,3 3x3 s2 p1", 5, 7, {3, 3, 2, 2, 1, 1, 2, 3, 1, 0, 0, 0}},
        {"1x7 p0,3", 5, 7, {1, 7, 1, 1, 0, 3, 1, 1, 1, 0, 0, 0}},
        {"7x1 p3,0 s1,2", 5, 7, {7, 1, 1, 2, 3, 0, 1, 1, 1, 0, 0, 0}},
        {"1x1 groups 5", 5, 10, {1, 1, 1, 1, 0, 0, 1, 1, 5, 0, 0, 0}},
        /* asymmetric pads (top, left; bottom, right): TF "same" and others */
        {"depthwise 3x3 s2 p0,0/1,1", 5, 5, {3, 3, 2, 2, 0, 0, 1, 1, 5, 1, 1, 1}},
        {"depthwise x2 5x5 s2 p1,1/2,2", 4, 8, {5, 5, 2, 2, 1, 1, 1, 1, 4, 1, 2, 2}},
        {"3x3 p2,0/0,2", 5, 7, {3, 3, 1, 1, 2, 0, 1, 1, 1, 1, 0, 2}},
        {"1x1 p0,0/1,1", 5, 7, {1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1}},
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; ++i) {
        rmn_conv2d_shape sh;
        if (rmn_conv2d_shape_full(&sh, 3, cs[i].c, 9, 7, cs[i].k, &cs[i].p) != RMN_OK) {
            TAP_OK(0, "conv %s: shape", cs[i].what);
            continue;
        }
        const size_t nx = (size_t)3 * sh.c * 9 * 7, ny = (size_t)3 * sh.k * sh.p * sh.q;
        const size_t nw = (size_t)sh.k * (sh.c / sh.groups) * sh.r * sh.s;
        float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc(sh.k * 4), *dy = malloc(ny * 4);
        float *y0 = malloc(ny * 4), *y1 = malloc(ny * 4), *dx0 = malloc(nx * 4), *dx1 = malloc(nx * 4);
        float *dw0 = malloc(nw * 4), *dw1 = malloc(nw * 4), *db0 = malloc(sh.k * 4), *db1 = malloc(sh.k * 4);
        float *ws = malloc(rmn_gemm_conv2d_workspace(&sh, 2) * 4);
        fill(x, nx, rng), fill(w, nw, rng), fill(b, sh.k, rng), fill(dy, ny, rng);
        fill_const(dx0, nx, 0.25f), fill_const(dx1, nx, 0.25f);
        fill_const(dw0, nw, -0.5f), fill_const(dw1, nw, -0.5f);
        fill_const(db0, sh.k, 0.125f), fill_const(db1, sh.k, 0.125f);
        rmn_ref_conv2d_forward(y0, x, w, b, &sh);
        rmn_ref_conv2d_backward(dx0, dw0, db0, dy, x, w, &sh);
        rmn_gemm_conv2d_forward(y1, x, w, b, &sh, ws, 2);
        rmn_gemm_conv2d_backward(dx1, dw1, db1, dy, x, w, &sh, ws, 2);
        const double ef = rel_err(y1, y0, ny), ex = rel_err(dx1, dx0, nx);
        const double ew = rel_err(dw1, dw0, nw), eb = rel_err(db1, db0, sh.k);
        TAP_OK(ef < 1e-5 && ex < 1e-5 && ew < 1e-5 && eb < 1e-5, "conv %s -> %dx%d: im2col "
               "matches the oracle (y %.2e, dx %.2e, dw %.2e, db %.2e)", cs[i].what, sh.p, sh.q,
               ef, ex, ew, eb);
        free(x), free(w), free(b), free(dy), free(y0), free(y1), free(dx0), free(dx1);
        free(dw0), free(dw1), free(db0), free(db1), free(ws);
    }
}

/* The transposed conv through the conv kernels vs its own oracle, 2 threads. */
static void test_transposed(rmn_rng *rng) {
    static const struct {
        const char *what;
        rmn_conv_params p;
        int oph, opw;
    } cs[] = {
        {"k2 s2", {2, 2, 2, 2, 0, 0, 1, 1, 1, 0, 0, 0}, 0, 0},
        {"k3 s2 p1 outpad 1", {3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 0, 0}, 1, 1},
        {"k4 s2 p1 groups 2", {4, 4, 2, 2, 1, 1, 1, 1, 2, 0, 0, 0}, 0, 0},
        {"k3 s1 p1 dilation 2", {3, 3, 1, 1, 1, 1, 2, 2, 1, 0, 0, 0}, 0, 0},
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; ++i) {
        rmn_convt2d_shape sh;
        if (rmn_convt2d_shape_full(&sh, 3, 6, 5, 4, 4, &cs[i].p, cs[i].oph, cs[i].opw) != RMN_OK) {
            TAP_OK(0, "conv_transpose %s: shape", cs[i].what);
            continue;
        }
        const size_t nx = (size_t)3 * 6 * 5 * 4, ny = (size_t)3 * 4 * sh.p * sh.q;
        const size_t nw = (size_t)6 * (4 / sh.groups) * sh.r * sh.s;
        float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc(16), *dy = malloc(ny * 4);
        float *y0 = malloc(ny * 4), *y1 = malloc(ny * 4), *dx0 = malloc(nx * 4), *dx1 = malloc(nx * 4);
        float *dw0 = malloc(nw * 4), *dw1 = malloc(nw * 4), db0[4], db1[4];
        float *ws = malloc(rmn_gemm_convt2d_workspace(&sh, 2) * 4);
        fill(x, nx, rng), fill(w, nw, rng), fill(b, 4, rng), fill(dy, ny, rng);
        fill_const(dx0, nx, 0.25f), fill_const(dx1, nx, 0.25f);
        fill_const(dw0, nw, -0.5f), fill_const(dw1, nw, -0.5f);
        fill_const(db0, 4, 0.125f), fill_const(db1, 4, 0.125f);
        rmn_ref_convt2d_forward(y0, x, w, b, &sh);
        rmn_ref_convt2d_backward(dx0, dw0, db0, dy, x, w, &sh);
        rmn_gemm_convt2d_forward(y1, x, w, b, &sh, ws, 2);
        rmn_gemm_convt2d_backward(dx1, dw1, db1, dy, x, w, &sh, ws, 2);
        const double ef = rel_err(y1, y0, ny), ex = rel_err(dx1, dx0, nx);
        const double ew = rel_err(dw1, dw0, nw), eb = rel_err(db1, db0, 4);
        TAP_OK(ef < 1e-5 && ex < 1e-5 && ew < 1e-5 && eb < 1e-5, "conv_transpose %s -> %dx%d: "
               "cpu matches the oracle (y %.2e, dx %.2e, dw %.2e, db %.2e)", cs[i].what, sh.p,
               sh.q, ef, ex, ew, eb);
        free(x), free(w), free(b), free(dy), free(y0), free(y1), free(dx0), free(dx1);
        free(dw0), free(dw1), free(ws);
    }
}

int main(void) {
    rmn_rng rng;
    rmn_rng_init(&rng, 4711, RMN_STREAM_INIT);
    const int kernels[3] = {1, 3, 5};
    for (int ki = 0; ki < 3; ++ki)
        for (int stride = 1; stride <= 2; ++stride)
            for (int pad = 0; pad <= 2; ++pad) {
                const int k = kernels[ki];
                problem pr;
                problem_init(&pr, k, stride, pad, 1, &rng);
                float *y0 = malloc(pr.ny * sizeof(float)), *y1 = malloc(pr.ny * sizeof(float));
                float *dx0 = malloc(pr.nx * sizeof(float)), *dx1 = malloc(pr.nx * sizeof(float));
                float *dw0 = malloc(pr.nw * sizeof(float)), *dw1 = malloc(pr.nw * sizeof(float));
                float db0[7], db1[7];
                for (size_t i = 0; i < pr.nx; ++i)
                    dx0[i] = 0.25f;
                for (size_t i = 0; i < pr.nw; ++i)
                    dw0[i] = -0.5f;
                for (int i = 0; i < 7; ++i)
                    db0[i] = 0.125f;
                rmn_ref_conv2d_forward(y0, pr.x, pr.w, pr.b, &pr.sh);
                rmn_ref_conv2d_backward(dx0, dw0, db0, pr.dy, pr.x, pr.w, &pr.sh);
                run_fast(&pr, 1, y1, dx1, dw1, db1);
                double ef = rel_err(y1, y0, pr.ny);
                double ex = rel_err(dx1, dx0, pr.nx), ew = rel_err(dw1, dw0, pr.nw);
                double eb = rel_err(db1, db0, 7);
                TAP_OK(ef < 1e-5, "conv %dx%d stride %d pad %d -> %dx%d: forward matches the "
                       "oracle (rel err %.2e)", k, k, stride, pad, pr.sh.p, pr.sh.q, ef);
                TAP_OK(ex < 1e-5 && ew < 1e-5 && eb < 1e-5,
                       "conv %dx%d stride %d pad %d: backward accumulates like the oracle "
                       "(dx %.2e, dw %.2e, db %.2e)", k, k, stride, pad, ex, ew, eb);
                free(y0), free(y1), free(dx0), free(dx1), free(dw0), free(dw1);
                problem_free(&pr);
            }

    /* OpenMP over the batch: BLAS single-threaded inside, deterministic reduction. */
    problem pr;
    problem_init(&pr, 3, 2, 1, 2, &rng);
    float *y[3], *dx[3], *dw[3], db[3][7];
    for (int r = 0; r < 3; ++r) {
        y[r] = malloc(pr.ny * sizeof(float));
        dx[r] = malloc(pr.nx * sizeof(float));
        dw[r] = malloc(pr.nw * sizeof(float));
        run_fast(&pr, r == 0 ? 1 : 2, y[r], dx[r], dw[r], db[r]);
    }
    TAP_OK(memcmp(y[0], y[1], pr.ny * sizeof(float)) == 0 &&
               memcmp(dx[0], dx[1], pr.nx * sizeof(float)) == 0,
           "2 threads: forward and dx equal 1 thread bit for bit (images are independent)");
    double ew = rel_err(dw[1], dw[0], pr.nw), eb = rel_err(db[1], db[0], 7);
    TAP_OK(ew < 1e-6 && eb < 1e-6, "2 threads: dw, db agree with 1 thread (%.2e, %.2e)", ew, eb);
    TAP_OK(memcmp(dw[1], dw[2], pr.nw * sizeof(float)) == 0 && memcmp(db[1], db[2], sizeof db[1]) == 0,
           "2 threads twice: the same bits");
    for (int r = 0; r < 3; ++r)
        free(y[r]), free(dx[r]), free(dw[r]);
    problem_free(&pr);
    test_general(&rng);
    test_transposed(&rng);
    return tap_done();
}

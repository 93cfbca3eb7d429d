/* test-conv.c -- the fast conv2d (im2col + sgemm) against the naive oracle on odd shapes:
 * kernels 1, 3, 5; strides 1, 2; padding 0, 1, 2; C=5, K=7, N=3, 9x7 images; forward and
 * backward (dx, dw, db) within 1e-5 relative (max |fast - ref| / max |ref|). Then the
 * OpenMP path: 2 threads agree with 1 within tolerance and repeat bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    return tap_done();
}

/* cpu_binary.c -- the cpu backend's binary ops, forward and backward: broadcast add, mul and
 * mul1p (one (n, c) plane per OpenMP iteration; the backward of same-shape operands
 * vectorised and fresh-aware, of broadcast ones a sample per iteration), and the residual sum
 * fused with the ReLU after it. Loops the
 * compiler vectorises, split over OpenMP threads for large tensors; the ref kernels' bits. */
#include "tensor/ops.h"

#include "tensor/cpu_internal.h"

/* y,a:(N,C,H,W) b:(N,BC,BH,BW) -- one (n, c) plane per iteration */
void rmn_cpu_binary_forward(float *y, const float *a, const float *b, const rmn_bcast_shape *sh,
                            rmn_binary op, int nthreads) {
    (void)nthreads;
    const size_t planes = (size_t)sh->n * sh->c, hw = (size_t)sh->h * sh->w;
    const size_t bplane = (size_t)sh->bh * sh->bw;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (planes * hw >= RMN_ELTWISE_PAR)
    for (size_t pl = 0; pl < planes; ++pl) {
        const size_t n = pl / (size_t)sh->c, c = pl % (size_t)sh->c;
        const float *bp = b + (n * sh->bc + (sh->bc == 1 ? 0 : c)) * bplane;
        const float *ap = a + pl * hw;
        float *yp = y + pl * hw;
        const float one = op == RMN_BINARY_MUL1P ? 1.0f : 0.0f;
        if (bplane == hw) {
            if (op == RMN_BINARY_ADD)
                for (size_t i = 0; i < hw; ++i)
                    yp[i] = ap[i] + bp[i];
            else
                for (size_t i = 0; i < hw; ++i)
                    yp[i] = ap[i] * (one + bp[i]);
        } else if (bplane == 1) {
            const float v = bp[0];
            if (op == RMN_BINARY_ADD)
                for (size_t i = 0; i < hw; ++i)
                    yp[i] = ap[i] + v;
            else
                for (size_t i = 0; i < hw; ++i)
                    yp[i] = ap[i] * (one + v);
        } else {
            for (int h = 0; h < sh->h; ++h)
                for (int w = 0; w < sh->w; ++w) {
                    const float v = bp[(size_t)(sh->bh == 1 ? 0 : h) * sh->bw +
                                       (sh->bw == 1 ? 0 : w)];
                    const size_t i = (size_t)h * sh->w + w;
                    yp[i] = op == RMN_BINARY_ADD ? ap[i] + v : ap[i] * (one + v);
                }
        }
    }
}

/* The gradient one operand of a same-shape binary op receives: g:(count) = dy times the
 * other operand's factor (1 for add, b for mul, 1 + b for mul1p on a, a for either mul on
 * b), written or added. */
static void binary_grad(float *d, const float *dy, const float *other, size_t count, int kind,
                        int fresh, int nthreads) {
    (void)nthreads;
    /* kind 0: d = dy, 1: d = dy * other, 2: d = dy * (1 + other) */
#pragma omp parallel for simd schedule(static) num_threads(nthreads) if (count >= RMN_ELTWISE_PAR)
    for (size_t i = 0; i < count; ++i) {
        const float g = kind == 0 ? dy[i] : kind == 1 ? dy[i] * other[i] : dy[i] * (1.0f + other[i]);
        d[i] = fresh ? g : d[i] + g;
    }
}

/* da,db,dy,a,b:(count) */
void rmn_cpu_binary_backward_same(float *da, float *db, const float *dy, const float *a,
                                  const float *b, size_t count, rmn_binary op, int fresh_a,
                                  int fresh_b, int nthreads) {
    if (da)
        binary_grad(da, dy, b, count, op == RMN_BINARY_ADD ? 0 : op == RMN_BINARY_MUL ? 1 : 2,
                    fresh_a, nthreads);
    if (db)
        binary_grad(db, dy, a, count, op == RMN_BINARY_ADD ? 0 : 1, fresh_b, nthreads);
}

/* The broadcast backward: the ref kernel's loops and order (n, c, h, w; db's sums in float in
 * that order, so the same bits), samples split over threads -- each sample's slice of db is
 * its own -- and the inner loop over w vectorised where b varies along it. */
void rmn_cpu_binary_backward_bcast(float *da, float *db, const float *dy, const float *a,
                                   const float *b, const rmn_bcast_shape *sh, rmn_binary op,
                                   int nthreads) {
    (void)nthreads;
    const int C = sh->c, H = sh->h, W = sh->w;
    const size_t bsample = (size_t)sh->bc * sh->bh * sh->bw, sample = (size_t)C * H * W;
    const float one = op == RMN_BINARY_MUL1P ? 1.0f : 0.0f;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (sh->n > 1 && sample * sh->n >= RMN_ELTWISE_PAR)
    for (int n = 0; n < sh->n; ++n)
        for (int c = 0; c < C; ++c)
            for (int h = 0; h < H; ++h) {
                const size_t i0 = (size_t)n * sample + ((size_t)c * H + h) * W;
                const size_t j0 = (size_t)n * bsample +
                                  ((size_t)(sh->bc == 1 ? 0 : c) * sh->bh + (sh->bh == 1 ? 0 : h)) *
                                      sh->bw;
                const float *g = dy + i0, *av = a + i0, *bv = b + j0;
                if (sh->bw == W) { /* b varies along w: element-wise, vectorised */
                    if (da)
#pragma omp simd
                        for (int w = 0; w < W; ++w)
                            da[i0 + w] += op == RMN_BINARY_ADD ? g[w] : g[w] * (one + bv[w]);
                    if (db)
#pragma omp simd
                        for (int w = 0; w < W; ++w)
                            db[j0 + w] += op == RMN_BINARY_ADD ? g[w] : g[w] * av[w];
                } else { /* one b for the row: its sum in order */
                    const float f = op == RMN_BINARY_ADD ? 1.0f : one + bv[0];
                    if (da)
#pragma omp simd
                        for (int w = 0; w < W; ++w)
                            da[i0 + w] += op == RMN_BINARY_ADD ? g[w] : g[w] * f;
                    if (db)
                        for (int w = 0; w < W; ++w)
                            db[j0] += op == RMN_BINARY_ADD ? g[w] : g[w] * av[w];
                }
            }
}

/* y,a,b:(count) */
void rmn_cpu_add_relu_forward(float *y, const float *a, const float *b, size_t count, int nthreads) {
    (void)nthreads;
#pragma omp parallel for simd schedule(static) num_threads(nthreads) if (count >= RMN_ELTWISE_PAR)
    for (size_t i = 0; i < count; ++i) {
        const float v = a[i] + b[i];
        y[i] = v > 0.0f ? v : 0.0f;
    }
}

/* da,db,dy,y:(count) */
void rmn_cpu_add_relu_backward(float *da, float *db, const float *dy, const float *y, size_t count,
                               int fresh_a, int fresh_b, int nthreads) {
    (void)nthreads;
    if (da && db && fresh_a && fresh_b) { /* the usual case (a residual block's end): one pass */
#pragma omp parallel for simd schedule(static) num_threads(nthreads) if (count >= RMN_ELTWISE_PAR)
        for (size_t i = 0; i < count; ++i) {
            const float g = rmn_gate(dy[i], y[i] > 0.0f);
            da[i] = g;
            db[i] = g;
        }
        return;
    }
    /* otherwise each operand gets the ReLU's backward (y > 0 exactly where a + b > 0) */
    if (da)
        rmn_cpu_relu_backward(da, dy, y, count, fresh_a, nthreads);
    if (db)
        rmn_cpu_relu_backward(db, dy, y, count, fresh_b, nthreads);
}

/* blocked16_norm.c -- batch norm in training on nChw16c activations (see blocked16.h), forward
 * and backward, optionally fused with the ReLU after it.
 *
 * Why not oneDNN's: its batch-norm kernels synchronise their threads with spinning barriers
 * inside each call, so when another process takes a core from one thread for a moment the
 * others spin until it returns -- on a shared 2-core machine a training step's batch norms
 * took 70x their quiet time, while the convolutions took 2x (docs/PERFORMANCE.md). These
 * kernels use only OpenMP's own loops (which sleep under OMP_WAIT_POLICY=passive).
 *
 * Work is split into tasks of (channel block, chunk of samples) with the number of chunks
 * fixed by the batch alone (not by the threads), and the chunks' partial sums are added in
 * order: the results are the same bits on any number of threads. Sums are taken in double;
 * the variance is the mean squared deviation from the mean (two passes). The per-plane loops
 * (16 channels wide) are compiled for AVX-512 and AVX2 beside baseline (core/simd.h). */
#include "tensor/blocked16.h"

#include "core/simd.h"

#include <math.h>

#define L 16 /* channels per block */
#define MAX_CHUNKS 16

static int chunks_for(int n) { return n < MAX_CHUNKS ? n : MAX_CHUNKS; }

/* Two partial-sum arrays of (channel blocks x chunks x 16) and per-channel room (2c). */
static size_t partials(int n, int c) { return (size_t)(c / L) * (size_t)chunks_for(n) * L; }

size_t rmn_b16_bn_scratch_doubles(int n, int c) { return 2 * partials(n, c) + 2 * (size_t)c; }

/* part[(cb * nch + j) * L + l] = sum over samples of chunk j, positions, of f(value) for
 * channel cb * 16 + l; the callers' f are written out below (no function pointers in the
 * inner loops). Returns per-channel totals in tot[c] (double, chunks added in order). */
static void reduce_chunks(double *tot, const double *part, int c, int nch) {
    for (int ch = 0; ch < c; ++ch) {
        const int cb = ch / L, l = ch % L;
        double s = 0.0;
        for (int j = 0; j < nch; ++j)
            s += part[((size_t)cb * nch + j) * L + l];
        tot[ch] = s;
    }
}

/* Threads for a call over count values: one below 1 MiB of them, where waking a second thread
 * (futex, OMP_WAIT_POLICY=passive) costs more than it saves (measured: 0.5 MiB forward 82 us
 * on one thread, 112 us on two). */
static int threads_for(int nthreads, size_t count) {
    return count * sizeof(float) < ((size_t)1 << 20) ? 1 : nthreads;
}

static void chunk_range(int n, int nch, int j, int *n0, int *n1) {
    *n0 = (int)((long)n * j / nch);
    *n1 = (int)((long)n * (j + 1) / nch);
}

/* Per plane of hw positions x 16 channels (the loops the compiler vectorises): */

/* The fused ReLU's mask: one 16-bit word per position of a plane, bit l set where channel l's
 * output is positive (an eighth of a byte mask's traffic). Reading it, each lane shifts the
 * word by its own lane number -- a vector shift -- so that the float loops keep their width. */
static const uint32_t lane_bit[L] = {1u << 0,  1u << 1,  1u << 2,  1u << 3, 1u << 4,  1u << 5,
                                     1u << 6,  1u << 7,  1u << 8,  1u << 9, 1u << 10, 1u << 11,
                                     1u << 12, 1u << 13, 1u << 14, 1u << 15};

/* s1 += sum of x, s2 += sum of x^2 (each square exact in double) */
RMN_SIMD_CLONES static void plane_moments(double *s1, double *s2, const float *x, int hw) {
    double a1[L], a2[L]; /* local: kept in registers across the loop */
    for (int l = 0; l < L; ++l)
        a1[l] = s1[l], a2[l] = s2[l];
    for (int p = 0; p < hw; ++p)
#pragma omp simd
        for (int l = 0; l < L; ++l) {
            const double v = x[(size_t)p * L + l];
            a1[l] += v;
            a2[l] += v * v;
        }
    for (int l = 0; l < L; ++l)
        s1[l] = a1[l], s2[l] = a2[l];
}

/* y = (x - mu - lo) sc + sh, rectified with mask = (y > 0) when mask is non-NULL */
RMN_SIMD_CLONES static void plane_norm(float *y, uint16_t *mask, const float *x, const float *mu,
                                       const float *lo, const float *sc, const float *sh,
                                       int hw) {
    const size_t cnt = (size_t)hw * L;
    if (mask) {
        for (size_t i = 0; i < cnt; i += L) {
            uint32_t bits = 0;
#pragma omp simd reduction(| : bits)
            for (int l = 0; l < L; ++l) {
                const float v = ((x[i + l] - mu[l]) - lo[l]) * sc[l] + sh[l];
                y[i + l] = v > 0.0f ? v : 0.0f;
                bits |= v > 0.0f ? lane_bit[l] : 0u;
            }
            mask[i / L] = (uint16_t)bits;
        }
    } else {
        for (size_t i = 0; i < cnt; i += L)
#pragma omp simd
            for (int l = 0; l < L; ++l)
                y[i + l] = ((x[i + l] - mu[l]) - lo[l]) * sc[l] + sh[l];
    }
}

/* s1 += sum of dy', s2 += sum of dy' (x - mu), dy' = dy where mask (if any); summed in float
 * over the plane, added to the double sums once */
RMN_SIMD_CLONES static void plane_dsums(double *s1, double *s2, const float *dy,
                                        const uint16_t *mask, const float *x, const float *mu,
                                        int hw) {
    const size_t cnt = (size_t)hw * L;
    float a1[L] = {0}, a2[L] = {0};
    for (size_t i = 0; i < cnt; i += L)
        if (mask) {
            const uint32_t bits = mask[i / L];
#pragma omp simd
            for (int l = 0; l < L; ++l) {
                const float d = bits & lane_bit[l] ? dy[i + l] : 0.0f;
                a1[l] += d;
                a2[l] += d * (x[i + l] - mu[l]);
            }
        } else {
#pragma omp simd
            for (int l = 0; l < L; ++l) {
                const float d = dy[i + l];
                a1[l] += d;
                a2[l] += d * (x[i + l] - mu[l]);
            }
        }
    for (int l = 0; l < L; ++l)
        s1[l] += a1[l], s2[l] += a2[l];
}

/* dx (=, or += unless fresh) a dy' + b (x - mu) + c; fresh writes v + 0, the bits that adding
 * v to a zeroed dx gives (no -0), and never reads dx */
RMN_SIMD_CLONES static void plane_dx(float *dx, const float *dy, const uint16_t *mask,
                                     const float *x, const float *mu, const float *a,
                                     const float *b, const float *c, int hw, int fresh) {
    const size_t cnt = (size_t)hw * L;
    for (size_t i = 0; i < cnt; i += L) {
        float v[L];
        if (mask) {
            const uint32_t bits = mask[i / L];
#pragma omp simd
            for (int l = 0; l < L; ++l)
                v[l] = a[l] * (bits & lane_bit[l] ? dy[i + l] : 0.0f) + b[l] * (x[i + l] - mu[l]) +
                       c[l];
        } else {
#pragma omp simd
            for (int l = 0; l < L; ++l)
                v[l] = a[l] * dy[i + l] + b[l] * (x[i + l] - mu[l]) + c[l];
        }
        if (fresh) {
#pragma omp simd
            for (int l = 0; l < L; ++l)
                dx[i + l] = v[l] + 0.0f;
        } else {
#pragma omp simd
            for (int l = 0; l < L; ++l)
                dx[i + l] += v[l];
        }
    }
}

void rmn_b16_bn_forward_train(float *y, uint16_t *mask, float *mean_out, float *var_out,
                              const float *x, const float *g, const float *b, int n, int c,
                              int hw, double eps, double *scratch, int nthreads) {
    const int nth = threads_for(nthreads, (size_t)n * c * hw);
    (void)nth;
    const int cbs = c / L, nch = chunks_for(n);
    const long tasks = (long)cbs * nch, planes = (long)n * cbs;
    const double m = (double)n * hw;
    double *part = scratch, *tot = scratch + 2 * partials(n, c);
    /* pass 1: sums of x and x^2 -> means and biased variances */
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1 && tasks > 1)
    for (long t = 0; t < tasks; ++t) {
        const int cb = (int)(t / nch), j = (int)(t % nch);
        int n0, n1;
        chunk_range(n, nch, j, &n0, &n1);
        double s1[L] = {0}, s2[L] = {0};
        for (int smp = n0; smp < n1; ++smp)
            plane_moments(s1, s2, x + ((size_t)smp * cbs + cb) * hw * L, hw);
        for (int l = 0; l < L; ++l) {
            part[(size_t)t * L + l] = s1[l];
            part[partials(n, c) + (size_t)t * L + l] = s2[l];
        }
    }
    reduce_chunks(tot, part, c, nch);
    reduce_chunks(tot + c, part + partials(n, c), c, nch);
    /* the mean as float + float remainder: x - mean stays exact to float where x is near it */
    float *mu_lo = (float *)part;
    for (int ch = 0; ch < c; ++ch) {
        const double mu = tot[ch] / m, var = tot[c + ch] / m - mu * mu;
        mean_out[ch] = (float)mu;
        mu_lo[ch] = (float)(mu - (double)mean_out[ch]);
        var_out[ch] = (float)(var > 0.0 ? var : 0.0);
    }
    /* per channel: y = (x - mean) scale + beta (not x scale + shift, which cancels when the
     * mean is large against the deviations) */
    float *scale = mu_lo + c;
    for (int ch = 0; ch < c; ++ch)
        scale[ch] = (float)(g[ch] / sqrt((double)var_out[ch] + eps));
    /* pass 2: normalise (and rectify, recording y > 0) */
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1 && planes > 1)
    for (long pl = 0; pl < planes; ++pl) {
        const size_t off = (size_t)pl * hw * L, cb = (size_t)(pl % cbs) * L;
        plane_norm(y + off, mask ? mask + off / L : NULL, x + off, mean_out + cb, mu_lo + cb,
                   scale + cb, b + cb, hw);
    }
}

void rmn_b16_bn_backward_train(float *dx, float *dg, float *db, const float *dy,
                               const uint16_t *mask, const float *x, const float *g,
                               const float *mean, const float *invstd, int n, int c, int hw,
                               int fresh_dx, int fresh_dw, double *scratch, int nthreads) {
    const int nth = threads_for(nthreads, (size_t)n * c * hw);
    (void)nth;
    const int cbs = c / L, nch = chunks_for(n);
    const long tasks = (long)cbs * nch, planes = (long)n * cbs;
    const double m = (double)n * hw;
    double *part_dy = scratch, *part_dyx = scratch + partials(n, c);
    /* pass 1: sum dy and sum dy * (x - mean), dy through the ReLU's mask */
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1 && tasks > 1)
    for (long t = 0; t < tasks; ++t) {
        const int cb = (int)(t / nch), j = (int)(t % nch);
        int n0, n1;
        chunk_range(n, nch, j, &n0, &n1);
        double s1[L] = {0}, s2[L] = {0};
        for (int smp = n0; smp < n1; ++smp) {
            const size_t off = ((size_t)smp * cbs + cb) * hw * L;
            plane_dsums(s1, s2, dy + off, mask ? mask + off / L : NULL, x + off,
                        mean + (size_t)cb * L, hw);
        }
        for (int l = 0; l < L; ++l) {
            part_dy[(size_t)t * L + l] = s1[l];
            part_dyx[(size_t)t * L + l] = s2[l];
        }
    }
    /* per channel: dbeta, dgamma and dx = A dy + B (x - mean) + C */
    float *coef = (float *)(scratch + 2 * partials(n, c)); /* 3c floats in the 2c doubles */
    float *A = coef, *B = coef + c, *C = coef + 2 * c;
    for (int ch = 0; ch < c; ++ch) {
        const int cb = ch / L, l = ch % L;
        double sdy = 0.0, sdyx = 0.0;
        for (int j = 0; j < nch; ++j) {
            sdy += part_dy[((size_t)cb * nch + j) * L + l];
            sdyx += part_dyx[((size_t)cb * nch + j) * L + l];
        }
        const double is = invstd[ch], dbeta = sdy, dgamma = sdyx * is;
        const double a = (double)g[ch] * is, bb = -a * is * dgamma / m;
        A[ch] = (float)a;
        B[ch] = (float)bb;
        C[ch] = (float)(-a * dbeta / m);
        if (db)
            db[ch] = fresh_dw ? (float)dbeta : db[ch] + (float)dbeta;
        if (dg)
            dg[ch] = fresh_dw ? (float)dgamma : dg[ch] + (float)dgamma;
    }
    if (!dx)
        return;
    /* pass 2: dx (written when fresh, else added) */
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1 && planes > 1)
    for (long pl = 0; pl < planes; ++pl) {
        const size_t off = (size_t)pl * hw * L, cb = (size_t)(pl % cbs) * L;
        plane_dx(dx + off, dy + off, mask ? mask + off / L : NULL, x + off, mean + cb, A + cb,
                 B + cb, C + cb, hw, fresh_dx);
    }
}

/* bn_train.c -- batch norm in training, forward and backward, optionally fused with the ReLU
 * or the SiLU after it, on plain (N,C,HW) or blocked nChw16c activations (see bn_train.h); the
 * dnnl backend's batch norm in training.
 *
 * Why not oneDNN's: its batch-norm kernels synchronise their threads with spinning barriers
 * inside each call, so when another process takes a core from one thread for a moment the
 * others spin until it returns -- on a shared 2-core machine a training step's batch norms
 * took 70x their quiet time, while the convolutions took 2x (docs/PERFORMANCE.md); and its
 * plain-layout kernels are slow. These use only OpenMP's own loops (which sleep under
 * OMP_WAIT_POLICY=passive).
 *
 * A "group" is a channel block of 16 lanes (blocked) or one channel of one lane (plain); a
 * "plane" one sample's HW positions of a group, contiguous in both layouts. Work is split into
 * tasks of (group, chunk of samples) with the number of chunks fixed by the batch alone (not
 * by the threads), and the chunks' partial sums are added in order: the results are the same
 * bits on any number of threads. Sums of x and x^2 are taken in double (each square exact);
 * the backward's sums in float over a plane, then in double. The per-plane loops are compiled
 * for AVX-512 and AVX2 beside baseline (core/simd.h). */
#include "tensor/bn_train.h"

#include <math.h>

#include "core/simd.h"
#include "tensor/fast_exp.h"

#define L 16 /* channels per block */
#define MAX_CHUNKS 16

static int chunks_for(int n) { return n < MAX_CHUNKS ? n : MAX_CHUNKS; }

/* One partial-sum array: a value per (channel, chunk). */
static size_t partials(int n, int c) { return (size_t)c * (size_t)chunks_for(n); }

size_t rmn_bn_train_scratch_doubles(int n, int c) { return 2 * partials(n, c) + 2 * (size_t)c; }

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

/* tot[ch] = the chunks' partial sums part[(group * nch + j) * lanes + lane] of channel
 * ch = group * lanes + lane, added in chunk order. */
static void reduce_chunks(double *tot, const double *part, int c, int nch, int lanes) {
    for (int ch = 0; ch < c; ++ch) {
        const int g = ch / lanes, l = ch % lanes;
        double s = 0.0;
        for (int j = 0; j < nch; ++j)
            s += part[((size_t)g * nch + j) * lanes + l];
        tot[ch] = s;
    }
}

// --- blocked planes: hw positions x 16 lanes ------------------------------------------------

/* The fused ReLU's mask on blocked values: one 16-bit word per position of a plane, bit l set
 * where lane l's output is positive (an eighth of a byte mask's traffic). Reading it, each
 * lane tests its own bit -- a vector AND -- so that the float loops keep their width. */
static const uint32_t lane_bit[L] = {1u << 0,  1u << 1,  1u << 2,  1u << 3, 1u << 4,  1u << 5,
                                     1u << 6,  1u << 7,  1u << 8,  1u << 9, 1u << 10, 1u << 11,
                                     1u << 12, 1u << 13, 1u << 14, 1u << 15};

/* s1 += sum of x, s2 += sum of x^2 per lane */
RMN_SIMD_CLONES static void b16_moments(double *s1, double *s2, const float *x, int hw) {
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

/* y = (x - mu - lo) sc + sh, rectified with the mask words (y > 0) when mask is non-NULL, or
 * through the SiLU when silu */
RMN_SIMD_CLONES static void b16_norm(float *y, uint16_t *mask, int silu, const float *x,
                                     const float *mu, const float *lo, const float *sc,
                                     const float *sh, int hw) {
    const size_t cnt = (size_t)hw * L;
    if (silu) {
        for (size_t i = 0; i < cnt; i += L)
#pragma omp simd
            for (int l = 0; l < L; ++l)
                y[i + l] = rmn_silu(((x[i + l] - mu[l]) - lo[l]) * sc[l] + sh[l]);
    } else if (mask) {
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

/* s1 += sum of dy', s2 += sum of dy' (x - mu), dy' = dy where the mask (if any) is set */
RMN_SIMD_CLONES static void b16_dsums(double *s1, double *s2, const float *dy,
                                      const uint16_t *mask, const float *x, const float *mu,
                                      int hw) {
    const size_t cnt = (size_t)hw * L;
    float a1[L] = {0}, a2[L] = {0};
    for (size_t i = 0; i < cnt; i += L) {
        const uint32_t bits = mask ? mask[i / L] : 0xffffu;
#pragma omp simd
        for (int l = 0; l < L; ++l) {
            const float d = bits & lane_bit[l] ? dy[i + l] : 0.0f;
            a1[l] += d;
            a2[l] += d * (x[i + l] - mu[l]);
        }
    }
    for (int l = 0; l < L; ++l)
        s1[l] += a1[l], s2[l] += a2[l];
}

/* Through the fused SiLU: dz = dy silu'(z) at z = (x - mu - lo) sc + sh, the forward's value to
 * the bit, plus 0 (as the separate SiLU's backward adds to a zeroed gradient). Element-wise:
 * b16_dsums then sums dz in the order it sums any gradient, on any clone. */
RMN_SIMD_CLONES static void b16_silu_grad(float *dz, const float *dy, const float *x,
                                          const float *mu, const float *lo, const float *sc,
                                          const float *sh, int hw) {
    const size_t cnt = (size_t)hw * L;
    for (size_t i = 0; i < cnt; i += L)
#pragma omp simd
        for (int l = 0; l < L; ++l)
            dz[i + l] =
                0.0f + rmn_silu_grad(dy[i + l], ((x[i + l] - mu[l]) - lo[l]) * sc[l] + sh[l]);
}

/* dx (=, or += unless fresh) a dy' + b (x - mu) + c; fresh writes v + 0, the bits that adding
 * v to a zeroed dx gives (no -0), and never reads dx */
RMN_SIMD_CLONES static void b16_dx(float *dx, const float *dy, const uint16_t *mask,
                                   const float *x, const float *mu, const float *a,
                                   const float *b, const float *c, int hw, int fresh) {
    const size_t cnt = (size_t)hw * L;
    for (size_t i = 0; i < cnt; i += L) {
        const uint32_t bits = mask ? mask[i / L] : 0xffffu;
        float v[L];
#pragma omp simd
        for (int l = 0; l < L; ++l)
            v[l] = a[l] * (bits & lane_bit[l] ? dy[i + l] : 0.0f) + b[l] * (x[i + l] - mu[l]) +
                   c[l];
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

// --- plain planes: hw values of one channel -------------------------------------------------

RMN_SIMD_CLONES static void plain_moments(double *s1, double *s2, const float *x, int hw) {
    double a1 = 0.0, a2 = 0.0;
#pragma omp simd reduction(+ : a1, a2)
    for (int p = 0; p < hw; ++p) {
        const double v = x[p];
        a1 += v;
        a2 += v * v;
    }
    *s1 += a1, *s2 += a2;
}

/* the fused ReLU's mask on plain values: a byte per value */
RMN_SIMD_CLONES static void plain_norm(float *y, uint8_t *mask, int silu, const float *x,
                                       float mu, float lo, float sc, float sh, int hw) {
    if (silu) {
#pragma omp simd
        for (int p = 0; p < hw; ++p)
            y[p] = rmn_silu(((x[p] - mu) - lo) * sc + sh);
    } else if (mask) {
#pragma omp simd
        for (int p = 0; p < hw; ++p) {
            const float v = ((x[p] - mu) - lo) * sc + sh;
            y[p] = v > 0.0f ? v : 0.0f;
            mask[p] = v > 0.0f;
        }
    } else {
#pragma omp simd
        for (int p = 0; p < hw; ++p)
            y[p] = ((x[p] - mu) - lo) * sc + sh;
    }
}

RMN_SIMD_CLONES static void plain_dsums(double *s1, double *s2, const float *dy,
                                        const uint8_t *mask, const float *x, float mu, int hw) {
    float a1 = 0.0f, a2 = 0.0f;
    if (mask) {
#pragma omp simd reduction(+ : a1, a2)
        for (int p = 0; p < hw; ++p) {
            const float d = dy[p] * (float)mask[p];
            a1 += d;
            a2 += d * (x[p] - mu);
        }
    } else {
#pragma omp simd reduction(+ : a1, a2)
        for (int p = 0; p < hw; ++p) {
            a1 += dy[p];
            a2 += dy[p] * (x[p] - mu);
        }
    }
    *s1 += a1, *s2 += a2;
}

RMN_SIMD_CLONES static void plain_silu_grad(float *dz, const float *dy, const float *x, float mu,
                                            float lo, float sc, float sh, int hw) {
#pragma omp simd
    for (int p = 0; p < hw; ++p)
        dz[p] = 0.0f + rmn_silu_grad(dy[p], ((x[p] - mu) - lo) * sc + sh);
}

RMN_SIMD_CLONES static void plain_dx(float *dx, const float *dy, const uint8_t *mask,
                                     const float *x, float mu, float a, float b, float c, int hw,
                                     int fresh) {
    if (mask && fresh) {
#pragma omp simd
        for (int p = 0; p < hw; ++p)
            dx[p] = (a * (mask[p] ? dy[p] : 0.0f) + b * (x[p] - mu) + c) + 0.0f;
    } else if (mask) {
#pragma omp simd
        for (int p = 0; p < hw; ++p)
            dx[p] += a * (mask[p] ? dy[p] : 0.0f) + b * (x[p] - mu) + c;
    } else if (fresh) {
#pragma omp simd
        for (int p = 0; p < hw; ++p)
            dx[p] = (a * dy[p] + b * (x[p] - mu) + c) + 0.0f;
    } else {
#pragma omp simd
        for (int p = 0; p < hw; ++p)
            dx[p] += a * dy[p] + b * (x[p] - mu) + c;
    }
}

// --- the calls ------------------------------------------------------------------------------

/* How a call splits its work: threads, lanes per group, groups, chunks, tasks (group x
 * chunk), planes (sample x group), values per plane, partial sums per array, values per
 * channel (m). */
typedef struct {
    int nth, lanes, groups, nch;
    long tasks, planes;
    size_t plane, np;
    double m;
} work_split;

static work_split split_for(int n, int c, int hw, int blocked, int nthreads) {
    work_split w;
    w.nth = threads_for(nthreads, (size_t)n * c * hw);
    w.lanes = blocked ? L : 1;
    w.groups = c / w.lanes;
    w.nch = chunks_for(n);
    w.tasks = (long)w.groups * w.nch;
    w.planes = (long)n * w.groups;
    w.plane = (size_t)hw * w.lanes;
    w.np = partials(n, c);
    w.m = (double)n * hw;
    return w;
}

/* The forward, plain, through the ReLU (mask) or through the SiLU (silu; coef receives the
 * per-channel remainder and scale its backward recomputes z with) */
static void bn_forward(float *y, void *mask, int silu, float *coef, float *mean_out,
                       float *var_out, const float *x, const float *g, const float *b, int n,
                       int c, int hw, int blocked, double eps, double *scratch, int nthreads) {
    const work_split w = split_for(n, c, hw, blocked, nthreads);
    const int nth = w.nth, lanes = w.lanes, groups = w.groups, nch = w.nch;
    const long tasks = w.tasks, planes = w.planes;
    const size_t plane = w.plane, np = w.np;
    const double m = w.m;
    double *part = scratch, *tot = scratch + 2 * np;
    (void)nth;
    /* pass 1: sums of x and x^2 -> means and biased variances */
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1 && tasks > 1)
    for (long t = 0; t < tasks; ++t) {
        const int grp = (int)(t / nch), j = (int)(t % nch);
        int n0, n1;
        chunk_range(n, nch, j, &n0, &n1);
        double s1[L] = {0}, s2[L] = {0};
        for (int smp = n0; smp < n1; ++smp) {
            const float *xp = x + ((size_t)smp * groups + grp) * plane;
            if (blocked)
                b16_moments(s1, s2, xp, hw);
            else
                plain_moments(s1, s2, xp, hw);
        }
        for (int l = 0; l < lanes; ++l)
            part[(size_t)t * lanes + l] = s1[l], part[np + (size_t)t * lanes + l] = s2[l];
    }
    reduce_chunks(tot, part, c, nch, lanes);
    reduce_chunks(tot + c, part + np, c, nch, lanes);
    /* the mean as float + float remainder: x - mean stays exact to float where x is near it;
     * y = (x - mean) scale + beta (not x scale + shift, which cancels when the mean is large
     * against the deviations) */
    float *mu_lo = (float *)part, *scale = mu_lo + c;
    for (int ch = 0; ch < c; ++ch) {
        const double mu = tot[ch] / m, var = tot[c + ch] / m - mu * mu;
        mean_out[ch] = (float)mu;
        mu_lo[ch] = (float)(mu - (double)mean_out[ch]);
        var_out[ch] = (float)(var > 0.0 ? var : 0.0);
        scale[ch] = (float)(g[ch] / sqrt((double)var_out[ch] + eps));
    }
    if (coef)
        for (int ch = 0; ch < c; ++ch)
            coef[ch] = mu_lo[ch], coef[c + ch] = scale[ch];
    /* pass 2: normalise (and rectify, recording y > 0, or the SiLU) */
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1 && planes > 1)
    for (long pl = 0; pl < planes; ++pl) {
        const size_t off = (size_t)pl * plane, ch = (size_t)(pl % groups) * lanes;
        if (blocked)
            b16_norm(y + off, mask ? (uint16_t *)mask + off / L : NULL, silu, x + off,
                     mean_out + ch, mu_lo + ch, scale + ch, b + ch, hw);
        else
            plain_norm(y + off, mask ? (uint8_t *)mask + off : NULL, silu, x + off,
                       mean_out[ch], mu_lo[ch], scale[ch], b[ch], hw);
    }
}

void rmn_bn_train_forward(float *y, void *mask, float *mean, float *var, const float *x,
                          const float *g, const float *b, int n, int c, int hw, int blocked,
                          double eps, double *scratch, int nthreads) {
    bn_forward(y, mask, 0, NULL, mean, var, x, g, b, n, c, hw, blocked, eps, scratch, nthreads);
}

void rmn_bn_train_forward_silu(float *y, float *coef, float *mean, float *var, const float *x,
                               const float *g, const float *b, int n, int c, int hw,
                               int blocked, double eps, double *scratch, int nthreads) {
    bn_forward(y, NULL, 1, coef, mean, var, x, g, b, n, c, hw, blocked, eps, scratch, nthreads);
}

/* The backward, plain, through the ReLU's mask, or (coef) through the SiLU: then pass 1 writes
 * dz, the gradient of the batch norm's output, and pass 2 reads it for dy */
static void bn_backward(float *dx, float *dg, float *db, const float *dy, const void *mask,
                        const float *coef, const float *b, float *dz, const float *x,
                        const float *g, const float *mean, const float *invstd, int n, int c,
                        int hw, int blocked, int fresh_dx, int fresh_dw, double *scratch,
                        int nthreads) {
    const work_split w = split_for(n, c, hw, blocked, nthreads);
    const int nth = w.nth, lanes = w.lanes, groups = w.groups, nch = w.nch;
    const long tasks = w.tasks, planes = w.planes;
    const size_t plane = w.plane, np = w.np;
    const double m = w.m;
    double *part_dy = scratch, *part_dyx = scratch + np;
    (void)nth;
    /* pass 1: sum dy and sum dy * (x - mean), dy through the ReLU's mask */
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1 && tasks > 1)
    for (long t = 0; t < tasks; ++t) {
        const int grp = (int)(t / nch), j = (int)(t % nch);
        int n0, n1;
        chunk_range(n, nch, j, &n0, &n1);
        double s1[L] = {0}, s2[L] = {0};
        for (int smp = n0; smp < n1; ++smp) {
            const size_t off = ((size_t)smp * groups + grp) * plane;
            const size_t ch = (size_t)grp * lanes;
            /* the gradient summed: dy, or dz after the SiLU */
            const float *g_in = coef ? dz + off : dy + off;
            if (coef && blocked)
                b16_silu_grad(dz + off, dy + off, x + off, mean + ch, coef + ch, coef + c + ch,
                              b + ch, hw);
            else if (coef)
                plain_silu_grad(dz + off, dy + off, x + off, mean[ch], coef[ch], coef[c + ch],
                                b[ch], hw);
            if (blocked)
                b16_dsums(s1, s2, g_in, mask ? (const uint16_t *)mask + off / L : NULL, x + off,
                          mean + ch, hw);
            else
                plain_dsums(s1, s2, g_in, mask ? (const uint8_t *)mask + off : NULL, x + off,
                            mean[ch], hw);
        }
        for (int l = 0; l < lanes; ++l)
            part_dy[(size_t)t * lanes + l] = s1[l], part_dyx[(size_t)t * lanes + l] = s2[l];
    }
    /* per channel: dbeta, dgamma and dx = A dy + B (x - mean) + C */
    double *tot = scratch + 2 * np; /* sum dy, then sum dy (x - mean) */
    reduce_chunks(tot, part_dy, c, nch, lanes);
    reduce_chunks(tot + c, part_dyx, c, nch, lanes);
    float *A = (float *)part_dy, *B = A + c, *C = B + c; /* 3c floats in the partials' room */
    for (int ch = 0; ch < c; ++ch) {
        const double is = invstd[ch], dbeta = tot[ch], dgamma = tot[c + ch] * is;
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
    if (coef) /* pass 2 reads the SiLU's gradient */
        dy = dz, mask = NULL;
    /* pass 2: dx (written when fresh, else added) */
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1 && planes > 1)
    for (long pl = 0; pl < planes; ++pl) {
        const size_t off = (size_t)pl * plane, ch = (size_t)(pl % groups) * lanes;
        if (blocked)
            b16_dx(dx + off, dy + off, mask ? (const uint16_t *)mask + off / L : NULL, x + off,
                   mean + ch, A + ch, B + ch, C + ch, hw, fresh_dx);
        else
            plain_dx(dx + off, dy + off, mask ? (const uint8_t *)mask + off : NULL, x + off,
                     mean[ch], A[ch], B[ch], C[ch], hw, fresh_dx);
    }
}

void rmn_bn_train_backward(float *dx, float *dg, float *db, const float *dy, const void *mask,
                           const float *x, const float *g, const float *mean,
                           const float *invstd, int n, int c, int hw, int blocked, int fresh_dx,
                           int fresh_dw, double *scratch, int nthreads) {
    bn_backward(dx, dg, db, dy, mask, NULL, NULL, NULL, x, g, mean, invstd, n, c, hw, blocked,
                fresh_dx, fresh_dw, scratch, nthreads);
}

void rmn_bn_train_backward_silu(float *dx, float *dg, float *db, const float *dy, float *dz,
                                const float *x, const float *g, const float *b,
                                const float *mean, const float *invstd, const float *coef,
                                int n, int c, int hw, int blocked, int fresh_dx, int fresh_dw,
                                double *scratch, int nthreads) {
    bn_backward(dx, dg, db, dy, NULL, coef, b, dz, x, g, mean, invstd, n, c, hw, blocked,
                fresh_dx, fresh_dw, scratch, nthreads);
}

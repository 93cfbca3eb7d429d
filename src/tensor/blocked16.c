/* blocked16.c -- max pool, average pool, global average pool and layout conversion on nChw16c
 * activations (see blocked16.h): the 16 channels of a block are the inner loop, so each tap is
 * one vector compare; OpenMP over (sample, channel block) planes. Each plane's work is a
 * function of its own, compiled for AVX-512 and AVX2 beside baseline (RMN_SIMD_CLONES, as
 * OpenMP's outlined loop bodies are not); lanes are independent, so every width gives the
 * same bits. */
#include "tensor/blocked16.h"

#include <string.h>

#include "core/simd.h"

#define L 16 /* channels per block */

/* One plane: y:(P,Q,16) and, when idx, the flat input position of each maximum. */
RMN_SIMD_CLONES static void maxpool_plane(float *yp, int32_t *ip, const float *xp,
                                          const rmn_pool2d_shape *sh) {
    const int W = sh->w, P = sh->p, Q = sh->q;
    for (int p = 0; p < P; ++p) {
        for (int q = 0; q < Q; ++q) {
            int r0, r1, c0, c1;
            rmn_pool_window(sh, p, q, &r0, &r1, &c0, &c1);
            float best[L];
            int32_t arg[L];
            for (int l = 0; l < L; ++l) {
                best[l] = 0.0f;
                arg[l] = -1;
            }
            if (r0 < r1 && c0 < c1) {
                const int32_t first = r0 * W + c0;
                for (int l = 0; l < L; ++l) {
                    best[l] = xp[(size_t)first * L + l];
                    arg[l] = first;
                }
                for (int ih = r0; ih < r1; ++ih)
                    for (int iw = ih == r0 ? c0 + 1 : c0; iw < c1; ++iw) {
                        const int32_t at = ih * W + iw;
                        const float *v = xp + (size_t)at * L;
#pragma omp simd
                        for (int l = 0; l < L; ++l) { /* compare and blend, branch-free */
                            const float b = best[l], xv = v[l];
                            const int32_t m = -(int32_t)(xv > b);
                            best[l] = xv > b ? xv : b;
                            arg[l] = (arg[l] & ~m) | (at & m);
                        }
                    }
            }
            const size_t o = ((size_t)p * Q + q) * L;
            for (int l = 0; l < L; ++l)
                yp[o + l] = best[l];
            if (ip)
                for (int l = 0; l < L; ++l)
                    ip[o + l] = arg[l];
        }
    }
}

void rmn_b16_maxpool2d_forward(float *y, int32_t *idx, const float *x, const rmn_pool2d_shape *sh,
                               int nthreads) {
    (void)nthreads;
    const size_t in = (size_t)sh->h * sh->w * L, out = (size_t)sh->p * sh->q * L;
    const long planes = (long)sh->n * (sh->c / L);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && planes > 1)
    for (long plane = 0; plane < planes; ++plane)
        maxpool_plane(y + (size_t)plane * out, idx ? idx + (size_t)plane * out : NULL,
                      x + (size_t)plane * in, sh);
}

void rmn_b16_maxpool2d_backward(float *dx, const float *dy, const int32_t *idx,
                                const rmn_pool2d_shape *sh, int fresh, int nthreads) {
    (void)nthreads;
    const size_t in = (size_t)sh->h * sh->w * L, out = (size_t)sh->p * sh->q * L;
    const long planes = (long)sh->n * (sh->c / L);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && planes > 1)
    for (long plane = 0; plane < planes; ++plane) {
        float *dxp = dx + (size_t)plane * in;
        const float *dyp = dy + (size_t)plane * out;
        const int32_t *ip = idx + (size_t)plane * out;
        if (fresh)
            memset(dxp, 0, in * sizeof(float));
        for (size_t o = 0; o < out; ++o)
            if (ip[o] >= 0)
                dxp[(size_t)ip[o] * L + o % L] += dyp[o];
    }
}

/* One plane of the average pool: the plain kernel's double sums in its order */
RMN_SIMD_CLONES static void avgpool_plane(float *yp, const float *xp, const rmn_pool2d_shape *sh) {
    const int W = sh->w, P = sh->p, Q = sh->q;
    for (int p = 0; p < P; ++p)
        for (int q = 0; q < Q; ++q) {
            int r0, r1, c0, c1;
            const int div = rmn_avgpool_window(sh, p, q, &r0, &r1, &c0, &c1);
            double sum[L] = {0}; /* in the plain kernel's order: the same bits */
            for (int ih = r0; ih < r1; ++ih)
                for (int iw = c0; iw < c1; ++iw)
                    for (int l = 0; l < L; ++l)
                        sum[l] += (double)xp[((size_t)ih * W + iw) * L + l];
            for (int l = 0; l < L; ++l)
                yp[((size_t)p * Q + q) * L + l] = div > 0 ? (float)(sum[l] / div) : 0.0f;
        }
}

void rmn_b16_avgpool2d_forward(float *y, const float *x, const rmn_pool2d_shape *sh,
                               int nthreads) {
    (void)nthreads;
    const size_t in = (size_t)sh->h * sh->w * L, out = (size_t)sh->p * sh->q * L;
    const long planes = (long)sh->n * (sh->c / L);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && planes > 1)
    for (long plane = 0; plane < planes; ++plane)
        avgpool_plane(y + (size_t)plane * out, x + (size_t)plane * in, sh);
}

RMN_SIMD_CLONES static void avgpool_back_plane(float *dxp, const float *dyp,
                                               const rmn_pool2d_shape *sh) {
    const int W = sh->w, P = sh->p, Q = sh->q;
    for (int p = 0; p < P; ++p)
        for (int q = 0; q < Q; ++q) {
            int r0, r1, c0, c1;
            const int div = rmn_avgpool_window(sh, p, q, &r0, &r1, &c0, &c1);
            if (div <= 0)
                continue;
            float g[L];
            for (int l = 0; l < L; ++l)
                g[l] = dyp[((size_t)p * Q + q) * L + l] / (float)div;
            for (int ih = r0; ih < r1; ++ih)
                for (int iw = c0; iw < c1; ++iw)
                    for (int l = 0; l < L; ++l)
                        dxp[((size_t)ih * W + iw) * L + l] += g[l];
        }
}

void rmn_b16_avgpool2d_backward(float *dx, const float *dy, const rmn_pool2d_shape *sh,
                                int nthreads) {
    (void)nthreads;
    const size_t in = (size_t)sh->h * sh->w * L, out = (size_t)sh->p * sh->q * L;
    const long planes = (long)sh->n * (sh->c / L);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && planes > 1)
    for (long plane = 0; plane < planes; ++plane)
        avgpool_back_plane(dx + (size_t)plane * in, dy + (size_t)plane * out, sh);
}

/* One plane of a (C,1,1)-broadcast op: y = a + b or a * (one + b) */
RMN_SIMD_CLONES static void cbcast_plane(float *yp, const float *ap, const float *bp, int hw,
                                         rmn_binary op) {
    if (op == RMN_BINARY_ADD) {
        for (int j = 0; j < hw; ++j)
            for (int l = 0; l < L; ++l)
                yp[(size_t)j * L + l] = ap[(size_t)j * L + l] + bp[l];
        return;
    }
    const float one = op == RMN_BINARY_MUL1P ? 1.0f : 0.0f;
    float f[L];
    for (int l = 0; l < L; ++l)
        f[l] = one + bp[l];
    for (int j = 0; j < hw; ++j)
        for (int l = 0; l < L; ++l)
            yp[(size_t)j * L + l] = ap[(size_t)j * L + l] * f[l];
}

void rmn_b16_binary_cbcast_forward(float *y, const float *a, const float *b, int n, int c,
                                   int hw, rmn_binary op, int nthreads) {
    (void)nthreads;
    const long planes = (long)n * (c / L);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && planes > 1)
    for (long plane = 0; plane < planes; ++plane) /* b: (n, c) = (plane / cbs, (plane % cbs) 16 + l) */
        cbcast_plane(y + (size_t)plane * hw * L, a + (size_t)plane * hw * L, b + (size_t)plane * L,
                     hw, op);
}

/* One plane of its backward: da (+)= dy * f, db (+)= the sum of dy (add) or dy * a */
RMN_SIMD_CLONES static void cbcast_back_plane(float *dap, float *dbp, const float *dyp,
                                              const float *ap, const float *bp, int hw,
                                              rmn_binary op, int fresh_a, int fresh_b) {
    const float one = op == RMN_BINARY_MUL1P ? 1.0f : 0.0f;
    float f[L];
    for (int l = 0; l < L; ++l)
        f[l] = op == RMN_BINARY_ADD ? 1.0f : one + bp[l];
    if (dap) {
        if (fresh_a)
            for (int j = 0; j < hw; ++j)
                for (int l = 0; l < L; ++l)
                    dap[(size_t)j * L + l] = 0.0f + dyp[(size_t)j * L + l] * f[l];
        else
            for (int j = 0; j < hw; ++j)
                for (int l = 0; l < L; ++l)
                    dap[(size_t)j * L + l] += dyp[(size_t)j * L + l] * f[l];
    }
    if (dbp) {
        double sum[L] = {0};
        if (op == RMN_BINARY_ADD)
            for (int j = 0; j < hw; ++j)
                for (int l = 0; l < L; ++l)
                    sum[l] += dyp[(size_t)j * L + l];
        else
            for (int j = 0; j < hw; ++j)
                for (int l = 0; l < L; ++l)
                    sum[l] += (double)dyp[(size_t)j * L + l] * ap[(size_t)j * L + l];
        for (int l = 0; l < L; ++l)
            dbp[l] = (float)(fresh_b ? sum[l] : dbp[l] + sum[l]);
    }
}

void rmn_b16_binary_cbcast_backward(float *da, float *db, const float *dy, const float *a,
                                    const float *b, int n, int c, int hw, rmn_binary op,
                                    int fresh_a, int fresh_b, int nthreads) {
    (void)nthreads;
    const long planes = (long)n * (c / L);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && planes > 1)
    for (long plane = 0; plane < planes; ++plane) {
        const size_t off = (size_t)plane * hw * L;
        cbcast_back_plane(da ? da + off : NULL, db ? db + (size_t)plane * L : NULL, dy + off,
                          a + off, b + (size_t)plane * L, hw, op, fresh_a, fresh_b);
    }
}

RMN_SIMD_CLONES static void gap_plane(float *yp, const float *xp, int hw) {
    double sum[L] = {0};
    for (int j = 0; j < hw; ++j)
        for (int l = 0; l < L; ++l)
            sum[l] += (double)xp[(size_t)j * L + l];
    for (int l = 0; l < L; ++l)
        yp[l] = (float)(sum[l] / hw);
}

void rmn_b16_gap_forward(float *y, const float *x, int n, int c, int hw, int nthreads) {
    (void)nthreads;
    const long planes = (long)n * (c / L);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && planes > 1)
    for (long plane = 0; plane < planes; ++plane)
        gap_plane(y + (size_t)plane * L, x + (size_t)plane * hw * L, hw);
}

RMN_SIMD_CLONES static void gap_back_plane(float *dxp, const float *dyp, int hw, int fresh) {
    float g[L];
    for (int l = 0; l < L; ++l)
        g[l] = dyp[l] / (float)hw;
    if (fresh)
        for (int j = 0; j < hw; ++j)
            for (int l = 0; l < L; ++l)
                dxp[(size_t)j * L + l] = g[l];
    else
        for (int j = 0; j < hw; ++j)
            for (int l = 0; l < L; ++l)
                dxp[(size_t)j * L + l] += g[l];
}

void rmn_b16_gap_backward(float *dx, const float *dy, int n, int c, int hw, int fresh,
                          int nthreads) {
    (void)nthreads;
    const long planes = (long)n * (c / L);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && planes > 1)
    for (long plane = 0; plane < planes; ++plane)
        gap_back_plane(dx + (size_t)plane * hw * L, dy + (size_t)plane * L, hw, fresh);
}

void rmn_b16_channel_sums(float *db, const float *dy, int n, int k, size_t pq, int blocked,
                          int fresh) {
    const size_t kpq = (size_t)k * pq;
    for (int ch = 0; ch < k; ++ch) {
        double sum = 0.0;
        for (int i = 0; i < n; ++i)
            for (size_t j = 0; j < pq; ++j)
                sum += dy[(size_t)i * kpq + rmn_b16_at(blocked, ch, j, pq)];
        db[ch] = (float)(fresh ? sum : db[ch] + sum);
    }
}

void rmn_b16_from_plain(float *dst, const float *src, int n, int c, int hw) {
    for (int i = 0; i < n; ++i)
        for (int ch = 0; ch < c; ++ch)
            for (int j = 0; j < hw; ++j)
                dst[(((size_t)i * (c / L) + ch / L) * hw + j) * L + ch % L] =
                    src[((size_t)i * c + ch) * hw + j];
}

void rmn_b16_to_plain(float *dst, const float *src, int n, int c, int hw) {
    for (int i = 0; i < n; ++i)
        for (int ch = 0; ch < c; ++ch)
            for (int j = 0; j < hw; ++j)
                dst[((size_t)i * c + ch) * hw + j] =
                    src[(((size_t)i * (c / L) + ch / L) * hw + j) * L + ch % L];
}

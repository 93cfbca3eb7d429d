/* blocked16_gate.c -- the attention gates' kernels on nChw16c activations (see blocked16.h):
 * CBAM's spatial gate -- the mean and the max over channels of x:(N,C/16,HW,16) into a plain
 * one-channel map (N,HW), and a binary op whose second operand is such a map broadcast over the
 * channels -- and BAM's bilinear resize of a 1x1 map to a blocked one. Each gives the plain ref
 * kernel's bits: every per-position reduction visits the channels in ascending order, as the
 * ref's loops do, and the resize computes the ref's expression lane by lane. Work is split over
 * (sample, run of positions): a run of one channel block is one contiguous read of RUN * 16
 * floats. */
#include "tensor/blocked16.h"

#define L 16   /* channels per block */
#define RUN 64 /* positions per task */

/* tasks of (sample, run of RUN positions) */
static long run_count(int n, int hw) {
    return (long)n * ((hw + RUN - 1) / RUN);
}

/* task t's sample *i, first position *p0 and length *len */
static void run_of(long t, int hw, int *i, int *p0, int *len) {
    const int runs = (hw + RUN - 1) / RUN;
    *i = (int)(t / runs);
    *p0 = (int)(t % runs) * RUN;
    *len = hw - *p0 < RUN ? hw - *p0 : RUN;
}

void rmn_b16_chan_mean_forward(float *y, const float *x, int n, int c, int hw, int nthreads) {
    (void)nthreads;
    const long tasks = run_count(n, hw);
    const int cb = c / L;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && tasks > 1)
    for (long t = 0; t < tasks; ++t) {
        int i, p0, len;
        run_of(t, hw, &i, &p0, &len);
        double sum[RUN] = {0};
        for (int b = 0; b < cb; ++b) {
            const float *xp = x + (((size_t)i * cb + b) * hw + p0) * L;
            for (int p = 0; p < len; ++p)
                for (int l = 0; l < L; ++l)
                    sum[p] += (double)xp[(size_t)p * L + l];
        }
        for (int p = 0; p < len; ++p)
            y[(size_t)i * hw + p0 + p] = (float)(sum[p] / c);
    }
}

void rmn_b16_chan_mean_backward(float *dx, const float *dy, int n, int c, int hw, int nthreads) {
    (void)nthreads;
    const long tasks = run_count(n, hw);
    const int cb = c / L;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && tasks > 1)
    for (long t = 0; t < tasks; ++t) {
        int i, p0, len;
        run_of(t, hw, &i, &p0, &len);
        float g[RUN];
        for (int p = 0; p < len; ++p)
            g[p] = dy[(size_t)i * hw + p0 + p] / (float)c;
        for (int b = 0; b < cb; ++b) {
            float *dxp = dx + (((size_t)i * cb + b) * hw + p0) * L;
            for (int p = 0; p < len; ++p)
                for (int l = 0; l < L; ++l)
                    dxp[(size_t)p * L + l] += g[p];
        }
    }
}

void rmn_b16_chan_max_forward(float *y, int32_t *idx, const float *x, int n, int c, int hw,
                              int nthreads) {
    (void)nthreads;
    const long tasks = run_count(n, hw);
    const int cb = c / L;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && tasks > 1)
    for (long t = 0; t < tasks; ++t) {
        int i, p0, len;
        run_of(t, hw, &i, &p0, &len);
        float best[RUN];
        int32_t arg[RUN];
        const float *x0 = x + ((size_t)i * cb * hw + p0) * L;
        for (int p = 0; p < len; ++p)
            best[p] = x0[(size_t)p * L], arg[p] = 0;
        for (int b = 0; b < cb; ++b) {
            const float *xp = x + (((size_t)i * cb + b) * hw + p0) * L;
            for (int p = 0; p < len; ++p)
                for (int l = 0; l < L; ++l)
                    if (xp[(size_t)p * L + l] > best[p]) /* the first maximum wins */
                        best[p] = xp[(size_t)p * L + l], arg[p] = b * L + l;
        }
        for (int p = 0; p < len; ++p) {
            y[(size_t)i * hw + p0 + p] = best[p];
            if (idx)
                idx[(size_t)i * hw + p0 + p] = arg[p];
        }
    }
}

void rmn_b16_chan_max_backward(float *dx, const float *dy, const int32_t *idx, int n, int c,
                               int hw, int nthreads) {
    (void)nthreads;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && n > 1)
    for (int i = 0; i < n; ++i)
        for (int p = 0; p < hw; ++p) {
            const size_t j = (size_t)i * hw + p;
            dx[(size_t)i * c * hw + rmn_b16_at(1, idx[j], (size_t)p, (size_t)hw)] += dy[j];
        }
}

void rmn_b16_binary_sbcast_forward(float *y, const float *a, const float *b, int n, int c,
                                   int hw, rmn_binary op, int nthreads) {
    (void)nthreads;
    const long planes = (long)n * (c / L);
    const float one = op == RMN_BINARY_MUL1P ? 1.0f : 0.0f;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && planes > 1)
    for (long plane = 0; plane < planes; ++plane) {
        const float *bp = b + (size_t)(plane / (c / L)) * hw;
        const float *ap = a + (size_t)plane * hw * L;
        float *yp = y + (size_t)plane * hw * L;
        for (int p = 0; p < hw; ++p) {
            const float f = one + bp[p];
            for (int l = 0; l < L; ++l)
                yp[(size_t)p * L + l] = op == RMN_BINARY_ADD ? ap[(size_t)p * L + l] + bp[p]
                                                             : ap[(size_t)p * L + l] * f;
        }
    }
}

void rmn_b16_binary_sbcast_backward(float *da, float *db, const float *dy, const float *a,
                                    const float *b, int n, int c, int hw, rmn_binary op,
                                    int fresh_a, int fresh_b, int nthreads) {
    (void)nthreads;
    const long tasks = run_count(n, hw);
    const int cb = c / L;
    const float one = op == RMN_BINARY_MUL1P ? 1.0f : 0.0f;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && tasks > 1)
    for (long t = 0; t < tasks; ++t) {
        int i, p0, len;
        run_of(t, hw, &i, &p0, &len);
        const float *bp = b + (size_t)i * hw + p0;
        float *dbp = db ? db + (size_t)i * hw + p0 : NULL;
        float sum[RUN];
        for (int p = 0; p < len; ++p)
            sum[p] = dbp && !fresh_b ? dbp[p] : 0.0f;
        for (int k = 0; k < cb; ++k) {
            const size_t off = (((size_t)i * cb + k) * hw + p0) * L;
            const float *g = dy + off, *ap = a + off;
            if (da)
                for (int p = 0; p < len; ++p) {
                    const float f = op == RMN_BINARY_ADD ? 1.0f : one + bp[p];
                    for (int l = 0; l < L; ++l) {
                        const size_t e = off + (size_t)p * L + l;
                        da[e] = (fresh_a ? 0.0f : da[e]) + g[(size_t)p * L + l] * f;
                    }
                }
            if (dbp) /* in float, channels ascending: the ref's sums */
                for (int p = 0; p < len; ++p)
                    for (int l = 0; l < L; ++l)
                        sum[p] += op == RMN_BINARY_ADD ? g[(size_t)p * L + l]
                                                       : g[(size_t)p * L + l] * ap[(size_t)p * L + l];
        }
        if (dbp)
            for (int p = 0; p < len; ++p)
                dbp[p] = sum[p];
    }
}

void rmn_b16_resize1_forward(float *y, const float *x, int n, int c, int oh, int ow,
                             int nthreads) {
    (void)nthreads;
    const long planes = (long)n * (c / L);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && planes > 1)
    for (long plane = 0; plane < planes; ++plane) {
        const float *xp = x + (size_t)plane * L; /* (N,C,1,1): the same memory blocked */
        float *yp = y + (size_t)plane * oh * ow * L;
        for (int p = 0; p < oh; ++p) {
            int h0, h1, w0, w1;
            float lh, lw;
            rmn_resize_coord(p, 1, oh, &h0, &h1, &lh);
            for (int q = 0; q < ow; ++q) {
                rmn_resize_coord(q, 1, ow, &w0, &w1, &lw);
                const float a = 1.0f - lh, bb = lh, cw = 1.0f - lw, d = lw;
                float *yq = yp + ((size_t)p * ow + q) * L;
                for (int l = 0; l < L; ++l) /* the ref's four taps, all the one pixel */
                    yq[l] = a * (cw * xp[l] + d * xp[l]) + bb * (cw * xp[l] + d * xp[l]);
            }
        }
    }
}

void rmn_b16_resize1_backward(float *dx, const float *dy, int n, int c, int oh, int ow,
                              int nthreads) {
    (void)nthreads;
    const long planes = (long)n * (c / L);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && planes > 1)
    for (long plane = 0; plane < planes; ++plane) {
        float acc[L];
        for (int l = 0; l < L; ++l)
            acc[l] = dx[(size_t)plane * L + l];
        const float *dyp = dy + (size_t)plane * oh * ow * L;
        for (int p = 0; p < oh; ++p) {
            int h0, h1, w0, w1;
            float lh, lw;
            rmn_resize_coord(p, 1, oh, &h0, &h1, &lh);
            for (int q = 0; q < ow; ++q) {
                rmn_resize_coord(q, 1, ow, &w0, &w1, &lw);
                const float *g = dyp + ((size_t)p * ow + q) * L;
                for (int l = 0; l < L; ++l) { /* the ref's four additions, in its order */
                    acc[l] += g[l] * (1.0f - lh) * (1.0f - lw);
                    acc[l] += g[l] * (1.0f - lh) * lw;
                    acc[l] += g[l] * lh * (1.0f - lw);
                    acc[l] += g[l] * lh * lw;
                }
            }
        }
        for (int l = 0; l < L; ++l)
            dx[(size_t)plane * L + l] = acc[l];
    }
}

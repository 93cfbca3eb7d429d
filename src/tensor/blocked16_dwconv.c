/* blocked16_dwconv.c -- the backward of a depthwise convolution (groups = C = K) on nChw16c
 * activations: dx and dw (and db) in one pass over dy, the 16 channels of a block the vector.
 * oneDNN's depthwise backward ran at 3-8 GFLOP/s on EfficientNet's 5x5 convs on 3x3-12x12
 * maps (docs/PERFORMANCE.md). Threads split the channel blocks; each block's samples and
 * positions are visited in order, so dw is the same bits on any thread count.
 *
 * x, dx:(N,C/16,H,W,16) dy:(N,C/16,P,Q,16) w, dw:(C,1,R,S) db:(C) */
#include "tensor/blocked16.h"

#include <stdlib.h>
#include <string.h>

#include "core/simd.h"

#define L 16

/* One sample's plane of one channel block: dx += dy (x) w^T, dwt[tap] += dy * x.
 * wt, dwt:(R*S, 16) (the block's taps, lanes inner). */
RMN_SIMD_CLONES static void dw_plane(float *dx, float *dwt, const float *dy, const float *x,
                                     const float *wt, const rmn_conv2d_shape *sh) {
    const int W = sh->w, Q = sh->q, dh = sh->dil_h > 0 ? sh->dil_h : 1;
    const int dw = sh->dil_w > 0 ? sh->dil_w : 1;
    for (int p = 0; p < sh->p; ++p)
        for (int q = 0; q < Q; ++q) {
            const float *g = dy + ((size_t)p * Q + q) * L;
            for (int r = 0; r < sh->r; ++r) {
                const int ih = p * sh->stride_h - sh->pad_h + r * dh;
                if (ih < 0 || ih >= sh->h)
                    continue;
                for (int s = 0; s < sh->s; ++s) {
                    const int iw = q * sh->stride_w - sh->pad_w + s * dw;
                    if (iw < 0 || iw >= W)
                        continue;
                    const size_t at = ((size_t)ih * W + iw) * L, tap = (size_t)(r * sh->s + s) * L;
                    if (dx)
#pragma omp simd
                        for (int l = 0; l < L; ++l)
                            dx[at + l] += g[l] * wt[tap + l];
                    if (dwt)
#pragma omp simd
                        for (int l = 0; l < L; ++l)
                            dwt[tap + l] += g[l] * x[at + l];
                }
            }
        }
}

int rmn_b16_dwconv_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                            const float *w, const rmn_conv2d_shape *sh, int fresh_dx,
                            int fresh_dw, int nthreads) {
    (void)nthreads;
    const int cbs = sh->c / L, rs = sh->r * sh->s;
    const size_t in = (size_t)sh->h * sh->w * L, out = (size_t)sh->p * sh->q * L;
    float *tmp = malloc((size_t)cbs * rs * L * 2 * sizeof(float)); /* wt, dwt per block */
    if (!tmp)
        return -1;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && cbs > 1)
    for (int cb = 0; cb < cbs; ++cb) {
        float *wt = tmp + (size_t)cb * rs * L * 2, *dwt = wt + (size_t)rs * L;
        for (int t = 0; t < rs; ++t)
            for (int l = 0; l < L; ++l) {
                wt[t * L + l] = w[(size_t)(cb * L + l) * rs + t];
                dwt[t * L + l] = 0.0f;
            }
        for (int n = 0; n < sh->n; ++n) {
            const size_t plane = (size_t)n * cbs + cb;
            float *dxp = dx ? dx + plane * in : NULL;
            if (dxp && fresh_dx)
                memset(dxp, 0, in * sizeof(float));
            dw_plane(dxp, dw ? dwt : NULL, dy + plane * out, x + plane * in, wt, sh);
        }
        if (dw)
            for (int t = 0; t < rs; ++t)
                for (int l = 0; l < L; ++l) {
                    float *d = dw + (size_t)(cb * L + l) * rs + t;
                    *d = fresh_dw ? dwt[t * L + l] : *d + dwt[t * L + l];
                }
    }
    free(tmp);
    if (db)
        rmn_b16_channel_sums(db, dy, sh->n, sh->k, (size_t)sh->p * sh->q, 1, fresh_dw);
    return 0;
}

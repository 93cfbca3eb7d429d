/* dnnl_dense.c -- the weight gradient of convolutions whose map is smaller than their kernel
 * (H*W < R*S, as the 3x3 convs on 2x2 maps at the end of a 48-pixel ResNet) as one dense
 * matrix product.
 *
 * On such a map the conv is a dense linear map from the C*H*W inputs of a sample to its K*P*Q
 * outputs, y = x Wd with Wd[(c,h,w), (k,p,q)] = w[k, c, r, s] where (r, s) = (h - p*stride +
 * pad, w - q*stride + pad) lies in the kernel. Its weight gradient is then dWd = x^T dy, one
 * SGEMM (oneDNN's dnnl_sgemm) of 2 N C H W K P Q flops -- on a 2x2 map under a 3x3 kernel 4/9
 * of the direct conv's, whose other taps hit padding -- gathered back into dw (measured, 512
 * channels on 2x2, batch 64: 7.3 ms against oneDNN's 16.2 ms with its reorder; on 3x3 maps,
 * where nothing is saved, the gather costs more than it gains). oneDNN's forward and
 * backward-data kernels do well there and stay. dWd is kept transposed, dWd^T:(K*P*Q,
 * C*H*W), its columns in the activations' layout (plain NCHW or nChw16c, a permutation of the
 * C*H*W axis), so no activation is reordered; it lives in the state's arena. */
#include "tensor/blocked16.h"
#include "tensor/dnnl_internal.h"

#include <string.h>

#define RMN_DENSE_MAX_ELEMS ((size_t)1 << 24) /* Wd up to 64 MB */

static int dflt(int v) { return v > 0 ? v : 1; }

int rmn_dnnl_dense_applies(const rmn_conv2d_shape *sh) {
    const size_t elems = (size_t)sh->c * sh->h * sh->w * sh->k * sh->p * sh->q;
    return dflt(sh->groups) == 1 && dflt(sh->dil_h) == 1 && dflt(sh->dil_w) == 1 &&
           sh->r * sh->s > 1 && sh->h * sh->w < sh->r * sh->s && elems <= RMN_DENSE_MAX_ELEMS;
}


/* The cache entry that reserves room for dWd^T; NULL when the arena cannot grow. */
static rmn_dnnl_entry *entry_for(rmn_dnnl_state *st, const rmn_conv2d_shape *sh) {
    const int key[8] = {sh->c, sh->h, sh->w, sh->k, sh->r, sh->s, sh->p, sh->q};
    rmn_dnnl_entry *e = rmn_dnnl_find(st, RMN_DNNL_DENSE, key, 8);
    if (!e) {
        if (!(e = rmn_dnnl_add(st, RMN_DNNL_DENSE, key, 8)))
            return NULL;
        e->arena_need = (size_t)sh->c * sh->h * sh->w * sh->k * sh->p * sh->q * sizeof(float);
        if (rmn_dnnl_arena_reserve(st, e->arena_need) != 0)
            e->failed = 1;
    }
    return e->failed ? NULL : e;
}

/* dw:(K,C,R,S) = (fresh ? 0 : dw) + the taps of dwdt:(K*P*Q, C*H*W) = dWd^T: each row
 * (k, p, q) and input position (h, w) joined by kernel tap (r, s) adds its C channels into
 * dw[k, :, r, s]. Threads split k (each owns its dw[k] slice, 18 KB for 512 channels). */
static void gather(float *dw, const float *dwdt, const rmn_conv2d_shape *sh, int bx, int by,
                   int fresh, int nthreads) {
    (void)nthreads;
    const int HW = sh->h * sh->w, PQ = sh->p * sh->q, RS = sh->r * sh->s, C = sh->c;
    const size_t CHW = (size_t)C * HW;
#pragma omp parallel for schedule(static) num_threads(nthreads)
    for (int k = 0; k < sh->k; ++k) {
        float *dwk = dw + (size_t)k * C * RS;
        if (fresh)
            memset(dwk, 0, (size_t)C * RS * sizeof(float));
        for (int pq = 0; pq < PQ; ++pq)
            for (int hw = 0; hw < HW; ++hw) {
                const int r = hw / sh->w - (pq / sh->q) * sh->stride_h + sh->pad_h;
                const int s = hw % sh->w - (pq % sh->q) * sh->stride_w + sh->pad_w;
                if (r < 0 || r >= sh->r || s < 0 || s >= sh->s)
                    continue;
                const float *row = dwdt + rmn_b16_at(by, k, pq, PQ) * CHW;
                float *d = dwk + r * sh->s + s;
                if (bx) /* channel c at ((c/16) HW + hw) 16 + c%16 */
                    for (int cb = 0; cb < C / 16; ++cb) {
                        const float *src = row + ((size_t)cb * HW + hw) * 16;
                        float *dst = d + (size_t)cb * 16 * RS;
                        for (int l = 0; l < 16; ++l)
                            dst[(size_t)l * RS] += src[l];
                    }
                else
                    for (int c = 0; c < C; ++c)
                        d[(size_t)c * RS] += row[(size_t)c * HW + hw];
            }
    }
}


/* dw (+)= gather(dy^T x), db (+)= the sums of dy (fresh per ex->fresh); -1 when it could not
 * run. dy:(N,K,P,Q) x:(N,C,H,W) in the layouts ex->layout says. */
int rmn_dnnl_dense_backward_weights(const rmn_exec *ex, float *dw, float *db, const float *dy,
                                    const float *x, const rmn_conv2d_shape *sh) {
    rmn_dnnl_state *st = ex->state;
    rmn_dnnl_entry *e = st ? entry_for(st, sh) : NULL;
    if (!e)
        return -1;
    const int bx = (ex->layout & RMN_LAYOUT_X16) != 0, by = (ex->layout & RMN_LAYOUT_Y16) != 0;
    const int nthreads = ex->nthreads, chw = sh->c * sh->h * sh->w, pq = sh->p * sh->q;
    const int kpq = sh->k * pq, fresh = (ex->fresh & RMN_FRESH_DW) != 0;
    float *dwdt = (float *)st->arena;
    if (dw) {
        if (rmn_dnnl_sgemm('T', 'N', kpq, chw, sh->n, dy, kpq, x, chw, 0.0f, dwdt, chw, nthreads) != 0)
            return -1;
        gather(dw, dwdt, sh, bx, by, fresh, nthreads);
    }
    st->stats.dense++;
    if (db)
        rmn_b16_channel_sums(db, dy, sh->n, sh->k, (size_t)pq, by, fresh);
    return 0;
}

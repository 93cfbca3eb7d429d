/* cpu_conv.c -- the cpu backend's conv2d, forward and backward: im2col + sgemm per image
 * and group, OpenMP over the batch.
 *
 * Per image n and group g (G groups, Cg = C/G input and Kg = K/G output channels each):
 * cols:(Cg*R*S, P*Q) = im2col(x_n, channels of g) with strides, pads and dilations;
 * y_ng:(Kg,P*Q) = w_g:(Kg,Cg*R*S) cols (+ b). Backward: dw_g += dy_ng cols^T,
 * dcols = w_g^T dy_ng, dx_ng += col2im(dcols). A 1x1 stride-1 unpadded conv skips im2col
 * (cols is x_ng itself). With T > 1 threads each thread owns a slice of the workspace (cols,
 * dcols, partial dw and db); images are split into T contiguous ranges and the partial sums
 * are reduced in thread order, so the bits depend only on T. BLAS is set single-threaded for
 * the length of the parallel region. */
#include "tensor/ops.h"

#include <string.h>

#include "tensor/gemm.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

static int is_pointwise(const rmn_conv2d_shape *sh) {
    return sh->r == 1 && sh->s == 1 && sh->stride_h == 1 && sh->stride_w == 1 &&
           sh->pad_h == 0 && sh->pad_w == 0 && sh->p == sh->h && sh->q == sh->w;
}

/* Rows of one group's cols matrix: Cg*R*S. */
static size_t crs_of(const rmn_conv2d_shape *sh) {
    return (size_t)(sh->c / rmn_conv2d_groups(sh)) * sh->r * sh->s;
}

/* Floats of one thread's slice: cols, dcols, dw partial, db partial. */
static size_t per_thread(const rmn_conv2d_shape *sh) {
    const size_t crs = crs_of(sh), pq = (size_t)sh->p * sh->q;
    return 2 * round16(crs * pq) + round16((size_t)sh->k * crs) + round16((size_t)sh->k);
}

static int threads_for(const rmn_conv2d_shape *sh, int nthreads) {
#ifdef _OPENMP
    int t = nthreads < 1 ? 1 : nthreads;
    return t > sh->n ? sh->n : t;
#else
    (void)sh;
    (void)nthreads;
    return 1;
#endif
}

size_t rmn_gemm_conv2d_workspace(const rmn_conv2d_shape *sh, int nthreads) {
    return (size_t)(nthreads < 1 ? 1 : nthreads) * per_thread(sh);
}

/* cols:(Cg*R*S, P*Q) x:(Cg,H,W) -- one image, one group */
static void im2col(float *cols, const float *x, const rmn_conv2d_shape *sh) {
    const int H = sh->h, W = sh->w, P = sh->p, Q = sh->q, CG = sh->c / rmn_conv2d_groups(sh);
    const int DH = rmn_conv2d_dil_h(sh), DW = rmn_conv2d_dil_w(sh);
    for (int c = 0; c < CG; ++c)
        for (int r = 0; r < sh->r; ++r)
            for (int s = 0; s < sh->s; ++s) {
                float *row = cols + ((size_t)(c * sh->r + r) * sh->s + s) * P * Q;
                const float *xc = x + (size_t)c * H * W;
                for (int p = 0; p < P; ++p) {
                    const int ih = p * sh->stride_h - sh->pad_h + r * DH;
                    float *o = row + (size_t)p * Q;
                    if (ih < 0 || ih >= H) {
                        memset(o, 0, sizeof(float) * Q);
                        continue;
                    }
                    for (int q = 0; q < Q; ++q) {
                        const int iw = q * sh->stride_w - sh->pad_w + s * DW;
                        o[q] = (iw >= 0 && iw < W) ? xc[ih * W + iw] : 0.0f;
                    }
                }
            }
}

/* dx:(Cg,H,W) += col2im(dcols:(Cg*R*S, P*Q)) -- one image, one group */
static void col2im_add(float *dx, const float *dcols, const rmn_conv2d_shape *sh) {
    const int H = sh->h, W = sh->w, P = sh->p, Q = sh->q, CG = sh->c / rmn_conv2d_groups(sh);
    const int DH = rmn_conv2d_dil_h(sh), DW = rmn_conv2d_dil_w(sh);
    for (int c = 0; c < CG; ++c)
        for (int r = 0; r < sh->r; ++r)
            for (int s = 0; s < sh->s; ++s) {
                const float *row = dcols + ((size_t)(c * sh->r + r) * sh->s + s) * P * Q;
                float *dxc = dx + (size_t)c * H * W;
                for (int p = 0; p < P; ++p) {
                    const int ih = p * sh->stride_h - sh->pad_h + r * DH;
                    if (ih < 0 || ih >= H)
                        continue;
                    for (int q = 0; q < Q; ++q) {
                        const int iw = q * sh->stride_w - sh->pad_w + s * DW;
                        if (iw >= 0 && iw < W)
                            dxc[ih * W + iw] += row[(size_t)p * Q + q];
                    }
                }
            }
}

/* y = conv(x) (+ b) for images [n0, n1); beta 1 adds into y (then b must be NULL). */
static void forward_images(float *y, const float *x, const float *w, const float *b,
                           const rmn_conv2d_shape *sh, float *tws, int n0, int n1, float beta) {
    const int G = rmn_conv2d_groups(sh), CG = sh->c / G, KG = sh->k / G;
    const int crs = (int)crs_of(sh), pq = sh->p * sh->q;
    const size_t xs = (size_t)sh->c * sh->h * sh->w, ys = (size_t)sh->k * pq;
    const size_t xg = (size_t)CG * sh->h * sh->w;
    for (int n = n0; n < n1; ++n) {
        float *yn = y + n * ys;
        for (int g = 0; g < G; ++g) {
            const float *xng = x + n * xs + g * xg;
            const float *cols = xng;
            if (!is_pointwise(sh)) {
                im2col(tws, xng, sh);
                cols = tws;
            }
            rmn_gemm(0, 0, KG, pq, crs, 1.0f, w + (size_t)g * KG * crs, crs, cols, pq, beta,
                     yn + (size_t)g * KG * pq, pq);
        }
        if (b)
            for (int k = 0; k < sh->k; ++k)
                for (int i = 0; i < pq; ++i)
                    yn[(size_t)k * pq + i] += b[k];
    }
}

static void backward_images(float *dx, float *dw, float *db, const float *dy, const float *x,
                            const float *w, const rmn_conv2d_shape *sh, float *tws, int n0,
                            int n1) {
    const int G = rmn_conv2d_groups(sh), CG = sh->c / G, KG = sh->k / G;
    const int crs = (int)crs_of(sh), pq = sh->p * sh->q;
    const size_t xs = (size_t)sh->c * sh->h * sh->w, ys = (size_t)sh->k * pq;
    const size_t xg = (size_t)CG * sh->h * sh->w;
    float *cols_buf = tws, *dcols = tws + round16((size_t)crs * pq);
    for (int n = n0; n < n1; ++n) {
        const float *dyn = dy + n * ys;
        if (db)
            for (int k = 0; k < sh->k; ++k) {
                float acc = 0.0f;
                for (int i = 0; i < pq; ++i)
                    acc += dyn[(size_t)k * pq + i];
                db[k] += acc;
            }
        for (int g = 0; g < G; ++g) {
            const float *dyg = dyn + (size_t)g * KG * pq, *wg = w + (size_t)g * KG * crs;
            if (dw) {
                const float *cols = x + n * xs + g * xg;
                if (!is_pointwise(sh)) {
                    im2col(cols_buf, cols, sh);
                    cols = cols_buf;
                }
                rmn_gemm(0, 1, KG, crs, pq, 1.0f, dyg, pq, cols, pq, 1.0f,
                         dw + (size_t)g * KG * crs, crs);
            }
            if (!dx)
                continue;
            float *dxg = dx + n * xs + g * xg;
            if (is_pointwise(sh)) {
                rmn_gemm(1, 0, crs, pq, KG, 1.0f, wg, crs, dyg, pq, 1.0f, dxg, pq);
            } else {
                rmn_gemm(1, 0, crs, pq, KG, 1.0f, wg, crs, dyg, pq, 0.0f, dcols, pq);
                col2im_add(dxg, dcols, sh);
            }
        }
    }
}

static void forward_any(float *y, const float *x, const float *w, const float *b,
                        const rmn_conv2d_shape *sh, float *ws, int nthreads, float beta) {
    const int T = threads_for(sh, nthreads);
    if (T == 1) {
        forward_images(y, x, w, b, sh, ws, 0, sh->n, beta);
        return;
    }
#ifdef _OPENMP
    const size_t per = per_thread(sh);
    const int saved = rmn_blas_get_threads();
    rmn_blas_set_threads(1);
#pragma omp parallel num_threads(T)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const int n0 = (int)((long)sh->n * t / nt), n1 = (int)((long)sh->n * (t + 1) / nt);
        forward_images(y, x, w, b, sh, ws + (size_t)t * per, n0, n1, beta);
    }
    rmn_blas_set_threads(saved);
#endif
}

/* y:(N,K,P,Q) x:(N,C,H,W) w:(K,C/G,R,S) b:(K) or NULL */
void rmn_gemm_conv2d_forward(float *y, const float *x, const float *w, const float *b,
                             const rmn_conv2d_shape *sh, float *ws, int nthreads) {
    forward_any(y, x, w, b, sh, ws, nthreads, 0.0f);
}

/* y:(N,K,P,Q) += conv(x) x:(N,C,H,W) w:(K,C/G,R,S) */
void rmn_gemm_conv2d_forward_acc(float *y, const float *x, const float *w,
                                 const rmn_conv2d_shape *sh, float *ws, int nthreads) {
    forward_any(y, x, w, NULL, sh, ws, nthreads, 1.0f);
}

/* dx:(N,C,H,W) or NULL dw:(K,C/G,R,S) or NULL db:(K) or NULL dy:(N,K,P,Q) x:(N,C,H,W)
 * w:(K,C/G,R,S) */
void rmn_gemm_conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                              const float *w, const rmn_conv2d_shape *sh, float *ws,
                              int nthreads) {
    const int T = threads_for(sh, nthreads);
    if (T == 1) {
        backward_images(dx, dw, db, dy, x, w, sh, ws, 0, sh->n);
        return;
    }
#ifdef _OPENMP
    const size_t per = per_thread(sh), crs = crs_of(sh);
    const size_t dw_off = 2 * round16(crs * (size_t)sh->p * sh->q);
    const size_t db_off = dw_off + round16((size_t)sh->k * crs);
    for (int t = 0; t < T; ++t)
        memset(ws + (size_t)t * per + dw_off, 0, sizeof(float) * (per - dw_off));
    const int saved = rmn_blas_get_threads();
    rmn_blas_set_threads(1);
#pragma omp parallel num_threads(T)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const int n0 = (int)((long)sh->n * t / nt), n1 = (int)((long)sh->n * (t + 1) / nt);
        float *tws = ws + (size_t)t * per;
        backward_images(dx, dw ? tws + dw_off : NULL, db ? tws + db_off : NULL, dy, x, w, sh,
                        tws, n0, n1);
    }
    rmn_blas_set_threads(saved);
    for (int t = 0; t < T; ++t) {
        const float *part = ws + (size_t)t * per;
        if (dw)
            for (size_t i = 0; i < (size_t)sh->k * crs; ++i)
                dw[i] += part[dw_off + i];
        if (db)
            for (int k = 0; k < sh->k; ++k)
                db[k] += part[db_off + k];
    }
#endif
}

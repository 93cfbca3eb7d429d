/* dnnl_pool.c -- the dnnl backend's max pool, average pool, global average pool, mean and max
 * over channels and resize of a 1x1 map: the blocked16 kernels on nChw16c activations, the
 * "cpu" backend's on plain ones. (oneDNN's pooling would need its own workspace format for the
 * argmax; ours keeps the plane-relative indices of the plain kernels, bit-identical results in
 * both layouts.) */
#include "tensor/blocked16.h"
#include "tensor/dnnl_internal.h"

#include <string.h>

/* y,idx:(N,C,P,Q) x:(N,C,H,W), plain or nChw16c alike */
void rmn_dnnl_maxpool_forward(const rmn_exec *ex, float *y, int32_t *idx, const float *x,
                              const rmn_pool2d_shape *sh) {
    if (ex->layout)
        rmn_b16_maxpool2d_forward(y, idx, x, sh, ex->nthreads);
    else
        rmn_backend_cpu.maxpool2d_forward(ex, y, idx, x, sh);
}

/* dx:(N,C,H,W) dy,idx:(N,C,P,Q), plain or nChw16c alike */
void rmn_dnnl_maxpool_backward(const rmn_exec *ex, float *dx, const float *dy, const int32_t *idx,
                               const rmn_pool2d_shape *sh) {
    if (ex->layout)
        rmn_b16_maxpool2d_backward(dx, dy, idx, sh, (ex->fresh & RMN_FRESH_DX) != 0, ex->nthreads);
    else
        rmn_backend_cpu.maxpool2d_backward(ex, dx, dy, idx, sh);
}

/* y:(N,C,P,Q) x:(N,C,H,W), plain or nChw16c alike */
void rmn_dnnl_avgpool_forward(const rmn_exec *ex, float *y, const float *x,
                              const rmn_pool2d_shape *sh) {
    if (ex->layout)
        rmn_b16_avgpool2d_forward(y, x, sh, ex->nthreads);
    else
        rmn_backend_cpu.avgpool2d_forward(ex, y, x, sh);
}

/* dx:(N,C,H,W) += from dy:(N,C,P,Q), plain or nChw16c alike */
void rmn_dnnl_avgpool_backward(const rmn_exec *ex, float *dx, const float *dy,
                               const rmn_pool2d_shape *sh) {
    if (ex->layout)
        rmn_b16_avgpool2d_backward(dx, dy, sh, ex->nthreads);
    else
        rmn_backend_cpu.avgpool2d_backward(ex, dx, dy, sh);
}

/* y:(N,C) x:(N,C,HW) plain or nChw16c */
void rmn_dnnl_gap_forward(const rmn_exec *ex, float *y, const float *x, int n, int c, int hw) {
    if (ex->layout & RMN_LAYOUT_X16)
        rmn_b16_gap_forward(y, x, n, c, hw, ex->nthreads);
    else
        rmn_backend_cpu.gap_forward(ex, y, x, n, c, hw);
}

/* dx:(N,C,HW) plain or nChw16c, dy:(N,C) */
void rmn_dnnl_gap_backward(const rmn_exec *ex, float *dx, const float *dy, int n, int c, int hw) {
    const int fresh = (ex->fresh & RMN_FRESH_DX) != 0;
    if (ex->layout & RMN_LAYOUT_X16) {
        rmn_b16_gap_backward(dx, dy, n, c, hw, fresh, ex->nthreads);
        return;
    }
    if (fresh) /* the plain kernel adds: zero this (small, last-stage) tensor first */
        memset(dx, 0, (size_t)n * c * hw * sizeof(float));
    rmn_backend_cpu.gap_backward(ex, dx, dy, n, c, hw);
}

/* y:(N,1,HW) plain, x:(N,C,HW) plain or nChw16c */
void rmn_dnnl_chan_mean_forward(const rmn_exec *ex, float *y, const float *x, int n, int c,
                                int hw) {
    if (ex->layout & RMN_LAYOUT_X16)
        rmn_b16_chan_mean_forward(y, x, n, c, hw, ex->nthreads);
    else
        rmn_backend_cpu.chan_mean_forward(ex, y, x, n, c, hw);
}

/* dx:(N,C,HW) plain or nChw16c += from dy:(N,1,HW) */
void rmn_dnnl_chan_mean_backward(const rmn_exec *ex, float *dx, const float *dy, int n, int c,
                                 int hw) {
    if (ex->layout & RMN_LAYOUT_X16)
        rmn_b16_chan_mean_backward(dx, dy, n, c, hw, ex->nthreads);
    else
        rmn_backend_cpu.chan_mean_backward(ex, dx, dy, n, c, hw);
}

/* y,idx:(N,1,HW) plain, x:(N,C,HW) plain or nChw16c */
void rmn_dnnl_chan_max_forward(const rmn_exec *ex, float *y, int32_t *idx, const float *x, int n,
                               int c, int hw) {
    if (ex->layout & RMN_LAYOUT_X16)
        rmn_b16_chan_max_forward(y, idx, x, n, c, hw, ex->nthreads);
    else
        rmn_backend_cpu.chan_max_forward(ex, y, idx, x, n, c, hw);
}

/* dx:(N,C,HW) plain or nChw16c += dy:(N,1,HW) at idx */
void rmn_dnnl_chan_max_backward(const rmn_exec *ex, float *dx, const float *dy,
                                const int32_t *idx, int n, int c, int hw) {
    if (ex->layout & RMN_LAYOUT_X16)
        rmn_b16_chan_max_backward(dx, dy, idx, n, c, hw, ex->nthreads);
    else
        rmn_backend_cpu.chan_max_backward(ex, dx, dy, idx, n, c, hw);
}

/* y:(N,C,OH,OW) plain or (from a 1x1 x) nChw16c, x:(N,C,H,W) plain */
void rmn_dnnl_resize_forward(const rmn_exec *ex, float *y, const float *x, int n, int c, int h,
                             int w, int oh, int ow) {
    if ((ex->layout & RMN_LAYOUT_Y16) && h == 1 && w == 1)
        rmn_b16_resize1_forward(y, x, n, c, oh, ow, ex->nthreads);
    else
        rmn_backend_cpu.resize_bilinear_forward(ex, y, x, n, c, h, w, oh, ow);
}

/* dx:(N,C,H,W) plain += from dy:(N,C,OH,OW) plain or (to a 1x1 dx) nChw16c */
void rmn_dnnl_resize_backward(const rmn_exec *ex, float *dx, const float *dy, int n, int c,
                              int h, int w, int oh, int ow) {
    if ((ex->layout & RMN_LAYOUT_Y16) && h == 1 && w == 1)
        rmn_b16_resize1_backward(dx, dy, n, c, oh, ow, ex->nthreads);
    else
        rmn_backend_cpu.resize_bilinear_backward(ex, dx, dy, n, c, h, w, oh, ow);
}

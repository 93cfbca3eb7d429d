/* shape.c -- the shape helpers of ops.h: output sizes of conv, transposed conv, pooling and
 * broadcasting, with their argument checks (PyTorch's formulas and limits). */
#include "tensor/ops.h"

#include "core/error.h"

int rmn_conv2d_shape_init(rmn_conv2d_shape *sh, int n, int c, int h, int w, int k, int kernel,
                          int stride, int pad) {
    const rmn_conv_params p = {.kh = kernel, .kw = kernel, .stride_h = stride,
                               .stride_w = stride, .pad_h = pad, .pad_w = pad};
    if (stride < 1)
        return RMN_ERROR(RMN_EINVAL, "conv2d: bad stride %d", stride);
    return rmn_conv2d_shape_full(sh, n, c, h, w, k, &p);
}

static int dflt(int v) { return v ? v : 1; }

int rmn_conv2d_shape_full(rmn_conv2d_shape *sh, int n, int c, int h, int w, int k,
                          const rmn_conv_params *p) {
    const int sth = dflt(p->stride_h), stw = dflt(p->stride_w), dh = dflt(p->dil_h),
              dw = dflt(p->dil_w), g = dflt(p->groups);
    const int pb = rmn_conv_pad_b(p), pr = rmn_conv_pad_r(p);
    if (n < 1 || c < 1 || h < 1 || w < 1 || k < 1 || p->kh < 1 || p->kw < 1 || sth < 1 ||
        stw < 1 || p->pad_h < 0 || p->pad_w < 0 || pb < 0 || pr < 0 || dh < 1 || dw < 1 ||
        g < 1)
        return RMN_ERROR(RMN_EINVAL, "conv2d: bad sizes n=%d c=%d h=%d w=%d k=%d kernel=%dx%d "
                         "stride=%d,%d pad=%d,%d,%d,%d dilation=%d,%d groups=%d", n, c, h, w, k,
                         p->kh, p->kw, sth, stw, p->pad_h, p->pad_w, pb, pr, dh, dw, g);
    if (c % g || k % g)
        return RMN_ERROR(RMN_EINVAL, "conv2d: %d input and %d output channels are not "
                         "divisible by %d groups", c, k, g);
    const int eh = dh * (p->kh - 1) + 1, ew = dw * (p->kw - 1) + 1; /* dilated extent */
    const int hp = h + p->pad_h + pb, wp = w + p->pad_w + pr;      /* padded input */
    if (hp < eh || wp < ew)
        return RMN_ERROR(RMN_EINVAL, "conv2d: kernel %dx%d (dilated %dx%d) larger than padded "
                         "input %dx%d", p->kh, p->kw, eh, ew, hp, wp);
    *sh = (rmn_conv2d_shape){.n = n, .c = c, .h = h, .w = w, .k = k, .r = p->kh, .s = p->kw,
                             .stride_h = sth, .stride_w = stw, .pad_h = p->pad_h,
                             .pad_w = p->pad_w, .dil_h = dh, .dil_w = dw, .groups = g};
    sh->p = (hp - eh) / sth + 1;
    sh->q = (wp - ew) / stw + 1;
    return RMN_OK;
}

int rmn_convt2d_shape_full(rmn_convt2d_shape *sh, int n, int c, int h, int w, int k,
                           const rmn_conv_params *p, int out_pad_h, int out_pad_w) {
    const int sth = dflt(p->stride_h), stw = dflt(p->stride_w), dh = dflt(p->dil_h),
              dw = dflt(p->dil_w), g = dflt(p->groups);
    if (n < 1 || c < 1 || h < 1 || w < 1 || k < 1 || p->kh < 1 || p->kw < 1 || sth < 1 ||
        stw < 1 || p->pad_h < 0 || p->pad_w < 0 || dh < 1 || dw < 1 || g < 1 ||
        out_pad_h < 0 || out_pad_w < 0 || rmn_conv_pad_b(p) != p->pad_h ||
        rmn_conv_pad_r(p) != p->pad_w)
        return RMN_ERROR(RMN_EINVAL, "conv_transpose2d: bad sizes (or asymmetric pads) n=%d "
                         "c=%d h=%d w=%d k=%d kernel=%dx%d stride=%d,%d pad=%d,%d dilation=%d,%d "
                         "groups=%d output_padding=%d,%d", n, c, h, w, k, p->kh, p->kw, sth, stw,
                         p->pad_h, p->pad_w, dh, dw, g, out_pad_h, out_pad_w);
    if (c % g || k % g)
        return RMN_ERROR(RMN_EINVAL, "conv_transpose2d: %d input and %d output channels are "
                         "not divisible by %d groups", c, k, g);
    if ((out_pad_h >= sth && out_pad_h >= dh) || (out_pad_w >= stw && out_pad_w >= dw))
        return RMN_ERROR(RMN_EINVAL, "conv_transpose2d: output padding %d,%d must be smaller "
                         "than the stride or the dilation", out_pad_h, out_pad_w);
    *sh = (rmn_convt2d_shape){.n = n, .c = c, .h = h, .w = w, .k = k, .r = p->kh, .s = p->kw,
                              .stride_h = sth, .stride_w = stw, .pad_h = p->pad_h,
                              .pad_w = p->pad_w, .dil_h = dh, .dil_w = dw, .groups = g,
                              .out_pad_h = out_pad_h, .out_pad_w = out_pad_w};
    sh->p = (h - 1) * sth - 2 * p->pad_h + dh * (p->kh - 1) + out_pad_h + 1;
    sh->q = (w - 1) * stw - 2 * p->pad_w + dw * (p->kw - 1) + out_pad_w + 1;
    if (sh->p < 1 || sh->q < 1)
        return RMN_ERROR(RMN_EINVAL, "conv_transpose2d: empty output %dx%d", sh->p, sh->q);
    return RMN_OK;
}

void rmn_convt2d_as_conv(const rmn_convt2d_shape *t, rmn_conv2d_shape *conv) {
    *conv = (rmn_conv2d_shape){.n = t->n, .c = t->k, .h = t->p, .w = t->q, .k = t->c,
                               .r = t->r, .s = t->s, .stride_h = t->stride_h,
                               .stride_w = t->stride_w, .pad_h = t->pad_h, .pad_w = t->pad_w,
                               .p = t->h, .q = t->w, .dil_h = t->dil_h, .dil_w = t->dil_w,
                               .groups = t->groups};
}

int rmn_pool2d_shape_init(rmn_pool2d_shape *sh, int n, int c, int h, int w, int kernel,
                          int stride, int pad) {
    const rmn_pool_params p = {.kh = kernel, .kw = kernel, .stride_h = stride,
                               .stride_w = stride, .pad_h = pad, .pad_w = pad};
    if (stride < 1)
        return RMN_ERROR(RMN_EINVAL, "pool2d: bad stride %d", stride);
    return rmn_pool2d_shape_full(sh, n, c, h, w, &p);
}

/* PyTorch's pooling_output_shape: floor or ceil, and the last window must start inside the
 * input or the left padding. */
static int pool_out(int in, int k, int pad, int stride, int ceil_mode) {
    const int span = in + 2 * pad - k;
    int out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    if (ceil_mode && (out - 1) * stride >= in + pad)
        --out;
    return out;
}

int rmn_pool2d_shape_full(rmn_pool2d_shape *sh, int n, int c, int h, int w,
                          const rmn_pool_params *p) {
    const int sth = p->stride_h ? p->stride_h : p->kh, stw = p->stride_w ? p->stride_w : p->kw;
    if (n < 1 || c < 1 || h < 1 || w < 1 || p->kh < 1 || p->kw < 1 || sth < 1 || stw < 1 ||
        p->pad_h < 0 || p->pad_w < 0 || p->pad_h > p->kh / 2 || p->pad_w > p->kw / 2)
        return RMN_ERROR(RMN_EINVAL, "pool2d: bad sizes n=%d c=%d h=%d w=%d kernel=%dx%d "
                         "stride=%d,%d pad=%d,%d (pad must be <= kernel/2)", n, c, h, w, p->kh,
                         p->kw, sth, stw, p->pad_h, p->pad_w);
    if (h + 2 * p->pad_h < p->kh || w + 2 * p->pad_w < p->kw)
        return RMN_ERROR(RMN_EINVAL, "pool2d: kernel %dx%d larger than padded input %dx%d",
                         p->kh, p->kw, h + 2 * p->pad_h, w + 2 * p->pad_w);
    *sh = (rmn_pool2d_shape){.n = n, .c = c, .h = h, .w = w, .r = p->kh, .s = p->kw,
                             .stride_h = sth, .stride_w = stw, .pad_h = p->pad_h,
                             .pad_w = p->pad_w, .ceil_mode = p->ceil_mode != 0,
                             .count_include_pad = p->count_include_pad != 0};
    sh->p = pool_out(h, p->kh, p->pad_h, sth, sh->ceil_mode);
    sh->q = pool_out(w, p->kw, p->pad_w, stw, sh->ceil_mode);
    return RMN_OK;
}

int rmn_bcast_shape_init(rmn_bcast_shape *sh, int n, int c, int h, int w, int bc, int bh,
                         int bw) {
    if (n < 1 || c < 1 || h < 1 || w < 1 || (bc != 1 && bc != c) || (bh != 1 && bh != h) ||
        (bw != 1 && bw != w))
        return RMN_ERROR(RMN_EINVAL, "broadcast: (%d,%d,%d) does not broadcast to (%d,%d,%d)",
                         bc, bh, bw, c, h, w);
    *sh = (rmn_bcast_shape){.n = n, .c = c, .h = h, .w = w, .bc = bc, .bh = bh, .bw = bw};
    return RMN_OK;
}

/* cnn_layer.c -- face-api's layers on oneDNN primitives over NHWC maps (see cnn_layer.h). */
#include "detect/cnn_layer.h"

#include "core/error.h"
#include "detect/cnn.h"

#include <dnnl.h>
#include <stdlib.h>
#include <string.h>

struct rmn_cnn_layer {
    dnnl_primitive_t prim;
    dnnl_memory_t    src, dst, wei, bias, scratch; /* wei, bias, scratch may be NULL */
    void            *wei_data;                     /* weights in the primitive's layout */
    float           *bias_data;
    size_t           scratch_bytes;
    rmn_cnn_ctx     *ctx;
    rmn_cnn_layer   *next;
};

struct rmn_cnn_ctx {
    dnnl_engine_t  eng;
    dnnl_stream_t  strm;
    rmn_cnn_layer *layers;
    void          *scratch; /* shared by the layers (run one at a time) */
    size_t         scratch_bytes;
};

static void layer_free(rmn_cnn_layer *l) {
    if (l->prim)
        dnnl_primitive_destroy(l->prim);
    dnnl_memory_t m[5] = {l->src, l->dst, l->wei, l->bias, l->scratch};
    for (int i = 0; i < 5; ++i)
        if (m[i])
            dnnl_memory_destroy(m[i]);
    free(l->wei_data);
    free(l->bias_data);
    free(l);
}

int rmn_cnn_ctx_create(rmn_cnn_ctx **out) {
    rmn_cnn_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    if (dnnl_engine_create(&c->eng, dnnl_cpu, 0) != dnnl_success ||
        dnnl_stream_create(&c->strm, c->eng, dnnl_stream_default_flags) != dnnl_success) {
        rmn_cnn_ctx_free(c);
        return RMN_ERROR(RMN_EINTERNAL, "oneDNN: cannot create a CPU engine and stream");
    }
    *out = c;
    return RMN_OK;
}

void rmn_cnn_ctx_clear(rmn_cnn_ctx *c) {
    while (c && c->layers) {
        rmn_cnn_layer *l = c->layers;
        c->layers = l->next;
        layer_free(l);
    }
}

void rmn_cnn_ctx_free(rmn_cnn_ctx *c) {
    if (!c)
        return;
    rmn_cnn_ctx_clear(c);
    if (c->strm)
        dnnl_stream_destroy(c->strm);
    if (c->eng)
        dnnl_engine_destroy(c->eng);
    free(c->scratch);
    free(c);
}

static void md_nhwc(dnnl_memory_desc_t *md, int h, int w, int c) {
    dnnl_dims_t d = {1, c, h, w};
    dnnl_memory_desc_init_by_tag(md, 4, d, dnnl_f32, dnnl_nhwc);
}

/* A new layer of c with its primitive (from pd), user src/dst memories, and the scratchpad. */
static int layer_make(rmn_cnn_ctx *c, const_dnnl_primitive_desc_t pd, const dnnl_memory_desc_t *src,
                      const dnnl_memory_desc_t *dst, rmn_cnn_layer **out) {
    rmn_cnn_layer *l = calloc(1, sizeof *l);
    if (!l)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    const dnnl_memory_desc_t *sp = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    l->scratch_bytes = sp ? dnnl_memory_desc_get_size(sp) : 0;
    if (dnnl_primitive_create(&l->prim, pd) != dnnl_success ||
        dnnl_memory_create(&l->src, src, c->eng, DNNL_MEMORY_NONE) != dnnl_success ||
        dnnl_memory_create(&l->dst, dst, c->eng, DNNL_MEMORY_NONE) != dnnl_success ||
        (l->scratch_bytes && dnnl_memory_create(&l->scratch, sp, c->eng, DNNL_MEMORY_NONE) != dnnl_success)) {
        layer_free(l);
        return RMN_ERROR(RMN_EINTERNAL, "oneDNN: cannot create a primitive");
    }
    l->ctx = c;
    l->next = c->layers;
    c->layers = l;
    *out = l;
    return RMN_OK;
}

/* Attributes: user scratchpad, then the post-ops (sum, activation). */
static dnnl_primitive_attr_t conv_attr(const rmn_cnn_conv_desc *d) {
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success || dnnl_post_ops_create(&po) != dnnl_success)
        goto fail;
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (d->accumulate && dnnl_post_ops_append_sum(po, 1.f) != dnnl_success)
        goto fail;
    dnnl_status_t s = dnnl_success;
    if (d->act == RMN_CNN_ACT_RELU)
        s = dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_relu, 0.f, 0.f);
    else if (d->act == RMN_CNN_ACT_LEAKY)
        s = dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_relu, 0.10000000149011612f, 0.f);
    else if (d->act == RMN_CNN_ACT_RELU6)
        s = dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_clip, 0.f, 6.f);
    if (s != dnnl_success || dnnl_primitive_attr_set_post_ops(attr, po) != dnnl_success)
        goto fail;
    dnnl_post_ops_destroy(po);
    return attr;
fail:
    if (po)
        dnnl_post_ops_destroy(po);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    return NULL;
}

/* The weights from w (TensorFlow's layout, desc user) into l's own buffer in layout want. */
static int weights_in(rmn_cnn_ctx *c, rmn_cnn_layer *l, const dnnl_memory_desc_t *user, const float *w,
                      const dnnl_memory_desc_t *want) {
    size_t bytes = dnnl_memory_desc_get_size(want);
    if (posix_memalign(&l->wei_data, 64, bytes ? bytes : 64) != 0) {
        l->wei_data = NULL;
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    }
    dnnl_memory_t from = NULL;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    int ok = dnnl_memory_create(&l->wei, want, c->eng, l->wei_data) == dnnl_success &&
             dnnl_memory_create(&from, user, c->eng, (void *)w) == dnnl_success &&
             dnnl_reorder_primitive_desc_create(&rpd, user, c->eng, want, c->eng, NULL) == dnnl_success &&
             dnnl_primitive_create(&reorder, rpd) == dnnl_success;
    if (ok) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, l->wei}};
        ok = dnnl_primitive_execute(reorder, c->strm, 2, args) == dnnl_success && dnnl_stream_wait(c->strm) == dnnl_success;
    }
    if (reorder)
        dnnl_primitive_destroy(reorder);
    if (rpd)
        dnnl_primitive_desc_destroy(rpd);
    if (from)
        dnnl_memory_destroy(from);
    return ok ? RMN_OK : RMN_ERROR(RMN_EINTERNAL, "oneDNN: cannot reorder the weights");
}

int rmn_cnn_layer_conv(rmn_cnn_ctx *c, const rmn_cnn_conv_desc *d, rmn_cnn_layer **out, int *P, int *Q) {
    int p, q, pt, pl;
    if (d->valid) {
        p = (d->H - d->R) / d->stride + 1, q = (d->W - d->R) / d->stride + 1, pt = pl = 0;
    } else {
        rmn_cnn_same(d->H, d->R, d->stride, &p, &pt);
        rmn_cnn_same(d->W, d->R, d->stride, &q, &pl);
    }
    int K = d->depthwise ? d->C : d->K;
    dnnl_memory_desc_t src, dst, wuser, wany, bias;
    md_nhwc(&src, d->H, d->W, d->C);
    md_nhwc(&dst, p, q, K);
    if (d->depthwise) {
        dnnl_dims_t wd = {d->C, 1, 1, d->R, d->R};
        dnnl_memory_desc_init_by_tag(&wuser, 5, wd, dnnl_f32, dnnl_hwigo);
        dnnl_memory_desc_init_by_tag(&wany, 5, wd, dnnl_f32, dnnl_format_tag_any);
    } else {
        dnnl_dims_t wd = {K, d->C, d->R, d->R};
        dnnl_memory_desc_init_by_tag(&wuser, 4, wd, dnnl_f32, dnnl_hwio);
        dnnl_memory_desc_init_by_tag(&wany, 4, wd, dnnl_f32, dnnl_format_tag_any);
    }
    dnnl_dims_t bd = {K};
    dnnl_memory_desc_init_by_tag(&bias, 1, bd, dnnl_f32, dnnl_a);
    dnnl_dims_t strides = {d->stride, d->stride}, pad_l = {pt, pl};
    dnnl_dims_t pad_r = {(p - 1) * d->stride + d->R - d->H - pt, (q - 1) * d->stride + d->R - d->W - pl};
    dnnl_convolution_desc_t cd;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_attr_t attr = conv_attr(d);
    int rc = RMN_OK;
    if (!attr ||
        dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct, &src, &wany,
                                           d->b ? &bias : NULL, &dst, strides, pad_l, pad_r) != dnnl_success ||
        dnnl_primitive_desc_create(&pd, &cd, attr, c->eng, NULL) != dnnl_success)
        rc = RMN_ERROR(RMN_EINTERNAL, "oneDNN refused a %s %dx%d convolution (%dx%dx%d -> %dx%dx%d, stride %d)",
                       d->depthwise ? "depthwise" : "full", d->R, d->R, d->H, d->W, d->C, p, q, K, d->stride);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    rmn_cnn_layer *l = NULL;
    if (rc == RMN_OK)
        rc = layer_make(c, pd, &src, &dst, &l);
    if (rc == RMN_OK)
        rc = weights_in(c, l, &wuser, d->w, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0));
    if (rc == RMN_OK && d->b) {
        l->bias_data = malloc((size_t)K * sizeof *l->bias_data);
        if (!l->bias_data)
            rc = RMN_ERROR(RMN_ENOMEM, "out of memory");
        else if (memcpy(l->bias_data, d->b, (size_t)K * sizeof *d->b),
                 dnnl_memory_create(&l->bias, &bias, c->eng, l->bias_data) != dnnl_success)
            rc = RMN_ERROR(RMN_EINTERNAL, "oneDNN: cannot create the bias memory");
    }
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (rc != RMN_OK)
        return rc; /* a half-made layer stays in c's list and is freed with it */
    if (P)
        *P = p;
    if (Q)
        *Q = q;
    *out = l;
    return RMN_OK;
}

int rmn_cnn_layer_maxpool(rmn_cnn_ctx *c, int H, int W, int C, int k, int st, rmn_cnn_layer **out, int *P,
                          int *Q) {
    int p, q, pt, pl;
    rmn_cnn_same(H, k, st, &p, &pt);
    rmn_cnn_same(W, k, st, &q, &pl);
    dnnl_memory_desc_t src, dst;
    md_nhwc(&src, H, W, C);
    md_nhwc(&dst, p, q, C);
    dnnl_dims_t strides = {st, st}, kernel = {k, k}, dil = {0, 0}, pad_l = {pt, pl};
    dnnl_dims_t pad_r = {(p - 1) * st + k - H - pt, (q - 1) * st + k - W - pl};
    dnnl_pooling_v2_desc_t pdsc;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_attr_t attr = NULL;
    int rc = RMN_OK;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success ||
        dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) != dnnl_success ||
        dnnl_pooling_v2_forward_desc_init(&pdsc, dnnl_forward_inference, dnnl_pooling_max, &src, &dst, strides, kernel,
                                          dil, pad_l, pad_r) != dnnl_success ||
        dnnl_primitive_desc_create(&pd, &pdsc, attr, c->eng, NULL) != dnnl_success)
        rc = RMN_ERROR(RMN_EINTERNAL, "oneDNN refused a %dx%d max pool (%dx%dx%d, stride %d)", k, k, H, W, C, st);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    if (rc == RMN_OK)
        rc = layer_make(c, pd, &src, &dst, out);
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (rc == RMN_OK) {
        if (P)
            *P = p;
        if (Q)
            *Q = q;
    }
    return rc;
}

int rmn_cnn_layer_run(rmn_cnn_layer *l, float *y, const float *x) {
    rmn_cnn_ctx *c = l->ctx;
    if (l->scratch_bytes > c->scratch_bytes) {
        void *p = NULL;
        if (posix_memalign(&p, 64, l->scratch_bytes) != 0)
            return RMN_ERROR(RMN_ENOMEM, "out of memory for a %zu-byte scratchpad", l->scratch_bytes);
        free(c->scratch);
        c->scratch = p;
        c->scratch_bytes = l->scratch_bytes;
    }
    dnnl_exec_arg_t args[5];
    int n = 0;
    dnnl_memory_set_data_handle(l->src, (void *)x);
    dnnl_memory_set_data_handle(l->dst, y);
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, l->src};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DST, l->dst};
    if (l->wei)
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, l->wei};
    if (l->bias)
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, l->bias};
    if (l->scratch) {
        dnnl_memory_set_data_handle(l->scratch, c->scratch);
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, l->scratch};
    }
    if (dnnl_primitive_execute(l->prim, c->strm, n, args) != dnnl_success || dnnl_stream_wait(c->strm) != dnnl_success)
        return RMN_ERROR(RMN_EINTERNAL, "oneDNN: a face-net layer failed to run");
    return RMN_OK;
}

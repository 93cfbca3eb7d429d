/* onnx.c -- rmn net -> ONNX ModelProto (opset 13), written with export/pb.c.
 *
 * Values are 4-D (N,C,H,W) throughout, as in the engine; value 0 is "input", value v "v<v>",
 * the logits (K,1,1) are flattened to "logits" (N,K). Op mapping (docs/EXPORT.md): conv ->
 * Conv, transposed conv -> ConvTranspose, batch norm -> BatchNormalization (running
 * statistics), relu/sigmoid/tanh -> the same, relu6 -> Clip(0,6), silu -> x*Sigmoid(x), max
 * and average pools -> MaxPool/AveragePool, gap -> GlobalAveragePool, adaptive average pool ->
 * GlobalAveragePool or an AveragePool when the sizes divide, bilinear resize -> Expand (from
 * 1x1) or Resize (half_pixel), add/mul -> Add/Mul (numpy broadcasting), t*(1+m) -> Add, Mul,
 * channel softmax -> Softmax(axis 1), concat -> Concat(axis 1), flatten -> Reshape, channel
 * mean/max -> ReduceMean/ReduceMax(axes [1]), dropout -> Identity, linear -> Flatten, Gemm
 * (transB), Reshape back to (N,K,1,1).
 * The net's input affine (googlenet, inception_v3 at 224) becomes Mul, Add on "input" with the
 * initializers transform_input.scale/.shift (1,C,1,1). External data: every initializer of
 * 1 KiB or more in OUT.data beside OUT (64-byte aligned), named by location/offset/length.
 * ONNX field numbers: ModelProto ir_version 1, producer_name 2, producer_version 3, graph 7,
 * opset_import 8; GraphProto node 1, name 2, initializer 5, input 11, output 12; NodeProto
 * input 1, output 2, name 3, op_type 4, attribute 5; AttributeProto name 1, f 2, i 3, ints 8,
 * type 20 (FLOAT 1, INT 2, INTS 7); TensorProto dims 1, data_type 2 (FLOAT 1, INT64 7), name 8,
 * raw_data 9, external_data 13 (StringStringEntryProto key 1, value 2), data_location 14
 * (EXTERNAL 1); ValueInfoProto name 1, type 2; TypeProto tensor_type 1; Tensor elem_type 1,
 * shape 2; TensorShapeProto dim 1; Dimension dim_value 1, dim_param 2. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"
#include "export/onnx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "export/pb.h"
#include "export/writefile.h"
#include "nn/view.h"

typedef struct {
    rmn_pb graph;
    int n_tmp;
    unsigned char *emitted; /* per tensor: already an initializer */
    int affine;             /* the net's input affine: value 0 is "input.t", made from "input" */
    FILE *ext;              /* external data: the side file being written, or NULL */
    const char *ext_name;   /* its name, relative to the model's folder */
    const char *ext_path;   /* its path (for messages) */
    uint64_t ext_off;
    int ext_err;            /* errno of the first failed write */
} ctx;

static const char *vname(const ctx *c, char *buf, int v) {
    if (v == 0)
        snprintf(buf, 32, c->affine ? "input.t" : "input");
    else
        snprintf(buf, 32, "v%d", v);
    return buf;
}

static void attr_int(rmn_pb *nd, const char *name, int64_t v) {
    rmn_pb a = {0};
    rmn_pb_str(&a, 1, name);
    rmn_pb_int(&a, 3, v);
    rmn_pb_int(&a, 20, 2);
    rmn_pb_msg(nd, 5, &a);
}

static void attr_float(rmn_pb *nd, const char *name, float v) {
    rmn_pb a = {0};
    rmn_pb_str(&a, 1, name);
    rmn_pb_float(&a, 2, v);
    rmn_pb_int(&a, 20, 1);
    rmn_pb_msg(nd, 5, &a);
}

static void attr_ints(rmn_pb *nd, const char *name, const int64_t *v, int n) {
    rmn_pb a = {0};
    rmn_pb_str(&a, 1, name);
    for (int i = 0; i < n; ++i)
        rmn_pb_int(&a, 8, v[i]);
    rmn_pb_int(&a, 20, 7);
    rmn_pb_msg(nd, 5, &a);
}

/* starts a node: inputs (NULL entries: "" = absent optional input), one output */
static void node_begin(rmn_pb *nd, const char *op, const char *const *in, int n_in,
                       const char *out) {
    memset(nd, 0, sizeof *nd);
    for (int i = 0; i < n_in; ++i)
        rmn_pb_str(nd, 1, in[i] ? in[i] : "");
    rmn_pb_str(nd, 2, out);
    rmn_pb_str(nd, 4, op);
}

static void node_end(ctx *c, rmn_pb *nd) { rmn_pb_msg(&c->graph, 1, nd); }

static void simple(ctx *c, const char *op, const char *in, const char *out) {
    rmn_pb nd;
    node_begin(&nd, op, &in, 1, out);
    node_end(c, &nd);
}

static void string_entry(rmn_pb *t, const char *key, const char *value) {
    rmn_pb e = {0};
    rmn_pb_str(&e, 1, key);
    rmn_pb_str(&e, 2, value);
    rmn_pb_msg(t, 13, &e);
}

/* An initializer: raw_data inline, or (external data being written, bytes >= 1 KiB) its bytes
 * appended to the side file at a 64-byte aligned offset, with external_data entries location,
 * offset, length and data_location EXTERNAL. */
static void init_tensor(ctx *c, const char *name, int dtype, const int64_t *dims, int ndim,
                        const void *data, size_t bytes) {
    rmn_pb t = {0};
    for (int i = 0; i < ndim; ++i)
        rmn_pb_int(&t, 1, dims[i]);
    rmn_pb_int(&t, 2, dtype);
    rmn_pb_str(&t, 8, name);
    if (c->ext && bytes >= 1024) {
        static const char zeros[64];
        const size_t pad = (size_t)(-c->ext_off & 63);
        if ((pad && fwrite(zeros, 1, pad, c->ext) != pad) || fwrite(data, 1, bytes, c->ext) != bytes)
            c->ext_err = c->ext_err ? c->ext_err : (errno ? errno : EIO);
        c->ext_off += pad;
        char off[32], len[32];
        snprintf(off, sizeof off, "%llu", (unsigned long long)c->ext_off);
        snprintf(len, sizeof len, "%zu", bytes);
        c->ext_off += bytes;
        string_entry(&t, "location", c->ext_name);
        string_entry(&t, "offset", off);
        string_entry(&t, "length", len);
        rmn_pb_int(&t, 14, 1);
    } else {
        rmn_pb_bytes(&t, 9, data, bytes);
    }
    rmn_pb_msg(&c->graph, 5, &t);
}

/* adds tensor s (a node's weight, bias or running statistic, possibly another node's: cbam's
 * shared MLP) as an initializer (once); its name, or NULL when absent (RMN_NET_NO_TENSOR) */
static const char *param(ctx *c, const rmn_net *net, int s) {
    rmn_tensor_view t;
    if (s == RMN_NET_NO_TENSOR || rmn_net_tensor_view(net, s, &t) != RMN_OK)
        return NULL;
    if (!c->emitted[s])
        init_tensor(c, t.name, 1, t.shape, t.ndim, t.data, t.count * sizeof(float));
    c->emitted[s] = 1;
    return t.name;
}

static void pool_attrs(rmn_pb *nd, const rmn_pool_params *p, int avg) {
    const int64_t k[2] = {p->kh, p->kw};
    const int64_t s[2] = {p->stride_h ? p->stride_h : p->kh, p->stride_w ? p->stride_w : p->kw};
    const int64_t pads[4] = {p->pad_h, p->pad_w, p->pad_h, p->pad_w};
    attr_ints(nd, "kernel_shape", k, 2);
    attr_ints(nd, "strides", s, 2);
    attr_ints(nd, "pads", pads, 4);
    if (p->ceil_mode)
        attr_int(nd, "ceil_mode", 1);
    if (avg && p->count_include_pad)
        attr_int(nd, "count_include_pad", 1);
}

static void conv_attrs(rmn_pb *nd, const rmn_conv_params *p) {
    const int64_t k[2] = {p->kh, p->kw};
    const int64_t s[2] = {p->stride_h ? p->stride_h : 1, p->stride_w ? p->stride_w : 1};
    const int64_t d[2] = {p->dil_h ? p->dil_h : 1, p->dil_w ? p->dil_w : 1};
    const int64_t pads[4] = {p->pad_h, p->pad_w, rmn_conv_pad_b(p), rmn_conv_pad_r(p)};
    attr_ints(nd, "kernel_shape", k, 2);
    attr_ints(nd, "strides", s, 2);
    attr_ints(nd, "dilations", d, 2);
    attr_ints(nd, "pads", pads, 4);
    attr_int(nd, "group", p->groups ? p->groups : 1);
}

static const char *tmp(ctx *c, char *buf) {
    snprintf(buf, 32, "t%d", c->n_tmp++);
    return buf;
}

typedef struct {
    int c, h, w;
} shape3;

static shape3 value_shape(const rmn_net *net, int v) {
    shape3 s;
    rmn_net_value_shape(net, v, &s.c, &s.h, &s.w);
    return s;
}

static int emit(ctx *c, const rmn_net *net, int i) {
    rmn_node_view view;
    RMN_TRY(rmn_net_node_view(net, i, &view));
    const rmn_node_view *nd = &view;
    char x[32], y[32], t1[32], t2[32];
    vname(c, x, nd->in[0]);
    vname(c, y, nd->out);
    const shape3 vx = value_shape(net, nd->in[0]), vy = value_shape(net, nd->out);
    rmn_pb n;
    switch (nd->op) {
    case RMN_OP_CONV2D:
    case RMN_OP_CONVT2D: {
        const char *in[3] = {x, param(c, net, nd->weight), param(c, net, nd->bias)};
        if (!in[1])
            return RMN_ERROR(RMN_EINVAL, "onnx export: node %d: conv without weight", i);
        node_begin(&n, nd->op == RMN_OP_CONV2D ? "Conv" : "ConvTranspose", in, in[2] ? 3 : 2, y);
        conv_attrs(&n, &nd->conv);
        if (nd->op == RMN_OP_CONVT2D && (nd->out_pad_h || nd->out_pad_w)) {
            const int64_t op[2] = {nd->out_pad_h, nd->out_pad_w};
            attr_ints(&n, "output_padding", op, 2);
        }
        node_end(c, &n);
        return RMN_OK;
    }
    case RMN_OP_BN2D: {
        const char *in[5] = {x, param(c, net, nd->weight), param(c, net, nd->bias),
                             param(c, net, nd->running_mean), param(c, net, nd->running_var)};
        for (int k = 1; k < 5; ++k)
            if (!in[k])
                return RMN_ERROR(RMN_EINVAL,
                                 "onnx export: node %d: batch norm without affine parameters or "
                                 "running statistics", i);
        node_begin(&n, "BatchNormalization", in, 5, y);
        attr_float(&n, "epsilon", (float)nd->eps);
        attr_float(&n, "momentum", (float)(1.0 - nd->momentum));
        node_end(c, &n);
        return RMN_OK;
    }
    case RMN_OP_RELU: simple(c, "Relu", x, y); return RMN_OK;
    case RMN_OP_DROPOUT: simple(c, "Identity", x, y); return RMN_OK;
    case RMN_OP_GAP: simple(c, "GlobalAveragePool", x, y); return RMN_OK;
    case RMN_OP_ACT:
        switch (nd->act) {
        case RMN_ACT_RELU: simple(c, "Relu", x, y); return RMN_OK;
        case RMN_ACT_SIGMOID: simple(c, "Sigmoid", x, y); return RMN_OK;
        case RMN_ACT_TANH: simple(c, "Tanh", x, y); return RMN_OK;
        case RMN_ACT_RELU6: {
            const char *in[3] = {x, "rmn.zero", "rmn.six"};
            node_begin(&n, "Clip", in, 3, y);
            node_end(c, &n);
            return RMN_OK;
        }
        case RMN_ACT_SILU: {
            simple(c, "Sigmoid", x, tmp(c, t1));
            const char *in[2] = {x, t1};
            node_begin(&n, "Mul", in, 2, y);
            node_end(c, &n);
            return RMN_OK;
        }
        }
        return RMN_ERROR(RMN_EINVAL, "onnx export: node %d: unknown activation %d", i, nd->act);
    case RMN_OP_SOFTMAX_CH:
        node_begin(&n, "Softmax", (const char *const[]){x}, 1, y);
        attr_int(&n, "axis", 1);
        node_end(c, &n);
        return RMN_OK;
    case RMN_OP_MAXPOOL2D:
    case RMN_OP_AVGPOOL2D:
        node_begin(&n, nd->op == RMN_OP_MAXPOOL2D ? "MaxPool" : "AveragePool",
                   (const char *const[]){x}, 1, y);
        pool_attrs(&n, &nd->pool, nd->op == RMN_OP_AVGPOOL2D);
        node_end(c, &n);
        return RMN_OK;
    case RMN_OP_ADAPTIVE_AVGPOOL2D: {
        if (vy.h == 1 && vy.w == 1) {
            simple(c, "GlobalAveragePool", x, y);
            return RMN_OK;
        }
        if (vx.h % vy.h || vx.w % vy.w)
            return RMN_ERROR(RMN_EINVAL,
                             "onnx export: node %d: adaptive average pool %dx%d -> %dx%d "
                             "(sizes that do not divide) has no ONNX op", i, vx.h, vx.w,
                             vy.h, vy.w);
        const rmn_pool_params p = {.kh = vx.h / vy.h, .kw = vx.w / vy.w};
        node_begin(&n, "AveragePool", (const char *const[]){x}, 1, y);
        pool_attrs(&n, &p, 1);
        node_end(c, &n);
        return RMN_OK;
    }
    case RMN_OP_RESIZE_BILINEAR: {
        char sh[32];
        snprintf(sh, sizeof sh, "rmn.shape%d", i);
        if (vx.h == 1 && vx.w == 1) { /* every output pixel is the one input pixel */
            const int64_t dims[1] = {4}, s[4] = {1, 1, vy.h, vy.w};
            init_tensor(c, sh, 7, dims, 1, s, sizeof s);
            const char *in[2] = {x, sh};
            node_begin(&n, "Expand", in, 2, y);
            node_end(c, &n);
            return RMN_OK;
        }
        const int64_t dims[1] = {4};
        const float s[4] = {1, 1, (float)vy.h / (float)vx.h, (float)vy.w / (float)vx.w};
        init_tensor(c, sh, 1, dims, 1, s, sizeof s);
        const char *in[3] = {x, "", sh};
        node_begin(&n, "Resize", in, 3, y);
        rmn_pb a = {0};
        rmn_pb_str(&a, 1, "mode");
        rmn_pb_bytes(&a, 4, "linear", 6);
        rmn_pb_int(&a, 20, 3);
        rmn_pb_msg(&n, 5, &a);
        node_end(c, &n);
        return RMN_OK;
    }
    case RMN_OP_BINARY: {
        char b[32];
        vname(c, b, nd->in[1]);
        if (nd->binary == RMN_BINARY_MUL1P) {
            const char *in1[2] = {b, "rmn.one"};
            node_begin(&n, "Add", in1, 2, tmp(c, t1));
            node_end(c, &n);
            const char *in2[2] = {x, t1};
            node_begin(&n, "Mul", in2, 2, y);
            node_end(c, &n);
            return RMN_OK;
        }
        const char *in[2] = {x, b};
        node_begin(&n, nd->binary == RMN_BINARY_ADD ? "Add" : "Mul", in, 2, y);
        node_end(c, &n);
        return RMN_OK;
    }
    case RMN_OP_CONCAT: {
        char names[64][32];
        const char *in[64];
        if (nd->n_in > 64)
            return RMN_ERROR(RMN_EINVAL, "onnx export: node %d: concat of %d values", i,
                             nd->n_in);
        for (int k = 0; k < nd->n_in; ++k)
            in[k] = vname(c, names[k], nd->in[k]);
        node_begin(&n, "Concat", in, nd->n_in, y);
        attr_int(&n, "axis", 1);
        node_end(c, &n);
        return RMN_OK;
    }
    case RMN_OP_FLATTEN: {
        const char *in[2] = {x, "rmn.shape_nc11"};
        node_begin(&n, "Reshape", in, 2, y);
        node_end(c, &n);
        return RMN_OK;
    }
    case RMN_OP_CHAN_MEAN:
    case RMN_OP_CHAN_MAX: {
        node_begin(&n, nd->op == RMN_OP_CHAN_MEAN ? "ReduceMean" : "ReduceMax",
                   (const char *const[]){x}, 1, y);
        const int64_t ax[1] = {1};
        attr_ints(&n, "axes", ax, 1);
        attr_int(&n, "keepdims", 1);
        node_end(c, &n);
        return RMN_OK;
    }
    case RMN_OP_LINEAR: {
        node_begin(&n, "Flatten", (const char *const[]){x}, 1, tmp(c, t1));
        attr_int(&n, "axis", 1);
        node_end(c, &n);
        const char *in[3] = {t1, param(c, net, nd->weight), param(c, net, nd->bias)};
        node_begin(&n, "Gemm", in, in[2] ? 3 : 2, tmp(c, t2));
        attr_int(&n, "transB", 1);
        node_end(c, &n);
        const char *in2[2] = {t2, "rmn.shape_nc11"};
        node_begin(&n, "Reshape", in2, 2, y);
        node_end(c, &n);
        return RMN_OK;
    }
    case RMN_OP_HARDSWISH: { /* opset 13 has no HardSwish: x * HardSigmoid(x; 1/6, 1/2) */
        node_begin(&n, "HardSigmoid", (const char *const[]){x}, 1, tmp(c, t1));
        attr_float(&n, "alpha", 1.0f / 6.0f);
        attr_float(&n, "beta", 0.5f);
        node_end(c, &n);
        const char *in[2] = {x, t1};
        node_begin(&n, "Mul", in, 2, y);
        node_end(c, &n);
        return RMN_OK;
    }
    case RMN_OP_COUNT:
        break;
    }
    return RMN_ERROR(RMN_EINVAL, "onnx export: node %d: op %d has no ONNX mapping", i, nd->op);
}

static void value_info(rmn_pb *g, int field, const char *name, const int64_t *dims, int n) {
    rmn_pb shape = {0}, tt = {0}, type = {0}, vi = {0};
    for (int i = 0; i < n; ++i) {
        rmn_pb d = {0};
        if (dims[i] < 0)
            rmn_pb_str(&d, 2, "N");
        else
            rmn_pb_int(&d, 1, dims[i]);
        rmn_pb_msg(&shape, 1, &d);
    }
    rmn_pb_int(&tt, 1, 1);
    rmn_pb_msg(&tt, 2, &shape);
    rmn_pb_msg(&type, 1, &tt);
    rmn_pb_str(&vi, 1, name);
    rmn_pb_msg(&vi, 2, &type);
    rmn_pb_msg(g, field, &vi);
}

/* The shared constants, and the input affine as Mul, Add on "input". */
static void prologue(ctx *c, const rmn_net *net) {
    const float f1 = 1.0f, f0 = 0.0f, f6 = 6.0f;
    const int64_t shp[4] = {0, -1, 1, 1}, d4[1] = {4};
    init_tensor(c, "rmn.one", 1, NULL, 0, &f1, 4);
    init_tensor(c, "rmn.zero", 1, NULL, 0, &f0, 4);
    init_tensor(c, "rmn.six", 1, NULL, 0, &f6, 4);
    init_tensor(c, "rmn.shape_nc11", 7, d4, 1, shp, sizeof shp);
    const float *scale, *shift;
    c->affine = rmn_net_input_affine(net, &scale, &shift);
    if (!c->affine)
        return;
    int in_c, in_h, in_w;
    rmn_net_input_shape(net, &in_c, &in_h, &in_w);
    const int64_t dims[4] = {1, in_c, 1, 1};
    init_tensor(c, "transform_input.scale", 1, dims, 4, scale, (size_t)dims[1] * sizeof *scale);
    init_tensor(c, "transform_input.shift", 1, dims, 4, shift, (size_t)dims[1] * sizeof *shift);
    rmn_pb n;
    node_begin(&n, "Mul", (const char *const[]){"input", "transform_input.scale"}, 2, "input.s");
    node_end(c, &n);
    node_begin(&n, "Add", (const char *const[]){"input.s", "transform_input.shift"}, 2, "input.t");
    node_end(c, &n);
}

/* Opens path.data (through a temporary name) for the tensors; *tmp receives that name. */
static int ext_open(ctx *c, const char *path, char *data, size_t dcap, char *tmp, size_t tcap) {
    if (snprintf(data, dcap, "%s.data", path) >= (int)dcap ||
        snprintf(tmp, tcap, "%s.tmp.%ld", data, (long)getpid()) >= (int)tcap)
        return RMN_ERROR(RMN_EINVAL, "%s: path too long", path);
    c->ext = fopen(tmp, "wb");
    if (!c->ext)
        return RMN_ERROR(RMN_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    const char *slash = strrchr(data, '/');
    c->ext_name = slash ? slash + 1 : data;
    c->ext_path = data;
    return RMN_OK;
}

/* Flushes, syncs and closes the side file (still under its temporary name). */
static int ext_close(ctx *c) {
    int ok = fflush(c->ext) == 0 && !c->ext_err;
    ok = fsync(fileno(c->ext)) == 0 && ok;
    const int err = c->ext_err ? c->ext_err : errno;
    ok = fclose(c->ext) == 0 && ok;
    c->ext = NULL;
    return ok ? RMN_OK : RMN_ERROR(RMN_EIO, "%s: cannot write: %s", c->ext_path, strerror(err ? err : EIO));
}

/* The model's bytes to path; with external data, both files are complete under temporary
 * names before either is renamed into place (a failure leaves what was there untouched). */
static int write_model(ctx *c, const char *path, const rmn_pb *m, const char *tmp) {
    if (!c->ext_path)
        return rmn_export_write_file(path, m->data, m->len);
    char mtmp[4300];
    snprintf(mtmp, sizeof mtmp, "%s.new.%ld", path, (long)getpid());
    int rc = ext_close(c);
    if (rc == RMN_OK)
        rc = rmn_export_write_file(mtmp, m->data, m->len);
    if (rc == RMN_OK && (rename(tmp, c->ext_path) != 0 || rename(mtmp, path) != 0))
        rc = RMN_ERROR(RMN_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
    remove(tmp);
    remove(mtmp);
    return rc;
}

int rmn_export_onnx(const rmn_net *net, const char *path, int external) {
    if (!rmn_net_is_finalized(net))
        return RMN_ERROR(RMN_EINVAL, "onnx export: the net is not finalized");
    const uint32_t one = 1;
    if (*(const uint8_t *)&one != 1)
        return RMN_ERROR(RMN_EINVAL, "onnx export: needs a little-endian host");
    const int n_tensors = rmn_net_tensor_count(net), n_nodes = rmn_net_node_count(net);
    const int logits = rmn_net_logits_value(net);
    size_t bytes = 0;
    for (int s = 0; s < n_tensors; ++s) {
        size_t count;
        rmn_net_tensor_info(net, s, NULL, &count, NULL);
        bytes += count * sizeof(float);
    }
    ctx c = {0};
    char data[4200], tmp[4300];
    /* one protobuf holds under 2 GiB: larger models always put their tensors beside it */
    if (external || bytes > ((size_t)1 << 30))
        RMN_TRY(ext_open(&c, path, data, sizeof data, tmp, sizeof tmp));
    c.emitted = calloc((size_t)n_tensors + 1, 1);
    int rc = c.emitted ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "onnx export: out of memory");
    rmn_pb_str(&c.graph, 2, rmn_net_arch(net));
    if (rc == RMN_OK)
        prologue(&c, net);
    for (int i = 0; rc == RMN_OK && i < n_nodes; ++i)
        rc = emit(&c, net, i);
    free(c.emitted);
    char lg[32];
    rmn_pb n, m = {0}, op = {0};
    node_begin(&n, "Flatten", (const char *const[]){vname(&c, lg, logits)}, 1, "logits");
    attr_int(&n, "axis", 1);
    node_end(&c, &n);
    const shape3 in = value_shape(net, 0), out = value_shape(net, logits);
    const int64_t di[4] = {-1, in.c, in.h, in.w}, dout[2] = {-1, out.c};
    value_info(&c.graph, 11, "input", di, 4);
    value_info(&c.graph, 12, "logits", dout, 2);
    rmn_pb_int(&m, 1, 7);
    rmn_pb_str(&m, 2, "rmn");
    rmn_pb_str(&m, 3, PACKAGE_VERSION);
    rmn_pb_msg(&m, 7, &c.graph);
    rmn_pb_str(&op, 1, "");
    rmn_pb_int(&op, 2, 13);
    rmn_pb_msg(&m, 8, &op);
    if (rc == RMN_OK && m.failed)
        rc = RMN_ERROR(RMN_ENOMEM, "onnx export: out of memory encoding %s", path);
    if (rc == RMN_OK && m.len > ((size_t)2047 << 20))
        rc = RMN_ERROR(RMN_EINVAL, "onnx export: %s: the graph alone is over 2 GiB", path);
    if (rc == RMN_OK)
        rc = write_model(&c, path, &m, tmp);
    if (c.ext) { /* an earlier failure */
        fclose(c.ext);
        remove(tmp);
    }
    rmn_pb_free(&m);
    return rc;
}

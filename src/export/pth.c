/* pth.c -- rmn net -> PyTorch zip checkpoint (pth.h): the pickle opcodes are written here
 * (protocol 2: PROTO, GLOBAL, MARK, TUPLE, EMPTY_TUPLE, BINUNICODE, BININT, NEWFALSE, BINPERSID,
 * REDUCE, SETITEMS, STOP), the zip container by a small stored-only writer below. */
#include "export/pth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "export/pb.h"
#include "export/torchnames.h"
#include "export/writefile.h"
#include "nn/view.h"

// --- pickle ----------------------------------------------------------------------------------

static void op(rmn_pb *p, uint8_t c) { rmn_pb_raw(p, &c, 1); }

static void u32(rmn_pb *p, uint32_t v) {
    const uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    rmn_pb_raw(p, t, 4);
}

static void u16(rmn_pb *p, uint16_t v) {
    const uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    rmn_pb_raw(p, t, 2);
}

static void global(rmn_pb *p, const char *mod, const char *name) {
    op(p, 'c');
    rmn_pb_raw(p, mod, strlen(mod));
    op(p, '\n');
    rmn_pb_raw(p, name, strlen(name));
    op(p, '\n');
}

static void str(rmn_pb *p, const char *s) {
    op(p, 'X');
    u32(p, (uint32_t)strlen(s));
    rmn_pb_raw(p, s, strlen(s));
}

static void integer(rmn_pb *p, int64_t v) {
    op(p, 'J'); /* BININT: int32; every value here (sizes, strides, numel) fits */
    u32(p, (uint32_t)(int32_t)v);
}

/* OrderedDict() */
static void ordered_dict(rmn_pb *p) {
    global(p, "collections", "OrderedDict");
    op(p, ')');
    op(p, 'R');
}

/* one tensor: _rebuild_tensor_v2(persistent storage, 0, size, stride, False, OrderedDict()) */
static void tensor(rmn_pb *p, const char *storage_type, const char *key, const int64_t *shape,
                   int ndim, int64_t numel) {
    global(p, "torch._utils", "_rebuild_tensor_v2");
    op(p, '(');
    op(p, '(');
    str(p, "storage");
    global(p, "torch", storage_type);
    str(p, key);
    str(p, "cpu");
    integer(p, numel);
    op(p, 't');
    op(p, 'Q');
    integer(p, 0);
    op(p, '(');
    for (int i = 0; i < ndim; ++i)
        integer(p, shape[i]);
    op(p, 't');
    op(p, '(');
    int64_t stride = 1, st[4];
    for (int i = ndim - 1; i >= 0; --i) {
        st[i] = stride;
        stride *= shape[i];
    }
    for (int i = 0; i < ndim; ++i)
        integer(p, st[i]);
    op(p, 't');
    op(p, 0x89); /* NEWFALSE: requires_grad */
    ordered_dict(p);
    op(p, 't');
    op(p, 'R');
}

// --- zip (stored) -----------------------------------------------------------------------------

static uint32_t crc32_of(const void *data, size_t n) {
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    uint32_t c = 0xFFFFFFFFu;
    const uint8_t *b = data;
    for (size_t i = 0; i < n; ++i)
        c = table[(c ^ b[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

typedef struct {
    rmn_pb out, cd;
    int entries;
} zipw;

static void zip_add(zipw *z, const char *name, const void *data, size_t n) {
    const uint32_t crc = crc32_of(data, n), off = (uint32_t)z->out.len;
    const size_t nl = strlen(name);
    /* pad with an extra field ("FB", as torch) so that the data starts 64-byte aligned */
    size_t extra = 0, base = z->out.len + 30 + nl;
    if (base % 64)
        extra = 64 - base % 64;
    if (extra && extra < 4)
        extra += 64;
    rmn_pb *o = &z->out;
    u32(o, 0x04034b50);
    u16(o, 20);
    u16(o, 0);
    u16(o, 0);
    u16(o, 0);
    u16(o, 0);
    u32(o, crc);
    u32(o, (uint32_t)n);
    u32(o, (uint32_t)n);
    u16(o, (uint16_t)nl);
    u16(o, (uint16_t)extra);
    rmn_pb_raw(o, name, nl);
    if (extra) {
        u16(o, 0x4246);
        u16(o, (uint16_t)(extra - 4));
        for (size_t i = 4; i < extra; ++i)
            op(o, 'Z');
    }
    rmn_pb_raw(o, data, n);
    rmn_pb *c = &z->cd;
    u32(c, 0x02014b50);
    u16(c, 20);
    u16(c, 20);
    u16(c, 0);
    u16(c, 0);
    u16(c, 0);
    u16(c, 0);
    u32(c, crc);
    u32(c, (uint32_t)n);
    u32(c, (uint32_t)n);
    u16(c, (uint16_t)nl);
    u16(c, 0);
    u16(c, 0);
    u16(c, 0);
    u16(c, 0);
    u32(c, 0);
    u32(c, off);
    rmn_pb_raw(c, name, nl);
    z->entries++;
}

static void zip_finish(zipw *z) {
    const uint32_t cd_off = (uint32_t)z->out.len, cd_len = (uint32_t)z->cd.len;
    rmn_pb_raw(&z->out, z->cd.data, z->cd.len);
    if (z->cd.failed)
        z->out.failed = 1;
    rmn_pb *o = &z->out;
    u32(o, 0x06054b50);
    u16(o, 0);
    u16(o, 0);
    u16(o, (uint16_t)z->entries);
    u16(o, (uint16_t)z->entries);
    u32(o, cd_len);
    u32(o, cd_off);
    u16(o, 0);
}

// --- the state_dict ---------------------------------------------------------------------------

int rmn_export_pth(const rmn_net *net, const char *path) {
    if (!rmn_net_is_finalized(net))
        return RMN_ERROR(RMN_EINVAL, "pth export: the net is not finalized");
    const char *arch = rmn_net_arch(net);
    const int n_tensors = rmn_net_tensor_count(net);
    size_t total = 0;
    for (int s = 0; s < n_tensors; ++s) {
        size_t count;
        rmn_net_tensor_info(net, s, NULL, &count, NULL);
        total += count * 4 + 128;
    }
    if (total > 0xF0000000u)
        return RMN_ERROR(RMN_EINVAL,
                         "pth export: %s holds %zu bytes of tensors: over the 4 GiB a zip "
                         "without zip64 holds", arch, total);
    /* the archive's folder: the file's stem, as torch.save names it */
    char stem[256];
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = 0;
    for (char *q = stem; *q; ++q)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
              *q == '_' || *q == '-'))
            *q = '_';
    if (!stem[0])
        snprintf(stem, sizeof stem, "archive");

    rmn_pb pk = {0};
    char key[32], name[400];
    int nkey = 0;
    op(&pk, 0x80);
    op(&pk, 2);
    ordered_dict(&pk);
    op(&pk, '(');
    for (int s = 0; s < n_tensors; ++s) {
        rmn_tensor_view tv, *t = &tv;
        rmn_net_tensor_view(net, s, t);
        char tn[300], dup[300];
        const int has_dup = rmn_torch_name(arch, t->name, tn, sizeof tn, dup, sizeof dup);
        snprintf(key, sizeof key, "%d", nkey++);
        str(&pk, tn);
        tensor(&pk, "FloatStorage", key, t->shape, t->ndim, (int64_t)t->count);
        if (has_dup) { /* the same storage under the reference's second name */
            str(&pk, dup);
            tensor(&pk, "FloatStorage", key, t->shape, t->ndim, (int64_t)t->count);
        }
        /* after a batch norm's running_var: its num_batches_tracked (PyTorch's buffer) */
        const size_t ln = strlen(tn);
        if (t->op == RMN_OP_BN2D && ln > 12 &&
            strcmp(tn + ln - 12, ".running_var") == 0) {
            char nb[340];
            snprintf(key, sizeof key, "%d", nkey++);
            snprintf(nb, sizeof nb, "%.*s.num_batches_tracked", (int)(ln - 12), tn);
            str(&pk, nb);
            tensor(&pk, "LongStorage", key, NULL, 0, 1);
            if (has_dup) {
                const size_t ld = strlen(dup);
                snprintf(nb, sizeof nb, "%.*s.num_batches_tracked", (int)(ld - 12), dup);
                str(&pk, nb);
                tensor(&pk, "LongStorage", key, NULL, 0, 1);
            }
        }
    }
    op(&pk, 'u');
    op(&pk, '.');
    snprintf(name, sizeof name, "%s/data.pkl", stem);
    /* data.pkl first, then the storages, then version (torch's order) */
    zipw f = {0};
    zip_add(&f, name, pk.data, pk.len);
    int rc = RMN_OK;
    if (pk.failed)
        rc = RMN_ERROR(RMN_ENOMEM, "pth export: out of memory encoding %s", path);
    rmn_pb_free(&pk);
    nkey = 0;
    for (int s = 0; rc == RMN_OK && s < n_tensors; ++s) {
        rmn_tensor_view tv, *t = &tv;
        rmn_net_tensor_view(net, s, t);
        snprintf(name, sizeof name, "%s/data/%d", stem, nkey++);
        zip_add(&f, name, t->data, t->count * sizeof(float));
        const size_t ln = strlen(t->name);
        if (t->op == RMN_OP_BN2D && ln > 12 &&
            strcmp(t->name + ln - 12, ".running_var") == 0) {
            const int64_t zero = 0;
            snprintf(name, sizeof name, "%s/data/%d", stem, nkey++);
            zip_add(&f, name, &zero, sizeof zero);
        }
    }
    snprintf(name, sizeof name, "%s/version", stem);
    zip_add(&f, name, "3\n", 2);
    zip_finish(&f);
    if (rc == RMN_OK && (f.out.failed || f.cd.failed))
        rc = RMN_ERROR(RMN_ENOMEM, "pth export: out of memory encoding %s", path);
    if (rc == RMN_OK)
        rc = rmn_export_write_file(path, f.out.data, f.out.len);
    rmn_pb_free(&f.out);
    rmn_pb_free(&f.cd);
    return rc;
}

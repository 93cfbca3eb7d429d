/* pth.c -- PyTorch checkpoints (zip and legacy torch.save formats) as state_dicts (pth.h). */
#include "core/pth.h"

#include "core/error.h"
#include "core/pickle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key;
    double value;
} pth_meta;

typedef struct { /* a storage's bytes, located in the buffer */
    const char *key;
    const unsigned char *data;
    size_t nbytes;
} pth_storage;

struct rmn_pth_file {
    char *path;
    const char *format, *container;
    rmn_pth_tensor *t;
    char **names;
    float **data;
    int n;
    pth_meta *meta;
    int nmeta;
};

static uint64_t le(const unsigned char *b, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
        v = (v << 8) | b[i];
    return v;
}

// --- zip ---------------------------------------------------------------------------------

typedef struct {
    char name[256];
    const unsigned char *data;
    size_t size;
} zip_entry;

/* Lists the zip's stored entries (the ones torch writes); refuses compressed ones. */
static int zip_list(const unsigned char *b, size_t len, const char *label, zip_entry **out, size_t *count) {
    *out = NULL;
    *count = 0;
    if (len < 22)
        return RMN_ERROR(RMN_EFORMAT, "%s: zip archive truncated", label);
    size_t eocd = len - 22, lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
    while (le(b + eocd, 4) != 0x06054b50) {
        if (eocd == lo)
            return RMN_ERROR(RMN_EFORMAT, "%s: zip end-of-central-directory record not found (truncated?)", label);
        --eocd;
    }
    uint64_t n = le(b + eocd + 10, 2), cd_size = le(b + eocd + 12, 4), cd_off = le(b + eocd + 16, 4);
    if ((n == 0xffff || cd_off == 0xffffffffu || cd_size == 0xffffffffu) && eocd >= 20 &&
        le(b + eocd - 20, 4) == 0x07064b50) { /* zip64 */
        uint64_t z = le(b + eocd - 20 + 8, 8);
        if (z > len || len - z < 56 || le(b + z, 4) != 0x06064b50)
            return RMN_ERROR(RMN_EFORMAT, "%s: bad zip64 end record", label);
        n = le(b + z + 32, 8);
        cd_size = le(b + z + 40, 8);
        cd_off = le(b + z + 48, 8);
    }
    if (cd_off > len || cd_size > len - cd_off || n > cd_size / 46)
        return RMN_ERROR(RMN_EFORMAT, "%s: zip central directory outside the file (truncated?)", label);
    zip_entry *e = calloc(n ? n : 1, sizeof *e);
    if (!e)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", label);
    size_t p = cd_off, end = cd_off + cd_size;
    for (uint64_t i = 0; i < n; ++i) {
        if (end - p < 46 || le(b + p, 4) != 0x02014b50) {
            free(e);
            return RMN_ERROR(RMN_EFORMAT, "%s: zip central directory entry %llu malformed", label,
                             (unsigned long long)i);
        }
        uint64_t method = le(b + p + 10, 2), csize = le(b + p + 20, 4), usize = le(b + p + 24, 4);
        size_t nl = le(b + p + 28, 2), xl = le(b + p + 30, 2), cl = le(b + p + 32, 2);
        uint64_t loff = le(b + p + 42, 4);
        if (end - p - 46 < nl + xl + cl || nl >= sizeof e[i].name) {
            free(e);
            return RMN_ERROR(RMN_EFORMAT, "%s: zip central directory entry %llu malformed", label,
                             (unsigned long long)i);
        }
        memcpy(e[i].name, b + p + 46, nl);
        e[i].name[nl] = 0;
        /* zip64 extra: the 0xffffffff fields in order usize, csize, offset */
        for (size_t x = p + 46 + nl; x + 4 <= p + 46 + nl + xl;) {
            size_t id = le(b + x, 2), sz = le(b + x + 2, 2), q = x + 4;
            if (x + 4 + sz > p + 46 + nl + xl)
                break;
            if (id == 1) {
                if (usize == 0xffffffffu && q + 8 <= x + 4 + sz) usize = le(b + q, 8), q += 8;
                if (csize == 0xffffffffu && q + 8 <= x + 4 + sz) csize = le(b + q, 8), q += 8;
                if (loff == 0xffffffffu && q + 8 <= x + 4 + sz) loff = le(b + q, 8), q += 8;
            }
            x += 4 + sz;
        }
        if (method != 0 || csize != usize) {
            int rc = RMN_ERROR(RMN_EFORMAT, "%s: zip entry %s is compressed (method %llu); torch.save stores entries", label,
                               e[i].name, (unsigned long long)method);
            free(e);
            return rc;
        }
        if (loff > len || len - loff < 30 || le(b + loff, 4) != 0x04034b50) {
            int rc = RMN_ERROR(RMN_EFORMAT, "%s: zip entry %s: local header outside the file", label, e[i].name);
            free(e);
            return rc;
        }
        uint64_t data = loff + 30 + le(b + loff + 26, 2) + le(b + loff + 28, 2);
        if (data > len || usize > len - data) {
            int rc = RMN_ERROR(RMN_EFORMAT, "%s: zip entry %s: %llu bytes past the end of the file (truncated?)",
                               label, e[i].name, (unsigned long long)usize);
            free(e);
            return rc;
        }
        e[i].data = b + data;
        e[i].size = (size_t)usize;
        p += 46 + nl + xl + cl;
    }
    *out = e;
    *count = (size_t)n;
    return RMN_OK;
}

// --- state_dict --------------------------------------------------------------------------

static const pth_storage *find_storage(const pth_storage *s, size_t n, const char *key) {
    for (size_t i = 0; i < n; ++i)
        if (strcmp(s[i].key, key) == 0)
            return &s[i];
    return NULL;
}

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 31, m = h & 1023, bits;
    if (e == 0) {
        if (m == 0) {
            bits = sign;
        } else { /* subnormal */
            e = 127 - 15 + 1;
            while (!(m & 1024)) {
                m <<= 1;
                --e;
            }
            bits = sign | (e << 23) | ((m & 1023) << 13);
        }
    } else if (e == 31) {
        bits = sign | 0x7f800000u | (m << 13);
    } else {
        bits = sign | ((e + 127 - 15) << 23) | (m << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static float element(const unsigned char *p, int dtype) {
    switch (dtype) {
    case RMN_PK_F32: { float f; memcpy(&f, p, 4); return f; }
    case RMN_PK_F16: return half_to_float((uint16_t)le(p, 2));
    case RMN_PK_BF16: { uint32_t u = (uint32_t)le(p, 2) << 16; float f; memcpy(&f, &u, 4); return f; }
    case RMN_PK_F64: { double d; memcpy(&d, p, 8); return (float)d; }
    case RMN_PK_I64: return (float)(int64_t)le(p, 8);
    default: return (float)(int32_t)(uint32_t)le(p, 4);
    }
}

/* Validates one tensor view against its storage and copies it out as contiguous float32. */
static int copy_tensor(const char *label, const char *name, const rmn_pk_value *t,
                       const pth_storage *st, size_t nst, rmn_pth_tensor *out, float **data) {
    const rmn_pk_value *s = t->storage;
    const pth_storage *b = find_storage(st, nst, s->key);
    size_t es = rmn_pk_dtype_size(s->dtype);
    if (!b)
        return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: storage %s is missing", label, name, s->key);
    if ((uint64_t)s->numel * es != b->nbytes)
        return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: storage %s holds %zu bytes, %lld %s elements declared",
                         label, name, s->key, b->nbytes, (long long)s->numel, rmn_pk_dtype_name(s->dtype));
    int64_t numel = 1, last = t->offset;
    for (int d = 0; d < t->ndim; ++d) {
        if (t->shape[d] && numel > (INT64_C(1) << 40) / t->shape[d])
            return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: too many elements", label, name);
        numel *= t->shape[d];
    }
    if (numel > 0) {
        int over = 0;
        for (int d = 0; d < t->ndim; ++d) { /* sizes and strides are <= 2^40: test before multiplying */
            if (t->stride[d] && t->shape[d] - 1 > s->numel / t->stride[d])
                over = 1;
            else
                last += (t->shape[d] - 1) * t->stride[d];
        }
        if (over || last >= s->numel)
            return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: view (offset %lld) reaches element %lld of a storage of %lld",
                             label, name, (long long)t->offset, (long long)last, (long long)s->numel);
    }
    float *dst = malloc((size_t)(numel ? numel : 1) * sizeof *dst);
    if (!dst)
        return RMN_ERROR(RMN_ENOMEM, "%s: tensor %s: out of memory", label, name);
    int64_t idx[RMN_PTH_MAX_DIMS] = {0};
    for (int64_t i = 0; i < numel; ++i) {
        int64_t off = t->offset;
        for (int d = 0; d < t->ndim; ++d)
            off += idx[d] * t->stride[d];
        dst[i] = element(b->data + (size_t)off * es, s->dtype);
        for (int d = t->ndim - 1; d >= 0; --d) {
            if (++idx[d] < t->shape[d])
                break;
            idx[d] = 0;
        }
    }
    out->name = name;
    out->dtype = s->dtype;
    out->ndim = t->ndim;
    memcpy(out->shape, t->shape, sizeof out->shape);
    out->numel = numel;
    out->data = dst;
    *data = dst;
    return RMN_OK;
}

static int build(rmn_pth_file *f, const rmn_pk_value *root, const pth_storage *st, size_t nst) {
    const char *label = f->path;
    if (!root || root->kind != RMN_PK_DICT)
        return RMN_ERROR(RMN_EFORMAT, "%s: the checkpoint is not a dict (a state_dict or {\"net\": ...})", label);
    static const char *const containers[] = {"net", "state_dict", "model_state_dict", "model"};
    const rmn_pk_value *sd = root;
    f->container = "";
    for (size_t i = 0; i < sizeof containers / sizeof *containers; ++i) {
        const rmn_pk_value *v = rmn_pk_dict_get(root, containers[i]);
        if (v && v->kind == RMN_PK_DICT) {
            sd = v;
            f->container = containers[i];
            break;
        }
    }
    if (sd != root) {
        f->meta = calloc(root->n / 2 + 1, sizeof *f->meta);
        if (!f->meta)
            return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", label);
        for (size_t i = 0; i + 1 < root->n; i += 2) {
            const rmn_pk_value *k = root->items[i], *v = root->items[i + 1];
            if (k->kind != RMN_PK_STR || (v->kind != RMN_PK_INT && v->kind != RMN_PK_FLOAT && v->kind != RMN_PK_BOOL))
                continue;
            pth_meta *m = &f->meta[f->nmeta];
            m->value = v->kind == RMN_PK_FLOAT ? v->f : (double)v->i;
            if (!(m->key = strdup(k->s)))
                return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", label);
            ++f->nmeta;
        }
    }
    size_t n = sd->n / 2;
    if (n > 1000000)
        return RMN_ERROR(RMN_EFORMAT, "%s: %zu tensors in the state_dict", label, n);
    f->t = calloc(n + 1, sizeof *f->t);
    f->names = calloc(n + 1, sizeof *f->names);
    f->data = calloc(n + 1, sizeof *f->data);
    if (!f->t || !f->names || !f->data)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", label);
    for (size_t i = 0; i < n; ++i) {
        const rmn_pk_value *k = sd->items[2 * i], *v = sd->items[2 * i + 1];
        if (k->kind != RMN_PK_STR)
            return RMN_ERROR(RMN_EFORMAT, "%s: state_dict key %zu is not a string", label, i);
        if (v->kind != RMN_PK_TENSOR)
            return RMN_ERROR(RMN_EFORMAT, "%s: state_dict entry %s is not a tensor", label, k->s);
        for (int j = 0; j < f->n; ++j)
            if (strcmp(f->names[j], k->s) == 0)
                return RMN_ERROR(RMN_EFORMAT, "%s: state_dict key %s appears twice", label, k->s);
        if (!(f->names[f->n] = strdup(k->s)))
            return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", label);
        int rc = copy_tensor(label, f->names[f->n], v, st, nst, &f->t[f->n], &f->data[f->n]);
        if (rc != RMN_OK) {
            free(f->names[f->n]);
            f->names[f->n] = NULL;
            return rc;
        }
        ++f->n;
    }
    return RMN_OK;
}

static int open_zip(rmn_pth_file *f, const unsigned char *b, size_t len) {
    zip_entry *e;
    size_t ne;
    RMN_TRY(zip_list(b, len, f->path, &e, &ne));
    const zip_entry *pkl = NULL;
    size_t plen = 0;
    for (size_t i = 0; i < ne; ++i) {
        const char *sl = strchr(e[i].name, '/');
        if (sl && strcmp(sl, "/data.pkl") == 0) {
            pkl = &e[i];
            plen = (size_t)(sl - e[i].name);
            break;
        }
    }
    if (!pkl) {
        free(e);
        return RMN_ERROR(RMN_EFORMAT, "%s: zip archive without a PREFIX/data.pkl (not a torch.save file)", f->path);
    }
    pth_storage *st = calloc(ne + 1, sizeof *st);
    size_t nst = 0;
    if (!st) {
        free(e);
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", f->path);
    }
    for (size_t i = 0; i < ne; ++i)
        if (strncmp(e[i].name, pkl->name, plen) == 0 && strncmp(e[i].name + plen, "/data/", 6) == 0) {
            st[nst].key = e[i].name + plen + 6;
            st[nst].data = e[i].data;
            st[nst].nbytes = e[i].size;
            ++nst;
        }
    char label[600];
    snprintf(label, sizeof label, "%s: %s", f->path, pkl->name);
    rmn_pk_arena *arena;
    rmn_pk_value *root;
    size_t pos = 0;
    int rc = rmn_pk_load(pkl->data, pkl->size, &pos, label, &arena, &root);
    if (rc == RMN_OK) {
        rc = build(f, root, st, nst);
        rmn_pk_free(arena);
    }
    free(st);
    free(e);
    return rc;
}

static int load_one(const unsigned char *b, size_t len, size_t *pos, const char *path, const char *what,
                    rmn_pk_arena **a, rmn_pk_value **v) {
    char label[600];
    snprintf(label, sizeof label, "%s (%s)", path, what);
    return rmn_pk_load(b, len, pos, label, a, v);
}

static int open_legacy(rmn_pth_file *f, const unsigned char *b, size_t len) {
    static const unsigned char magic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
    size_t pos = 0;
    rmn_pk_arena *a[5] = {0};
    rmn_pk_value *v[5];
    int rc = load_one(b, len, &pos, f->path, "magic number", &a[0], &v[0]);
    if (rc == RMN_OK && !(v[0]->kind == RMN_PK_INT && v[0]->s && v[0]->len == sizeof magic &&
                          memcmp(v[0]->s, magic, sizeof magic) == 0))
        rc = RMN_ERROR(RMN_EFORMAT, "%s: not a PyTorch checkpoint (no torch.save magic number)", f->path);
    if (rc == RMN_OK)
        rc = load_one(b, len, &pos, f->path, "protocol version", &a[1], &v[1]);
    if (rc == RMN_OK && !(v[1]->kind == RMN_PK_INT && !v[1]->s && v[1]->i == 1001))
        rc = RMN_ERROR(RMN_EFORMAT, "%s: legacy torch.save protocol version is not 1001", f->path);
    if (rc == RMN_OK)
        rc = load_one(b, len, &pos, f->path, "system info", &a[2], &v[2]);
    if (rc == RMN_OK) {
        const rmn_pk_value *lend = rmn_pk_dict_get(v[2], "little_endian");
        if (!lend || lend->kind != RMN_PK_BOOL || !lend->i)
            rc = RMN_ERROR(RMN_EFORMAT, "%s: not a little-endian checkpoint", f->path);
    }
    if (rc == RMN_OK)
        rc = load_one(b, len, &pos, f->path, "object", &a[3], &v[3]);
    if (rc == RMN_OK)
        rc = load_one(b, len, &pos, f->path, "storage keys", &a[4], &v[4]);
    pth_storage *st = NULL;
    size_t nst = 0;
    if (rc == RMN_OK && v[4]->kind != RMN_PK_LIST)
        rc = RMN_ERROR(RMN_EFORMAT, "%s: the storage keys are not a list", f->path);
    if (rc == RMN_OK && !(st = calloc(v[4]->n + 1, sizeof *st)))
        rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", f->path);
    for (size_t i = 0; rc == RMN_OK && i < v[4]->n; ++i) {
        const rmn_pk_value *k = v[4]->items[i];
        if (k->kind != RMN_PK_STR) {
            rc = RMN_ERROR(RMN_EFORMAT, "%s: storage key %zu is not a string", f->path, i);
            break;
        }
        int dtype = -1;
        for (size_t j = 0; j < rmn_pk_count(a[3]) && dtype < 0; ++j) {
            const rmn_pk_value *x = rmn_pk_value_at(a[3], j);
            if (x->kind == RMN_PK_STORAGE && strcmp(x->key, k->s) == 0)
                dtype = x->dtype;
        }
        if (dtype < 0) {
            rc = RMN_ERROR(RMN_EFORMAT, "%s: storage %s is used by no tensor", f->path, k->s);
            break;
        }
        if (len - pos < 8) {
            rc = RMN_ERROR(RMN_EFORMAT, "%s: storage %s: truncated at byte %zu", f->path, k->s, pos);
            break;
        }
        uint64_t count = le(b + pos, 8);
        pos += 8;
        size_t es = rmn_pk_dtype_size(dtype);
        if (count > (len - pos) / es) {
            rc = RMN_ERROR(RMN_EFORMAT, "%s: storage %s: %llu %s elements declared at byte %zu, only %zu bytes left (truncated?)",
                           f->path, k->s, (unsigned long long)count, rmn_pk_dtype_name(dtype), pos - 8, len - pos);
            break;
        }
        st[nst].key = k->s;
        st[nst].data = b + pos;
        st[nst].nbytes = (size_t)count * es;
        pos += st[nst].nbytes;
        ++nst;
    }
    if (rc == RMN_OK && pos != len)
        rc = RMN_ERROR(RMN_EFORMAT, "%s: %zu unexpected bytes after the last storage", f->path, len - pos);
    if (rc == RMN_OK)
        rc = build(f, v[3], st, nst);
    for (int i = 0; i < 5; ++i)
        rmn_pk_free(a[i]);
    free(st);
    return rc;
}

static void free_parts(rmn_pth_file *f) {
    for (int i = 0; i < f->n; ++i) {
        free(f->names[i]);
        free(f->data[i]);
    }
    for (int i = 0; i < f->nmeta; ++i)
        free(f->meta[i].key);
}

void rmn_pth_close(rmn_pth_file *f) {
    if (!f)
        return;
    free_parts(f);
    free(f->names);
    free(f->data);
    free(f->t);
    free(f->meta);
    free(f->path);
    free(f);
}

int rmn_pth_open_mem(const unsigned char *buf, size_t len, const char *label, rmn_pth_file **out) {
    *out = NULL;
    rmn_pth_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(label))) {
        free(f);
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", label);
    }
    int rc;
    if (len >= 4 && memcmp(buf, "PK\x03\x04", 4) == 0) {
        f->format = "zip";
        rc = open_zip(f, buf, len);
    } else {
        f->format = "legacy";
        rc = open_legacy(f, buf, len);
    }
    if (rc) {
        rmn_pth_close(f);
        return rc;
    }
    *out = f;
    return RMN_OK;
}

int rmn_pth_open(const char *path, rmn_pth_file **out) {
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return RMN_ERROR(RMN_EIO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 1 << 20;
            unsigned char *q = realloc(buf, nc);
            if (!q) {
                free(buf);
                fclose(fp);
                return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
            }
            buf = q;
            cap = nc;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        free(buf);
        return RMN_ERROR(RMN_EIO, "%s: read error", path);
    }
    int rc = rmn_pth_open_mem(buf, len, path, out);
    free(buf);
    return rc;
}

const char *rmn_pth_path(const rmn_pth_file *f) { return f->path; }
const char *rmn_pth_format(const rmn_pth_file *f) { return f->format; }
const char *rmn_pth_container(const rmn_pth_file *f) { return f->container; }
int rmn_pth_count(const rmn_pth_file *f) { return f->n; }
const rmn_pth_tensor *rmn_pth_at(const rmn_pth_file *f, int i) {
    return i >= 0 && i < f->n ? &f->t[i] : NULL;
}
const rmn_pth_tensor *rmn_pth_find(const rmn_pth_file *f, const char *name) {
    for (int i = 0; i < f->n; ++i)
        if (strcmp(f->t[i].name, name) == 0)
            return &f->t[i];
    return NULL;
}
int rmn_pth_meta_count(const rmn_pth_file *f) { return f->nmeta; }
void rmn_pth_meta_at(const rmn_pth_file *f, int i, const char **key, double *value) {
    *key = f->meta[i].key;
    *value = f->meta[i].value;
}

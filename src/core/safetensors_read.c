/* safetensors_read.c -- the safetensors reader (safetensors.h): the header parsed and validated
 * whole (dtypes, shapes, offsets that tile the data without gaps or overlaps, metadata), then
 * lookups, shape checks and typed copies of the tensors. */
#include "core/safetensors.h"
#include "core/safetensors_internal.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors_read.c assumes a little-endian host"
#endif

struct rmn_st_file {
    char          *path;
    rmn_st_tensor *t;     /* sorted by name */
    int            nt;
    struct st_kv  *m;     /* sorted by key */
    int            nm;
    void          *data;  /* the data section, 64-byte aligned */
    size_t         dsize;
};

void rmn_st_close(rmn_st_file *f) {
    if (!f)
        return;
    for (int i = 0; i < f->nt; ++i)
        free((char *)f->t[i].name);
    for (int i = 0; i < f->nm; ++i) {
        free(f->m[i].key);
        free(f->m[i].value);
    }
    free(f->t);
    free(f->m);
    free(f->data);
    free(f->path);
    free(f);
}

static int read_all(int fd, void *buf, size_t n, const char *path) {
    char *p = buf;
    while (n > 0) {
        size_t  chunk = n > (1u << 30) ? (1u << 30) : n;
        ssize_t k = read(fd, p, chunk);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return RMN_ERROR(RMN_EIO, "%s: read failed: %s", path, strerror(errno));
        if (k == 0)
            return RMN_ERROR(RMN_EIO, "%s: unexpected end of file (file changed while reading?)", path);
        p += k;
        n -= (size_t)k;
    }
    return RMN_OK;
}

/* A JSON value that must be a non-negative integer. */
static bool get_uint(const json_t *v, int64_t *out) {
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

/* Parses one header entry into t (name already set); begin/end are returned for the overlap
 * check. The data pointer is set later. */
static int parse_tensor(const char *path, const char *name, const json_t *info, size_t dsize,
                        rmn_st_tensor *t, int64_t *begin, int64_t *end) {
    if (!json_is_object(info))
        return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: header entry is not a JSON object", path, name);
    const json_t *jd = json_object_get(info, "dtype"), *js = json_object_get(info, "shape"),
                 *jo = json_object_get(info, "data_offsets");
    if (!json_is_string(jd))
        return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: missing or non-string \"dtype\"", path, name);
    t->dtype = rmn_st_dtype_parse(json_string_value(jd));
    if (t->dtype < 0)
        return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: unknown dtype \"%s\"", path, name, json_string_value(jd));
    if (!json_is_array(js))
        return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: missing or non-array \"shape\"", path, name);
    if (json_array_size(js) > RMN_ST_MAX_DIMS)
        return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: %zu dims (at most %d supported)", path, name,
                         json_array_size(js), RMN_ST_MAX_DIMS);
    t->ndim = (int)json_array_size(js);
    for (int d = 0; d < t->ndim; ++d)
        if (!get_uint(json_array_get(js, (size_t)d), &t->shape[d]))
            return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: shape entry %d is not a non-negative integer", path,
                             name, d);
    if (!json_is_array(jo) || json_array_size(jo) != 2 || !get_uint(json_array_get(jo, 0), begin) ||
        !get_uint(json_array_get(jo, 1), end))
        return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: \"data_offsets\" is not [begin, end] of non-negative integers",
                         path, name);
    if (*end < *begin)
        return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: data_offsets [%lld, %lld] end before begin", path, name,
                         (long long)*begin, (long long)*end);
    if (!rmn_st_shape_size_(t->ndim, t->shape, rmn_st_dtype_size(t->dtype), &t->numel, &t->nbytes))
        return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: shape too large", path, name);
    if ((uint64_t)*end > dsize)
        return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: data_offsets [%lld, %lld] exceed the data section (%zu bytes)",
                         path, name, (long long)*begin, (long long)*end, dsize);
    if ((uint64_t)(*end - *begin) != t->nbytes)
        return RMN_ERROR(RMN_EFORMAT,
                         "%s: tensor %s: data_offsets [%lld, %lld] hold %lld bytes but %s shape of %lld "
                         "elements needs %zu",
                         path, name, (long long)*begin, (long long)*end, (long long)(*end - *begin),
                         rmn_st_dtype_name(t->dtype), (long long)t->numel, t->nbytes);
    return RMN_OK;
}

struct span {
    int64_t begin, end;
    int     idx;
};

static int cmp_span(const void *a, const void *b) {
    const struct span *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

static int cmp_tensor(const void *a, const void *b) {
    return strcmp(((const rmn_st_tensor *)a)->name, ((const rmn_st_tensor *)b)->name);
}

/* Fills f from the parsed header (f->data already read): tensors, metadata, data pointers;
 * checks offsets for overlap and unused bytes. */
static int parse_header(rmn_st_file *f, json_t *root) {
    const char *path = f->path;
    if (!json_is_object(root))
        return RMN_ERROR(RMN_EFORMAT, "%s: header is not a JSON object", path);
    size_t n = json_object_size(root);
    f->t = calloc(n ? n : 1, sizeof *f->t);
    struct span *sp = calloc(n ? n : 1, sizeof *sp);
    if (!f->t || !sp) {
        free(sp);
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
    }
    int         rc = RMN_OK;
    const char *key;
    json_t     *val;
    json_object_foreach(root, key, val) {
        if (strcmp(key, "__metadata__") == 0) {
            if (!json_is_object(val)) {
                rc = RMN_ERROR(RMN_EFORMAT, "%s: \"__metadata__\" is not a JSON object", path);
                break;
            }
            f->m = calloc(json_object_size(val) + 1, sizeof *f->m);
            if (!f->m) {
                rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
                break;
            }
            const char *mk;
            json_t     *mv;
            json_object_foreach(val, mk, mv) {
                if (!json_is_string(mv)) {
                    rc = RMN_ERROR(RMN_EFORMAT, "%s: metadata \"%s\" is not a string", path, mk);
                    break;
                }
                f->m[f->nm].key = strdup(mk);
                f->m[f->nm].value = strdup(json_string_value(mv));
                f->nm++;
                if (!f->m[f->nm - 1].key || !f->m[f->nm - 1].value) {
                    rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
                    break;
                }
            }
            if (rc != RMN_OK)
                break;
            continue;
        }
        rmn_st_tensor *t = &f->t[f->nt];
        t->name = strdup(key);
        if (!t->name) {
            rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
            break;
        }
        f->nt++;
        rc = parse_tensor(path, key, val, f->dsize, t, &sp[f->nt - 1].begin, &sp[f->nt - 1].end);
        if (rc != RMN_OK)
            break;
        sp[f->nt - 1].idx = f->nt - 1;
    }
    if (rc == RMN_OK) {
        qsort(sp, (size_t)f->nt, sizeof *sp, cmp_span);
        int64_t cursor = 0;
        for (int i = 0; i < f->nt && rc == RMN_OK; ++i) {
            if (sp[i].begin < cursor)
                rc = RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: data_offsets [%lld, %lld] overlap tensor %s", path,
                               f->t[sp[i].idx].name, (long long)sp[i].begin, (long long)sp[i].end,
                               f->t[sp[i - 1].idx].name);
            else if (sp[i].begin > cursor)
                rc = RMN_ERROR(RMN_EFORMAT, "%s: bytes [%lld, %lld) of the data section belong to no tensor", path,
                               (long long)cursor, (long long)sp[i].begin);
            cursor = sp[i].end;
        }
        if (rc == RMN_OK && (uint64_t)cursor != f->dsize)
            rc = RMN_ERROR(RMN_EFORMAT, "%s: data section has %zu bytes but the tensors use only %lld", path,
                           f->dsize, (long long)cursor);
        for (int i = 0; i < f->nt && rc == RMN_OK; ++i) {
            rmn_st_tensor *t = &f->t[sp[i].idx];
            t->data = t->nbytes ? (const char *)f->data + sp[i].begin : NULL;
        }
    }
    free(sp);
    return rc;
}

int rmn_st_open(const char *path, rmn_st_file **out) {
    *out = NULL;
    rmn_st_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
    }
    int         rc = RMN_OK;
    char       *hdr = NULL;
    json_t     *root = NULL;
    struct stat st;
    int         fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = RMN_ERROR(RMN_EIO, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = RMN_ERROR(RMN_EIO, "%s: not a regular file", path);
        goto out;
    }
    uint64_t fsize = (uint64_t)st.st_size;
    if (fsize < 8) {
        rc = RMN_ERROR(RMN_EFORMAT, "%s: file too short (%llu bytes) for the 8-byte header length", path,
                       (unsigned long long)fsize);
        goto out;
    }
    unsigned char lenb[8];
    if ((rc = read_all(fd, lenb, 8, path)) != RMN_OK)
        goto out;
    uint64_t hlen = 0;
    for (int i = 0; i < 8; ++i)
        hlen |= (uint64_t)lenb[i] << (8 * i);
    if (hlen > fsize - 8) {
        rc = RMN_ERROR(RMN_EFORMAT, "%s: header length %llu exceeds the file size (%llu bytes)", path,
                       (unsigned long long)hlen, (unsigned long long)fsize);
        goto out;
    }
    if (hlen > RMN_ST_MAX_HEADER) {
        rc = RMN_ERROR(RMN_EFORMAT, "%s: header length %llu exceeds the limit of %u bytes", path,
                       (unsigned long long)hlen, RMN_ST_MAX_HEADER);
        goto out;
    }
    hdr = malloc(hlen + 1);
    if (!hdr) {
        rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    if ((rc = read_all(fd, hdr, hlen, path)) != RMN_OK)
        goto out;
    hdr[hlen] = '\0';
    json_error_t jerr;
    root = json_loadb(hdr, hlen, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (json_error_code(&jerr) == json_error_duplicate_key)
            rc = RMN_ERROR(RMN_EFORMAT, "%s: duplicate name in the header (%s)", path, jerr.text);
        else
            rc = RMN_ERROR(RMN_EFORMAT, "%s: header is not valid JSON: %s (header line %d, column %d)", path,
                           jerr.text, jerr.line, jerr.column);
        goto out;
    }
    f->dsize = (size_t)(fsize - 8 - hlen);
    f->data = aligned_alloc(64, (f->dsize + 63) / 64 * 64 + 64);
    if (!f->data) {
        rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory for %zu bytes of tensor data", path, f->dsize);
        goto out;
    }
    if ((rc = read_all(fd, f->data, f->dsize, path)) != RMN_OK)
        goto out;
    if ((rc = parse_header(f, root)) != RMN_OK)
        goto out;
    if (f->nt > 0)
        qsort(f->t, (size_t)f->nt, sizeof *f->t, cmp_tensor);
    if (f->nm > 0)
        qsort(f->m, (size_t)f->nm, sizeof *f->m, rmn_st_cmp_str_ptr_);
out:
    if (fd >= 0)
        close(fd);
    free(hdr);
    json_decref(root);
    if (rc != RMN_OK) {
        rmn_st_close(f);
        return rc;
    }
    *out = f;
    return RMN_OK;
}

const char *rmn_st_path(const rmn_st_file *f) { return f->path; }
int         rmn_st_count(const rmn_st_file *f) { return f->nt; }

const rmn_st_tensor *rmn_st_at(const rmn_st_file *f, int i) {
    return i >= 0 && i < f->nt ? &f->t[i] : NULL;
}

const rmn_st_tensor *rmn_st_find(const rmn_st_file *f, const char *name) {
    rmn_st_tensor key = {.name = name};
    return f->nt ? bsearch(&key, f->t, (size_t)f->nt, sizeof *f->t, cmp_tensor) : NULL;
}

static void format_shape(char *buf, size_t cap, int ndim, const int64_t *shape) {
    size_t n = (size_t)snprintf(buf, cap, "(");
    for (int d = 0; d < ndim && n < cap; ++d)
        n += (size_t)snprintf(buf + n, cap - n, "%s%lld", d ? "," : "", (long long)shape[d]);
    if (n < cap)
        snprintf(buf + n, cap - n, ")");
}

int rmn_st_expect(const rmn_st_file *f, const char *name, int dtype, int ndim, const int64_t *shape,
                  const rmn_st_tensor **out) {
    const rmn_st_tensor *t = rmn_st_find(f, name);
    if (out)
        *out = NULL;
    if (!t)
        return RMN_ERROR(RMN_ENOTFOUND, "%s: no tensor named %s", f->path, name);
    if (t->dtype != dtype)
        return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: dtype %s, expected %s", f->path, name,
                         rmn_st_dtype_name(t->dtype), rmn_st_dtype_name(dtype) ? rmn_st_dtype_name(dtype) : "?");
    if (ndim >= 0) {
        bool same = t->ndim == ndim;
        for (int d = 0; same && d < ndim; ++d)
            same = t->shape[d] == shape[d];
        if (!same) {
            char got[200], want[200];
            format_shape(got, sizeof got, t->ndim, t->shape);
            format_shape(want, sizeof want, ndim > RMN_ST_MAX_DIMS ? RMN_ST_MAX_DIMS : ndim, shape);
            return RMN_ERROR(RMN_EFORMAT, "%s: tensor %s: shape %s, expected %s", f->path, name, got, want);
        }
    }
    if (out)
        *out = t;
    return RMN_OK;
}

/* Element i of t, read through memcpy (the data may be unaligned in foreign files). */
static void load_elem(const rmn_st_tensor *t, size_t i, void *out, size_t size) {
    memcpy(out, (const char *)t->data + i * size, size);
}

#define DEFINE_LOAD(fn, type)                                 \
    static type fn(const rmn_st_tensor *t, size_t i) {        \
        type v;                                               \
        load_elem(t, i, &v, sizeof v);                        \
        return v;                                             \
    }
DEFINE_LOAD(load_u8, uint8_t)
DEFINE_LOAD(load_i8, int8_t)
DEFINE_LOAD(load_i16, int16_t)
DEFINE_LOAD(load_u16, uint16_t)
DEFINE_LOAD(load_i32, int32_t)
DEFINE_LOAD(load_u32, uint32_t)
DEFINE_LOAD(load_i64, int64_t)
DEFINE_LOAD(load_u64, uint64_t)
DEFINE_LOAD(load_f32, float)
DEFINE_LOAD(load_f64, double)

static bool is_int(int dtype) {
    return dtype == RMN_ST_BOOL || dtype == RMN_ST_U8 || dtype == RMN_ST_I8 || dtype == RMN_ST_I16 ||
           dtype == RMN_ST_U16 || dtype == RMN_ST_I32 || dtype == RMN_ST_U32 || dtype == RMN_ST_I64 ||
           dtype == RMN_ST_U64;
}

static int64_t load_int(const rmn_st_tensor *t, size_t i) {
    switch (t->dtype) {
    case RMN_ST_BOOL:
    case RMN_ST_U8: return load_u8(t, i);
    case RMN_ST_I8: return load_i8(t, i);
    case RMN_ST_I16: return load_i16(t, i);
    case RMN_ST_U16: return load_u16(t, i);
    case RMN_ST_I32: return load_i32(t, i);
    case RMN_ST_U32: return load_u32(t, i);
    case RMN_ST_I64: return load_i64(t, i);
    default: return (int64_t)load_u64(t, i);
    }
}

static int check_copy(const rmn_st_tensor *t, size_t n, bool floats_ok, const char *what) {
    if (n != (size_t)t->numel)
        return RMN_ERROR(RMN_EINVAL, "tensor %s: has %lld elements, caller expects %zu", t->name,
                         (long long)t->numel, n);
    if (!is_int(t->dtype) && !(floats_ok && (t->dtype == RMN_ST_F32 || t->dtype == RMN_ST_F64)))
        return RMN_ERROR(RMN_EINVAL, "tensor %s: dtype %s cannot be read as %s", t->name, rmn_st_dtype_name(t->dtype),
                         what);
    return RMN_OK;
}

int rmn_st_copy_f32(const rmn_st_tensor *t, float *dst, size_t n) {
    RMN_TRY(check_copy(t, n, true, "F32"));
    if (t->dtype == RMN_ST_F32) {
        if (n)
            memcpy(dst, t->data, n * sizeof *dst);
        return RMN_OK;
    }
    for (size_t i = 0; i < n; ++i)
        dst[i] = t->dtype == RMN_ST_F64 ? (float)load_f64(t, i) : (float)load_int(t, i);
    return RMN_OK;
}

int rmn_st_copy_f64(const rmn_st_tensor *t, double *dst, size_t n) {
    RMN_TRY(check_copy(t, n, true, "F64"));
    for (size_t i = 0; i < n; ++i)
        dst[i] = t->dtype == RMN_ST_F64   ? load_f64(t, i)
                 : t->dtype == RMN_ST_F32 ? (double)load_f32(t, i)
                                          : (double)load_int(t, i);
    return RMN_OK;
}

int rmn_st_copy_i64(const rmn_st_tensor *t, int64_t *dst, size_t n) {
    RMN_TRY(check_copy(t, n, false, "I64"));
    for (size_t i = 0; i < n; ++i)
        dst[i] = load_int(t, i);
    return RMN_OK;
}

const char *rmn_st_meta(const rmn_st_file *f, const char *key) {
    for (int i = 0; i < f->nm; ++i)
        if (strcmp(f->m[i].key, key) == 0)
            return f->m[i].value;
    return NULL;
}

int rmn_st_meta_int(const rmn_st_file *f, const char *key, long lo, long hi, int *out) {
    const char *v = rmn_st_meta(f, key);
    if (!v)
        return RMN_ERROR(RMN_ENOTFOUND, "%s: metadata \"%s\" is missing", f->path, key);
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end != '\0' || errno || x < lo || x > hi || lo < INT_MIN || hi > INT_MAX)
        return RMN_ERROR(RMN_EFORMAT, "%s: metadata \"%s\" is \"%.40s\", expected an integer %ld..%ld",
                         f->path, key, v, lo, hi);
    *out = (int)x;
    return RMN_OK;
}

int rmn_st_meta_count(const rmn_st_file *f) { return f->nm; }

void rmn_st_meta_at(const rmn_st_file *f, int i, const char **key, const char **value) {
    *key = i >= 0 && i < f->nm ? f->m[i].key : NULL;
    *value = i >= 0 && i < f->nm ? f->m[i].value : NULL;
}

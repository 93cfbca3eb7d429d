/* safetensors_write.c -- the safetensors writer (safetensors.h): tensors and metadata collected,
 * the header written in name order, the file written beside its path, synced and renamed
 * into place (atomic). */
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
#error "safetensors_write.c assumes a little-endian host"
#endif

/* Compares array elements that point to structs whose first member is a char *. */
static int cmp_str_ptr_ptr(const void *a, const void *b) {
    return strcmp(**(const char *const *const *)a, **(const char *const *const *)b);
}

struct st_entry {
    char       *name; /* first member: arrays of entries sort with rmn_st_cmp_str_ptr_ */
    int         dtype;
    int         ndim;
    int64_t     shape[RMN_ST_MAX_DIMS];
    size_t      nbytes;
    const void *data; /* borrowed */
};

struct rmn_st_writer {
    struct st_entry *t;
    int              nt, capt;
    struct st_kv    *m;
    int              nm, capm;
};

int rmn_st_writer_create(rmn_st_writer **w) {
    *w = calloc(1, sizeof **w);
    if (!*w)
        return RMN_ERROR(RMN_ENOMEM, "safetensors writer: out of memory");
    return RMN_OK;
}

void rmn_st_writer_free(rmn_st_writer *w) {
    if (!w)
        return;
    for (int i = 0; i < w->nt; ++i)
        free(w->t[i].name);
    for (int i = 0; i < w->nm; ++i) {
        free(w->m[i].key);
        free(w->m[i].value);
    }
    free(w->t);
    free(w->m);
    free(w);
}

static bool valid_utf8(const char *s) {
    json_t *j = json_string(s); /* jansson validates UTF-8 */
    json_decref(j);
    return j != NULL;
}

int rmn_st_writer_add(rmn_st_writer *w, const char *name, int dtype, int ndim, const int64_t *shape,
                      const void *data) {
    if (!name || !name[0])
        return RMN_ERROR(RMN_EINVAL, "safetensors writer: empty tensor name");
    if (strcmp(name, "__metadata__") == 0 || !valid_utf8(name))
        return RMN_ERROR(RMN_EINVAL, "safetensors writer: invalid tensor name '%s'", name);
    if (!rmn_st_dtype_name(dtype))
        return RMN_ERROR(RMN_EINVAL, "safetensors writer: tensor %s: unknown dtype code %d", name, dtype);
    if (ndim < 0 || ndim > RMN_ST_MAX_DIMS || (ndim > 0 && !shape))
        return RMN_ERROR(RMN_EINVAL, "safetensors writer: tensor %s: %d dims (0..%d allowed)", name, ndim,
                         RMN_ST_MAX_DIMS);
    int64_t numel;
    size_t  nbytes;
    if (!rmn_st_shape_size_(ndim, shape, rmn_st_dtype_size(dtype), &numel, &nbytes))
        return RMN_ERROR(RMN_EINVAL, "safetensors writer: tensor %s: negative or overflowing shape", name);
    if (nbytes > 0 && !data)
        return RMN_ERROR(RMN_EINVAL, "safetensors writer: tensor %s: no data", name);
    for (int i = 0; i < w->nt; ++i)
        if (strcmp(w->t[i].name, name) == 0)
            return RMN_ERROR(RMN_EINVAL, "safetensors writer: duplicate tensor name '%s'", name);
    if (w->nt == w->capt) {
        int              cap = w->capt ? 2 * w->capt : 16;
        struct st_entry *t = realloc(w->t, (size_t)cap * sizeof *t);
        if (!t)
            return RMN_ERROR(RMN_ENOMEM, "safetensors writer: out of memory");
        w->t = t;
        w->capt = cap;
    }
    struct st_entry *e = &w->t[w->nt];
    memset(e, 0, sizeof *e);
    e->name = strdup(name);
    if (!e->name)
        return RMN_ERROR(RMN_ENOMEM, "safetensors writer: out of memory");
    e->dtype = dtype;
    e->ndim = ndim;
    for (int d = 0; d < ndim; ++d)
        e->shape[d] = shape[d];
    e->nbytes = nbytes;
    e->data = data;
    w->nt++;
    return RMN_OK;
}

int rmn_st_writer_meta(rmn_st_writer *w, const char *key, const char *value) {
    if (!key || !value || !valid_utf8(key) || !valid_utf8(value))
        return RMN_ERROR(RMN_EINVAL, "safetensors writer: metadata key and value must be UTF-8 strings");
    char *v = strdup(value);
    if (!v)
        return RMN_ERROR(RMN_ENOMEM, "safetensors writer: out of memory");
    for (int i = 0; i < w->nm; ++i)
        if (strcmp(w->m[i].key, key) == 0) {
            free(w->m[i].value);
            w->m[i].value = v;
            return RMN_OK;
        }
    if (w->nm == w->capm) {
        int           cap = w->capm ? 2 * w->capm : 8;
        struct st_kv *m = realloc(w->m, (size_t)cap * sizeof *m);
        if (!m) {
            free(v);
            return RMN_ERROR(RMN_ENOMEM, "safetensors writer: out of memory");
        }
        w->m = m;
        w->capm = cap;
    }
    w->m[w->nm].key = strdup(key);
    if (!w->m[w->nm].key) {
        free(v);
        return RMN_ERROR(RMN_ENOMEM, "safetensors writer: out of memory");
    }
    w->m[w->nm].value = v;
    w->nm++;
    return RMN_OK;
}

/* Builds the padded header text; *order receives the tensors in name order (caller frees both). */
static int build_header(const rmn_st_writer *w, char **text, size_t *len, const struct st_entry ***order) {
    const struct st_entry **ord = malloc((size_t)(w->nt ? w->nt : 1) * sizeof *ord);
    const struct st_kv    **mo = malloc((size_t)(w->nm ? w->nm : 1) * sizeof *mo);
    json_t                 *root = json_object(), *meta = NULL;
    char                   *s = NULL;
    int                     rc = RMN_ENOMEM;
    if (!ord || !mo || !root)
        goto out;
    for (int i = 0; i < w->nt; ++i)
        ord[i] = &w->t[i];
    for (int i = 0; i < w->nm; ++i)
        mo[i] = &w->m[i];
    qsort(ord, (size_t)w->nt, sizeof *ord, cmp_str_ptr_ptr);
    qsort(mo, (size_t)w->nm, sizeof *mo, cmp_str_ptr_ptr);
    if (w->nm > 0) {
        meta = json_object();
        if (!meta || json_object_set_new(root, "__metadata__", meta) != 0)
            goto out;
        for (int i = 0; i < w->nm; ++i)
            if (json_object_set_new(meta, mo[i]->key, json_string(mo[i]->value)) != 0)
                goto out;
    }
    uint64_t off = 0;
    for (int i = 0; i < w->nt; ++i) {
        const struct st_entry *e = ord[i];
        json_t *info = json_object(), *shape = json_array(), *offs = json_array();
        if (!info || !shape || !offs || json_object_set_new(root, e->name, info) != 0) {
            json_decref(shape);
            json_decref(offs);
            goto out;
        }
        for (int d = 0; d < e->ndim; ++d)
            json_array_append_new(shape, json_integer(e->shape[d]));
        json_array_append_new(offs, json_integer((json_int_t)off));
        json_array_append_new(offs, json_integer((json_int_t)(off + e->nbytes)));
        if (json_object_set_new(info, "dtype", json_string(rmn_st_dtype_name(e->dtype))) != 0 ||
            json_object_set_new(info, "shape", shape) != 0 ||
            json_object_set_new(info, "data_offsets", offs) != 0)
            goto out;
        off += e->nbytes;
    }
    s = json_dumps(root, JSON_COMPACT);
    if (!s)
        goto out;
    size_t n = strlen(s), padded = (n + 7) / 8 * 8;
    char  *p = realloc(s, padded + 1);
    if (!p)
        goto out;
    s = p;
    memset(s + n, ' ', padded - n);
    s[padded] = '\0';
    *text = s;
    *len = padded;
    *order = ord;
    s = NULL;
    ord = NULL;
    rc = RMN_OK;
out:
    free(s);
    free(ord);
    free(mo);
    json_decref(root);
    if (rc != RMN_OK)
        return RMN_ERROR(rc, "safetensors writer: out of memory building the header");
    return RMN_OK;
}

static int write_all(int fd, const void *buf, size_t n, const char *label) {
    const char *p = buf;
    while (n > 0) {
        size_t  chunk = n > (1u << 30) ? (1u << 30) : n;
        ssize_t k = write(fd, p, chunk);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return RMN_ERROR(RMN_EIO, "%s: write failed: %s", label, k < 0 ? strerror(errno) : "no progress");
        p += k;
        n -= (size_t)k;
    }
    return RMN_OK;
}

int rmn_st_writer_write_fd(const rmn_st_writer *w, int fd, const char *label) {
    char                   *hdr = NULL;
    size_t                  hlen = 0;
    const struct st_entry **ord = NULL;
    RMN_TRY(build_header(w, &hdr, &hlen, &ord));
    unsigned char lenb[8];
    for (int i = 0; i < 8; ++i)
        lenb[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    int rc = write_all(fd, lenb, 8, label);
    if (rc == RMN_OK)
        rc = write_all(fd, hdr, hlen, label);
    for (int i = 0; rc == RMN_OK && i < w->nt; ++i)
        if (ord[i]->nbytes > 0)
            rc = write_all(fd, ord[i]->data, ord[i]->nbytes, label);
    free(hdr);
    free(ord);
    return rc;
}

/* fsyncs the directory holding path so that the rename itself is durable. */
static int sync_dir(const char *path) {
    char *copy = strdup(path);
    if (!copy)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
    char *slash = strrchr(copy, '/');
    const char *dir = ".";
    if (slash) {
        if (slash == copy)
            slash[1] = '\0';
        else
            *slash = '\0';
        dir = copy;
    }
    int rc = RMN_OK;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        rc = RMN_ERROR(RMN_EIO, "%s: cannot open its directory %s to sync it: %s", path, dir, strerror(errno));
    } else {
        if (fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP)
            rc = RMN_ERROR(RMN_EIO, "%s: fsync of directory %s failed: %s", path, dir, strerror(errno));
        close(fd);
    }
    free(copy);
    return rc;
}

int rmn_st_writer_save(const rmn_st_writer *w, const char *path) {
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        int rc = RMN_ERROR(RMN_EIO, "%s: cannot create temporary file %s: %s", path, tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    int rc = rmn_st_writer_write_fd(w, fd, path);
    if (rc == RMN_OK && fsync(fd) != 0)
        rc = RMN_ERROR(RMN_EIO, "%s: fsync failed: %s", path, strerror(errno));
    if (close(fd) != 0 && rc == RMN_OK)
        rc = RMN_ERROR(RMN_EIO, "%s: close failed: %s", path, strerror(errno));
    if (rc == RMN_OK && rename(tmp, path) != 0)
        rc = RMN_ERROR(RMN_EIO, "%s: cannot rename %s onto it: %s", path, tmp, strerror(errno));
    if (rc != RMN_OK)
        unlink(tmp);
    else
        rc = sync_dir(path);
    free(tmp);
    return rc;
}


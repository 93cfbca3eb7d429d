/* tfjs.c -- TensorFlow.js weight manifests and shards (see tfjs.h). */
#include "detect/tfjs.h"

#include "core/error.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef RMN_FACE_API_DIR
#define RMN_FACE_API_DIR "/usr/local/share/rmn-face-api"
#endif
#ifndef RMN_BUILDDIR_DEFAULT
#define RMN_BUILDDIR_DEFAULT "."
#endif

#define MAX_TENSORS 4096
#define MAX_COUNT   (1u << 26) /* floats per tensor */
#define MAX_SHARD   (1L << 30)

void rmn_tfjs_free(rmn_tfjs *m) {
    for (int i = 0; i < m->n; ++i) {
        free(m->t[i].name);
        free(m->t[i].data);
    }
    free(m->t);
    free(m->source);
    memset(m, 0, sizeof *m);
}

static int bad(const char *source, const char *what, size_t gi, size_t wi) {
    return RMN_ERROR(RMN_EFORMAT, "%s: not a TensorFlow.js weights manifest: group %zu, weight %zu: %s",
                     source, gi, wi, what);
}

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* One entry at bin[*off]: checks it and decodes it into t. */
static int parse_entry(json_t *e, const uint8_t *bin, size_t nbin, size_t *off, const char *source,
                       size_t gi, size_t wi, rmn_tfjs_tensor *t) {
    json_t *name = json_object_get(e, "name"), *shape = json_object_get(e, "shape");
    json_t *dtype = json_object_get(e, "dtype"), *q = json_object_get(e, "quantization");
    if (!json_is_object(e) || !json_is_string(name) || !json_is_array(shape) || !json_is_string(dtype))
        return bad(source, "needs name, shape and dtype", gi, wi);
    const char *dt = json_string_value(dtype);
    int is_int = strcmp(dt, "int32") == 0;
    if (!is_int && strcmp(dt, "float32") != 0)
        return bad(source, "dtype is neither float32 nor int32", gi, wi);
    size_t nd = json_array_size(shape), count = 1;
    if (nd > RMN_TFJS_MAX_DIMS)
        return bad(source, "more than 4 dimensions", gi, wi);
    t->ndim = (int)nd;
    for (size_t d = 0; d < nd; ++d) {
        json_t *v = json_array_get(shape, d);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > (json_int_t)MAX_COUNT)
            return bad(source, "a dimension is not an integer in 0..2^26", gi, wi);
        t->dims[d] = (int)json_integer_value(v);
        count *= (size_t)t->dims[d];
        if (count > MAX_COUNT)
            return bad(source, "more than 2^26 values", gi, wi);
    }
    t->count = count;
    size_t width = 4;
    double scale = 1, min = 0;
    if (q) {
        json_t *qd = json_object_get(q, "dtype"), *qs = json_object_get(q, "scale"), *qm = json_object_get(q, "min");
        if (!json_is_object(q) || !json_is_string(qd) || !json_is_number(qs) || !json_is_number(qm))
            return bad(source, "quantization needs dtype, scale and min", gi, wi);
        if (strcmp(json_string_value(qd), "uint8") == 0)
            width = 1;
        else if (strcmp(json_string_value(qd), "uint16") == 0)
            width = 2;
        else
            return bad(source, "quantization dtype is neither uint8 nor uint16", gi, wi);
        scale = json_number_value(qs);
        min = json_number_value(qm);
        if (!isfinite(scale) || !isfinite(min))
            return bad(source, "quantization scale or min is not finite", gi, wi);
    }
    if (*off > nbin || count > (nbin - *off) / width)
        return RMN_ERROR(RMN_EFORMAT, "%s: weight '%s' (group %zu) runs past the end of the shards (%zu bytes)",
                         source, json_string_value(name), gi, nbin);
    t->name = strdup(json_string_value(name));
    t->data = malloc((count ? count : 1) * sizeof *t->data);
    if (!t->name || !t->data)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory for weight '%s'", source, json_string_value(name));
    const uint8_t *p = bin + *off;
    for (size_t i = 0; i < count; ++i) {
        if (width == 1)
            t->data[i] = (float)(p[i] * scale + min);
        else if (width == 2)
            t->data[i] = (float)(((unsigned)p[2 * i] | (unsigned)p[2 * i + 1] << 8) * scale + min);
        else {
            uint32_t u = rd32(p + 4 * i);
            if (is_int)
                t->data[i] = (float)(int32_t)u;
            else
                memcpy(&t->data[i], &u, 4);
        }
    }
    *off += count * width;
    return RMN_OK;
}

int rmn_tfjs_parse(const char *text, size_t len, const uint8_t *bin, size_t nbin, const char *source,
                   rmn_tfjs *m) {
    memset(m, 0, sizeof *m);
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (!root)
        return RMN_ERROR(RMN_EFORMAT, "%s:%d:%d: not JSON: %s", source, je.line, je.column, je.text);
    int rc = RMN_OK;
    size_t total = 0;
    if (!json_is_array(root) || json_array_size(root) == 0)
        rc = RMN_ERROR(RMN_EFORMAT, "%s: not a TensorFlow.js weights manifest (not a non-empty array of groups)", source);
    for (size_t g = 0; rc == RMN_OK && g < json_array_size(root); ++g) {
        json_t *grp = json_array_get(root, g), *w = json_object_get(grp, "weights");
        json_t *paths = json_object_get(grp, "paths");
        if (!json_is_object(grp) || !json_is_array(w) || !json_is_array(paths) || json_array_size(paths) == 0)
            rc = bad(source, "a group needs 'paths' and 'weights' arrays", g, 0);
        for (size_t i = 0; rc == RMN_OK && i < json_array_size(paths); ++i) {
            const char *s = json_string_value(json_array_get(paths, i));
            if (!s || !*s || strchr(s, '/') || strstr(s, ".."))
                rc = bad(source, "a shard path is not a plain file name", g, i);
        }
        total += json_is_array(w) ? json_array_size(w) : 0;
        if (total > MAX_TENSORS)
            rc = bad(source, "more than 4096 weights", g, 0);
    }
    if (rc == RMN_OK) {
        m->t = calloc(total ? total : 1, sizeof *m->t);
        m->source = strdup(source);
        if (!m->t || !m->source)
            rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", source);
    }
    size_t off = 0;
    for (size_t g = 0; rc == RMN_OK && g < json_array_size(root); ++g) {
        json_t *w = json_object_get(json_array_get(root, g), "weights");
        for (size_t i = 0; rc == RMN_OK && i < json_array_size(w); ++i) {
            rc = parse_entry(json_array_get(w, i), bin, nbin, &off, source, g, i, &m->t[m->n]);
            if (m->t[m->n].name || m->t[m->n].data)
                ++m->n;
        }
    }
    if (rc == RMN_OK && off != nbin)
        rc = RMN_ERROR(RMN_EFORMAT, "%s: the shards hold %zu bytes but the weights use %zu", source, nbin, off);
    for (int i = 0; rc == RMN_OK && i < m->n; ++i)
        for (int j = 0; rc == RMN_OK && j < i; ++j)
            if (strcmp(m->t[i].name, m->t[j].name) == 0)
                rc = RMN_ERROR(RMN_EFORMAT, "%s: weight '%s' appears twice", source, m->t[i].name);
    json_decref(root);
    if (rc != RMN_OK)
        rmn_tfjs_free(m);
    return rc;
}

/* Appends file path to *buf (grown as needed). */
static int slurp(const char *path, uint8_t **buf, size_t *n, size_t *cap) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return RMN_ERROR(RMN_EIO, "%s: cannot open", path);
    int rc = RMN_OK;
    for (;;) {
        if (*cap - *n < 65536) {
            size_t nc = *cap ? *cap * 2 : 1 << 20;
            uint8_t *nb = nc > (size_t)MAX_SHARD * 4 ? NULL : realloc(*buf, nc);
            if (!nb) {
                rc = RMN_ERROR(RMN_ENOMEM, "%s: too big or out of memory", path);
                break;
            }
            *buf = nb;
            *cap = nc;
        }
        size_t r = fread(*buf + *n, 1, *cap - *n, f);
        *n += r;
        if (r == 0) {
            if (ferror(f))
                rc = RMN_ERROR(RMN_EIO, "%s: read error", path);
            break;
        }
    }
    fclose(f);
    return rc;
}

int rmn_tfjs_load(const char *dir, const char *name, rmn_tfjs *m) {
    memset(m, 0, sizeof *m);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-weights_manifest.json", dir, name);
    uint8_t *text = NULL, *bin = NULL;
    size_t nt = 0, ct = 0, nb = 0, cb = 0;
    int rc = slurp(path, &text, &nt, &ct);
    json_t *root = NULL;
    if (rc == RMN_OK) {
        root = json_loadb((const char *)text, nt, 0, NULL);
        /* shards in group order; parse() does the checking */
        for (size_t g = 0; rc == RMN_OK && g < json_array_size(root); ++g) {
            json_t *paths = json_object_get(json_array_get(root, g), "paths");
            for (size_t i = 0; rc == RMN_OK && i < json_array_size(paths); ++i) {
                const char *s = json_string_value(json_array_get(paths, i));
                if (!s || strchr(s, '/') || strstr(s, ".."))
                    continue;
                char sp[4096];
                snprintf(sp, sizeof sp, "%s/%s", dir, s);
                rc = slurp(sp, &bin, &nb, &cb);
                if (rc != RMN_OK)
                    rmn_error_prefix("%s: shard of the weights", path);
            }
        }
    }
    if (rc == RMN_OK)
        rc = rmn_tfjs_parse((const char *)text, nt, bin, nb, path, m);
    json_decref(root);
    free(text);
    free(bin);
    return rc;
}

int rmn_tfjs_get(const rmn_tfjs *m, const char *name, int ndim, const int *dims, const float **out) {
    for (int i = 0; i < m->n; ++i) {
        const rmn_tfjs_tensor *t = &m->t[i];
        if (strcmp(t->name, name) != 0)
            continue;
        int ok = t->ndim == ndim;
        for (int d = 0; ok && d < ndim; ++d)
            ok = dims[d] < 0 || dims[d] == t->dims[d];
        if (!ok)
            return RMN_ERROR(RMN_EFORMAT, "%s: weight '%s' has an unexpected shape", m->source, name);
        *out = t->data;
        return RMN_OK;
    }
    return RMN_ERROR(RMN_ENOTFOUND, "%s: no weight '%s'", m->source, name);
}

static int has_models(const char *dir) {
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/tiny_face_detector_model-weights_manifest.json", dir);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *rmn_face_models_dir(char *buf, size_t cap, char *looked, size_t lcap) {
    const char *env = rmn_env_get("RMN_FACE_MODELS");
    if (env && *env) {
        snprintf(looked, lcap, "$RMN_FACE_MODELS=%s", env);
        snprintf(buf, cap, "%s", env);
        return has_models(env) ? buf : NULL;
    }
    const char *build = rmn_env_get("RMN_BUILDDIR");
    const char *cands[2] = {RMN_FACE_API_DIR, build && *build ? build : RMN_BUILDDIR_DEFAULT};
    looked[0] = 0;
    for (int i = 0; i < 2; ++i) {
        snprintf(buf, cap, "%s%s/node_modules/@vladmandic/face-api/model", cands[i], i ? "/face-api" : "");
        size_t l = strlen(looked);
        snprintf(looked + l, lcap - l, "%s%s", l ? ", " : "", buf);
        if (has_models(buf))
            return buf;
    }
    return NULL;
}

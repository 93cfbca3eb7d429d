/* folder_cache.c -- building, checking and mapping an image folder's decode cache (layout in
 * folder_cache.h): decoding in parallel chunks, the data set's digest, the unreadable files. */
#include "data/folder_cache.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "data/fer_cache.h"
#include "data/resample.h"
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char     magic[8];
    uint32_t version, endian, side, channels, n_classes, n_files, pooled, test_is_val;
    uint64_t pixels_off, pixels_bytes, names_off, names_bytes, index_off, index_bytes;
    char     data_sha256[64], meta_sha256[64];
    char     pad[256 - 8 - 8 * 4 - 6 * 8 - 128];
} cache_header;
_Static_assert(sizeof(cache_header) == 256, "the header is 256 bytes");

typedef struct {
    uint64_t offset;
    int64_t  size, mtime_ns;
    int32_t  label;
    uint16_t h, w;
    uint8_t  split, pad[7];
} cache_entry;
_Static_assert(sizeof(cache_entry) == 40, "an index entry is 40 bytes");

static const char MAGIC[8] = "RMNIMGC";
static const uint32_t ENDIAN_MARK = 0x01020304u;
enum { CHUNK = 256 }; /* files decoded at once (in parallel) before they are written in order */

int rmn_folder_cache_file(const char *dir, int side, char *buf, size_t cap) {
    char cdir[4096], real[PATH_MAX], hex[RMN_SHA256_HEX];
    RMN_TRY(rmn_fer_cache_dir(cdir, sizeof cdir));
    if (!realpath(dir, real))
        return RMN_ERROR(RMN_EIO, "%s: %s", dir, strerror(errno));
    rmn_sha256_hex(real, strlen(real), hex);
    int n = snprintf(buf, cap, "%s/folder-%.16s-%d.imgcache", cdir, hex, side);
    if (n < 0 || (size_t)n >= cap)
        return RMN_ERROR(RMN_EINVAL, "cache file name too long");
    return RMN_OK;
}

// --- decoding one file ------------------------------------------------------------------------

/* RGB image of path resized so that its shorter side is `side` (antialiased, rounded to uint8):
 * *out (malloc'd, (h, w, 3)), its size and the file's digest; a message in why on failure. */
static int decode_one(const char *path, int side, uint8_t **out, int *oh, int *ow, char sha[RMN_SHA256_HEX],
                      char *why, size_t why_cap) {
    rmn_image img = {0}, rgb = {0};
    float *plane = NULL, *dst = NULL, *scratch = NULL;
    *out = NULL;
    int e = rmn_sha256_file(path, sha);
    if (e == RMN_OK)
        e = rmn_image_load(path, &img);
    if (e == RMN_OK)
        e = rmn_image_to_rgb(&img, &rgb);
    if (e == RMN_OK) {
        rmn_resize_shorter(rgb.h, rgb.w, side, oh, ow);
        if (*oh > UINT16_MAX || *ow > UINT16_MAX || *oh < 1 || *ow < 1)
            e = RMN_ERROR(RMN_EFORMAT, "%s: %d x %d pixels: too elongated to resize to a shorter side of %d", path,
                          rgb.w, rgb.h, side);
    }
    if (e == RMN_OK) {
        const size_t n_in = (size_t)rgb.h * rgb.w, n_out = (size_t)*oh * *ow;
        plane = malloc(n_in * sizeof *plane);
        dst = malloc(n_out * sizeof *dst);
        scratch = malloc(rmn_resample_scratch_floats(rgb.h, rgb.w, *ow) * sizeof *scratch);
        *out = malloc(n_out * 3);
        if (!plane || !dst || !scratch || !*out)
            e = RMN_ERROR(RMN_ENOMEM, "%s: out of memory decoding %d x %d pixels", path, rgb.w, rgb.h);
        for (int c = 0; e == RMN_OK && c < 3; ++c) {
            for (size_t i = 0; i < n_in; ++i)
                plane[i] = rgb.data[3 * i + c];
            rmn_resample_aa(dst, *oh, *ow, plane, rgb.w, 0, 0, rgb.h, rgb.w, *oh, *ow, 0, 0, scratch);
            for (size_t i = 0; i < n_out; ++i) {
                float v = rintf(dst[i]);
                (*out)[3 * i + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }
    if (e != RMN_OK) {
        snprintf(why, why_cap, "%s", rmn_error_message());
        free(*out);
        *out = NULL;
    }
    free(plane);
    free(dst);
    free(scratch);
    rmn_image_free(&img);
    rmn_image_free(&rgb);
    return e;
}

// --- building ---------------------------------------------------------------------------------

static int write_all(int fd, const void *p, size_t n, const char *file) {
    const char *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return RMN_ERROR(RMN_EIO, "%s: %s", file, w < 0 ? strerror(errno) : "short write");
        b += w;
        n -= (size_t)w;
    }
    return RMN_OK;
}

/* The unreadable files: written to report, named (up to RMN_FOLDER_MAX_REPORTED) in the error. */
typedef struct {
    int   n;
    char *text; /* "PATH: why" lines */
    size_t len, cap;
} unreadable;

static void note_unreadable(unreadable *u, FILE *report, const char *why) {
    if (report)
        fprintf(report, "%s\n", why);
    if (u->n++ >= RMN_FOLDER_MAX_REPORTED)
        return;
    size_t add = strlen(why) + 3;
    if (u->len + add + 1 > u->cap) {
        size_t cap = (u->len + add + 1) * 2;
        char *t = realloc(u->text, cap);
        if (!t)
            return;
        u->text = t;
        u->cap = cap;
    }
    u->len += (size_t)snprintf(u->text + u->len, u->cap - u->len, "%s%s", u->len ? "; " : "", why);
}

/* Decodes every file of l into the open file fd (after a header's room) and writes the names,
 * index and header. */
static int build(const char *dir, const rmn_folder_list *l, int side, int quiet, FILE *report, int fd,
                 const char *file) {
    cache_header hd;
    memset(&hd, 0, sizeof hd);
    cache_entry *idx = calloc((size_t)l->n + 1, sizeof *idx);
    uint8_t **buf = calloc(CHUNK, sizeof *buf);
    int *hh = calloc(CHUNK, sizeof *hh), *ww = calloc(CHUNK, sizeof *ww), *err = calloc(CHUNK, sizeof *err);
    char (*sha)[RMN_SHA256_HEX] = calloc(CHUNK, sizeof *sha);
    char (*why)[600] = calloc(CHUNK, sizeof *why);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int e = idx && buf && hh && ww && err && sha && why && md ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "out of memory");
    if (e == RMN_OK)
        e = write_all(fd, &hd, sizeof hd, file);
    if (md)
        EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    rmn_progress bar;
    char label[128];
    snprintf(label, sizeof label, "decode %.100s", dir);
    rmn_progress_begin(&bar, stderr, label, l->n);
    if (quiet)
        bar.mode = RMN_PROGRESS_OFF;
    unreadable bad = {0};
    uint64_t off = 0;
    for (int32_t start = 0; e == RMN_OK && start < l->n; start += CHUNK) {
        const int m = l->n - start < CHUNK ? (int)(l->n - start) : CHUNK;
#pragma omp parallel for schedule(dynamic)
        for (int i = 0; i < m; ++i) {
            char path[8200];
            snprintf(path, sizeof path, "%s/%s", dir, l->path[start + i]);
            err[i] = decode_one(path, side, &buf[i], &hh[i], &ww[i], sha[i], why[i], sizeof why[i]);
        }
        for (int i = 0; i < m; ++i) { /* in file order: the pixels, the digest's line */
            const int32_t f = start + i;
            if (err[i] == RMN_ENOMEM && e == RMN_OK) {
                e = RMN_ERROR(RMN_ENOMEM, "%s", why[i]);
            } else if (err[i]) {
                note_unreadable(&bad, report, why[i]);
            } else {
                const size_t bytes = (size_t)hh[i] * ww[i] * 3;
                if (e == RMN_OK && bad.n == 0) /* once a file failed, only the others are checked */
                    e = write_all(fd, buf[i], bytes, file);
                idx[f] = (cache_entry){.offset = off, .size = l->size[f], .mtime_ns = l->mtime_ns[f],
                                       .label = l->label[f], .h = (uint16_t)hh[i], .w = (uint16_t)ww[i],
                                       .split = l->split[f]};
                off += bytes;
                EVP_DigestUpdate(md, l->path[f], strlen(l->path[f]));
                EVP_DigestUpdate(md, " ", 1);
                EVP_DigestUpdate(md, sha[i], 64);
                EVP_DigestUpdate(md, "\n", 1);
            }
            free(buf[i]);
            buf[i] = NULL;
        }
        char status[64];
        snprintf(status, sizeof status, "%d unreadable", bad.n);
        rmn_progress_update(&bar, start + m, bad.n ? status : NULL);
    }
    rmn_progress_end(&bar, bad.n ? "unreadable files found" : "cached");
    if (e == RMN_OK && bad.n > 0)
        e = RMN_ERROR(RMN_EFORMAT, "%s: %d unreadable image file%s: %s%s", dir, bad.n, bad.n == 1 ? "" : "s",
                      bad.text ? bad.text : "", bad.n > RMN_FOLDER_MAX_REPORTED ? "; and more" : "");
    /* names and index after the pixels, then the header with the sections and digests */
    unsigned char digest[32];
    unsigned dlen = 0;
    if (md)
        EVP_DigestFinal_ex(md, digest, &dlen);
    EVP_MD_CTX *meta = e == RMN_OK ? EVP_MD_CTX_new() : NULL;
    if (e == RMN_OK && !meta)
        e = RMN_ERROR(RMN_ENOMEM, "out of memory");
    if (meta)
        EVP_DigestInit_ex(meta, EVP_sha256(), NULL);
    uint64_t names_bytes = 0;
    for (int k = 0; e == RMN_OK && k < l->n_classes + l->n; ++k) {
        const char *s = k < l->n_classes ? l->classes[k] : l->path[k - l->n_classes];
        size_t n = strlen(s) + 1;
        e = write_all(fd, s, n, file);
        EVP_DigestUpdate(meta, s, n);
        names_bytes += n;
    }
    /* NULs after the names, so that the index starts 8-byte aligned in the mapped file */
    static const char zeros[8];
    const size_t pad = (size_t)((8 - (sizeof hd + off + names_bytes) % 8) % 8);
    if (e == RMN_OK && pad) {
        e = write_all(fd, zeros, pad, file);
        EVP_DigestUpdate(meta, zeros, pad);
        names_bytes += pad;
    }
    if (e == RMN_OK) {
        e = write_all(fd, idx, (size_t)l->n * sizeof *idx, file);
        EVP_DigestUpdate(meta, idx, (size_t)l->n * sizeof *idx);
    }
    if (e == RMN_OK) {
        unsigned char mdg[32];
        unsigned ml = 0;
        EVP_DigestFinal_ex(meta, mdg, &ml);
        memcpy(hd.magic, MAGIC, sizeof MAGIC);
        hd.version = RMN_FOLDER_CACHE_VERSION;
        hd.endian = ENDIAN_MARK;
        hd.side = (uint32_t)side;
        hd.channels = 3;
        hd.n_classes = (uint32_t)l->n_classes;
        hd.n_files = (uint32_t)l->n;
        hd.pooled = (uint32_t)l->pooled;
        hd.test_is_val = (uint32_t)l->test_is_val;
        hd.pixels_off = sizeof hd;
        hd.pixels_bytes = off;
        hd.names_off = sizeof hd + off;
        hd.names_bytes = names_bytes;
        hd.index_off = hd.names_off + names_bytes;
        hd.index_bytes = (uint64_t)l->n * sizeof *idx;
        static const char hex[] = "0123456789abcdef"; /* 64 digits each, no terminator */
        for (int i = 0; i < 32; ++i) {
            hd.data_sha256[2 * i] = hex[digest[i] >> 4];
            hd.data_sha256[2 * i + 1] = hex[digest[i] & 15];
            hd.meta_sha256[2 * i] = hex[mdg[i] >> 4];
            hd.meta_sha256[2 * i + 1] = hex[mdg[i] & 15];
        }
        if (pwrite(fd, &hd, sizeof hd, 0) != (ssize_t)sizeof hd)
            e = RMN_ERROR(RMN_EIO, "%s: %s", file, strerror(errno));
    }
    EVP_MD_CTX_free(meta);
    EVP_MD_CTX_free(md);
    free(bad.text);
    free(idx);
    free(buf);
    free(hh);
    free(ww);
    free(err);
    free(sha);
    free(why);
    return e;
}

// --- reading ----------------------------------------------------------------------------------

/* Maps FILE and checks it whole against the listing l: 1 in *match when it is l's cache. */
static int map_cache(const char *file, const rmn_folder_list *l, int side, void **map, size_t *bytes, int *match) {
    *map = NULL;
    *match = 0;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? RMN_OK : RMN_ERROR(RMN_EIO, "%s: %s", file, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(cache_header)) {
        close(fd);
        return RMN_OK; /* too short: not a cache */
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return RMN_ERROR(RMN_EIO, "%s: cannot map: %s", file, strerror(errno));
    const cache_header *hd = m;
    const uint64_t size = (uint64_t)st.st_size;
    int ok = memcmp(hd->magic, MAGIC, sizeof MAGIC) == 0 && hd->version == RMN_FOLDER_CACHE_VERSION &&
             hd->endian == ENDIAN_MARK && hd->side == (uint32_t)side && hd->channels == 3 &&
             hd->n_classes == (uint32_t)l->n_classes && hd->n_files == (uint32_t)l->n &&
             hd->pixels_off == sizeof *hd && hd->pixels_off + hd->pixels_bytes == hd->names_off &&
             hd->names_off + hd->names_bytes == hd->index_off && hd->index_bytes == (uint64_t)l->n * sizeof(cache_entry) &&
             hd->index_off + hd->index_bytes == size && hd->names_bytes > 0 && hd->index_off % 8 == 0 &&
             ((const char *)m)[hd->names_off + hd->names_bytes - 1] == '\0';
    if (ok) {
        char hex[RMN_SHA256_HEX];
        rmn_sha256_hex((const char *)m + hd->names_off, hd->names_bytes + hd->index_bytes, hex);
        ok = memcmp(hex, hd->meta_sha256, 64) == 0;
    }
    const char *name = (const char *)m + hd->names_off, *end = name + (ok ? hd->names_bytes : 0);
    for (int k = 0; ok && k < l->n_classes; ++k, name += strlen(name) + 1)
        ok = name < end && strcmp(name, l->classes[k]) == 0;
    const cache_entry *idx = ok ? (const void *)((const char *)m + hd->index_off) : NULL;
    for (int32_t i = 0; ok && i < l->n; ++i, name += strlen(name) + 1) {
        const cache_entry *c = &idx[i];
        ok = name < end && strcmp(name, l->path[i]) == 0 && c->size == l->size[i] &&
             c->mtime_ns == l->mtime_ns[i] && c->label == l->label[i] && c->split == l->split[i] &&
             c->offset + (uint64_t)c->h * c->w * 3 <= hd->pixels_bytes && c->h > 0 && c->w > 0;
    }
    if (!ok) {
        munmap(m, (size_t)size);
        return RMN_OK;
    }
    *map = m;
    *bytes = (size_t)size;
    *match = 1;
    return RMN_OK;
}

/* The data set in the mapped cache (ownership of the map passes to ds). */
static int fill(const char *dir, void *map, size_t bytes, rmn_dataset *ds) {
    const cache_header *hd = map;
    const cache_entry *idx = (const void *)((const char *)map + hd->index_off);
    ds->map = map;
    ds->map_bytes = bytes;
    snprintf(ds->kind, sizeof ds->kind, "folder");
    char real[PATH_MAX];
    const char *base = realpath(dir, real) ? strrchr(real, '/') : NULL;
    snprintf(ds->name, sizeof ds->name, "%s", base && base[1] ? base + 1 : dir);
    memcpy(ds->sha256, hd->data_sha256, 64);
    ds->sha256[64] = '\0';
    ds->test_is_val = (int)hd->test_is_val;
    if (!(ds->path = strdup(dir)))
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    const char **names = calloc((size_t)hd->n_classes + hd->n_files, sizeof *names);
    if (!names)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    const char *p = (const char *)map + hd->names_off;
    for (uint32_t k = 0; k < hd->n_classes + hd->n_files; ++k, p += strlen(p) + 1)
        names[k] = p;
    int e = rmn_dataset_set_classes(ds, names, (int)hd->n_classes);
    ds->n_files = (int32_t)hd->n_files;
    ds->files = calloc((size_t)hd->n_files + 1, sizeof *ds->files);
    if (e == RMN_OK && !ds->files)
        e = RMN_ERROR(RMN_ENOMEM, "out of memory");
    for (uint32_t i = 0; e == RMN_OK && i < hd->n_files; ++i)
        ds->files[i] = names[hd->n_classes + i];
    free(names);
    for (int k = 0; e == RMN_OK && k < RMN_SPLIT_COUNT; ++k) {
        const int from = k == RMN_SPLIT_TEST && ds->test_is_val ? RMN_SPLIT_VAL : k;
        rmn_split_data *sp = &ds->split[k];
        int32_t n = 0;
        for (uint32_t i = 0; i < hd->n_files; ++i)
            n += idx[i].split == from;
        const size_t m = n ? (size_t)n : 1;
        sp->channels = 3;
        sp->pixels = (uint8_t *)map + hd->pixels_off;
        sp->offsets = malloc(m * sizeof *sp->offsets);
        sp->heights = malloc(m * sizeof *sp->heights);
        sp->widths = malloc(m * sizeof *sp->widths);
        sp->labels = malloc(m * sizeof *sp->labels);
        sp->source_row = malloc(m * sizeof *sp->source_row);
        if (!sp->offsets || !sp->heights || !sp->widths || !sp->labels || !sp->source_row) {
            e = RMN_ERROR(RMN_ENOMEM, "out of memory for %d images", n);
            break;
        }
        for (uint32_t i = 0; i < hd->n_files; ++i) {
            if (idx[i].split != from)
                continue;
            sp->offsets[sp->n] = idx[i].offset;
            sp->heights[sp->n] = idx[i].h;
            sp->widths[sp->n] = idx[i].w;
            sp->labels[sp->n] = idx[i].label;
            sp->source_row[sp->n] = (int32_t)i;
            sp->max_h = idx[i].h > sp->max_h ? idx[i].h : sp->max_h;
            sp->max_w = idx[i].w > sp->max_w ? idx[i].w : sp->max_w;
            ++sp->n;
        }
    }
    return e == RMN_OK ? rmn_dataset_count_classes(ds) : e;
}

int rmn_folder_cache_load(const char *dir, const rmn_folder_list *l, int side, int quiet, FILE *report,
                          rmn_dataset *out) {
    memset(out, 0, sizeof *out);
    char file[4400];
    const int cached = rmn_folder_cache_file(dir, side, file, sizeof file) == RMN_OK;
    void *map = NULL;
    size_t bytes = 0;
    int match = 0;
    if (cached)
        RMN_TRY(map_cache(file, l, side, &map, &bytes, &match));
    else
        rmn_error_clear();
    if (!match) { /* build: into the cache directory, or a scratch file read once and removed */
        char tmp[4500], dirbuf[4400];
        const char *tmpdir = rmn_env_get("TMPDIR");
        if (cached) {
            snprintf(dirbuf, sizeof dirbuf, "%s", file);
            *strrchr(dirbuf, '/') = '\0';
            RMN_TRY(rmn_fer_cache_make_dir(dirbuf));
            snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", file);
        } else {
            snprintf(tmp, sizeof tmp, "%s/rmn-imgcache.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
        }
        int fd = mkstemp(tmp);
        if (fd < 0)
            return RMN_ERROR(RMN_EIO, "%s: %s", tmp, strerror(errno));
        int e = build(dir, l, side, quiet, report, fd, tmp);
        if (e == RMN_OK && fchmod(fd, 0644) != 0)
            e = RMN_ERROR(RMN_EIO, "%s: %s", tmp, strerror(errno));
        if (close(fd) != 0 && e == RMN_OK)
            e = RMN_ERROR(RMN_EIO, "%s: %s", tmp, strerror(errno));
        const char *final = cached ? file : tmp;
        if (e == RMN_OK && cached && rename(tmp, file) != 0)
            e = RMN_ERROR(RMN_EIO, "%s: %s", file, strerror(errno));
        if (e == RMN_OK)
            e = map_cache(final, l, side, &map, &bytes, &match);
        if (e != RMN_OK || !cached)
            unlink(tmp);
        if (e == RMN_OK && !match)
            e = RMN_ERROR(RMN_EIO, "%s: the cache just written does not read back", final);
        if (e != RMN_OK) {
            if (map)
                munmap(map, bytes);
            return e;
        }
    }
    int e = fill(dir, map, bytes, out);
    if (e != RMN_OK)
        rmn_dataset_free(out);
    return e;
}

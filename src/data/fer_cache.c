/* fer_cache.c -- reading and writing the FER2013 decode cache (layout in fer_cache.h). */
#include "data/fer_cache.h"

#include "core/datadir.h"
#include "core/error.h"
#include "core/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_BYTES 96
#define TRAILER_BYTES 64
static const char MAGIC[8] = "RMNFERC";
static const uint32_t ENDIAN_MARK = 0x01020304u;

int rmn_fer_cache_dir(char *buf, size_t cap) { return rmn_cache_dir(buf, cap); }

int rmn_fer_cache_file(const char *sha256, char *buf, size_t cap) {
    char dir[4096];
    RMN_TRY(rmn_fer_cache_dir(dir, sizeof dir));
    int n = snprintf(buf, cap, "%s/%s.fercache", dir, sha256);
    if (n < 0 || (size_t)n >= cap)
        return RMN_ERROR(RMN_EINVAL, "cache file name too long");
    return RMN_OK;
}

static size_t split_bytes(int32_t n) { return (size_t)n * (1 + sizeof(int32_t) + RMN_FER_PIXELS); }

int rmn_fer_cache_read(const char *file, rmn_dataset *ds) {
    FILE *f = fopen(file, "rb");
    if (!f)
        return errno == ENOENT ? RMN_ERROR(RMN_ENOTFOUND, "%s: no cache", file)
                               : RMN_ERROR(RMN_EIO, "%s: %s", file, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < HEADER_BYTES + TRAILER_BYTES) {
        fclose(f);
        return RMN_ERROR(RMN_EFORMAT, "%s: cache too short", file);
    }
    size_t size = (size_t)st.st_size;
    unsigned char *b = malloc(size);
    if (!b) {
        fclose(f);
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", file);
    }
    size_t got = fread(b, 1, size, f);
    fclose(f);
    int rc = RMN_OK;
    uint32_t version, mark, pixels;
    int32_t n[RMN_SPLIT_COUNT];
    memcpy(&version, b + 8, 4);
    memcpy(&mark, b + 12, 4);
    memcpy(&pixels, b + 16, 4);
    memcpy(n, b + 20, sizeof n);
    size_t want = HEADER_BYTES + TRAILER_BYTES;
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k)
        want += n[k] >= 0 ? split_bytes(n[k]) : 0;
    if (got != size)
        rc = RMN_ERROR(RMN_EIO, "%s: short read", file);
    else if (memcmp(b, MAGIC, 8) != 0 || version != RMN_FER_CACHE_VERSION || mark != ENDIAN_MARK ||
             pixels != RMN_FER_PIXELS)
        rc = RMN_ERROR(RMN_EFORMAT, "%s: not a version %d cache", file, RMN_FER_CACHE_VERSION);
    else if (n[0] < 0 || n[1] < 0 || n[2] < 0 || want != size)
        rc = RMN_ERROR(RMN_EFORMAT, "%s: cache size %zu does not match its counts", file, size);
    else if (memcmp(b + 32, ds->sha256, 64) != 0)
        rc = RMN_ERROR(RMN_EFORMAT, "%s: cache is for another source", file);
    if (rc == RMN_OK) {
        char hex[RMN_SHA256_HEX];
        rmn_sha256_hex(b, size - TRAILER_BYTES, hex);
        if (memcmp(hex, b + size - TRAILER_BYTES, 64) != 0)
            rc = RMN_ERROR(RMN_EFORMAT, "%s: cache checksum mismatch", file);
    }
    rmn_split_data sp[RMN_SPLIT_COUNT];
    memset(sp, 0, sizeof sp);
    size_t off = HEADER_BYTES;
    for (int k = 0; rc == RMN_OK && k < RMN_SPLIT_COUNT; ++k) {
        size_t m = (size_t)n[k];
        sp[k].n = n[k];
        sp[k].channels = 1;
        sp[k].side = sp[k].max_h = sp[k].max_w = RMN_FER_SIDE;
        sp[k].labels = malloc((m ? m : 1) * sizeof(int32_t));
        sp[k].source_row = malloc((m ? m : 1) * sizeof(int32_t));
        sp[k].pixels = malloc((m ? m : 1) * RMN_FER_PIXELS);
        if (!sp[k].labels || !sp[k].source_row || !sp[k].pixels) {
            rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", file);
            break;
        }
        for (size_t i = 0; i < m; ++i) /* one byte per label in the file */
            sp[k].labels[i] = b[off + i];
        off += m;
        memcpy(sp[k].source_row, b + off, m * sizeof(int32_t));
        off += m * sizeof(int32_t);
        memcpy(sp[k].pixels, b + off, m * RMN_FER_PIXELS);
        off += m * RMN_FER_PIXELS;
        for (size_t i = 0; i < m; ++i)
            if (sp[k].labels[i] >= RMN_FER_CLASSES) {
                rc = RMN_ERROR(RMN_EFORMAT, "%s: label out of range", file);
                break;
            }
    }
    free(b);
    if (rc != RMN_OK) {
        for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
            free(sp[k].labels);
            free(sp[k].source_row);
            free(sp[k].pixels);
        }
        return rc;
    }
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k)
        ds->split[k] = sp[k];
    return rmn_dataset_count_classes(ds);
}

int rmn_fer_cache_make_dir(const char *dir) {
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s", dir);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return RMN_ERROR(RMN_EINVAL, "directory name too long");
    for (char *p = tmp + 1; *p; ++p) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return RMN_ERROR(RMN_EIO, "%s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return RMN_ERROR(RMN_EIO, "%s: %s", tmp, strerror(errno));
    return RMN_OK;
}

int rmn_fer_cache_write(const char *file, const rmn_dataset *ds) {
    char dir[4096];
    int dn = snprintf(dir, sizeof dir, "%s", file);
    if (dn < 0 || (size_t)dn >= sizeof dir)
        return RMN_ERROR(RMN_EINVAL, "cache file name too long");
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        RMN_TRY(rmn_fer_cache_make_dir(dir));
    }
    size_t size = HEADER_BYTES + TRAILER_BYTES;
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k)
        size += split_bytes(ds->split[k].n);
    unsigned char *b = calloc(1, size);
    if (!b)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", file);
    uint32_t version = RMN_FER_CACHE_VERSION, pixels = RMN_FER_PIXELS;
    memcpy(b, MAGIC, 8);
    memcpy(b + 8, &version, 4);
    memcpy(b + 12, &ENDIAN_MARK, 4);
    memcpy(b + 16, &pixels, 4);
    size_t off = HEADER_BYTES;
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        const rmn_split_data *sp = &ds->split[k];
        size_t m = (size_t)sp->n;
        memcpy(b + 20 + 4 * k, &sp->n, 4);
        if (m) {
            for (size_t i = 0; i < m; ++i)
                b[off + i] = (unsigned char)sp->labels[i];
            memcpy(b + off + m, sp->source_row, m * sizeof(int32_t));
            memcpy(b + off + m * (1 + sizeof(int32_t)), sp->pixels, m * RMN_FER_PIXELS);
        }
        off += split_bytes(sp->n);
    }
    memcpy(b + 32, ds->sha256, 64);
    char hex[RMN_SHA256_HEX];
    rmn_sha256_hex(b, size - TRAILER_BYTES, hex);
    memcpy(b + size - TRAILER_BYTES, hex, 64);

    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", file);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(b);
        return RMN_ERROR(RMN_EIO, "%s: %s", tmp, strerror(errno));
    }
    int rc = RMN_OK;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, b + done, size - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = RMN_ERROR(RMN_EIO, "%s: %s", tmp, w < 0 ? strerror(errno) : "short write");
            break;
        }
        done += (size_t)w;
    }
    free(b);
    if (rc == RMN_OK && fchmod(fd, 0644) != 0)
        rc = RMN_ERROR(RMN_EIO, "%s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == RMN_OK)
        rc = RMN_ERROR(RMN_EIO, "%s: %s", tmp, strerror(errno));
    if (rc == RMN_OK && rename(tmp, file) != 0)
        rc = RMN_ERROR(RMN_EIO, "%s: %s", file, strerror(errno));
    if (rc != RMN_OK)
        unlink(tmp);
    return rc;
}

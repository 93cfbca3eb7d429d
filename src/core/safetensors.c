/* safetensors.c -- what the safetensors reader (safetensors_read.c, validating) and atomic
 * writer (safetensors_write.c) share: the dtype table, shape sizes with overflow checks, name
 * order; see safetensors.h.
 *
 * Non-goals: memory mapping, lazy loading, big-endian hosts, dtype conversion to/from the
 * 8/16-bit float formats (they are read and written as raw bytes). */
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
#error "safetensors.c assumes a little-endian host"
#endif

// --- dtypes ------------------------------------------------------------------------------

static const struct {
    const char *name;
    size_t      size;
} dtypes[RMN_ST_NDTYPES] = {
    [RMN_ST_BOOL] = {"BOOL", 1},       [RMN_ST_U8] = {"U8", 1},     [RMN_ST_I8] = {"I8", 1},
    [RMN_ST_F8_E5M2] = {"F8_E5M2", 1}, [RMN_ST_F8_E4M3] = {"F8_E4M3", 1},
    [RMN_ST_I16] = {"I16", 2},         [RMN_ST_U16] = {"U16", 2},   [RMN_ST_F16] = {"F16", 2},
    [RMN_ST_BF16] = {"BF16", 2},       [RMN_ST_I32] = {"I32", 4},   [RMN_ST_U32] = {"U32", 4},
    [RMN_ST_F32] = {"F32", 4},         [RMN_ST_F64] = {"F64", 8},   [RMN_ST_I64] = {"I64", 8},
    [RMN_ST_U64] = {"U64", 8},
};

const char *rmn_st_dtype_name(int dtype) {
    return dtype >= 0 && dtype < RMN_ST_NDTYPES ? dtypes[dtype].name : NULL;
}

size_t rmn_st_dtype_size(int dtype) {
    return dtype >= 0 && dtype < RMN_ST_NDTYPES ? dtypes[dtype].size : 0;
}

int rmn_st_dtype_parse(const char *name) {
    for (int i = 0; i < RMN_ST_NDTYPES; ++i)
        if (strcmp(dtypes[i].name, name) == 0)
            return i;
    return -1;
}

/* numel and byte size of a shape; false on overflow or a negative extent. */
bool rmn_st_shape_size_(int ndim, const int64_t *shape, size_t esize, int64_t *numel, size_t *nbytes) {
    uint64_t n = 1;
    for (int d = 0; d < ndim; ++d) {
        if (shape[d] < 0 || __builtin_mul_overflow(n, (uint64_t)shape[d], &n))
            return false;
    }
    uint64_t b;
    if (n > (uint64_t)INT64_MAX || __builtin_mul_overflow(n, (uint64_t)esize, &b) || b > SIZE_MAX ||
        b > (uint64_t)INT64_MAX)
        return false;
    *numel = (int64_t)n;
    *nbytes = (size_t)b;
    return true;
}

/* Compares array elements whose first member is a char * (struct st_entry, struct st_kv). */
int rmn_st_cmp_str_ptr_(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

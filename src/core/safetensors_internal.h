/* safetensors_internal.h -- what safetensors.c gives the reader (safetensors_read.c) and the
 * writer (safetensors_write.c). Not for use outside src/core/safetensors*. */
#ifndef RMN_CORE_SAFETENSORS_INTERNAL_H
#define RMN_CORE_SAFETENSORS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A metadata entry of the reader and the writer. */
struct st_kv {
    char *key; /* first member: arrays of entries sort with rmn_st_cmp_str_ptr_ */
    char *value;
};

/* numel and byte size of a shape; false on overflow or a negative extent. */
bool rmn_st_shape_size_(int ndim, const int64_t *shape, size_t esize, int64_t *numel, size_t *nbytes);
/* Compares array elements whose first member is a char * (qsort by name). */
int rmn_st_cmp_str_ptr_(const void *a, const void *b);

#endif

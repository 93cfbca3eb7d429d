/* safetensors.h -- read and write safetensors files (checkpoints and test golden data).
 *
 * The format (Hugging Face safetensors): an 8-byte little-endian unsigned header length N,
 * then N bytes of JSON mapping each tensor name to {"dtype", "shape", "data_offsets":
 * [begin, end]} (offsets relative to the data section) plus an optional "__metadata__" object
 * of string -> string, then the data section: raw little-endian tensor bytes.
 *
 * What rmn writes: the header has "__metadata__" first (keys sorted), then the tensors in
 * strcmp order of their names, compact JSON (no spaces), padded with spaces to a multiple of
 * 8 bytes; data offsets are contiguous in the same order. tools/golden/st.py writes the same
 * bytes. Saving is atomic: PATH.tmp.<pid>, fsync, rename onto PATH, fsync of the directory.
 *
 * What rmn reads: any valid safetensors file. Everything is validated before use (header
 * length against the file size, JSON, dtypes, shapes, size = numel * dtype size, offsets
 * inside the data section, no overlap, no unused bytes, no duplicate names); failures are
 * RMN_EFORMAT with a message that names the file and the tensor.
 *
 * Ownership: rmn_st_writer_create and rmn_st_open return owned objects released by
 * rmn_st_writer_free and rmn_st_close. Tensor data given to rmn_st_writer_add is BORROWED
 * (not copied): it must stay valid and unchanged until the last save/write call. Names,
 * metadata keys and values are copied. Pointers returned by the reader (tensors, names,
 * data, metadata strings) live as long as the rmn_st_file.
 *
 * Assumes a little-endian host (checked at compile time). */
#ifndef RMN_CORE_SAFETENSORS_H
#define RMN_CORE_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define RMN_ST_MAX_DIMS 8
#define RMN_ST_MAX_HEADER (100u * 1024u * 1024u) /* larger headers are rejected, as upstream does */

enum rmn_st_dtype {
    RMN_ST_BOOL = 0,
    RMN_ST_U8,
    RMN_ST_I8,
    RMN_ST_F8_E5M2,
    RMN_ST_F8_E4M3,
    RMN_ST_I16,
    RMN_ST_U16,
    RMN_ST_F16,
    RMN_ST_BF16,
    RMN_ST_I32,
    RMN_ST_U32,
    RMN_ST_F32,
    RMN_ST_F64,
    RMN_ST_I64,
    RMN_ST_U64,
    RMN_ST_NDTYPES
};

const char *rmn_st_dtype_name(int dtype);        /* "F32"; NULL for an unknown code */
size_t      rmn_st_dtype_size(int dtype);        /* bytes per element; 0 for an unknown code */
int         rmn_st_dtype_parse(const char *name); /* code, or -1 if unknown */

// --- writer ------------------------------------------------------------------------------

typedef struct rmn_st_writer rmn_st_writer;

int rmn_st_writer_create(rmn_st_writer **w);
/* Adds a tensor of ndim (0..8) dims; ndim 0 is a scalar (one element), a zero in shape makes
 * an empty tensor (data may then be NULL). data is borrowed (see above), little-endian.
 * RMN_EINVAL for a duplicate or empty name, "__metadata__", a bad dtype/shape. */
int rmn_st_writer_add(rmn_st_writer *w, const char *name, int dtype, int ndim, const int64_t *shape,
                      const void *data);
/* Sets metadata key -> value (both UTF-8, copied); a later call for the same key replaces it. */
int rmn_st_writer_meta(rmn_st_writer *w, const char *key, const char *value);
/* Writes the file atomically: on any failure PATH is untouched and the temp file is removed;
 * RMN_EIO names the file (open, write, fsync, rename or full-disk failures). */
int rmn_st_writer_save(const rmn_st_writer *w, const char *path);
/* Writes the whole file to an open descriptor (no fsync, no rename); label names it in
 * messages. Used by save; also for pipes and fault tests (/dev/full). */
int rmn_st_writer_write_fd(const rmn_st_writer *w, int fd, const char *label);
void rmn_st_writer_free(rmn_st_writer *w);

// --- reader ------------------------------------------------------------------------------

typedef struct rmn_st_tensor {
    const char *name;
    int         dtype;                  /* enum rmn_st_dtype */
    int         ndim;                   /* 0 for a scalar */
    int64_t     shape[RMN_ST_MAX_DIMS];
    int64_t     numel;                  /* product of shape (1 for a scalar) */
    size_t      nbytes;                 /* numel * dtype size */
    const void *data;                   /* little-endian bytes; NULL when nbytes is 0. The data
                                           section is 64-byte aligned, so data is aligned for its
                                           dtype whenever begin is a multiple of its size (always
                                           true for files rmn writes) */
} rmn_st_tensor;

typedef struct rmn_st_file rmn_st_file;

/* Reads and validates the whole file. RMN_EIO if it cannot be read, RMN_EFORMAT if malformed. */
int rmn_st_open(const char *path, rmn_st_file **f);
void rmn_st_close(rmn_st_file *f);

const char          *rmn_st_path(const rmn_st_file *f);
int                  rmn_st_count(const rmn_st_file *f);             /* number of tensors */
const rmn_st_tensor *rmn_st_at(const rmn_st_file *f, int i);         /* i-th in name order */
const rmn_st_tensor *rmn_st_find(const rmn_st_file *f, const char *name); /* NULL if absent */

/* Finds NAME and checks its dtype and shape; on mismatch RMN_EFORMAT (RMN_ENOTFOUND if absent)
 * naming the file and tensor, e.g. "ckpt.safetensors: tensor fc.weight: shape (7,512), expected
 * (7,256)". ndim < 0 skips the shape check. */
int rmn_st_expect(const rmn_st_file *f, const char *name, int dtype, int ndim, const int64_t *shape,
                  const rmn_st_tensor **t);

/* Copies the tensor's elements into dst, converting: _f32/_f64 accept F32 and F64 (and the
 * integer dtypes), _i64 accepts the integer dtypes and BOOL. n must equal numel (RMN_EINVAL
 * otherwise, or for an unsupported dtype). */
int rmn_st_copy_f32(const rmn_st_tensor *t, float *dst, size_t n);
int rmn_st_copy_f64(const rmn_st_tensor *t, double *dst, size_t n);
int rmn_st_copy_i64(const rmn_st_tensor *t, int64_t *dst, size_t n);

const char *rmn_st_meta(const rmn_st_file *f, const char *key); /* NULL if absent */
/* Metadata `key` as a decimal integer in [lo, hi]: RMN_ENOTFOUND when absent, RMN_EFORMAT
 * for anything else (not a number, a fraction, NaN, out of range); messages name the file. */
int rmn_st_meta_int(const rmn_st_file *f, const char *key, long lo, long hi, int *out);
int         rmn_st_meta_count(const rmn_st_file *f);
/* The i-th metadata pair in key order. */
void rmn_st_meta_at(const rmn_st_file *f, int i, const char **key, const char **value);

#endif

/* pth.h -- read a PyTorch checkpoint (torch.save) as a state_dict, safely, without Python.
 *
 * Both formats torch.save writes: the zip archive (PyTorch >= 1.6: PREFIX/data.pkl plus stored,
 * uncompressed PREFIX/data/KEY storages) and the legacy stream (pickles of the magic number,
 * the protocol version, the system info, the object, the sorted storage keys, then each
 * storage as an int64 element count and its raw little-endian bytes). The pickles go through
 * the restricted reader of pickle.h (no code runs; unknown globals are refused).
 *
 * The object may be a bare state_dict (a dict or OrderedDict of name -> tensor) or a training
 * checkpoint dict holding one under "net" (the thesis's format), "state_dict" or
 * "model_state_dict"; the checkpoint's other top-level numbers (best_val_acc, test_acc, ...)
 * are kept as metadata. Tensors may be float32, float16, bfloat16, float64, int64 or int32
 * storages, any view (offset, strides) inside their storage; each is copied out as contiguous
 * float32. Every size, offset and stride is checked against its storage before use; any defect
 * is RMN_EFORMAT (RMN_EIO for an unreadable or truncated file) with a message naming the file
 * and the place (byte offset, tensor name, zip entry).
 *
 * Ownership: rmn_pth_open returns an owned file (rmn_pth_close); pointers it hands out live as
 * long as it. The API is independent of rmn's nets: rmn_import (train/import.h) maps it. */
#ifndef RMN_CORE_PTH_H
#define RMN_CORE_PTH_H

#include <stddef.h>
#include <stdint.h>

#define RMN_PTH_MAX_DIMS 8

typedef struct {
    const char *name;        /* the state_dict key, verbatim */
    int         dtype;       /* the storage's enum rmn_pk_dtype (pickle.h) */
    int         ndim;
    int64_t     shape[RMN_PTH_MAX_DIMS];
    int64_t     numel;
    const float *data;       /* numel float32 values, contiguous (row-major) */
} rmn_pth_tensor;

typedef struct rmn_pth_file rmn_pth_file;

/* Reads and validates the whole checkpoint (from a file, or from a memory buffer `label`
 * names). */
int  rmn_pth_open(const char *path, rmn_pth_file **f);
int  rmn_pth_open_mem(const unsigned char *buf, size_t len, const char *label, rmn_pth_file **f);
void rmn_pth_close(rmn_pth_file *f);

const char *rmn_pth_path(const rmn_pth_file *f);
const char *rmn_pth_format(const rmn_pth_file *f);  /* "zip" or "legacy" */
const char *rmn_pth_container(const rmn_pth_file *f); /* "net", "state_dict", ... or "" (bare) */
int  rmn_pth_count(const rmn_pth_file *f);
const rmn_pth_tensor *rmn_pth_at(const rmn_pth_file *f, int i);       /* in the file's order */
const rmn_pth_tensor *rmn_pth_find(const rmn_pth_file *f, const char *name);
/* Top-level numbers of a checkpoint dict (ints, floats, bools), in the file's order. */
int  rmn_pth_meta_count(const rmn_pth_file *f);
void rmn_pth_meta_at(const rmn_pth_file *f, int i, const char **key, double *value);

#endif

/* pickle.h -- a restricted reader of Python pickle streams: just what a PyTorch state_dict needs.
 *
 * It never executes code. It understands the opcodes torch.save emits (protocols 2-4), builds
 * plain values (None, bools, ints, floats, str/bytes, tuples, lists, dicts), and of the globals
 * only collections.OrderedDict, torch._utils._rebuild_tensor_v2 (a tensor view of a storage)
 * and the storage types torch.{Float,Half,BFloat16,Double,Long,Int}Storage. A persistent id
 * ('storage', TYPE, KEY, LOCATION, NUMEL[, None]) becomes a storage reference; the caller
 * resolves its bytes (pth.c); tensors sharing a storage name the same KEY. A legacy storage
 * view (a sixth element other than None: PyTorch < 0.4; 1.x writes None) is refused. Anything
 * else -- another global, an unknown opcode, a truncated stream, nesting deeper than
 * RMN_PK_MAX_DEPTH, lengths past the end, a memo index never set -- is RMN_EFORMAT naming
 * `label` and the byte offset.
 *
 * Ownership: rmn_pk_load returns an arena (rmn_pk_free) owning every value reachable from
 * *root; values may be shared (the memo). */
#ifndef RMN_CORE_PICKLE_H
#define RMN_CORE_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#define RMN_PK_MAX_DEPTH 64
#define RMN_PK_MAX_DIMS 8

enum rmn_pk_kind {
    RMN_PK_NONE = 0, RMN_PK_BOOL, RMN_PK_INT, RMN_PK_FLOAT, RMN_PK_STR, RMN_PK_BYTES,
    RMN_PK_TUPLE, RMN_PK_LIST, RMN_PK_DICT, RMN_PK_GLOBAL, RMN_PK_STORAGE, RMN_PK_TENSOR,
    RMN_PK_MARK
};

/* Storage element types (the dtype of a torch.XStorage). */
enum rmn_pk_dtype { RMN_PK_F32 = 0, RMN_PK_F16, RMN_PK_BF16, RMN_PK_F64, RMN_PK_I64, RMN_PK_I32 };
size_t rmn_pk_dtype_size(int dtype);
const char *rmn_pk_dtype_name(int dtype);

typedef struct rmn_pk_value rmn_pk_value;
struct rmn_pk_value {
    int kind;
    int depth;            /* nesting depth of this value (1 for a scalar) */
    int64_t i;            /* INT, BOOL (an INT wider than 64 bits has i 0 and its bytes in s) */
    double f;             /* FLOAT */
    char *s;              /* STR/BYTES (NUL-terminated copy), GLOBAL "module.name" */
    size_t len;           /* STR/BYTES length */
    rmn_pk_value **items; /* TUPLE/LIST: n items; DICT: n keys and values interleaved (2n) */
    size_t n, cap;
    /* STORAGE */
    int dtype;
    char *key;            /* the storage key ("0", "140012...") */
    int64_t numel;        /* elements the persistent id declares */
    /* TENSOR */
    rmn_pk_value *storage;
    int64_t offset;       /* in elements */
    int ndim;
    int64_t shape[RMN_PK_MAX_DIMS], stride[RMN_PK_MAX_DIMS];
};

typedef struct rmn_pk_arena rmn_pk_arena;

/* Reads one pickle from buf[*pos..len) up to its STOP, advancing *pos past it. */
int rmn_pk_load(const unsigned char *buf, size_t len, size_t *pos, const char *label,
                rmn_pk_arena **arena, rmn_pk_value **root);
void rmn_pk_free(rmn_pk_arena *arena);
/* Every value the load created, in creation order (for finding storages). */
size_t rmn_pk_count(const rmn_pk_arena *arena);
const rmn_pk_value *rmn_pk_value_at(const rmn_pk_arena *arena, size_t i);

/* Dict lookup by string key; NULL if absent or d is not a dict. */
rmn_pk_value *rmn_pk_dict_get(const rmn_pk_value *d, const char *key);

#endif

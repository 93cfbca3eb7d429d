/* pretrained_set.h -- the tensors of a pretrained file as float32 under rmn's names (what the
 * `pretrained:` key's readers make, train/pretrained.h), and the built-in safetensors reader. */
#ifndef RMN_TRAIN_PRETRAINED_SET_H
#define RMN_TRAIN_PRETRAINED_SET_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char   *name;
    int     ndim;
    int64_t shape[8];
    size_t  count;
    float  *data; /* count floats (NULL when only the header was read) */
} rmn_pretrained_tensor;

typedef struct {
    rmn_pretrained_tensor *t;
    int                    n;
    char                   arch[64]; /* the file's arch when it names one, else "" */
} rmn_pretrained_set;

/* Reads every tensor of path as float32 into *out (owned; rmn_pretrained_set_free). */
typedef int (*rmn_pretrained_reader)(const char *path, rmn_pretrained_set *out);

void rmn_pretrained_set_free(rmn_pretrained_set *s);

/* Every F32 tensor of the safetensors file at path but an rmn checkpoint's optimizer, random and
 * center-loss state, with the file's "arch" metadata. */
int rmn_pretrained_read_safetensors(const char *path, rmn_pretrained_set *out);

#endif

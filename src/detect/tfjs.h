/* tfjs.h -- TensorFlow.js weight manifests (the "*-weights_manifest.json" + ".bin" shards that
 * @vladmandic/face-api ships under its model/ folder), read with jansson.
 *
 * A manifest is a JSON array of groups {"paths": [shard, ...], "weights": [entry, ...]}; each
 * group's shards are concatenated and its entries laid out in order. An entry is
 * {"name", "shape": [d...], "dtype": "float32"|"int32", "quantization"?: {"dtype": "uint8"|
 * "uint16", "scale", "min"}}; quantized values decode as q * scale + min (tfjs's
 * io.decodeWeights), plain ones are little-endian 4-byte floats or ints. Everything is
 * decoded to float. Refused: anything not of this form, shard names with '/' or "..", shapes
 * with negative or huge dimensions, and shards whose size differs from what the entries need.
 *
 * Ownership: rmn_tfjs_load / rmn_tfjs_parse fill an rmn_tfjs released by rmn_tfjs_free;
 * rmn_tfjs_get returns a borrowed pointer into it. */
#ifndef RMN_DETECT_TFJS_H
#define RMN_DETECT_TFJS_H

#include <stddef.h>
#include <stdint.h>

#define RMN_TFJS_MAX_DIMS 4

typedef struct {
    char  *name;
    int    ndim;
    int    dims[RMN_TFJS_MAX_DIMS];
    size_t count;  /* product of dims */
    float *data;   /* count floats */
} rmn_tfjs_tensor;

typedef struct {
    char            *source; /* manifest path (for messages) */
    int              n;
    rmn_tfjs_tensor *t;
} rmn_tfjs;

/* Reads DIR/NAME-weights_manifest.json and its shards (beside it). */
int rmn_tfjs_load(const char *dir, const char *name, rmn_tfjs *m);
/* Parses manifest text json (len bytes) against the concatenated shard bytes bin (len nbin),
 * as if all groups' shards were given in order; source names them in messages. */
int rmn_tfjs_parse(const char *json, size_t len, const uint8_t *bin, size_t nbin,
                   const char *source, rmn_tfjs *m);
void rmn_tfjs_free(rmn_tfjs *m);

/* The tensor called name with exactly the given ndim and dims (a dim of -1 matches any);
 * RMN_ENOTFOUND / RMN_EFORMAT naming the manifest otherwise. */
int rmn_tfjs_get(const rmn_tfjs *m, const char *name, int ndim, const int *dims, const float **out);

/* The face-api model folder: $RMN_FACE_MODELS when set, else the first existing of
 * RMN_FACE_API_DIR/node_modules/@vladmandic/face-api/model (a compile-time macro, default
 * /usr/local/share/rmn-face-api, where .ci/install-deps installs the package) and
 * $RMN_BUILDDIR/face-api/node_modules/@vladmandic/face-api/model (RMN_BUILDDIR unset: the
 * current directory); NULL when none holds tiny_face_detector_model-weights_manifest.json,
 * with `looked` saying where it looked. */
const char *rmn_face_models_dir(char *buf, size_t cap, char *looked, size_t lcap);

#endif

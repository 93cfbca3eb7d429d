/* cnn_layer.h -- the face-api networks' layers on oneDNN: convolutions (full, depthwise,
 * pointwise) with their bias, activation and an optional running sum fused in, and max pools,
 * over NHWC float maps (batch 1). Each layer is made once for its shapes -- the primitive
 * created, the TensorFlow.js weights reordered into the layout oneDNN prefers -- and then run
 * on the caller's buffers any number of times. The plain kernels of cnn.h compute the same
 * (tests/test-cnn compares them).
 *
 * Threads: a run uses omp_get_max_threads() OpenMP threads of the calling thread. A context
 * and its layers are used by one thread at a time (they share a scratchpad); give each thread
 * a context of its own.
 *
 * Ownership: rmn_cnn_ctx_create returns a context released by rmn_cnn_ctx_free, which also
 * frees every layer made in it; layers are borrowed from their context. */
#ifndef RMN_DETECT_CNN_LAYER_H
#define RMN_DETECT_CNN_LAYER_H

typedef struct rmn_cnn_ctx   rmn_cnn_ctx;
typedef struct rmn_cnn_layer rmn_cnn_layer;

typedef enum {
    RMN_CNN_ACT_NONE = 0,
    RMN_CNN_ACT_RELU,
    RMN_CNN_ACT_RELU6, /* min(max(x, 0), 6) */
    RMN_CNN_ACT_LEAKY  /* x > 0 ? x : 0.1 x (face-api's leaky ReLU, up to rounding) */
} rmn_cnn_act;

/* y:(P,Q,K) = act(conv(x:(H,W,C), w) + b [+ y]) with TensorFlow's 'same' padding (P =
 * ceil(H/stride)) or, with valid set, none (P = H - R + 1 for stride 1).
 * w: (R,R,C,K), or (R,R,C,1) when depthwise (then K = C); b: (K) or NULL. The weights are
 * copied: w and b may be freed once the layer is made. */
typedef struct {
    int          H, W, C, K, R, stride;
    int          depthwise, valid;
    const float *w, *b;
    rmn_cnn_act  act;
    int          accumulate; /* add the result to y instead of overwriting it (before act) */
} rmn_cnn_conv_desc;

int  rmn_cnn_ctx_create(rmn_cnn_ctx **out);
/* Frees every layer made in c (they can be made again); the engine stays. */
void rmn_cnn_ctx_clear(rmn_cnn_ctx *c);
void rmn_cnn_ctx_free(rmn_cnn_ctx *c);

/* A convolution layer; *P, *Q (may be NULL) get its output size. RMN_EINTERNAL naming the
 * shape when oneDNN refuses it. */
int rmn_cnn_layer_conv(rmn_cnn_ctx *c, const rmn_cnn_conv_desc *d, rmn_cnn_layer **out, int *P, int *Q);
/* y:(P,Q,C) = max pool k x k, stride st, 'same' (padded cells ignored) over x:(H,W,C). */
int rmn_cnn_layer_maxpool(rmn_cnn_ctx *c, int H, int W, int C, int k, int st, rmn_cnn_layer **out, int *P,
                          int *Q);
/* Runs l: y from x (distinct buffers of the layer's shapes). */
int rmn_cnn_layer_run(rmn_cnn_layer *l, float *y, const float *x);

#endif

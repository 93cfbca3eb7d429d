/* dnnl_internal.h -- shared inside the dnnl backend (dnnl_*.c): the state, the primitive
 * cache and small helpers around the oneDNN C API. Not for use outside src/tensor/dnnl_*.
 *
 * Cache: a list of entries, each keyed by (kind, int key[]) -- the op's shape struct, the
 * batch, flags and (conv, matmul) the state's precision -- and owning its primitives and memory objects. The memory objects have
 * no data of their own: at each call their handles are pointed at the caller's plain NCHW
 * buffers or at slices of the state's arena (blocked layouts, scratchpads, temporaries), so
 * nothing is allocated after an entry exists. Keeping activations blocked between layers
 * later only changes which buffers those handles point to (see docs/PERFORMANCE.md). */
#ifndef RMN_TENSOR_DNNL_INTERNAL_H
#define RMN_TENSOR_DNNL_INTERNAL_H

#include <dnnl.h>

#include "tensor/dnnl_backend.h"

#define RMN_DNNL_KEY 24
#define RMN_DNNL_SLOTS 24

typedef enum {
    RMN_DNNL_CONV_FWD = 1,
    RMN_DNNL_CONV_BWD,
    RMN_DNNL_BN_EVAL,
    RMN_DNNL_BN_BWD_EVAL,
    RMN_DNNL_BN_RELU_EVAL,
    RMN_DNNL_DENSE,
    RMN_DNNL_MATMUL
} rmn_dnnl_kind;

/* One step of an entry: a primitive and its argument list; arg memories are entry slots. */
typedef struct {
    dnnl_primitive_t prim;
    int nargs;
    dnnl_exec_arg_t args[12];
} rmn_dnnl_step;

typedef struct rmn_dnnl_entry {
    int kind;
    int key[RMN_DNNL_KEY];
    int failed;                        /* oneDNN refused: calls go to "cpu" */
    int winograd;
    int aux;                           /* an op's extra slot (conv: diff bias) */
    int nthreads;                      /* the threads its primitives were created for */
    /* memories: slot i points at arena + off[i] when off[i] != (size_t)-1, else at a
     * caller buffer chosen per call */
    dnnl_memory_t mem[RMN_DNNL_SLOTS];
    size_t off[RMN_DNNL_SLOTS];
    int n_mem;
    rmn_dnnl_step step[12];
    int n_step;
    size_t arena_need;                 /* bytes of arena this entry uses */
    struct rmn_dnnl_entry *next;
} rmn_dnnl_entry;

/* A tuned conv algorithm (dnnl_tune.c): shape key, pass (0 fwd, 1 bwd data, 2 bwd weights),
 * algorithm (0 auto, 1 direct, 2 Winograd). */
typedef struct {
    char key[96];
    int pass, alg;
} rmn_dnnl_tune_choice;

typedef struct {
    dnnl_engine_t eng;
    dnnl_stream_t strm;
    rmn_dnnl_entry *head;
    char *arena;                       /* 64-byte aligned, grown only when an entry is made */
    size_t arena_bytes;
    int winograd;
    int dense;                         /* small-map convs as one SGEMM (dnnl_conv.c) */
    rmn_precision precision;           /* of conv, convT and linear entries (set_precision);
                                          part of their cache keys */
    int tune_on, tune_loaded;          /* RMN_DNNL_TUNE=1; its file read */
    char tune_machine[256];
    rmn_dnnl_tune_choice *tune;        /* this machine's choices, from the file and measured */
    int n_tune;
    double *scratch;                   /* the blocked batch norm's partial sums (grown) */
    size_t scratch_len;                /* doubles */
    rmn_dnnl_stats stats;
    char error[160];                   /* a call that could not run (see state_check), or "" */
} rmn_dnnl_state;

/* Finds the entry (kind, key[0..nkey)) built for nthreads threads, or NULL. */
rmn_dnnl_entry *rmn_dnnl_find(rmn_dnnl_state *st, int kind, const int *key, int nkey, int nthreads);
/* Adds a new empty entry with that key (NULL on allocation failure). */
rmn_dnnl_entry *rmn_dnnl_add(rmn_dnnl_state *st, int kind, const int *key, int nkey, int nthreads);
/* Sets OpenMP's thread count to nthreads (> 0) around oneDNN calls, returning the previous
 * one for rmn_dnnl_threads_leave. Primitives are created inside it too: oneDNN sizes some of
 * them (batch norm's barrier-synchronised kernels) by the thread count at creation, and one
 * created for more threads than it runs with waits on threads that never come. */
int  rmn_dnnl_threads_enter(int nthreads);
void rmn_dnnl_threads_leave(int nthreads, int prev);
/* Makes sure the arena holds need bytes (called only while building an entry). */
int rmn_dnnl_arena_reserve(rmn_dnnl_state *st, size_t need);

/* Slot helpers used while building an entry: a memory of desc md bound per call (returns the
 * slot, or -1), or one living in the entry's arena slice (its offset assigned here). */
int rmn_dnnl_slot_user(rmn_dnnl_state *st, rmn_dnnl_entry *e, const dnnl_memory_desc_t *md);
int rmn_dnnl_slot_arena(rmn_dnnl_state *st, rmn_dnnl_entry *e, const dnnl_memory_desc_t *md);
/* Appends a step running pd's primitive (created here, counted) with a user scratchpad slot
 * when pd needs one. args: pairs (DNNL_ARG_*, slot), n pairs. 0 or -1 on failure. */
int rmn_dnnl_step_add(rmn_dnnl_state *st, rmn_dnnl_entry *e, const_dnnl_primitive_desc_t pd,
                      const int *args, int n);
/* A reorder step from slot src to slot dst (accumulating into dst when sum is set). */
int rmn_dnnl_reorder_add(rmn_dnnl_state *st, rmn_dnnl_entry *e, int src, int dst, int sum);
/* Points slot at buf (a caller buffer) or, with buf NULL, at its arena slice. */
void rmn_dnnl_bind(rmn_dnnl_state *st, rmn_dnnl_entry *e, int slot, const void *buf);
/* Binds every arena slot, runs steps [from, to) with nthreads OpenMP threads, waits. */
int rmn_dnnl_run(rmn_dnnl_state *st, rmn_dnnl_entry *e, int from, int to, int nthreads);
/* Plain (n,c,h,w) f32 desc, tag nchw (or `a` for ndim 1, oihw for weights via tag). */
void rmn_dnnl_md(dnnl_memory_desc_t *md, int ndims, const int *dims, dnnl_format_tag_t tag);
/* The same with data type dt (dnnl_bf16 for the inputs of bf16 entries). */
void rmn_dnnl_md_typed(dnnl_memory_desc_t *md, int ndims, const int *dims, dnnl_format_tag_t tag,
                       dnnl_data_type_t dt);
/* The data type of a bf16-capable entry's inputs (src, weights, diff_dst): bf16 at
 * RMN_PRECISION_BF16, else f32. Outputs, diff outputs and bias stay f32. */
dnnl_data_type_t rmn_dnnl_input_type(const rmn_dnnl_state *st);
/* Conv algorithm tuning (dnnl_tune.c). Whether sh's algorithm is tuned (RMN_DNNL_TUNE=1,
 * fp32, 3x3 stride 1, dense); then the algorithm of pass for sh, layout and nthreads: this
 * machine's remembered choice, else the faster of direct and Winograd measured on make's
 * primitive descriptors (make(ctx, alg) returns one, or NULL where oneDNN refuses it). */
typedef dnnl_primitive_desc_t (*rmn_dnnl_tune_make)(const void *ctx, dnnl_alg_kind_t alg);
int rmn_dnnl_tune_applies(const rmn_dnnl_state *st, const rmn_conv2d_shape *sh);
dnnl_alg_kind_t rmn_dnnl_tune(rmn_dnnl_state *st, const rmn_conv2d_shape *sh, unsigned layout,
                              int nthreads, int pass, int bias, rmn_dnnl_tune_make make,
                              const void *ctx);
void rmn_dnnl_tune_free(rmn_dnnl_state *st);

/* The state's scratch of at least len doubles (grown, kept), or NULL when it cannot be. */
double *rmn_dnnl_scratch(rmn_dnnl_state *st, size_t len);
/* Float pointer into the arena for slot (valid until the next entry is made). */
float *rmn_dnnl_arena_ptr(rmn_dnnl_state *st, rmn_dnnl_entry *e, int slot);
/* Whether a call oneDNN refused may run on the plain "cpu"/"ref" kernels instead: yes for
 * plain layouts; for blocked ones no, and the state records the error that state_check
 * reports (what names the op). */
int rmn_dnnl_fallback_ok(rmn_dnnl_state *st, unsigned layout, const char *what);
/* C:(m,n) = op(A) op(B) + beta C, row-major, on oneDNN's AVX-512 SGEMM with nthreads
 * threads (A stored (k,m) when ta is 'T', B stored (n,k) when tb is 'T'); -1 on failure. */
int rmn_dnnl_sgemm(char ta, char tb, int m, int n, int k, const float *a, int lda, const float *b,
                   int ldb, float beta, float *c, int ldc, int nthreads);
/* y[i] += x[i] over count floats with nthreads threads. */
void rmn_dnnl_accumulate(float *y, const float *x, size_t count, int nthreads);
/* A backward result into its output: y = x when fresh, else y += x (count floats). */
void rmn_dnnl_hand_over(float *y, const float *x, size_t count, int fresh, int nthreads);
/* Before a fallback to the plain kernels (which add): zeroes the outputs the call asked to
 * have written fresh -- dx (nx floats) for RMN_FRESH_DX, dw (nw) and db (nb) for
 * RMN_FRESH_DW; NULL outputs are skipped. */
void rmn_dnnl_zero_fresh(unsigned fresh, float *dx, size_t nx, float *dw, size_t nw, float *db,
                         size_t nb);

/* The state (dnnl_state.c), for the op table (dnnl_backend.c): made once per net, freed,
 * and asked after each forward and backward (rmn_backend.state_*). */
int rmn_dnnl_state_create(void **state);
void rmn_dnnl_state_free(void *state);
int rmn_dnnl_state_check(void *state);
/* rmn_backend.set_precision: bf16 needs oneDNN to find AVX512_BF16 (avx512_core_bf16) or AMX
 * on this CPU; otherwise an RMN_EINVAL naming the missing instruction set. */
int rmn_dnnl_set_precision(void *state, rmn_precision p);

/* The op entries, per family; contracts as in backend.h. */
/* conv (dnnl_conv.c) */
void rmn_dnnl_conv_forward(const rmn_exec *ex, float *y, const float *x, const float *w,
                           const float *b, const rmn_conv2d_shape *sh);
void rmn_dnnl_conv_backward(const rmn_exec *ex, float *dx, float *dw, float *db,
                            const float *dy, const float *x, const float *w,
                            const rmn_conv2d_shape *sh);
/* convT (dnnl_convt.c) */
size_t rmn_dnnl_convt_workspace(const rmn_convt2d_shape *sh, int nthreads);
void rmn_dnnl_convt_forward(const rmn_exec *ex, float *y, const float *x, const float *w,
                            const float *b, const rmn_convt2d_shape *sh);
void rmn_dnnl_convt_backward(const rmn_exec *ex, float *dx, float *dw, float *db, const float *dy,
                             const float *x, const float *w, const rmn_convt2d_shape *sh);
/* norm (dnnl_norm.c) */
void rmn_dnnl_bn_forward_train(const rmn_exec *ex, float *y, float *sm, float *si, float *rm,
                               float *rv, const float *x, const float *g, const float *b,
                               int n, int c, int hw, double momentum, double eps);
void rmn_dnnl_bn_forward_eval(const rmn_exec *ex, float *y, const float *x, const float *g,
                              const float *b, const float *rm, const float *rv, int n, int c,
                              int hw, double eps);
void rmn_dnnl_bn_backward_train(const rmn_exec *ex, float *dx, float *dg, float *db,
                                const float *dy, const float *x, const float *g,
                                const float *sm, const float *si, int n, int c, int hw);
void rmn_dnnl_bn_backward_eval(const rmn_exec *ex, float *dx, float *dg, float *db,
                               const float *dy, const float *x, const float *g,
                               const float *rm, const float *rv, int n, int c, int hw,
                               double eps);
void rmn_dnnl_bn_relu_forward_train(const rmn_exec *ex, float *y, uint8_t *mask, float *sm,
                                    float *si, float *rm, float *rv, const float *x,
                                    const float *g, const float *b, int n, int c, int hw,
                                    double momentum, double eps);
void rmn_dnnl_bn_relu_backward_train(const rmn_exec *ex, float *dx, float *dg, float *db,
                                     const float *dy, const uint8_t *mask, const float *x,
                                     const float *g, const float *sm, const float *si, int n,
                                     int c, int hw);
void rmn_dnnl_bn_silu_forward_train(const rmn_exec *ex, float *y, float *coef, float *sm,
                                    float *si, float *rm, float *rv, const float *x,
                                    const float *g, const float *b, int n, int c, int hw,
                                    double momentum, double eps);
void rmn_dnnl_bn_silu_backward_train(const rmn_exec *ex, float *dx, float *dg, float *db,
                                     const float *dy, const float *coef, const float *x,
                                     const float *g, const float *b, const float *sm,
                                     const float *si, int n, int c, int hw);
void rmn_dnnl_bn_relu_forward_eval(const rmn_exec *ex, float *y, const float *x, const float *g,
                                   const float *b, const float *rm, const float *rv, int n, int c,
                                   int hw, double eps);
/* pool (dnnl_pool.c) */
void rmn_dnnl_avgpool_forward(const rmn_exec *ex, float *y, const float *x,
                              const rmn_pool2d_shape *sh);
void rmn_dnnl_avgpool_backward(const rmn_exec *ex, float *dx, const float *dy,
                               const rmn_pool2d_shape *sh);
void rmn_dnnl_maxpool_forward(const rmn_exec *ex, float *y, int32_t *idx, const float *x,
                              const rmn_pool2d_shape *sh);
void rmn_dnnl_maxpool_backward(const rmn_exec *ex, float *dx, const float *dy, const int32_t *idx,
                               const rmn_pool2d_shape *sh);
void rmn_dnnl_gap_forward(const rmn_exec *ex, float *y, const float *x, int n, int c, int hw);
void rmn_dnnl_gap_backward(const rmn_exec *ex, float *dx, const float *dy, int n, int c, int hw);
void rmn_dnnl_chan_mean_forward(const rmn_exec *ex, float *y, const float *x, int n, int c,
                                int hw);
void rmn_dnnl_chan_mean_backward(const rmn_exec *ex, float *dx, const float *dy, int n, int c,
                                 int hw);
void rmn_dnnl_chan_max_forward(const rmn_exec *ex, float *y, int32_t *idx, const float *x, int n,
                               int c, int hw);
void rmn_dnnl_chan_max_backward(const rmn_exec *ex, float *dx, const float *dy,
                                const int32_t *idx, int n, int c, int hw);
void rmn_dnnl_resize_forward(const rmn_exec *ex, float *y, const float *x, int n, int c, int h,
                             int w, int oh, int ow);
void rmn_dnnl_resize_backward(const rmn_exec *ex, float *dx, const float *dy, int n, int c,
                              int h, int w, int oh, int ow);
/* linear (dnnl_linear.c) */
void rmn_dnnl_linear_forward(const rmn_exec *ex, float *y, const float *x, const float *w,
                             const float *b, int n, int in, int out);
void rmn_dnnl_linear_backward(const rmn_exec *ex, float *dx, float *dw, float *db,
                              const float *dy, const float *x, const float *w, int n, int in,
                              int out);
/* The same in f32 whatever the state's precision (dw not NULL): 1x1 convs on 1x1 maps
 * (dnnl_conv.c), whose weight gradient stays f32 as every small map's does */
void rmn_dnnl_linear_forward_f32(const rmn_exec *ex, float *y, const float *x, const float *w,
                                 const float *b, int n, int in, int out);
void rmn_dnnl_linear_backward_f32(const rmn_exec *ex, float *dx, float *dw, float *db,
                                  const float *dy, const float *x, const float *w, int n, int in,
                                  int out);

#endif

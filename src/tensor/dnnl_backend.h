/* dnnl_backend.h -- the "dnnl" backend: conv2d, transposed conv2d and batch norm on oneDNN
 * primitives, linear on oneDNN's SGEMM, max pool and GAP on blocked activations
 * (dnnl_<family>.c; the table in dnnl_backend.c).
 *
 * Entries it leaves NULL (ReLU and the other element-wise ops, binary ops, the other pools,
 * channel softmax, reshape ops) are filled from "cpu" by rmn_backend_resolve. Its state
 * (rmn_backend.state_create) holds the oneDNN engine and stream, a cache of primitives keyed
 * by op kind + shape + batch (each primitive is created once), and one scratch arena shared
 * by all cached primitives for their blocked-layout buffers and oneDNN scratchpads. Results
 * match "ref" within float rounding; a shape oneDNN refuses runs on "cpu" (counted as a
 * fallback). At bf16 (rmn_backend.set_precision, on CPUs with AVX512_BF16 or AMX) the conv,
 * convT and linear entries read bf16 copies of their inputs and write f32 results: within
 * the bound docs/PRECISION.md derives. */
#ifndef RMN_TENSOR_DNNL_BACKEND_H
#define RMN_TENSOR_DNNL_BACKEND_H

#include "tensor/backend.h"

extern const rmn_backend rmn_backend_dnnl;

/* Counters of a dnnl state (for tests and rmn-bench). */
typedef struct {
    long primitives;   /* oneDNN primitives created (convs, reorders, batch norms) */
    long entries;      /* cache entries (one per op kind and shape) */
    long fallbacks;    /* calls served by "cpu" because oneDNN refused the shape */
    long winograd;     /* conv entries that use the Winograd algorithm */
    long dense;        /* conv weight gradients computed as one SGEMM (small maps) */
    long tuned;        /* conv passes whose algorithm was measured (RMN_DNNL_TUNE=1) */
    long tune_reused;  /* conv passes that took a remembered choice */
    size_t arena_bytes;
} rmn_dnnl_stats;
void rmn_dnnl_stats_get(const void *state, rmn_dnnl_stats *out);

/* Conv algorithm policy for entries created from now on: 0 = oneDNN's auto (direct; the
 * default), 1 = Winograd for 3x3 stride-1 where oneDNN accepts it. The environment variable
 * RMN_DNNL_WINOGRAD=0|1 sets the initial value of each new state. */
void rmn_dnnl_set_winograd(void *state, int on);

#endif

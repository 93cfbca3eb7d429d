/* dnnl_state.c -- the dnnl backend's state: engine, stream, primitive cache, shared arena,
 * and the helpers that build and run cache entries (see dnnl_internal.h); the op table is in
 * dnnl_backend.c. */
#include "tensor/dnnl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static size_t round64(size_t b) { return (b + 63) & ~(size_t)63; }

/* oneDNN's OpenMP kernels use omp_get_max_threads(): set it to nthreads around a call and
 * give back the previous value. */
int rmn_dnnl_threads_enter(int nthreads) {
#ifdef _OPENMP
    const int prev = omp_get_max_threads();
    if (nthreads > 0 && nthreads != prev)
        omp_set_num_threads(nthreads);
    return prev;
#else
    (void)nthreads;
    return 1;
#endif
}

void rmn_dnnl_threads_leave(int nthreads, int prev) {
#ifdef _OPENMP
    if (nthreads > 0 && nthreads != prev)
        omp_set_num_threads(prev);
#else
    (void)nthreads;
    (void)prev;
#endif
}

rmn_dnnl_entry *rmn_dnnl_find(rmn_dnnl_state *st, int kind, const int *key, int nkey, int nthreads) {
    for (rmn_dnnl_entry *e = st->head; e; e = e->next)
        if (e->kind == kind && e->nthreads == nthreads && memcmp(e->key, key, (size_t)nkey * sizeof(int)) == 0)
            return e;
    return NULL;
}

rmn_dnnl_entry *rmn_dnnl_add(rmn_dnnl_state *st, int kind, const int *key, int nkey, int nthreads) {
    rmn_dnnl_entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->kind = kind;
    e->nthreads = nthreads;
    memcpy(e->key, key, (size_t)nkey * sizeof(int));
    e->next = st->head;
    st->head = e;
    st->stats.entries++;
    return e;
}

int rmn_dnnl_arena_reserve(rmn_dnnl_state *st, size_t need) {
    if (need <= st->arena_bytes)
        return RMN_OK;
    void *p = NULL;
    if (posix_memalign(&p, 64, round64(need)) != 0)
        return RMN_ERROR(RMN_ENOMEM, "dnnl: cannot allocate a %zu-byte arena", need);
    free(st->arena);
    st->arena = p;
    st->arena_bytes = round64(need);
    st->stats.arena_bytes = st->arena_bytes;
    return RMN_OK;
}

static int new_slot(rmn_dnnl_state *st, rmn_dnnl_entry *e, const dnnl_memory_desc_t *md,
                    size_t off) {
    if (e->n_mem >= RMN_DNNL_SLOTS)
        return -1;
    dnnl_memory_t m;
    if (dnnl_memory_create(&m, md, st->eng, DNNL_MEMORY_NONE) != dnnl_success)
        return -1;
    e->mem[e->n_mem] = m;
    e->off[e->n_mem] = off;
    return e->n_mem++;
}

int rmn_dnnl_slot_user(rmn_dnnl_state *st, rmn_dnnl_entry *e, const dnnl_memory_desc_t *md) {
    return new_slot(st, e, md, (size_t)-1);
}

int rmn_dnnl_slot_arena(rmn_dnnl_state *st, rmn_dnnl_entry *e, const dnnl_memory_desc_t *md) {
    const size_t off = e->arena_need;
    int s = new_slot(st, e, md, off);
    if (s >= 0)
        e->arena_need += round64(dnnl_memory_desc_get_size(md));
    return s;
}

int rmn_dnnl_step_add(rmn_dnnl_state *st, rmn_dnnl_entry *e, const_dnnl_primitive_desc_t pd,
                      const int *args, int n) {
    rmn_dnnl_step *s = &e->step[e->n_step];
    /* room for n pairs and the scratchpad */
    if (e->n_step >= (int)(sizeof e->step / sizeof e->step[0]) ||
        n >= (int)(sizeof s->args / sizeof s->args[0]))
        return -1;
    if (dnnl_primitive_create(&s->prim, pd) != dnnl_success)
        return -1;
    st->stats.primitives++;
    e->n_step++;
    for (int i = 0; i < n; ++i) {
        s->args[i].arg = args[2 * i];
        s->args[i].memory = e->mem[args[2 * i + 1]];
    }
    s->nargs = n;
    const dnnl_memory_desc_t *sp = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    if (sp && dnnl_memory_desc_get_size(sp) > 0) {
        int slot = rmn_dnnl_slot_arena(st, e, sp);
        if (slot < 0)
            return -1;
        s->args[s->nargs].arg = DNNL_ARG_SCRATCHPAD;
        s->args[s->nargs].memory = e->mem[slot];
        s->nargs++;
    }
    return 0;
}

int rmn_dnnl_reorder_add(rmn_dnnl_state *st, rmn_dnnl_entry *e, int src, int dst, int sum) {
    const dnnl_memory_desc_t *smd, *dmd;
    if (dnnl_memory_get_memory_desc(e->mem[src], &smd) != dnnl_success ||
        dnnl_memory_get_memory_desc(e->mem[dst], &dmd) != dnnl_success)
        return -1;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    int rc = -1;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success)
        return -1;
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (sum) {
        if (dnnl_post_ops_create(&po) != dnnl_success ||
            dnnl_post_ops_append_sum(po, 1.0f) != dnnl_success ||
            dnnl_primitive_attr_set_post_ops(attr, po) != dnnl_success)
            goto out;
    }
    dnnl_primitive_desc_t pd;
    if (dnnl_reorder_primitive_desc_create(&pd, smd, st->eng, dmd, st->eng, attr) !=
        dnnl_success)
        goto out;
    const int args[4] = {DNNL_ARG_FROM, src, DNNL_ARG_TO, dst};
    rc = rmn_dnnl_step_add(st, e, pd, args, 2);
    dnnl_primitive_desc_destroy(pd);
out:
    if (po)
        dnnl_post_ops_destroy(po);
    dnnl_primitive_attr_destroy(attr);
    return rc;
}

void rmn_dnnl_bind(rmn_dnnl_state *st, rmn_dnnl_entry *e, int slot, const void *buf) {
    (void)st;
    dnnl_memory_set_data_handle(e->mem[slot], (void *)buf);
}

float *rmn_dnnl_arena_ptr(rmn_dnnl_state *st, rmn_dnnl_entry *e, int slot) {
    return (float *)(st->arena + e->off[slot]);
}

int rmn_dnnl_run(rmn_dnnl_state *st, rmn_dnnl_entry *e, int from, int to, int nthreads) {
    for (int i = 0; i < e->n_mem; ++i)
        if (e->off[i] != (size_t)-1)
            dnnl_memory_set_data_handle(e->mem[i], st->arena + e->off[i]);
    const int prev = rmn_dnnl_threads_enter(nthreads);
    int rc = RMN_OK;
    for (int i = from; i < to && rc == RMN_OK; ++i) {
        const rmn_dnnl_step *s = &e->step[i];
        dnnl_status_t ds = dnnl_primitive_execute(s->prim, st->strm, s->nargs, s->args);
        if (ds != dnnl_success) {
            rc = RMN_EINTERNAL;
            if (rmn_env_get("RMN_DNNL_DEBUG"))
                rmn_log(RMN_LOG_DEBUG, "dnnl: kind %d step %d failed: %d", e->kind, i, (int)ds);
        }
    }
    if (dnnl_stream_wait(st->strm) != dnnl_success)
        rc = RMN_EINTERNAL;
    rmn_dnnl_threads_leave(nthreads, prev);
    return rc;
}

void rmn_dnnl_md_typed(dnnl_memory_desc_t *md, int ndims, const int *dims, dnnl_format_tag_t tag,
                       dnnl_data_type_t dt) {
    dnnl_dims_t d;
    for (int i = 0; i < ndims; ++i)
        d[i] = dims[i];
    dnnl_memory_desc_init_by_tag(md, ndims, d, dt, tag);
}

void rmn_dnnl_md(dnnl_memory_desc_t *md, int ndims, const int *dims, dnnl_format_tag_t tag) {
    rmn_dnnl_md_typed(md, ndims, dims, tag, dnnl_f32);
}

dnnl_data_type_t rmn_dnnl_input_type(const rmn_dnnl_state *st) {
    return st->precision == RMN_PRECISION_BF16 ? dnnl_bf16 : dnnl_f32;
}

void rmn_dnnl_accumulate(float *y, const float *x, size_t count, int nthreads) {
    const long n = (long)count;
    (void)nthreads;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nthreads > 0 ? nthreads : 1) \
    if (count > 65536)
#endif
    for (long i = 0; i < n; ++i)
        y[i] += x[i];
}

void rmn_dnnl_hand_over(float *y, const float *x, size_t count, int fresh, int nthreads) {
    if (fresh)
        memcpy(y, x, count * sizeof(float));
    else
        rmn_dnnl_accumulate(y, x, count, nthreads);
}

void rmn_dnnl_zero_fresh(unsigned fresh, float *dx, size_t nx, float *dw, size_t nw, float *db,
                         size_t nb) {
    if (dx && (fresh & RMN_FRESH_DX))
        memset(dx, 0, nx * sizeof(float));
    if (dw && (fresh & RMN_FRESH_DW))
        memset(dw, 0, nw * sizeof(float));
    if (db && (fresh & RMN_FRESH_DW))
        memset(db, 0, nb * sizeof(float));
}

static void entry_free(rmn_dnnl_entry *e) {
    for (int i = 0; i < e->n_step; ++i)
        dnnl_primitive_destroy(e->step[i].prim);
    for (int i = 0; i < e->n_mem; ++i)
        dnnl_memory_destroy(e->mem[i]);
    free(e);
}

void rmn_dnnl_state_free(void *state) {
    rmn_dnnl_state *st = state;
    if (!st)
        return;
    while (st->head) {
        rmn_dnnl_entry *e = st->head;
        st->head = e->next;
        entry_free(e);
    }
    if (st->strm)
        dnnl_stream_destroy(st->strm);
    if (st->eng)
        dnnl_engine_destroy(st->eng);
    free(st->arena);
    free(st->scratch);
    rmn_dnnl_tune_free(st);
    free(st);
}

double *rmn_dnnl_scratch(rmn_dnnl_state *st, size_t len) {
    if (len > st->scratch_len) {
        void *p = NULL;
        if (posix_memalign(&p, 64, round64(len * sizeof(double))) != 0)
            return NULL;
        free(st->scratch);
        st->scratch = p;
        st->scratch_len = round64(len * sizeof(double)) / sizeof(double);
    }
    return st->scratch;
}

int rmn_dnnl_state_create(void **out) {
    *out = NULL;
    rmn_dnnl_state *st = calloc(1, sizeof *st);
    if (!st)
        return RMN_ERROR(RMN_ENOMEM, "dnnl: cannot allocate the backend state");
    if (dnnl_engine_create(&st->eng, dnnl_cpu, 0) != dnnl_success ||
        dnnl_stream_create(&st->strm, st->eng, dnnl_stream_default_flags) != dnnl_success) {
        rmn_dnnl_state_free(st);
        return RMN_ERROR(RMN_EINTERNAL, "dnnl: cannot create the oneDNN CPU engine or stream");
    }
    const char *wg = rmn_env_get("RMN_DNNL_WINOGRAD"), *dense = rmn_env_get("RMN_DNNL_DENSE");
    st->winograd = wg && wg[0] == '1';
    st->dense = !(dense && dense[0] == '0');
    const char *tune = rmn_env_get("RMN_DNNL_TUNE");
    st->tune_on = tune && tune[0] == '1';
    *out = st;
    return RMN_OK;
}

int rmn_dnnl_sgemm(char ta, char tb, int m, int n, int k, const float *a, int lda, const float *b,
                   int ldb, float beta, float *c, int ldc, int nthreads) {
    const int prev = rmn_dnnl_threads_enter(nthreads);
    const dnnl_status_t s = dnnl_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
    rmn_dnnl_threads_leave(nthreads, prev);
    return s == dnnl_success ? 0 : -1;
}

int rmn_dnnl_fallback_ok(rmn_dnnl_state *st, unsigned layout, const char *what) {
    if (!layout)
        return 1;
    if (st && !st->error[0])
        snprintf(st->error, sizeof st->error,
                 "dnnl: oneDNN refused a %s on blocked (nChw16c) activations", what);
    return 0;
}

int rmn_dnnl_state_check(void *state) {
    rmn_dnnl_state *st = state;
    if (!st || !st->error[0])
        return RMN_OK;
    int rc = RMN_ERROR(RMN_EINTERNAL, "%s", st->error);
    st->error[0] = '\0';
    return rc;
}

void rmn_dnnl_stats_get(const void *state, rmn_dnnl_stats *out) {
    const rmn_dnnl_state *st = state;
    memset(out, 0, sizeof *out);
    if (st)
        *out = st->stats;
}

/* oneDNN's name of an ISA level, for messages */
static const char *isa_name(dnnl_cpu_isa_t isa) {
    static const struct { dnnl_cpu_isa_t isa; const char *name; } names[] = {
        {dnnl_cpu_isa_avx512_core_amx, "AVX512_CORE_AMX"}, {dnnl_cpu_isa_avx512_core_bf16, "AVX512_CORE_BF16"},
        {dnnl_cpu_isa_avx512_core_vnni, "AVX512_CORE_VNNI"}, {dnnl_cpu_isa_avx512_core, "AVX512_CORE"},
        {dnnl_cpu_isa_avx2_vnni, "AVX2_VNNI"}, {dnnl_cpu_isa_avx2, "AVX2"}, {dnnl_cpu_isa_avx, "AVX"},
        {dnnl_cpu_isa_sse41, "SSE41"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
        if (isa == names[i].isa)
            return names[i].name;
    return "an older ISA";
}

int rmn_dnnl_set_precision(void *state, rmn_precision p) {
    rmn_dnnl_state *st = state;
    if (p == RMN_PRECISION_BF16) {
        /* the ISA levels are bit sets: AMX's holds AVX512_CORE_BF16's bits */
        const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
        if (((unsigned)isa & (unsigned)dnnl_cpu_isa_avx512_core_bf16) != (unsigned)dnnl_cpu_isa_avx512_core_bf16)
            return RMN_ERROR(RMN_EINVAL,
                             "bf16 needs a CPU with AVX512_BF16 (oneDNN's avx512_core_bf16) or AMX; oneDNN "
                             "finds %s here (or DNNL_MAX_CPU_ISA caps it)",
                             isa_name(isa));
    } else if (p != RMN_PRECISION_FP32) {
        return RMN_ERROR(RMN_EINVAL, "dnnl: unknown precision %d", (int)p);
    }
    if (st)
        st->precision = p;
    return RMN_OK;
}

void rmn_dnnl_set_winograd(void *state, int on) {
    if (state)
        ((rmn_dnnl_state *)state)->winograd = on != 0;
}

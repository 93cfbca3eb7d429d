/* dnnl_tune.c -- the conv algorithm of each pass chosen by measurement, as cuDNN's benchmark
 * mode does, when RMN_DNNL_TUNE=1: for a 3x3 stride-1 conv in fp32 (where oneDNN has both
 * direct and Winograd kernels and neither wins everywhere: measured, resnet18-tv48 at batch
 * 16 trains 6 % faster with direct everywhere, at batch 64 the static rule of dnnl_conv.c
 * wins), each candidate's primitive runs on scratch buffers of the entry's shape, layout,
 * batch and threads, and the fastest is kept -- in the state, and appended to a per-machine
 * file so that later processes reuse the choice without measuring:
 *   $RMN_DNNL_TUNE_FILE, else conv-tune.tsv in rmn's cache folder (core/datadir.h)
 * Its lines: machine <TAB> shape key <TAB> pass <TAB> algorithm. The machine is oneDNN's CPU
 * ISA, the CPU's model name and its core count; lines of other machines are kept and ignored,
 * malformed ones ignored. A choice changes the float order of a conv, so runs tuned on
 * different machines (or with different files) differ in their last bits; off by default,
 * the static rule is the same everywhere. */
#include "core/datadir.h"
#include "core/env.h"
#include "core/error.h"
#include "core/log.h"
#include "tensor/dnnl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The file of choices; "" when there is none to use. */
static void tune_path(char *out, size_t cap) {
    const char *f = rmn_env_get("RMN_DNNL_TUNE_FILE");
    char dir[4096];
    out[0] = '\0';
    if (f && *f)
        snprintf(out, cap, "%s", f);
    else if (rmn_cache_dir(dir, sizeof dir) == RMN_OK && strlen(dir) + 16 < cap)
        snprintf(out, cap, "%.*s/conv-tune.tsv", (int)(cap - 16), dir);
    else
        rmn_error_clear();
}

/* "isa=N;cpu=MODEL NAME;cores=N", tabs and newlines out */
static void machine_id(char *out, size_t cap) {
    char model[128] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            const char *v = strchr(line, ':');
            if (v) {
                snprintf(model, sizeof model, "%s", v + 1 + (v[1] == ' '));
                model[strcspn(model, "\t\n")] = '\0';
            }
            break;
        }
    if (f)
        fclose(f);
    snprintf(out, cap, "isa=%d;cpu=%s;cores=%ld", (int)dnnl_get_effective_cpu_isa(), model,
             sysconf(_SC_NPROCESSORS_ONLN));
}

static const char *const ALG_NAMES[3] = {"auto", "direct", "winograd"};
static const dnnl_alg_kind_t ALGS[3] = {dnnl_convolution_auto, dnnl_convolution_direct,
                                        dnnl_convolution_winograd};

/* "n,c,h,w,k,r,s,stride,pad,layout,threads" (the tuned convs are 3x3 stride 1, fp32) */
static void shape_key(char *out, size_t cap, const rmn_conv2d_shape *sh, unsigned layout,
                      int nthreads) {
    snprintf(out, cap, "%d,%d,%d,%d,%d,%d,%d,%d,%d,%u,%d", sh->n, sh->c, sh->h, sh->w, sh->k,
             sh->r, sh->s, sh->stride_h, sh->pad_h, layout, nthreads);
}

/* Adds a choice to the state's list; 0, or -1 when the list cannot grow. */
static int add_choice(rmn_dnnl_state *st, const char *key, int pass, int alg) {
    rmn_dnnl_tune_choice *c = realloc(st->tune, (size_t)(st->n_tune + 1) * sizeof *c);
    if (!c)
        return -1;
    st->tune = c;
    snprintf(c[st->n_tune].key, sizeof c[st->n_tune].key, "%s", key);
    c[st->n_tune].pass = pass;
    c[st->n_tune].alg = alg;
    st->n_tune++;
    return 0;
}

/* Loads this machine's lines of the file into st->tune (once). */
static void load(rmn_dnnl_state *st) {
    st->tune_loaded = 1;
    machine_id(st->tune_machine, sizeof st->tune_machine);
    char path[1024];
    tune_path(path, sizeof path);
    FILE *f = path[0] ? fopen(path, "r") : NULL;
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *machine = strtok(line, "\t\n"), *key = strtok(NULL, "\t\n");
        char *pass = strtok(NULL, "\t\n"), *alg = strtok(NULL, "\t\n");
        if (!machine || !key || !pass || !alg || strcmp(machine, st->tune_machine) != 0)
            continue;
        int a = -1;
        for (int i = 0; i < 3; ++i)
            if (strcmp(alg, ALG_NAMES[i]) == 0)
                a = i;
        const int p = atoi(pass);
        if (a < 0 || p < 0 || p > 2 || strlen(key) >= sizeof st->tune[0].key)
            continue;
        if (add_choice(st, key, p, a) != 0)
            break;
    }
    fclose(f);
}

/* Appends a choice to the file (one short line per write: O_APPEND keeps concurrent writers'
 * lines whole); a file that cannot be written only loses the memo. */
static void remember(rmn_dnnl_state *st, const char *key, int pass, int alg) {
    add_choice(st, key, pass, alg); /* without room, measured again next time: no harm */
    char path[1024];
    tune_path(path, sizeof path);
    if (!path[0])
        return;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) { /* make the directory and its parent (~/.cache/rmn) */
        *slash = '\0';
        char *up = strrchr(dir, '/');
        if (up && up != dir) {
            *up = '\0';
            mkdir(dir, 0755);
            *up = '/';
        }
        mkdir(dir, 0755);
    }
    FILE *f = fopen(path, "a");
    if (!f) {
        rmn_warning("RMN_DNNL_TUNE: cannot write %s (%s): choices kept for this process only",
                     path, strerror(errno));
        return;
    }
    fprintf(f, "%s\t%s\t%d\t%s\n", st->tune_machine, key, pass, ALG_NAMES[alg]);
    fclose(f);
}

/* Median-free best of 3 timed runs (after one untimed) of pd's primitive on zeroed scratch
 * memories for its arguments; a negative time when it cannot run. */
static double time_pd(rmn_dnnl_state *st, const_dnnl_primitive_desc_t pd, int pass, int bias) {
    static const int fwd_args[4] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_BIAS};
    static const int bd_args[3] = {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC};
    static const int bw_args[4] = {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS,
                                   DNNL_ARG_DIFF_BIAS};
    static const dnnl_query_t fwd_q[4] = {dnnl_query_src_md, dnnl_query_weights_md,
                                          dnnl_query_dst_md, dnnl_query_weights_md};
    static const dnnl_query_t bd_q[3] = {dnnl_query_diff_dst_md, dnnl_query_weights_md,
                                         dnnl_query_diff_src_md};
    static const dnnl_query_t bw_q[4] = {dnnl_query_src_md, dnnl_query_diff_dst_md,
                                         dnnl_query_diff_weights_md, dnnl_query_diff_weights_md};
    const int *ids = pass == 0 ? fwd_args : pass == 1 ? bd_args : bw_args;
    const dnnl_query_t *qs = pass == 0 ? fwd_q : pass == 1 ? bd_q : bw_q;
    const int nargs = (pass == 1 ? 3 : 3 + (bias != 0)) + 1; /* + the scratchpad */
    dnnl_exec_arg_t args[5];
    dnnl_memory_t mem[5] = {NULL};
    dnnl_primitive_t prim = NULL;
    double best = -1.0;
    int ok = dnnl_primitive_create(&prim, pd) == dnnl_success;
    for (int i = 0; ok && i < nargs; ++i) {
        const int scratch = i == nargs - 1;
        const dnnl_memory_desc_t *md =
            scratch ? dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)
                    : dnnl_primitive_desc_query_md(pd, qs[i], i == 3 ? 1 : 0);
        ok = md && dnnl_memory_create(&mem[i], md, st->eng, DNNL_MEMORY_ALLOCATE) == dnnl_success;
        void *h = NULL;
        if (ok && dnnl_memory_get_data_handle(mem[i], &h) == dnnl_success && h)
            memset(h, 0, dnnl_memory_desc_get_size(md));
        args[i].arg = scratch ? DNNL_ARG_SCRATCHPAD : ids[i];
        args[i].memory = mem[i];
    }
    for (int run = 0; ok && run < 4; ++run) {
        const double t0 = now_s();
        ok = dnnl_primitive_execute(prim, st->strm, nargs, args) == dnnl_success &&
             dnnl_stream_wait(st->strm) == dnnl_success;
        const double dt = now_s() - t0;
        if (ok && run > 0 && (best < 0 || dt < best))
            best = dt;
    }
    for (int i = 0; i < 5; ++i)
        if (mem[i])
            dnnl_memory_destroy(mem[i]);
    if (prim)
        dnnl_primitive_destroy(prim);
    return ok ? best : -1.0;
}

int rmn_dnnl_tune_applies(const rmn_dnnl_state *st, const rmn_conv2d_shape *sh) {
    return st->tune_on && st->precision == RMN_PRECISION_FP32 && sh->r == 3 && sh->s == 3 &&
           sh->stride_h == 1 && sh->stride_w == 1 && (sh->dil_h <= 1) && (sh->dil_w <= 1) &&
           (sh->groups <= 1);
}

dnnl_alg_kind_t rmn_dnnl_tune(rmn_dnnl_state *st, const rmn_conv2d_shape *sh, unsigned layout,
                              int nthreads, int pass, int bias, rmn_dnnl_tune_make make,
                              const void *ctx) {
    if (!st->tune_loaded)
        load(st);
    char key[sizeof st->tune[0].key];
    shape_key(key, sizeof key, sh, layout, nthreads);
    for (int i = 0; i < st->n_tune; ++i)
        if (st->tune[i].pass == pass && strcmp(st->tune[i].key, key) == 0) {
            st->stats.tune_reused++;
            return ALGS[st->tune[i].alg];
        }
    /* measure direct and Winograd (where oneDNN takes the shape) */
    double best = -1.0;
    int pick = 0;
    for (int a = 1; a <= 2; ++a) {
        dnnl_primitive_desc_t pd = make(ctx, ALGS[a]);
        if (!pd)
            continue;
        const double t = time_pd(st, pd, pass, bias);
        dnnl_primitive_desc_destroy(pd);
        if (t >= 0 && (best < 0 || t < best))
            best = t, pick = a;
    }
    st->stats.tuned++;
    remember(st, key, pass, pick);
    return ALGS[pick];
}

void rmn_dnnl_tune_free(rmn_dnnl_state *st) {
    free(st->tune);
    st->tune = NULL;
    st->n_tune = 0;
}

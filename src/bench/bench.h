/* bench.h -- the measurements behind rmn-bench: one conv op, a registered model's training or
 * inference step, the machine's FMA peak; and a profiling backend that times every op a
 * model calls. Each measurement warms up, then times `steps` steps and reports the median. */
#ifndef RMN_BENCH_BENCH_H
#define RMN_BENCH_BENCH_H

#include <stddef.h>

#include "detect/detect.h"
#include "core/precision.h"
#include "detect/model.h"
#include "tensor/ops.h"

/* INFER: rmn_net_infer (fused); EVAL: rmn_net_forward in eval mode (unfused, for comparison) */
typedef enum { RMN_BENCH_FWD, RMN_BENCH_BWD, RMN_BENCH_TRAIN, RMN_BENCH_INFER, RMN_BENCH_EVAL } rmn_bench_mode;

/* "fwd" "bwd" "train" "infer" "eval" -> mode; RMN_EINVAL otherwise. */
int rmn_bench_mode_parse(const char *s, rmn_bench_mode *mode);
const char *rmn_bench_mode_name(rmn_bench_mode mode);

typedef struct {
    double median_s, min_s, max_s; /* seconds per step over the timed steps */
    double gflop;                  /* floating-point work of one step (conv/linear MACs x 2) */
    double images_per_s, gflops;   /* batch / median, gflop / median */
    int steps;
} rmn_bench_result;

/* Per-op time of one model step (mean over the timed steps), sorted by time, descending. */
typedef struct {
    char op[48];
    double seconds, gflop;
    long calls; /* per step */
} rmn_bench_prof_row;
#define RMN_BENCH_PROF_MAX 48
#define RMN_BENCH_PROF_CONVS_MAX 512

/* A model step's profile: the per-op rows, and the conv rows per distinct shape and pass. */
typedef struct {
    rmn_bench_prof_row ops[RMN_BENCH_PROF_MAX];
    rmn_bench_prof_row convs[RMN_BENCH_PROF_CONVS_MAX];
    int nops, nconvs;
} rmn_bench_profile;

typedef struct {
    rmn_conv2d_shape sh;
    const char *backend;
    rmn_bench_mode mode; /* FWD, BWD (data + weights), TRAIN (both) */
    int nthreads, warmup, steps;
    int winograd; /* -1 leave the backend's default, else 0/1 (dnnl only) */
    int layout16; /* x, y, dx, dy in nChw16c, as the graph keeps them between layers (dnnl,
                     channels multiples of 16; else plain NCHW, PyTorch's layout) */
    rmn_precision precision; /* fp32 (0) or bf16 (dnnl on AVX512_BF16; else an error) */
} rmn_bench_conv_opts;

/* Times conv2d on random data with the backend; the backward writes dx, dw, db fresh where
 * the backend can (as a network's first writer does, and as PyTorch's autograd does).
 * RMN_ENOTFOUND for an unknown backend. */
int rmn_bench_conv(const rmn_bench_conv_opts *o, rmn_bench_result *r);

typedef struct {
    const char *model, *backend;
    rmn_bench_mode mode; /* TRAIN (forward + loss + backward), INFER (rmn_net_infer) or EVAL
                            (rmn_net_forward in eval mode) */
    const char *optimizer; /* TRAIN only: NULL or "none" (no step), else an optim/ kind ("sgd",
                              "radam", ...): the trainer's optimizer with the trainer's defaults
                              stepping the net's parameters after backward, inside the timing */
    int batch, nthreads, warmup, steps, image_size, in_channels, num_classes;
    int width; /* 0 = the model's default */
    int winograd;
    rmn_precision precision; /* fp32 (0) or bf16 (rmn_net_set_precision; refused: an error) */
} rmn_bench_model_opts;

/* Times a model step; fills prof, when non-NULL, with the per-op breakdown (the optimizer's
 * step its own row, "optimizer_step") and the per-shape conv rows, each per step.
 * RMN_ENOTFOUND for an unknown model or backend; RMN_EINVAL for an unknown optimizer or one
 * outside TRAIN. */
int rmn_bench_model(const rmn_bench_model_opts *o, rmn_bench_result *r, rmn_bench_profile *prof);

/* FMA peak of nthreads threads running independent fused multiply-adds for about seconds:
 * GFLOP/s with 256-bit (AVX2+FMA) and 512-bit (AVX-512F) vectors; 0 where the CPU lacks it. */
void rmn_bench_peak(int nthreads, double seconds, double *gflops_avx2, double *gflops_avx512);

/* The gradients of one step, floats of them, summed over the MPI ranks (run under mpirun) in
 * buckets of bucket floats as the trainer sums them, timed alone (allreduce.c): warmup, then
 * steps steps; r's times are the ranks' mean per step; *buckets the bucket count. */
int rmn_bench_allreduce(size_t floats, size_t bucket, int warmup, int steps, rmn_bench_result *r,
                        int *buckets);

// --- detection (detect.c) ------------------------------------------------------------------

typedef struct {
    long   runs, faces;      /* runs over all images; faces classified (without a model:
                                detected) in all runs */
    double detect_s, all_s;  /* total seconds: detection alone; detection + classification
                                (0 without a model) */
} rmn_bench_detect_result;

/* Each image of paths (decoded once, outside the timing) runs runs_per_image times: detection
 * alone, then (with a model) detection and classification of every face. */
int rmn_bench_detect(const rmn_cascade *cascade, const rmn_detect_params *params,
                     rmn_detect_model *model, const char *const *paths, int npaths,
                     int runs_per_image, rmn_bench_detect_result *r);
/* The same with any detector of detect/detector.h (detect_cnn.c). */
struct rmn_detector;
int rmn_bench_detector(const struct rmn_detector *d, rmn_detect_model *model, const char *const *paths, int npaths,
                       int runs_per_image, rmn_bench_detect_result *r);


// --- timing (timing.c) -------------------------------------------------------------------

/* Monotonic seconds. */
double rmn_bench_now(void);
/* Median of v[0..n) (sorts v). */
double rmn_bench_median(double *v, int n);

// --- profiling backend (profile.c) --------------------------------------------------------

struct rmn_backend;
/* Sets out to a copy of inner (resolved) whose main entries time themselves and count their
 * FLOPs into a global profile (one profiled net at a time, single caller thread). */
void rmn_bench_prof_wrap(const struct rmn_backend *inner, struct rmn_backend *out);
void rmn_bench_prof_reset(void);
/* Adds seconds of one optimizer step to the profile (its row "optimizer_step"). */
void rmn_bench_prof_optimizer(double seconds);
/* Copies the profile so far (totals since reset), sorted by time; returns the row count. */
int rmn_bench_prof_rows(rmn_bench_prof_row *rows, int max);
/* The conv rows of the profile per distinct shape and pass ("fwd 3x3/1 g1 64->64 @12x12",
 * "bwd ..."), sorted by time; returns the row count. */
int rmn_bench_prof_conv_rows(rmn_bench_prof_row *rows, int max);

#endif

/* rmn-bench.c -- engine benchmarks: one conv (--op conv --shape ...), a registered model's
 * step (--model NAME), the distinct convs of a ResNet at 48x48 (--suite resnet-convs), or the
 * machine's FMA peak (--peak). One line per measurement, JSON with --json. Thin: the work is
 * in src/bench. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/args.h"
#include "cli/convention.h"
#include "core/error.h"
#include "cli/rmn-bench-video.h"
#include "core/threads.h"
#include "detect/detector.h"
#include "detect/paths.h"
#include "dist/dist.h"
#include "models/zoo.h"
#include "nn/net.h"
#include "optim/optimizer.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static const char USAGE[] =
    "Usage: rmn-bench --op conv --shape N,C,H,W,K,kh,kw,stride,pad [--mode fwd|bwd|train] [--layout16]\n"
    "  or:  rmn-bench --model NAME [--batch 64] [--mode train|infer|eval] [--optimizer NAME] [--profile]\n"
    "  or:  rmn-bench --suite resnet-convs [--batch 64] [--layout16]\n"
    "  or:  rmn-bench --peak\n"
    "  or:  mpirun -np N rmn-bench --allreduce [--model NAME] [--max-gradient-mb 1024]\n"
    "  or:  rmn-bench --detect [--checkpoint FILE | --faces-only] [--cascade NAME] IMAGE...\n"
    "  or:  rmn-bench --detect --detector ssd|tiny|haar|lbp|all [OPTION]... IMAGE...\n"
    "  or:  rmn-bench --video [--detector NAME]... [--threads T] FILE\n"
    "Measure the engine and the detectors: ops, models, the FMA peak, detection speed.\n"
    "Each measurement reports the median seconds per step, images/s and GFLOP/s (--detect: the\n"
    "mean over --steps runs per image, decoding excluded), one line each, JSON with --json.\n"
    "\n"
    "Options:\n"
    "  --op conv          one convolution of --shape N,C,H,W,K,kh,kw,stride,pad\n"
    "  --layout16         activations in nChw16c, as between rmn's layers\n"
    "  --model NAME       a registered model's step (train: forward, loss, backward; infer: fused\n"
    "                     inference; eval: the unfused eval-mode forward)\n"
    "  --optimizer NAME   with --model, train mode: none (the default, the step without it, as\n"
    "                     earlier figures), or the trainer's optimizer stepping the parameters\n"
    "                     after backward, inside the timing and a --profile row of its own: sgd\n"
    "                     (momentum 0.9, L2 weight decay 1e-3), radam (the thesis's, decoupled\n"
    "                     weight decay 1e-3), adam, adamw; lr 1e-4 (rmn-train's defaults)\n"
    "  --suite resnet-convs  the distinct convolutions of a ResNet at 48x48\n"
    "  --peak             the machine's FMA peak\n"
    "  --allreduce        one step's gradients summed over the N ranks of mpirun in the trainer's\n"
    "                     buckets, per model of the --image-size profile (or --model NAME)\n"
    "  --max-gradient-mb M  with --allreduce: skip models with more MiB of gradients (default 1024)\n"
    "  --detect           face detection, and detection + emotion classification, per image\n"
    "                     (the checkpoint defaults to the shipped model, as rmn-detect's)\n"
    "  --detector NAME    with --detect: ssd, tiny, haar, lbp or all (one JSON line per detector;\n"
    "                     all: the four, CNNs skipped with a message without face-api's weights)\n"
    "  --video            frames/s of rmn-detect on a video: decode + detect + classify + encode\n"
    "                     (rmn-bench --video --help)\n"
    "  --backend B        ref, cpu or dnnl (default dnnl)\n"
    "  --threads T        OpenMP threads (0 = OpenMP's default)\n"
    "  --steps S          timed steps (default 10)\n"
    "  --warmup W         untimed steps first (default 2)\n"
    "  --winograd 0|1     oneDNN's Winograd convolutions\n"
    "  --precision P      fp32 (default) or bf16: convolutions and linear layers from bf16\n"
    "                     inputs and weights, fp32 accumulation (dnnl on a CPU with\n"
    "                     AVX512_BF16 or AMX; elsewhere a warning and fp32)\n"
    "  --image-size N, --in-channels C, --classes K, --width W   the model's shape (default 48,\n"
    "                     1, 7, the model's width)\n"
    "  --json             JSON lines\n"
    "  -h, --help         display this help and exit\n"
    "  --version          display the version, commit and build options and exit\n"
    "\n"
    "Exit status: 0 success, 1 error, 2 usage.\n";

typedef struct {
    const char *backend;
    int threads, steps, warmup, winograd, json, profile, batch, layout16;
    int image_size, in_channels, classes;
    int width; /* channel width at the 48 profile (0 = the model's default) */
    rmn_precision precision;
    double max_gradient_mb; /* --allreduce: larger models are skipped (memory) */
    rmn_bench_mode mode;
    int mode_set;
    const char *optimizer; /* --model train: NULL (none) or an optim/ kind name */
} opts;

static rmn_cli cli;

static int fail(void) { return rmn_cli_fail(&cli); }

static int usage_error(const char *msg) { return rmn_cli_usage_error(&cli, "%s", msg); }

/* 0 on success, -1 otherwise (the callers' convention) */
static int parse_int(const char *s, int lo, int hi, int *out) { return rmn_parse_int(s, lo, hi, out) ? 0 : -1; }

static void put_result(json_t *o, const rmn_bench_result *r) {
    json_object_set_new(o, "median_s", json_real(r->median_s));
    json_object_set_new(o, "min_s", json_real(r->min_s));
    json_object_set_new(o, "max_s", json_real(r->max_s));
    json_object_set_new(o, "steps", json_integer(r->steps));
    json_object_set_new(o, "gflop_per_step", json_real(r->gflop));
    json_object_set_new(o, "images_per_s", json_real(r->images_per_s));
    json_object_set_new(o, "gflops", json_real(r->gflops));
}

static void emit(json_t *o, int as_json) {
    if (as_json) {
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
        if (s)
            puts(s);
        free(s);
    } else {
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v) {
            if (json_is_array(v) || json_is_object(v))
                continue;
            char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(4));
            printf("%s=%s ", k, s ? s : "?");
            free(s);
        }
        putchar('\n');
        static const char *const sections[] = {"profile", "profile_convs"};
        for (int s = 0; s < 2; ++s) {
            json_t *prof = json_object_get(o, sections[s]);
            size_t i;
            if (s == 1 && json_array_size(prof))
                printf("  per conv shape (fwd; bwd = dx + dw):\n");
            json_array_foreach(prof, i, v) {
                printf("  %-*s %9.3f ms %5lld calls %8.2f GFLOP/s\n", s ? 34 : 14,
                       json_string_value(json_object_get(v, "op")),
                       json_real_value(json_object_get(v, "ms")),
                       json_integer_value(json_object_get(v, "calls")),
                       json_real_value(json_object_get(v, "gflops")));
            }
        }
    }
    fflush(stdout);
    json_decref(o);
}

static json_t *header(const char *kind, const opts *o, const char *mode) {
    json_t *j = json_object();
    json_object_set_new(j, "kind", json_string(kind));
    json_object_set_new(j, "backend", json_string(o->backend));
    json_object_set_new(j, "threads", json_integer(o->threads));
    json_object_set_new(j, "mode", json_string(mode));
    json_object_set_new(j, "winograd", json_integer(o->winograd));
    json_object_set_new(j, "precision", json_string(rmn_precision_name(o->precision)));
    if (o->layout16)
        json_object_set_new(j, "layout16", json_true());
    return j;
}

static int bench_conv(const opts *o, const int s[9], const char *label) {
    rmn_bench_conv_opts c = {.backend = o->backend, .mode = o->mode_set ? o->mode : RMN_BENCH_FWD,
                             .nthreads = o->threads, .warmup = o->warmup, .steps = o->steps,
                             .winograd = o->winograd, .layout16 = o->layout16,
                             .precision = o->precision};
    if (c.mode == RMN_BENCH_INFER || c.mode == RMN_BENCH_EVAL)
        c.mode = RMN_BENCH_FWD;
    const rmn_conv_params p = {.kh = s[5], .kw = s[6], .stride_h = s[7], .stride_w = s[7],
                               .pad_h = s[8], .pad_w = s[8]};
    RMN_TRY(rmn_conv2d_shape_full(&c.sh, s[0], s[1], s[2], s[3], s[4], &p));
    rmn_bench_result r;
    RMN_TRY(rmn_bench_conv(&c, &r));
    json_t *j = header("op", o, rmn_bench_mode_name(c.mode));
    json_object_set_new(j, "op", json_string("conv"));
    if (label)
        json_object_set_new(j, "label", json_string(label));
    char shape[128];
    snprintf(shape, sizeof shape, "%d,%d,%d,%d,%d,%d,%d,%d,%d", s[0], s[1], s[2], s[3], s[4],
             s[5], s[6], s[7], s[8]);
    json_object_set_new(j, "shape", json_string(shape));
    json_object_set_new(j, "batch", json_integer(s[0]));
    put_result(j, &r);
    emit(j, o->json);
    return RMN_OK;
}

/* Profile rows as JSON: op, ms, calls (per step), share of the step, GFLOP/s. */
static json_t *prof_json(const rmn_bench_prof_row *rows, int n, double step_s) {
    json_t *a = json_array();
    for (int i = 0; i < n; ++i) {
        json_t *row = json_object();
        json_object_set_new(row, "op", json_string(rows[i].op));
        json_object_set_new(row, "ms", json_real(1e3 * rows[i].seconds));
        json_object_set_new(row, "calls", json_integer(rows[i].calls));
        json_object_set_new(row, "share", json_real(rows[i].seconds / step_s));
        json_object_set_new(row, "gflops",
                            json_real(rows[i].seconds > 0 ? rows[i].gflop / rows[i].seconds : 0));
        json_array_append_new(a, row);
    }
    return a;
}

static int bench_model(const opts *o, const char *name) {
    rmn_bench_model_opts m = {.model = name, .backend = o->backend,
                              .mode = o->mode_set ? o->mode : RMN_BENCH_TRAIN,
                              .batch = o->batch, .nthreads = o->threads, .warmup = o->warmup,
                              .steps = o->steps, .image_size = o->image_size,
                              .in_channels = o->in_channels, .num_classes = o->classes,
                              .width = o->width, .winograd = o->winograd,
                              .precision = o->precision, .optimizer = o->optimizer};
    if (m.mode != RMN_BENCH_INFER && m.mode != RMN_BENCH_EVAL)
        m.mode = RMN_BENCH_TRAIN;
    rmn_bench_result r;
    static rmn_bench_profile prof; /* 30 KB: off the stack */
    RMN_TRY(rmn_bench_model(&m, &r, &prof));
    json_t *j = header("model", o, rmn_bench_mode_name(m.mode));
    json_object_set_new(j, "model", json_string(name));
    json_object_set_new(j, "batch", json_integer(o->batch));
    json_object_set_new(j, "image_size", json_integer(o->image_size));
    json_object_set_new(j, "width", json_integer(o->width));
    if (m.mode == RMN_BENCH_TRAIN)
        json_object_set_new(j, "optimizer", json_string(o->optimizer ? o->optimizer : "none"));
    put_result(j, &r);
    if (o->profile) {
        json_object_set_new(j, "profile", prof_json(prof.ops, prof.nops, r.median_s));
        json_object_set_new(j, "profile_convs", prof_json(prof.convs, prof.nconvs, r.median_s));
    }
    emit(j, o->json);
    return RMN_OK;
}

/* The distinct convs of a ResNet (basic blocks) on a 48x48 input: stem, then stages of 64,
 * 128, 256, 512 channels at 48, 24, 12, 6 pixels (3x3 s1, 3x3 s2 entry, 1x1 s2 shortcut). */
static int suite_resnet(const opts *o) {
    static const struct {
        const char *label;
        int c, h, k, kern, stride, pad;
    } convs[] = {
        {"stem 3x3 1->64 @48", 1, 48, 64, 3, 1, 1},
        {"3x3 64->64 @48", 64, 48, 64, 3, 1, 1},
        {"3x3 s2 64->128 @48", 64, 48, 128, 3, 2, 1},
        {"1x1 s2 64->128 @48", 64, 48, 128, 1, 2, 0},
        {"3x3 128->128 @24", 128, 24, 128, 3, 1, 1},
        {"3x3 s2 128->256 @24", 128, 24, 256, 3, 2, 1},
        {"1x1 s2 128->256 @24", 128, 24, 256, 1, 2, 0},
        {"3x3 256->256 @12", 256, 12, 256, 3, 1, 1},
        {"3x3 s2 256->512 @12", 256, 12, 512, 3, 2, 1},
        {"1x1 s2 256->512 @12", 256, 12, 512, 1, 2, 0},
        {"3x3 512->512 @6", 512, 6, 512, 3, 1, 1},
    };
    opts q = *o;
    if (!q.mode_set)
        q.mode = RMN_BENCH_TRAIN, q.mode_set = 1;
    for (size_t i = 0; i < sizeof convs / sizeof convs[0]; ++i) {
        const int s[9] = {o->batch, convs[i].c, convs[i].h, convs[i].h, convs[i].k,
                          convs[i].kern, convs[i].kern, convs[i].stride, convs[i].pad};
        RMN_TRY(bench_conv(&q, s, convs[i].label));
    }
    return RMN_OK;
}

/* The emotion model of the detection benches: --checkpoint, else the shipped one, computing in
 * precision p. */
static int load_emotion_model(const char *checkpoint, rmn_precision p, rmn_detect_model **model) {
    char buf[4096], looked[8300];
    const char *mp = rmn_detect_model_path(checkpoint, buf, sizeof buf, looked, sizeof looked);
    if (!mp)
        return RMN_ERROR(RMN_ENOTFOUND, "no emotion model (looked at %s): pass --checkpoint FILE or --faces-only",
                         looked);
    const rmn_detect_model_src src = {.path = mp, .precision = p};
    return rmn_detect_model_open(&src, model);
}

/* Faces, and faces with their emotions, on each image: one JSON object for the whole set. */
static int bench_detect(const opts *o, const char *checkpoint, int faces_only, const char *cascade_name,
                        char **paths, int npaths) {
    rmn_detect_model *model = NULL;
    if (!faces_only)
        RMN_TRY(load_emotion_model(checkpoint, o->precision, &model));
    char cbuf[4096];
    rmn_cascade *cascade = NULL;
    int rc = rmn_cascade_load(rmn_detect_cascade_path(cascade_name, cbuf, sizeof cbuf), &cascade);
    rmn_detect_params params;
    rmn_detect_params_default(&params);
    rmn_bench_detect_result r;
    if (rc == RMN_OK)
        rc = rmn_bench_detect(cascade, &params, model, (const char *const *)paths, npaths, o->steps, &r);
    if (rc == RMN_OK) {
        json_t *j = json_object();
        json_object_set_new(j, "kind", json_string("detect"));
        json_object_set_new(j, "threads", json_integer(o->threads));
        json_object_set_new(j, "images", json_integer(npaths));
        json_object_set_new(j, "runs", json_integer(r.runs));
        json_object_set_new(j, "cascade", json_string(cascade_name));
        json_object_set_new(j, "detect_images_per_s", json_real(r.runs / r.detect_s));
        json_object_set_new(j, "detect_ms_per_image", json_real(1e3 * r.detect_s / r.runs));
        if (model) {
            json_object_set_new(j, "model", json_string(rmn_detect_model_arch(model)));
            json_object_set_new(j, "detect_classify_images_per_s", json_real(r.runs / r.all_s));
            json_object_set_new(j, "detect_classify_ms_per_image", json_real(1e3 * r.all_s / r.runs));
            json_object_set_new(j, "faces_per_image", json_real((double)r.faces / r.runs));
        }
        emit(j, o->json);
    }
    rmn_cascade_free(cascade);
    rmn_detect_model_free(model);
    return rc;
}

/* --detector NAME|all: one line per detector (detect/detector.h). */
static int bench_detectors(const opts *o, const char *checkpoint, int faces_only, const char *which,
                           char **paths, int npaths) {
    static const char *ALL[] = {"haar", "lbp", "ssd", "tiny"};
    int from = 0, to = 4;
    for (int i = 0; i < 4; ++i)
        if (strcmp(which, ALL[i]) == 0)
            from = i, to = i + 1;
    if (strcmp(which, "all") != 0 && to - from != 1)
        return RMN_ERROR(RMN_EINVAL, "unknown detector '%s' (ssd, tiny, haar, lbp or all)", which);
    rmn_detect_model *model = NULL;
    if (!faces_only)
        RMN_TRY(load_emotion_model(checkpoint, o->precision, &model));
    int rc = RMN_OK;
    for (int i = from; rc == RMN_OK && i < to; ++i) {
        rmn_detector d;
        rmn_detector_spec spec;
        char note[16];
        rmn_detector_spec_default(&spec);
        spec.name = ALL[i];
        spec.align = 0;
        rc = rmn_detector_make(&spec, &d, note, sizeof note);
        if (rc == RMN_ENOTFOUND && to - from > 1) { /* "all" without face-api's weights */
            fprintf(stderr, "rmn-bench: %s skipped: %s\n", ALL[i], rmn_error_message());
            rc = RMN_OK;
            continue;
        }
        rmn_bench_detect_result r;
        if (rc == RMN_OK)
            rc = rmn_bench_detector(&d, model, (const char *const *)paths, npaths, o->steps, &r);
        if (rc == RMN_OK) {
            json_t *j = json_object();
            json_object_set_new(j, "kind", json_string("detect"));
            json_object_set_new(j, "detector", json_string(ALL[i]));
            json_object_set_new(j, "threads", json_integer(o->threads));
            json_object_set_new(j, "images", json_integer(npaths));
            json_object_set_new(j, "runs", json_integer(r.runs));
            json_object_set_new(j, "detect_images_per_s", json_real(r.runs / r.detect_s));
            json_object_set_new(j, "detect_ms_per_image", json_real(1e3 * r.detect_s / r.runs));
            json_object_set_new(j, "faces_per_image", json_real((double)r.faces / r.runs));
            if (model) {
                json_object_set_new(j, "model", json_string(rmn_detect_model_arch(model)));
                json_object_set_new(j, "detect_classify_images_per_s", json_real(r.runs / r.all_s));
                json_object_set_new(j, "detect_classify_ms_per_image", json_real(1e3 * r.all_s / r.runs));
            }
            emit(j, o->json);
        }
        rmn_detector_close(&d);
    }
    rmn_detect_model_free(model);
    return rc;
}

/* --allreduce: every registered model of the profile (or --model NAME), its gradient bytes
 * summed over the ranks; rank 0 prints. */
static int bench_allreduce(const opts *o, const char *only) {
    if (rmn_dist_size() < 2)
        return RMN_ERROR(RMN_EINVAL, "--allreduce needs at least 2 ranks: mpirun -np 2 rmn-bench --allreduce");
    const char *const *names;
    int n;
    RMN_TRY(rmn_model_names(&names, &n));
    rmn_model_config mc = {.in_channels = o->in_channels, .image_size = o->image_size,
                           .num_classes = o->classes, .width = o->width};
    for (int i = 0; i < n; ++i) {
        rmn_net *net;
        if ((only && strcmp(only, names[i]) != 0) || rmn_zoo_graph(names[i], &mc, &net) != RMN_OK)
            continue; /* not of this profile */
        const size_t params = rmn_zoo_params(net);
        rmn_net_free(net);
        if (params > o->max_gradient_mb * 262144.0) { /* MiB / 4 bytes */
            if (rmn_dist_rank() == 0)
                fprintf(stderr, "rmn-bench: %s skipped: %.0f MiB of gradients per rank, over --max-gradient-mb %g\n",
                        names[i], params / 262144.0, o->max_gradient_mb);
            continue;
        }
        rmn_bench_result r;
        int buckets;
        RMN_TRY(rmn_bench_allreduce(params, rmn_dist_bucket_floats(), o->warmup, o->steps, &r, &buckets));
        if (rmn_dist_rank() != 0)
            continue;
        const double bytes = 4.0 * (double)params, ranks = rmn_dist_size();
        json_t *j = json_object();
        json_object_set_new(j, "kind", json_string("allreduce"));
        json_object_set_new(j, "model", json_string(names[i]));
        json_object_set_new(j, "image_size", json_integer(o->image_size));
        json_object_set_new(j, "params", json_integer((json_int_t)params));
        json_object_set_new(j, "gradient_mb", json_real(bytes / 1048576.0));
        json_object_set_new(j, "ranks", json_integer(rmn_dist_size()));
        json_object_set_new(j, "buckets", json_integer(buckets));
        json_object_set_new(j, "median_s", json_real(r.median_s));
        json_object_set_new(j, "min_s", json_real(r.min_s));
        json_object_set_new(j, "max_s", json_real(r.max_s));
        json_object_set_new(j, "steps", json_integer(r.steps));
        /* bus bandwidth: what each rank sends in a ring allreduce, 2 (N-1)/N of the bytes */
        json_object_set_new(j, "bus_gbytes_per_s", json_real(2 * (ranks - 1) / ranks * bytes / r.median_s / 1e9));
        emit(j, o->json);
    }
    return RMN_OK;
}

int main(int argc, char **argv) {
    rmn_threads_passive_wait(argv);
    rmn_cli_init(&cli, "rmn-bench", USAGE);
    if (rmn_bench_video_wanted(argc, argv)) /* rmn-bench-video.c */
        return rmn_bench_video_main(argc, argv);
    opts o = {.backend = "dnnl", .threads = 0, .steps = 10, .warmup = 2, .winograd = -1,
              .batch = 64, .image_size = 48, .in_channels = 1, .classes = 7, .max_gradient_mb = 1024};
    const char *op = NULL, *shape = NULL, *model = NULL, *suite = NULL;
    const char *checkpoint = NULL, *cascade = rmn_detect_cascade_default(), *detector = NULL;
    int peak = 0, detect = 0, faces_only = 0, allreduce = 0;
    enum { O_OP = 256, O_SHAPE, O_BACKEND, O_MODE, O_THREADS, O_JSON, O_MODEL, O_BATCH,
           O_PROFILE, O_SUITE, O_PEAK, O_STEPS, O_WARMUP, O_WINO, O_IMG, O_INCH, O_CLASSES, O_WIDTH, O_DETECT, O_CKPT, O_CASCADE, O_FACES, O_L16, O_DETECTOR, O_ALLREDUCE, O_MAXGRAD, O_PREC, O_OPTIM };
    static const struct option longopts[] = {
        {"op", required_argument, NULL, O_OP},         {"shape", required_argument, NULL, O_SHAPE},
        {"backend", required_argument, NULL, O_BACKEND}, {"mode", required_argument, NULL, O_MODE},
        {"threads", required_argument, NULL, O_THREADS}, {"json", no_argument, NULL, O_JSON},
        {"model", required_argument, NULL, O_MODEL},   {"batch", required_argument, NULL, O_BATCH},
        {"profile", no_argument, NULL, O_PROFILE},     {"suite", required_argument, NULL, O_SUITE},
        {"peak", no_argument, NULL, O_PEAK},           {"steps", required_argument, NULL, O_STEPS},
        {"warmup", required_argument, NULL, O_WARMUP}, {"winograd", required_argument, NULL, O_WINO},
        {"layout16", no_argument, NULL, O_L16},
        {"image-size", required_argument, NULL, O_IMG},
        {"in-channels", required_argument, NULL, O_INCH},
        {"classes", required_argument, NULL, O_CLASSES},
        {"width", required_argument, NULL, O_WIDTH},
        {"detect", no_argument, NULL, O_DETECT},       {"checkpoint", required_argument, NULL, O_CKPT},
        {"cascade", required_argument, NULL, O_CASCADE}, {"faces-only", no_argument, NULL, O_FACES},
        {"detector", required_argument, NULL, O_DETECTOR},
        {"allreduce", no_argument, NULL, O_ALLREDUCE},
        {"max-gradient-mb", required_argument, NULL, O_MAXGRAD},
        {"precision", required_argument, NULL, O_PREC},
        {"optimizer", required_argument, NULL, O_OPTIM},
        {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = rmn_cli_getopt(&cli, argc, argv, "", longopts)) != -1) {
        int bad = 0;
        switch (ch) {
        case O_OP: op = optarg; break;
        case O_SHAPE: shape = optarg; break;
        case O_BACKEND: o.backend = optarg; break;
        case O_MODE:
            if (rmn_bench_mode_parse(optarg, &o.mode) != RMN_OK)
                return usage_error(rmn_error_message());
            o.mode_set = 1;
            break;
        case O_THREADS: bad = parse_int(optarg, 0, 1024, &o.threads); break;
        case O_JSON: o.json = 1; break;
        case O_MODEL: model = optarg; break;
        case O_BATCH: bad = parse_int(optarg, 1, 1 << 20, &o.batch); break;
        case O_PROFILE: o.profile = 1; break;
        case O_SUITE: suite = optarg; break;
        case O_PEAK: peak = 1; break;
        case O_STEPS: bad = parse_int(optarg, 1, 1000, &o.steps); break;
        case O_WARMUP: bad = parse_int(optarg, 0, 1000, &o.warmup); break;
        case O_WINO: bad = parse_int(optarg, 0, 1, &o.winograd); break;
        case O_PREC:
            if (rmn_precision_parse(optarg, "--precision", &o.precision) != RMN_OK)
                return usage_error(rmn_error_message());
            break;
        case O_L16: o.layout16 = 1; break;
        case O_IMG: bad = parse_int(optarg, 8, 4096, &o.image_size); break;
        case O_INCH: bad = parse_int(optarg, 1, 4096, &o.in_channels); break;
        case O_CLASSES: bad = parse_int(optarg, 2, 1 << 20, &o.classes); break;
        case O_WIDTH: bad = parse_int(optarg, 0, 4096, &o.width); break;
        case O_DETECT: detect = 1; break;
        case O_CKPT: checkpoint = optarg; break;
        case O_CASCADE: cascade = optarg; break;
        case O_FACES: faces_only = 1; break;
        case O_DETECTOR: detector = optarg; break;
        case O_ALLREDUCE: allreduce = 1; break;
        case O_OPTIM: {
            int kind;
            if (strcmp(optarg, "none") != 0 && rmn_optimizer_kind_parse(optarg, &kind) != RMN_OK)
                return rmn_cli_usage_error(&cli, "--optimizer: unknown optimizer '%s' (none, sgd, radam, adam, adamw)",
                                           optarg);
            o.optimizer = strcmp(optarg, "none") == 0 ? NULL : optarg;
            break;
        }
        case O_MAXGRAD: {
            int v;
            bad = parse_int(optarg, 1, 1 << 30, &v);
            o.max_gradient_mb = v;
            break;
        }
        default: return cli.status; /* help, version or a usage error, said */
        }
        if (bad)
            return rmn_cli_usage_error(&cli, "%s: bad number '%s'", argv[optind - 1], optarg);
    }
    if (optind < argc && !detect)
        return rmn_cli_usage_error(&cli, "unexpected argument '%s'", argv[optind]);
#ifdef _OPENMP
    if (o.threads == 0)
        o.threads = omp_get_max_threads();
#else
    o.threads = 1;
#endif
    if (allreduce) {
        if (op || suite || peak || detect || o.optimizer)
            return usage_error("--allreduce takes --model, --image-size, --steps and such only");
        if (rmn_dist_init(&argc, &argv) != RMN_OK)
            return fail();
        int rc = bench_allreduce(&o, model);
        rmn_dist_finalize();
        return rc == RMN_OK ? 0 : fail();
    }
    if ((op != NULL) + (model != NULL) + (suite != NULL) + peak + detect != 1)
        return usage_error("give exactly one of --op, --model, --suite, --peak, --detect");
    if (o.optimizer && (!model || (o.mode_set && o.mode != RMN_BENCH_TRAIN)))
        return usage_error("--optimizer goes with --model in the train mode only");
    o.precision = rmn_cli_precision(&cli, o.precision, o.backend);
    if (detect) {
        if (optind >= argc)
            return usage_error("--detect needs at least one IMAGE");
        if (detector)
            return bench_detectors(&o, checkpoint, faces_only, detector, argv + optind, argc - optind) == RMN_OK ? 0 : fail();
        return bench_detect(&o, checkpoint, faces_only, cascade, argv + optind, argc - optind) == RMN_OK ? 0 : fail();
    }
    if (peak) {
        double g2, g5;
        rmn_bench_peak(o.threads, 1.0, &g2, &g5);
        json_t *j = json_object();
        json_object_set_new(j, "kind", json_string("peak"));
        json_object_set_new(j, "threads", json_integer(o.threads));
        json_object_set_new(j, "gflops_avx2_fma", json_real(g2));
        json_object_set_new(j, "gflops_avx512", json_real(g5));
        emit(j, o.json);
        return 0;
    }
    if (op) {
        if (strcmp(op, "conv") != 0)
            return usage_error("--op: only conv");
        int s[9];
        if (!shape || sscanf(shape, "%d,%d,%d,%d,%d,%d,%d,%d,%d", &s[0], &s[1], &s[2], &s[3],
                             &s[4], &s[5], &s[6], &s[7], &s[8]) != 9)
            return usage_error("--shape wants N,C,H,W,K,kh,kw,stride,pad");
        return bench_conv(&o, s, NULL) == RMN_OK ? 0 : fail();
    }
    if (suite) {
        if (strcmp(suite, "resnet-convs") != 0)
            return usage_error("--suite: only resnet-convs");
        return suite_resnet(&o) == RMN_OK ? 0 : fail();
    }
    return bench_model(&o, model) == RMN_OK ? 0 : fail();
}

/* rmn-export.c -- exports a model to ONNX (and, where built, a PyTorch .pth).
 *
 *   rmn-export CHECKPOINT [--onnx OUT.onnx] [--torch OUT.pth] [--dump FILE [--n N] [--data D]]
 *   rmn-export --arch A [--width W] [--image-size S] [--in-channels C] [--seed S] [--warm B] ...
 * CHECKPOINT is an rmn safetensors checkpoint (the net is rebuilt from its metadata). --arch
 * exports a freshly initialised model instead (tests); --warm B first runs B training-mode
 * forwards on sample images so that the batch-norm running statistics are not the trivial 0/1.
 * --external-data puts the ONNX tensors in OUT.onnx.data (always done over 1 GiB).
 * --dump writes the first N (default 8) test images of the data (default: the bundled sample),
 * preprocessed for the model, and rmn's eval-mode logits on them, for tools/export/check_onnx.js:
 * "RMNX" then int32 n, c, h, w, k, then n*c*h*w floats, then n*k floats (little-endian).
 * Exit 0 ok, 1 error, 2 usage (core/cli.h). docs/EXPORT.md. */
#include "core/args.h"
#include "cli/convention.h"
#include "core/error.h"
#include "data/batch.h"
#include "data/fer2013.h"
#include "export/onnx.h"
#include "export/pth.h"
#include "export/writefile.h"
#include "models/model.h"
#include "nn/net.h"
#include "train/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const USAGE =
    "Usage: rmn-export CHECKPOINT [--onnx OUT.onnx [--external-data]] [--torch OUT.pth]\n"
    "                  [--dump FILE [--n N]]\n"
    "  or:  rmn-export --arch A [--width W] [--image-size S] [--in-channels C] [--seed S]\n"
    "                  [--warm B] [OUTPUT OPTION]...\n"
    "Export a model to ONNX (opset 13, dynamic batch) and to a PyTorch .pth.\n"
    "CHECKPOINT is an rmn safetensors checkpoint (the net is rebuilt from its metadata); --arch\n"
    "exports a freshly initialised model instead (docs/EXPORT.md).\n"
    "\n"
    "Options:\n"
    "  --onnx FILE        write the ONNX model\n"
    "  --external-data    the ONNX model's weights in FILE.data beside it (ONNX external data)\n"
    "  --torch FILE       write a torch.save zip checkpoint (a state_dict)\n"
    "  --dump FILE        the first N test images, preprocessed, and rmn's logits on them (for\n"
    "                     tools/export/check_onnx.js)\n"
    "  --n N              images in the dump (default 8)\n"
    "  --data FILE        the dump's data (default: the bundled sample)\n"
    "  --arch A           a fresh model of this architecture (rmn-exp names archs)\n"
    "  --width W          its channel width at the 48 profile (default: the arch's)\n"
    "  --image-size S     its input size (default 48)\n"
    "  --in-channels C    its input channels (default 1)\n"
    "  --seed S           its initialisation seed (default 1)\n"
    "  --warm B           first B training-mode forwards on sample images, so that the batch\n"
    "                     norms' running statistics are not the trivial 0 and 1\n"
    "  -h, --help         display this help and exit\n"
    "  --version          display the version, commit and build options and exit\n"
    "\n"
    "Exit status: 0 success, 1 error, 2 usage.\n";

static rmn_cli cli;

static int usage(const char *msg) { return rmn_cli_usage_error(&cli, "%s", msg); }

static int fail(void) { return rmn_cli_fail(&cli); }

/* x: (n, c, s, s) the first n test images (fewer when the split is smaller: *n updated) */
static int images(const rmn_dataset *ds, int split, int c, int s, int *n, float **x) {
    const rmn_split_data *sp = &ds->split[split];
    if (*n > sp->n)
        *n = sp->n;
    if (*n < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: no images in split %s", ds->path, rmn_split_name(split));
    rmn_batch_spec spec = {.size = s, .channels = c, .augment = NULL};
    *x = malloc((size_t)*n * (size_t)(c * s * s) * sizeof **x);
    float *scratch = malloc(rmn_batch_scratch_floats(&spec, sp) * sizeof *scratch);
    int32_t *idx = malloc((size_t)*n * sizeof *idx);
    int rc = RMN_OK;
    if (!*x || !scratch || !idx)
        rc = RMN_ERROR(RMN_ENOMEM, "cannot allocate %d images", *n);
    for (int i = 0; rc == RMN_OK && i < *n; ++i)
        idx[i] = i;
    if (rc == RMN_OK)
        rc = rmn_batch_fill(*x, NULL, scratch, sp, idx, *n, &spec, NULL);
    free(scratch);
    free(idx);
    if (rc != RMN_OK) {
        free(*x);
        *x = NULL;
    }
    return rc;
}

static int dump(rmn_net *net, const rmn_model_config *mc, const rmn_dataset *ds, int n,
                const char *path) {
    float *x;
    const int c = mc->in_channels, s = mc->image_size, k = mc->num_classes;
    RMN_TRY(images(ds, RMN_SPLIT_TEST, c, s, &n, &x));
    int rc = rmn_net_forward(net, x, n, 0, NULL);
    const size_t nx = (size_t)n * (size_t)(c * s * s), nl = (size_t)n * (size_t)k;
    const size_t bytes = 4 + 5 * 4 + (nx + nl) * 4;
    unsigned char *buf = rc == RMN_OK ? malloc(bytes) : NULL;
    if (rc == RMN_OK && !buf)
        rc = RMN_ERROR(RMN_ENOMEM, "cannot allocate the dump");
    if (rc == RMN_OK) {
        const int32_t hdr[5] = {n, c, s, s, k};
        memcpy(buf, "RMNX", 4);
        memcpy(buf + 4, hdr, sizeof hdr);
        memcpy(buf + 24, x, nx * 4);
        memcpy(buf + 24 + nx * 4, rmn_net_logits(net), nl * 4);
        rc = rmn_export_write_file(path, buf, bytes);
    }
    free(buf);
    free(x);
    return rc;
}

static int warm(rmn_net *net, const rmn_model_config *mc, const rmn_dataset *ds, int batches) {
    int n = 8;
    float *x;
    RMN_TRY(images(ds, RMN_SPLIT_TRAIN, mc->in_channels, mc->image_size, &n, &x));
    rmn_rng rng;
    rmn_rng_init(&rng, 7, 0);
    int rc = RMN_OK;
    for (int b = 0; b < batches && rc == RMN_OK; ++b)
        rc = rmn_net_forward(net, x, n, 1, &rng);
    free(x);
    return rc;
}

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"onnx", required_argument, 0, 'o'},     {"torch", required_argument, 0, 'p'},
        {"dump", required_argument, 0, 'd'},     {"n", required_argument, 0, 'n'},
        {"data", required_argument, 0, 'D'},     {"arch", required_argument, 0, 'a'},
        {"width", required_argument, 0, 'w'},    {"image-size", required_argument, 0, 's'},
        {"in-channels", required_argument, 0, 'c'}, {"seed", required_argument, 0, 'S'},
        {"warm", required_argument, 0, 'W'},     {"external-data", no_argument, 0, 'x'},
        {0, 0, 0, 0}};
    rmn_cli_init(&cli, "rmn-export", USAGE);
    const char *onnx = NULL, *pth = NULL, *dumpf = NULL, *data = NULL, *arch = NULL;
    long n = 8, width = 0, size = 48, inch = 1, seed = 1, warmb = 0;
    int external = 0;
    int c;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "", longopts)) != -1) {
        switch (c) {
        case 'o': onnx = optarg; break;
        case 'p': pth = optarg; break;
        case 'd': dumpf = optarg; break;
        case 'D': data = optarg; break;
        case 'a': arch = optarg; break;
        case 'n':
            if (!rmn_parse_long(optarg, 1, 100000, &n))
                return usage("--n needs an integer 1..100000");
            break;
        case 'w':
            if (!rmn_parse_long(optarg, 0, 4096, &width))
                return usage("--width needs an integer 0..4096");
            break;
        case 's':
            if (!rmn_parse_long(optarg, 8, 1024, &size))
                return usage("--image-size needs an integer 8..1024");
            break;
        case 'c':
            if (!rmn_parse_long(optarg, 1, 3, &inch))
                return usage("--in-channels needs 1..3");
            break;
        case 'S':
            if (!rmn_parse_long(optarg, 0, 2147483647L, &seed))
                return usage("--seed needs an integer 0..2147483647");
            break;
        case 'W':
            if (!rmn_parse_long(optarg, 0, 1000, &warmb))
                return usage("--warm needs an integer 0..1000");
            break;
        case 'x': external = 1; break;
        default: return cli.status; /* help, version or a usage error, said */
        }
    }
    if (arch ? optind != argc : optind != argc - 1)
        return usage(arch ? "no CHECKPOINT with --arch" : "exactly one CHECKPOINT is needed");
    if (!onnx && !pth && !dumpf)
        return usage("nothing to do: give --onnx, --torch or --dump");
    rmn_net *net = NULL;
    rmn_model_config mc = {.in_channels = (int)inch, .image_size = (int)size, .num_classes = 7,
                           .seed = (uint64_t)seed, .width = (int)width};
    if (arch) {
        if (rmn_model_create(arch, &mc, &net) != RMN_OK)
            return fail();
    } else {
        rmn_train_config cfg;
        if (rmn_checkpoint_open_model(argv[optind], &net, &cfg) != RMN_OK)
            return fail();
        mc.in_channels = cfg.in_channels;
        mc.image_size = cfg.image_size;
        mc.num_classes = cfg.num_classes;
    }
    int rc = RMN_OK;
    rmn_dataset ds;
    int have_ds = 0;
    if (dumpf || warmb) {
        char sample[4096];
        if (!data && rmn_dataset_default_path(sample, sizeof sample) == RMN_OK)
            data = sample;
        rc = data ? rmn_dataset_load(data, &ds)
                  : RMN_ERROR(RMN_ENOTFOUND, "no data: give --data");
        have_ds = rc == RMN_OK;
    }
    if (rc == RMN_OK && warmb)
        rc = warm(net, &mc, &ds, (int)warmb);
    if (rc == RMN_OK && onnx)
        rc = rmn_export_onnx(net, onnx, external);
    if (rc == RMN_OK && pth)
        rc = rmn_export_pth(net, pth);
    if (rc == RMN_OK && dumpf)
        rc = dump(net, &mc, &ds, (int)n, dumpf);
    if (have_ds)
        rmn_dataset_free(&ds);
    rmn_net_free(net);
    return rc == RMN_OK ? 0 : fail();
}

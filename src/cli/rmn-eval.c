/* rmn-eval.c -- evaluates one checkpoint on one split, with or without TTA.
 *
 *   rmn-eval CHECKPOINT [--data FILE [--ferplus VOTES]] [--split val|test|train] [--tta N] [--tta-seed S]
 *            [--tta-augment SPEC] [--threads N] [--precision P] [--json] [--probs FILE.csv] [--batch N]
 *            [--arch NAME [--in-channels 1|3] [--image-size N] [--width W]   (a .pth)
 *             [--store DB [--experiment NAME] [--name RUN]]]
 * The net is built from the checkpoint's own metadata (arch, input, configuration); a PyTorch
 * checkpoint (.pth, either torch.save format) is read directly with --arch (default input: the
 * thesis's 224 x 224, 3 channels; train/import.h). --probs writes one CSV row per image:
 * index, label, the class probabilities. --batch: images per forward (default the config's;
 * 8 for a .pth above 64 pixels). With --store, the evaluation of a .pth is recorded as a run
 * of kind 'imported' (experiment "published", name ARCH-published by default): rmn-report
 * shows it as a published-weights row, with its TTA when rmn-eval --tta N adds one. The data defaults to the bundled sample. Prints accuracy, loss, per-class recall and the confusion
 * counts; stores nothing (training runs store their evaluations themselves). --tta-augment
 * draws the TTA from another augmentation than the checkpoint's training one, e.g.
 * "flip=0.5" or "rotation=2,interp=nearest" (data/augment.h; docs/PARITY.md uses it). The data:
 * a FER2013 file (relabelled by FERPlus's fer2013new.csv with --ferplus) or an image folder
 * (docs/DATA.md); its classes must be the checkpoint's, and name the per-class rows.
 * Exit 0 ok, 1 error, 2 usage (core/cli.h). */
#include "core/args.h"
#include "cli/convention.h"
#include "core/error.h"
#include "core/threads.h"
#include "data/augment.h"
#include "data/fer2013.h"
#include "nn/net.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const USAGE =
    "Usage: rmn-eval CHECKPOINT [OPTION]...\n"
    "  or:  rmn-eval FILE.pth --arch NAME [OPTION]... [--store DB [--experiment E] [--name RUN]]\n"
    "Evaluate one checkpoint on one split of a data set (FER2013, FERPlus, an image folder).\n"
    "Prints the accuracy (and top-5 with 10 classes or more), the loss, per-class recall and the\n"
    "confusion counts, with or without test-time augmentation. The net is built from an rmn\n"
    "checkpoint's own metadata; a PyTorch checkpoint (.pth) is read directly with --arch.\n"
    "\n"
    "Options:\n"
    "  --data FILE|DIR    FER2013 data (csv, .xz, .gz or Kaggle tar.gz) or an image folder\n"
    "                     (docs/DATA.md); its classes must be the checkpoint's (default: the\n"
    "                     bundled sample)\n"
    "  --ferplus VOTES    relabel FER2013 by FERPlus's votes (fer2013new.csv)\n"
    "  --split S          train, val or test (default test)\n"
    "  --tta N            N augmented views per image, their softmax summed (default 0: none)\n"
    "  --tta-seed S       the views' seed (default 1234)\n"
    "  --tta-augment SPEC draw the views from this augmentation instead of the training one:\n"
    "                     flip=P,rotation=DEG,shift=PX,interp=I (e.g. flip=0.5; needs --tta,\n"
    "                     not with --store)\n"
    "  --threads N        OpenMP threads (default: OpenMP's)\n"
    "  --precision P      fp32 (default) or bf16: the arithmetic of convolutions and linear\n"
    "                     layers (docs/PRECISION.md); bf16 needs AVX512_BF16 or AMX:\n"
    "                     elsewhere a warning, and fp32\n"
    "  --json             one JSON object (accuracy_frac, top5_frac, recall_frac: fractions)\n"
    "  --probs FILE.csv   one row per image: index, label, the class probabilities\n"
    "  --batch N          images per forward (default: the configuration's; 8 for a .pth above\n"
    "                     64 pixels)\n"
    "  --arch NAME        a .pth's architecture (rmn-exp names archs lists them)\n"
    "  --in-channels C    a .pth's input channels, 1 or 3 (default 3)\n"
    "  --image-size N     a .pth's input size (default 224)\n"
    "  --width W          a .pth's channel width at the 48 profile (default: the arch's)\n"
    "  --store DB         record a .pth's evaluation as a run of kind 'imported' (rmn-report\n"
    "                     shows it as published weights); the store is created when missing\n"
    "  --experiment NAME  its experiment (default published)\n"
    "  --name RUN         its run name (default ARCH-published)\n"
    "  -h, --help         display this help and exit\n"
    "  --version          display the version, commit and build options and exit\n"
    "\n"
    "Accuracies are percent in text, fractions in JSON. Exit status: 0 success, 1 error,\n"
    "2 usage.\n";

/* index (row within the split), label, then the probabilities (rows of a TTA sum to 1 too). */
static int write_probs(const char *path, const rmn_eval_result *r) {
    FILE *fp = fopen(path, "w");
    if (!fp)
        return RMN_ERROR(RMN_EIO, "%s: cannot create", path);
    fprintf(fp, "index,label");
    for (int k = 0; k < r->n_classes; ++k)
        fprintf(fp, ",p%d", k);
    fputc('\n', fp);
    for (int i = 0; i < r->n; ++i) {
        double sum = 0;
        for (int k = 0; k < r->n_classes; ++k)
            sum += r->probs[(size_t)i * r->n_classes + k];
        fprintf(fp, "%d,%d", r->sample_idx[i], r->labels[i]);
        for (int k = 0; k < r->n_classes; ++k)
            fprintf(fp, ",%.6f", sum > 0 ? r->probs[(size_t)i * r->n_classes + k] / sum : 0.0);
        fputc('\n', fp);
    }
    int bad = ferror(fp);
    bad |= fclose(fp) != 0;
    return bad ? RMN_ERROR(RMN_EIO, "%s: write error", path) : RMN_OK;
}

static rmn_cli cli;

static int fail(void) { return rmn_cli_fail(&cli); }

int main(int argc, char **argv) {
    rmn_threads_passive_wait(argv);
    static const struct option longopts[] = {
        {"data", required_argument, 0, 'D'}, {"split", required_argument, 0, 's'},
        {"tta", required_argument, 0, 't'},  {"tta-seed", required_argument, 0, 'S'},
        {"threads", required_argument, 0, 'T'}, {"json", no_argument, 0, 'j'},
        {"probs", required_argument, 0, 'p'}, {"arch", required_argument, 0, 'a'},
        {"in-channels", required_argument, 0, 'c'}, {"image-size", required_argument, 0, 'i'},
        {"width", required_argument, 0, 'w'}, {"batch", required_argument, 0, 'b'},
        {"store", required_argument, 0, 'd'}, {"experiment", required_argument, 0, 'e'},
        {"name", required_argument, 0, 'n'}, {"tta-augment", required_argument, 0, 'A'},
        {"ferplus", required_argument, 0, 'F'}, {"precision", required_argument, 0, 'P'},
        {0, 0, 0, 0}};
    rmn_cli_init(&cli, "rmn-eval", USAGE);
    rmn_precision precision = RMN_PRECISION_FP32;
    const char *data = NULL, *split_name = "test", *probs = NULL, *arch = NULL, *store = NULL,
               *experiment = "published", *run_name = NULL, *tta_augment = NULL, *ferplus = NULL;
    long in_ch = 3, img = 224, width = 0, batch_opt = 0;
    long tta = 0, tta_seed = 1234, threads = 0;
    int json = 0, c;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "", longopts)) != -1) {
        switch (c) {
        case 'D': data = optarg; break;
        case 'F': ferplus = optarg; break;
        case 's': split_name = optarg; break;
        case 'j': json = 1; break;
        case 't':
            if (rmn_cli_long(&cli, "--tta", optarg, 0, 1000, &tta))
                return 2;
            break;
        case 'S':
            if (rmn_cli_long(&cli, "--tta-seed", optarg, 0, 2147483647L, &tta_seed))
                return 2;
            break;
        case 'T':
            if (rmn_cli_long(&cli, "--threads", optarg, 1, 1024, &threads))
                return 2;
            break;
        case 'p': probs = optarg; break;
        case 'P':
            if (rmn_precision_parse(optarg, "--precision", &precision) != RMN_OK)
                return rmn_cli_usage_error(&cli, "%s", rmn_error_message());
            precision = rmn_cli_precision(&cli, precision, NULL);
            break;
        case 'A': tta_augment = optarg; break;
        case 'd': store = optarg; break;
        case 'e': experiment = optarg; break;
        case 'n': run_name = optarg; break;
        case 'b':
            if (rmn_cli_long(&cli, "--batch", optarg, 1, 4096, &batch_opt))
                return 2;
            break;
        case 'a': arch = optarg; break;
        case 'c':
            if (!rmn_parse_long(optarg, 1, 3, &in_ch) || in_ch == 2)
                return rmn_cli_usage_error(&cli, "--in-channels must be 1 or 3, not '%s'", optarg);
            break;
        case 'i':
            if (rmn_cli_long(&cli, "--image-size", optarg, 8, 1024, &img))
                return 2;
            break;
        case 'w':
            if (rmn_cli_long(&cli, "--width", optarg, 0, 4096, &width))
                return 2;
            break;
        default: return cli.status; /* help, version or a usage error, said */
        }
    }
    if (optind != argc - 1)
        return rmn_cli_usage_error(&cli, "exactly one CHECKPOINT is needed (%d given)", argc - optind);
    rmn_augment_params tta_aug;
    if (tta_augment && !tta)
        return rmn_cli_usage_error(&cli, "%s", "--tta-augment needs --tta N");
    if (tta_augment && rmn_augment_parse(tta_augment, &tta_aug) != RMN_OK)
        return rmn_cli_usage_error(&cli, "--tta-augment: %s", rmn_error_message());
    if (tta_augment && store)
        return rmn_cli_usage_error(&cli, "%s",
                                   "--store records TTA with the training augmentation; drop "
                                   "--tta-augment");
    int split = -1;
    for (int i = 0; i < RMN_SPLIT_COUNT; ++i)
        if (strcmp(split_name, rmn_split_name(i)) == 0)
            split = i;
    if (split < 0)
        return rmn_cli_usage_error(&cli, "--split must be train, val or test, not '%s'", split_name);
    const char *ckpt = argv[optind];
    rmn_net *net;
    rmn_train_config cfg;
    if (rmn_import_is_pth(ckpt)) {
        if (!arch || strlen(arch) >= sizeof cfg.arch)
            return rmn_cli_usage_error(&cli, "a PyTorch checkpoint needs --arch NAME (rmn-exp names archs)");
        rmn_train_config_defaults(&cfg);
        snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
        cfg.in_channels = (int)in_ch;
        cfg.image_size = (int)img;
        cfg.width = (int)width;
        cfg.batch_size = cfg.image_size > 64 ? 8 : cfg.batch_size; /* activations at 224 are large */
        rmn_import_stats st;
        if (rmn_import_open_model(ckpt, &cfg, 0, &net, NULL, &st) != RMN_OK)
            return fail();
    } else if (arch || store) {
        if (store)
            return rmn_cli_usage_error(&cli, "--store records PyTorch checkpoints (rmn's own runs store themselves)");
        return rmn_cli_usage_error(&cli, "--arch is for PyTorch checkpoints (an rmn checkpoint names its own)");
    } else if (rmn_checkpoint_open_model(ckpt, &net, &cfg) != RMN_OK) {
        return fail();
    }
    char sample[4096];
    if (!data && rmn_dataset_default_path(sample, sizeof sample) == RMN_OK)
        data = sample;
    rmn_dataset ds;
    if (batch_opt)
        cfg.batch_size = (int)batch_opt;
    int batch = tta > cfg.batch_size ? (int)tta : cfg.batch_size;
    rmn_dataset_options dopt = {.ferplus = ferplus, .side = rmn_train_config_data_side(&cfg)};
    if (!data || rmn_dataset_load_opts(data, &dopt, &ds) != RMN_OK) {
        rmn_net_free(net);
        return fail();
    }
    int rc = RMN_OK;
    if (ds.n_classes != cfg.num_classes)
        rc = RMN_ERROR(RMN_EINVAL, "%s has %d classes, the checkpoint %s %d", data, ds.n_classes, ckpt,
                       cfg.num_classes);
    if (rc == RMN_OK && threads)
        rc = rmn_net_set_threads(net, (int)threads);
    if (rc == RMN_OK)
        rc = rmn_net_set_precision(net, precision);
    if (rc == RMN_OK)
        rc = rmn_net_plan(net, batch);
    rmn_eval_result r;
    rmn_augment_params aug = tta_augment ? tta_aug : rmn_train_config_augment(&cfg);
    const rmn_batch_spec spec = rmn_train_config_batch_spec(&cfg, &aug);
    if (rc == RMN_OK)
        rc = tta ? rmn_evaluate_split_tta(net, &ds.split[split], batch, &spec, cfg.num_classes, (int)tta,
                                          (uint64_t)tta_seed, "eval", stderr, &r)
                 : rmn_evaluate_split(net, &ds.split[split], batch, &spec, cfg.num_classes, "eval", stderr, &r);
    if (rc == RMN_OK) {
        char what[4300];
        snprintf(what, sizeof what, "%s on %s%s%s", ckpt, split_name, tta ? " with TTA" : "",
                 tta_augment ? " of another augmentation" : "");
        rc = rmn_eval_result_print(&r, what, (const char *const *)ds.class_names, stdout, json);
        if (rc == RMN_OK && probs)
            rc = write_probs(probs, &r);
        if (rc == RMN_OK && store) {
            char nm[200];
            snprintf(nm, sizeof nm, "%s-published", cfg.arch);
            rc = rmn_import_record(store, experiment, run_name ? run_name : nm, &cfg, net, ckpt, &r, split_name,
                                   (int)tta, (uint64_t)tta_seed);
        }
        rmn_eval_result_free(&r);
    }
    rmn_dataset_free(&ds);
    rmn_net_free(net);
    return rc == RMN_OK ? 0 : fail();
}

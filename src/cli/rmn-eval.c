/* rmn-eval.c -- evaluates one checkpoint on one split, with or without TTA.
 *
 *   rmn-eval CHECKPOINT [--data FILE] [--split val|test|train] [--tta N] [--tta-seed S]
 *            [--threads N] [--json]
 * The net is built from the checkpoint's own metadata (arch, input, configuration); the data
 * defaults to the bundled sample. Prints accuracy, loss, per-class recall and the confusion
 * counts; stores nothing (training runs store their evaluations themselves).
 * Exit 0 ok, 1 error, 2 usage. */
#include "core/args.h"
#include "core/error.h"
#include "core/threads.h"
#include "data/augment.h"
#include "data/fer2013.h"
#include "nn/net.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const USAGE = "usage: rmn-eval CHECKPOINT [--data FILE] [--split val|test|train] [--tta N]\n"
                                 "                [--tta-seed S] [--threads N] [--json]\n";

static int usage(const char *msg) {
    fprintf(stderr, "rmn-eval: %s\n%s", msg, USAGE);
    return 2;
}

static int fail(void) {
    fprintf(stderr, "rmn-eval: error: %s\n", rmn_error_message());
    return 1;
}

int main(int argc, char **argv) {
    rmn_threads_passive_wait(argv);
    static const struct option longopts[] = {
        {"data", required_argument, 0, 'D'}, {"split", required_argument, 0, 's'},
        {"tta", required_argument, 0, 't'},  {"tta-seed", required_argument, 0, 'S'},
        {"threads", required_argument, 0, 'T'}, {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    const char *data = NULL, *split_name = "test";
    long tta = 0, tta_seed = 1234, threads = 0;
    int json = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'D': data = optarg; break;
        case 's': split_name = optarg; break;
        case 'j': json = 1; break;
        case 't':
            if (!rmn_parse_long(optarg, 0, 1000, &tta))
                return usage("--tta needs an integer 0..1000");
            break;
        case 'S':
            if (!rmn_parse_long(optarg, 0, 2147483647L, &tta_seed))
                return usage("--tta-seed needs a non-negative integer");
            break;
        case 'T':
            if (!rmn_parse_long(optarg, 1, 1024, &threads))
                return usage("--threads needs a positive integer");
            break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: return usage("unknown or incomplete option");
        }
    }
    if (optind != argc - 1)
        return usage("exactly one CHECKPOINT is needed");
    int split = -1;
    for (int i = 0; i < RMN_SPLIT_COUNT; ++i)
        if (strcmp(split_name, rmn_split_name(i)) == 0)
            split = i;
    if (split < 0)
        return usage("--split must be train, val or test");
    const char *ckpt = argv[optind];
    rmn_net *net;
    rmn_train_config cfg;
    if (rmn_checkpoint_open_model(ckpt, &net, &cfg) != RMN_OK)
        return fail();
    char sample[4096];
    if (!data && rmn_dataset_default_path(sample, sizeof sample) == RMN_OK)
        data = sample;
    rmn_dataset ds;
    int batch = tta > cfg.batch_size ? (int)tta : cfg.batch_size;
    if (!data || rmn_dataset_load(data, &ds) != RMN_OK) {
        rmn_net_free(net);
        return fail();
    }
    int rc = threads ? rmn_net_set_threads(net, (int)threads) : RMN_OK;
    if (rc == RMN_OK)
        rc = rmn_net_plan(net, batch);
    rmn_eval_result r;
    rmn_augment_params aug = rmn_train_config_augment(&cfg);
    if (rc == RMN_OK)
        rc = tta ? rmn_evaluate_split_tta(net, &ds.split[split], batch, cfg.image_size, cfg.in_channels,
                                          cfg.num_classes, (int)tta, (uint64_t)tta_seed, &aug, "eval", stderr, &r)
                 : rmn_evaluate_split(net, &ds.split[split], batch, cfg.image_size, cfg.in_channels, cfg.num_classes,
                                      "eval", stderr, &r);
    if (rc == RMN_OK) {
        char what[4300];
        snprintf(what, sizeof what, "%s on %s%s", ckpt, split_name, tta ? " with TTA" : "");
        rc = rmn_eval_result_print(&r, what, stdout, json);
        rmn_eval_result_free(&r);
    }
    rmn_dataset_free(&ds);
    rmn_net_free(net);
    return rc == RMN_OK ? 0 : fail();
}

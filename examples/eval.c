/* eval.c -- a C program using librmn: loads a checkpoint and evaluates it on the test split of
 * a FER2013 file, printing "N CORRECT ACCURACY%". Built against an installed rmn:
 *
 *     cc eval.c $(pkg-config --cflags --libs rmn) -o rmn-eval-example
 *     ./rmn-eval-example CHECKPOINT.safetensors DATA.csv.xz
 *
 * tests/cli-install.sh builds it against `make install DESTDIR=...` and compares the result
 * with rmn-eval's. */
#include <rmn.h>

#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s CHECKPOINT DATA\n", argv[0]);
        return 2;
    }
    rmn_net *net = NULL;
    rmn_train_config cfg;
    rmn_dataset ds;
    rmn_eval_result r;
    if (rmn_checkpoint_open_model(argv[1], &net, &cfg) != RMN_OK) /* net built from its metadata */
        goto fail;
    if (rmn_dataset_load(argv[2], &ds) != RMN_OK) {
        rmn_net_free(net);
        goto fail;
    }
    int rc = rmn_net_plan(net, cfg.batch_size);
    rmn_augment_params aug = rmn_train_config_augment(&cfg); /* unused without TTA */
    const rmn_batch_spec spec = rmn_train_config_batch_spec(&cfg, &aug); /* image size, channels */
    if (rc == RMN_OK)
        rc = rmn_evaluate_split(net, &ds.split[RMN_SPLIT_TEST], cfg.batch_size, &spec, cfg.num_classes,
                                "eval", NULL, &r);
    if (rc == RMN_OK) {
        printf("%d %d %.2f%%\n", r.n, r.n_correct, 100.0 * r.n_correct / r.n);
        rmn_eval_result_free(&r);
    }
    rmn_dataset_free(&ds);
    rmn_net_free(net);
    if (rc == RMN_OK)
        return 0;
fail:
    fprintf(stderr, "%s: error: %s\n", argv[0], rmn_error_message());
    return 1;
}

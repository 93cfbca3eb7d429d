/* import_store.c -- records the evaluation of published weights as a store run of kind
 * 'imported' (schema version 3), one run per (experiment, name, weights file digest, input),
 * each rmn-eval call adding its eval (plain or TTA) to it. */
#include "train/import.h"

#include "core/error.h"
#include "core/sha256.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

int rmn_import_record(const char *store_path, const char *experiment, const char *name, const rmn_train_config *cfg,
                      rmn_net *net, const char *pth_path, const rmn_eval_result *r, const char *split, int tta_n,
                      uint64_t tta_seed) {
    char sha[RMN_SHA256_HEX], config[512], config_sha[RMN_SHA256_HEX], status[16];
    RMN_TRY(rmn_sha256_file(pth_path, sha));
    snprintf(config, sizeof config, "arch=%s\nimage_size=%d\nin_channels=%d\nnum_classes=%d\nwidth=%d\nweights_sha256=%s\n",
             cfg->arch, cfg->image_size, cfg->in_channels, cfg->num_classes, cfg->width, sha);
    rmn_sha256_hex(config, strlen(config), config_sha);
    rmn_store *s;
    RMN_TRY(rmn_store_open(store_path, &s));
    int64_t run = 0, ev;
    int rc = rmn_store_find_run(s, experiment, "imported", name, config_sha, &run, status);
    int fresh = rc == RMN_ENOTFOUND || (rc == RMN_OK && strcmp(status, "FINISHED") != 0);
    if (fresh) {
        rmn_run_info info = {.experiment = experiment, .name = name, .kind = "imported", .model = cfg->arch,
                             .n_params = (int64_t)rmn_net_param_count(net), .seed = 0, .config_text = config};
        rc = rmn_store_run_begin(s, &info, &run);
        if (rc == RMN_OK)
            rc = rmn_store_run_tag(s, run, "import.source", pth_path);
        if (rc == RMN_OK)
            rc = rmn_store_run_tag(s, run, "import.sha256", sha);
    }
    rmn_eval_record rec = {.split = split, .tta_n = tta_n, .tta_seed = (int64_t)tta_seed, .n_samples = r->n,
                           .n_classes = r->n_classes, .sample_idx = r->sample_idx, .labels = r->labels,
                           .preds = r->preds, .probs = r->probs, .loss = r->loss};
    if (rc == RMN_OK)
        rc = rmn_store_eval(s, run, &rec, &ev);
    if (rc == RMN_OK && fresh)
        rc = rmn_store_run_finish(s, run, "FINISHED", NULL);
    rmn_store_close(s);
    return rc;
}

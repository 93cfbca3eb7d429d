/* test-roundtrip-pth.c -- rmn -> .pth -> rmn for every registered architecture, without
 * Python: a small-width net at the 48 profile (random batch-norm statistics, so none is the
 * trivial 0/1) is written by rmn_export_pth (torch.save's zip format, the references' names),
 * read back by rmn's own reader and name mapping (rmn_import_open_model), and must come back
 * with every tensor bit-identical and the same eval-mode logits. Also at 224 for googlenet
 * (its input affine is not a tensor and must survive as part of the architecture). */
#define _POSIX_C_SOURCE 200809L
#include "core/error.h"
#include "core/rng.h"
#include "export/pth.h"
#include "models/model.h"
#include "nn/net.h"
#include "train/import.h"

#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

/* rmn's width at the 48 profile for each family: small, yet valid (cbam's MLP has C/16) */
static int width_for(const char *arch) {
    if (strcmp(arch, "cbam_resnet34") == 0) /* basic units: C/16 >= 1 needs width 16 */
        return 16;
    return strstr(arch, "cbam") || strstr(arch, "efficientnet") ? 4 : strncmp(arch, "resmasking", 10) == 0 ? 1 : 2;
}

static void one(const char *arch, int size, int channels, int width) {
    rmn_model_config mc = {.in_channels = channels, .image_size = size, .num_classes = 7, .seed = 5, .width = width};
    rmn_net *a, *b = NULL;
    if (!TAP_OK(rmn_model_create(arch, &mc, &a) == RMN_OK, "%s: built (%s)", arch, rmn_error_message()))
        return;
    const rmn_tensor_ref *ta, *tb;
    int na, nb;
    rmn_net_tensors(a, &ta, &na);
    rmn_rng rng;
    rmn_rng_init(&rng, 99, 0);
    for (int i = 0; i < na; ++i) /* statistics that are not 0/1: the import must carry them */
        if (strstr(ta[i].name, "running_"))
            for (int64_t k = 0; k < ta[i].shape[0]; ++k)
                ta[i].data[k] = (float)(0.5 + rmn_rng_uniform(&rng));
    rmn_train_config cfg;
    rmn_train_config_defaults(&cfg);
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    cfg.width = width;
    cfg.image_size = size;
    cfg.in_channels = channels;
    rmn_import_stats s;
    int rc = rmn_export_pth(a, path);
    if (rc == RMN_OK)
        rc = rmn_import_open_model(path, &cfg, 0, &b, NULL, &s);
    if (TAP_OK(rc == RMN_OK, "%s at %d: exported and imported (%s)", arch, size, rc ? rmn_error_message() : "")) {
        rmn_net_tensors(b, &tb, &nb);
        int same = na == nb, bad = -1;
        for (int i = 0; same && i < na; ++i) {
            int64_t numel = 1;
            for (int d = 0; d < ta[i].ndim; ++d)
                numel *= ta[i].shape[d];
            same = strcmp(ta[i].name, tb[i].name) == 0 && memcmp(ta[i].data, tb[i].data, (size_t)numel * 4) == 0;
            bad = same ? -1 : i;
        }
        TAP_OK(same, "%s: %d tensors bit-identical after the round trip%s%s", arch, na, bad >= 0 ? ", not " : "",
               bad >= 0 ? ta[bad].name : "");
        const size_t nx = (size_t)2 * (size_t)(channels * size * size);
        float *x = malloc(nx * sizeof *x), la[14];
        for (size_t k = 0; k < nx; ++k)
            x[k] = (float)rmn_rng_uniform(&rng);
        rc = rmn_net_forward(a, x, 2, 0, NULL);
        if (rc == RMN_OK)
            memcpy(la, rmn_net_logits(a), sizeof la);
        rc = rc == RMN_OK ? rmn_net_forward(b, x, 2, 0, NULL) : rc;
        TAP_OK(rc == RMN_OK && memcmp(la, rmn_net_logits(b), sizeof la) == 0, "%s: the same logits", arch);
        free(x);
        rmn_net_free(b);
    }
    rmn_net_free(a);
}

int main(void) {
    snprintf(path, sizeof path, "/tmp/rmn-roundtrip-%ld.pth", (long)getpid());
    const char *const *names;
    int n;
    rmn_model_names(&names, &n);
    for (int i = 0; i < n; ++i)
        one(names[i], 48, 1, strcmp(names[i], "democnn") == 0 ? 8 : width_for(names[i]));
    one("googlenet", 224, 3, 0);
    unlink(path);
    return tap_done();
}

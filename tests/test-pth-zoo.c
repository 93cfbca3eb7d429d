/* test-pth-zoo.c -- every zoo family imported from PyTorch: the checkpoints of
 * tools/pth/make_zoo_pth.py (small widths at the 48 profile, saved by PyTorch 1.13 in the zip
 * and legacy formats, float16, with the state_dict names of the code the thesis ran:
 * torchvision, the original repository, pytorchcv) give PyTorch's eval-mode logits within 1e-4,
 * and serve as `pretrained:` trunks (the head new), and every registered architecture is covered
 * (but democnn and resnet18_centerloss, rmn's own). */
#include "core/error.h"
#include "core/pth.h"
#include "core/safetensors.h"
#include "models/model.h"
#include "nn/net.h"
#include "train/import.h"
#include "train/pretrained.h"

#include "tap.h"

#include <string.h>

static char dir[1024];
static int warnings;

static void on_warning(const char *message, void *user) {
    (void)message, (void)user;
    ++warnings;
}

/* rmn's own architectures: no PyTorch original to import from */
static int own(const char *arch) {
    return strcmp(arch, "democnn") == 0 || strcmp(arch, "resnet18_centerloss") == 0;
}

static void one(const rmn_st_file *ex, const char *arch, int width, const char *format, const float *x) {
    char path[1400];
    snprintf(path, sizeof path, "%s/%s-%s.pth", dir, arch, format);
    rmn_train_config cfg;
    rmn_train_config_defaults(&cfg);
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    cfg.width = width;
    rmn_net *net;
    rmn_pth_file *f;
    rmn_import_stats s;
    int rc = rmn_import_open_model(path, &cfg, 0, &net, &f, &s);
    if (!TAP_OK(rc == RMN_OK, "%s (%s, width %d) imports (%s)", arch, format, width, rc ? rmn_error_message() : ""))
        return;
    float want[14];
    rmn_st_copy_f32(rmn_st_find(ex, arch), want, 14);
    rc = rmn_net_forward(net, x, 2, 0, NULL);
    const float *got = rmn_net_logits(net);
    double worst = 0;
    for (int i = 0; i < 14 && rc == RMN_OK; ++i) {
        double e = fabs(got[i] - want[i]) / (fabs(want[i]) > 1 ? fabs(want[i]) : 1);
        worst = e > worst ? e : worst;
    }
    TAP_OK(rc == RMN_OK && worst <= 1e-4, "%s (%s): %d tensors loaded, %d ignored; logits match PyTorch's "
           "(worst relative error %.2e)", arch, format, s.loaded, s.ignored, worst);
    /* the same file as the `pretrained:` trunk of a 5-class model: all but the head loaded */
    rmn_model_config mc = {.in_channels = 1, .image_size = 48, .num_classes = 5, .seed = 3, .width = width};
    rmn_net *p;
    int loaded = 0;
    const rmn_tensor_ref *refs;
    int nref = 0;
    rc = rmn_model_create(arch, &mc, &p);
    if (rc == RMN_OK) {
        rmn_net_tensors(p, &refs, &nref);
        rc = rmn_pretrained_load(p, path, &loaded);
        rmn_net_free(p);
    }
    TAP_OK(rc == RMN_OK && loaded == nref - 2 && loaded == s.loaded - 2,
           "%s (%s) as a pretrained trunk: %d of %d tensors, the head new (%s)", arch, format, loaded, nref,
           rc ? rmn_error_message() : "");
    if (strcmp(format, "legacy") == 0)
        TAP_OK(strcmp(rmn_pth_container(f), "net") == 0 && rmn_pth_meta_count(f) == 2,
               "%s (legacy): the thesis dict's net and its two numbers", arch);
    rmn_pth_close(f);
    rmn_net_free(net);
}

int main(void) {
    const char *src = getenv("RMN_SRCDIR");
    snprintf(dir, sizeof dir, "%s/tests/data/pth/zoo", src ? src : ".");
    char ep[1200];
    snprintf(ep, sizeof ep, "%s/expect.safetensors", dir);
    rmn_st_file *ex;
    if (!TAP_OK(rmn_st_open(ep, &ex) == RMN_OK, "open %s", ep))
        return tap_done();
    rmn_warning_set_handler(on_warning, NULL);
    float x[2 * 48 * 48];
    rmn_st_copy_f32(rmn_st_find(ex, "x"), x, 2 * 48 * 48);
    const char *const *names;
    int n;
    rmn_model_names(&names, &n);
    for (int i = 0; i < n; ++i) {
        const char *spec = rmn_st_meta(ex, names[i]);
        if (own(names[i])) {
            TAP_OK(spec == NULL, "%s: rmn's own architecture, no PyTorch original", names[i]);
            continue;
        }
        int width = 0, used = 0;
        if (!TAP_OK(spec && sscanf(spec, "%d%n", &width, &used) == 1, "%s has fixtures (%s)", names[i],
                    spec ? spec : "none: run tools/pth/make_zoo_pth.py"))
            continue;
        char formats[64];
        snprintf(formats, sizeof formats, "%s", spec + used);
        for (char *tok = strtok(formats, " "); tok; tok = strtok(NULL, " "))
            one(ex, names[i], width, tok, x);
    }

    /* efficientnet_b2b pads as pytorchcv's does: its imports no longer warn */
    TAP_OK(warnings == 0, "no import warns (%d warnings)", warnings);
    rmn_st_close(ex);
    return tap_done();
}

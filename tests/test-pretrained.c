/* test-pretrained.c -- the `pretrained:` key (train/pretrained.h): a trunk written as
 * safetensors (the tensors of one model) is loaded into a fresh model of the same trunk with
 * a new head; a ResNet34 trunk goes into resmasking_dropout1 (masks new); the check refuses a
 * missing file, another arch, another width, another profile and an unknown file kind, each
 * naming the file; PyTorch .pth trunks through the built-in reader; and a plugged-in
 * reader is called. */
#define _POSIX_C_SOURCE 200809L
#include "core/error.h"
#include "models/model.h"
#include "core/safetensors.h"
#include "nn/graph.h"
#include "train/train_config.h"
#include "train/pretrained.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

/* writes every tensor of a fresh model (arch, profile 48 or 224, width, seed) to path */
static int write_model(const char *arch, int size, int width, uint64_t seed, const char *path) {
    rmn_model_config mc = {.in_channels = size == 48 ? 1 : 3, .image_size = size,
                           .num_classes = 7, .seed = seed, .width = width};
    rmn_net *net;
    RMN_TRY(rmn_model_create(arch, &mc, &net));
    rmn_st_writer *w;
    int rc = rmn_st_writer_create(&w);
    for (int s = 0; rc == RMN_OK && s < net->n_specs; ++s) {
        const rmn_tensor_spec *t = &net->specs[s];
        rc = rmn_st_writer_add(w, t->name, RMN_ST_F32, t->ndim, t->shape,
                               (t->trainable ? net->params : net->buffers) + t->off);
    }
    if (rc == RMN_OK)
        rc = rmn_st_writer_meta(w, "arch", arch);
    if (rc == RMN_OK)
        rc = rmn_st_writer_save(w, path);
    rmn_st_writer_free(w);
    rmn_net_free(net);
    return rc;
}

static const float *tensor(const rmn_net *net, const char *name) {
    for (int s = 0; s < net->n_specs; ++s)
        if (strcmp(net->specs[s].name, name) == 0)
            return (net->specs[s].trainable ? net->params : net->buffers) + net->specs[s].off;
    return NULL;
}

static int check(const char *arch, int size, int width, const char *path) {
    rmn_train_config cfg;
    rmn_train_config_defaults(&cfg);
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    cfg.image_size = size;
    cfg.in_channels = size == 48 ? 1 : 3;
    cfg.width = width;
    snprintf(cfg.pretrained, sizeof cfg.pretrained, "%s", path);
    return rmn_pretrained_check(&cfg, "run x");
}

static int fake_calls;
static int fake_reader(const char *path, rmn_pretrained_set *out) {
    (void)path;
    ++fake_calls;
    memset(out, 0, sizeof *out);
    return RMN_ERROR(RMN_EFORMAT, "fake reader: nothing here");
}

int main(void) {
    snprintf(dir, sizeof dir, "%s/rmn-test-pre.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        return 99;
    char r18[300], r34[300], wide[300], missing[300], odd[300], fake[300];
    snprintf(r18, sizeof r18, "%s/r18.safetensors", dir);
    snprintf(r34, sizeof r34, "%s/r34.safetensors", dir);
    snprintf(wide, sizeof wide, "%s/r18w16.safetensors", dir);
    snprintf(missing, sizeof missing, "%s/absent.safetensors", dir);
    snprintf(odd, sizeof odd, "%s/weights.bin", dir);
    snprintf(fake, sizeof fake, "%s/weights.fake", dir);
    TAP_OK(write_model("resnet18", 48, 8, 11, r18) == RMN_OK &&
               write_model("resnet34", 48, 8, 12, r34) == RMN_OK &&
               write_model("resnet18", 48, 16, 13, wide) == RMN_OK,
           "trunk files written (resnet18 and resnet34 width 8, resnet18 width 16)");

    TAP_OK(check("resnet18", 48, 8, r18) == RMN_OK, "check: resnet18 trunk for resnet18 (%s)",
           rmn_error_message());
    /* load into a model of another seed: trunk = the file's, head = its own fresh init */
    rmn_model_config mc = {.in_channels = 1, .image_size = 48, .num_classes = 7, .seed = 99,
                           .width = 8};
    rmn_net *a = NULL, *b = NULL, *file = NULL;
    rmn_model_config mf = mc;
    mf.seed = 11;
    int loaded = 0;
    if (rmn_model_create("resnet18", &mc, &a) == RMN_OK &&
        rmn_model_create("resnet18", &mc, &b) == RMN_OK &&
        rmn_model_create("resnet18", &mf, &file) == RMN_OK) {
        const int rc = rmn_pretrained_load(a, r18, &loaded);
        TAP_OK(rc == RMN_OK && loaded == a->n_specs - 2, "loaded %d of %d tensors (all but fc)",
               loaded, a->n_specs);
        TAP_OK(memcmp(tensor(a, "conv1.weight"), tensor(file, "conv1.weight"),
                      8 * 9 * sizeof(float)) == 0 &&
                   memcmp(tensor(a, "layer4.1.bn2.running_var"),
                          tensor(file, "layer4.1.bn2.running_var"), 64 * sizeof(float)) == 0,
               "trunk parameters and statistics are the file's");
        TAP_OK(memcmp(tensor(a, "fc.weight"), tensor(b, "fc.weight"), 7 * 64 * sizeof(float)) == 0 &&
                   memcmp(tensor(a, "fc.weight"), tensor(file, "fc.weight"),
                          7 * 64 * sizeof(float)) != 0,
               "the head is new (the model's own initialisation, not the file's)");
    } else {
        TAP_OK(0, "models built: %s", rmn_error_message());
    }
    rmn_net_free(a);
    rmn_net_free(b);
    rmn_net_free(file);

    TAP_OK(check("resmasking_dropout1", 48, 8, r34) == RMN_OK,
           "a resnet34 trunk for resmasking_dropout1: accepted, masks new (%s)",
           rmn_error_message());
    int rc = check("resnet18", 48, 8, missing);
    TAP_OK(rc != RMN_OK && strstr(rmn_error_message(), "absent.safetensors") &&
               strstr(rmn_error_message(), "run x"),
           "missing file: refused naming it (%s)", rmn_error_message());
    rc = check("vgg19", 48, 8, r18);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "arch resnet18") &&
               strstr(rmn_error_message(), "lacks"),
           "another arch: refused naming the file's arch (%s)", rmn_error_message());
    rc = check("resnet18", 48, 8, wide);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "conv1.weight is (16,1,3,3)"),
           "another width: mis-shaped trunk refused with both shapes (%s)", rmn_error_message());
    rc = check("resnet18", 224, 0, r18);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "(64,3,7,7)"),
           "another profile: refused (%s)", rmn_error_message());
    FILE *f = fopen(odd, "w");
    if (f)
        fclose(f);
    rc = check("resnet18", 48, 8, odd);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "no reader"),
           "an unknown kind of file: refused (%s)", rmn_error_message());
    f = fopen(fake, "w");
    if (f)
        fclose(f);
    TAP_OK(rmn_pretrained_set_reader(".fake", fake_reader) == RMN_OK, "a reader registered");
    rc = check("resnet18", 48, 8, fake);
    TAP_OK(fake_calls == 1 && rc == RMN_EFORMAT && strstr(rmn_error_message(), "weights.fake"),
           "the plugged-in reader reads its files; its error names the file (%s)",
           rmn_error_message());
    /* PyTorch checkpoints (.pth) through the built-in reader: the original code's names, a
     * thesis dict with "module." keys, and the masking blocks' names mapped */
    char pth[600];
    const char *src = getenv("RMN_SRCDIR") ? getenv("RMN_SRCDIR") : ".";
    snprintf(pth, sizeof pth, "%s/tests/data/pth/resnet18-legacy.pth", src);
    rc = check("resnet18", 48, 4, pth);
    TAP_OK(rc == RMN_OK, "a .pth trunk (resnet18 width 4, legacy thesis dict) is accepted (%s)",
           rmn_error_message());
    rc = check("resnet18", 48, 8, pth);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "resnet18-legacy.pth"),
           "the same .pth for width 8: refused naming it (%s)", rmn_error_message());
    snprintf(pth, sizeof pth, "%s/tests/data/pth/resmasking-legacy-f16.pth", src);
    rmn_pretrained_set set;
    rc = rmn_pretrained_read(pth, &set);
    int mapped = 0, original = 0;
    for (int i = 0; rc == RMN_OK && i < set.n; ++i) {
        mapped += strstr(set.t[i].name, ".enc0.") != NULL;
        original += strncmp(set.t[i].name, "mask", 4) == 0 &&
                    (strncmp(set.t[i].name + 6, "conv", 4) == 0 ||
                     strncmp(set.t[i].name + 6, "downsample", 10) == 0); /* "maskK.convJ" */
    }
    if (rc == RMN_OK)
        rmn_pretrained_set_free(&set);
    TAP_OK(rc == RMN_OK && mapped > 0 && original == 0,
           "a resmasking .pth: the original's mask names read as rmn's (%d enc0 tensors) (%s)",
           mapped, rmn_error_message());
    rc = check("resmasking_dropout1", 48, 2, pth);
    TAP_OK(rc == RMN_OK, "and accepted as the trunk of resmasking_dropout1 width 2 (%s)",
           rmn_error_message());
    unlink(r18);
    unlink(r34);
    unlink(wide);
    unlink(odd);
    unlink(fake);
    rmdir(dir);
    return tap_done();
}
